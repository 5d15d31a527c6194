package ui_test

import (
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
	if scr := d.plain(); !strings.Contains(scr, "mark won") {
		t.Fatalf("the board's help line does not show W:\n%s", scr)
	}
	d.keys("h", "h", "h", "h", "W") // lost → won → negotiation → solution → contacted: Pioneer Chemicals
	if scr := d.plain(); !strings.Contains(scr, "Mark Pioneer Chemicals Inc. as won") {
		t.Fatalf("W does not ask for the contract:\n%s", scr)
	}
	d.keys("enter", "enter", "text:HT-77", "enter")
	if l := d.lead(ids[4]); l.Stage != model.StageWon || l.Contract.Number != "HT-77" || l.Contract.Value.Amount != 220000000 {
		t.Fatalf("after W: stage %q contract %+v", l.Stage, l.Contract)
	}
}
