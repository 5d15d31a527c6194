package lead

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui/common"
	"github.com/fieldcrm/fieldcrm/ui/forms"
	"github.com/fieldcrm/fieldcrm/ui/internal/uitest"
)

func open(t *testing.T, m Model, id string) Model {
	t.Helper()
	msg := m.Open(id)()
	m, cmd := m.Update(msg)
	if cmd == nil {
		t.Fatalf("loading %s gave no render: %#v", id, msg)
	}
	m, _ = m.Update(cmd())
	return m
}

// fakeBook serves the lead screen pages from a map, and counts the reads.
type fakeBook struct {
	pages map[string]Page
	reads int
}

func (f *fakeBook) LeadPage(id string, timeline int) (Page, error) {
	f.reads++
	p, ok := f.pages[id]
	if !ok {
		return Page{}, fmt.Errorf("lead %s not found", id)
	}
	return p, nil
}

// fake returns a fake book holding the English leads, under the ids they
// have in st (the forms the keys open read the store), with a timeline
// long enough to scroll.
func fake(t *testing.T, st *store.Store) (*fakeBook, []string) {
	f := &fakeBook{pages: map[string]Page{}}
	ids := uitest.Seed(t, st, uitest.English)
	for i, l := range uitest.English {
		id := ids[i]
		p := Page{Lead: model.Lead{ID: id, Company: l.Company, Stage: l.Stage}}
		for j := range 12 {
			at := uitest.Now.Add(-time.Duration(j) * time.Hour)
			p.Activities = append(p.Activities, model.Activity{ID: fmt.Sprintf("%s-a%d", id, j), LeadID: id, Kind: model.KindCall, StartedAt: at})
		}
		f.pages[id] = p
	}
	return f, ids
}

func TestStaleReplyIsDroppedAndRenderIsCachedPerWidth(t *testing.T) {
	st := uitest.Store(t)
	bk, ids := fake(t, st)
	m := New(uitest.Common(st, "en", 100, 30), nil, bk)
	m.SetSize(100, 28)
	first := m.Open(ids[0])
	m = open(t, m, ids[2])
	m, _ = m.Update(first()) // the reply for the lead opened before
	if v := uitest.Plain(m.View()); !strings.Contains(v, "Granite Steel Group") || strings.Contains(v, "Acme") {
		t.Fatalf("a late reply replaced the lead on screen:\n%s", v)
	}
	if cmd := m.SetSize(60, 28); cmd == nil {
		t.Fatal("a new width did not render again")
	} else {
		m, _ = m.Update(cmd())
	}
	for _, line := range strings.Split(m.View(), "\n") {
		if w := common.Width(line); w > 60 {
			t.Fatalf("line of %d cells at width 60: %q", w, uitest.Plain(line))
		}
	}
	if cmd := m.SetSize(100, 28); cmd != nil {
		t.Fatal("going back to a width drawn before rendered the Markdown again")
	}
}

func TestKeys(t *testing.T) {
	st := uitest.Store(t)
	bk, ids := fake(t, st)
	m := New(uitest.Common(st, "en", 80, 12), nil, bk)
	m.SetSize(80, 10)
	m = open(t, m, ids[2])
	top := m.View()
	m, _ = m.Update(uitest.Key("j"))
	if m.View() == top {
		t.Fatal("j did not scroll")
	}
	m, _ = m.Update(uitest.Key("g"))
	if m.View() != top {
		t.Fatal("g did not go back to the top")
	}
	_, cmd := m.Update(uitest.Key("esc"))
	if _, ok := cmd().(common.BackMsg); !ok {
		t.Fatal("esc does not go back")
	}
	_, cmd = m.Update(uitest.Key("x"))
	if msg, ok := cmd().(common.ErrMsg); !ok || !strings.Contains(msg.Err.Error(), "won accounts") {
		t.Fatalf("x on a lead not won: %#v", msg)
	}
	for _, k := range []string{"e", "c", "f", "v"} {
		if _, cmd := m.Update(uitest.Key(k)); cmd == nil {
			t.Errorf("%s does nothing", k)
		} else if msg := cmd(); msg == nil {
			t.Errorf("%s opens no form", k)
		} else if _, isErr := msg.(common.ErrMsg); isErr {
			t.Errorf("%s: %v", k, msg)
		}
	}
	_, cmd = m.Update(uitest.Key("D"))
	if msg, ok := cmd().(common.TrashLeadMsg); !ok || msg.ID != ids[2] || msg.Company != "Granite Steel Group" {
		t.Fatalf("D does not ask to trash the lead shown: %#v", msg)
	}
}

// A lead is read once per open, and a lead that cannot be read is a
// sentence in the status line, not a blank screen that keeps waiting.
func TestOpenReadsOnceAndReportsAMissingLead(t *testing.T) {
	st := uitest.Store(t)
	bk, ids := fake(t, st)
	m := New(uitest.Common(st, "en", 80, 24), nil, bk)
	m.SetSize(80, 22)
	m = open(t, m, ids[1])
	if bk.reads != 1 {
		t.Fatalf("opening a lead read the book %d times", bk.reads)
	}
	m, cmd := m.Update(m.Open("gone")())
	if msg, ok := cmd().(common.ErrMsg); !ok || !strings.Contains(msg.Err.Error(), "not found") {
		t.Fatalf("a missing lead gave %#v", msg)
	}
}

// TestKeysPressedBeforeTheLeadLoadedAreApplied: keys typed right after
// enter on the board reach the lead screen before its lead is read. They
// are kept and applied, in order, once the lead is on screen; the keys
// after one that opens a form are sent on for the form to get.
func TestKeysPressedBeforeTheLeadLoadedAreApplied(t *testing.T) {
	st := uitest.Store(t)
	bk, ids := fake(t, st)
	m := New(uitest.Common(st, "en", 80, 12), nil, bk)
	m.SetSize(80, 10)
	load := m.Open(ids[2])
	for _, k := range []string{"j", "j", "v", "M", "e"} {
		var cmd tea.Cmd
		if m, cmd = m.Update(uitest.Key(k)); cmd != nil {
			t.Fatalf("%s before the lead loaded did something at once: %#v", k, cmd())
		}
	}
	m, render := m.Update(load())
	m, cmd := m.Update(render())
	if cmd == nil {
		t.Fatal("the keys pressed while loading were dropped")
	}
	if m.vp.YOffset() != 2 {
		t.Fatalf("two j pressed while loading scrolled to line %d", m.vp.YOffset())
	}
	var got []tea.Msg
	uitest.Run(func(msg tea.Msg) tea.Cmd { got = append(got, msg); return nil }, cmd)
	if len(got) != 3 {
		t.Fatalf("after the replay: %#v", got)
	}
	if o, ok := got[0].(forms.OpenMsg); !ok || !strings.Contains(uitest.Plain(o.Form.View()), "Log a visit to Granite Steel Group") {
		t.Fatalf("v pressed while loading did not open the visit form first: %#v", got[0])
	}
	if got[1] != uitest.Key("M") || got[2] != uitest.Key("e") {
		t.Fatalf("the keys after v are not sent on in order: %#v", got[1:])
	}
	// Opening another lead forgets the keys held for the one before.
	m.Open(ids[0])
	m, _ = m.Update(uitest.Key("v"))
	m, _ = m.Update(m.Open(ids[1])())
	if len(m.held) != 0 {
		t.Fatalf("keys held for another lead: %v", m.held)
	}
}
