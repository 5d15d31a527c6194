package lead

import (
	"slices"
	"strings"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/ui/approvals"
	"github.com/fieldcrm/fieldcrm/ui/common"
	"github.com/fieldcrm/fieldcrm/ui/forms"
)

// approvalLines are the lead's approval requests, newest first: each
// one's status, figures, reasons and note, then its decisions (the one in
// force, and any it overruled, marked so). A lead that needs approval and
// has no request says how to ask.
func approvalLines(c *common.Common, d *leadData) []string {
	st := &c.Styles.Lead
	if len(d.approvals) == 0 {
		return []string{"  " + st.Faint.Render(c.Tf("lead.approval_none", forms.Reasons(c, c.Rules.Approval.Needs(&d.lead))))}
	}
	var b []string
	for i, a := range slices.Backward(d.approvals) {
		if i < len(d.approvals)-1 {
			b = append(b, "")
		}
		for j, l := range approvals.DescribeLines(c, &a) {
			if j == 0 {
				l = st.Label.Render(l)
			}
			b = append(b, "  "+l)
		}
		if n := strings.TrimSpace(a.Note); n != "" {
			b = append(b, "  "+st.Label.Render(c.T("approvals.note")+": ")+common.OneLine(n))
		}
		for _, l := range approvals.DecisionLines(c, &a) {
			b = append(b, "    "+l)
		}
	}
	return b
}

// serviceLines are the lead's service orders: kind, status, who does it
// (or the after-sales queue), when it is due, and once done, who signed
// it off and the visit notes' first line.
func serviceLines(c *common.Common, d *leadData) []string {
	st := &c.Styles.Lead
	var b []string
	for _, s := range d.services {
		if s.Deleted {
			continue
		}
		line := "  " + forms.ServiceLine(c, &s)
		if !s.IsOpen() {
			line = "  " + st.Faint.Render(forms.ServiceLine(c, &s))
		}
		b = append(b, line)
		if s.SignedOffBy != "" {
			b = append(b, "    "+c.Tf("service.signed_off", common.OneLine(s.SignedOffBy), s.SignedOffAt.In(loc(c)).Format("2006-01-02")))
		}
		if n := firstLine(s.Notes); n != "" {
			b = append(b, "    "+st.Label.Render(c.T("field.visit_notes")+": ")+common.OneLine(n))
		}
		if s.Status == model.ServiceDone && s.SignedOffBy == "" {
			b = append(b, "    "+st.Faint.Render(c.T("service.not_signed")))
		}
	}
	return b
}
