package board

import (
	"errors"
	"strings"
	"sync"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui/common"
	"github.com/fieldcrm/fieldcrm/ui/forms"
	"github.com/fieldcrm/fieldcrm/ui/internal/uitest"
)

// storeBook is the board's Book over a real store, for the tests and
// benchmarks that read a real book: they cannot import ui.Book (the root
// package imports this one), so these are its three reads again, one
// transaction each.
type storeBook struct{ data common.Data }

func (b storeBook) Cards() ([]store.Card, error) {
	var cards []store.Card
	err := b.data.View(func(tx *store.Tx) (err error) { cards, err = tx.Cards(); return err })
	return cards, err
}

func (b storeBook) Card(id string) (store.Card, error) {
	var c store.Card
	err := b.data.View(func(tx *store.Tx) (err error) { c, err = tx.Card(id); return err })
	return c, err
}

func (b storeBook) EachCard(fn func(*store.Card) error) error {
	return b.data.View(func(tx *store.Tx) error { return tx.EachCard(fn) })
}

// newBoard returns the board over c's store.
func newBoard(c *common.Common) Model { return New(c, nil, storeBook{c.Data}) }

// fakeBook is the board's book in memory, and the forms' moves (run as
// the root runs a forms.BookMsg) on its cards. It counts the reads.
type fakeBook struct {
	forms.Book // the board's keys use only Move
	mu         sync.Mutex
	cards      []store.Card
	fail       error
	all, one   int // reads of every card and of one
}

func (f *fakeBook) Cards() ([]store.Card, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.all++
	return append([]store.Card(nil), f.cards...), f.fail
}

func (f *fakeBook) Card(id string) (store.Card, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.one++
	for _, c := range f.cards {
		if c.ID == id {
			return c, nil
		}
	}
	return store.Card{}, errors.New("no such lead")
}

func (f *fakeBook) EachCard(fn func(*store.Card) error) error {
	cards, err := f.Cards()
	for i := range cards {
		if err := fn(&cards[i]); err != nil {
			return err
		}
	}
	return err
}

func (f *fakeBook) Move(mv forms.Move, draft string) (forms.Moved, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.cards {
		if c := &f.cards[i]; c.ID == mv.LeadID {
			done := forms.Moved{From: c.Stage, FromReason: c.LostReason}
			c.Stage, c.LostReason = mv.To.Stage, mv.To.LostReason
			done.Card = *c
			return done, nil
		}
	}
	return forms.Moved{}, errors.New("no such lead")
}

func (f *fakeBook) stage(id string) string {
	c, _ := f.Card(id)
	return c.Stage
}

// TestMovesGoThroughTheFormsBookAndReadOneCard: L moves the selected lead
// through the forms' book the root holds, u moves it back, and neither
// reads every card again; a failed read is said once.
func TestMovesGoThroughTheFormsBookAndReadOneCard(t *testing.T) {
	bk := &fakeBook{cards: []store.Card{
		{ID: "a", Company: "Acme Manufacturing Ltd.", Stage: "prospect", Probability: -1},
		{ID: "b", Company: "Harbor Logistics", Stage: "qualified", Probability: -1},
	}}
	m := New(uitest.Common(nil, "en", 100, 30), nil, bk)
	m.SetSize(100, 28)
	m = readAll(m)
	if !m.Loaded() || m.Count() != 2 {
		t.Fatalf("the board over the fake: loaded %v, %d leads", m.Loaded(), m.Count())
	}
	reads := bk.all
	run := func(cmd tea.Cmd) {
		uitest.Run(func(msg tea.Msg) tea.Cmd {
			if b, ok := msg.(forms.BookMsg); ok {
				return func() tea.Msg { return b.Do(bk) }
			}
			var c tea.Cmd
			m, c = m.Update(msg)
			return c
		}, cmd)
	}
	_, cmd := m.Update(uitest.Key("L"))
	run(cmd)
	if got := bk.stage("a"); got != "qualified" {
		t.Fatalf("after L Acme is in %q", got)
	}
	if got := selected(t, m); got != "Acme Manufacturing Ltd." {
		t.Fatalf("the selection did not follow the moved card: %q", got)
	}
	_, cmd = m.Update(uitest.Key("u"))
	run(cmd)
	if got := bk.stage("a"); got != "prospect" {
		t.Fatalf("after u Acme is in %q", got)
	}
	if bk.all != reads {
		t.Fatalf("a move read every card again (%d reads, %d before)", bk.all, reads)
	}
	if _, cmd = m.Update(uitest.Key("H")); cmd != nil { // already in the first stage
		t.Fatal("H in the first stage did something")
	}

	bk.fail = errors.New("the book is locked")
	cmd = m.Reload()
	msg := cmd()
	m, cmd = m.Update(msg)
	if cmd == nil {
		t.Fatal("a failed read said nothing")
	}
	if e, ok := cmd().(common.ErrMsg); !ok || !strings.Contains(e.Err.Error(), "locked") {
		t.Fatalf("a failed read: %#v", e)
	}
}
