package board

import (
	"strings"
	"testing"

	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui/internal/uitest"
)

func loaded(t *testing.T, st *store.Store, w, h int) Model {
	t.Helper()
	m := newBoard(uitest.Common(st, "en", w, h))
	m.SetSize(w, h)
	m = readAll(m)
	if !m.Loaded() {
		t.Fatal("the board did not load")
	}
	return m
}

func press(m Model, keys ...string) Model {
	for _, k := range keys {
		m, _ = m.Update(uitest.Key(k))
	}
	return m
}

func selected(t *testing.T, m Model) string {
	t.Helper()
	c, ok := m.Selected()
	if !ok {
		t.Fatal("nothing selected")
	}
	return c.Company
}

func TestNavigationKeys(t *testing.T) {
	st := uitest.Store(t)
	uitest.Seed(t, st, uitest.English)
	m := loaded(t, st, 80, 24)
	// Prospect, sorted by next follow-up: Blue Ridge (overdue) then Acme.
	if got := selected(t, m); got != "Blue Ridge Energy Group International Holdings" {
		t.Fatalf("first card = %q", got)
	}
	steps := []struct{ key, want string }{
		{"j", "Acme Manufacturing Ltd."},
		{"down", "Acme Manufacturing Ltd."}, // stays on the last card
		{"k", "Blue Ridge Energy Group International Holdings"},
		{"l", "Granite Steel Group"},
		{"G", "Harbor Logistics"},
		{"g", "Granite Steel Group"},
		{"right", "Pioneer Chemicals Inc."},
		{"left", "Granite Steel Group"},
		{"h", "Blue Ridge Energy Group International Holdings"},
		{"h", "Blue Ridge Energy Group International Holdings"}, // stays in the first column
	}
	for _, s := range steps {
		m = press(m, s.key)
		if got := selected(t, m); got != s.want {
			t.Fatalf("after %q the selection is %q, want %q", s.key, got, s.want)
		}
	}
}

func TestHorizontalScrollKeepsSelectionVisible(t *testing.T) {
	st := uitest.Store(t)
	uitest.Seed(t, st, uitest.English)
	m := loaded(t, st, 80, 24)
	m = press(m, "l", "l", "l", "l", "l", "l")
	v := uitest.Plain(m.View())
	if !strings.Contains(v, "Lost (1)") || strings.Contains(v, "Prospect (") || !strings.Contains(v, "┃ Silverline") {
		t.Fatalf("the lost column is not on screen:\n%s", v)
	}
	m.SetSize(160, 48)
	if v := uitest.Plain(m.View()); !strings.Contains(v, "Prospect (2)") || !strings.Contains(v, "Lost (1)") {
		t.Fatalf("at 160 columns every stage should show:\n%s", v)
	}
}

func TestStaleLoadReplyIsDropped(t *testing.T) {
	st := uitest.Store(t)
	uitest.Seed(t, st, uitest.English[:2])
	m := loaded(t, st, 80, 24)
	first := m.Reload()
	old := first() // reads 2 leads
	uitest.Seed(t, st, uitest.English[2:4])
	second := m.Reload()
	m, _ = m.Update(second())
	m, _ = m.Update(old) // arrives late: must not win
	if m.Count() != 4 {
		t.Fatalf("the board shows %d leads; the late reply of an earlier load replaced the newer one", m.Count())
	}
}

// TestIdleIsDaysSinceTheLastTouch: a card past its stage's limit says how
// long it has gone untouched (Harbor Logistics: 30 days in qualified, whose
// limit is 21), not how far past the limit it is (9), in both languages.
func TestIdleIsDaysSinceTheLastTouch(t *testing.T) {
	st := uitest.Store(t)
	uitest.Seed(t, st, uitest.English)
	for lang, want := range map[string]string{"en": "idle 30d", "zh": "未跟进30天"} {
		m := newBoard(uitest.Common(st, lang, 160, 48))
		m.SetSize(160, 46)
		m = readAll(m)
		frame := uitest.Plain(m.View())
		if !strings.Contains(frame, want) {
			t.Errorf("%s: the card does not say %q:\n%s", lang, want, frame)
		}
		// Acme, 2 days in prospect, is within the limit: no idle mark.
		if strings.Contains(frame, m.c.Tf("board.idle", 2)) {
			t.Errorf("%s: a lead within its stage's limit is marked idle", lang)
		}
	}
}
