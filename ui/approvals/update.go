package approvals

import (
	"errors"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/ui/common"
	"github.com/fieldcrm/fieldcrm/ui/forms"
)

// Update handles a message and returns the page as changed.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case loadedMsg:
		if msg.req != m.req {
			return m, nil
		}
		if msg.err != nil {
			return m, common.ReportErr(msg.err)
		}
		m.setInbox(msg.in)
		return m, nil
	case tea.KeyPressMsg:
		return m.handleKey(msg)
	}
	return m, nil
}

func (m Model) handleKey(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	k := m.keys
	if m.open != "" && key.Matches(msg, k.CloseDetail) {
		m.open = ""
		return m, nil
	}
	switch {
	case key.Matches(msg, k.Back):
		return m, common.Emit(common.BackMsg{})
	case key.Matches(msg, k.Reload):
		return m, m.Load()
	}
	if a, ok := m.Selected(); ok && m.open != "" {
		switch {
		case key.Matches(msg, k.Up):
			m.dtop = max(0, m.dtop-1)
			return m, nil
		case key.Matches(msg, k.Down):
			m.dtop = min(m.dtop+1, m.maxDetailTop(len(m.detailLines(&a))))
			return m, nil
		}
	}
	if m.open == "" {
		switch {
		case key.Matches(msg, k.Up):
			m.move(-1)
			return m, nil
		case key.Matches(msg, k.Down):
			m.move(1)
			return m, nil
		case key.Matches(msg, k.First):
			m.sel = 0
			m.scroll()
			return m, nil
		case key.Matches(msg, k.Last):
			m.sel = max(0, m.count()-1)
			m.scroll()
			return m, nil
		}
	}
	a, ok := m.Selected()
	if !ok {
		return m, nil
	}
	switch {
	case key.Matches(msg, k.Open):
		m.open, m.dtop = a.ID, 0
	case key.Matches(msg, k.Lead):
		return m, common.Emit(common.OpenLeadMsg{ID: a.LeadID})
	case key.Matches(msg, k.Approve):
		return m, m.decide(a, model.Approved)
	case key.Matches(msg, k.Reject):
		return m, m.decide(a, model.Rejected)
	}
	return m, nil
}

// decide opens the comment form of a decision, or says in one sentence
// who decides when the user's role may not.
func (m Model) decide(a model.Approval, verdict string) tea.Cmd {
	if !m.MayDecide() {
		return common.ReportErr(errors.New(m.whoDecides()))
	}
	ref := forms.ApprovalRef{ID: a.ID, LeadID: a.LeadID, Company: m.Company(&a)}
	return forms.Open(forms.Decide(m.c, ref, verdict))
}

// whoDecides is the line of a user who may not decide: who does.
func (m Model) whoDecides() string {
	approvers := m.c.Rules.Approval.Approvers
	if len(approvers) == 0 {
		approvers = []string{"leadership"}
	}
	names := make([]string, len(approvers))
	for i, r := range approvers {
		names[i] = m.c.T("role." + r)
	}
	return m.c.Tf("approvals.read_only", strings.Join(names, m.c.T("approvals.and")), m.c.T("role."+m.in.Role))
}

func (m *Model) move(d int) {
	m.sel = max(0, min(m.sel+d, m.count()-1))
	m.scroll()
}
