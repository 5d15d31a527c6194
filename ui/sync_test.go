package ui_test

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/fieldcrm/fieldcrm/remote"
	"github.com/fieldcrm/fieldcrm/server"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui"
	"github.com/fieldcrm/fieldcrm/ui/internal/uitest"
	"github.com/fieldcrm/fieldcrm/ui/syncstatus"
)

// live runs the root model like the program does, for as long as the test
// lasts: commands run in goroutines and their messages come back to
// Update, so the sync loop's status arrives whenever it is sent.
type live struct {
	t    *testing.T
	m    tea.Model
	msgs chan tea.Msg
	ctx  context.Context
	w, h int
}

func newLive(t *testing.T, m tea.Model, w, h int) *live {
	l := &live{t: t, m: m, msgs: make(chan tea.Msg, 4096), ctx: t.Context(), w: w, h: h}
	l.do(tea.WindowSizeMsg{Width: w, Height: h})
	l.exec(m.Init())
	return l
}

func (l *live) exec(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	go func() {
		msg := cmd()
		if v := reflect.ValueOf(msg); v.IsValid() && v.Kind() == reflect.Slice && v.Type().Elem() == reflect.TypeOf(tea.Cmd(nil)) {
			cmds := make([]tea.Cmd, v.Len())
			for i := range cmds {
				cmds[i] = v.Index(i).Interface().(tea.Cmd)
			}
			if _, batch := msg.(tea.BatchMsg); batch {
				for _, c := range cmds {
					l.exec(c)
				}
				return
			}
			for _, c := range cmds { // a sequence, in order
				if c != nil {
					msg := c() // a batch in the sequence runs as one
					l.exec(func() tea.Msg { return msg })
				}
			}
			return
		}
		l.send(msg)
	}()
}

func (l *live) send(msg tea.Msg) {
	if msg == nil {
		return
	}
	select {
	case l.msgs <- msg:
	case <-l.ctx.Done():
	}
}

// do hands msg to Update and runs what it returns.
func (l *live) do(msg tea.Msg) {
	var cmd tea.Cmd
	l.m, cmd = l.m.Update(msg)
	l.exec(cmd)
}

func (l *live) plain() string {
	f := l.m.View().Content
	uitest.CheckWidths(l.t, f, l.w, l.h)
	return uitest.Plain(f)
}

// until handles messages until the frame satisfies ok, at most 10 s.
func (l *live) until(what string, ok func(frame string) bool) string {
	l.t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		if f := l.plain(); ok(f) {
			return f
		}
		select {
		case msg := <-l.msgs:
			l.do(msg)
		case <-deadline:
			l.t.Fatalf("timed out waiting for %s:\n%s", what, l.plain())
		}
	}
}

func statusLine(frame string) string {
	lines := strings.Split(frame, "\n")
	return lines[len(lines)-1]
}

// syncServer starts a real server on loopback with the user wang (a rep).
func syncServer(t *testing.T) (*httptest.Server, string) {
	t.Helper()
	bs, err := server.OpenBolt(t.TempDir(), true)
	if err != nil {
		t.Fatal(err)
	}
	svc := &server.Service{Store: bs}
	srv := httptest.NewServer(server.Handler(svc, server.Options{}))
	t.Cleanup(func() { srv.Close(); bs.Close() })
	tok, err := svc.AddUser(context.Background(), "wang", server.RoleRep)
	if err != nil {
		t.Fatal(err)
	}
	return srv, tok
}

// startSync builds and starts a sync loop as cmd/fieldcrm does, with short
// intervals; it stops with the test.
func startSync(t *testing.T, st *store.Store, url, tok string, every time.Duration, own *ui.OwnWrites) syncstatus.Config {
	t.Helper()
	c, err := remote.NewClient(url, tok)
	if err != nil {
		t.Fatal(err)
	}
	o := remote.LoopOptions{Interval: every, Debounce: 20 * time.Millisecond, MinBackoff: 50 * time.Millisecond, MaxBackoff: 200 * time.Millisecond}
	var after func()
	if own != nil {
		after = own.Mark
	}
	var statuses <-chan syncstatus.StatusMsg
	o.OnStatus, statuses = syncstatus.Feed(after)
	loop := remote.NewLoop(st, c, o)
	go loop.Run(t.Context())
	return syncstatus.Config{Loop: loop, Statuses: statuses}
}

func TestSyncStatusRemoteChangeKeepsSelectionAndRefusedList(t *testing.T) {
	srv, tok := syncServer(t)
	st := uitest.Store(t)
	// Without the won deal of 1,800,000 CNY entered won, which the server
	// refuses from a rep (its approval would be skipped).
	uitest.Seed(t, st, slices.DeleteFunc(slices.Clone(uitest.English), func(l uitest.Lead) bool { return l.Company == "Evergreen Utilities" }))
	m := ui.New(ui.Options{
		Data: st, Rules: uitest.Rules(), Lang: "en", DBPath: "/data/fieldcrm.db",
		User: "wang", Now: uitest.NowFunc, Dark: true, Watch: -1, // reloads come from the sync alone
		Sync: startSync(t, st, srv.URL, tok, 100*time.Millisecond, nil),
	})
	l := newLive(t, m, 80, 24)

	// The seeded book goes up; the status line says so.
	l.until("the first sync", func(f string) bool {
		s := statusLine(f)
		return strings.Contains(s, "online · synced") && !strings.Contains(s, "waiting")
	})

	// The user selects a card in the second column.
	l.do(uitest.Key("l"))
	l.until("the selection on Granite", func(f string) bool { return strings.Contains(f, "┃ Granite Steel Group") })

	// Another device of the same user renames a lead and syncs.
	other, err := store.Open(store.Options{Path: filepath.Join(t.TempDir(), "laptop2.db"), User: "wang", NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	c, err := remote.NewClient(srv.URL, tok)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := remote.Sync(t.Context(), other, c); err != nil {
		t.Fatal(err)
	}
	renameLead(t, other, "Harbor Logistics", "Harbor Shipping")
	if _, err := remote.Sync(t.Context(), other, c); err != nil {
		t.Fatal(err)
	}

	// The UI's loop pulls it: the board shows it, the selection stays.
	f := l.until("the remote rename", func(f string) bool { return strings.Contains(f, "Harbor Shipping") })
	if !strings.Contains(f, "┃ Granite Steel Group") || strings.Contains(f, "┃ Blue Ridge") {
		t.Fatalf("the selection moved on a remote change:\n%s", f)
	}

	// A change the server refuses (a rep cannot hand a lead to someone
	// else) is counted in the status line and listed with its reason.
	if err := st.Update(func(tx *store.Tx) error {
		id, err := tx.ResolveLead("Acme Manufacturing Ltd.")
		if err != nil {
			return err
		}
		lead, err := tx.Lead(id)
		if err != nil {
			return err
		}
		lead.Owner = "li"
		return tx.UpdateLead(&lead)
	}); err != nil {
		t.Fatal(err)
	}
	l.do(uitest.Key("ctrl+s"))
	l.until("the refused count", func(f string) bool { return strings.Contains(statusLine(f), "1 refused") })
	l.do(uitest.Key("!"))
	f = l.until("the refused list", func(f string) bool { return strings.Contains(f, "Changes the server refused (1)") })
	if !strings.Contains(f, "reason:") || !strings.Contains(f, "only a manager") || !strings.Contains(f, "set lead") {
		t.Fatalf("the refused change is not shown with its reason:\n%s", f)
	}
	// It stays until dismissed: another sync keeps it.
	l.do(uitest.Key("ctrl+s"))
	l.until("a later sync", func(f string) bool { return strings.Contains(statusLine(f), "1 refused") })
	l.do(uitest.Key("d"))
	l.until("the dismissal", func(f string) bool {
		return strings.Contains(f, "No refused changes.") && !strings.Contains(statusLine(f), "1 refused")
	})
	l.do(uitest.Key("esc"))
	l.until("the board again", func(f string) bool { return strings.Contains(f, "┃ Granite Steel Group") })

	// The server goes away: the status line says offline.
	srv.Close()
	l.do(uitest.Key("ctrl+s"))
	l.until("offline", func(f string) bool { return strings.Contains(statusLine(f), "offline · synced") })
}

func TestSyncStatusWithoutServerInChinese(t *testing.T) {
	d, _ := newDriver(t, "zh", uitest.Chinese, 80, 24)
	if s := statusLine(d.plain()); !strings.Contains(s, "离线 · 未连接服务器") {
		t.Fatalf("status line %q does not say it is not connected", s)
	}
	d.keys("!")
	if f := d.plain(); !strings.Contains(f, "服务器拒绝的更改（0）") || !strings.Contains(f, "没有被拒绝的更改。") {
		t.Fatalf("the refused list is not shown:\n%s", f)
	}
	d.keys("?")
	// Over the list only its own keys, ? and ctrl+n work, and the help
	// lists those: not the screens' keys, which the list would take.
	if f := d.plain(); !regexp.MustCompile(`tab +被拒/搁置`).MatchString(f) || !regexp.MustCompile(`d +移除`).MatchString(f) ||
		regexp.MustCompile(`4 +报表`).MatchString(f) || !regexp.MustCompile(`ctrl\+n +速记`).MatchString(f) || !strings.Contains(f, "服务器拒绝的更改") {
		t.Fatalf("? over the refused list does not list its keys:\n%s", f)
	}
	d.keys("?", "tab")
	if f := d.plain(); !strings.Contains(f, "已搁置的服务器更改（0）") || !strings.Contains(f, "没有搁置的更改。") {
		t.Fatalf("tab does not show the set-aside list:\n%s", f)
	}
	d.keys("esc", "?")
	if f := d.plain(); !regexp.MustCompile(`4 +报表`).MatchString(f) || !regexp.MustCompile(`! +被拒/搁置`).MatchString(f) {
		t.Fatalf("the full help does not list the reports and refused keys:\n%s", f)
	}
}

func TestReportsScreenFromTheRoot(t *testing.T) {
	for _, lang := range []string{"en", "zh"} {
		book, want := uitest.English, "Progress against target · 2026-Q4"
		if lang == "zh" {
			book, want = uitest.Chinese, "目标完成进度 · 2026-Q4"
		}
		t.Run(lang+"_80x24", func(t *testing.T) { reportsFromRoot(t, lang, book, want) })
	}
}

func reportsFromRoot(t *testing.T, lang string, book []uitest.Lead, want string) {
	{
		d, _ := newDriver(t, lang, book, 80, 24)
		d.keys("l") // a selection to come back to
		before := d.plain()
		d.keys("4")
		f := d.plain()
		if !strings.Contains(f, want) {
			t.Fatalf("%s: 4 did not show the reports:\n%s", lang, f)
		}
		golden.RequireEqual(t, f)
		d.keys("?")
		for _, k := range []string{"tab", "shift+tab", "p", "P", "r", "esc"} {
			if !regexp.MustCompile(`(^|\s)` + regexp.QuoteMeta(k) + ` +\S`).MatchString(d.plain()) {
				t.Fatalf("%s: ? does not list %q:\n%s", lang, k, d.plain())
			}
		}
		d.keys("?")
		// The custom period takes digits, which elsewhere switch screens.
		d.keys("P")
		for range 12 {
			d.keys("backspace")
		}
		d.keys("text:2026-11-01", "enter", "enter")
		if f := d.plain(); !strings.Contains(f, "2026-11-01..2026-12-31") {
			t.Fatalf("%s: the custom period was not taken:\n%s", lang, f)
		}
		d.keys("esc")
		if f := d.plain(); f != before {
			t.Fatalf("%s: back from the reports the board changed:\n%s\nwas:\n%s", lang, f, before)
		}
	}
}

// counting is the book as the UI reaches it, counting the reads.
type counting struct {
	*store.Store
	views atomic.Int64
}

func (c *counting) View(fn func(*store.Tx) error) error {
	c.views.Add(1)
	return c.Store.View(fn)
}

// settle handles messages until none came for quiet, at most 5 s.
func (l *live) settle(quiet time.Duration) {
	deadline := time.After(5 * time.Second)
	for {
		select {
		case msg := <-l.msgs:
			l.do(msg)
		case <-time.After(quiet):
			return
		case <-deadline:
			l.t.Fatal("the UI did not settle in 5 s")
		}
	}
}

// A move and the push that follows it are this process's writes: the
// watcher does not read the book back for them. A write by another writer
// (here one that does not go through the UI) is read back.
func TestOwnWritesAndOwnSyncAreNotReadBack(t *testing.T) {
	srv, tok := syncServer(t)
	st := uitest.Store(t)
	uitest.Seed(t, st, uitest.English)
	data := &counting{Store: st}
	own := ui.NewOwnWrites(st.Path())
	m := ui.New(ui.Options{
		Data: data, Rules: uitest.Rules(), Lang: "en", DBPath: st.Path(),
		User: "wang", Now: uitest.NowFunc, Dark: true, Watch: -1, // the test sends WatchMsg itself
		Sync: startSync(t, st, srv.URL, tok, time.Hour, own), Own: own,
	})
	l := newLive(t, m, 80, 24)
	l.until("the first sync", func(f string) bool {
		s := statusLine(f)
		return strings.Contains(s, "online · synced") && !strings.Contains(s, "waiting")
	})
	l.do(ui.WatchMsg{}) // the watcher's first look
	l.settle(200 * time.Millisecond)

	l.do(uitest.Key("L")) // move a card: a write, then a push
	l.until("the move", func(f string) bool { return strings.Contains(f, "undo") || strings.Contains(f, "Qualified (3)") })
	// The debounced push: the outbox empties, and the status of the sync's
	// end (sent after the sync marked its writes) arrives.
	l.until("the push", func(f string) bool {
		n := -1
		st.View(func(tx *store.Tx) error { n = tx.OutboxLen(); return nil })
		s := statusLine(f)
		return n == 0 && strings.Contains(s, "online · synced") && !strings.Contains(s, "waiting") && !strings.Contains(s, "syncing")
	})
	l.settle(100 * time.Millisecond)
	before := data.views.Load()
	for range 3 {
		l.do(ui.WatchMsg{})
		l.settle(100 * time.Millisecond)
	}
	if n := data.views.Load() - before; n != 0 {
		t.Fatalf("the watcher read the book %d times after the UI's own move and push", n)
	}

	// Another writer: the watcher reads the board again.
	time.Sleep(10 * time.Millisecond) // a new modification time
	renameLead(t, st, "Harbor Logistics", "Harbor Shipping")
	before = data.views.Load()
	l.do(ui.WatchMsg{})
	l.until("the other writer's change", func(f string) bool { return strings.Contains(f, "Harbor Shipping") })
	if data.views.Load() == before {
		t.Fatal("another writer's change was not read")
	}
}

// renameLead changes the company of the lead named from to to, as
// another writer of the book does.
func renameLead(t *testing.T, st *store.Store, from, to string) {
	t.Helper()
	err := st.Update(func(tx *store.Tx) error {
		id, err := tx.ResolveLead(from)
		if err != nil {
			return err
		}
		lead, err := tx.Lead(id)
		if err != nil {
			return err
		}
		lead.Company = to
		return tx.UpdateLead(&lead)
	})
	if err != nil {
		t.Fatal(err)
	}
}
