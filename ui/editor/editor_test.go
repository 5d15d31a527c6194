package editor

import (
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui/internal/uitest"
)

func draftText(t *testing.T, st *store.Store, id string) string {
	t.Helper()
	var d store.Draft
	err := st.View(func(tx *store.Tx) (err error) { d, err = tx.Draft(id); return err })
	if err != nil {
		return "<none>"
	}
	return d.Text
}

// TestDraftSavedOnPauseAndEverySecond drives the editor as the program
// does (every command run, its messages fed back) with a fake clock.
func TestDraftSavedOnPauseAndEverySecond(t *testing.T) {
	st := uitest.Store(t)
	c := uitest.Common(st, "en", 80, 24)
	data := c.Data.(*uitest.Tracked)
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	ed := New(c, StoreDrafts(c.Data), store.Draft{Kind: "note"})
	ed.dr.clock = func() time.Time { return now }
	ed.dr.pause = 5 * time.Millisecond
	typeKey := func(k string) {
		uitest.Run(func(msg tea.Msg) tea.Cmd {
			var cmd tea.Cmd
			ed, cmd = ed.Update(msg)
			return cmd
		}, func() tea.Msg { return uitest.Key(k) }, data)
	}

	typeKey("h") // the first key saves at once: nothing was saved yet
	if got := draftText(t, st, ed.ID()); got != "h" {
		t.Fatalf("after the first key the draft is %q", got)
	}
	typeKey("i") // within the second: saved when typing pauses
	if got := draftText(t, st, ed.ID()); got != "hi" || ed.Dirty() {
		t.Fatalf("after a pause the draft is %q (dirty %v)", got, ed.Dirty())
	}

	ed.dr.pause = time.Hour // typing never pauses now
	now = now.Add(500 * time.Millisecond)
	typeKey("x")
	if got := draftText(t, st, ed.ID()); got != "hi" {
		t.Fatalf("half a second after the last save the draft is already %q", got)
	}
	now = now.Add(600 * time.Millisecond)
	typeKey("y") // more than a second since the last save
	if got := draftText(t, st, ed.ID()); got != "hixy" {
		t.Fatalf("a second into non-stop typing the draft is %q", got)
	}
}

func TestSavedReplyOfAnotherDraftIsIgnored(t *testing.T) {
	st := uitest.Store(t)
	c := uitest.Common(st, "en", 80, 24)
	ed := New(c, StoreDrafts(c.Data), store.Draft{Kind: "note", Text: "x"})
	ed.dr.rev = 3
	ed, _ = ed.Update(SavedMsg{DraftID: "other", Rev: 3})
	if ed.dr.savedRev == 3 {
		t.Fatal("a reply for another draft counted as saved")
	}
}

// TestNoSaveWritesADraftBackAfterItEnded is finding 2 of issue 13: a note
// saved for good about a pause after the last key came back as a draft,
// because the pause tick (or a save already running) wrote the draft
// again after the save had deleted it. Both are played here in the worst
// order: the save started before the note was saved runs after it, and
// the tick arrives after it.
func TestNoSaveWritesADraftBackAfterItEnded(t *testing.T) {
	st := uitest.Store(t)
	c := uitest.Common(st, "en", 80, 24)
	ed := New(c, StoreDrafts(c.Data), store.Draft{Kind: "note"})
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	ed.dr.clock = func() time.Time { return now }
	ed.dr.pause = time.Millisecond

	var first tea.Cmd
	ed, first = ed.Update(uitest.Key("a")) // the first key saves at once: hold that save back
	var tick tea.Cmd
	ed, tick = ed.Update(uitest.Key("b")) // within the second: a pause tick
	pause := find[pauseMsg](t, tick)      // the pause passes...

	// ... and the note is saved for good, deleting its draft.
	ed.End()
	if err := st.Update(func(tx *store.Tx) error { return tx.DeleteDraft(ed.ID()) }); err != nil {
		t.Fatal(err)
	}
	if msg := find[SavedMsg](t, first); !msg.Skipped || msg.Err != nil {
		t.Fatalf("the save started before the end wrote anyway: %+v", msg)
	}
	ed, cmd := ed.Update(pause)
	if cmd != nil {
		if msg, ok := cmd().(SavedMsg); !ok || !msg.Skipped {
			t.Fatalf("the pause tick after the end saved: %+v", msg)
		}
	}
	if got := draftText(t, st, ed.ID()); got != "<none>" {
		t.Fatalf("the ended draft came back: %q", got)
	}

	// Typing again (the save failed, or was cancelled) makes it a draft
	// again.
	uitest.Run(func(msg tea.Msg) tea.Cmd {
		var cmd tea.Cmd
		ed, cmd = ed.Update(msg)
		return cmd
	}, func() tea.Msg { return uitest.Key("c") }, c.Data.(*uitest.Tracked))
	if got := draftText(t, st, ed.ID()); got != "abc" {
		t.Fatalf("typing after the end saved %q", got)
	}
}

// find runs the commands of cmd (a batch's too) and returns the first
// message of type T; the cursor's blink, which sleeps, is left behind.
func find[T tea.Msg](t *testing.T, cmd tea.Cmd) T {
	t.Helper()
	got := make(chan tea.Msg, 16)
	var run func(tea.Cmd)
	run = func(c tea.Cmd) {
		if c == nil {
			return
		}
		go func() {
			msg := c()
			if b, ok := msg.(tea.BatchMsg); ok {
				for _, c := range b {
					run(c)
				}
				return
			}
			got <- msg
		}()
	}
	run(cmd)
	deadline := time.After(2 * time.Second)
	for {
		select {
		case msg := <-got:
			if m, ok := msg.(T); ok {
				return m
			}
		case <-deadline:
			var zero T
			t.Fatalf("no %T", zero)
		}
	}
}
