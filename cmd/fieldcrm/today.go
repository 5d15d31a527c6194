package main

import (
	"fmt"

	"github.com/fieldcrm/fieldcrm/model"
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
	t := sectionTitles[key]
	if a.language() == "zh" {
		return t[1]
	}
	return t[0]
}

func (a *app) todayCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "today",
		Short: "The daily review: overdue, due today, next 7 days, rotting leads, return visits, complaints",
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

func (a *app) printToday(rep store.TodayReport) {
	w := a.out
	printf(w, "%s  (%d)\n", rep.Date, rep.Count())
	for _, sec := range rep.Sections {
		printf(w, "\n%s (%d)\n", a.sectionTitle(sec.Key), len(sec.Items))
		if len(sec.Items) == 0 {
			continue
		}
		t := table{header: []string{"  ID", "DUE", "COMPANY", "ACTION", "STAGE", "VALUE"}, max: []int{0, 0, 30, 36, 0, 0}}
		for _, it := range sec.Items {
			due := it.Due.String()
			switch {
			case sec.Key == store.SectionOverdue:
				due += fmt.Sprintf(" (-%dd)", it.Days)
			case sec.Key == store.SectionRotting:
				due = fmt.Sprintf("+%dd idle", it.Days)
			}
			id := it.TaskID
			if id == "" {
				id = it.ComplaintID
			}
			if id == "" {
				id = it.LeadID
			}
			t.add("  "+store.ShortID(id), due, it.Company, it.Action, a.stageLabel(it.Stage), model.FormatShort(it.Value))
		}
		t.write(w)
	}
}
