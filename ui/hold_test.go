package ui_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/ui/internal/uitest"
)

// typeAhead presses opener and types text before the command opener
// returned has run, the order the program sees keys typed quickly after
// one that opens something; then it runs every command.
func (d *driver) typeAhead(opener, text string) {
	cmds := []tea.Cmd{d.update(uitest.Key(opener))}
	for _, r := range text {
		cmds = append(cmds, d.update(uitest.Key(string(r))))
	}
	uitest.Run(d.update, tea.Batch(cmds...), d.busy)
}

// The last loss path of issue 13: keys typed between a key that opens
// something and the root acting on it went to the page underneath (after
// enter on the board, W opened the board's won form; after c on a lead,
// L and i were dropped). They wait and reach what opened.
func TestKeysTypedAfterAnOpeningKeyReachWhatOpened(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name        string
		onLead      bool // start on Granite's screen, else the board
		opener      string
		text        string
		title, want string
	}{
		// enter opens the lead; c, typed before it shows, opens its
		// contact form, and the name goes there.
		{"board enter", false, "enter", "cLin Wei a", "Add a contact to Blue Ridge Energy Group", "> Lin Wei a"},
		{"lead c", true, "c", "Lin Wei", "Add a contact to Granite Steel Group", "> Lin Wei"},
		// The edit form opens after a read of the lead (forms.BookMsg).
		{"lead e", true, "e", " Ltd", "Edit Granite Steel Group", "> Granite Steel Group Ltd"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d, ids := newDriver(t, "en", uitest.English, 100, 30)
			if tc.onLead {
				d.send(openLead(ids[2]))
			}
			d.typeAhead(tc.opener, tc.text)
			if f := d.plain(); !strings.Contains(d.firstLine(), tc.title) || !strings.Contains(f, tc.want) {
				t.Fatalf("typed %q right after %s: want %q under %q, got\n%s", tc.text, tc.opener, tc.want, tc.title, f)
			}
		})
	}
}

// TestTypeAheadInARealTerminal types, in one burst each, enter on the
// board followed by c and a name, then c on the loaded lead screen
// followed by a name, five times, and finds every name in the contact
// form: tmux hands the program the whole burst at once, so the keys
// reach the root before what the opening key asked for.
func TestTypeAheadInARealTerminal(t *testing.T) {
	t.Parallel()
	tm, _ := newTerminal(t, "typeahead", model.Lead{Company: "Harbor Logistics", Stage: "prospect"})
	tm.start()
	tm.WaitFor("1 leads")
	inForm := func(name string) {
		t.Helper()
		tm.WaitFor("> " + name)
		if scr := tm.Screen(); !strings.Contains(scr, "Add a contact to Harbor Logistics") {
			t.Fatalf("%q is not in the contact form:\n%s", name, scr)
		}
		tm.Keys("Escape") // asks whether to keep it: d discards
		tm.WaitFor("Keep what you typed")
		tm.Keys("d")
		tm.WaitGone("Add a contact")
	}
	for i := range 5 {
		name := fmt.Sprintf("Lin Wei %c", 'a'+i)
		tm.Keys("Enter", "c"+name)
		inForm(name)
		name = fmt.Sprintf("Li Na %c", 'a'+i)
		tm.Keys("c" + name)
		inForm(name)
		tm.Keys("Escape")
		tm.WaitGone("Contacts")
	}
	tm.Kill()
}

// A key whose command never answers (here: never run) holds the keys
// typed after it at most 150 ms and 64 keys; then they go, in order, to
// what has the keyboard, here the board, which moves its selection.
func TestHeldKeysWaitNoLongerThanTheBound(t *testing.T) {
	t.Parallel()
	target := func(d *driver) string {
		t.Helper()
		d.send(ctrl('n'))
		l := d.firstLine()
		d.keys("esc")
		return l
	}
	d, _ := newDriver(t, "en", uitest.English, 100, 30)
	before := d.frame()
	d.update(uitest.Key("enter")) // opens Blue Ridge's screen: not run
	d.update(uitest.Key("l"))
	d.update(uitest.Key("l"))
	if d.frame() != before {
		t.Fatalf("keys typed right after enter reached the board at once:\n%s", d.plain())
	}
	time.Sleep(160 * time.Millisecond)
	d.send(uitest.Key("z")) // nothing on the board; lets the held keys go
	if l := target(d); !strings.Contains(l, "Pioneer Chemicals") {
		t.Fatalf("after the bound the held l l did not reach the board: %q", l)
	}

	d, _ = newDriver(t, "en", uitest.English, 100, 30)
	d.update(uitest.Key("enter"))
	d.update(uitest.Key("l"))
	for range 63 {
		d.update(uitest.Key("z"))
	}
	d.send(uitest.Key("l")) // the 65th key
	if l := target(d); !strings.Contains(l, "Pioneer Chemicals") {
		t.Fatalf("after 64 held keys they did not reach the board in order: %q", l)
	}
}
