package forms

import (
	"errors"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"github.com/fieldcrm/fieldcrm/i18n"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui/common"
)

// The forms of approvals (审批): a rep asks for approval of a deal with a
// note, seeing the figures and the reasons the company's rules give; an
// approver approves or rejects with a comment. Both are drafts like
// every form.

type requestData struct{ Note string }

// RequestApproval returns the command that opens the request form for a
// lead, with its figures as they are now; a lead that already has a
// request waiting is refused with a sentence, as the CLI refuses it.
func RequestApproval(c *common.Common, leadID string) tea.Cmd {
	return common.Emit(BookMsg{Do: func(bk Book) tea.Msg {
		m, err := requestForm(c, bk, leadID)
		if err != nil {
			return common.ErrMsg{Err: err}
		}
		return OpenMsg{Form: m}
	}})
}

func requestForm(c *common.Common, bk Book, leadID string) (*Model, error) {
	l, err := bk.Lead(leadID)
	if err != nil {
		return nil, err
	}
	aps, err := bk.ApprovalsOf(leadID)
	if err != nil {
		return nil, err
	}
	for _, a := range aps {
		if !a.Deleted && a.Status() == model.Pending {
			return nil, errors.New(c.Tf("approval.pending_already", common.OneLine(l.Company),
				a.RequestedAt.In(c.Location()).Format("2006-01-02")))
		}
	}
	return Request(c, l), nil
}

// Request asks for approval of lead l's deal: the figures the request
// will carry and the reasons the rules give are shown above the note.
func Request(c *common.Common, l model.Lead) *Model {
	d := &requestData{}
	figures := noteText(strings.Join(Figures(c, &l), "\n"))
	build := func() *huh.Form {
		return huh.NewForm(huh.NewGroup(
			huh.NewNote().Title(c.T("approval.figures")).Description(figures),
			notesField(c, c.T("field.approval_note"), &d.Note).CharLimit(model.MaxTextLen),
		))
	}
	sp := spec{form: "approval", leadID: l.ID, company: l.Company, fields: []field{notes("note", &d.Note)}}
	return newModel(c, sp, c.Tf("approval.request_title", l.Company), build, func(bk Book, draft string) (tea.Msg, error) {
		_, err := bk.RequestApproval(l.ID, strings.TrimSpace(d.Note), draft)
		return common.ChangedMsg{LeadID: l.ID}, err
	})
}

// Figures are the lines a request shows of a deal: its value, discount
// and channel, and why the rules want it approved.
func Figures(c *common.Common, l *model.Lead) []string {
	out := []string{c.Tf("approval.value", model.DealValue(l).String())}
	if l.Negotiation.DiscountPct > 0 {
		out = append(out, c.Tf("approval.discount", l.Negotiation.DiscountPct))
	}
	if l.Source != "" {
		out = append(out, c.Tf("approval.channel", c.ChannelLabel(model.Channels, l.Source)))
	}
	if reasons := c.Rules.Approval.Needs(l); len(reasons) > 0 {
		out = append(out, c.Tf("approval.reasons", Reasons(c, reasons)))
	} else {
		out = append(out, c.T("approval.no_reasons"))
	}
	return out
}

// Reasons says in the UI language why the rules want a deal approved,
// with the rules' own figures ("value of 1,000,000.00 CNY or more").
func Reasons(c *common.Common, reasons []string) string {
	r := c.Rules.Approval
	out := make([]string, len(reasons))
	for i, k := range reasons {
		switch k {
		case model.ReasonValue:
			out[i] = c.Tf("approval.reason.value", r.MinValue.String())
		case model.ReasonDiscount:
			out[i] = c.Tf("approval.reason.discount", r.MaxDiscountPct)
		case model.ReasonChannel:
			out[i] = c.T("approval.reason.channel")
		default:
			out[i] = k
		}
	}
	sep := ", "
	if c.Lang() == i18n.ZH {
		sep = "、"
	}
	return strings.Join(out, sep)
}

// noteText escapes what huh's note would read as markup.
func noteText(s string) string {
	return strings.NewReplacer(`\`, `\\`, "_", `\_`, "*", `\*`, "`", "\\`").Replace(s)
}

// ApprovalRef names a request for the decision form.
type ApprovalRef struct{ ID, LeadID, Company string }

type decideData struct{ Note string }

// Decide approves or rejects a request (verdict model.Approved or
// model.Rejected) with a comment, which a rejection requires: the rep
// needs to know what to change.
func Decide(c *common.Common, ref ApprovalRef, verdict string) *Model {
	d := &decideData{}
	var check func(string) error
	if verdict == model.Rejected {
		check = required(c, nil)
	}
	build := func() *huh.Form {
		return huh.NewForm(huh.NewGroup(
			notesField(c, c.T("field.decision_note"), &d.Note).CharLimit(model.MaxTextLen).Validate(orNil(check)),
		))
	}
	sp := spec{form: "decide", leadID: ref.LeadID, company: ref.Company,
		args: map[string]string{"approval": ref.ID, "verdict": verdict}, fields: []field{notes("note", &d.Note)}}
	return newModel(c, sp, c.Tf("approval.decide_title."+verdict, ref.Company), build, func(bk Book, draft string) (tea.Msg, error) {
		_, err := bk.DecideApproval(ref.ID, verdict, strings.TrimSpace(d.Note), draft)
		switch {
		case errors.Is(err, store.ErrMayNotDecide):
			// The role changed since the inbox was read (a sync): said
			// in the UI's language; the comment stays in the form.
			err = errors.New(c.T("approval.may_not_decide"))
		case errors.Is(err, store.ErrOwnRequest):
			err = errors.New(c.T("approval.own_request"))
		}
		return common.ChangedMsg{LeadID: ref.LeadID}, err
	})
}

func orNil(check func(string) error) func(string) error {
	if check == nil {
		return func(string) error { return nil }
	}
	return check
}

// ApprovalNeeded says in one sentence, in the UI language, that a move
// to won was refused for want of approval and that a asks for it; false
// when err is another error.
func ApprovalNeeded(c *common.Common, err error) (string, bool) {
	var ae *model.ApprovalError
	if !errors.As(err, &ae) {
		return "", false
	}
	return c.Tf("approval.needed", common.OneLine(ae.Company), Reasons(c, ae.Reasons)), true
}
