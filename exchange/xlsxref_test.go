package exchange

import (
	"fmt"
	"io"
	"strings"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/xuri/excelize/v2"
)

// excelizeWriteXLSX is the export as it was written with excelize, kept
// as the reference our own writer must match cell for cell.
func excelizeWriteXLSX(w io.Writer, b *book, lang string) error {
	zh := lang == "zh"
	name := func(en, cn string) string {
		if zh {
			return cn
		}
		return en
	}
	f := excelize.NewFile()
	defer f.Close()
	leadsSheet := name("Leads", "客户")
	if err := f.SetSheetName("Sheet1", leadsSheet); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(leadsSheet)
	if err != nil {
		return err
	}
	if err := sw.SetRow("A1", refCells(b.leadHeader(lang))); err != nil {
		return err
	}
	for i := range b.dump.Leads {
		cells := b.leadRow(&b.dump.Leads[i], lang)
		row := make([]any, len(cells))
		for j, c := range cells {
			if c.num != nil {
				row[j] = *c.num
			} else {
				row[j] = c.text
			}
		}
		if err := sw.SetRow(refCellName(i+2), row); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}

	company := func(id string) string {
		if l := b.leads[id]; l != nil {
			return l.Company
		}
		return ""
	}
	actSheet := name("Activities", "活动")
	if _, err := f.NewSheet(actSheet); err != nil {
		return err
	}
	if sw, err = f.NewStreamWriter(actSheet); err != nil {
		return err
	}
	hdr := []string{"Lead ID", "Company", "Kind", "Started", "Ended", "Contact", "Notes", "Feedback", "Outcome", "Next step", "Next due", "Author"}
	if zh {
		hdr = []string{"客户编号", "公司名称", "类型", "开始", "结束", "联系人", "记录", "客户反馈", "结果", "下一步", "下一步日期", "记录人"}
	}
	if err := sw.SetRow("A1", refCells(hdr)); err != nil {
		return err
	}
	for i, a := range b.dump.Activities {
		kind := a.Kind
		for _, k := range model.ActivityKinds {
			if k.Key == a.Kind {
				kind = k.LabelEN
				if zh {
					kind = k.LabelZH
				}
			}
		}
		ended := ""
		if !a.EndedAt.IsZero() {
			ended = a.EndedAt.In(b.rules.Location).Format("2006-01-02 15:04")
		}
		row := []string{a.LeadID, company(a.LeadID), kind, a.StartedAt.In(b.rules.Location).Format("2006-01-02 15:04"), ended,
			a.Contact, clipCell(a.Notes()), a.Feedback, a.Outcome, a.NextStep, a.NextDue.String(), a.Author}
		if err := sw.SetRow(refCellName(i+2), refCells(row)); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}

	taskSheet := name("Follow-ups", "跟进")
	if _, err := f.NewSheet(taskSheet); err != nil {
		return err
	}
	if sw, err = f.NewStreamWriter(taskSheet); err != nil {
		return err
	}
	hdr = []string{"Lead ID", "Company", "Due", "Action", "Done", "Snoozed until", "Assignee"}
	if zh {
		hdr = []string{"客户编号", "公司名称", "到期", "事项", "已完成", "推迟到", "负责人"}
	}
	if err := sw.SetRow("A1", refCells(hdr)); err != nil {
		return err
	}
	for i, t := range b.dump.Tasks {
		done := ""
		if t.Done {
			done = name("yes", "是")
		}
		row := []string{t.LeadID, company(t.LeadID), t.Due.String(), t.Action, done, t.SnoozedUntil.String(), t.Assignee}
		if err := sw.SetRow(refCellName(i+2), refCells(row)); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	_, err = f.WriteTo(w)
	return err
}

func refCellName(row int) string { return fmt.Sprintf("A%d", row) }

func refCells(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = strings.Clone(clipCell(s))
	}
	return out
}
