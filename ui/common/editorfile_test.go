package common

import (
	"os"
	"path/filepath"
	"testing"
)

// TestEditorFileIsPrivate: each note for the editor gets a new folder
// that only this account can enter, never one found already there (such
// as the fixed one another account could have made), and leaves nothing
// once removed.
func TestEditorFileIsPrivate(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	squatted := filepath.Join(os.TempDir(), "fieldcrm-notes")
	if err := os.Mkdir(squatted, 0o777); err != nil {
		t.Fatal(err)
	}
	a, removeA, err := EditorFile("a.md", []byte("第一"))
	if err != nil {
		t.Fatal(err)
	}
	b, removeB, err := EditorFile("a.md", []byte("second"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{a, b} {
		dir := filepath.Dir(p)
		fi, err := os.Lstat(dir)
		if err != nil {
			t.Fatal(err)
		}
		if !fi.IsDir() || fi.Mode().Perm() != 0o700 || dir == squatted || filepath.Dir(dir) != filepath.Clean(os.TempDir()) {
			t.Fatalf("the editor's file %s is in %s (%v)", p, dir, fi.Mode())
		}
	}
	if filepath.Dir(a) == filepath.Dir(b) {
		t.Fatalf("two notes share the folder %s", filepath.Dir(a))
	}
	if data, err := os.ReadFile(a); err != nil || string(data) != "第一" {
		t.Fatalf("the file holds %q, %v", data, err)
	}
	removeA()
	removeB()
	for _, p := range []string{a, b} {
		if _, err := os.Stat(filepath.Dir(p)); !os.IsNotExist(err) {
			t.Fatalf("%s is left: %v", filepath.Dir(p), err)
		}
	}
}
