package ui_test

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/store/storetest"
	"github.com/fieldcrm/fieldcrm/ui/internal/uitest"
)

// hostileDriver starts the UI on a book whose first lead's company,
// contact, city, follow-up, visit contact and notes, and a lost lead's
// company and reason, hold terminal controls (storetest.Hostile).
func hostileDriver(t *testing.T) *driver {
	t.Helper()
	st := uitest.Store(t)
	ph := storetest.Placeholder
	ids := uitest.Seed(t, st, []uitest.Lead{
		{Company: ph("company"), Contact: ph("contact"), City: ph("city"), Stage: "prospect", Value: 125000,
			DaysInStage: 40, Due: 100, Action: ph("action"), Notes: ph("notes")},
		{Company: "Harbor Logistics", Contact: "Henry Walker", City: "Ningbo", Stage: "qualified", Value: 810000, DaysInStage: 30},
		{Company: ph("lost"), City: "Wuxi", Stage: "lost", Value: 300000, DaysInStage: 8},
	})
	err := st.Update(func(tx *store.Tx) error {
		l, err := tx.Lead(ids[2])
		if err != nil {
			return err
		}
		l.LostReason = ph("reason")
		return tx.UpdateLead(&l)
	})
	if err != nil {
		t.Fatal(err)
	}
	storetest.Plant(t, st.Path())
	return startDriver(t, st, st, "en", 160, 40)
}

// rawControls are pieces of storetest.Hostile that no style of ours
// writes: if one is in a frame, stored text reached the terminal as is.
var rawControls = []string{"\x07", "\u009b", "\u202e", "\u2066", "\u2069", "\x1b]0;", "\x1b]52;", "\x1b[2J", "\x1b[H", "\x1b[1A", "\x1b[8m"}

// checkFrame fails when the frame holds a raw control of the hostile
// text, or when its visible text misses any of the escaped forms.
func checkFrame(t *testing.T, d *driver, screen string, want ...string) {
	t.Helper()
	f := d.frame()
	for _, c := range rawControls {
		if strings.Contains(f, c) {
			t.Errorf("%s: the frame holds the raw control %q", screen, c)
		}
	}
	plain := uitest.Plain(f)
	if bad := storetest.Unsafe(plain); bad != "" {
		t.Errorf("%s: the visible text holds %s", screen, bad)
	}
	for _, w := range want {
		if !strings.Contains(plain, w) {
			t.Errorf("%s: no %s in\n%s", screen, w, plain)
		}
	}
}

func TestHostileTextIsShownEscapedOnEveryScreen(t *testing.T) {
	t.Parallel()
	const (
		company = `Acme\x1b]0;pwned\x07`
		contact = `Wang\x1b[2J\x1b[Hcls`
		city    = `Koeln\x9b31mred`
		action  = `call\x07 back\x9b2J`
		notes   = `met\x1b]52;c;cGF3bmVk\x07 buyer`
	)
	d := hostileDriver(t)
	checkFrame(t, d, "board", `Acme\x1b]0;`, `Wang\x1b[2J`)

	d.keys("enter")
	checkFrame(t, d, "lead", company+` \u202eHbmG`, contact, city, action, notes, `second\x1b[1A line`)
	d.keys("c")
	checkFrame(t, d, "contact form", company)
	d.keys("esc", "esc")

	d.keys("2")
	checkFrame(t, d, "today", company, action)

	d.keys("3")
	checkFrame(t, d, "visit log", company, `Wang\x1b[2J`, notes)
	d.keys("enter")
	checkFrame(t, d, "visit detail", company, contact, notes, `second\x1b[1A line`)
	d.keys("esc")

	d.keys("4", "tab", "tab", "tab", "tab", "tab")
	checkFrame(t, d, "lost report", `price\x1b[8m hidden`)
	d.keys("esc")

	d.send(ctrl('k'))
	d.keys("text:acme")
	checkFrame(t, d, "palette", company)
	d.keys("esc")

	d.send(ctrl('n'))
	d.keys("text:acme")
	checkFrame(t, d, "capture", company)
	d.keys("esc")

	d.keys("1", "enter", "D")
	checkFrame(t, d, "trash question", company)
	d.keys("y")
	checkFrame(t, d, "trashed notice", `Acme\x1b]0;`)
	d.keys("T")
	checkFrame(t, d, "trash", company)
	d.keys("esc")
}

// TestHostileTextKeepsWidths: an escaped control is as wide as it is
// drawn (\x1b is four cells), so every line of every screen still fits.
func TestHostileTextKeepsWidths(t *testing.T) {
	t.Parallel()
	d := hostileDriver(t)
	for _, size := range sizes {
		d.send(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		for _, k := range []string{"1", "2", "3", "4"} {
			d.keys(k)
			d.frame() // checks every line's width
		}
		d.keys("1", "enter")
		d.frame()
		d.keys("esc")
	}
}

// TestHostileTextInApprovalsAndServiceOrders: a request's note, a
// decision's comment, a service order's visit notes and the customer's
// sign-off holding terminal controls show escaped in the inbox, the
// request shown whole, and the lead screen's sections.
func TestHostileTextInApprovalsAndServiceOrders(t *testing.T) {
	t.Parallel()
	st := uitest.Store(t)
	ph := storetest.Placeholder
	ids := uitest.Seed(t, st, []uitest.Lead{
		{Company: ph("company"), Contact: "Ann", City: "Ningbo", Stage: "negotiation", Value: 2_000_000, DaysInStage: 3},
		{Company: "Evergreen Utilities", City: "Jinan", Stage: "won", Value: 800_000, DaysInStage: 3},
	})
	err := st.Update(func(tx *store.Tx) error {
		a, err := tx.RequestApproval(ids[0], ph("notes"))
		if err != nil {
			return err
		}
		if _, err := tx.DecideApproval(a.ID, model.Rejected, ph("action")); err != nil {
			return err
		}
		return tx.AddService(&model.ServiceOrder{LeadID: ids[1], Kind: model.ServiceRepair, Status: model.ServiceDone,
			Notes: ph("notes"), SignedOffBy: ph("contact"), SignedOffAt: uitest.Now})
	})
	if err != nil {
		t.Fatal(err)
	}
	storetest.Plant(t, st.Path())
	d := startDriver(t, st, st, "en", 160, 40)
	const (
		company = `Acme\x1b]0;pwned\x07`
		notes   = `met\x1b]52;c;cGF3bmVk\x07 buyer`
		action  = `call\x07 back\x9b2J`
		contact = `Wang\x1b[2J\x1b[Hcls`
	)
	d.keys("5")
	checkFrame(t, d, "inbox", company)
	d.keys("enter")
	checkFrame(t, d, "request", company, notes, action)
	d.keys("o")
	checkFrame(t, d, "lead", notes, action)
	d.send(openLead(ids[1]))
	d.keys("G")
	checkFrame(t, d, "won lead", notes, contact)
}
