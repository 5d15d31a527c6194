package ui_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui/internal/uitest"
)

func (d *driver) today() store.TodayReport {
	d.t.Helper()
	var rep store.TodayReport
	if err := d.st.View(func(tx *store.Tx) (err error) { rep, err = tx.Today(); return err }); err != nil {
		d.t.Fatal(err)
	}
	return rep
}

func TestGoldenToday(t *testing.T) {
	t.Parallel()
	for _, lang := range []string{"en", "zh"} {
		t.Run(lang+"_80x24", func(t *testing.T) {
			t.Parallel()
			d, _ := newDriver(t, lang, books(lang), 80, 24)
			d.keys("2")
			golden.RequireEqual(t, d.plain())
		})
	}
}

// TestTodayShowsWhatTheCLIShows checks that the screen lists the items of
// store.Tx.Today (which `fieldcrm today` prints) in the same order.
func TestTodayShowsWhatTheCLIShows(t *testing.T) {
	t.Parallel()
	d, _ := newDriver(t, "en", uitest.English, 100, 60)
	d.keys("2")
	scr := d.plain()
	pos := 0
	for _, sec := range d.today().Sections {
		for _, it := range sec.Items {
			name := it.Company[:min(len(it.Company), 16)]
			i := strings.Index(scr[pos:], name)
			if i < 0 {
				t.Fatalf("%s (%s) is not on screen after position %d:\n%s", it.Company, sec.Key, pos, scr)
			}
			pos += i + len(name)
		}
	}
}

func TestTodayDoneAsksTheNextStep(t *testing.T) {
	t.Parallel()
	d, ids := newDriver(t, "en", uitest.English, 100, 40)
	d.keys("2")
	first := d.today().Sections[0].Items[0] // overdue: Blue Ridge
	if first.LeadID != ids[1] || first.TaskID == "" {
		t.Fatalf("first item %+v", first)
	}
	before := strings.Count(d.plain(), "Overdue (1)")
	d.keys("d", "enter", "text:Send the quote", "enter", "enter")
	if !strings.Contains(d.plain(), "Overdue (0)") || before != 1 {
		t.Fatalf("the overdue count did not follow:\n%s", d.plain())
	}
	var tasks []model.Task
	d.st.View(func(tx *store.Tx) (err error) { tasks, err = tx.TasksOf(ids[1]); return err })
	open := 0
	for _, tk := range tasks {
		if tk.IsOpen() {
			open++
			if tk.Action != "Send the quote" || tk.Due != model.DateOf(uitest.Now).AddDays(7) {
				t.Errorf("next follow-up %+v", tk)
			}
		} else if tk.ID != first.TaskID {
			t.Errorf("closed an unexpected follow-up %+v", tk)
		}
	}
	if open != 1 {
		t.Fatalf("%d open follow-ups, want the new one: %+v", open, tasks)
	}
}

func TestTodayDoneWithNoNextStep(t *testing.T) {
	t.Parallel()
	d, ids := newDriver(t, "en", uitest.English, 100, 40)
	d.keys("2", "d", "down", "enter")
	var tasks []model.Task
	d.st.View(func(tx *store.Tx) (err error) { tasks, err = tx.TasksOf(ids[1]); return err })
	if len(tasks) != 1 || tasks[0].IsOpen() {
		t.Fatalf("after done with no next step: %+v", tasks)
	}
}

func TestTodaySnooze(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		keys []string
		days int
	}{
		{[]string{"z", "enter"}, 1},
		{[]string{"z", "down", "enter"}, 7},
		{append([]string{"z", "down", "down", "enter"}, append(slices.Repeat([]string{"backspace"}, 10), "text:+3d", "enter")...), 3},
	} {
		d, ids := newDriver(t, "en", uitest.English, 100, 40)
		d.keys("2")
		d.keys(c.keys...)
		var tasks []model.Task
		d.st.View(func(tx *store.Tx) (err error) { tasks, err = tx.TasksOf(ids[1]); return err })
		want := model.DateOf(uitest.Now).AddDays(c.days)
		if len(tasks) != 1 || tasks[0].SnoozedUntil != want {
			t.Fatalf("%v: %+v, want snoozed until %s\n%s", c.keys, tasks, want, d.plain())
		}
		if strings.Contains(d.plain(), "Overdue (1)") {
			t.Errorf("%v: still overdue on screen", c.keys)
		}
	}
}

func TestNumberKeysSwitchScreens(t *testing.T) {
	t.Parallel()
	d, _ := newDriver(t, "en", uitest.English, 100, 30)
	d.keys("2")
	if !strings.Contains(d.plain(), "Due today (") {
		t.Fatalf("2 does not show today:\n%s", d.plain())
	}
	d.keys("enter")
	if !strings.Contains(d.plain(), "Blue Ridge Energy Group International Holdings  [Prospect]") {
		t.Fatalf("enter does not open the lead:\n%s", d.plain())
	}
	d.keys("esc")
	if !strings.Contains(d.plain(), "Due today (") {
		t.Fatalf("esc from a lead opened in today does not go back to today:\n%s", d.plain())
	}
	d.keys("1")
	if !strings.Contains(d.plain(), "Pipeline") {
		t.Fatalf("1 does not show the board:\n%s", d.plain())
	}
	d.keys("/", "2")
	if strings.Contains(d.plain(), "Due today (") {
		t.Fatal("2 typed into the board's filter switched screens")
	}
}

func TestHelpAndFormsOnTheNewScreens(t *testing.T) {
	t.Parallel()
	d, _ := newDriver(t, "en", uitest.English, 120, 40)
	d.keys("2", "?")
	scr := d.plain()
	for _, want := range []string{"snooze", "log call", "reload", "board/today/log", "palette", "quick note"} {
		if !strings.Contains(scr, want) {
			t.Errorf("? on today does not list %q:\n%s", want, scr)
		}
	}
	d.keys("?", "c")
	if !strings.Contains(d.plain(), "Log a call with Blue Ridge") {
		t.Fatalf("c does not open the call form:\n%s", d.plain())
	}
	d.keys("esc", "v")
	if !strings.Contains(d.plain(), "Log a visit to Blue Ridge") {
		t.Fatalf("v does not open the visit form:\n%s", d.plain())
	}
	d.keys("esc", "3", "?")
	scr = d.plain()
	for _, want := range []string{"date range", "this lead only", "edit notes"} {
		if !strings.Contains(scr, want) {
			t.Errorf("? on the visit log does not list %q:\n%s", want, scr)
		}
	}
}
