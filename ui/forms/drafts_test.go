package forms

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui/common"
	"github.com/fieldcrm/fieldcrm/ui/editor"
	"github.com/fieldcrm/fieldcrm/ui/internal/uitest"
)

// driver runs one form as the root does: every command's messages go
// back into Update, and what the form says to the root is kept.
type driver struct {
	t    *testing.T
	c    *common.Common
	bk   *fakeBook
	m    *Model
	said []tea.Msg // DoneMsg, StatusMsg, ... in order
}

func newDriver(t *testing.T, lang string, open func(c *common.Common, ids []string) *Model) (*driver, []string) {
	t.Helper()
	bk := newFakeBook(uitest.English)
	c := uitest.Common(nil, lang, 100, 30)
	d := &driver{t: t, c: c, bk: bk}
	if m := open(c, bk.ids); m != nil {
		d.open(m)
	}
	return d, bk.ids
}

// open shows a form as the root does: attached to the book, then Init.
func (d *driver) open(m *Model) {
	d.m = m
	m.Attach(d.bk)
	d.run(m.Init())
}

func (d *driver) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case BookMsg: // the root runs it with its book
		return func() tea.Msg { return msg.Do(d.bk) }
	case DoneMsg, common.StatusMsg, common.ErrMsg, OpenMsg:
		d.said = append(d.said, msg)
		return nil
	}
	var cmd tea.Cmd
	d.m, cmd = d.m.Update(msg)
	return cmd
}

func (d *driver) run(cmd tea.Cmd) { uitest.Run(d.update, cmd) }

// keys presses each key and runs what it starts; "text:abc" types abc.
func (d *driver) keys(keys ...string) {
	for _, k := range keys {
		if text, ok := strings.CutPrefix(k, "text:"); ok {
			for _, r := range text {
				d.run(func() tea.Msg { return uitest.Key(string(r)) })
			}
			continue
		}
		msg := uitest.Key(k)
		switch k {
		case "ctrl+s":
			msg = tea.KeyPressMsg{Code: 's', Mod: tea.ModCtrl}
		case "shift+tab":
			msg = tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
		}
		d.run(func() tea.Msg { return msg })
	}
}

// burst presses keys as a fast typist does: each key's Update runs before
// any command the keys started, as when keys wait in the program's queue.
func (d *driver) burst(keys ...string) {
	var cmds []tea.Cmd
	for _, k := range keys {
		var cmd tea.Cmd
		d.m, cmd = d.m.Update(uitest.Key(k))
		cmds = append(cmds, cmd)
	}
	d.run(tea.Batch(cmds...))
}

func (d *driver) drafts() []store.Draft { return d.bk.draftList() }

func (d *driver) done() (DoneMsg, bool) {
	for _, msg := range d.said {
		if m, ok := msg.(DoneMsg); ok {
			return m, true
		}
	}
	return DoneMsg{}, false
}

func (d *driver) view() string { return uitest.Plain(d.m.View()) }

// TestKeysTypedRightAfterEnterGoToTheNextField is finding 7 of issue 13:
// huh moves the focus in a message that comes after the keys typed
// quickly after enter, which went into the field just left.
func TestKeysTypedRightAfterEnterGoToTheNextField(t *testing.T) {
	d, _ := newDriver(t, "en", func(c *common.Common, ids []string) *Model { return FollowUp(c, ids[0], "Acme") })
	due := d.m.values()["due"]
	d.burst("enter", "c", "a", "l", "l")
	if v := d.m.values(); v["due"] != due || v["action"] != "call" {
		t.Fatalf("a burst after enter: due %q (was %q), action %q", v["due"], due, v["action"])
	}
	// Back and forth in a burst: shift+tab, then keys, land in the due day.
	var cmds []tea.Cmd
	for _, k := range []tea.KeyPressMsg{{Code: tea.KeyTab, Mod: tea.ModShift}, uitest.Key("x")} {
		var cmd tea.Cmd
		d.m, cmd = d.m.Update(k)
		cmds = append(cmds, cmd)
	}
	d.run(tea.Batch(cmds...))
	if v := d.m.values(); v["due"] != due+"x" || v["action"] != "call" {
		t.Fatalf("a burst after shift+tab: due %q, action %q", v["due"], v["action"])
	}
	// A field that does not pass its check keeps the focus and the keys.
	d.burst("enter", "y")
	if v := d.m.values(); v["due"] != due+"xy" {
		t.Fatalf("after enter on a bad date: due %q", v["due"])
	}
}

// TestAFormIsADraftFromTheFirstKey: what is typed into a form is saved as a
// draft while typing; esc asks, k keeps it, and Resume shows the form
// again with every field as typed; saving it deletes the draft.
func TestAFormIsADraftFromTheFirstKey(t *testing.T) {
	var lead string
	d, _ := newDriver(t, "en", func(c *common.Common, ids []string) *Model {
		lead = ids[3]
		return Visit(c, ids[3], "Harbor Logistics", "Henry Walker")
	})
	d.keys("enter", "backspace", "backspace", "text:45", "enter", "enter", "text:Met the fleet manager.")
	d.keys("enter", "text:Wants 3 trucks")
	time.Sleep(editor.Every + 50*time.Millisecond)
	d.keys("text:!")
	ds := d.drafts()
	if len(ds) != 1 || ds[0].Kind != DraftKind || ds[0].Form != "visit" || ds[0].LeadID != lead ||
		ds[0].Fields["notes"] != "Met the fleet manager.\nWants 3 trucks!" || ds[0].Fields["minutes"] != "45" {
		t.Fatalf("draft while typing: %+v", ds)
	}
	if !strings.HasPrefix(ds[0].Text, "Met the fleet manager.") {
		t.Fatalf("the draft's text does not lead with the notes: %q", ds[0].Text)
	}

	d.keys("esc")
	if _, ok := d.done(); ok || !strings.Contains(d.view(), "Keep what you typed as a draft?") {
		t.Fatalf("esc with text typed does not ask:\n%s", d.view())
	}
	d.keys("esc") // back to the form, nothing lost
	if !strings.Contains(d.view(), "Wants 3 trucks!") {
		t.Fatalf("back from the question lost the notes:\n%s", d.view())
	}
	d.keys("text: OK", "esc", "k")
	if msg, ok := d.done(); !ok || msg.Then != nil {
		t.Fatalf("k does not close the form as cancelled: %+v", d.said)
	}
	ds = d.drafts()
	if len(ds) != 1 || ds[0].Fields["notes"] != "Met the fleet manager.\nWants 3 trucks! OK" {
		t.Fatalf("the kept draft: %+v", ds)
	}

	// The next start offers it; resuming shows the form as it was left.
	d.said = nil
	d.run(Resume(d.c, ds[0]))
	var f *Model
	for _, msg := range d.said {
		if o, ok := msg.(OpenMsg); ok {
			f = o.Form
		}
	}
	if f == nil {
		t.Fatalf("Resume opened no form: %+v", d.said)
	}
	d.said = nil
	d.open(f)
	if v := d.view(); !strings.Contains(v, "Log a visit to Harbor Logistics") || !strings.Contains(v, "Wants 3 trucks! OK") {
		t.Fatalf("the resumed form:\n%s", v)
	}
	d.keys("ctrl+s")
	if msg, ok := d.done(); !ok || msg.Then == nil {
		t.Fatalf("ctrl+s did not save: %+v %s", d.said, d.view())
	}
	acts := d.bk.activities(lead)
	if len(acts) != 1 || acts[0].Notes() != "Met the fleet manager.\nWants 3 trucks! OK" || acts[0].Duration() != 45*time.Minute {
		t.Fatalf("the saved visit: %+v", acts)
	}
	if ds := d.drafts(); len(ds) != 0 {
		t.Fatalf("drafts left after the save: %+v", ds)
	}
}

// TestEscWithNothingTypedClosesAndDiscardDeletes: a form left untouched
// closes on esc without a question or a draft; d throws a draft away.
func TestEscWithNothingTypedClosesAndDiscardDeletes(t *testing.T) {
	d, ids := newDriver(t, "zh", func(c *common.Common, ids []string) *Model { return NewLead(c) })
	d.keys("esc")
	if _, ok := d.done(); !ok || len(d.drafts()) != 0 {
		t.Fatalf("esc on an untouched form: said %+v, drafts %+v", d.said, d.drafts())
	}
	d.said = nil
	d.open(FollowUp(d.c, ids[0], "Acme"))
	d.keys("enter", "text:回")
	time.Sleep(editor.Every + 50*time.Millisecond)
	d.keys("text:电")
	if ds := d.drafts(); len(ds) != 1 || ds[0].Fields["action"] != "回电" {
		t.Fatalf("draft: %+v", ds)
	}
	d.keys("esc")
	if !strings.Contains(d.view(), "保留已输入的内容为草稿吗") {
		t.Fatalf("the question in Chinese:\n%s", d.view())
	}
	d.keys("d")
	if _, ok := d.done(); !ok || len(d.drafts()) != 0 {
		t.Fatalf("d leaves: said %+v, drafts %+v", d.said, d.drafts())
	}
}

// TestNotesGrowWithTheTerminalAndEnterIsANewLine is finding 6 of issue 13:
// the notes box was 4 lines at 120x40 and enter left it. The second time
// round the form opens at 80x24 and the terminal grows under it.
func TestNotesGrowWithTheTerminalAndEnterIsANewLine(t *testing.T) {
	for i, sz := range [][3]int{{80, 24, 8}, {120, 40, 16}, {120, 40, 16}} {
		d, ids := newDriver(t, "en", func(c *common.Common, ids []string) *Model { return nil })
		d.c.Width, d.c.Height = sz[0], sz[1]
		if i == 2 {
			d.c.Width, d.c.Height = 80, 24
		}
		d.open(Call(d.c, ids[3], "Harbor Logistics", "Henry Walker"))
		d.keys("enter", "text:first", "enter", "text:second")
		if i == 2 {
			d.c.Width, d.c.Height = sz[0], sz[1] // the root sets the size, then passes the message on
			d.run(func() tea.Msg { return tea.WindowSizeMsg{Width: sz[0], Height: sz[1]} })
		}
		v := d.view()
		lines := strings.Split(v, "\n")
		notes, outcome := -1, -1
		for i, l := range lines {
			switch f := strings.TrimSpace(strings.TrimLeft(l, "┃ ")); {
			case strings.HasPrefix(f, "Notes"):
				notes = i
			case f == "Outcome":
				outcome = i
			}
		}
		if notes < 0 || outcome-notes < sz[2] {
			t.Errorf("%dx%d: the notes box is %d lines, want %d or more:\n%s", sz[0], sz[1], outcome-notes-1, sz[2], v)
		}
		var helpLine []string
		for _, b := range d.m.KeyMap().ShortHelp() {
			helpLine = append(helpLine, b.Help().Key+" "+b.Help().Desc)
		}
		if h := strings.Join(helpLine, " • "); !strings.Contains(h, "ctrl+s save") || !strings.Contains(h, "enter new line") {
			t.Errorf("%dx%d: the help line in notes is %q", sz[0], sz[1], h)
		}
		if got := d.m.values()["notes"]; got != "first\nsecond" {
			t.Errorf("%dx%d: enter in notes gives %q", sz[0], sz[1], got)
		}
		if len(lines) > sz[1] {
			t.Errorf("%dx%d: the form is %d lines", sz[0], sz[1], len(lines))
		}
	}
}

// TestPastedTextIsADraftToo: a paste changes a field as typing does, and
// one pasted right after enter lands in the next field.
func TestPastedTextIsADraftToo(t *testing.T) {
	d, _ := newDriver(t, "en", func(c *common.Common, ids []string) *Model { return FollowUp(c, ids[0], "Acme") })
	due := d.m.values()["due"]
	var cmds []tea.Cmd
	for _, msg := range []tea.Msg{uitest.Key("enter"), tea.PasteMsg{Content: "Send the signed quote"}} {
		var cmd tea.Cmd
		d.m, cmd = d.m.Update(msg)
		cmds = append(cmds, cmd)
	}
	d.run(tea.Batch(cmds...))
	if v := d.m.values(); v["due"] != due || v["action"] != "Send the signed quote" {
		t.Fatalf("paste after enter: due %q action %q", v["due"], v["action"])
	}
	if ds := d.drafts(); len(ds) != 1 || ds[0].Fields["action"] != "Send the signed quote" {
		t.Fatalf("the pasted words are not a draft: %+v", ds)
	}
}

// TestASavedFormTakesNothingMoreBeforeItCloses: between the save's
// answer and the root taking the form away, keys and ticks still reach
// the form, whose huh form is complete; each of them saved the lead
// again (two "Tmux Flow Co" after nine quick enters in tmux).
func TestASavedFormTakesNothingMoreBeforeItCloses(t *testing.T) {
	d, _ := newDriver(t, "en", func(c *common.Common, ids []string) *Model { return NewLead(c) })
	before := len(d.bk.leads)
	d.keys("text:Twice Co", "ctrl+s")
	if _, ok := d.done(); !ok {
		t.Fatal("ctrl+s did not save the form")
	}
	d.keys("enter", "enter", "x", "ctrl+s")
	d.run(func() tea.Msg { return time.Now() }) // any other message
	names := 0
	for _, l := range d.bk.leads {
		if l.Company == "Twice Co" {
			names++
		}
	}
	if len(d.bk.leads) != before+1 || names != 1 {
		t.Fatalf("the book went from %d to %d leads, %d named Twice Co; want one more", before, len(d.bk.leads), names)
	}
}
