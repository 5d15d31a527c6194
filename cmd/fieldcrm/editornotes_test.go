package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
)

// TestEditorNotesKeptUntilSaved: 'visit add' without --notes, in a real
// terminal (tmux on a private socket), hands the notes to $EDITOR. Notes
// the book refuses (longer than it takes) leave the file where they were
// typed, and the error names it; notes it takes are saved and the file,
// with its folder, is removed.
func TestEditorNotesKeptUntilSaved(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("no tmux")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	home, db := filepath.Join(dir, "home"), filepath.Join(dir, "book.db")
	st, err := store.Open(store.Options{Path: db, User: "tester"})
	if err != nil {
		t.Fatal(err)
	}
	l := model.Lead{Company: "Acme"}
	if err := st.Update(func(tx *store.Tx) error { return tx.AddLead(&l) }); err != nil {
		t.Fatal(err)
	}
	st.Close()

	// The "editor" writes the text of $NOTE into the file it is given and
	// notes the file's path.
	editor := filepath.Join(dir, "editor.sh")
	script := "#!/bin/sh\nprintf '%s' \"$1\" > \"$EDITED\"\ncat \"$NOTE\" > \"$1\"\n"
	if err := os.WriteFile(editor, []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	sock := fmt.Sprintf("fieldcrm-editor-%d", os.Getpid())
	tmux := func(args ...string) *exec.Cmd { return exec.Command("tmux", append([]string{"-L", sock}, args...)...) }
	t.Cleanup(func() {
		_ = tmux("kill-server").Run()
		_ = os.Remove(tmuxSocket(sock)) // tmux 3.3 leaves it behind
	})
	// run runs 'visit add' in a tmux pane with note's text for the editor
	// and returns its exit code, what it wrote on stderr, and the path
	// the editor was given.
	run := func(name, note string) (code, stderr, edited string) {
		t.Helper()
		notePath, rc, errs, editedPath := filepath.Join(dir, name+".txt"), filepath.Join(dir, name+".rc"), filepath.Join(dir, name+".err"), filepath.Join(dir, name+".edited")
		if err := os.WriteFile(notePath, []byte(note), 0o600); err != nil {
			t.Fatal(err)
		}
		// TMPDIR: the editor's folders are made in the test's own.
		line := fmt.Sprintf("env -i PATH=%q HOME=%q XDG_CONFIG_HOME=%q XDG_DATA_HOME=%q TMPDIR=%q FIELDCRM_LANG=en USER=tester EDITOR=%q NOTE=%q EDITED=%q %q --db %q visit add Acme --kind call 2>%q; echo $? > %q",
			os.Getenv("PATH"), home, home, home, dir, editor, notePath, editedPath, bin, db, errs, rc)
		if out, err := tmux("new-session", "-d", "-x", "100", "-y", "20", "sh", "-c", line).CombinedOutput(); err != nil {
			t.Fatalf("tmux: %v %s", err, out)
		}
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			if data, err := os.ReadFile(rc); err == nil && strings.HasSuffix(string(data), "\n") {
				code = strings.TrimSpace(string(data))
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("'visit add' did not end in 30 s")
			}
		}
		e, _ := os.ReadFile(errs)
		p, _ := os.ReadFile(editedPath)
		return code, string(e), string(p)
	}

	tooLong := strings.Repeat("长", model.MaxNotesLen/3+1)
	code, stderr, edited := run("refused", tooLong)
	if code == "0" || edited == "" || !strings.Contains(stderr, edited) {
		t.Fatalf("notes the book refuses: exit %s, stderr %q, typed into %q", code, stderr, edited)
	}
	if data, err := os.ReadFile(edited); err != nil || string(data) != tooLong {
		t.Fatalf("the refused notes were not kept where they were typed: %d bytes, %v", len(data), err)
	}
	if fi, err := os.Stat(filepath.Dir(edited)); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("the editor's folder: %v, %v", fi, err)
	}

	code, stderr, edited = run("saved", "Met the buyer, 王总.")
	if code != "0" || edited == "" {
		t.Fatalf("notes the book takes: exit %s, stderr %q", code, stderr)
	}
	if _, err := os.Stat(filepath.Dir(edited)); !os.IsNotExist(err) {
		t.Fatalf("the editor's folder %s is left after the notes were saved: %v", filepath.Dir(edited), err)
	}
	st, err = store.Open(store.Options{Path: db, User: "tester"})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	err = st.View(func(tx *store.Tx) error {
		acts, err := tx.ActivitiesOf(l.ID, 0)
		if err == nil && (len(acts) != 1 || acts[0].Notes() != "Met the buyer, 王总.") {
			t.Errorf("the lead's activities: %+v", acts)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// tmuxSocket is the file of the socket tmux -L name serves on:
// $TMUX_TMPDIR, or /tmp, then tmux-UID (tmux(1), -L; as
// ui/internal/uitest.SocketPath, which this package cannot import).
func tmuxSocket(name string) string {
	dir := os.Getenv("TMUX_TMPDIR")
	if dir == "" {
		dir = "/tmp"
	}
	return filepath.Join(dir, fmt.Sprintf("tmux-%d", os.Getuid()), name)
}
