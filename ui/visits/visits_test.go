package visits

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui/internal/uitest"
)

// fakeBook is a visit log in memory; SaveNotes fails while fail is set.
// Its index numbers the activities in the order of their ids; VisitSearch
// answers from found (query -> ids, in any order) with their numbers, or
// with searchErr, and keeps the queries asked.
type fakeBook struct {
	acts      map[string]model.Activity
	saved     []string // "id|text|draft" of every save
	fail      error
	found     map[string][]string
	searchErr error
	searches  []string
	mu        sync.Mutex // the editor's draft saves run in commands
	drafts    map[string]store.Draft
}

// SaveDraft keeps the editor's draft; drafts holds the ones kept.
func (f *fakeBook) SaveDraft(d *store.Draft, live func() bool) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !live() {
		return false, nil
	}
	if f.drafts == nil {
		f.drafts = map[string]store.Draft{}
	}
	f.drafts[d.ID] = *d
	return true, nil
}

func (f *fakeBook) DeleteDraft(id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.drafts, id)
	return nil
}

func (f *fakeBook) VisitDocs() ([]string, error) {
	ids := slices.Sorted(maps.Keys(f.acts))
	return append([]string{""}, ids...), nil // no activity is number 0
}

func (f *fakeBook) VisitSearch(text string) ([]uint32, error) {
	f.searches = append(f.searches, text)
	if f.searchErr != nil {
		return nil, f.searchErr
	}
	docs, _ := f.VisitDocs()
	var out []uint32
	for _, id := range f.found[text] {
		n := slices.Index(docs, id)
		if n < 0 {
			n = len(docs) + 3 // a number the log has not read
		}
		out = append(out, uint32(n))
	}
	return out, nil
}

func (f *fakeBook) VisitLog() ([]store.ActivityRow, map[string]string, error) {
	var rows []store.ActivityRow
	for _, a := range f.acts {
		rows = append(rows, store.ActivityRow{ID: a.ID, LeadID: a.LeadID, Kind: a.Kind, StartedAt: a.StartedAt, First: a.Notes()})
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

// answer runs cmd and its batches until the index's answer comes, within
// five seconds, and hands that to m (the cursor's blink is left running).
func answer(t *testing.T, m Model, cmd tea.Cmd) Model {
	t.Helper()
	found := make(chan tea.Msg, 1)
	var run func(tea.Cmd)
	run = func(c tea.Cmd) {
		if c == nil {
			return
		}
		go func() {
			switch msg := c().(type) {
			case tea.BatchMsg:
				for _, c := range msg {
					run(c)
				}
			case foundMsg:
				found <- msg
			}
		}()
	}
	run(cmd)
	select {
	case msg := <-found:
		m, _ = m.Update(msg)
	case <-time.After(5 * time.Second):
		t.Fatal("no answer from the index in 5s")
	}
	return m
}

// shownIDs is the ids of the rows the log shows, in order.
func shownIDs(m Model) string {
	var ids []string
	for _, r := range m.Shown() {
		ids = append(ids, r.ID)
	}
	return strings.Join(ids, " ")
}

// The words filter shows the rows whose ids the book's index answers, in
// the log's order (newest first), with the other filters on top; it asks
// the book in a tea.Cmd, drops an answer to words typed over, keeps the
// list when the book fails, and filters nothing for a text without words.
func TestWordsFilterShowsWhatTheBookFinds(t *testing.T) {
	st := uitest.Store(t)
	bk := &fakeBook{acts: map[string]model.Activity{
		"a1": activity("a1", "l1", "Met the fleet manager", time.Hour),
		"a2": activity("a2", "l2", "Plant visit", 2*time.Hour),
		"a3": activity("a3", "l1", "Fleet trial order", 3*time.Hour),
		"a4": activity("a4", "l2", "Quote sent", 4*time.Hour),
	}, found: map[string][]string{
		"f":     {"a1", "a3"},
		"fl":    {"a1", "a3"},
		"fleet": {"a3", "a1", "gone"}, // any order; an id the log lacks is left out
	}}
	m := New(uitest.Common(st, "en", 100, 20), nil, bk)
	m.SetSize(100, 18)
	m, _ = feed(m, m.Load())
	if got := shownIDs(m); got != "a1 a2 a3 a4" {
		t.Fatalf("the log shows %q", got)
	}
	m, _ = m.Update(uitest.Key("/"))
	m, cmdF := m.Update(uitest.Key("f"))
	m, cmdFl := m.Update(uitest.Key("l"))
	if len(bk.searches) != 0 || shownIDs(m) != "a1 a2 a3 a4" {
		t.Fatalf("typing searched the book on the UI's goroutine (%q) or changed the list: %q", bk.searches, shownIDs(m))
	}
	m = answer(t, m, cmdFl)
	bk.found["f"] = nil
	m = answer(t, m, cmdF) // the answer for "f" comes last: typed over, dropped
	if got := shownIDs(m); got != "a1 a3" {
		t.Fatalf("after \"fl\" the log shows %q, want a1 a3", got)
	}
	if err := m.SetText("fleet"); err != nil || shownIDs(m) != "a1 a3" {
		t.Fatalf("SetText(fleet): %v, shows %q", err, shownIDs(m))
	}
	m, _ = m.Update(uitest.Key("enter"))
	m, _ = m.Update(uitest.Key("t")) // visits: all of them
	m, _ = m.Update(uitest.Key("t")) // calls: none
	if got := shownIDs(m); got != "" {
		t.Fatalf("words and calls: %q", got)
	}
	for range len(model.ActivityKinds) - 1 {
		m, _ = m.Update(uitest.Key("t"))
	}
	if got := shownIDs(m); got != "a1 a3" {
		t.Fatalf("words and kind back to all: %q", got)
	}
	bk.searchErr = errors.New("the book is locked")
	if err := m.SetText("plant"); err == nil || !strings.Contains(err.Error(), "locked") {
		t.Fatalf("a failed search: %v", err)
	}
	bk.searchErr = store.ErrNoSearchWords
	if err := m.SetText("!?"); err != nil || shownIDs(m) != "a1 a2 a3 a4" {
		t.Fatalf("a text without words: %v, shows %q", err, shownIDs(m))
	}
	bk.searchErr = nil
	m.SetText("fleet")
	m, _ = m.Update(uitest.Key("x"))
	if got := shownIDs(m); got != "a1 a2 a3 a4" || m.search.Value() != "" {
		t.Fatalf("x leaves %q in the filter, shows %q", m.search.Value(), got)
	}
}

// A reload (after an edit) while words filter the log asks the index again
// in the same command, so the list never shows the unfiltered rows.
func TestReloadKeepsTheWordsFilter(t *testing.T) {
	st := uitest.Store(t)
	bk := &fakeBook{acts: map[string]model.Activity{
		"a1": activity("a1", "l1", "Met the fleet manager", time.Hour),
		"a2": activity("a2", "l2", "Plant visit", 2*time.Hour),
	}, found: map[string][]string{"plant": {"a2"}}}
	m := New(uitest.Common(st, "en", 100, 20), nil, bk)
	m.SetSize(100, 18)
	m, _ = feed(m, m.Load())
	m.SetText("plant")
	bk.acts["a3"] = activity("a3", "l1", "Second plant visit", 30*time.Minute)
	bk.found["plant"] = []string{"a3", "a2"}
	m, _ = feed(m, m.Load())
	if got := shownIDs(m); got != "a3 a2" {
		t.Fatalf("after a reload the log shows %q, want a3 a2", got)
	}
}
