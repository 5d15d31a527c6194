package ui_test

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/fieldcrm/fieldcrm/demo"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui"
	"github.com/fieldcrm/fieldcrm/ui/editor"
	"github.com/fieldcrm/fieldcrm/ui/internal/uitest"
	"github.com/fieldcrm/fieldcrm/ui/today"
	"github.com/fieldcrm/fieldcrm/ui/visits"
)

// The benchmarks of part 2 share one book of 10,000 leads and about
// 100,000 activities (demo.Generate), written once per run to a temp dir
// that is removed when the benchmark ends.
var (
	bigOnce sync.Once
	bigDir  string
	bigErr  error
)

func bigStore(b *testing.B) *store.Store {
	b.Helper()
	bigOnce.Do(func() {
		if bigDir, bigErr = os.MkdirTemp("", "fieldcrm-ui2-bench-"); bigErr != nil {
			return
		}
		rules := uitest.Rules()
		st, err := store.Open(store.Options{Path: filepath.Join(bigDir, "big.db"), User: "wang", Rules: &rules, Now: uitest.NowFunc, NoSync: true})
		if err != nil {
			bigErr = err
			return
		}
		bigErr = demo.Generate(st, demo.Options{Leads: 10_000, Now: uitest.Now, ActivitiesPerLead: 10})
	})
	if bigErr != nil {
		b.Fatal(bigErr)
	}
	rules := uitest.Rules()
	// Durable writes (fsync on), as the UI runs.
	st, err := store.Open(store.Options{Path: filepath.Join(bigDir, "big.db"), User: "wang", Rules: &rules, Now: uitest.NowFunc, LockTimeout: 30 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	return st
}

// TestMain removes the big book after the benchmarks.
func TestMain(m *testing.M) {
	code := m.Run()
	if bigDir != "" {
		os.RemoveAll(bigDir)
	}
	os.Exit(code)
}

// BenchmarkOpenToday reads the daily review (store.Tx.Today) and draws
// its first frame at 160x48.
func BenchmarkOpenToday(b *testing.B) {
	st := bigStore(b)
	c := uitest.Common(st, "en", 160, 48)
	var items int
	for b.Loop() {
		m := today.New(c, nil, ui.NewBook(c.Data))
		m.SetSize(160, 46)
		m, _ = m.Update(m.Load()())
		_ = m.View()
		rep := m.Report()
		items = rep.Count()
	}
	b.ReportMetric(float64(items), "items")
}

// BenchmarkVisitLogLoad reads every activity as a visit-log row (once,
// when the log opens; in a tea.Cmd).
func BenchmarkVisitLogLoad(b *testing.B) {
	st := bigStore(b)
	c := uitest.Common(st, "en", 160, 48)
	for b.Loop() {
		m := visits.New(c, nil, ui.NewBook(c.Data))
		m.SetSize(160, 46)
		m, _ = m.Update(m.Load()())
		_ = m.View()
	}
}

// BenchmarkVisitLogFilterWord filters 100,000 activities by a word in
// their notes and draws the frame: what one keystroke in the filter costs.
func BenchmarkVisitLogFilterWord(b *testing.B) {
	st := bigStore(b)
	c := uitest.Common(st, "en", 160, 48)
	m := visits.New(c, nil, ui.NewBook(c.Data))
	m.SetSize(160, 46)
	m, _ = m.Update(m.Load()())
	words := []string{"sample", "价格", "trial order", "xyzzy"}
	var n int
	for i := 0; b.Loop(); i++ {
		m.SetText(words[i%len(words)])
		_ = m.View()
		n += len(m.Shown())
	}
	b.ReportMetric(float64(len(m.Shown())), "last-matches")
}

// BenchmarkEditorKeystrokeWithSave is one keystroke in the note editor
// that also saves the draft (a durable bbolt write), as happens at most
// once a second and on every pause.
func BenchmarkEditorKeystrokeWithSave(b *testing.B) {
	st := bigStore(b)
	c := uitest.Common(st, "en", 160, 48)
	ed := editor.New(c, ui.NewBook(c.Data), store.Draft{Kind: "note", Text: "Met the fleet manager."})
	b.Cleanup(func() { st.Update(func(tx *store.Tx) error { return tx.DeleteDraft(ed.ID()) }) })
	ed.SetSize(160, 20)
	key := uitest.Key("a")
	for b.Loop() {
		ed, _ = ed.Update(key)
		ed, _ = ed.Update(ed.SaveNow()()) // the durable write and its reply
		_ = ed.View()
	}
}

// BenchmarkEditorKeystroke is a keystroke that only schedules the save.
func BenchmarkEditorKeystroke(b *testing.B) {
	st := bigStore(b)
	c := uitest.Common(st, "en", 160, 48)
	ed := editor.New(c, ui.NewBook(c.Data), store.Draft{Kind: "note", Text: "Met the fleet manager."})
	b.Cleanup(func() { st.Update(func(tx *store.Tx) error { return tx.DeleteDraft(ed.ID()) }) })
	ed.SetSize(160, 20)
	ed, _ = ed.Update(ed.SaveNow()()) // the last save was just now
	key := uitest.Key("a")
	for b.Loop() {
		ed, _ = ed.Update(key)
		_ = ed.View()
	}
}

// BenchmarkSwitchToToday is the key 2 on the root with the review read in
// the background at start: Update and the frame the user sees (the
// re-read it starts runs behind, in its tea.Cmd).
func BenchmarkSwitchToToday(b *testing.B) {
	tm, run := rootOn(b)
	two, one := uitest.Key("2"), uitest.Key("1")
	// Once more, waiting for the review, however loaded the machine.
	run(two)
	if !strings.Contains(uitest.Plain((*tm).View().Content), "Overdue (") {
		b.Fatal("2 does not show the review")
	}
	*tm, _ = (*tm).Update(one)
	for b.Loop() {
		*tm, _ = (*tm).Update(two)
		_ = (*tm).View()
		b.StopTimer()
		*tm, _ = (*tm).Update(one)
		b.StartTimer()
	}
}

// BenchmarkEditorKeystrokeWithSaveNoSync is the same keystroke and save on
// a store without fsync: what the durable write's two fsyncs cost shows
// as the difference.
func BenchmarkEditorKeystrokeWithSaveNoSync(b *testing.B) {
	bigStore(b)
	rules := uitest.Rules()
	st, err := store.Open(store.Options{Path: filepath.Join(bigDir, "big.db"), User: "wang", Rules: &rules, Now: uitest.NowFunc, NoSync: true, LockTimeout: 30 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	c := uitest.Common(st, "en", 160, 48)
	ed := editor.New(c, ui.NewBook(c.Data), store.Draft{Kind: "note", Text: "Met the fleet manager."})
	b.Cleanup(func() { st.Update(func(tx *store.Tx) error { return tx.DeleteDraft(ed.ID()) }) })
	ed.SetSize(160, 20)
	key := uitest.Key("a")
	for b.Loop() {
		ed, _ = ed.Update(key)
		ed, _ = ed.Update(ed.SaveNow()())
		_ = ed.View()
	}
}

// rootOn returns the root over the big book at 160x48 with the board
// loaded, and the function that runs a message and its commands.
func rootOn(b *testing.B) (*tea.Model, func(tea.Msg)) {
	st := bigStore(b)
	data := &uitest.Tracked{Store: st}
	m := ui.New(ui.Options{Data: data, Rules: uitest.Rules(), Lang: "en", DBPath: "/b.db", User: "wang", Now: uitest.NowFunc, Dark: true, Watch: -1})
	var tm tea.Model = m
	update := func(msg tea.Msg) tea.Cmd {
		var c tea.Cmd
		tm, c = tm.Update(msg)
		return c
	}
	tm, _ = tm.Update(tea.WindowSizeMsg{Width: 160, Height: 48})
	uitest.Run(update, m.Init(), data)
	run := func(msg tea.Msg) { uitest.Run(update, func() tea.Msg { return msg }, data) }
	return &tm, run
}

// BenchmarkRootKeyToFrame is one key through the root's router and the
// frame it draws, on the board of 10,000 leads: what the router adds to
// a page's own key handling (compare BenchmarkNavigationKey in ui/board).
func BenchmarkRootKeyToFrame(b *testing.B) {
	tm, _ := rootOn(b)
	j, k := uitest.Key("j"), uitest.Key("k")
	for i := 0; b.Loop(); i++ {
		key := j
		if i%2 == 1 {
			key = k
		}
		*tm, _ = (*tm).Update(key)
		_ = (*tm).View()
	}
}

// BenchmarkRootHelpToggle is ? (the help overlay laid out over the board)
// and its frame, then ? and the frame again: Update and View only, as in
// BenchmarkRootKeyToFrame (the pop comes back as a message).
func BenchmarkRootHelpToggle(b *testing.B) {
	tm, _ := rootOn(b)
	q := uitest.Key("?")
	for b.Loop() {
		*tm, _ = (*tm).Update(q)
		_ = (*tm).View()
		var cmd tea.Cmd
		*tm, cmd = (*tm).Update(q)
		*tm, _ = (*tm).Update(cmd()) // the help's pop
		_ = (*tm).View()
	}
}
