package forms

import (
	"errors"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/ui/common"
)

// The forms of service orders (售后服务): one adds an order to a won
// account, one records a visit on an open order (scheduled, done with the
// customer's sign-off, or cancelled).

type serviceData struct{ Kind, Assignee, Due string }

// AddService adds a service order to a lead; an empty assignee leaves it
// in the after-sales queue.
func AddService(c *common.Common, leadID, company string) *Model {
	d := &serviceData{Kind: model.ServiceMaintenance, Due: c.Today().AddDays(model.DefaultHandoff().ServiceDueDays).String()}
	kinds := make([]huh.Option[string], len(model.ServiceKinds))
	for i, k := range model.ServiceKinds {
		kinds[i] = huh.NewOption(c.T("service.kind."+k), k)
	}
	build := func() *huh.Form {
		return huh.NewForm(huh.NewGroup(
			huh.NewSelect[string]().Title(c.T("field.service_kind")).Options(kinds...).Value(&d.Kind),
			input(c.T("field.assignee"), &d.Assignee, model.MaxNameLen, checkUser(c)).Placeholder(c.T("service.queue")),
			input(c.T("field.due"), &d.Due, 20, checkDate(c, true)).Placeholder(c.T("form.ph_due")),
		))
	}
	sp := spec{form: "service", leadID: leadID, company: company, fields: []field{
		str("kind", &d.Kind), str("assignee", &d.Assignee), str("due", &d.Due)}}
	return newModel(c, sp, c.Tf("service.add_title", company), build, func(bk Book, draft string) (tea.Msg, error) {
		s := &model.ServiceOrder{LeadID: leadID, Kind: d.Kind, Assignee: strings.TrimSpace(d.Assignee), Status: model.ServiceOpen}
		if strings.TrimSpace(d.Due) != "" {
			due, err := model.ParseDate(d.Due, c.Today())
			if err != nil {
				return nil, &model.FieldError{Field: "due", Problem: err.Error()}
			}
			s.Due = due
		}
		return common.ChangedMsg{LeadID: leadID}, bk.AddService(s, draft)
	})
}

// checkUser refuses a name with spaces or an @: the assignee is one
// user's login name (a queue is the empty field).
func checkUser(c *common.Common) func(string) error {
	return func(s string) error {
		if strings.ContainsAny(strings.TrimSpace(s), "@ \t\n") {
			return errors.New(c.T("form.err_user"))
		}
		return nil
	}
}

type serviceVisitData struct{ Order, Status, Due, Notes, SignedBy string }

// UpdateService returns the command that opens the form recording work
// on one of a lead's open service orders, orderID picked first when set;
// a lead with none is refused with a sentence.
func UpdateService(c *common.Common, leadID, orderID string) tea.Cmd {
	return common.Emit(BookMsg{Do: func(bk Book) tea.Msg {
		m, err := serviceVisitForm(c, bk, leadID, orderID)
		if err != nil {
			return common.ErrMsg{Err: err}
		}
		return OpenMsg{Form: m}
	}})
}

func serviceVisitForm(c *common.Common, bk Book, leadID, orderID string) (*Model, error) {
	card, err := bk.Card(leadID)
	if err != nil {
		return nil, err
	}
	all, err := bk.ServicesOf(leadID)
	if err != nil {
		return nil, err
	}
	var open []model.ServiceOrder
	for _, s := range all {
		switch {
		case !s.IsOpen():
		case s.ID == orderID:
			open = append([]model.ServiceOrder{s}, open...)
		default:
			open = append(open, s)
		}
	}
	if len(open) == 0 {
		return nil, errors.New(c.Tf("service.none_open", common.OneLine(card.Company)))
	}
	return ServiceVisit(c, leadID, card.Company, open), nil
}

// ServiceVisit records work on one of orders: scheduled for a day, done
// with visit notes and who signed it off for the customer, or cancelled.
func ServiceVisit(c *common.Common, leadID, company string, orders []model.ServiceOrder) *Model {
	d := &serviceVisitData{Order: orders[0].ID, Status: model.ServiceDone, Due: c.Today().String()}
	opts := make([]huh.Option[string], len(orders))
	for i, s := range orders {
		opts[i] = huh.NewOption(ServiceLine(c, &s), s.ID)
	}
	statuses := make([]huh.Option[string], 0, 3)
	for _, s := range []string{model.ServiceDone, model.ServiceScheduled, model.ServiceCancelled} {
		statuses = append(statuses, huh.NewOption(c.T("service.status."+s), s))
	}
	build := func() *huh.Form {
		return huh.NewForm(
			huh.NewGroup(
				huh.NewSelect[string]().Title(c.T("field.service_order")).Options(opts...).Value(&d.Order),
				huh.NewSelect[string]().Title(c.T("field.service_status")).Options(statuses...).Value(&d.Status),
			),
			huh.NewGroup(
				input(c.T("field.due"), &d.Due, 20, checkDate(c, false)).Placeholder(c.T("form.ph_due")),
			).WithHideFunc(func() bool { return d.Status != model.ServiceScheduled }),
			huh.NewGroup(
				notesField(c, c.T("field.visit_notes"), &d.Notes).CharLimit(model.MaxTextLen),
				input(c.T("field.signed_off_by"), &d.SignedBy, model.MaxNameLen, nil),
			).WithHideFunc(func() bool { return d.Status != model.ServiceDone }),
		)
	}
	sp := spec{form: "service_visit", leadID: leadID, company: company, fields: []field{
		str("order", &d.Order), str("status", &d.Status), str("due", &d.Due), notes("notes", &d.Notes), str("signed_by", &d.SignedBy)}}
	return newModel(c, sp, c.Tf("service.visit_title", company), build, func(bk Book, draft string) (tea.Msg, error) {
		var due model.Date
		if d.Status == model.ServiceScheduled {
			var err error
			if due, err = model.ParseDate(d.Due, c.Today()); err != nil {
				return nil, &model.FieldError{Field: "due", Problem: err.Error()}
			}
		}
		now := c.Now()
		err := bk.EditService(d.Order, func(s *model.ServiceOrder) error {
			s.Status = d.Status
			switch d.Status {
			case model.ServiceScheduled:
				s.Due = due
			case model.ServiceDone:
				if n := strings.TrimSpace(d.Notes); n != "" {
					s.Notes = strings.TrimSpace(s.Notes + "\n\n" + n)
				}
				if by := strings.TrimSpace(d.SignedBy); by != "" {
					s.SignedOffBy, s.SignedOffAt = by, now
				}
				s.DoneAt = now
			}
			return nil
		}, draft)
		return common.ChangedMsg{LeadID: leadID}, err
	})
}

// ServiceLine is a service order in one line: kind, status, who does it
// (or the after-sales queue) and when it is due.
func ServiceLine(c *common.Common, s *model.ServiceOrder) string {
	who := common.OneLine(s.Assignee)
	if who == "" {
		who = c.T("service.queue")
	}
	parts := []string{c.T("service.kind." + s.Kind), c.T("service.status." + s.Status), who}
	if !s.Due.IsZero() {
		parts = append(parts, c.Tf("service.due", s.Due.String()))
	}
	return strings.Join(parts, " · ")
}
