package main

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
	bolt "go.etcd.io/bbolt"
)

// complete runs the shell's hidden completion request and returns the
// candidates (without descriptions) and the directive line.
func (c *cli) complete(args ...string) ([]string, string) {
	c.t.Helper()
	out, errs, err := c.run("", append([]string{"__complete"}, args...)...)
	if err != nil {
		c.t.Fatalf("__complete %q: %v\n%s", args, err, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var got []string
	for _, l := range lines[:len(lines)-1] {
		v, _, _ := strings.Cut(l, "\t")
		got = append(got, v)
	}
	return got, lines[len(lines)-1]
}

// noFiles is cobra's directive line for ShellCompDirectiveNoFileComp.
const noFiles = ":4"

func TestCompletionOffersLeadsStagesAndLists(t *testing.T) {
	c := newCLI(t)
	// No book yet: no candidates, no file names, and no book made.
	if got, dir := c.complete("lead", "move", ""); len(got) != 0 || dir != noFiles {
		t.Fatalf("lead move with no book: %q %s", got, dir)
	}
	if _, err := os.Stat(c.db); err == nil {
		t.Fatal("completion created the book")
	}
	c.ok("lead", "add", "--company", "华北能源有限公司")
	c.ok("lead", "add", "--company", "Acme GmbH")
	c.ok("followup", "set", "Acme", "tomorrow", "send the quote")
	var acme, task string
	st, err := store.Open(store.Options{Path: c.db})
	if err != nil {
		t.Fatal(err)
	}
	st.View(func(tx *store.Tx) error {
		acme, _ = tx.ResolveLead("Acme")
		tasks, _ := tx.OpenTasks(model.Date{})
		if len(tasks) == 1 {
			task = tasks[0].ID
		}
		return nil
	})
	st.Close()
	if acme == "" || task == "" {
		t.Fatal("setup: lead or follow-up missing")
	}

	has := func(what string, got []string, want ...string) {
		t.Helper()
		for _, w := range want {
			if !slices.Contains(got, w) {
				t.Errorf("%s: candidates %q lack %q", what, got, w)
			}
		}
	}
	got, dir := c.complete("lead", "move", "")
	has("lead move LEAD", got, "Acme GmbH", "华北能源有限公司", store.ShortID(acme))
	if dir != noFiles {
		t.Errorf("lead move LEAD: directive %s, want %s (no file names)", dir, noFiles)
	}
	if got, _ := c.complete("lead", "move", "ac"); !slices.Contains(got, "Acme GmbH") || slices.Contains(got, "华北能源有限公司") {
		t.Errorf("lead move ac: %q", got)
	}
	got, dir = c.complete("lead", "move", "Acme", "")
	has("lead move LEAD STAGE", got, model.DefaultPipeline().Keys()...)
	if dir != noFiles || slices.Contains(got, "Acme GmbH") {
		t.Errorf("lead move LEAD STAGE: %q %s", got, dir)
	}
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"lead", "show", ""}, []string{"Acme GmbH"}},
		{[]string{"visit", "add", ""}, []string{"Acme GmbH"}},
		{[]string{"visit", "list", ""}, []string{"Acme GmbH"}},
		{[]string{"followup", "set", ""}, []string{"Acme GmbH"}},
		{[]string{"lead", "add", "--source", ""}, []string{"trade_show", "web", "cold_call"}},
		{[]string{"lead", "add", "--stage", ""}, []string{"prospect", "won"}},
		{[]string{"lead", "list", "--stage", ""}, []string{"negotiation"}},
		{[]string{"lead", "edit", "Acme", "--lost-reason", ""}, []string{"price", "no_budget"}},
		{[]string{"lead", "move", "Acme", "lost", "--reason", ""}, []string{"price", "competitor"}},
		{[]string{"visit", "add", "Acme", "--kind", ""}, []string{"visit", "call", "complaint"}},
		{[]string{"visit", "list", "--kind", ""}, []string{"demo"}},
		{[]string{"followup", "done", ""}, []string{store.ShortID(task)}},
		{[]string{"followup", "snooze", ""}, []string{store.ShortID(task)}},
	} {
		got, dir := c.complete(tc.args...)
		has(strings.Join(tc.args, " "), got, tc.want...)
		if dir != noFiles {
			t.Errorf("%q: directive %s, want %s", tc.args, dir, noFiles)
		}
	}
	// Descriptions are in the user's language.
	out, _, _ := c.run("", "--lang", "zh", "__complete", "lead", "add", "--source", "")
	if !strings.Contains(out, "trade_show\t行业展会") {
		t.Errorf("zh source descriptions:\n%s", out)
	}
}

// TestCompletionNeverWaitsForALockedBook holds the book's lock as the UI
// would and checks that Tab answers at once, with nothing on stderr.
func TestCompletionNeverWaitsForALockedBook(t *testing.T) {
	c := newCLI(t)
	c.ok("lead", "add", "--company", "Acme")
	st, err := store.Open(store.Options{Path: c.db, KeepOpen: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	start := time.Now()
	out, errs, err := c.run("", "__complete", "lead", "move", "")
	if err != nil || time.Since(start) > 2*time.Second {
		t.Fatalf("completion on a locked book: %v after %v", err, time.Since(start))
	}
	if strings.TrimSpace(out) != noFiles || strings.Contains(errs, "lock") || strings.Contains(errs, "pid") {
		t.Errorf("completion on a locked book printed %q, stderr %q", out, errs)
	}
}

// TestCompletionLeavesNoTrace: Tab reads the book read-only. It makes no
// lock file, no backup and no damaged mark beside the book, and does not
// migrate a book at an older schema: the file stays byte for byte and
// time for time as it was, even when that means offering nothing.
func TestCompletionLeavesNoTrace(t *testing.T) {
	c := newCLI(t)
	c.ok("lead", "add", "--company", "Acme GmbH")
	dir := filepath.Dir(c.db)
	snapshot := func() map[string]string {
		t.Helper()
		files := map[string]string{}
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			fi, err := d.Info()
			if err != nil {
				return err
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			files[p] = fmt.Sprintf("%x %d %s", sha256.Sum256(data), fi.Size(), fi.ModTime().Format(time.RFC3339Nano))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return files
	}
	// The lock file is left by writers; without it a completion that took
	// a lock would have to make one.
	os.Remove(c.db + ".lock")
	before := snapshot()
	time.Sleep(20 * time.Millisecond) // a write now would change a modification time
	if got, _ := c.complete("lead", "move", ""); !slices.Contains(got, "Acme GmbH") {
		t.Fatalf("completion on a readable book: %q", got)
	}
	if after := snapshot(); !maps.Equal(before, after) {
		t.Fatalf("completion changed the folder:\nbefore %v\nafter  %v", before, after)
	}

	// A book at an older schema is not migrated by Tab.
	db, err := bolt.Open(c.db, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		v := make([]byte, 8)
		binary.BigEndian.PutUint64(v, uint64(store.SchemaVersion-1))
		return tx.Bucket([]byte("meta")).Put([]byte("schema_version"), v)
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	before = snapshot()
	time.Sleep(20 * time.Millisecond)
	c.complete("lead", "move", "")
	if after := snapshot(); !maps.Equal(before, after) {
		t.Fatalf("completion on an older book changed the folder:\nbefore %v\nafter  %v", before, after)
	}
	// A command that writes migrates it as before.
	c.ok("lead", "add", "--company", "Bravo")
	if got, _ := c.complete("lead", "move", ""); !slices.Contains(got, "Bravo") {
		t.Fatalf("completion after the migration: %q", got)
	}
}
