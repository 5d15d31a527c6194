package main

import (
	"cmp"
	"fmt"

	"github.com/fieldcrm/fieldcrm/i18n"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/spf13/cobra"
)

func init() {
	commandGroups = append(commandGroups, func(root *cobra.Command, a *app) {
		root.AddCommand(a.todayCmd())
	})
}

// sectionTitles name the daily review's sections in both languages.
var sectionTitles = map[string][2]string{
	store.SectionOverdue:     {"Overdue", "已逾期"},
	store.SectionToday:       {"Due today", "今天到期"},
	store.SectionWeek:        {"Next 7 days", "未来7天"},
	store.SectionRotting:     {"Rotting leads", "停滞线索"},
	store.SectionReturnVisit: {"Return visits due", "待回访客户"},
	store.SectionComplaints:  {"Open complaints", "未结投诉"},
}

func (a *app) sectionTitle(key string) string {
	t, ok := sectionTitles[key]
	if !ok {
		return i18n.T(a.language(), "today.section."+key) // the sections of issue 16, named as the UI names them
	}
	if a.language() == "zh" {
		return t[1]
	}
	return t[0]
}

func (a *app) todayCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "today",
		Short: "The daily review: follow-ups, idle leads, visits, complaints, approvals, service",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var rep store.TodayReport
			if err := a.view(func(tx *store.Tx) (err error) { rep, err = tx.Today(); return }); err != nil {
				return err
			}
			if asJSON {
				for i := range rep.Sections {
					if rep.Sections[i].Items == nil {
						rep.Sections[i].Items = []store.TodayItem{}
					}
				}
				return printJSON(a.out, rep)
			}
			a.printToday(rep)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return cmd
}

// todayHeads are the daily review's column headings in both languages:
// what is due and how late it is are apart from how long a lead has sat
// idle, each under a word a salesperson reads at a glance.
var todayHeads = map[string][2]string{
	"id":      {"ID", "编号"},
	"due":     {"DUE", "到期"},
	"late":    {"LATE BY", "逾期"},
	"company": {"COMPANY", "公司"},
	"todo":    {"TO DO", "待办"},
	"idle":    {"IDLE FOR", "未跟进"},
	"next":    {"NEXT STEP", "下一步"},
	"stage":   {"STAGE", "阶段"},
	"value":   {"VALUE", "金额"},
	"visit":   {"VISIT BY", "回访日期"},
	"asked":   {"ASKED", "提交日期"},
	"note":    {"NOTE", "说明"},
	"decided": {"DECIDED", "审批日期"},
	"verdict": {"DECISION", "结果"},
	"kind":    {"SERVICE", "服务"},
}

func (a *app) todayHead(keys ...string) []string {
	zh := a.language() == "zh"
	out := make([]string, len(keys))
	for i, k := range keys {
		if zh {
			out[i] = todayHeads[k][1]
		} else {
			out[i] = todayHeads[k][0]
		}
	}
	return out
}

// days is n days as the daily review says it.
func (a *app) days(n int) string {
	switch {
	case a.language() == "zh":
		return fmt.Sprintf("%d天", n)
	case n == 1:
		return "1 day"
	}
	return fmt.Sprintf("%d days", n)
}

func (a *app) printToday(rep store.TodayReport) {
	w := a.out
	printf(w, "%s  (%d)\n", rep.Date, rep.Count())
	for _, sec := range rep.Sections {
		printf(w, "\n%s (%d)\n", a.sectionTitle(sec.Key), len(sec.Items))
		if len(sec.Items) == 0 {
			continue
		}
		a.todayTable(sec).write(w)
	}
}

// todayTable lays out one section: follow-ups by when they are due (and
// how late), rotting leads by how long they have sat idle, return visits
// by when the visit is due.
func (a *app) todayTable(sec store.TodaySection) *table {
	t := &table{}
	switch sec.Key {
	case store.SectionOverdue:
		t.header = a.todayHead("id", "due", "late", "company", "todo", "stage", "value")
		t.max = []int{0, 0, 0, 30, 36, 0, 0}
	case store.SectionRotting:
		t.header = a.todayHead("id", "idle", "company", "stage", "next", "due", "value")
		t.max = []int{0, 0, 30, 0, 36, 0, 0}
	case store.SectionReturnVisit:
		t.header = a.todayHead("id", "visit", "company", "stage", "value")
		t.max = []int{0, 0, 30, 0, 0}
	case store.SectionApprovals:
		t.header = a.todayHead("id", "asked", "company", "note", "stage", "value")
		t.max = []int{0, 0, 30, 36, 0, 0}
	case store.SectionDecisions:
		t.header = a.todayHead("id", "decided", "company", "verdict", "stage", "value")
		t.max = []int{0, 0, 30, 0, 0, 0}
	case store.SectionService:
		t.header = a.todayHead("id", "due", "company", "kind", "stage", "value")
		t.max = []int{0, 0, 30, 0, 0, 0}
	default:
		t.header = a.todayHead("id", "due", "company", "todo", "stage", "value")
		t.max = []int{0, 0, 30, 36, 0, 0}
	}
	t.right = make([]bool, len(t.header))
	t.right[len(t.right)-1] = true
	for _, it := range sec.Items {
		id := cmp.Or(it.TaskID, it.ComplaintID, it.ApprovalID, it.ServiceID, it.LeadID)
		id, stage, value := store.ShortID(id), a.stageLabel(it.Stage), i18n.Amount(a.language(), it.Value)
		due := ""
		if !it.Due.IsZero() {
			due = it.Due.String()
		}
		switch sec.Key {
		case store.SectionOverdue:
			t.add(id, due, a.days(it.Days), it.Company, it.Action, stage, value)
		case store.SectionRotting:
			t.add(id, a.days(a.idleDays(it)), it.Company, stage, it.Action, due, value)
		case store.SectionReturnVisit:
			t.add(id, due, it.Company, stage, value)
		case store.SectionDecisions:
			t.add(id, due, it.Company, a.verdict(it.Action), stage, value)
		case store.SectionService:
			t.add(id, orDash(due), it.Company, a.kindLabel(it.Action), stage, value)
		default:
			t.add(id, due, it.Company, it.Action, stage, value)
		}
	}
	return t
}

// idleDays is how long a rotting lead has gone untouched: the days past
// its stage's limit, which is what the store reports, plus the limit.
func (a *app) idleDays(it store.TodayItem) int {
	if s, ok := a.rules().Pipeline.Stage(it.Stage); ok {
		return it.Days + s.RottingDays
	}
	return it.Days
}
