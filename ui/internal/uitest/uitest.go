// Package uitest builds what the UI's tests share: a real store on a temp
// file with a fixed clock, fixed English and Chinese books, the screens'
// context, and a driver that runs the commands Update returns.
package uitest

import (
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/fieldcrm/fieldcrm/i18n"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui/common"
	"github.com/fieldcrm/fieldcrm/ui/styles"
)

// Now is the tests' fixed clock: Friday 27 November 2026, 10:00 UTC.
var Now = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

// NowFunc returns Now.
func NowFunc() time.Time { return Now }

// Rules are the default rules in UTC, so goldens do not depend on the
// machine's zone.
func Rules() model.Rules {
	r := model.DefaultRules()
	r.Location = time.UTC
	return r
}

// Store opens a real store on a temp file with the fixed clock.
func Store(t testing.TB) *store.Store {
	t.Helper()
	rules := Rules()
	st, err := store.Open(store.Options{
		Path: filepath.Join(t.TempDir(), "ui.db"), User: "wang", Rules: &rules, Now: NowFunc, NoSync: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// Common returns the screens' context over st in lang at w×h.
func Common(st *store.Store, lang string, w, h int) *common.Common {
	return &common.Common{
		Width: w, Height: h, Styles: styles.New(true), Cat: i18n.New(lang), Rules: Rules(),
		Data: &Tracked{Store: st}, Now: NowFunc, DBPath: "/data/fieldcrm.db", User: "wang",
	}
}

// Lead is one lead of a fixed book.
type Lead struct {
	Company, Contact, City, Stage string
	Value                         int64 // yuan
	DaysInStage                   int
	Due                           int // follow-up due in days from today; 0 none, -1 yesterday...
	Action                        string
	Notes                         string
}

// English is a fixed book of English leads over every stage.
var English = []Lead{
	{"Acme Manufacturing Ltd.", "Alice Clark", "Shanghai", "prospect", 125000, 2, 3, "Send brochure", ""},
	{"Blue Ridge Energy Group International Holdings", "Bob Taylor", "Suzhou", "prospect", 48000, 40, -2, "Call back about budget", ""},
	{"Granite Steel Group", "Grace Brown", "Hangzhou", "qualified", 4720000, 5, 100, "Check plant visit date", "## Plant visit\n\nThe **CEO** joined; decision chain is clear:\n\n- engineering evaluates\n- purchasing compares\n- CEO signs"},
	{"Harbor Logistics", "Henry Walker", "Ningbo", "qualified", 810000, 30, 0, "Confirm meeting", ""},
	{"Pioneer Chemicals Inc.", "", "Nanjing", "contacted", 2200000, 3, 1, "Send samples", ""},
	{"Summit Power Co.", "Emma Lewis", "Wuxi", "solution", 990000, 10, 7, "Present solution", ""},
	{"Northwind Foods", "Ivy Wilson", "Hefei", "negotiation", 3500000, 2, 2, "Price review", ""},
	{"Evergreen Utilities", "Carol Jones", "Jinan", "won", 1800000, 20, 0, "", ""},
	{"Silverline Textiles", "Jack Smith", "Qingdao", "lost", 300000, 8, 0, "", ""},
}

// Chinese is a fixed book of Chinese leads (two cells per character).
var Chinese = []Lead{
	{"信达食品集团有限公司", "林建国", "上海", "prospect", 4300000, 1, 5, "发送产品资料", ""},
	{"华北能源股份有限公司华东分公司", "司马静", "苏州", "prospect", 120000, 45, -3, "电话确认预算", ""},
	{"瑞丰热力集团有限公司", "刘强", "杭州", "qualified", 4800000, 3, 0, "确认拜访时间", "## 拜访记录\n\n客户**总经理**参加了会议，决策链清楚：\n\n- 技术部评估\n- 采购部比价\n- 总经理签字"},
	{"东方医药有限公司", "马磊", "宁波", "contacted", 3800000, 20, 2, "寄送样品", ""},
	{"新华物流集团有限公司", "吴娜", "南京", "solution", 1000000, 4, 6, "方案汇报", ""},
	{"金桥化工有限公司", "马丽", "无锡", "negotiation", 2500000, 30, -1, "价格复核", ""},
	{"长城电子实业有限公司", "陈娟", "合肥", "won", 670000, 12, 0, "", ""},
	{"西部纺织股份有限公司", "何杰", "济南", "lost", 230000, 6, 0, "", ""},
}

// Seed writes the leads into st (in order, so ids follow it) and returns
// their ids.
func Seed(t testing.TB, st *store.Store, leads []Lead) []string {
	t.Helper()
	var ids []string
	err := st.Update(func(tx *store.Tx) error {
		for _, d := range leads {
			entered := Now.AddDate(0, 0, -d.DaysInStage)
			l := &model.Lead{
				Company: d.Company, City: d.City, Stage: d.Stage, Source: "referral",
				Value:     model.Money{Amount: d.Value * 100, Currency: "CNY"},
				CreatedAt: entered, StageEnteredAt: entered,
				Screening: map[string]bool{"budget": true, "need": true},
			}
			if d.Contact != "" {
				l.Contacts = []model.Contact{{Name: d.Contact, Title: "Manager", Phone: "+86 21 5555 0101"}}
			}
			if d.Stage == model.StageLost {
				l.LostReason = "price"
			}
			if d.Stage == model.StageWon {
				l.Contract = model.Contract{Number: "HT-2026-001", SignedOn: model.DateOf(entered), Value: l.Value}
			}
			if err := tx.AddLead(l); err != nil {
				return err
			}
			ids = append(ids, l.ID)
			if d.Due != 0 {
				due := model.DateOf(Now)
				if d.Due != 100 {
					due = due.AddDays(d.Due)
				}
				if _, err := tx.SetFollowUp(l.ID, due, d.Action); err != nil {
					return err
				}
			}
			if d.Notes != "" {
				a := &model.Activity{LeadID: l.ID, Kind: model.KindVisit, StartedAt: Now.Add(-26 * time.Hour),
					EndedAt: Now.Add(-25 * time.Hour), Contact: d.Contact, Outcome: "positive"}
				if err := tx.AddActivity(a, d.Notes); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// idle is how long Run waits for one more message before it decides the
// model has settled. Commands that sleep longer (cursor blinks, ticks) are
// abandoned; store writes and renders answer well within it.
const idle = 60 * time.Millisecond

// Tracked is a store that counts the transactions in flight, so Run can
// wait for every store call, however slow the machine, and still give up
// on the cursor's blink quickly.
type Tracked struct {
	*store.Store
	n atomic.Int32
}

// View runs a read transaction.
func (t *Tracked) View(fn func(*store.Tx) error) error {
	t.n.Add(1)
	defer t.n.Add(-1)
	return t.Store.View(fn)
}

// Update runs a write transaction.
func (t *Tracked) Update(fn func(*store.Tx) error) error {
	t.n.Add(1)
	defer t.n.Add(-1)
	return t.Store.Update(fn)
}

// Busy reports whether a transaction is in flight.
func (t *Tracked) Busy() bool { return t.n.Load() > 0 }

// Busy is set by tests whose data is Tracked; Run waits while it says so.
type Busy interface{ Busy() bool }

// maxRun bounds one Run, whatever happens.
const maxRun = 20 * time.Second

// Run executes cmd as the program would, concurrently, and feeds every
// message it yields to update, following the commands update returns,
// until no message arrives for a while and busy (when not nil) says no
// store call is in flight.
func Run(update func(tea.Msg) tea.Cmd, cmd tea.Cmd, busy ...Busy) {
	deadline := time.Now().Add(maxRun)
	isBusy := func() bool {
		for _, b := range busy {
			if b != nil && b.Busy() {
				return true
			}
		}
		return false
	}
	msgs := make(chan tea.Msg, 1024)
	spawn := func(cmds ...tea.Cmd) {
		go func() {
			for _, c := range cmds { // in order, for tea.Sequence
				if c == nil {
					continue
				}
				select {
				case msgs <- c():
				default:
				}
			}
		}()
	}
	spawn(cmd)
	timer := time.NewTimer(idle)
	defer timer.Stop()
	for {
		select {
		case msg := <-msgs:
			if msg == nil {
				continue
			}
			if v := reflect.ValueOf(msg); v.Kind() == reflect.Slice && v.Type().Elem() == cmdSlice {
				cmds := make([]tea.Cmd, v.Len())
				for i := range cmds {
					cmds[i] = v.Index(i).Interface().(tea.Cmd)
				}
				if v.Type().Name() == "BatchMsg" {
					for _, c := range cmds {
						spawn(c)
					}
				} else {
					spawn(cmds...)
				}
				continue
			}
			if _, ok := msg.(tea.QuitMsg); ok {
				continue
			}
			if c := update(msg); c != nil {
				spawn(c)
			}
			if !timer.Stop() {
				<-timer.C
			}
			timer.Reset(idle)
		case <-timer.C:
			if isBusy() && time.Now().Before(deadline) {
				timer.Reset(idle)
				continue
			}
			select { // a reply sent just as its transaction ended
			case msg := <-msgs:
				msgs <- msg
				timer.Reset(idle)
				continue
			case <-time.After(5 * time.Millisecond):
			}
			return
		}
	}
}

var cmdSlice = reflect.TypeOf(tea.Cmd(nil))

// Key returns the key press a terminal sends for s: a printable character,
// or a named key ("enter", "esc", "shift+right", ...).
func Key(s string) tea.KeyPressMsg {
	named := map[string]tea.KeyPressMsg{
		"enter": {Code: tea.KeyEnter}, "esc": {Code: tea.KeyEsc}, "tab": {Code: tea.KeyTab},
		"up": {Code: tea.KeyUp}, "down": {Code: tea.KeyDown}, "left": {Code: tea.KeyLeft}, "right": {Code: tea.KeyRight},
		"shift+left": {Code: tea.KeyLeft, Mod: tea.ModShift}, "shift+right": {Code: tea.KeyRight, Mod: tea.ModShift},
		"backspace": {Code: tea.KeyBackspace}, "home": {Code: tea.KeyHome}, "end": {Code: tea.KeyEnd},
	}
	if k, ok := named[s]; ok {
		return k
	}
	r := []rune(s)[0]
	k := tea.KeyPressMsg{Code: r, Text: s}
	if r >= 'A' && r <= 'Z' {
		k.Code, k.Mod = r+('a'-'A'), tea.ModShift
	}
	return k
}

// Plain strips colours from a rendered frame.
func Plain(s string) string { return ansi.Strip(s) }

// CheckWidths fails when a line of frame is wider than w cells or the
// frame has more than h lines.
func CheckWidths(t testing.TB, frame string, w, h int) {
	t.Helper()
	lines := strings.Split(frame, "\n")
	if len(lines) > h {
		t.Errorf("frame has %d lines; the terminal has %d", len(lines), h)
	}
	for i, l := range lines {
		if n := ansi.StringWidth(l); n > w {
			t.Errorf("line %d is %d cells wide; the terminal has %d:\n%q", i+1, n, w, ansi.Strip(l))
		}
	}
}
