package board

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/fieldcrm/fieldcrm/demo"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui/common"
	"github.com/fieldcrm/fieldcrm/ui/internal/uitest"
)

// The benchmarks share one book of 10,000 leads and about 100,000
// activities (demo.Generate), written once per run to a temp file.
var (
	bigOnce sync.Once
	bigPath string
	bigErr  error
)

const bigLeads = 10_000

func bigStore(b *testing.B) *store.Store {
	b.Helper()
	bigOnce.Do(func() {
		dir, err := os.MkdirTemp("", "fieldcrm-ui-bench-")
		if err != nil {
			bigErr = err
			return
		}
		bigPath = filepath.Join(dir, "big.db")
		rules := uitest.Rules()
		st, err := store.Open(store.Options{Path: bigPath, User: "wang", Rules: &rules, Now: uitest.NowFunc})
		if err != nil {
			bigErr = err
			return
		}
		bigErr = demo.Generate(st, demo.Options{Leads: bigLeads, Now: uitest.Now, ActivitiesPerLead: 10})
	})
	if bigErr != nil {
		b.Fatal(bigErr)
	}
	rules := uitest.Rules()
	// Durable writes (fsync on), the file opened per transaction: as the UI runs.
	st, err := store.Open(store.Options{Path: bigPath, User: "wang", Rules: &rules, Now: uitest.NowFunc})
	if err != nil {
		b.Fatal(err)
	}
	return st
}

func TestMain(m *testing.M) {
	code := m.Run()
	if bigPath != "" {
		os.RemoveAll(filepath.Dir(bigPath))
	}
	os.Exit(code)
}

// BenchmarkBuildBoardAndFirstFrame reads every card, builds the columns
// and draws the first frame at 160x48.
func BenchmarkBuildBoardAndFirstFrame(b *testing.B) {
	st := bigStore(b)
	c := uitest.Common(st, "en", 160, 48)
	b.ResetTimer()
	for b.Loop() {
		m := newBoard(c)
		m.SetSize(160, 46)
		m = readAll(m)
		if m.Count() < bigLeads {
			b.Fatalf("board has %d leads", m.Count())
		}
		_ = m.View()
	}
}

// BenchmarkNavigationKey is one key press (Update) and the frame after it.
func BenchmarkNavigationKey(b *testing.B) {
	st := bigStore(b)
	m := newBoard(uitest.Common(st, "en", 160, 48))
	m.SetSize(160, 46)
	m = readAll(m)
	keys := []tea.KeyPressMsg{uitest.Key("j"), uitest.Key("j"), uitest.Key("l"), uitest.Key("k"), uitest.Key("h"), uitest.Key("j")}
	i := 0
	b.ResetTimer()
	for b.Loop() {
		m, _ = m.Update(keys[i%len(keys)])
		_ = m.View()
		i++
	}
}

// BenchmarkMoveCard moves the selected card to the next stage and back:
// one durable write (fsync), the reply's Update and the frame after it.
func BenchmarkMoveCard(b *testing.B) {
	st := bigStore(b)
	m := newBoard(uitest.Common(st, "en", 160, 48))
	m.SetSize(160, 46)
	m = readAll(m)
	dir := []string{"L", "H"}
	i := 0
	var write, ui time.Duration
	b.ResetTimer()
	for b.Loop() {
		t0 := time.Now()
		_, cmd := m.Update(uitest.Key(dir[i%2]))
		msg := cmd()
		t1 := time.Now()
		write += t1.Sub(t0)
		if mv, ok := msg.(common.MovedMsg); !ok || mv.Err != nil {
			b.Fatalf("move: %#v", msg)
		}
		var next tea.Cmd
		m, next = m.Update(msg)
		if next == nil {
			b.Fatal("the move did not report")
		}
		_ = m.View()
		ui += time.Since(t1)
		i++
	}
	b.ReportMetric(float64(write.Microseconds())/float64(i)/1000, "write-ms/op")
	b.ReportMetric(float64(ui.Microseconds())/float64(i)/1000, "update+view-ms/op")
}

// BenchmarkFilterKey is one typed letter in the filter ("/" then text):
// the 10,000 cards are matched and the columns re-sorted, then drawn.
func BenchmarkFilterKey(b *testing.B) {
	st := bigStore(b)
	m := newBoard(uitest.Common(st, "en", 160, 48))
	m.SetSize(160, 46)
	m = readAll(m)
	m, _ = m.Update(uitest.Key("/"))
	text := []string{"s", "t", "e", "backspace", "backspace", "backspace"}
	i := 0
	b.ResetTimer()
	for b.Loop() {
		m, _ = m.Update(uitest.Key(text[i%len(text)]))
		_ = m.View()
		i++
	}
}
