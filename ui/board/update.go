package board

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui/common"
	"github.com/fieldcrm/fieldcrm/ui/forms"
)

// Update handles a message and returns the board as changed.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case firstMsg:
		return m.handleFirst(msg)
	case loadedMsg:
		return m.handleLoaded(msg)
	case common.MovedMsg:
		return m.handleMoved(msg)
	case cardMsg:
		if msg.err != nil {
			return m, m.Reload() // deleted meanwhile: read them all
		}
		m.replaceCard(msg.card)
		return m, nil
	case tea.KeyPressMsg:
		if m.filtering {
			return m.handleFilterKey(msg)
		}
		return m.handleKey(msg)
	}
	return m, nil
}

func (m Model) handleLoaded(msg loadedMsg) (Model, tea.Cmd) {
	if msg.req != m.loadReq {
		return m, nil // a later reload is on its way
	}
	if msg.err != nil {
		return m, common.ReportErr(msg.err)
	}
	m.loaded = true
	m.setCards(msg.cards)
	m.want = "" // not on the board (deleted, or filtered out)
	return m, nil
}

func (m Model) handleMoved(msg common.MovedMsg) (Model, tea.Cmd) {
	if msg.Err != nil {
		return m, common.ReportErr(msg.Err)
	}
	m.replaceCard(msg.Card)
	if msg.Undo {
		return m, common.Emit(common.StatusMsg{Text: m.c.Tf("board.undone", msg.Card.Company, m.c.StageLabel(msg.To))})
	}
	m.undo = append(m.undo, msg)
	return m, common.Emit(common.StatusMsg{Text: m.c.Tf("board.moved", msg.Card.Company, m.c.StageLabel(msg.To))})
}

func (m Model) handleKey(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	k := m.keys
	switch {
	case key.Matches(msg, k.Up):
		m.moveSel(0, -1)
	case key.Matches(msg, k.Down):
		m.moveSel(0, 1)
	case key.Matches(msg, k.Left):
		m.moveSel(-1, 0)
	case key.Matches(msg, k.Right):
		m.moveSel(1, 0)
	case key.Matches(msg, k.First):
		m.first()
	case key.Matches(msg, k.Last):
		m.last()
	case key.Matches(msg, k.MoveLeft):
		return m, m.moveSelected(-1)
	case key.Matches(msg, k.MoveRight):
		return m, m.moveSelected(1)
	case key.Matches(msg, k.Won):
		if c, ok := m.Selected(); ok {
			return m, forms.MarkWon(m.c, c.ID)
		}
	case key.Matches(msg, k.Lost):
		if c, ok := m.Selected(); ok {
			return m, forms.MarkLost(m.c, c.ID)
		}
	case key.Matches(msg, k.Approval):
		if c, ok := m.Selected(); ok {
			return m, forms.RequestApproval(m.c, c.ID)
		}
	case key.Matches(msg, k.Undo):
		return m.undoMove()
	case key.Matches(msg, k.Open):
		if c, ok := m.Selected(); ok {
			return m, common.Emit(common.OpenLeadMsg{ID: c.ID})
		}
	case key.Matches(msg, k.New):
		return m, forms.Open(forms.NewLead(m.c))
	case key.Matches(msg, k.Edit):
		if c, ok := m.Selected(); ok {
			return m, forms.EditLead(m.c, c.ID)
		}
	case key.Matches(msg, k.Filter):
		m.filtering = true
		return m, m.filter.Focus()
	case key.Matches(msg, k.Sort):
		m.sort = (m.sort + 1) % sortModes
		m.rebuild()
	}
	return m, nil
}

func (m Model) handleFilterKey(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	switch {
	case key.Matches(msg, m.keys.Accept):
		m.filtering = false
		m.filter.Blur()
		return m, nil
	case key.Matches(msg, m.keys.Clear):
		m.filtering = false
		m.filter.Blur()
		m.filter.SetValue("")
		m.rebuild()
		return m, nil
	}
	before := m.filter.Value()
	var cmd tea.Cmd
	m.filter, cmd = m.filter.Update(msg)
	if m.filter.Value() != before {
		m.rebuild()
	}
	return m, cmd
}

// moveSelected moves the selected lead dir stages along the pipeline:
// lost asks for a reason and won for the contract first.
func (m *Model) moveSelected(dir int) tea.Cmd {
	c, ok := m.Selected()
	if !ok {
		return nil
	}
	p := m.c.Rules.Pipeline
	to := p.Index(c.Stage) + dir
	if to < 0 || to >= len(p.Stages) {
		return nil
	}
	switch stage := p.Stages[to].Key; stage {
	case model.StageLost:
		return forms.Open(forms.Lost(m.c, c))
	case model.StageWon:
		return forms.MarkWon(m.c, c.ID) // says at once when it needs approval
	default:
		return forms.MoveCmd(m.c, c.ID, store.Move{Stage: stage}, false)
	}
}

func (m Model) undoMove() (Model, tea.Cmd) {
	if len(m.undo) == 0 {
		return m, common.Emit(common.StatusMsg{Text: m.c.T("board.nothing_to_undo")})
	}
	last := m.undo[len(m.undo)-1]
	m.undo = m.undo[:len(m.undo)-1]
	return m, forms.MoveCmd(m.c, last.LeadID, store.Move{Stage: last.From, LostReason: last.FromReason}, true)
}
