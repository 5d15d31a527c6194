package trash

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui/common"
	"github.com/fieldcrm/fieldcrm/ui/internal/uitest"
)

// fakeBook is a trash in memory; Restore fails for the ids in refuse.
type fakeBook struct {
	items    []store.Trashed
	restored []string
	refuse   map[string]bool
}

func (f *fakeBook) Trash() ([]store.Trashed, error) { return f.items, nil }

func (f *fakeBook) Restore(id string) error {
	if f.refuse[id] {
		return errors.New("lead " + id + " is not in the trash")
	}
	f.restored = append(f.restored, id)
	for i, t := range f.items {
		if t.Lead.ID == id {
			f.items = append(f.items[:i:i], f.items[i+1:]...)
			break
		}
	}
	return nil
}

func trashed(id, company string, ago time.Duration) store.Trashed {
	at := uitest.Now.Add(-ago)
	return store.Trashed{Lead: model.Lead{ID: id, Company: company}, DeletedAt: at, PurgeAfter: at.Add(store.TrashDays * 24 * time.Hour), Activities: 3}
}

// run feeds the model cmd's messages (batches and sequences flattened)
// and returns it with the messages it did not take.
func run(m Model, cmd tea.Cmd) (Model, []tea.Msg) {
	var out []tea.Msg
	queue := []tea.Cmd{cmd}
	for len(queue) > 0 && len(queue) < 100 {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		switch msg := c().(type) {
		case tea.BatchMsg:
			queue = append(queue, msg...)
		case nil:
		default:
			if isSeq(msg) {
				queue = append(queue, seqCmds(msg)...)
				continue
			}
			switch msg.(type) {
			case loadedMsg, restoredMsg:
			default:
				out = append(out, msg) // for the root
			}
			var next tea.Cmd
			m, next = m.Update(msg)
			queue = append(queue, next)
		}
	}
	return m, out
}

func TestListRestoreAndARefusedRestore(t *testing.T) {
	st := uitest.Store(t)
	c := uitest.Common(st, "en", 80, 10)
	bk := &fakeBook{items: []store.Trashed{trashed("b", "Harbor Logistics", time.Hour), trashed("a", "Acme\x1b[2J", 48*time.Hour)}, refuse: map[string]bool{"a": true}}
	m, cmd := New(c, bk)
	m.SetSize(80, 8)
	m, _ = run(m, cmd)
	v := uitest.Plain(m.View())
	if !strings.Contains(v, "Trash (2)") || !strings.Contains(v, "› Harbor Logistics") || !strings.Contains(v, `Acme\x1b[2J`) || !strings.Contains(v, "deleted 2026-11-27 09:00 · kept until 12-27") {
		t.Fatalf("the trash:\n%s", v)
	}
	m, _ = m.Update(uitest.Key("j"))
	m, cmd = m.Update(uitest.Key("r"))
	m, out := run(m, cmd)
	if len(bk.restored) != 0 || len(out) != 1 {
		t.Fatalf("a refused restore: restored %v, messages %#v", bk.restored, out)
	}
	if e, ok := out[0].(common.ErrMsg); !ok || !strings.Contains(e.Err.Error(), "not in the trash") {
		t.Fatalf("a refused restore said %#v", out[0])
	}
	m, _ = m.Update(uitest.Key("k"))
	m, cmd = m.Update(uitest.Key("enter"))
	m, out = run(m, cmd)
	if len(bk.restored) != 1 || bk.restored[0] != "b" {
		t.Fatalf("enter restored %v", bk.restored)
	}
	var changed, said bool
	for _, msg := range out {
		switch msg := msg.(type) {
		case common.ChangedMsg:
			changed = true
		case common.StatusMsg:
			said = msg.Text == "Harbor Logistics is back from the trash."
		}
	}
	if !changed || !said || !strings.Contains(uitest.Plain(m.View()), "Trash (1)") {
		t.Fatalf("after a restore: changed %v, notice %v, messages %#v\n%s", changed, said, out, uitest.Plain(m.View()))
	}
	_, cmd = m.Update(uitest.Key("esc"))
	if _, ok := cmd().(ClosedMsg); !ok {
		t.Fatal("esc does not close the trash")
	}
}

// isSeq reports whether msg is tea.Sequence's unexported list of commands.
func isSeq(msg tea.Msg) bool {
	v := reflect.ValueOf(msg)
	return v.Kind() == reflect.Slice && v.Type().Elem() == reflect.TypeOf(tea.Cmd(nil))
}

func seqCmds(msg tea.Msg) []tea.Cmd {
	v := reflect.ValueOf(msg)
	out := make([]tea.Cmd, v.Len())
	for i := range out {
		out[i] = v.Index(i).Interface().(tea.Cmd)
	}
	return out
}
