package lead

import (
	"fmt"
	"strings"
	"time"

	"github.com/fieldcrm/fieldcrm/i18n"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/ui/common"
	mdrender "github.com/fieldcrm/fieldcrm/ui/markdown"
)

// headerLines is the height of the fixed header above the viewport: two
// lines of facts and the rule, which shows how far the body is scrolled.
const headerLines = 3

// renderLead draws the header and the body for width w. It runs in a
// tea.Cmd: it renders Markdown.
func renderLead(c *common.Common, d *leadData, w int) rendered {
	st := &c.Styles.Lead
	l := &d.lead
	p := c.Rules.Pipeline
	lang := c.Lang()

	prob := l.EffectiveProbability(p)
	facts := []string{
		c.Tf("lead.owner", common.OneLine(l.Owner)),
		c.Tf("lead.value", l.Value.String(), prob),
	}
	if l.Source != "" {
		facts = append(facts, c.Tf("lead.source", c.ChannelLabel(model.Channels, l.Source)))
	}
	facts = append(facts, c.Tf("lead.score", model.ScreeningScore(l.Screening, c.Rules.Screening), len(c.Rules.Screening)))
	if idle, ok := rotting(c, d); ok {
		facts = append(facts, c.Tf("board.idle", idle))
	}
	header := []string{
		common.Cut(st.Company.Render(common.OneLine(l.Company))+"  "+st.Label.Render("["+c.StageLabel(l.Stage)+"]"), w),
		common.Cut(st.Faint.Render(strings.Join(facts, " · ")), w),
	}

	var b []string
	section := func(title string) {
		if len(b) > 0 {
			b = append(b, "")
		}
		b = append(b, st.Section.Render(title))
	}
	field := func(label, value string) {
		if value != "" {
			b = append(b, "  "+st.Label.Render(label+": ")+common.OneLine(value))
		}
	}

	section(c.T("lead.contacts"))
	if len(l.Contacts) == 0 {
		b = append(b, "  "+st.Faint.Render(c.T("lead.none")))
	}
	for _, ct := range l.Contacts {
		parts := []string{}
		for _, s := range []string{ct.Name, ct.Title, ct.Phone, ct.Email} {
			if s != "" {
				parts = append(parts, common.OneLine(s))
			}
		}
		b = append(b, "  "+strings.Join(parts, " · "))
	}
	if place := strings.Join(nonEmpty(l.Region, l.City, l.Address), " "); place != "" || l.Industry != "" {
		field(c.T("field.city"), place)
		field(c.T("field.industry"), l.Industry)
	}
	if len(l.Tags) > 0 {
		field(c.T("lead.tags"), strings.Join(l.Tags, ", "))
	}

	section(c.Tf("lead.screening", model.ScreeningScore(l.Screening, c.Rules.Screening), len(c.Rules.Screening), c.Rules.ScreeningThreshold))
	for _, sc := range c.Rules.Screening {
		lbl := sc.LabelEN
		if lang == i18n.ZH {
			lbl = sc.LabelZH
		}
		if l.Screening[sc.Key] {
			b = append(b, "  "+st.Check.Render("[x]")+" "+lbl)
		} else {
			b = append(b, "  "+st.Faint.Render("[ ]")+" "+lbl)
		}
	}

	if !l.Solution.IsZero() {
		section(c.T("lead.solution"))
		field(c.T("field.products"), l.Solution.Products)
		field(c.T("field.supply_plan"), l.Solution.SupplyPlan)
		field(c.T("field.pricing"), l.Solution.Pricing)
		field(c.T("field.after_sales"), l.Solution.AfterSales)
	}
	if !l.Negotiation.IsZero() {
		section(c.T("lead.negotiation"))
		field(c.T("field.price"), l.Negotiation.Price)
		field(c.T("field.delivery"), l.Negotiation.DeliveryDate)
		field(c.T("field.payment"), l.Negotiation.PaymentTerms)
		field(c.T("field.service"), l.Negotiation.ServiceTerms)
	}
	if !l.Contract.IsZero() {
		section(c.T("lead.contract"))
		field(c.T("field.contract_number"), l.Contract.Number)
		field(c.T("field.signed_on"), l.Contract.SignedOn.String())
		if !l.Contract.Value.IsZero() {
			field(c.T("field.contract_value"), l.Contract.Value.String())
		}
	}
	if l.Stage == model.StageLost && l.LostReason != "" {
		field(c.T("field.lost_reason"), c.ChannelLabel(model.LostReasons, l.LostReason))
	}

	section(c.T("lead.follow_ups"))
	if len(d.tasks) == 0 {
		b = append(b, "  "+st.Faint.Render(c.T("lead.none")))
	}
	today := c.Today()
	for _, t := range d.tasks {
		due := t.EffectiveDue().String()
		if model.BucketOf(t.EffectiveDue(), today) == model.Overdue {
			due = st.Overdue.Render(due + " " + c.T("lead.overdue"))
		}
		b = append(b, "  "+due+"  "+common.OneLine(t.Action))
	}
	if len(d.complaints) > 0 {
		section(c.T("lead.complaints"))
		for _, cp := range d.complaints {
			b = append(b, fmt.Sprintf("  %s  %s · %s  %s", cp.OpenedAt.In(loc(c)).Format("2006-01-02"),
				c.T("severity."+cp.Severity), c.T("complaint."+cp.Status), common.OneLine(firstLine(cp.Description))))
		}
	}

	if len(d.approvals) > 0 || l.Stage != model.StageWon && l.Stage != model.StageLost && len(c.Rules.Approval.Needs(l)) > 0 {
		section(c.T("lead.approvals"))
		b = append(b, approvalLines(c, d)...)
	}
	if len(d.services) > 0 {
		section(c.T("lead.services"))
		b = append(b, serviceLines(c, d)...)
	}

	section(c.T("lead.timeline"))
	if len(d.acts) == 0 {
		b = append(b, "  "+st.Faint.Render(c.T("lead.no_activity")))
	}
	md := markdown(c, w)
	for _, a := range d.acts {
		line := a.StartedAt.In(loc(c)).Format("2006-01-02 15:04") + "  " + st.Label.Render(c.ChannelLabel(model.ActivityKinds, a.Kind))
		if a.Contact != "" {
			line += " · " + common.OneLine(a.Contact)
		}
		if dur := a.Duration(); dur > 0 {
			line += " · " + c.Tf("lead.minutes", int(dur.Minutes()))
		}
		if a.Author != "" {
			line += " · " + common.OneLine(a.Author)
		}
		b = append(b, "", "  "+line)
		field("  "+c.T("field.outcome"), a.Outcome)
		field("  "+c.T("field.feedback"), a.Feedback)
		if a.NextStep != "" {
			field("  "+c.T("field.next_step"), a.NextStep+" ("+a.NextDue.String()+")")
		}
		if notes := a.Notes(); strings.TrimSpace(notes) != "" {
			b = append(b, strings.Split(md(notes), "\n")...)
		}
	}

	for i, line := range b {
		b[i] = common.Cut(line, w)
	}
	return rendered{header: strings.Join(header, "\n"), body: strings.Join(b, "\n")}
}

// markdown returns a renderer of notes for width w.
func markdown(c *common.Common, w int) func(string) string {
	st := mdrender.DefaultStyles(c.Styles.IsDark)
	width := max(10, w-4)
	return func(s string) string {
		// Indented under the activity's heading line.
		return "  " + strings.ReplaceAll(mdrender.Render(s, width-2, st), "\n", "\n  ")
	}
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}

// rotting reports how long a lead past its stage's limit has gone
// untouched, as its card says it ("idle 45d").
func rotting(c *common.Common, d *leadData) (int, bool) {
	st, ok := c.Rules.Pipeline.Stage(d.lead.Stage)
	if !ok {
		return 0, false
	}
	var last time.Time
	if len(d.acts) > 0 {
		last = d.acts[0].StartedAt // newest first
	}
	touch, now := model.LastTouch(d.lead.StageEnteredAt, last), c.Now()
	return model.IdleDays(touch, now), model.RottingDays(st, touch, now) > 0
}
