package common

import (
	"os"
	"path/filepath"
)

// EditorFile makes the file a note is handed to $VISUAL or $EDITOR in,
// holding text, inside a new folder of its own in the temp folder (0700,
// a fresh name each time), and returns its path and a func that removes
// both once the text is read back. A fixed folder in the shared temp
// folder, as notes used before, could be made first by another account
// on the machine, which could then replace the file being edited and so
// the note saved from it.
func EditorFile(name string, text []byte) (path string, remove func(), err error) {
	dir, err := os.MkdirTemp("", "fieldcrm-note-")
	if err != nil {
		return "", nil, err
	}
	path = filepath.Join(dir, name)
	if err := os.WriteFile(path, text, 0o600); err != nil {
		os.RemoveAll(dir)
		return "", nil, err
	}
	return path, func() { os.RemoveAll(dir) }, nil
}
