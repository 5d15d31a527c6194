package forms

import (
	"errors"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui/common"
)

// TestAFailedSaveKeepsTheFormAndItsDraft: the book refuses the write; the
// form shows again with the book's sentence, everything typed and its
// draft, and the next ctrl+s saves through the book with that draft.
func TestAFailedSaveKeepsTheFormAndItsDraft(t *testing.T) {
	d, ids := newDriver(t, "en", func(c *common.Common, ids []string) *Model { return FollowUp(c, ids[3], "Harbor Logistics") })
	d.keys("enter", "text:Send the quote")
	d.bk.mu.Lock()
	d.bk.fail = errors.New("the book is read-only")
	d.bk.mu.Unlock()
	d.keys("ctrl+s")
	if _, ok := d.done(); ok {
		t.Fatalf("a refused save closed the form: %+v", d.said)
	}
	if v := d.view(); !strings.Contains(v, "The book is read-only.") || !strings.Contains(v, "Send the quote") {
		t.Fatalf("after a refused save:\n%s", v)
	}
	if ds := d.drafts(); len(ds) != 1 || ds[0].Fields["action"] != "Send the quote" {
		t.Fatalf("the draft after a refused save: %+v", ds)
	}
	d.bk.mu.Lock()
	d.bk.fail = nil
	d.bk.mu.Unlock()
	d.keys("ctrl+s")
	if msg, ok := d.done(); !ok || msg.Then != (common.ChangedMsg{LeadID: ids[3]}) {
		t.Fatalf("the second ctrl+s: %+v", d.said)
	}
	if got, want := d.bk.follow[ids[3]], model.DateOf(d.c.Now()).AddDays(1).String()+" Send the quote"; got != want {
		t.Fatalf("the follow-up saved: %q, want %q", got, want)
	}
	if ds := d.drafts(); len(ds) != 0 {
		t.Fatalf("drafts left after the save: %+v", ds)
	}
}

// TestAMoveAsksTheRootForTheBook: a key's move (L, H, undo) and the won
// and lost forms' reads go through a BookMsg the root runs with its book;
// the move says where the lead was, for undo.
func TestAMoveAsksTheRootForTheBook(t *testing.T) {
	d, ids := newDriver(t, "en", func(*common.Common, []string) *Model { return nil })
	msg := MoveCmd(d.c, ids[0], store.Move{Stage: "contacted"}, false)()
	bm, ok := msg.(BookMsg)
	if !ok {
		t.Fatalf("MoveCmd sends %#v, not a BookMsg", msg)
	}
	moved, ok := bm.Do(d.bk).(common.MovedMsg)
	if !ok || moved.Err != nil || moved.From != "prospect" || moved.To != "contacted" || moved.Card.Stage != "contacted" {
		t.Fatalf("the move: %#v", moved)
	}
	for _, open := range []func(*common.Common, string) tea.Cmd{MarkWon, MarkLost} {
		o, ok := open(d.c, ids[0])().(BookMsg).Do(d.bk).(OpenMsg)
		if !ok || !strings.Contains(o.Form.View(), "Acme Manufacturing Ltd.") {
			t.Fatalf("won/lost opened %#v", o)
		}
	}
	if e, ok := EditLead(d.c, "gone")().(BookMsg).Do(d.bk).(common.ErrMsg); !ok || !strings.Contains(e.Err.Error(), "not found") {
		t.Fatalf("editing a missing lead: %#v", e)
	}
}
