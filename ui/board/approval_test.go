package board

import (
	"strings"
	"testing"

	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui/forms"
	"github.com/fieldcrm/fieldcrm/ui/internal/uitest"
)

// wonBlock answers the won check the forms ask before the won form opens.
type wonBlock struct {
	*fakeBook
	reasons []string
}

func (w wonBlock) WonBlock(string) ([]string, error) { return w.reasons, nil }

// TestAAsksAndLIntoWonSaysWhenApprovalIsNeeded: a asks for approval of
// the selected deal; L from negotiation opens the won form through the
// book, which checks first whether the deal needs approval (the form
// then says so and offers a).
func TestAAsksAndLIntoWonSaysWhenApprovalIsNeeded(t *testing.T) {
	bk := &fakeBook{cards: []store.Card{{ID: "n", Company: "Northwind Foods", Stage: "negotiation", Probability: -1, Value: 3_500_000_00}}}
	m := New(uitest.Common(nil, "en", 100, 30), nil, bk)
	m.SetSize(100, 28)
	m = readAll(m)
	for range 7 { // to the negotiation column, the only card's
		if c, ok := m.Selected(); ok && c.ID == "n" {
			break
		}
		m = press(m, "l")
	}
	_, cmd := m.Update(uitest.Key("a"))
	if _, ok := cmd().(forms.BookMsg); !ok {
		t.Fatal("a does not ask the book for the request form")
	}
	_, cmd = m.Update(uitest.Key("L"))
	b, ok := cmd().(forms.BookMsg)
	if !ok {
		t.Fatal("L into won does not read the book first")
	}
	o, ok := b.Do(wonBlock{bk, []string{"value"}}).(forms.OpenMsg)
	if !ok {
		t.Fatal("L into won opens no form")
	}
	o.Form.Attach(wonBlock{bk, nil})
	o.Form.Init()
	if v := strings.Join(strings.Fields(uitest.Plain(o.Form.View())), " "); !strings.Contains(v, "Northwind Foods needs approval before it can be won") {
		t.Fatalf("the won form does not say the deal needs approval:\n%s", v)
	}
}
