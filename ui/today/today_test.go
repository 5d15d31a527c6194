package today

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/fieldcrm/fieldcrm/demo"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui/internal/uitest"
)

// demoToday is the review of a 300-lead demo book at 80x24, read.
func demoToday(t *testing.T) Model {
	t.Helper()
	st := uitest.Store(t)
	if err := demo.Generate(st, demo.Options{Leads: 300, Now: uitest.Now}); err != nil {
		t.Fatal(err)
	}
	m := newToday(uitest.Common(st, "en", 80, 24))
	m.SetSize(80, 22)
	m, _ = m.Update(m.Load()())
	if !m.Loaded() || len(m.items) < 50 {
		t.Fatalf("the demo review has %d items", len(m.items))
	}
	return m
}

func press(m Model, keys ...tea.KeyPressMsg) Model {
	for _, k := range keys {
		m, _ = m.Update(k)
	}
	return m
}

var shiftTab = tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}

func TestSectionKeysJumpToTheNextSectionWithItems(t *testing.T) {
	m := demoToday(t)
	if it, _ := m.Selected(); it.Section != store.SectionOverdue {
		t.Fatalf("the review starts on %q, want overdue", it.Section)
	}
	// Each key in turn: ] and tab forward, [ and shift+tab back.
	steps := []struct {
		key  tea.KeyPressMsg
		want string
	}{
		{uitest.Key("]"), store.SectionToday},
		{uitest.Key("tab"), store.SectionWeek},
		{uitest.Key("]"), store.SectionRotting},
		{uitest.Key("["), store.SectionWeek},
		{shiftTab, store.SectionToday},
		{uitest.Key("["), store.SectionOverdue},
		{uitest.Key("["), store.SectionOverdue}, // the first section stays
	}
	for i, s := range steps {
		m = press(m, s.key)
		it, _ := m.Selected()
		if it.Section != s.want {
			t.Fatalf("step %d (%s): on %q, want %q", i, s.key.String(), it.Section, s.want)
		}
		// The selection is the section's first item, under its header
		// at the top of the list.
		if m.sel > 0 && m.items[m.sel-1].Section == it.Section {
			t.Fatalf("step %d: selected item %d is not the first of %q", i, m.sel, it.Section)
		}
		lines := strings.Split(uitest.Plain(m.View()), "\n")
		if !strings.HasPrefix(lines[1], m.c.T("today.section."+s.want)+" (") {
			t.Fatalf("step %d: the list does not start at %q's header:\n%s", i, s.want, strings.Join(lines, "\n"))
		}
		uitest.CheckWidths(t, m.View(), 80, 22)
	}
	// The last section with items keeps the selection where it is.
	for range len(m.rep.Sections) {
		m = press(m, uitest.Key("]"))
	}
	last := m.sel
	if m = press(m, uitest.Key("]")); m.sel != last {
		t.Fatalf("] past the last section moved the selection from %d to %d", last, m.sel)
	}
}

func TestSectionKeysAreInTheFullHelp(t *testing.T) {
	for _, lang := range []string{"en", "zh"} {
		m := newToday(uitest.Common(uitest.Store(t), lang, 80, 24))
		var helps []string
		for _, col := range m.KeyMap().FullHelp() {
			for _, b := range col {
				helps = append(helps, b.Help().Key+" "+b.Help().Desc)
			}
		}
		all := strings.Join(helps, "\n")
		for _, want := range []string{"tab " + m.c.T("key.next_section"), "shift+tab " + m.c.T("key.prev_section")} {
			if !strings.Contains(all, want) {
				t.Errorf("%s: the full help lacks %q:\n%s", lang, want, all)
			}
		}
	}
}

// TestRottingLeadsSayHowLongTheyWereIdle: the review's rotting lines give
// the days since the last touch, as the cards do (Blue Ridge: 40, Harbor
// Logistics: 30), not the days past the stage's limit (10 and 9).
func TestRottingLeadsSayHowLongTheyWereIdle(t *testing.T) {
	st := uitest.Store(t)
	uitest.Seed(t, st, uitest.English)
	m := newToday(uitest.Common(st, "en", 120, 40))
	m.SetSize(120, 38)
	m, _ = m.Update(m.Load()())
	frame := uitest.Plain(m.View())
	for company, idle := range map[string]string{"Blue Ridge": "idle 40d", "Harbor Logistics": "idle 30d"} {
		found := false
		for _, l := range strings.Split(frame, "\n") {
			found = found || strings.Contains(l, company) && strings.Contains(l, idle)
		}
		if !found {
			t.Errorf("the review does not say %s is %q:\n%s", company, idle, frame)
		}
	}
}
