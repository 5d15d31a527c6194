package ui_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/report"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui/common"
	"github.com/fieldcrm/fieldcrm/ui/editor"
	"github.com/fieldcrm/fieldcrm/ui/internal/uitest"
)

// typeAll types text one key at a time, running every command, as the
// program does (the editor's draft saves are among them).
func (d *driver) typeAll(text string) {
	for _, r := range text {
		d.send(uitest.Key(string(r)))
	}
}

func ctrl(r rune) tea.KeyPressMsg { return tea.KeyPressMsg{Code: r, Mod: tea.ModCtrl} }

func (d *driver) drafts() []store.Draft {
	d.t.Helper()
	var ds []store.Draft
	if err := d.st.View(func(tx *store.Tx) (err error) { ds, err = tx.Drafts(); return err }); err != nil {
		d.t.Fatal(err)
	}
	return ds
}

func (d *driver) activities(leadID string) []model.Activity {
	d.t.Helper()
	var acts []model.Activity
	if err := d.st.View(func(tx *store.Tx) (err error) { acts, err = tx.ActivitiesOf(leadID, 0); return err }); err != nil {
		d.t.Fatal(err)
	}
	return acts
}

func TestCaptureSavesANoteOnAPickedLead(t *testing.T) {
	t.Parallel()
	d, ids := newDriver(t, "en", uitest.English, 100, 30)
	d.keys("3") // the visit log points at no lead: the note picks one
	d.send(ctrl('n'))
	if !strings.Contains(d.plain(), "Quick note") {
		t.Fatalf("ctrl+n opens no capture pane:\n%s", d.plain())
	}
	d.keys("text:harbor", "enter")
	d.typeAll("Called back, wants 3 trucks")
	// A key more than a second after the last save saves the draft.
	time.Sleep(editor.Every + 50*time.Millisecond)
	d.keys(".")
	ds := d.drafts()
	if len(ds) != 1 || ds[0].Text != "Called back, wants 3 trucks." || ds[0].LeadID != ids[3] {
		t.Fatalf("draft while typing: %+v", ds)
	}
	d.send(ctrl('s'))
	acts := d.activities(ids[3])
	if len(acts) != 1 || acts[0].Notes() != "Called back, wants 3 trucks." || acts[0].Kind != model.KindNote {
		t.Fatalf("saved note: %+v", acts)
	}
	if ds := d.drafts(); len(ds) != 0 {
		t.Fatalf("the draft stays after saving: %+v", ds)
	}
	if !strings.Contains(d.plain(), "Note saved to Harbor Logistics.") {
		t.Fatalf("no notice:\n%s", d.plain())
	}
}

func TestCaptureForANewProspect(t *testing.T) {
	t.Parallel()
	d, _ := newDriver(t, "zh", uitest.Chinese, 100, 30)
	d.keys("3")
	d.send(ctrl('n'))
	d.keys("text:天宇机械", "down", "down", "down", "down", "down", "down", "enter", "text:第一次电话")
	d.send(ctrl('s'))
	l := d.leadByCompany("天宇机械")
	if acts := d.activities(l.ID); len(acts) != 1 || acts[0].Notes() != "第一次电话" {
		t.Fatalf("new prospect's note: %+v", acts)
	}
}

func TestCaptureWithoutALeadKeepsTheText(t *testing.T) {
	t.Parallel()
	d, _ := newDriver(t, "en", uitest.English, 100, 30)
	d.keys("3")
	d.send(ctrl('n'))
	d.send(tea.KeyPressMsg{Code: tea.KeyTab})
	d.keys("text:orphan words")
	d.send(ctrl('s'))
	if scr := d.plain(); !strings.Contains(scr, "Pick a lead first") || !strings.Contains(scr, "orphan words") {
		t.Fatalf("saving without a lead:\n%s", scr)
	}
	d.keys("esc") // back to the editor from the picker
	d.keys("esc") // hide the pane: the draft stays
	if ds := d.drafts(); len(ds) != 1 || ds[0].Text != "orphan words" {
		t.Fatalf("draft after esc: %+v", ds)
	}
	// A new start offers it back.
	d2 := startDriver(t, d.st, d.st, "en", 100, 30)
	if scr := d2.plain(); !strings.Contains(scr, "Unsaved notes from last time") || !strings.Contains(scr, "orphan words") {
		t.Fatalf("restart does not offer the draft:\n%s", scr)
	}
	d2.keys("enter")
	if scr := d2.plain(); !strings.Contains(scr, "Quick note") || !strings.Contains(scr, "orphan words") {
		t.Fatalf("resume does not reopen the note:\n%s", scr)
	}
}

func TestVisitStartAndStop(t *testing.T) {
	t.Parallel()
	d, ids := newDriver(t, "en", uitest.English, 100, 30)
	d.keys("2")
	// Granite Steel is in today's list; open it and check in.
	d.send(openLead(ids[2]))
	d.keys("V")
	scr := d.plain()
	if !strings.Contains(scr, "Visit: Granite Steel Group") || !strings.Contains(scr, "Budget:") {
		t.Fatalf("V does not start a visit with the qualified template:\n%s", scr)
	}
	var open []model.Activity
	d.st.View(func(tx *store.Tx) (err error) { open, err = tx.OpenVisits(); return err })
	if len(open) != 1 || open[0].LeadID != ids[2] || !open[0].StartedAt.Equal(uitest.Now) {
		t.Fatalf("open visits: %+v", open)
	}
	d.typeAll(" 2M CNY")
	time.Sleep(editor.Every + 50*time.Millisecond)
	d.keys("!")
	// A restart finds the visit open with what was typed.
	d2 := startDriver(t, d.st, d.st, "en", 100, 30)
	if scr := d2.plain(); !strings.Contains(scr, "Visit: Granite Steel Group") || !strings.Contains(scr, "2M CNY") {
		t.Fatalf("after a restart the open visit is not back:\n%s", scr)
	}
	d2.send(ctrl('s'))
	if !strings.Contains(d2.plain(), "End the visit to Granite Steel Group") {
		t.Fatalf("ctrl+s does not ask how it went:\n%s", d2.plain())
	}
	d2.keys("text:good", "enter", "text:likes the price", "enter", "text:Send contract", "enter", "enter")
	acts := d2.activities(ids[2])
	var v model.Activity
	for _, a := range acts {
		if a.ID == open[0].ID {
			v = a
		}
	}
	// The cursor started after the template's first label, not its last.
	if v.Open() || v.Outcome != "good" || v.Feedback != "likes the price" || !strings.HasPrefix(v.Notes(), "Budget: 2M CNY!\n") {
		t.Fatalf("visit after check-out: %+v", v)
	}
	var tasks []model.Task
	d2.st.View(func(tx *store.Tx) (err error) { tasks, err = tx.TasksOf(ids[2]); return err })
	if len(tasks) != 2 || !tasks[0].IsOpen() || tasks[0].Action != "Send contract" || tasks[1].IsOpen() {
		t.Fatalf("the next step did not become the follow-up closing the old one: %+v", tasks)
	}
	if ds := d2.drafts(); len(ds) != 0 {
		t.Fatalf("drafts left: %+v", ds)
	}
	if strings.Contains(d2.plain(), "Visit: Granite") {
		t.Fatalf("visit mode still shows:\n%s", d2.plain())
	}
}

func openLead(id string) tea.Msg { return common.OpenLeadMsg{ID: id} }

// TestWonAndLostFromAnyStage is finding 5 of issue 13: X on the lead
// screen marks a prospect lost straight away (no fake win on the way, so
// the funnel counts it lost and never won), W on the board marks a lead
// in contact won with its contract, and L still moves one stage.
func TestWonAndLostFromAnyStage(t *testing.T) {
	t.Parallel()
	d, ids := newDriver(t, "en", uitest.English, 120, 40)
	d.send(openLead(ids[0])) // Acme Manufacturing, a prospect
	d.keys("?")
	if scr := d.plain(); !strings.Contains(scr, "mark won") || !strings.Contains(scr, "mark lost") {
		t.Fatalf("? on the lead screen does not list won and lost:\n%s", scr)
	}
	d.keys("?", "X")
	if scr := d.plain(); !strings.Contains(scr, "Mark Acme Manufacturing Ltd. as lost") || !strings.Contains(scr, "(pick a reason") {
		t.Fatalf("X does not ask why, with no reason picked:\n%s", scr)
	}
	d.keys("enter", "text:Bought from a local supplier", "enter")
	if l := d.lead(ids[0]); l.Stage != model.StageLost || l.LostReason != "Bought from a local supplier" {
		t.Fatalf("after X: stage %q reason %q", l.Stage, l.LostReason)
	}
	var f report.Funnel
	err := d.st.View(func(tx *store.Tx) error {
		b, err := report.Load(tx, uitest.Now.AddDate(-1, 0, 0), uitest.Now)
		f = report.ComputeFunnel(b, report.Year(2026), report.Scope{})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range f.Stages {
		if s.Key == model.StageWon && s.Reached != 1 { // Evergreen only
			t.Errorf("the funnel counts %d won, want 1: %+v", s.Reached, f)
		}
	}
	if f.Lost != 2 { // Silverline, and the lead just lost
		t.Errorf("the funnel counts %d lost, want 2: %+v", f.Lost, f)
	}

	d.keys("esc", "1") // the board, on Acme in the lost column
	if scr := d.plain(); !strings.Contains(scr, "W/X won/lost") {
		t.Fatalf("the board's help line does not show W and X:\n%s", scr)
	}
	d.approve(ids[4])               // Pioneer's 2,200,000 CNY needs approval to be won
	d.keys("h", "h", "h", "h", "W") // lost → won → negotiation → solution → contacted: Pioneer Chemicals
	if scr := d.plain(); !strings.Contains(scr, "Mark Pioneer Chemicals Inc. as won") {
		t.Fatalf("W does not ask for the contract:\n%s", scr)
	}
	d.keys("enter", "enter", "text:HT-77", "enter")
	if l := d.lead(ids[4]); l.Stage != model.StageWon || l.Contract.Number != "HT-77" || l.Contract.Value.Amount != 220000000 {
		t.Fatalf("after W: stage %q contract %+v", l.Stage, l.Contract)
	}
}

// terminal runs the real binary on a book in tmux, started again after
// each kill. The config names the user, so it opens straight on the board.
type terminal struct {
	*uitest.Terminal
	st     *store.Store
	script string
}

func newTerminal(t *testing.T, name string, leads ...model.Lead) (*terminal, []string) {
	t.Helper()
	tm := &terminal{Terminal: uitest.NewTerminal(t, name)}
	db := filepath.Join(tm.Dir, "book.db")
	st, err := store.Open(store.Options{Path: db, User: "tester"})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	err = st.Update(func(tx *store.Tx) error {
		for i := range leads {
			if err := tx.AddLead(&leads[i]); err != nil {
				return err
			}
			ids = append(ids, leads[i].ID)
			if _, err := tx.SetFollowUp(leads[i].ID, model.DateOf(time.Now()), "Call back"); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	tm.Config("user = \"tester\"\n")
	tm.st = st
	// exec: the pane's process is fieldcrm itself, so Kill finds its pid.
	tm.script = fmt.Sprintf("exec %s %q 2>>%q", tm.Env("FIELDCRM_DB="+db), tm.Bin, filepath.Join(tm.Dir, "stderr"))
	return tm, ids
}

func (tm *terminal) start() { tm.Start(120, 30, tm.script) }

// TestNoteSavedAtThePauseStaysSaved is finding 2 of issue 13 in a real
// terminal: a quick note saved with ctrl+s about 300 ms after the last
// key (when the editor's pause save fires) came back as unsaved at the
// next start in 3 of 20 tries, and resuming it saved it twice.
func TestNoteSavedAtThePauseStaysSaved(t *testing.T) {
	t.Parallel()
	tm, ids := newTerminal(t, "pause", model.Lead{Company: "Harbor Logistics", Stage: "prospect"})
	tm.start()
	tm.WaitFor("1 leads")
	const tries = 20
	for i := range tries {
		tm.Keys("C-n")
		tm.WaitFor("Quick note")
		tm.Text(fmt.Sprintf("Call %d about the fleet", i))
		tm.WaitFor(fmt.Sprintf("Call %d about the fleet", i))
		// About the editor's pause, a little either side of it.
		time.Sleep(editor.Pause + time.Duration(i%5-2)*10*time.Millisecond)
		tm.Keys("C-s")
		tm.WaitGone("Quick note")
	}
	tm.Keys("q")
	time.Sleep(300 * time.Millisecond)
	err := tm.st.View(func(tx *store.Tx) error {
		acts, err := tx.ActivitiesOf(ids[0], 0)
		if err != nil {
			return err
		}
		seen := map[string]int{}
		for _, a := range acts {
			seen[a.Notes()]++
		}
		for i := range tries {
			if n := seen[fmt.Sprintf("Call %d about the fleet", i)]; n != 1 {
				t.Errorf("note %d saved %d times", i, n)
			}
		}
		ds, err := tx.Drafts()
		if len(ds) != 0 {
			t.Errorf("%d drafts left after %d saves: %+v", len(ds), tries, ds)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestEveryFormSurvivesSIGKILL kills fieldcrm with SIGKILL while typing in
// each kind of form, starts it again and finds the words offered back
// with the form and the lead they were for; the last is resumed and saved.
// Then the same in visit mode, whose visit comes back open with its notes.
func TestEveryFormSurvivesSIGKILL(t *testing.T) {
	t.Parallel()
	tm, ids := newTerminal(t, "forms", model.Lead{Company: "Harbor Logistics", Stage: "prospect",
		Value: model.Money{Amount: 81000000, Currency: "CNY"}})
	// open is the keys that open the form, each followed by a wait for
	// what it shows (a key sent before its screen has loaded is lost).
	lead := []string{"Enter", "Harbor Logistics  [Prospect]"}
	today := []string{"2", "Due today"}
	forms := []struct {
		name, title string
		open        []string
		fields      int // enters to the field typed into
		typed, more string
		offer       string // the offer's line for it
	}{
		{"new lead", "New lead", nil, 0, "Blue Sky Tra", "ding", "new lead · — · Blue Sky Tra"},
		{"edit", "Edit Harbor Logistics", lead, 1, "Henry Wa", "lker", "edit lead · Harbor Logistics · Henry Wa"},
		{"visit", "Log a visit to Harbor Logistics", lead, 3, "Fleet of 12 tr", "ucks", "visit · Harbor Logistics · Fleet of 12 tr"},
		{"follow-up", "Next follow-up for Harbor Logistics", lead, 1, "Send the quo", "te", "follow-up · Harbor Logistics · Send the quo"},
		{"lost", "Mark Harbor Logistics as lost", lead, 1, "Chose a chea", "per offer", "lost · Harbor Logistics · Chose a chea"},
		{"won", "Mark Harbor Logistics as won", lead, 2, "HT-20", "26-9", "won · Harbor Logistics · HT-20"},
		{"call", "Log a call with Harbor Logistics", today, 1, "Asked for sam", "ples", "call · Harbor Logistics · Asked for sam"},
		{"done", "Done: Harbor Logistics", today, 1, "Book the de", "mo", "done · Harbor Logistics · Book the de"},
	}
	formKey := map[string]string{"new lead": "n", "edit": "e", "visit": "v", "follow-up": "f", "lost": "X", "won": "W", "call": "c", "done": "d"}
	for i, f := range forms {
		tm.start()
		if i > 0 {
			tm.WaitFor("Unsaved notes from last time")
			tm.WaitFor(forms[i-1].offer)
			tm.Keys("Escape")
			tm.WaitGone("Unsaved notes from last time")
		}
		tm.WaitFor("1 leads")
		for j := 0; j < len(f.open); j += 2 {
			tm.Keys(f.open[j])
			tm.WaitFor(f.open[j+1])
		}
		tm.Keys(formKey[f.name])
		tm.WaitFor(f.title)
		for range f.fields {
			tm.Keys("Enter")
			time.Sleep(50 * time.Millisecond)
		}
		tm.Text(f.typed)
		tm.WaitFor(f.typed)
		time.Sleep(editor.Pause + 300*time.Millisecond) // the pause: saved
		tm.Text(f.more)                                 // ... and killed while typing on
		tm.Kill()
	}
	tm.start()
	tm.WaitFor("Unsaved notes from last time")
	scr := tm.Screen()
	for _, f := range forms {
		if !strings.Contains(scr, f.offer) {
			t.Errorf("after SIGKILL in the %s form the offer lacks %q", f.name, f.offer)
		}
	}
	if t.Failed() {
		t.Fatalf("the offer:\n%s", scr)
	}
	// The newest (done) is on top: resume it, finish the words, save.
	tm.Keys("Enter")
	tm.WaitFor("Done: Harbor Logistics")
	tm.Keys("Enter") // the next step is on the form's second page
	tm.WaitFor("Book the de")
	tm.Keys("C-s")
	tm.WaitGone("Done: Harbor Logistics")

	// Visit mode's notes too: killed while typing, the visit is back open
	// with them at the next start.
	tm.Keys("Enter")
	tm.WaitFor("Harbor Logistics  [Prospect]")
	tm.Keys("V")
	tm.WaitFor("Visit: Harbor Logistics")
	tm.Text(" family firm, 3 si")
	tm.WaitFor("family firm, 3 si")
	time.Sleep(editor.Pause + 300*time.Millisecond)
	tm.Text("tes")
	tm.Kill()
	tm.start()
	tm.WaitFor("Visit: Harbor Logistics")
	tm.WaitFor("family firm, 3 si")
	tm.Keys("Escape") // hide visit mode; the visit stays open
	tm.Keys("q")
	time.Sleep(300 * time.Millisecond)
	err := tm.st.View(func(tx *store.Tx) error {
		tasks, err := tx.TasksOf(ids[0])
		if err != nil {
			return err
		}
		found := false
		for _, tk := range tasks {
			found = found || (tk.IsOpen() && strings.HasPrefix(tk.Action, "Book the de"))
		}
		if !found {
			t.Errorf("the resumed done form saved no next step: %+v", tasks)
		}
		ds, err := tx.Drafts()
		if len(ds) != len(forms) { // all but the one saved, and the open visit's notes
			t.Errorf("%d drafts left, want %d", len(ds), len(forms))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestADraftStartedOnALeadScreenNamesTheLead is finding 2's second half:
// the offer at the next start showed "—" for a note begun on a lead
// screen; and a hidden note with nothing typed is not kept at all.
func TestADraftStartedOnALeadScreenNamesTheLead(t *testing.T) {
	t.Parallel()
	d, ids := newDriver(t, "en", uitest.English, 100, 30)
	d.send(openLead(ids[3])) // Harbor Logistics
	d.send(ctrl('n'))
	d.keys("esc") // nothing typed: no draft
	if ds := d.drafts(); len(ds) != 0 {
		t.Fatalf("an empty hidden note was kept: %+v", ds)
	}
	d.send(ctrl('n'))
	d.keys("text:Wants a second quote")
	d.keys("esc")
	d2 := startDriver(t, d.st, d.st, "en", 100, 30)
	if scr := d2.plain(); !strings.Contains(scr, "Harbor Logistics · Wants a second quote") {
		t.Fatalf("the offer does not name the lead:\n%s", scr)
	}
}

// TestEscOnAFormAsksAndTheDraftComesBack is finding 1 of issue 13: esc in
// the new-lead form threw away what was typed. Now it asks; kept, the
// words are offered at the next start and reopen the form as it was.
func TestEscOnAFormAsksAndTheDraftComesBack(t *testing.T) {
	t.Parallel()
	d, _ := newDriver(t, "en", uitest.English, 100, 30)
	d.keys("n", "text:Tianyu Machinery", "enter", "text:Zhang Wei")
	d.keys("esc")
	if scr := d.plain(); !strings.Contains(scr, "Keep what you typed as a draft?") || !strings.Contains(scr, "k/enter keep as a draft") {
		t.Fatalf("esc with text typed does not ask:\n%s", scr)
	}
	d.keys("k")
	if scr := d.plain(); strings.Contains(scr, "New lead") || !strings.Contains(scr, "Kept as a draft") {
		t.Fatalf("k does not close the form with a word on the status line:\n%s", scr)
	}
	d2 := startDriver(t, d.st, d.st, "en", 100, 30)
	if scr := d2.plain(); !strings.Contains(scr, "new lead · — · Tianyu Machinery") {
		t.Fatalf("the offer at the next start:\n%s", scr)
	}
	d2.keys("enter")
	if scr := d2.plain(); !strings.Contains(scr, "New lead") || !strings.Contains(scr, "Tianyu Machinery") || !strings.Contains(scr, "Zhang Wei") {
		t.Fatalf("resuming does not reopen the form as it was:\n%s", scr)
	}
	d2.send(ctrl('s'))
	if l := d2.leadByCompany("Tianyu Machinery"); l.MainContact().Name != "Zhang Wei" {
		t.Fatalf("the resumed form saved %+v", l)
	}
	if ds := d2.drafts(); len(ds) != 0 {
		t.Fatalf("drafts left: %+v", ds)
	}
}
