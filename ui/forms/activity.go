package forms

import (
	"strconv"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/ui/common"
)

// Contact adds a contact person to a lead.
func Contact(c *common.Common, leadID, company string) *Model {
	d := &model.Contact{}
	build := func() *huh.Form {
		return huh.NewForm(huh.NewGroup(
			input(c.T("field.name"), &d.Name, model.MaxNameLen, required(c, checkName(c))),
			input(c.T("field.title"), &d.Title, model.MaxNameLen, nil),
			input(c.T("field.phone"), &d.Phone, 40, checkPhone(c)),
			input(c.T("field.email"), &d.Email, model.MaxNameLen, checkEmail(c)),
		))
	}
	sp := spec{form: "contact", leadID: leadID, company: company, fields: []field{
		str("name", &d.Name), str("title", &d.Title), str("phone", &d.Phone), str("email", &d.Email)}}
	return newModel(c, sp, c.Tf("form.contact", company), build, func(bk Book, draft string) (tea.Msg, error) {
		ct := *d
		ct.Name, ct.Phone, ct.Email = strings.TrimSpace(ct.Name), strings.TrimSpace(ct.Phone), strings.TrimSpace(ct.Email)
		err := bk.EditLead(leadID, func(l *model.Lead) error {
			l.Contacts = append(l.Contacts, ct)
			return nil
		}, draft)
		return common.ChangedMsg{LeadID: leadID}, err
	})
}

type followData struct{ Due, Action string }

// FollowUp sets a lead's next follow-up (closing the open ones).
func FollowUp(c *common.Common, leadID, company string) *Model {
	d := &followData{Due: c.Today().AddDays(1).String()}
	build := func() *huh.Form {
		return huh.NewForm(huh.NewGroup(
			input(c.T("field.due"), &d.Due, 20, checkDate(c, false)).Placeholder(c.T("form.ph_due")),
			input(c.T("field.action"), &d.Action, 200, required(c, nil)),
		))
	}
	sp := spec{form: "follow_up", leadID: leadID, company: company, fields: []field{
		str("due", &d.Due), str("action", &d.Action)}}
	return newModel(c, sp, c.Tf("form.follow_up", company), build, func(bk Book, draft string) (tea.Msg, error) {
		due, err := model.ParseDate(d.Due, c.Today())
		if err != nil {
			return nil, &model.FieldError{Field: "due", Problem: err.Error()}
		}
		err = bk.SetFollowUp(leadID, due, strings.TrimSpace(d.Action), draft)
		return common.ChangedMsg{LeadID: leadID}, err
	})
}

type visitData struct {
	Day, Minutes, Contact, Notes, Outcome, NextStep, NextDue string
}

// Visit logs a visit that already happened: day, length, notes (Markdown),
// outcome and the next step, which becomes the next follow-up.
func Visit(c *common.Common, leadID, company, contact string) *Model {
	// The contact's name is stored text: shown (and so saved) escaped.
	d := &visitData{Day: c.Today().String(), Minutes: "30", Contact: model.Printable(contact)}
	build := func() *huh.Form {
		return huh.NewForm(huh.NewGroup(
			input(c.T("field.visit_day"), &d.Day, 20, checkDateTime(c)),
			input(c.T("field.minutes"), &d.Minutes, 4, checkInt(c, 0, 1440)),
			input(c.T("field.contact"), &d.Contact, model.MaxNameLen, nil),
			notesField(c, c.T("field.notes"), &d.Notes),
			input(c.T("field.outcome"), &d.Outcome, 400, nil),
			input(c.T("field.next_step"), &d.NextStep, 200, nil),
			input(c.T("field.next_due"), &d.NextDue, 20, checkDate(c, true)).Placeholder(c.T("form.ph_next_due")),
		))
	}
	sp := spec{form: "visit", leadID: leadID, company: company, args: map[string]string{"contact": contact}, fields: []field{
		str("day", &d.Day), str("minutes", &d.Minutes), str("contact", &d.Contact), notes("notes", &d.Notes),
		str("outcome", &d.Outcome), str("next_step", &d.NextStep), str("next_due", &d.NextDue)}}
	return newModel(c, sp, c.Tf("form.visit", company), build, func(bk Book, draft string) (tea.Msg, error) {
		mins, _ := strconv.Atoi(strings.TrimSpace(d.Minutes))
		var err error
		var start time.Time
		if day, err := model.ParseDate(d.Day, c.Today()); err == nil {
			// A day alone: today's visit ended just now, another day's
			// started at ten.
			now := c.Now().In(c.Rules.Location)
			start = time.Date(day.Y, day.M, day.D, now.Hour(), now.Minute(), 0, 0, c.Rules.Location)
			if day != c.Today() {
				start = time.Date(day.Y, day.M, day.D, 10, 0, 0, 0, c.Rules.Location)
			} else {
				start = start.Add(-time.Duration(mins) * time.Minute)
			}
		} else if start, err = model.ParseDateTime(d.Day, c.Now(), c.Rules.Location); err != nil {
			return nil, &model.FieldError{Field: "day", Problem: err.Error()}
		}
		a := &model.Activity{
			LeadID: leadID, Kind: model.KindVisit, StartedAt: start,
			EndedAt: start.Add(time.Duration(mins) * time.Minute),
			Contact: strings.TrimSpace(d.Contact), Outcome: strings.TrimSpace(d.Outcome),
			NextStep: strings.TrimSpace(d.NextStep),
		}
		if strings.TrimSpace(d.NextDue) != "" {
			if a.NextDue, err = model.ParseDate(d.NextDue, c.Today()); err != nil {
				return nil, &model.FieldError{Field: "next due", Problem: err.Error()}
			}
		}
		if a.NextStep != "" && a.NextDue.IsZero() {
			a.NextDue = model.DefaultNextDue(c.Today())
		}
		err = bk.AddActivity(a, d.Notes, draft)
		return common.ChangedMsg{LeadID: leadID}, err
	})
}

type complaintData struct{ Severity, Description string }

// Complaint opens a complaint on a won account.
func Complaint(c *common.Common, leadID, company string) *Model {
	d := &complaintData{Severity: "medium"}
	opts := make([]huh.Option[string], 0, len(model.Severities))
	for _, s := range model.Severities {
		opts = append(opts, huh.NewOption(c.T("severity."+s), s))
	}
	build := func() *huh.Form {
		return huh.NewForm(huh.NewGroup(
			huh.NewSelect[string]().Title(c.T("field.severity")).Options(opts...).Value(&d.Severity),
			notesField(c, c.T("field.description"), &d.Description).CharLimit(model.MaxTextLen).Validate(required(c, nil)),
		))
	}
	sp := spec{form: "complaint", leadID: leadID, company: company, fields: []field{
		str("severity", &d.Severity), notes("description", &d.Description)}}
	return newModel(c, sp, c.Tf("form.complaint", company), build, func(bk Book, draft string) (tea.Msg, error) {
		err := bk.AddComplaint(&model.Complaint{LeadID: leadID, Severity: d.Severity, Description: strings.TrimSpace(d.Description)}, draft)
		return common.ChangedMsg{LeadID: leadID}, err
	})
}
