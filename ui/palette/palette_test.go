package palette

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui/common"
	"github.com/fieldcrm/fieldcrm/ui/internal/uitest"
)

// fakeBook is a palette's book in memory: its cards, and the index's
// answer per query; it records the queries asked.
type fakeBook struct {
	cards   []store.Card
	hits    map[string][]string
	fail    error
	queries []string
}

func (f *fakeBook) Cards() ([]store.Card, error) { return f.cards, nil }

func (f *fakeBook) SearchLeads(q string, limit int) ([]string, error) {
	f.queries = append(f.queries, q)
	if f.fail != nil {
		return nil, f.fail
	}
	ids := f.hits[q]
	return ids[:min(limit, len(ids))], nil
}

// answers runs cmd as the program would (a batch's commands each in its
// own goroutine) and returns the messages of the kinds the palette
// replies with; a cursor's blink tick that has not fired within the
// bound is left behind.
func answers(t *testing.T, cmd tea.Cmd) []tea.Msg {
	t.Helper()
	if cmd == nil {
		return nil
	}
	out := make(chan tea.Msg, 16)
	var run func(c tea.Cmd)
	run = func(c tea.Cmd) {
		msg := c()
		if b, ok := msg.(tea.BatchMsg); ok {
			for _, c := range b {
				if c != nil {
					go run(c)
				}
			}
			return
		}
		out <- msg
	}
	go run(cmd)
	var got []tea.Msg
	deadline := time.After(300 * time.Millisecond)
	for {
		select {
		case msg := <-out:
			switch msg.(type) {
			case foundMsg, cardsMsg, ClosedMsg, common.ErrMsg:
				got = append(got, msg)
			}
		case <-deadline:
			return got
		}
	}
}

func newPalette(t *testing.T, bk *fakeBook) Model {
	t.Helper()
	m, cmd := New(uitest.Common(nil, "en", 80, 24), bk)
	m.SetWidth(80)
	for _, msg := range answers(t, cmd) {
		m, _ = m.Update(msg)
	}
	return m
}

// TestPaletteListsTheIndexsLeadsAndDropsAStaleAnswer types a city only
// the index knows, one key at a time: each keystroke asks the book's
// index once, an answer to an older query arriving last does not replace
// the newer one, and enter opens the lead found.
func TestPaletteListsTheIndexsLeadsAndDropsAStaleAnswer(t *testing.T) {
	bk := &fakeBook{
		cards: []store.Card{
			{ID: "a", Company: "Harbor Logistics", Stage: "qualified"},
			{ID: "b", Company: "Granite Steel", Stage: "new"},
			{ID: "c", Company: "Blue Ridge Foods", Stage: "new"},
		},
		hits: map[string][]string{"ning": {"c"}, "ningb": {"a"}},
	}
	m := newPalette(t, bk)
	var replies [][]tea.Msg
	for _, k := range []string{"n", "i", "n", "g", "b"} {
		var cmd tea.Cmd
		m, cmd = m.Update(uitest.Key(k))
		replies = append(replies, answers(t, cmd))
	}
	if want := []string{"n", "ni", "nin", "ning", "ningb"}; !slices.Equal(bk.queries, want) {
		t.Fatalf("the index was asked %q, want one query a keystroke %q", bk.queries, want)
	}
	for _, i := range []int{4, 3} { // the newest answer first, then the stale one
		for _, msg := range replies[i] {
			m, _ = m.Update(msg)
		}
	}
	v := uitest.Plain(m.View())
	if !strings.Contains(v, "Harbor Logistics") || strings.Contains(v, "Blue Ridge Foods") {
		t.Fatalf("the list after a stale answer:\n%s", v)
	}
	_, cmd := m.Update(uitest.Key("enter"))
	got := answers(t, cmd)
	if len(got) != 1 || got[0] != (ClosedMsg{Then: common.OpenLeadMsg{ID: "a"}}) {
		t.Fatalf("enter on the lead found gives %#v", got)
	}
}

// TestPaletteSaysWhenTheIndexFails reports the book's error and keeps
// the fuzzy matches of the cards.
func TestPaletteSaysWhenTheIndexFails(t *testing.T) {
	bk := &fakeBook{cards: []store.Card{{ID: "a", Company: "Harbor Logistics"}}, fail: errors.New("the book is locked")}
	m := newPalette(t, bk)
	var got []tea.Msg
	for _, k := range []string{"h", "r", "b"} {
		var cmd tea.Cmd
		m, cmd = m.Update(uitest.Key(k))
		got = answers(t, cmd)
		for _, msg := range got {
			var next tea.Cmd
			m, next = m.Update(msg)
			got = append(got, answers(t, next)...)
		}
	}
	if len(got) == 0 {
		t.Fatal("a failed search said nothing")
	}
	if e, ok := got[len(got)-1].(common.ErrMsg); !ok || e.Err != bk.fail {
		t.Fatalf("a failed search gives %#v", got)
	}
	if v := uitest.Plain(m.View()); !strings.Contains(v, "Harbor Logistics") {
		t.Fatalf("the fuzzy match is gone when the index fails:\n%s", v)
	}
}
