package visits

import (
	"errors"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui/internal/uitest"
)

// fakeBook is a visit log in memory; SaveNotes fails while fail is set.
type fakeBook struct {
	acts  map[string]model.Activity
	saved []string // "id|text|draft" of every save
	fail  error
}

func (f *fakeBook) VisitLog() ([]store.ActivityRow, map[string]string, error) {
	var rows []store.ActivityRow
	for _, a := range f.acts {
		rows = append(rows, store.ActivityRow{ID: a.ID, LeadID: a.LeadID, Kind: a.Kind, StartedAt: a.StartedAt, First: a.Notes(), Text: strings.ToLower(a.Notes())})
	}
	return rows, map[string]string{"l1": "Harbor Logistics", "l2": "Granite Steel Group"}, nil
}

func (f *fakeBook) Activity(id string) (model.Activity, error) {
	a, ok := f.acts[id]
	if !ok {
		return a, errors.New("no activity " + id)
	}
	return a, nil
}

func (f *fakeBook) SaveNotes(id, text, draftID string) error {
	if f.fail != nil {
		return f.fail
	}
	f.saved = append(f.saved, id+"|"+text+"|"+draftID)
	return nil
}

func activity(id, lead, notes string, ago time.Duration) model.Activity {
	a := model.Activity{ID: id, LeadID: lead, Kind: model.KindVisit, StartedAt: uitest.Now.Add(-ago)}
	a.Revisions = []model.Revision{{Text: notes, At: a.StartedAt}}
	return a
}

// feed runs cmd and hands its message (not batches) back to m.
func feed(m Model, cmd tea.Cmd) (Model, tea.Msg) {
	if cmd == nil {
		return m, nil
	}
	msg := cmd()
	if _, batch := msg.(tea.BatchMsg); batch || msg == nil {
		return m, msg
	}
	m, _ = m.Update(msg)
	return m, msg
}

// A failed save of notes keeps the editor open with the text (nothing is
// lost), and a save after it writes the text with the edit's draft.
func TestSaveNotesFailsWithoutLosingTheText(t *testing.T) {
	st := uitest.Store(t)
	bk := &fakeBook{acts: map[string]model.Activity{
		"a1": activity("a1", "l1", "Met the fleet manager", time.Hour),
		"a2": activity("a2", "l2", "Plant visit", 2*time.Hour),
	}}
	m := New(uitest.Common(st, "en", 100, 20), nil, bk)
	m.SetSize(100, 18)
	m, _ = feed(m, m.Load())
	if v := uitest.Plain(m.View()); !strings.Contains(v, "Harbor Logistics") || !strings.Contains(v, "Granite Steel") {
		t.Fatalf("the log:\n%s", v)
	}
	m, cmd := m.Update(uitest.Key("enter"))
	m, _ = feed(m, cmd)
	m, _ = m.Update(uitest.Key("e"))
	if !m.InputFocused() {
		t.Fatal("e does not open the editor")
	}
	m, _ = m.Update(uitest.Key("!"))
	bk.fail = errors.New("the book is read-only")
	m, cmd = m.Update(tea.KeyPressMsg{Code: 's', Mod: tea.ModCtrl})
	m, msg := feed(m, cmd)
	if _, ok := msg.(notesSavedMsg); !ok || !m.InputFocused() || !strings.Contains(uitest.Plain(m.View()), "Met the fleet manager!") {
		t.Fatalf("after a failed save (%#v) the editor is gone or lost the text:\n%s", msg, uitest.Plain(m.View()))
	}
	bk.fail = nil
	m, cmd = m.Update(tea.KeyPressMsg{Code: 's', Mod: tea.ModCtrl})
	m, _ = feed(m, cmd)
	if len(bk.saved) != 1 || !strings.HasPrefix(bk.saved[0], "a1|Met the fleet manager!|") || strings.HasSuffix(bk.saved[0], "|") {
		t.Fatalf("saved %q, want a1's text with the edit's draft id", bk.saved)
	}
	if m.InputFocused() {
		t.Fatal("the editor stays open after a save")
	}
}
