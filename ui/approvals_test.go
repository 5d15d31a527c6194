package ui_test

import (
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui/internal/uitest"
)

func (d *driver) setRole(role string) {
	d.t.Helper()
	if err := d.st.Update(func(tx *store.Tx) error { return tx.SetRole(role) }); err != nil {
		d.t.Fatal(err)
	}
}

func (d *driver) approvalsOf(leadID string) []model.Approval {
	d.t.Helper()
	var out []model.Approval
	if err := d.st.View(func(tx *store.Tx) (err error) { out, err = tx.ApprovalsOf(leadID); return err }); err != nil {
		d.t.Fatal(err)
	}
	return out
}

// approve asks for and gives approval of a deal in the book, for the
// tests of won moves on deals over the default rules' limit.
func (d *driver) approve(leadID string) {
	d.t.Helper()
	err := d.st.Update(func(tx *store.Tx) error {
		a, err := tx.RequestApproval(leadID, "")
		if err != nil {
			return err
		}
		_, err = tx.DecideApproval(a.ID, model.Approved, "")
		return err
	})
	if err != nil {
		d.t.Fatal(err)
	}
}

// mustShow fails unless the frame holds every one of want.
func (d *driver) mustShow(what string, want ...string) string {
	d.t.Helper()
	f := d.plain()
	for _, w := range want {
		if !strings.Contains(f, w) {
			d.t.Fatalf("%s: %q is not on screen:\n%s", what, w, f)
		}
	}
	return f
}

// TestApprovalFromTheWonFormToTheHandOff is the flow on one book
// over the real store, by keys: W on a deal of 3,500,000 CNY says at once
// that it needs approval; a asks (the won form waits under the request);
// the lead shows the request waiting; a leadership user approves it from
// the inbox (5, y); W then wins it, and the hand-off's service orders
// show on the lead for the after-sales queue.
func TestApprovalFromTheWonFormToTheHandOff(t *testing.T) {
	t.Parallel()
	for lang, w := range map[string]map[string]string{
		"en": {"needs": "needs approval before it can be won", "won_form": "Mark Northwind Foods as won", "waiting": "Status: waiting",
			"inbox": "Waiting for a decision (1)", "approve": "Approve Northwind Foods", "approved": "approved by wang",
			"in_force": "(in force)", "services": "Service orders", "install": "installation · open · after-sales queue"},
		"zh": {"needs": "需审批通过后才能赢单", "won_form": "金桥化工有限公司", "waiting": "状态：待审批",
			"inbox": "待审批 (1)", "approve": "批准 金桥化工有限公司", "approved": "已批准：wang",
			"in_force": "（生效）", "services": "售后服务单", "install": "安装 · 待处理 · 售后队列"},
	} {
		d, ids := newDriver(t, lang, books(lang), 100, 30)
		id := ids[6] // Northwind Foods (3,500,000) / 金桥化工 (2,500,000), in negotiation
		if lang == "zh" {
			id = ids[5]
		}
		d.send(openLead(id))
		d.keys("W")
		d.mustShow(lang+" W", w["won_form"])
		if !strings.Contains(strings.Join(strings.Fields(d.plain()), ""), strings.Join(strings.Fields(w["needs"]), "")) {
			t.Fatalf("%s: W does not say the deal needs approval:\n%s", lang, d.plain())
		}
		d.keys("tab", "tab", "text:HT-77")
		d.keys("ctrl+s") // refused: the form stays with the number typed
		d.keys("a")
		d.keys("text:Frame contract, 3 years", "ctrl+s")
		aps := d.approvalsOf(id)
		if len(aps) != 1 || aps[0].Note != "Frame contract, 3 years" || aps[0].Status() != model.Pending {
			t.Fatalf("%s: requests after a: %+v\n%s", lang, aps, d.plain())
		}
		f := d.mustShow(lang+" back on the won form", w["won_form"])
		if !strings.Contains(f, "HT-77") {
			t.Fatalf("%s: the won form lost the number typed:\n%s", lang, f)
		}
		d.keys("esc", "d") // leave the won form, its draft dropped
		d.mustShow(lang+" the lead's approvals", w["waiting"])

		// Leadership decides in the inbox.
		d.setRole("leadership")
		d.keys("esc", "5")
		d.mustShow(lang+" inbox", w["inbox"])
		d.keys("enter", "y")
		d.mustShow(lang+" approve form", w["approve"])
		d.keys("ctrl+s")
		if aps = d.approvalsOf(id); aps[0].Status() != model.Approved {
			t.Fatalf("%s: not approved: %+v\n%s", lang, aps, d.plain())
		}
		d.mustShow(lang+" the decision in the inbox", w["approved"], w["in_force"])

		// The rep wins it now, and the hand-off shows on the lead.
		d.keys("o")
		d.keys("W", "ctrl+s")
		if l := d.lead(id); l.Stage != model.StageWon {
			t.Fatalf("%s: the approved deal was not won:\n%s", lang, d.plain())
		}
		d.keys("G")
		d.mustShow(lang+" the hand-off", w["services"], w["install"], w["approved"])
	}
}

// TestInboxIsReadOnlyForARoleThatMayNotDecide: a rep sees the requests,
// a line saying who decides, and y is refused with that sentence.
func TestInboxIsReadOnlyForARoleThatMayNotDecide(t *testing.T) {
	t.Parallel()
	d, ids := newDriver(t, "en", uitest.English, 100, 30)
	if err := d.st.Update(func(tx *store.Tx) error { _, err := tx.RequestApproval(ids[2], "Plant upgrade"); return err }); err != nil {
		t.Fatal(err)
	}
	d.setRole("rep")
	d.keys("5")
	d.mustShow("rep's inbox", "Granite Steel Group", "Only leadership approve or reject; your role is rep, so this list is read-only.")
	d.keys("y")
	if f := d.plain(); strings.Contains(f, "Approve Granite") || !strings.Contains(strings.Join(strings.Fields(f), " "), "Only leadership approve or reject; your role is rep") {
		t.Fatalf("y on a rep's inbox:\n%s", f)
	}
	if aps := d.approvalsOf(ids[2]); len(aps[0].Decisions) != 0 {
		t.Fatalf("a rep's y decided: %+v", aps[0].Decisions)
	}
}

// TestTodayListsApprovalsToDecideAndEnterOpensTheRequest: for leadership,
// today's "Approvals to decide" holds the request; the section jump
// reaches it and enter shows it whole in the inbox.
func TestTodayListsApprovalsToDecideAndEnterOpensTheRequest(t *testing.T) {
	t.Parallel()
	for lang, w := range map[string][2]string{
		"en": {"Approvals to decide (1)", "Approval request · Granite Steel Group"},
		"zh": {"待我审批 (1)", "审批申请 · 瑞丰热力集团有限公司"},
	} {
		d, ids := newDriver(t, lang, books(lang), 100, 40)
		if err := d.st.Update(func(tx *store.Tx) error { _, err := tx.RequestApproval(ids[2], "Plant upgrade"); return err }); err != nil {
			t.Fatal(err)
		}
		d.setRole("leadership")
		d.keys("2")
		d.mustShow(lang+" today", w[0], "Plant upgrade")
		for range 8 { // to the last section with items: the approvals
			d.keys("tab")
		}
		d.keys("enter")
		d.mustShow(lang+" enter on the request", w[1], "Plant upgrade")
	}
}

// TestApprovalScreensFitAndListTheirKeys draws the inbox (list and one
// request), the lead screen with its approvals and service orders, and
// today, in both languages from 12x5 to 200x60: no line is wider than the
// terminal, and ? on the lead screen and the inbox lists the new keys.
func TestApprovalScreensFitAndListTheirKeys(t *testing.T) {
	t.Parallel()
	for _, lang := range []string{"en", "zh"} {
		for _, sz := range [][2]int{{80, 24}, {200, 60}, {50, 16}, {12, 5}} {
			t.Run(fmt.Sprintf("%s_%dx%d", lang, sz[0], sz[1]), func(t *testing.T) {
				t.Parallel()
				d, ids := newDriver(t, lang, books(lang), sz[0], sz[1])
				won := ids[7] // Evergreen Utilities, 长城电子: won accounts
				if lang == "zh" {
					won = ids[6]
				}
				err := d.st.Update(func(tx *store.Tx) error {
					if _, err := tx.RequestApproval(ids[2], "Plant upgrade\nphase two"); err != nil {
						return err
					}
					a, err := tx.RequestApproval(ids[0], "")
					if err != nil {
						return err
					}
					if _, err := tx.DecideApproval(a.ID, model.Rejected, "Too early"); err != nil {
						return err
					}
					if err := tx.AddService(&model.ServiceOrder{LeadID: won, Kind: model.ServiceTraining, Status: model.ServiceOpen}); err != nil {
						return err
					}
					return tx.SetRole("leadership")
				})
				if err != nil {
					t.Fatal(err)
				}
				d.keys("5")
				d.frame()
				d.keys("?")
				if sz[0] >= 80 {
					d.mustShow("the inbox's help", map[string]string{"en": "approve", "zh": "批准"}[lang])
				}
				d.keys("?", "enter")
				d.frame()
				d.keys("esc", "esc")
				d.send(openLead(ids[2]))
				d.frame()
				d.keys("?")
				if sz[0] >= 80 {
					d.mustShow("the lead's help", "a ", "s ", "S ", map[string]string{"en": "ask approval", "zh": "申请审批"}[lang])
				}
				d.keys("?")
				d.send(openLead(won))
				d.keys("G")
				d.frame()
				d.keys("esc", "2", "G")
				d.frame()
			})
		}
	}
}

// TestPaletteOpensTheInbox: the palette's action, by its English name in
// both languages, shows the inbox.
func TestPaletteOpensTheInbox(t *testing.T) {
	t.Parallel()
	for lang, want := range map[string]string{"en": "Approvals  0 waiting", "zh": "审批  0 项待审批"} {
		d, _ := newDriver(t, lang, books(lang), 100, 30)
		d.send(ctrl('k'))
		d.keys("text:approvals inbox", "enter")
		d.mustShow(lang+" palette → inbox", want)
	}
}

// TestKeysTypedRightAfter5ReachTheInbox: 5, enter and y typed in one
// burst (before the inbox is read) open the first request and its
// approval form: the keys wait for the page to be read.
func TestKeysTypedRightAfter5ReachTheInbox(t *testing.T) {
	t.Parallel()
	d, ids := newDriver(t, "en", uitest.English, 100, 30)
	if err := d.st.Update(func(tx *store.Tx) error { _, err := tx.RequestApproval(ids[2], ""); return err }); err != nil {
		t.Fatal(err)
	}
	var cmds []tea.Cmd
	for _, k := range []string{"5", "enter", "y"} {
		cmds = append(cmds, d.update(uitest.Key(k)))
	}
	uitest.Run(d.update, tea.Batch(cmds...), d.busy)
	if l := d.firstLine(); !strings.Contains(l, "Approve Granite Steel Group") {
		t.Fatalf("5, enter, y in a burst: %q\n%s", l, d.plain())
	}
}
