package ui_test

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui"
	"github.com/fieldcrm/fieldcrm/ui/common"
	"github.com/fieldcrm/fieldcrm/ui/internal/uitest"
)

// driver runs the root model as the program would: every command's
// messages go back into Update.
type driver struct {
	t  *testing.T
	m  tea.Model
	st *store.Store
	w  int
	h  int
	// busy says when a store call is in flight.
	busy uitest.Busy
}

func newDriver(t *testing.T, lang string, book []uitest.Lead, w, h int) (*driver, []string) {
	t.Helper()
	st := uitest.Store(t)
	ids := uitest.Seed(t, st, book)
	return startDriver(t, st, st, lang, w, h), ids
}

func startDriver(t *testing.T, st *store.Store, data common.Data, lang string, w, h int) *driver {
	return startDriverAt(t, st, data, "/data/fieldcrm.db", lang, w, h)
}

func startDriverAt(t *testing.T, st *store.Store, data common.Data, dbPath, lang string, w, h int) *driver {
	if data == common.Data(st) {
		data = &uitest.Tracked{Store: st}
	}
	m := ui.New(ui.Options{
		Data: data, Rules: uitest.Rules(), Lang: lang, DBPath: dbPath,
		User: "wang", Now: uitest.NowFunc, Dark: true, Watch: -1,
	})
	d := &driver{t: t, m: m, st: st}
	d.busy, _ = data.(uitest.Busy)
	d.send(tea.WindowSizeMsg{Width: w, Height: h})
	uitest.Run(d.update, m.Init(), d.busy)
	return d
}

func (d *driver) update(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	d.m, cmd = d.m.Update(msg)
	return cmd
}

func (d *driver) send(msg tea.Msg) {
	if ws, ok := msg.(tea.WindowSizeMsg); ok {
		d.w, d.h = ws.Width, ws.Height
	}
	uitest.Run(d.update, func() tea.Msg { return msg }, d.busy)
}

// keys presses each key in turn; "text:abc" types abc.
func (d *driver) keys(keys ...string) {
	for _, k := range keys {
		if text, ok := strings.CutPrefix(k, "text:"); ok {
			// Typing only blinks the cursor until the last key: run the
			// commands of that one.
			rs := []rune(text)
			for _, r := range rs[:len(rs)-1] {
				d.update(uitest.Key(string(r)))
			}
			d.send(uitest.Key(string(rs[len(rs)-1])))
			continue
		}
		d.send(uitest.Key(k))
	}
}

func (d *driver) frame() string {
	d.t.Helper()
	f := d.m.View().Content
	uitest.CheckWidths(d.t, f, d.w, d.h)
	return f
}

func (d *driver) plain() string { return uitest.Plain(d.frame()) }

func (d *driver) lead(id string) model.Lead {
	d.t.Helper()
	var l model.Lead
	if err := d.st.View(func(tx *store.Tx) (err error) { l, err = tx.Lead(id); return err }); err != nil {
		d.t.Fatal(err)
	}
	return l
}

func (d *driver) leadByCompany(company string) model.Lead {
	d.t.Helper()
	var l model.Lead
	err := d.st.View(func(tx *store.Tx) error {
		id, err := tx.ResolveLead(company)
		if err != nil {
			return err
		}
		l, err = tx.Lead(id)
		return err
	})
	if err != nil {
		d.t.Fatal(err)
	}
	return l
}

func books(lang string) []uitest.Lead {
	if lang == "zh" {
		return uitest.Chinese
	}
	return uitest.English
}

var sizes = [][2]int{{80, 24}, {160, 48}}

func TestGoldenBoard(t *testing.T) {
	t.Parallel()
	for _, lang := range []string{"en", "zh"} {
		for _, sz := range sizes {
			t.Run(fmt.Sprintf("%s_%dx%d", lang, sz[0], sz[1]), func(t *testing.T) {
				t.Parallel()
				d, _ := newDriver(t, lang, books(lang), sz[0], sz[1])
				golden.RequireEqual(t, d.plain())
			})
		}
	}
}

func TestGoldenLead(t *testing.T) {
	t.Parallel()
	for _, lang := range []string{"en", "zh"} {
		for _, sz := range sizes {
			t.Run(fmt.Sprintf("%s_%dx%d", lang, sz[0], sz[1]), func(t *testing.T) {
				t.Parallel()
				d, _ := newDriver(t, lang, books(lang), sz[0], sz[1])
				d.keys("l", "enter") // the qualified lead with a visit note
				golden.RequireEqual(t, d.plain())
			})
		}
	}
}

func TestGoldenNewLeadForm(t *testing.T) {
	t.Parallel()
	for _, lang := range []string{"en", "zh"} {
		t.Run(lang+"_80x24", func(t *testing.T) {
			t.Parallel()
			d, _ := newDriver(t, lang, books(lang), 80, 24)
			d.keys("n")
			golden.RequireEqual(t, d.plain())
		})
	}
}

// TestEveryLineFits draws every screen at several sizes, in both
// languages, and checks that no line is wider than the terminal.
func TestEveryLineFits(t *testing.T) {
	t.Parallel()
	for _, lang := range []string{"en", "zh"} {
		for _, sz := range [][2]int{{80, 24}, {160, 48}, {50, 16}, {237, 61}, {12, 5}, {1, 1}} {
			t.Run(fmt.Sprintf("%s_%dx%d", lang, sz[0], sz[1]), func(t *testing.T) {
				t.Parallel()
				d, _ := newDriver(t, lang, books(lang), sz[0], sz[1])
				d.frame()
				d.keys("?")
				d.frame()
				d.keys("?", "l", "l", "j")
				d.frame()
				d.keys("enter")
				if sz[1] >= 10 && !strings.Contains(d.plain(), "─") {
					t.Errorf("%s %v: the lead screen did not open", lang, sz)
				}
				d.keys("e")
				d.frame()
				d.keys("esc", "esc", "n")
				d.frame()
			})
		}
	}
}

func TestNewLeadMoveUndoOpenBack(t *testing.T) {
	t.Parallel()
	d, _ := newDriver(t, "en", uitest.English, 160, 48)
	d.keys("n", "text:Zephyr Robotics", "enter", "text:Zoe Zhang", "enter", "enter", "enter", "enter", "enter", "enter", "text:3w", "enter", "enter")
	l := d.leadByCompany("Zephyr Robotics")
	if l.Stage != "prospect" || l.Value.Amount != 3000000 || l.MainContact().Name != "Zoe Zhang" {
		t.Fatalf("saved lead = stage %q value %d contact %q", l.Stage, l.Value.Amount, l.MainContact().Name)
	}
	if f := d.plain(); !strings.Contains(f, "┃ Zephyr Robotics") {
		t.Fatalf("the new lead is not selected:\n%s", f)
	}
	d.keys("L", "shift+right")
	if got := d.lead(l.ID).Stage; got != "contacted" {
		t.Fatalf("after L, shift+right the stage is %q, want contacted", got)
	}
	d.keys("u")
	if got := d.lead(l.ID).Stage; got != "qualified" {
		t.Fatalf("after undo the stage is %q, want qualified", got)
	}
	d.keys("H")
	if got := d.lead(l.ID).Stage; got != "prospect" {
		t.Fatalf("after H the stage is %q, want prospect", got)
	}
	d.keys("enter")
	if f := d.plain(); !strings.Contains(f, "Zephyr Robotics  [Prospect]") {
		t.Fatalf("enter did not open the lead:\n%s", f)
	}
	d.keys("esc")
	if f := d.plain(); !strings.Contains(f, "┃ Zephyr Robotics") || !strings.Contains(f, "Pipeline") {
		t.Fatalf("esc did not come back to the board with the lead selected:\n%s", f)
	}
}

func TestFormKeepsTypingOnValidationError(t *testing.T) {
	t.Parallel()
	d, _ := newDriver(t, "en", uitest.English, 80, 24)
	d.keys("n", "enter")
	if f := d.plain(); !strings.Contains(f, "Company  ✗ Required.") {
		t.Fatalf("an empty company gives no message:\n%s", f)
	}
	d.keys("text:Kite Ltd", "enter", "enter", "enter", "text:not-an-email", "enter")
	f := d.plain()
	if !strings.Contains(f, "E-mail  ✗ Not an e-mail address.") || !strings.Contains(f, "not-an-email") {
		t.Fatalf("a bad e-mail is not shown next to the field with what was typed:\n%s", f)
	}
	for range len("not-an-email") {
		d.keys("backspace")
	}
	d.keys("text:kite@example.com", "enter", "enter", "enter", "enter", "text:abc", "enter")
	if f := d.plain(); !strings.Contains(f, "> abc") || !strings.Contains(f, "Estimated value  ✗ Not an amount") {
		t.Fatalf("at 80x24 the form does not scroll to the focused field:\n%s", f)
	}
	d.keys("esc")
	if strings.Contains(d.plain(), "Kite Ltd") {
		t.Fatal("esc saved the lead")
	}
}

func TestMoveToLostAsksReasonAndWonAsksContract(t *testing.T) {
	t.Parallel()
	d, ids := newDriver(t, "en", uitest.English, 160, 48)
	d.approve(ids[6])               // Northwind's 3,500,000 CNY needs approval to be won
	d.keys("l", "l", "l", "l", "L") // negotiation → won
	if f := d.plain(); !strings.Contains(f, "Mark Northwind Foods as won") || !strings.Contains(f, "3500000.00") {
		t.Fatalf("moving to won does not ask for the contract:\n%s", f)
	}
	d.keys("backspace", "backspace", "backspace", "backspace", "backspace", "backspace", "backspace", "backspace", "backspace", "backspace")
	d.keys("text:3400000", "enter", "enter", "text:HT-9", "enter")
	l := d.leadByCompany("Northwind Foods")
	if l.Stage != "won" || l.Contract.Value.Amount != 340000000 || l.Contract.Number != "HT-9" || l.Contract.SignedOn.String() != "2026-11-27" {
		t.Fatalf("won lead = %q %+v", l.Stage, l.Contract)
	}
	d.keys("L") // won → lost
	if f := d.plain(); !strings.Contains(f, "Lost reason") {
		t.Fatalf("moving to lost does not ask why:\n%s", f)
	}
	d.keys("down", "down", "enter", "enter") // no reason is picked first: down to Price, down to Competitor
	if l := d.leadByCompany("Northwind Foods"); l.Stage != "lost" || l.LostReason != "competitor" {
		t.Fatalf("lost lead = %q reason %q", l.Stage, l.LostReason)
	}
	d.keys("u")
	if l := d.leadByCompany("Northwind Foods"); l.Stage != "won" {
		t.Fatalf("undo of lost gives %q, want won", l.Stage)
	}
}

func TestFilterSortAndResize(t *testing.T) {
	t.Parallel()
	d, _ := newDriver(t, "en", uitest.English, 160, 48)
	d.keys("/", "text:gran")
	f := d.plain()
	if !strings.Contains(f, "Granite Steel Group") || strings.Contains(f, "Harbor Logistics") || !strings.Contains(f, "Qualified (1)") {
		t.Fatalf("filter gran:\n%s", f)
	}
	d.keys("q") // typed into the filter, does not quit
	if !strings.Contains(d.plain(), "granq") {
		t.Fatal("q did not go to the filter")
	}
	d.keys("esc")
	if f := d.plain(); !strings.Contains(f, "Harbor Logistics") {
		t.Fatalf("esc did not clear the filter:\n%s", f)
	}
	d.keys("s")
	if !strings.Contains(d.plain(), "sorted by value") {
		t.Fatal("s did not sort by value")
	}
	d.keys("G", "l", "l", "l", "l", "l", "l") // to lost, the last column
	d.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	f = d.plain()
	if !strings.Contains(f, "stages 5–7 of 7") || !strings.Contains(f, "┃ Silverline") {
		t.Fatalf("after resizing, the selected column is not on screen:\n%s", f)
	}
}

func TestLeadScreenKeys(t *testing.T) {
	t.Parallel()
	d, _ := newDriver(t, "en", uitest.English, 120, 40)
	d.keys("l", "enter")
	if f := d.plain(); !strings.Contains(f, "Plant visit") || !strings.Contains(f, "CEO") {
		t.Fatalf("the visit notes are not on the lead screen:\n%s", f)
	}
	d.keys("x")
	if f := d.plain(); !strings.Contains(f, "Complaints can be opened on won accounts only.") {
		t.Fatalf("x on an open lead:\n%s", f)
	}
	d.keys("c", "text:Li Na", "enter", "text:Buyer", "enter", "text:138 0000 0000", "enter", "enter")
	g := d.leadByCompany("Granite Steel Group")
	if len(g.Contacts) != 2 || g.Contacts[1].Name != "Li Na" {
		t.Fatalf("contacts = %+v", g.Contacts)
	}
	d.keys("f", "enter", "text:Send the quote", "enter")
	if f := d.plain(); !strings.Contains(f, "2026-11-28  Send the quote") || !strings.Contains(f, "Li Na · Buyer") {
		t.Fatalf("follow-up or contact not shown:\n%s", f)
	}
	d.keys("v", "enter", "enter", "enter", "text:Met the **buyer**", "tab", "text:ordered samples", "enter", "enter", "enter")
	if f := d.plain(); !strings.Contains(f, "Met the buyer") || !strings.Contains(f, "ordered samples") {
		t.Fatalf("the visit is not in the timeline:\n%s", f)
	}
	d.keys("esc")
	if f := d.plain(); !strings.Contains(f, "┃ Granite Steel Group") {
		t.Fatalf("esc did not select the same card:\n%s", f)
	}
}

// failing is a book whose writes fail, as a full disk would.
type failing struct{ *store.Store }

func (failing) Update(func(*store.Tx) error) error { return errors.New("disk full") }

func TestStoreErrorIsASentenceInTheStatusLine(t *testing.T) {
	t.Parallel()
	st := uitest.Store(t)
	uitest.Seed(t, st, uitest.English)
	d := startDriver(t, st, failing{st}, "en", 80, 24)
	d.keys("L")
	f := d.plain()
	if !strings.Contains(f, "The lead was not moved: disk full.") {
		t.Fatalf("the error is not in the status line:\n%s", f)
	}
	if !strings.Contains(f, "Prospect (2)") {
		t.Fatalf("the board changed though the write failed:\n%s", f)
	}
}

func TestComplaintOnWonAccount(t *testing.T) {
	t.Parallel()
	d, _ := newDriver(t, "zh", uitest.Chinese, 160, 48)
	d.keys("l", "l", "l", "l", "l", "enter") // 长城电子, won
	if f := d.plain(); !strings.Contains(f, "长城电子实业有限公司  [签约]") || !strings.Contains(f, "HT-2026-001") {
		t.Fatalf("the won lead is not open:\n%s", f)
	}
	d.keys("x", "down", "enter", "text:设备异响，需要上门检修")
	d.send(ctrl('s')) // enter is a new line in the description
	var open []model.Complaint
	d.st.View(func(tx *store.Tx) (err error) { open, err = tx.OpenComplaints(); return })
	if len(open) != 1 || open[0].Severity != "high" || open[0].Description != "设备异响，需要上门检修" {
		t.Fatalf("complaints = %+v", open)
	}
	if f := d.plain(); !strings.Contains(f, "未结投诉") || !strings.Contains(f, "高 · 待处理  设备异响") {
		t.Fatalf("the complaint is not on the lead screen:\n%s", f)
	}
}

func TestEditFromTheBoardKeepsTheSelection(t *testing.T) {
	t.Parallel()
	d, _ := newDriver(t, "en", uitest.English, 160, 48)
	d.keys("l", "e")
	if f := d.plain(); !strings.Contains(f, "Edit Granite Steel Group") || !strings.Contains(f, "Grace Brown") {
		t.Fatalf("e did not open the lead's form with its values:\n%s", f)
	}
	// Company, contact, phone, e-mail, city, industry, source: keep; value: change.
	d.keys("enter", "enter", "enter", "enter", "enter", "enter", "enter")
	for range len("4720000.00") {
		d.keys("backspace")
	}
	d.keys("text:5000000", "enter", "text:60", "enter", "enter", "enter", "enter")
	if f := d.plain(); !strings.Contains(f, "Solution and terms (page 2 of 2)") {
		t.Fatalf("the edit form has no second page:\n%s", f)
	}
	d.keys("text:Boiler line B-200", "enter", "enter", "enter", "enter", "text:4.9M incl. tax", "enter", "enter", "enter", "enter")
	l := d.leadByCompany("Granite Steel Group")
	if l.Solution.Products != "Boiler line B-200" || l.Negotiation.Price != "4.9M incl. tax" {
		t.Fatalf("solution %+v negotiation %+v", l.Solution, l.Negotiation)
	}
	if l.Value.Amount != 500000000 || l.Probability == nil || *l.Probability != 60 {
		t.Fatalf("edited lead: value %d probability %v", l.Value.Amount, l.Probability)
	}
	f := d.plain()
	if !strings.Contains(f, "┃ Granite Steel Group") || !strings.Contains(f, "Saved.") || !strings.Contains(f, "┃ 5.0M") {
		t.Fatalf("after the edit the board does not show the saved card selected:\n%s", f)
	}
	if !strings.Contains(f, "Weighted 3.1M") { // 5.0M × 60% + Harbor 810k × 15%
		t.Fatalf("the column's weighted value did not follow the edit:\n%s", f)
	}
	d.keys("enter")
	if f := d.plain(); !strings.Contains(f, "Products: Boiler line B-200") || !strings.Contains(f, "Price: 4.9M incl. tax") {
		t.Fatalf("the lead screen does not show the solution and terms:\n%s", f)
	}
}

// TestSeesChangesFromOtherProcesses writes through a second handle on the
// file, as the CLI would while the UI is open, and checks that the next
// watch reloads the board.
func TestSeesChangesFromOtherProcesses(t *testing.T) {
	t.Parallel()
	st := uitest.Store(t)
	uitest.Seed(t, st, uitest.English)
	d := startDriverAt(t, st, st, st.Path(), "en", 160, 48)
	d.keys("L") // the UI's own write
	d.send(ui.WatchMsg{})
	before, _ := os.Stat(st.Path())
	d.keys("j", "enter", "esc") // reads only: the file must not look changed
	if after, _ := os.Stat(st.Path()); !after.ModTime().Equal(before.ModTime()) || after.Size() != before.Size() {
		t.Fatal("reading the book changes the file's time or size; the watch would reload for nothing")
	}
	rules := uitest.Rules()
	cli, err := store.Open(store.Options{Path: st.Path(), User: "li", Rules: &rules, Now: uitest.NowFunc})
	if err != nil {
		t.Fatal(err)
	}
	if err := cli.Update(func(tx *store.Tx) error { return tx.AddLead(&model.Lead{Company: "Added By CLI"}) }); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(d.plain(), "Added By CLI") {
		t.Fatal("shown before the watch looked")
	}
	d.keys("n") // the reload arrives while a form is open
	d.send(ui.WatchMsg{})
	d.keys("esc")
	if f := d.plain(); !strings.Contains(f, "Added By CLI") || !strings.Contains(f, "10 leads") {
		t.Fatalf("a lead added by another process is not on the board:\n%s", f)
	}
}
