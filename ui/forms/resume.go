package forms

import (
	"errors"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui/common"
)

// Resume returns the command that shows a form again as its draft d left
// it: the same form for the same lead, every field as typed, saving over
// the same draft (which its save deletes). It replies with an OpenMsg.
func Resume(c *common.Common, d store.Draft) tea.Cmd {
	return common.Emit(BookMsg{Do: func(bk Book) tea.Msg {
		m, err := reopen(c, bk, d)
		if err != nil {
			return common.ErrMsg{Err: err}
		}
		m.resumeFrom(d)
		return OpenMsg{Form: m}
	}})
}

// reopen builds the form a draft was typed in, reading what it needs of
// its lead as it is now.
func reopen(c *common.Common, bk Book, d store.Draft) (*Model, error) {
	a := d.Args
	card := func() (store.Card, error) { return bk.Card(d.LeadID) }
	switch d.Form {
	case "new_lead":
		return NewLead(c), nil
	case "edit_lead":
		l, err := bk.Lead(d.LeadID)
		return editLead(c, l), err
	case "contact":
		return Contact(c, d.LeadID, d.Company), nil
	case "follow_up":
		return FollowUp(c, d.LeadID, d.Company), nil
	case "visit":
		return Visit(c, d.LeadID, d.Company, a["contact"]), nil
	case "complaint":
		return Complaint(c, d.LeadID, d.Company), nil
	case "call":
		return Call(c, d.LeadID, d.Company, a["contact"]), nil
	case "done":
		return Done(c, itemOf(d)), nil
	case "snooze":
		return Snooze(c, itemOf(d)), nil
	case "end_visit":
		return EndVisit(c, VisitEnd{ActivityID: a["activity"], LeadID: d.LeadID, Company: d.Company, Notes: a["notes"], DraftID: a["notes_draft"]}), nil
	case "approval":
		return requestForm(c, bk, d.LeadID)
	case "decide":
		return Decide(c, ApprovalRef{ID: a["approval"], LeadID: d.LeadID, Company: d.Company}, a["verdict"]), nil
	case "service":
		return AddService(c, d.LeadID, d.Company), nil
	case "service_visit":
		return serviceVisitForm(c, bk, d.LeadID, "")
	case "lost", "won":
		cd, err := card()
		if err != nil {
			return nil, err
		}
		if d.Form == "lost" {
			return Lost(c, cd), nil
		}
		return Won(c, cd), nil
	}
	return nil, errors.New(c.Tf("form.unknown_draft", d.Form))
}

// resumeFrom puts the draft's fields back and saves over the draft. What
// the form opened with stays the form's initial state, so esc asks again.
func (m *Model) resumeFrom(d store.Draft) {
	for _, f := range m.spec.fields {
		if v, ok := d.Fields[f.name]; ok {
			f.set(v)
		}
	}
	d.Kind, d.Form = DraftKind, m.spec.form
	m.opened = d
}

func (it Item) args() map[string]string {
	return map[string]string{"action": it.Action, "task": it.TaskID, "complaint": it.ComplaintID}
}

func itemOf(d store.Draft) Item {
	return Item{LeadID: d.LeadID, Company: d.Company, Action: d.Args["action"], TaskID: d.Args["task"], ComplaintID: d.Args["complaint"]}
}

func (v VisitEnd) args() map[string]string {
	return map[string]string{"activity": v.ActivityID, "notes": v.Notes, "notes_draft": v.DraftID}
}

// notesField is a multi-line notes box: enter is a new line, tab moves
// on, ctrl+s saves the form, and the box grows with the terminal.
func notesField(c *common.Common, title string, val *string) *huh.Text {
	return huh.NewText().Title(title).Lines(notesLines(c)).CharLimit(model.MaxNotesLen).Value(val)
}
