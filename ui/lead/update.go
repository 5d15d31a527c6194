package lead

import (
	"errors"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/ui/common"
	"github.com/fieldcrm/fieldcrm/ui/forms"
)

// Update handles a message and returns the screen as changed.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case loadedMsg:
		if msg.req != m.req {
			return m, nil
		}
		if msg.err != nil {
			m.held = nil // keys for a lead that cannot be shown
			return m, common.ReportErr(msg.err)
		}
		m.data, m.cache = msg.data, map[int]rendered{}
		return m, m.render()
	case renderedMsg:
		if msg.req != m.req {
			return m, nil
		}
		m.cache[msg.width] = msg.r
		if msg.width == m.width {
			m.show(msg.r)
			return m.replay()
		}
		return m, nil
	case tea.KeyPressMsg:
		if m.header == "" && !key.Matches(msg, m.keys.Back) { // not on screen yet
			if len(m.held) < maxHeld {
				m.held = append(m.held, msg)
			}
			return m, nil
		}
		return m.handleKey(msg)
	}
	return m, nil
}

// replay applies the keys pressed while the lead loaded, now that it is
// on screen. A key that starts something (opens a form, goes back) ends
// the replay: the keys after it are sent again through the root, which
// gives them to what has the keyboard by then (the form just opened).
func (m Model) replay() (Model, tea.Cmd) {
	held := m.held
	m.held = nil
	for i, k := range held {
		var cmd tea.Cmd
		m, cmd = m.handleKey(k)
		if cmd == nil {
			continue
		}
		cmds := []tea.Cmd{cmd}
		for _, rest := range held[i+1:] {
			cmds = append(cmds, common.Emit(rest))
		}
		return m, tea.Sequence(cmds...)
	}
	return m, nil
}

func (m Model) handleKey(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	k := m.keys
	switch {
	case key.Matches(msg, k.Back):
		return m, common.Emit(common.BackMsg{})
	case key.Matches(msg, k.Up):
		m.vp.ScrollUp(1)
	case key.Matches(msg, k.Down):
		m.vp.ScrollDown(1)
	case key.Matches(msg, k.PageUp):
		m.vp.PageUp()
	case key.Matches(msg, k.PageDown):
		m.vp.PageDown()
	case key.Matches(msg, k.Top):
		m.vp.GotoTop()
	case key.Matches(msg, k.Bottom):
		m.vp.GotoBottom()
	}
	if m.data == nil {
		return m, nil
	}
	l := &m.data.lead
	switch {
	case key.Matches(msg, k.Edit):
		return m, forms.EditLead(m.c, l.ID)
	case key.Matches(msg, k.Contact):
		return m, forms.Open(forms.Contact(m.c, l.ID, l.Company))
	case key.Matches(msg, k.FollowUp):
		return m, forms.Open(forms.FollowUp(m.c, l.ID, l.Company))
	case key.Matches(msg, k.Visit):
		return m, forms.Open(forms.Visit(m.c, l.ID, l.Company, l.MainContact().Name))
	case key.Matches(msg, k.StartVisit):
		return m, common.Emit(common.StartVisitMsg{LeadID: l.ID})
	case key.Matches(msg, k.Delete):
		return m, common.Emit(common.TrashLeadMsg{ID: l.ID, Company: l.Company})
	case key.Matches(msg, k.Won):
		return m, forms.MarkWon(m.c, l.ID)
	case key.Matches(msg, k.Lost):
		return m, forms.MarkLost(m.c, l.ID)
	case key.Matches(msg, k.Approval):
		return m, forms.RequestApproval(m.c, l.ID)
	case key.Matches(msg, k.Service):
		if l.Stage != model.StageWon {
			return m, common.ReportErr(errors.New(m.c.T("lead.service_won_only")))
		}
		return m, forms.Open(forms.AddService(m.c, l.ID, l.Company))
	case key.Matches(msg, k.ServiceVisit):
		return m, forms.UpdateService(m.c, l.ID, "")
	case key.Matches(msg, k.Complaint):
		if l.Stage != model.StageWon {
			return m, common.ReportErr(errors.New(m.c.T("lead.complaint_won_only")))
		}
		return m, forms.Open(forms.Complaint(m.c, l.ID, l.Company))
	}
	return m, nil
}

// View draws the header and the scrolling body.
func (m Model) View() string {
	if m.data == nil {
		return common.Fit(m.c.T("lead.loading"), m.width)
	}
	return m.header + "\n" + m.rule() + "\n" + m.vp.View()
}

// rule is the line under the header; when the body is taller than the
// screen it ends with how far down it is scrolled.
func (m Model) rule() string {
	line := strings.Repeat("─", max(0, m.width))
	if m.vp.TotalLineCount() > m.vp.Height() {
		pct := fmt.Sprintf(" %d%% ", int(m.vp.ScrollPercent()*100+0.5))
		if w := common.Width(pct); m.width > w+2 {
			line = strings.Repeat("─", m.width-w-2) + pct + "──"
		}
	}
	return m.c.Styles.Lead.Faint.Render(line)
}
