package ui_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui/capture"
	"github.com/fieldcrm/fieldcrm/ui/internal/uitest"
)

// firstLine is the top line of the frame: the title of what is on top.
func (d *driver) firstLine() string { return strings.SplitN(d.plain(), "\n", 2)[0] }

// Finding 3 of issue 13: ctrl+n is for the lead of the screen (the board's
// card, the lead screen, today's item, the open visit) and for none
// elsewhere, also after an earlier note was opened and hidden.
func TestQuickNoteTargetsTheScreensLead(t *testing.T) {
	t.Parallel()
	d, ids := newDriver(t, "en", uitest.English, 100, 30)
	d.send(ctrl('n'))
	if l := d.firstLine(); !strings.Contains(l, "Quick note  for Blue Ridge Energy Group") {
		t.Fatalf("ctrl+n on the board is not for the selected card: %q", l)
	}
	d.keys("esc") // hidden empty: not kept
	d.keys("l", "enter")
	d.send(ctrl('n'))
	if l := d.firstLine(); !strings.Contains(l, "Quick note  for Granite Steel Group") {
		t.Fatalf("ctrl+n on Granite's screen after a hidden note is not for Granite: %q", l)
	}
	d.keys("text:plant visit", "esc") // hidden with text: kept as a draft
	d.keys("esc", "2")
	d.send(ctrl('n'))
	if l := d.firstLine(); !strings.Contains(l, "Quick note  for Blue Ridge Energy Group") {
		t.Fatalf("ctrl+n on today is not for the selected item: %q", l)
	}
	d.keys("esc", "3")
	d.send(ctrl('n'))
	if f := d.plain(); strings.Contains(d.firstLine(), " for ") || !strings.Contains(f, "Lead (type to search") {
		t.Fatalf("ctrl+n on the visit log chose a lead:\n%s", f)
	}
	d.keys("enter") // a reflexive enter picks nothing
	if f := d.plain(); strings.Contains(d.firstLine(), " for ") || strings.Contains(f, "› ") {
		t.Fatalf("enter with nothing typed filed the note on a lead:\n%s", f)
	}
	d.keys("esc")
	// Granite's note was not lost when today's note replaced it.
	found := false
	for _, dr := range d.drafts() {
		found = found || (dr.LeadID == ids[2] && dr.Text == "plant visit")
	}
	if !found {
		t.Fatalf("the hidden note on Granite is not kept: %+v", d.drafts())
	}
	// In visit mode the note is for the visit's lead.
	d.send(openLead(ids[3]))
	d.keys("V")
	d.send(ctrl('n'))
	if l := d.firstLine(); !strings.Contains(l, "Quick note  for Harbor Logistics") {
		t.Fatalf("ctrl+n in visit mode is not for the visit's lead: %q", l)
	}
	d.keys("esc")
	if l := d.firstLine(); !strings.Contains(l, "Visit: Harbor Logistics") {
		t.Fatalf("hiding the note does not go back to the visit: %q", l)
	}
}

// Finding 8: V on lead B while a visit to lead A is open says so and
// offers to show A's visit; it neither reopens A silently nor starts one.
func TestStartVisitWhileAnotherIsOpenAsks(t *testing.T) {
	t.Parallel()
	d, ids := newDriver(t, "en", uitest.English, 100, 30)
	d.send(openLead(ids[2]))
	d.keys("V", "esc", "esc") // check in at Granite, hide visit mode, back
	d.send(openLead(ids[3]))
	d.keys("V")
	f := d.plain()
	if !strings.Contains(f, "A visit to Granite Steel Group is open") || strings.Contains(d.firstLine(), "Visit:") {
		t.Fatalf("V on Harbor with Granite's visit open:\n%s", f)
	}
	if acts := d.activities(ids[3]); len(acts) != 0 {
		t.Fatalf("a visit to Harbor was started: %+v", acts)
	}
	d.keys("esc")
	if !strings.Contains(d.plain(), "Harbor Logistics  [") {
		t.Fatalf("esc does not go back to Harbor's screen:\n%s", d.plain())
	}
	d.keys("V", "enter")
	if l := d.firstLine(); !strings.Contains(l, "Visit: Granite Steel Group") {
		t.Fatalf("enter does not show the open visit: %q", l)
	}
	// V on the lead of the open visit shows it at once.
	d.keys("esc", "esc")
	d.send(openLead(ids[2]))
	d.keys("V")
	if l := d.firstLine(); !strings.Contains(l, "Visit: Granite Steel Group") {
		t.Fatalf("V on Granite does not show its open visit: %q", l)
	}
}

// Finding 9: ? at 80 columns lists every key of the screen or overlay
// and the root's keys, none cut off; it works over the refused list;
// ctrl+n works there and in forms.
func TestHelpIsCompleteAt80ColumnsEverywhere(t *testing.T) {
	t.Parallel()
	d, ids := newDriver(t, "en", uitest.English, 80, 40)
	global := []string{"board/today/log", "reports", "palette", "quick note", "refused", "trash", "sync now", "quit"}
	check := func(where string, want ...string) {
		t.Helper()
		d.keys("?")
		f := d.plain()
		for _, w := range want {
			if !strings.Contains(f, w) {
				t.Errorf("? on %s does not list %q:\n%s", where, w, f)
			}
		}
		d.keys("?")
		if f := d.plain(); strings.Contains(f, "close the help") {
			t.Errorf("? does not close the help on %s:\n%s", where, f)
		}
	}
	check("the board", append([]string{"next stage", "filter", "undo move"}, global...)...)
	d.keys("2")
	check("today", append([]string{"snooze", "log call", "reload"}, global...)...)
	d.keys("3")
	check("the visit log", append([]string{"date range", "this lead only", "edit notes"}, global...)...)
	d.keys("4")
	check("the reports", append([]string{"period", "rep / team"}, global...)...)
	d.keys("1")
	d.send(openLead(ids[2]))
	check("the lead screen", append([]string{"edit", "start visit", "to the trash"}, global...)...)
	d.keys("!")
	check("the refused list", "dismiss", "refused / set aside", "quick note")
	d.send(ctrl('n'))
	if l := d.firstLine(); !strings.Contains(l, "Quick note") {
		t.Fatalf("ctrl+n does nothing over the refused list: %q", l)
	}
	d.keys("esc")
	if !strings.Contains(d.plain(), "Changes the server refused") {
		t.Fatalf("hiding the note does not go back to the refused list:\n%s", d.plain())
	}
	d.keys("esc", "T")
	check("the trash", "restore", "quick note")
	d.keys("esc", "e")
	d.send(ctrl('n'))
	if l := d.firstLine(); !strings.Contains(l, "Quick note  for Granite Steel Group") {
		t.Fatalf("ctrl+n in the edit form is not a note on Granite: %q", l)
	}
}

// Issue 14 in the UI: D asks before moving a lead to the trash, T lists
// the trash, r brings the lead back.
func TestTrashAndRestoreFromTheUI(t *testing.T) {
	t.Parallel()
	d, ids := newDriver(t, "en", uitest.English, 100, 30)
	d.send(openLead(ids[3]))
	d.keys("D")
	if f := d.plain(); !strings.Contains(f, "Move Harbor Logistics to the trash?") {
		t.Fatalf("D does not ask:\n%s", f)
	}
	d.keys("n")
	if l := d.leadByCompany("Harbor Logistics"); l.Deleted {
		t.Fatal("n trashed the lead")
	}
	d.keys("D", "y")
	if f := d.plain(); !strings.Contains(f, "Harbor Logistics is in the trash") || !strings.Contains(f, "Qualified (1)") || strings.Contains(f, "Harbor Logistics  [") {
		t.Fatalf("y does not trash the lead and go back to the board:\n%s", f)
	}
	d.keys("T")
	f := d.plain()
	if !strings.Contains(f, "Trash (1)") || !regexp.MustCompile(`Harbor Logistics +deleted 2026-11-27 10:00 · kept until 12-27`).MatchString(f) {
		t.Fatalf("the trash does not list the lead:\n%s", f)
	}
	d.keys("r")
	if f := d.plain(); !strings.Contains(f, "Harbor Logistics is back from the trash.") || !strings.Contains(f, "The trash is empty.") {
		t.Fatalf("r does not restore:\n%s", f)
	}
	d.keys("esc")
	if f := d.plain(); !strings.Contains(f, "Qualified (2)") || !strings.Contains(f, "Harbor Logistics") {
		t.Fatalf("the restored lead is not on the board:\n%s", f)
	}
	// The palette reaches the trash too.
	d.send(ctrl('k'))
	d.keys("text:trash", "enter")
	if f := d.plain(); !strings.Contains(f, "Trash (0)") {
		t.Fatalf("the palette's Trash does not show the trash:\n%s", f)
	}
}

// Issue 14 finding 5: a visit left open since yesterday does not put the
// UI in visit mode at start (where the next keys would become its notes);
// the UI says so and offers to end or resume it.
func TestStaleOpenVisitAtStartAsks(t *testing.T) {
	t.Parallel()
	st := uitest.Store(t)
	ids := uitest.Seed(t, st, uitest.English)
	err := st.Update(func(tx *store.Tx) error {
		a := model.Activity{LeadID: ids[2], Kind: model.KindVisit, StartedAt: uitest.Now.Add(-20 * time.Hour)}
		return tx.AddActivity(&a, "")
	})
	if err != nil {
		t.Fatal(err)
	}
	d := startDriver(t, st, st, "en", 100, 30)
	f := d.plain()
	if !strings.Contains(f, "A visit to Granite Steel Group started 2026-11-26 14:00 is still open.") || strings.Contains(d.firstLine(), "Visit:") {
		t.Fatalf("a stale visit at start:\n%s", f)
	}
	d.keys("e", "x") // typed before the question showed: they do not answer it
	if f := d.plain(); !strings.Contains(f, "is still open") {
		t.Fatalf("a key typed at once answered the question:\n%s", f)
	}
	time.Sleep(500 * time.Millisecond)
	d.keys("e")
	if f := d.plain(); !strings.Contains(f, "End the visit to Granite Steel Group") {
		t.Fatalf("e does not offer to end the visit:\n%s", f)
	}
	d.keys("esc")
	d2 := startDriver(t, st, st, "en", 100, 30)
	time.Sleep(500 * time.Millisecond)
	d2.keys("enter")
	if l := d2.firstLine(); !strings.Contains(l, "Visit: Granite Steel Group") {
		t.Fatalf("enter does not resume the visit: %q", l)
	}
}

// The drafts offered at start wait under the question about a stale
// visit, instead of being dropped for this session.
func TestDraftsOfferWaitsUnderTheStaleVisitQuestion(t *testing.T) {
	t.Parallel()
	st := uitest.Store(t)
	ids := uitest.Seed(t, st, uitest.English)
	err := st.Update(func(tx *store.Tx) error {
		a := model.Activity{LeadID: ids[2], Kind: model.KindVisit, StartedAt: uitest.Now.Add(-20 * time.Hour)}
		if err := tx.AddActivity(&a, ""); err != nil {
			return err
		}
		return tx.SaveDraft(&store.Draft{Kind: capture.DraftKind, LeadID: ids[3], Company: "Harbor Logistics", Text: "call back on Monday"})
	})
	if err != nil {
		t.Fatal(err)
	}
	d := startDriver(t, st, st, "en", 100, 30)
	if f := d.plain(); !strings.Contains(f, "is still open") {
		t.Fatalf("no question about the stale visit:\n%s", f)
	}
	time.Sleep(500 * time.Millisecond)
	d.keys("esc")
	if f := d.plain(); !strings.Contains(f, "Unsaved notes from last time") || !strings.Contains(f, "call back on Monday") {
		t.Fatalf("the drafts are not offered after the question:\n%s", f)
	}
}
