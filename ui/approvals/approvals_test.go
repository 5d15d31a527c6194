package approvals

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/ui/common"
	"github.com/fieldcrm/fieldcrm/ui/forms"
	"github.com/fieldcrm/fieldcrm/ui/internal/uitest"
)

type fakeBook struct {
	in    Inbox
	reads int
}

func (f *fakeBook) Inbox() (Inbox, error) { f.reads++; return f.in, nil }

func hlc(at time.Time, node string) model.HLC { return model.HLC{Wall: at.UnixMilli(), Node: node} }

// inbox is a fixed inbox: two requests waiting (the older listed first),
// one decided yesterday after two approvers disagreed at once (the later
// stamp in force), and one decided two months ago (not listed).
func inbox(role string) Inbox {
	day := 24 * time.Hour
	now := uitest.Now
	cny := func(yuan int64) model.Money { return model.Money{Amount: yuan * 100, Currency: "CNY"} }
	return Inbox{Role: role, Companies: map[string]string{
		"l1": "Northwind Foods", "l2": "瑞丰热力集团有限公司", "l3": "Granite Steel Group", "l4": "Old Deal Ltd."},
		Requests: []model.Approval{
			{ID: "a2", LeadID: "l2", RequestedBy: "刘强", RequestedAt: now.Add(-day), Value: cny(4_800_000),
				Reasons: []string{model.ReasonValue}, Note: "三年框架协议"},
			{ID: "a1", LeadID: "l1", RequestedBy: "wang", RequestedAt: now.Add(-3 * day), Value: cny(3_500_000), DiscountPct: 12,
				Channel: "referral", Reasons: []string{model.ReasonValue, model.ReasonDiscount}, Note: "Frame contract\nthree years"},
			{ID: "a3", LeadID: "l3", RequestedBy: "wang", RequestedAt: now.Add(-4 * day), Value: cny(4_720_000),
				Reasons: []string{model.ReasonValue}, Decisions: []model.Decision{
					{ID: "d1", HLC: hlc(now.Add(-day), "n1"), Verdict: model.Rejected, By: "zhao", At: now.Add(-day), Note: "Margin too thin"},
					{ID: "d2", HLC: hlc(now.Add(-day), "n2"), Verdict: model.Approved, By: "li", At: now.Add(-day), Note: "Strategic account"},
				}},
			{ID: "a4", LeadID: "l4", RequestedBy: "wang", RequestedAt: now.Add(-70 * day), Value: cny(1_200_000),
				Decisions: []model.Decision{{ID: "d3", HLC: hlc(now.Add(-60*day), "n1"), Verdict: model.Approved, By: "li", At: now.Add(-60 * day)}}},
		}}
}

func page(t *testing.T, lang, role string, w, h int) (Model, *fakeBook) {
	t.Helper()
	bk := &fakeBook{in: inbox(role)}
	m := New(uitest.Common(nil, lang, w, h), nil, bk)
	m.SetSize(w, h)
	m, _ = m.Update(m.Load()())
	return m, bk
}

func press(m Model, keys ...string) (Model, []tea.Msg) {
	var said []tea.Msg
	for _, k := range keys {
		var cmd tea.Cmd
		m, cmd = m.Update(uitest.Key(k))
		if cmd != nil {
			said = append(said, cmd())
		}
	}
	return m, said
}

func view(t *testing.T, m Model) string {
	t.Helper()
	v := m.View()
	uitest.CheckWidths(t, v, m.width, m.height)
	return uitest.Plain(v)
}

func TestGolden(t *testing.T) {
	for _, lang := range []string{"en", "zh"} {
		t.Run(lang+"_list_80x24", func(t *testing.T) {
			m, _ := page(t, lang, "leadership", 80, 22)
			golden.RequireEqual(t, view(t, m))
		})
		t.Run(lang+"_request_80x24", func(t *testing.T) {
			m, _ := page(t, lang, "leadership", 80, 22)
			m, _ = press(m, "G", "enter")
			golden.RequireEqual(t, view(t, m))
		})
	}
}

// TestListOrderAndKeys: waiting requests first, oldest first, then the
// decisions of the last 30 days; enter shows one whole with the decision
// in force and the one it overruled; y and n open the comment forms; o
// opens the lead; esc goes back to the list, then off the page.
func TestListOrderAndKeys(t *testing.T) {
	m, _ := page(t, "en", "leadership", 100, 30)
	v := view(t, m)
	order := []string{"Waiting for a decision (2)", "Northwind Foods", "瑞丰热力集团有限公司", "Decided in the last 30 days (1)", "Granite Steel Group"}
	at := 0
	for _, w := range order {
		i := strings.Index(v[at:], w)
		if i < 0 {
			t.Fatalf("%q is not after %q in:\n%s", w, v[:at], v)
		}
		at += i
	}
	if strings.Contains(v, "Old Deal") {
		t.Fatalf("a decision of two months ago is listed:\n%s", v)
	}
	m, _ = press(m, "j", "j", "enter")
	v = view(t, m)
	for _, w := range []string{"Approval request · Granite Steel Group", "Status: approved",
		"approved by li on 2026-11-26 10:00 (in force): Strategic account", "rejected by zhao on 2026-11-26 10:00 (overruled): Margin too thin"} {
		if !strings.Contains(v, w) {
			t.Fatalf("%q is not in the request shown:\n%s", w, v)
		}
	}
	_, said := press(m, "n")
	if o, ok := said[0].(forms.OpenMsg); !ok || !strings.Contains(uitest.Plain(o.Form.View()), "Reject Granite Steel Group") {
		t.Fatalf("n opened %#v", said)
	}
	_, said = press(m, "o")
	if o, ok := said[0].(common.OpenLeadMsg); !ok || o.ID != "l3" {
		t.Fatalf("o opened %#v", said)
	}
	m, said = press(m, "esc")
	if len(said) != 0 || !strings.Contains(view(t, m), "Waiting for a decision") {
		t.Fatalf("esc on a request did not go back to the list: %#v", said)
	}
	m, said = press(m, "k", "k", "y")
	if o, ok := said[0].(forms.OpenMsg); !ok || !strings.Contains(uitest.Plain(o.Form.View()), "Approve Northwind Foods") {
		t.Fatalf("y on the first row opened %#v", said)
	}
	_, said = press(m, "esc")
	if _, ok := said[0].(common.BackMsg); !ok {
		t.Fatalf("esc on the list: %#v", said)
	}
}

// TestReadOnlyForARoleThatMayNotDecide: the line says who decides, in
// both languages, and y and n say it again instead of opening a form.
func TestReadOnlyForARoleThatMayNotDecide(t *testing.T) {
	for lang, want := range map[string]string{
		"en": "Only leadership approve or reject; your role is rep, so this list is read-only.",
		"zh": "只有领导小组可以审批；您的角色是销售代表，此列表只读。",
	} {
		m, _ := page(t, lang, "rep", 100, 30)
		if v := view(t, m); !strings.Contains(v, want) {
			t.Fatalf("%s: no line saying who decides:\n%s", lang, v)
		}
		for _, k := range []string{"y", "n"} {
			_, said := press(m, k)
			if e, ok := said[0].(common.ErrMsg); !ok || e.Err.Error() != want {
				t.Fatalf("%s: %s for a rep: %#v", lang, k, said)
			}
		}
	}
	// With no role known yet (never synced) the server decides: the page
	// lets the user try.
	m, _ := page(t, "en", "", 100, 30)
	if _, said := press(m, "y"); len(said) != 1 || !isForm(said[0]) {
		t.Fatalf("y with no role known: %#v", said)
	}
}

func isForm(msg tea.Msg) bool { _, ok := msg.(forms.OpenMsg); return ok }

// TestShowBeforeTheInboxIsRead: today's enter on a request asks for it
// before the inbox is read; it opens once it is, and a stale read is
// dropped.
func TestShowBeforeTheInboxIsRead(t *testing.T) {
	bk := &fakeBook{in: inbox("leadership")}
	m := New(uitest.Common(nil, "zh", 80, 24), nil, bk)
	m.SetSize(80, 22)
	stale := m.Load()
	load := m.Load()
	m.Show("a2")
	bk.in.Requests = nil
	m, _ = m.Update(stale()) // an empty read, from before
	if m.loaded {
		t.Fatal("a stale read was taken")
	}
	bk.in = inbox("leadership")
	m, _ = m.Update(load())
	if v := view(t, m); !strings.Contains(v, "审批申请 · 瑞丰热力集团有限公司") || !strings.Contains(v, "三年框架协议") {
		t.Fatalf("the request asked for is not shown:\n%s", v)
	}
	if a, ok := m.Selected(); !ok || a.ID != "a2" {
		t.Fatalf("selected %+v", a)
	}
}

// TestErrorIsReported: a failed read is a sentence, not an empty page.
func TestErrorIsReported(t *testing.T) {
	m := New(uitest.Common(nil, "en", 80, 24), nil, failing{})
	m.SetSize(80, 22)
	_, cmd := m.Update(m.Load()())
	if e, ok := cmd().(common.ErrMsg); !ok || !strings.Contains(e.Err.Error(), "disk") {
		t.Fatalf("a failed read: %#v", e)
	}
}

type failing struct{}

func (failing) Inbox() (Inbox, error) { return Inbox{}, errors.New("disk full") }

// TestShrunkThenGrownShowsTheHeadersAgain: the help shrinks the page to
// a few lines and scrolls it; closed, the whole list shows from its top.
func TestShrunkThenGrownShowsTheHeadersAgain(t *testing.T) {
	m, _ := page(t, "en", "leadership", 80, 22)
	m, _ = press(m, "G")
	m.SetSize(80, 3)
	m.SetSize(80, 22)
	if v := view(t, m); !strings.Contains(v, "Waiting for a decision (2)") {
		t.Fatalf("the first header is scrolled away with room to spare:\n%s", v)
	}
}

// TestATallRequestScrolls: a request with more decisions than the page
// has lines keeps its title and scrolls with j and k, never past its end.
func TestATallRequestScrolls(t *testing.T) {
	m, _ := page(t, "en", "leadership", 80, 8)
	m, _ = press(m, "G", "enter")
	first := view(t, m)
	if !strings.HasPrefix(first, "Approval request · Granite Steel Group") || strings.Contains(first, "overruled") {
		t.Fatalf("the top of the request at 8 lines:\n%s", first)
	}
	m, _ = press(m, "j", "j", "j", "j", "j", "j", "j", "j", "j", "j", "j", "j")
	v := view(t, m)
	if !strings.HasPrefix(v, "Approval request · Granite Steel Group") || !strings.Contains(v, "(overruled): Margin too thin") {
		t.Fatalf("scrolled to the end:\n%s", v)
	}
	if m, _ = press(m, "k"); view(t, m) == v {
		t.Fatal("k from the end did not scroll back at once")
	}
}

// TestALongListScrollsWithTheSelection: 120 requests waiting on a page of
// 10 lines; the selection stays on screen from the first to the last and
// back, and the frame never has more lines than the page.
func TestALongListScrollsWithTheSelection(t *testing.T) {
	in := inbox("leadership")
	for i := range 118 {
		a := in.Requests[0]
		a.ID, a.RequestedAt = fmt.Sprintf("p%03d", i), a.RequestedAt.Add(time.Duration(i)*time.Minute)
		in.Requests = append(in.Requests, a)
	}
	bk := &fakeBook{in: in}
	m := New(uitest.Common(nil, "en", 80, 10), nil, bk)
	m.SetSize(80, 10)
	m, _ = m.Update(m.Load()())
	for _, k := range []string{"G", "k", "g", "j"} {
		m, _ = press(m, k)
		v := view(t, m)
		if !strings.Contains(v, "› ") {
			t.Fatalf("after %s the selection is off screen:\n%s", k, v)
		}
	}
	m, _ = press(m, "G")
	if v := view(t, m); !strings.Contains(v, "› approved  Granite Steel Group") {
		t.Fatalf("G does not show the last request:\n%s", v)
	}
}
