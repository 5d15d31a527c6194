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
	ed := New(c, store.Draft{Kind: "note"})
	ed.clock = func() time.Time { return now }
	ed.pause = 5 * time.Millisecond
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

	ed.pause = time.Hour // typing never pauses now
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
	ed := New(uitest.Common(st, "en", 80, 24), store.Draft{Kind: "note", Text: "x"})
	ed.rev = 3
	ed, _ = ed.Update(SavedMsg{DraftID: "other", Rev: 3})
	if ed.savedRev == 3 {
		t.Fatal("a reply for another draft counted as saved")
	}
}
