package board

import (
	"testing"

	"github.com/fieldcrm/fieldcrm/demo"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui/internal/uitest"
)

// readAll runs the board's opening reads: the first screen, then every
// card.
func readAll(m Model) Model {
	m, cmd := m.Update(m.Init()())
	if cmd != nil {
		m, _ = m.Update(cmd())
	}
	return m
}

// TestFirstScreenIsTheWholeBoardsFrame: the first frame, drawn from the
// first cards of each column, is the frame the board draws once every
// card is read (counts, sums, cards, "more below"), in both languages and
// at small and large sizes, on a book whose columns hold more cards than
// the first read keeps.
func TestFirstScreenIsTheWholeBoardsFrame(t *testing.T) {
	st := uitest.Store(t)
	if err := demo.Generate(st, demo.Options{Leads: 400, Now: uitest.Now}); err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"en", "zh"} {
		for _, size := range [][2]int{{80, 24}, {160, 48}, {200, 300}} {
			w, h := size[0], size[1]
			m := newBoard(uitest.Common(st, lang, w, h))
			m.SetSize(w, h)
			first, cmd := m.Update(m.Init()())
			if cmd == nil || first.Loaded() {
				t.Fatalf("the first screen did not ask for every card")
			}
			if n := len(first.cards); n > max(firstCards, first.slots())*len(first.cols) || n >= 400 {
				t.Fatalf("the first screen kept %d cards", n)
			}
			if first.Count() != 400 {
				t.Fatalf("the first screen says the board has %d leads, not 400", first.Count())
			}
			if first.count(0) <= first.slots() {
				t.Fatalf("the first column has %d cards; the test needs more than fit", first.count(0))
			}
			// (The two models share the drawn-card cache: the first frame
			// is drawn before the full read replaces the cards.)
			a := first.View()
			uitest.CheckWidths(t, a, w, h)
			all, _ := first.Update(cmd())
			if !all.Loaded() || all.Count() != 400 {
				t.Fatalf("the board has %d cards after the full read", all.Count())
			}
			if b := all.View(); a != b {
				t.Fatalf("%s %dx%d: the first frame\n%s\ndiffers from the whole board's\n%s", lang, w, h, uitest.Plain(a), uitest.Plain(b))
			}
		}
	}
}

// TestFirstScreenAfterAReloadIsDropped: a first screen that arrives after
// a reload was asked (the book changed meanwhile) does not replace it.
func TestFirstScreenAfterAReloadIsDropped(t *testing.T) {
	st := uitest.Store(t)
	uitest.Seed(t, st, uitest.English[:2])
	m := newBoard(uitest.Common(st, "en", 80, 24))
	m.SetSize(80, 24)
	first := m.Init()() // reads 2 leads
	uitest.Seed(t, st, uitest.English[2:4])
	m, _ = m.Update(m.Reload()())
	m, cmd := m.Update(first)
	if cmd != nil || m.Count() != 4 {
		t.Fatalf("a late first screen replaced the reload: %d leads", m.Count())
	}
}

// TestFirstScreenWaitsWhenTheTerminalGrew: a terminal grown taller than
// the first read kept cards for shows nothing partial; every card follows.
func TestFirstScreenWaitsWhenTheTerminalGrew(t *testing.T) {
	st := uitest.Store(t)
	if err := demo.Generate(st, demo.Options{Leads: 400, Now: uitest.Now}); err != nil {
		t.Fatal(err)
	}
	m := newBoard(uitest.Common(st, "en", 80, 24))
	m.SetSize(80, 24)
	first := m.Init()()
	m.SetSize(200, 400)
	m, cmd := m.Update(first)
	if len(m.cards) != 0 || cmd == nil {
		t.Fatalf("a first screen of %d cards was shown on a taller terminal", len(m.cards))
	}
	if m, _ = m.Update(cmd()); m.Count() != 400 {
		t.Fatalf("the full read gave %d cards", m.Count())
	}
}

// BenchmarkFirstScreen is what the board's first frame waits for now: one
// pass over the 10,000 cards keeping the first of each column, and the
// frame at 160x48 (BenchmarkBuildBoardAndFirstFrame reads and files every
// card first, as before).
func BenchmarkFirstScreen(b *testing.B) { benchFirstScreen(b, bigStore(b), bigLeads) }

// BenchmarkFirstScreen1000 is the same on a book of 1,000 leads, to see how
// the first screen grows with the book.
func BenchmarkFirstScreen1000(b *testing.B) {
	st := uitest.Store(b)
	if err := demo.Generate(st, demo.Options{Leads: 1000, Now: uitest.Now}); err != nil {
		b.Fatal(err)
	}
	benchFirstScreen(b, st, 1000)
}

func benchFirstScreen(b *testing.B, st *store.Store, leads int) {
	c := uitest.Common(st, "en", 160, 48)
	b.ResetTimer()
	for b.Loop() {
		m := newBoard(c)
		m.SetSize(160, 46)
		m, _ = m.Update(m.Init()())
		if m.Count() != leads {
			b.Fatalf("the first screen counts %d leads, not %d", m.Count(), leads)
		}
		_ = m.View()
	}
}
