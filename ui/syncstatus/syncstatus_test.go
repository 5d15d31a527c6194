package syncstatus

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/remote"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui/common"
	"github.com/fieldcrm/fieldcrm/ui/internal/uitest"
)

// idleLoop is a loop that never syncs; it counts the asks.
type idleLoop struct{ kicks, now *int }

func (l idleLoop) Kick()    { *l.kicks++ }
func (l idleLoop) SyncNow() { *l.now++ }

// storeBook is the list's Book over a store, as ui.Book is (which this
// package cannot import).
type storeBook struct{ st *store.Store }

func (b storeBook) Refused() (items []store.RejectedOp, set []store.SetAside, err error) {
	err = b.st.View(func(tx *store.Tx) error {
		if items, err = tx.Rejected(); err != nil {
			return err
		}
		set, err = tx.SetAsides()
		return err
	})
	return items, set, err
}

func (b storeBook) DismissRefused(opID string) error {
	return b.st.Update(func(tx *store.Tx) error { return tx.DismissRejected(opID) })
}

func (b storeBook) DismissSetAside(id uint64) error {
	return b.st.Update(func(tx *store.Tx) error { return tx.DismissSetAside(id) })
}

// connected returns a model over a loop that never syncs.
func connected(t *testing.T, lang string) (Model, *store.Store) {
	t.Helper()
	st := uitest.Store(t)
	c := uitest.Common(st, lang, 80, 24)
	return New(c, Config{Loop: idleLoop{new(int), new(int)}, Statuses: make(chan StatusMsg)}, storeBook{st}), st
}

// msgs runs cmd (and any batch in it) and returns the messages, leaving
// out the command that waits for the loop's next status.
func msgs(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	done := make(chan tea.Msg, 1)
	go func() { done <- cmd() }()
	select {
	case msg := <-done:
		if b, ok := msg.(tea.BatchMsg); ok {
			var out []tea.Msg
			for _, c := range b {
				out = append(out, msgs(c)...)
			}
			return out
		}
		if msg == nil {
			return nil
		}
		return []tea.Msg{msg}
	case <-time.After(50 * time.Millisecond):
		return nil // the wait for the next status
	}
}

func TestLine(t *testing.T) {
	last := uitest.Now.Add(-2 * time.Hour)
	yesterday := uitest.Now.Add(-26 * time.Hour)
	for _, tc := range []struct {
		lang string
		s    remote.Status
		want string
	}{
		{"en", remote.Status{Online: true, LastSync: last}, "online · synced 08:00"},
		{"en", remote.Status{Online: false, Waiting: 3, LastSync: yesterday, Rejected: 2}, "offline · 3 waiting · synced 11-26 08:00 · 2 refused"},
		{"en", remote.Status{Syncing: true, Online: true}, "syncing… · never synced"},
		{"en", remote.Status{Syncing: true, Online: true, Pulled: 5000, LastSync: last}, "syncing… · 5000 pulled · synced 08:00"},
		{"zh", remote.Status{Syncing: true, Online: true, Pulled: 5000, Waiting: 2, LastSync: last}, "同步中… · 已拉取 5000 条 · 2 条待同步 · 08:00 已同步"},
		{"zh", remote.Status{Online: true, Waiting: 1, LastSync: last, Rejected: 1}, "在线 · 1 条待同步 · 08:00 已同步 · 1 条被拒"},
		{"zh", remote.Status{}, "离线 · 从未同步"},
		{"en", remote.Status{Online: true, LastSync: last, Rejected: 1, SetAside: 2}, "online · synced 08:00 · 1 refused · 2 set aside"},
		{"zh", remote.Status{Online: true, LastSync: last, SetAside: 3}, "在线 · 08:00 已同步 · 3 条已搁置"},
	} {
		m, _ := connected(t, tc.lang)
		m, _ = m.Update(StatusMsg{Status: tc.s})
		if got := m.Line(); got != tc.want {
			t.Errorf("%s %+v: %q, want %q", tc.lang, tc.s, got, tc.want)
		}
	}
	st := uitest.Store(t)
	for lang, want := range map[string]string{"en": "offline · not connected", "zh": "离线 · 未连接服务器"} {
		m := New(uitest.Common(st, lang, 80, 24), Config{}, storeBook{st})
		if m.Enabled() || m.Line() != want || m.Init() != nil {
			t.Errorf("%s without a server: enabled %v, line %q", lang, m.Enabled(), m.Line())
		}
	}
}

func TestProblemIsASentence(t *testing.T) {
	st := uitest.Store(t)
	m := New(uitest.Common(st, "en", 80, 24), Config{Problem: errors.New(`"ftp://x" is not an http:// or https:// address`)}, storeBook{st})
	got := msgs(m.Init())
	if len(got) != 1 {
		t.Fatalf("init gave %v", got)
	}
	if e, ok := got[0].(common.ErrMsg); !ok || !strings.Contains(e.Err.Error(), "is not an http:// or https:// address") {
		t.Fatalf("init gave %#v", got[0])
	}
}

// Feed counts the syncs that brought changes, keeps only the newest
// status, and runs after once as each sync ends, before sending its status.
func TestFeedCountsPullingSyncsAndRunsAfterEachSync(t *testing.T) {
	ends := 0
	on, ch := Feed(func() { ends++ })
	on(remote.Status{Syncing: true})
	on(remote.Status{Online: true, Last: remote.Report{Pulled: 3}})
	if ends != 1 {
		t.Fatalf("after ran %d times for one sync", ends)
	}
	on(remote.Status{Syncing: true})
	on(remote.Status{Online: true}) // pushed only
	on(remote.Status{Syncing: true})
	on(remote.Status{Online: true, Last: remote.Report{Removed: 1}})
	if ends != 3 {
		t.Fatalf("after ran %d times for three syncs", ends)
	}
	select {
	case got := <-ch:
		if got.Pulls != 2 || got.Status.Syncing {
			t.Fatalf("newest status %+v, want 2 pulling syncs and not syncing", got)
		}
	default:
		t.Fatal("no status was sent")
	}
	select {
	case got := <-ch:
		t.Fatalf("an older status was kept: %+v", got)
	default:
	}
}

func TestReloadOncePerPullingSyncAndErrorsOnce(t *testing.T) {
	m, _ := connected(t, "en")
	count := func(cmd tea.Cmd) (pulled, errs int) {
		for _, msg := range msgs(cmd) {
			switch msg.(type) {
			case PulledMsg:
				pulled++
			case common.ErrMsg:
				errs++
			}
		}
		return
	}
	var cmd tea.Cmd
	m, cmd = m.Update(StatusMsg{Status: remote.Status{Online: true}, Pulls: 0})
	if p, _ := count(cmd); p != 0 {
		t.Fatal("a status without pulls reloaded")
	}
	m, cmd = m.Update(StatusMsg{Status: remote.Status{Online: true}, Pulls: 2}) // two syncs coalesced
	if p, _ := count(cmd); p != 1 {
		t.Fatalf("pulls 0→2 reloaded %d times, want once", p)
	}
	m, cmd = m.Update(StatusMsg{Status: remote.Status{Online: true}, Pulls: 2})
	if p, _ := count(cmd); p != 0 {
		t.Fatal("the same pull count reloaded again")
	}
	refused := &remote.APIError{Status: 401, Code: "unauthorized", Message: "the token was revoked"}
	m, cmd = m.Update(StatusMsg{Status: remote.Status{Online: true, Err: refused}})
	if _, e := count(cmd); e != 1 {
		t.Fatal("a refusing server was not reported")
	}
	m, cmd = m.Update(StatusMsg{Status: remote.Status{Online: true, Err: refused}})
	if _, e := count(cmd); e != 0 {
		t.Fatal("the same error was reported twice")
	}
	offline := &remote.OfflineError{Err: errors.New("connection refused")}
	_, cmd = m.Update(StatusMsg{Status: remote.Status{Err: offline}})
	if _, e := count(cmd); e != 0 {
		t.Fatal("being offline was reported as an error; the segment says it")
	}
}

func TestRejectedListFitsAndDismisses(t *testing.T) {
	for _, lang := range []string{"en", "zh"} {
		m, st := connected(t, lang)
		long := strings.Repeat("只有经理可以更改负责人 only a manager may change the owner ", 5)
		if err := st.Update(func(tx *store.Tx) error {
			for _, id := range []string{"op-a", "op-b"} {
				op := model.Op{ID: id, Kind: "set", Entity: model.EntityRef{Type: "lead", ID: "L" + id},
					Fields: map[string]json.RawMessage{"owner": json.RawMessage(`"li"`), "city": json.RawMessage(`"杭州"`)}}
				if err := tx.AddRejected(op, long); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		m = feed(t, m, m.OpenRejected())
		v := m.View(80, 20)
		uitest.CheckWidths(t, v, 80, 20)
		p := uitest.Plain(v)
		if !strings.Contains(p, "set lead") || !strings.Contains(p, "(city, owner)") || strings.Count(p, "set lead") != 2 || strings.Count(p, "only a manager") < 2 {
			t.Fatalf("%s: list:\n%s", lang, p)
		}
		m, _ = m.Update(uitest.Key("j"))
		m = feed(t, m, mustCmd(t, m, "d"))
		var left []store.RejectedOp
		st.View(func(tx *store.Tx) (err error) { left, err = tx.Rejected(); return })
		if len(left) != 1 || left[0].Op.ID != "op-a" {
			t.Fatalf("%s: after dismissing the second, left %+v", lang, left)
		}
		if p := uitest.Plain(m.View(80, 20)); strings.Count(p, "set lead") != 1 {
			t.Fatalf("%s: the list was not read again:\n%s", lang, p)
		}
		m, _ = m.Update(uitest.Key("esc"))
		if m.RejectedOpen() {
			t.Fatal("esc did not close the list")
		}
	}
}

// The changes set aside show on the list's second tab, in both languages:
// the list opens on it when nothing was refused, tab switches, text from
// the network reaches the screen with its control characters escaped, and
// d dismisses one.
func TestSetAsideListShowsEscapesAndDismisses(t *testing.T) {
	for _, tc := range []struct{ lang, title, seq, kind, refused string }{
		{"en", "Changes from the server set aside (2)", "seq 7", "change lead", "Changes the server refused (0)"},
		{"zh", "已搁置的服务器更改（2）", "序号 7", "更改 lead", "服务器拒绝的更改（0）"},
	} {
		m, st := connected(t, tc.lang)
		if err := st.Update(func(tx *store.Tx) error {
			for _, sa := range []store.SetAside{
				{Seq: 7, Kind: store.SetAsideOp, Entity: model.EntityRef{Type: "lead", ID: "L-0001\u009b2J"}, OpID: "op-1",
					Reason: "created_at: must be a time\x1b[2J\nsecond line 第二行"},
				{Seq: 9, Kind: store.SetAsideState, Entity: model.EntityRef{Type: "activity", ID: "A-2"}, Reason: "kind: \"x\" is not an activity kind"},
			} {
				if err := tx.AddSetAside(sa); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		m = feed(t, m, m.OpenRejected())
		v := m.View(80, 20)
		uitest.CheckWidths(t, v, 80, 20)
		p := uitest.Plain(v)
		for _, want := range []string{tc.title, tc.seq, tc.kind, `\x9b`, `\x1b[2J`, "第二行", "A-2"} {
			if !strings.Contains(p, want) {
				t.Errorf("%s: list lacks %q:\n%s", tc.lang, want, p)
			}
		}
		if strings.Contains(v, "\x1b[2J") || strings.ContainsRune(v, '\u009b') {
			t.Errorf("%s: a control sequence from the network reached the screen: %q", tc.lang, v)
		}
		m, _ = m.Update(uitest.Key("tab"))
		if p := uitest.Plain(m.View(80, 20)); !strings.Contains(p, tc.refused) {
			t.Errorf("%s: tab did not show the refused changes:\n%s", tc.lang, p)
		}
		m, _ = m.Update(uitest.Key("tab"))
		m, _ = m.Update(uitest.Key("j"))
		m = feed(t, m, mustCmd(t, m, "d"))
		var left []store.SetAside
		st.View(func(tx *store.Tx) (err error) { left, err = tx.SetAsides(); return })
		if len(left) != 1 || left[0].Seq != 7 {
			t.Fatalf("%s: after dismissing the second, left %+v", tc.lang, left)
		}
		if p := uitest.Plain(m.View(80, 20)); strings.Contains(p, "A-2") || !strings.Contains(p, tc.seq) {
			t.Fatalf("%s: the list was not read again:\n%s", tc.lang, p)
		}
	}
}

func mustCmd(t *testing.T, m Model, k string) tea.Cmd {
	t.Helper()
	_, cmd := m.Update(uitest.Key(k))
	if cmd == nil {
		t.Fatalf("%s did nothing", k)
	}
	return cmd
}

// feed runs cmd and the commands its replies return, a few rounds.
func feed(t *testing.T, m Model, cmd tea.Cmd) Model {
	t.Helper()
	queue := []tea.Cmd{cmd}
	for i := 0; i < 10 && len(queue) > 0; i++ {
		c := queue[0]
		queue = queue[1:]
		for _, msg := range msgs(c) {
			if !Owns(msg) {
				continue
			}
			var next tea.Cmd
			m, next = m.Update(msg)
			queue = append(queue, next)
		}
	}
	return m
}
