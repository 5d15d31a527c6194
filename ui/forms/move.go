package forms

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui/common"
)

// MoveCmd moves a lead in one durable write and replies with a
// common.MovedMsg carrying the lead's new card. number, when set, is the
// contract number saved with a move to won.
func MoveCmd(c *common.Common, id string, mv store.Move, undo bool) tea.Cmd {
	return func() tea.Msg { return move(c, id, mv, "", undo) }
}

func move(c *common.Common, id string, mv store.Move, number string, undo bool) common.MovedMsg {
	data := c.Data
	msg := common.MovedMsg{LeadID: id, To: mv.Stage, Undo: undo}
	msg.Err = data.Update(func(tx *store.Tx) error {
		l, err := tx.Lead(id)
		if err != nil {
			return err
		}
		msg.From, msg.FromReason = l.Stage, l.LostReason
		if l, err = tx.MoveLead(id, mv); err != nil {
			return err
		}
		if number != "" {
			l.Contract.Number = number
			if err := tx.UpdateLead(&l); err != nil {
				return err
			}
		}
		msg.Card, err = tx.Card(id)
		return err
	})
	if msg.Err != nil {
		msg.Err = fmt.Errorf("%s: %w", c.T("board.move_failed"), msg.Err)
	}
	return msg
}

// Lost asks why the lead was lost, then moves it to lost.
func Lost(c *common.Common, card store.Card) *Model {
	reason := model.LostReasons[0].Key
	opts := make([]huh.Option[string], 0, len(model.LostReasons))
	for _, r := range model.LostReasons {
		opts = append(opts, huh.NewOption(r.Label(c.Lang()), r.Key))
	}
	build := func() *huh.Form {
		return huh.NewForm(huh.NewGroup(
			huh.NewSelect[string]().Title(c.T("field.lost_reason")).Options(opts...).Value(&reason),
		))
	}
	return newModel(c, c.Tf("form.lost", card.Company), build, func() (tea.Msg, error) {
		msg := move(c, card.ID, store.Move{Stage: model.StageLost, LostReason: reason}, "", false)
		return msg, msg.Err
	})
}

type wonData struct{ Value, SignedOn, Number string }

// Won asks for the contract's value, date and number, then moves the lead
// to won.
func Won(c *common.Common, card store.Card) *Model {
	d := &wonData{SignedOn: c.Today().String()}
	if card.Value > 0 {
		d.Value = strings.ReplaceAll(model.FormatAmount(card.Value), ",", "")
	}
	build := func() *huh.Form {
		return huh.NewForm(huh.NewGroup(
			input(c.T("field.contract_value"), &d.Value, 40, checkMoney(c, false)),
			input(c.T("field.signed_on"), &d.SignedOn, 20, checkDate(c, false)),
			input(c.T("field.contract_number"), &d.Number, model.MaxNameLen, nil),
		))
	}
	return newModel(c, c.Tf("form.won", card.Company), build, func() (tea.Msg, error) {
		v, err := model.ParseMoney(d.Value)
		if err != nil {
			return nil, &model.FieldError{Field: "contract value", Problem: err.Error()}
		}
		if v.Currency == "" {
			v.Currency = card.Currency
		}
		day, err := model.ParseDate(d.SignedOn, c.Today())
		if err != nil {
			return nil, &model.FieldError{Field: "signed on", Problem: err.Error()}
		}
		msg := move(c, card.ID, store.Move{Stage: model.StageWon, ContractValue: &v, SignedOn: day}, strings.TrimSpace(d.Number), false)
		return msg, msg.Err
	})
}
