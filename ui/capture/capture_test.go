package capture

import (
	"errors"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui/common"
	"github.com/fieldcrm/fieldcrm/ui/forms"
	"github.com/fieldcrm/fieldcrm/ui/internal/uitest"
)

// fakeBook is capture's book in memory. It records the notes filed, the
// drafts the editor saved and those deleted; SaveNote fails while fail is
// set.
type fakeBook struct {
	mu      sync.Mutex
	cards   []store.Card
	drafts  []store.Draft
	saved   map[string]store.Draft
	notes   []Note
	deleted []string
	kinds   []string
	fail    error
	visit   OpenVisit
	stage   string // the stage StartVisit's template was asked for
}

func (f *fakeBook) Cards() ([]store.Card, error) { return f.cards, nil }

func (f *fakeBook) SaveNote(n Note) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return "", f.fail
	}
	f.notes = append(f.notes, n)
	if n.LeadID == "" {
		return "new-lead", nil
	}
	return n.LeadID, nil
}

func (f *fakeBook) Drafts(kinds ...string) ([]store.Draft, error) {
	f.kinds = kinds
	return f.drafts, nil
}

func (f *fakeBook) SaveDraft(d *store.Draft, live func() bool) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !live() {
		return false, nil
	}
	if f.saved == nil {
		f.saved = map[string]store.Draft{}
	}
	d.UpdatedAt = uitest.Now
	f.saved[d.ID] = *d
	return true, nil
}

func (f *fakeBook) draft(id string) store.Draft {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.saved[id]
}

func (f *fakeBook) DeleteDraft(id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.deleted = append(f.deleted, id)
	return nil
}

func (f *fakeBook) StartVisit(leadID string, template func(string) string) (OpenVisit, error) {
	v := f.visit
	v.Draft.Text = template("negotiation")
	return v, nil
}

func (f *fakeBook) OpenVisit() (OpenVisit, bool, error) { return f.visit, f.visit.Act.ID != "", nil }

// pane runs quick capture as the root does, keeping what it says to the
// root.
type pane struct {
	t    *testing.T
	c    *common.Common
	m    Model
	said []tea.Msg
}

func newPane(t *testing.T, bk *fakeBook, d store.Draft) *pane {
	t.Helper()
	p := &pane{t: t, c: uitest.Common(nil, "en", 100, 30)}
	m, cmd := New(p.c, bk, d)
	m.SetSize(100, 28)
	p.m = m
	p.run(cmd)
	return p
}

func (p *pane) update(msg tea.Msg) tea.Cmd {
	switch msg.(type) {
	case ClosedMsg, common.ChangedMsg, common.StatusMsg, common.ErrMsg:
		p.said = append(p.said, msg)
		return nil
	}
	var cmd tea.Cmd
	p.m, cmd = p.m.Update(msg)
	return cmd
}

func (p *pane) run(cmd tea.Cmd) { uitest.Run(p.update, cmd) }

func (p *pane) keys(keys ...string) {
	for _, k := range keys {
		msg := uitest.Key(k)
		switch {
		case k == "ctrl+s":
			msg = tea.KeyPressMsg{Code: 's', Mod: tea.ModCtrl}
		case strings.HasPrefix(k, "text:"):
			for _, r := range strings.TrimPrefix(k, "text:") {
				p.run(func() tea.Msg { return uitest.Key(string(r)) })
			}
			continue
		}
		p.run(func() tea.Msg { return msg })
	}
}

func (p *pane) closed() (ClosedMsg, bool) {
	for _, msg := range p.said {
		if c, ok := msg.(ClosedMsg); ok {
			return c, true
		}
	}
	return ClosedMsg{}, false
}

var cards = []store.Card{
	{ID: "a", Company: "Harbor Logistics", Stage: "qualified"},
	{ID: "b", Company: "Granite Steel Group", Stage: "new"},
}

// TestQuickNoteIsFiledThroughTheBook picks a lead from the book's cards
// and types: the draft is kept in the book, naming the lead; ctrl+s files
// the note on that lead with the pane's draft, so the book can delete the
// draft in the same write.
func TestQuickNoteIsFiledThroughTheBook(t *testing.T) {
	bk := &fakeBook{cards: cards}
	p := newPane(t, bk, store.Draft{})
	p.keys("text:granite", "enter", "text:Wants 3 trucks.")
	// The first key is saved at once; the rest wait for a pause in typing.
	if d := bk.draft(p.m.DraftID()); d.Text == "" || !strings.HasPrefix("Wants 3 trucks.", d.Text) || d.LeadID != "b" || d.Company != "Granite Steel Group" {
		t.Fatalf("the draft kept while typing: %+v", d)
	}
	p.keys("ctrl+s")
	c, ok := p.closed()
	if !ok || !c.Saved || c.LeadID != "b" {
		t.Fatalf("ctrl+s: %+v", p.said)
	}
	if len(bk.notes) != 1 {
		t.Fatalf("notes filed: %+v", bk.notes)
	}
	n := bk.notes[0]
	if n.LeadID != "b" || n.Text != "Wants 3 trucks." || n.DraftID != p.m.DraftID() || !n.At.Equal(uitest.Now) {
		t.Fatalf("the note filed: %+v (draft %s)", n, p.m.DraftID())
	}
}

// TestQuickNoteOnANewProspect names a company no card has: the note goes
// to a new lead in the pipeline's first stage, whose id the pane reports.
func TestQuickNoteOnANewProspect(t *testing.T) {
	bk := &fakeBook{cards: cards}
	p := newPane(t, bk, store.Draft{})
	p.keys("text:Lotus Textiles", "down", "down", "enter", "text:Cold call went well.", "ctrl+s")
	c, ok := p.closed()
	if !ok || c.LeadID != "new-lead" || len(bk.notes) != 1 {
		t.Fatalf("saved %+v, notes %+v", p.said, bk.notes)
	}
	if n := bk.notes[0]; n.LeadID != "" || n.Company != "Lotus Textiles" || n.Stage != p.c.Rules.Pipeline.Stages[0].Key {
		t.Fatalf("the note filed: %+v", n)
	}
}

// TestQuickNoteThatFailsToSaveStaysTyped: a failed save shows the book's
// sentence and keeps the pane and the text; the next ctrl+s saves.
func TestQuickNoteThatFailsToSaveStaysTyped(t *testing.T) {
	bk := &fakeBook{cards: cards, fail: errors.New("the book is read-only")}
	p := newPane(t, bk, store.Draft{LeadID: "a"})
	p.keys("text:Call back Friday.", "ctrl+s")
	if _, ok := p.closed(); ok {
		t.Fatalf("a failed save closed the pane: %+v", p.said)
	}
	if v := uitest.Plain(p.m.View()); !strings.Contains(v, "The book is read-only.") || !strings.Contains(v, "Call back Friday.") {
		t.Fatalf("after a failed save:\n%s", v)
	}
	bk.mu.Lock()
	bk.fail = nil
	bk.mu.Unlock()
	p.keys("ctrl+s")
	if c, ok := p.closed(); !ok || !c.Saved || len(bk.notes) != 1 || bk.notes[0].Text != "Call back Friday." {
		t.Fatalf("the second ctrl+s: %+v, notes %+v", p.said, bk.notes)
	}
}

// TestOfferDiscardsThroughTheBook: x deletes the selected draft from the
// book, and the offer closes when none is left; LoadDrafts asks for form
// drafts too.
func TestOfferDiscardsThroughTheBook(t *testing.T) {
	bk := &fakeBook{drafts: []store.Draft{
		{ID: "d1", Kind: DraftKind, LeadID: "a", Company: "Harbor Logistics", Text: "Wants 3 trucks.", UpdatedAt: uitest.Now},
		{ID: "d2", Kind: DraftKind, Company: "Lotus Textiles", Text: "Cold call.", UpdatedAt: uitest.Now},
	}}
	msg := LoadDrafts(bk, DraftKind)()
	if !slices.Contains(bk.kinds, forms.DraftKind) || !slices.Contains(bk.kinds, DraftKind) {
		t.Fatalf("LoadDrafts asked for kinds %q", bk.kinds)
	}
	dm, ok := msg.(DraftsMsg)
	if !ok || len(dm.Drafts) != 2 {
		t.Fatalf("LoadDrafts gave %#v", msg)
	}
	c := uitest.Common(nil, "en", 100, 30)
	o := NewOffer(c, bk, dm.Drafts)
	o.SetWidth(100)
	var said []tea.Msg
	update := func(msg tea.Msg) tea.Cmd {
		if _, ok := msg.(OfferDoneMsg); ok {
			said = append(said, msg)
			return nil
		}
		var cmd tea.Cmd
		o, cmd = o.Update(msg)
		return cmd
	}
	uitest.Run(update, common.Emit(uitest.Key("down")))
	uitest.Run(update, common.Emit(uitest.Key("x")))
	if !slices.Equal(bk.deleted, []string{"d2"}) || len(said) != 0 {
		t.Fatalf("x on the second draft deleted %q, said %v", bk.deleted, said)
	}
	if v := uitest.Plain(o.View()); !strings.Contains(v, "Wants 3 trucks.") || strings.Contains(v, "Cold call.") {
		t.Fatalf("the offer after x:\n%s", v)
	}
	uitest.Run(update, common.Emit(uitest.Key("x")))
	if !slices.Equal(bk.deleted, []string{"d2", "d1"}) || len(said) != 1 {
		t.Fatalf("x on the last draft deleted %q, said %v", bk.deleted, said)
	}
	if LoadDrafts(&fakeBook{})() != nil {
		t.Fatal("no draft found still sends a message")
	}
}

// TestStartVisitAsksTheTemplateInTheUILanguage: the book starts the visit
// and asks the template for the lead's stage; the pane's language picks
// the template's words.
func TestStartVisitAsksTheTemplateInTheUILanguage(t *testing.T) {
	bk := &fakeBook{visit: OpenVisit{Act: model.Activity{ID: "v1", LeadID: "a"}, Company: "Harbor Logistics"}}
	tmpl := func(stage, lang string) string { return stage + "/" + lang }
	msg := StartVisit(uitest.Common(nil, "zh", 80, 24), bk, "a", tmpl)().(VisitOpenedMsg)
	if msg.Err != nil || msg.Resumed || msg.Act.ID != "v1" || msg.Draft.Text != "negotiation/zh" {
		t.Fatalf("StartVisit gave %+v", msg)
	}
	if ResumeVisit(&fakeBook{})() != nil {
		t.Fatal("no open visit still sends a message")
	}
	if got := ResumeVisit(bk)().(VisitOpenedMsg); !got.Resumed || got.Company != "Harbor Logistics" {
		t.Fatalf("ResumeVisit gave %+v", got)
	}
}

// TestASavedNoteIsFiledOnce: keys that reach the pane after its note was
// saved and before the root closes it file nothing more.
func TestASavedNoteIsFiledOnce(t *testing.T) {
	bk := &fakeBook{cards: cards}
	p := newPane(t, bk, store.Draft{})
	p.keys("text:granite", "enter", "text:Call back Monday.", "ctrl+s")
	if _, ok := p.closed(); !ok {
		t.Fatalf("ctrl+s did not save: %+v", p.said)
	}
	p.keys("ctrl+s", "text:x", "ctrl+s")
	if len(bk.notes) != 1 {
		t.Fatalf("%d notes filed, want 1: %+v", len(bk.notes), bk.notes)
	}
}

// The editor's file is read back and removed when the editor ends well;
// when it fails, the file stays and its path is in what the pane says.
func TestEditorReadBack(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	path, remove, err := common.EditorFile("n.md", []byte("typed in the editor\n"))
	if err != nil {
		t.Fatal(err)
	}
	failed := readBack(path, remove, errors.New("exit status 1"))
	if failed.err == nil || failed.kept != path {
		t.Fatalf("after a failed editor: %+v, want the file %s kept", failed, path)
	}
	p := newPane(t, &fakeBook{}, store.Draft{})
	m, _ := p.m.editorDone(failed)
	if !strings.Contains(m.err, path) {
		t.Fatalf("the pane says %q; want the file %s named", m.err, path)
	}
	ok := readBack(path, remove, nil)
	if ok.err != nil || ok.text != "typed in the editor" {
		t.Fatalf("after the editor: %+v", ok)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("the file is still there after it was read back: %v", err)
	}
}
