package forms

import (
	"errors"
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
	return func() tea.Msg { return move(c.Data.Update, c, id, mv, "", "", undo) }
}

// move moves the lead in one write w. number, when set, is the contract
// number saved with a move to won; note, when set, is a note saved with
// it (the words a lost lead's reason had beside a reason from the list).
func move(w write, c *common.Common, id string, mv store.Move, number, note string, undo bool) common.MovedMsg {
	msg := common.MovedMsg{LeadID: id, To: mv.Stage, Undo: undo}
	msg.Err = w(func(tx *store.Tx) error {
		// The card says where the lead was, for undo; MoveLead reads the
		// lead itself, once.
		before, err := tx.Card(id)
		if err != nil {
			return err
		}
		msg.From, msg.FromReason = before.Stage, before.LostReason
		l, err := tx.MoveLead(id, mv)
		if err != nil {
			return err
		}
		if number != "" {
			l.Contract.Number = number
			if err := tx.UpdateLead(&l); err != nil {
				return err
			}
		}
		if note != "" {
			a := &model.Activity{LeadID: id, Kind: model.KindNote, StartedAt: c.Now()}
			if err := tx.AddActivity(a, note); err != nil {
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

type lostData struct{ Reason, Words string }

// Lost asks why the lead was lost, from any stage: a reason from the list,
// where none is picked for the user, or in their own words (as the CLI's
// --reason takes either), then moves it to lost.
func Lost(c *common.Common, card store.Card) *Model {
	d := &lostData{}
	opts := []huh.Option[string]{huh.NewOption(c.T("form.lost_pick"), "")}
	for _, r := range model.LostReasons {
		opts = append(opts, huh.NewOption(r.Label(c.Lang()), r.Key))
	}
	build := func() *huh.Form {
		return huh.NewForm(huh.NewGroup(
			huh.NewSelect[string]().Title(c.T("field.lost_reason")).Options(opts...).Value(&d.Reason),
			input(c.T("field.lost_words"), &d.Words, model.MaxTextLen, func(s string) error {
				if d.Reason == "" && strings.TrimSpace(s) == "" {
					return errors.New(c.T("form.err_lost_reason"))
				}
				return nil
			}),
		))
	}
	sp := spec{form: "lost", leadID: card.ID, company: card.Company, fields: []field{
		str("reason", &d.Reason), str("words", &d.Words)}}
	return newModel(c, sp, c.Tf("form.lost", card.Company), build, func(w write) (tea.Msg, error) {
		reason, words := d.Reason, strings.TrimSpace(d.Words)
		note := ""
		switch {
		case reason == "" && words == "":
			return nil, &model.FieldError{Field: "lost reason", Problem: c.T("form.err_lost_reason")}
		case reason == "":
			reason = words
			if k, ok := model.ChannelMatcher(model.LostReasons).Key(words); ok {
				reason = k
			}
		case words != "":
			note = words
		}
		msg := move(w, c, card.ID, store.Move{Stage: model.StageLost, LostReason: reason}, "", note, false)
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
	sp := spec{form: "won", leadID: card.ID, company: card.Company, fields: []field{
		str("value", &d.Value), str("signed_on", &d.SignedOn), str("number", &d.Number)}}
	return newModel(c, sp, c.Tf("form.won", card.Company), build, func(w write) (tea.Msg, error) {
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
		msg := move(w, c, card.ID, store.Move{Stage: model.StageWon, ContractValue: &v, SignedOn: day}, strings.TrimSpace(d.Number), "", false)
		return msg, msg.Err
	})
}

// MarkWon returns the command that opens the won form for a lead in any
// stage (the board's and the lead screen's W), with its card as it is now.
func MarkWon(c *common.Common, leadID string) tea.Cmd { return markCmd(c, leadID, Won) }

// MarkLost returns the command that opens the lost form for a lead in any
// stage (X): a lost deal need not pass through won first.
func MarkLost(c *common.Common, leadID string) tea.Cmd { return markCmd(c, leadID, Lost) }

func markCmd(c *common.Common, leadID string, form func(*common.Common, store.Card) *Model) tea.Cmd {
	return func() tea.Msg {
		var card store.Card
		err := c.Data.View(func(tx *store.Tx) (err error) { card, err = tx.Card(leadID); return err })
		if err != nil {
			return common.ErrMsg{Err: err}
		}
		return OpenMsg{Form: form(c, card)}
	}
}
