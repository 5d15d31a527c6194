package forms

import (
	"testing"

	"github.com/fieldcrm/fieldcrm/ui/internal/uitest"
)

// benchForm opens the largest form, the lead's edit form (20 fields on
// two pages), at 120x40. Its book is the tests' book in memory: the
// draft's saves run in commands the benchmark does not run.
func benchForm(b *testing.B) *Model {
	bk := newFakeBook(uitest.English)
	c := uitest.Common(nil, "en", 120, 40)
	m := EditLead(c, bk.ids[2])().(BookMsg).Do(bk).(OpenMsg).Form
	m.Attach(bk)
	m.Init()
	return m
}

// BenchmarkFormKeystroke is a key typed into a form as the root runs it:
// the form's Update (the huh form, the check for a focus move, the
// draft's snapshot of every field and the save it schedules) and the
// frame. The save itself runs in a tea.Cmd beside it, not measured.
func BenchmarkFormKeystroke(b *testing.B) {
	m := benchForm(b)
	keys := []string{"a", "backspace"}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		m, _ = m.Update(uitest.Key(keys[i%2]))
		_ = m.View()
		i++
	}
}

// BenchmarkHuhKeystroke is the reference: the same key into the same huh
// form without the draft, the hold or the frame's title.
func BenchmarkHuhKeystroke(b *testing.B) {
	m := benchForm(b)
	f := m.form
	keys := []string{"a", "backspace"}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		f.Update(uitest.Key(keys[i%2]))
		_ = f.View()
		i++
	}
}
