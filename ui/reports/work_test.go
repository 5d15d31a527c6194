package reports

import (
	"strings"
	"testing"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui/internal/uitest"
)

// TestApprovalAndServiceTabs: the last two tabs (shift+tab from the
// first) show open service work, with the period line saying no period
// applies, and approval turnaround, over a book where wang asked and
// decided one request and another waits, and a won account has two
// open orders, one overdue; in both languages, within the width.
func TestApprovalAndServiceTabs(t *testing.T) {
	for _, tc := range []struct {
		lang string
		book []uitest.Lead
		want [2][]string // service tab, approvals tab
	}{
		{"en", uitest.English, [2][]string{{"Open service work · as of 2026-11-27", "Period: none, the work open today", "Evergreen Utilities", "Total"},
			{"Approval turnaround · 2026-Q4", "Period: default (2026-Q4)", "By approver", "Still pending: 1"}}},
		{"zh", uitest.Chinese, [2][]string{{"未完成的售后服务 · 截至 2026-11-27", "期间：不适用", "长城电子实业有限公司", "合计"},
			{"审批周期 · 2026-Q4", "按审批人", "仍待审批：1"}}},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			st := uitest.Store(t)
			ids := uitest.Seed(t, st, tc.book)
			err := st.Update(func(tx *store.Tx) error {
				var won, open []string
				for _, id := range ids {
					l, err := tx.Lead(id)
					if err != nil {
						return err
					}
					if l.Stage == model.StageWon {
						won = append(won, id)
					} else if l.Stage != model.StageLost {
						open = append(open, id)
					}
				}
				a, err := tx.RequestApproval(open[0], "")
				if err != nil {
					return err
				}
				if _, err := tx.DecideApproval(a.ID, model.Rejected, ""); err != nil {
					return err
				}
				if _, err := tx.RequestApproval(open[1], ""); err != nil {
					return err
				}
				today := model.DateOf(uitest.Now)
				for _, s := range []model.ServiceOrder{
					{LeadID: won[0], Kind: model.ServiceInstall, Due: today.AddDays(-3)},
					{LeadID: won[0], Kind: model.ServiceTraining, Due: today.AddDays(5)},
				} {
					if err := tx.AddService(&s); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			m := New(uitest.Common(st, tc.lang, 80, 24), nil, plan, storeBook{st})
			m.SetSize(80, 24)
			m = run(t, m, m.Open())
			for i, want := range tc.want {
				m = press(t, m, "shift+tab")
				v := view(t, m)
				if kind := []string{"service", "approvals"}[i]; m.Tab() != kind {
					t.Fatalf("tab %s, want %s", m.Tab(), kind)
				}
				for _, w := range want {
					if !strings.Contains(v, w) {
						t.Errorf("%s lacks %q:\n%s", m.Tab(), w, v)
					}
				}
			}
		})
	}
}
