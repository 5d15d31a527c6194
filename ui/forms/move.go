package forms

import (
	"errors"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/ui/common"
)

// Move is a stage move as a form or a key asks for it.
type Move struct {
	LeadID string
	To     store.Move
	// Number, when set, is the contract number saved with a move to won;
	// Note, when set, is saved as a note at NoteAt (the words a lost
	// lead's reason had beside a reason from the list).
	Number, Note string
	NoteAt       time.Time
}

// Moved is where a moved lead was, for undo, and its card now.
type Moved struct {
	From, FromReason string
	Card             store.Card
}

// MoveCmd moves a lead in one durable write and replies with a
// common.MovedMsg carrying the lead's new card.
func MoveCmd(c *common.Common, id string, mv store.Move, undo bool) tea.Cmd {
	return common.Emit(BookMsg{Do: func(bk Book) tea.Msg {
		return move(bk, c, Move{LeadID: id, To: mv}, "", undo)
	}})
}

// move moves the lead in bk, deleting the draft of the form that asked
// (if any) in the same write.
func move(bk Book, c *common.Common, mv Move, draft string, undo bool) common.MovedMsg {
	msg := common.MovedMsg{LeadID: mv.LeadID, To: mv.To.Stage, Undo: undo}
	done, err := bk.Move(mv, draft)
	msg.From, msg.FromReason, msg.Card = done.From, done.FromReason, done.Card
	if s, ok := ApprovalNeeded(c, err); ok {
		msg.Err = &neededErr{s, err}
	} else if err != nil {
		msg.Err = fmt.Errorf("%s: %w", c.T("board.move_failed"), err)
	}
	return msg
}

// neededErr is a move refused for want of approval, said in the UI
// language; it unwraps to the store's *model.ApprovalError.
type neededErr struct {
	text string
	err  error
}

func (e *neededErr) Error() string { return e.text }
func (e *neededErr) Unwrap() error { return e.err }

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
	return newModel(c, sp, c.Tf("form.lost", card.Company), build, func(bk Book, draft string) (tea.Msg, error) {
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
		mv := Move{LeadID: card.ID, To: store.Move{Stage: model.StageLost, LostReason: reason}, Note: note, NoteAt: c.Now()}
		msg := move(bk, c, mv, draft, false)
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
	return newModel(c, sp, c.Tf("form.won", card.Company), build, func(bk Book, draft string) (tea.Msg, error) {
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
		mv := Move{LeadID: card.ID, To: store.Move{Stage: model.StageWon, ContractValue: &v, SignedOn: day}, Number: strings.TrimSpace(d.Number)}
		msg := move(bk, c, mv, draft, false)
		return msg, msg.Err
	})
}

// MarkWon returns the command that opens the won form for a lead in any
// stage (the board's W and L, the lead screen's W), with its card as it
// is now. When the lead needs approval first the form says so at once,
// above its fields, and offers a to ask: a contract value typed lower
// may still let it be won.
func MarkWon(c *common.Common, leadID string) tea.Cmd {
	return common.Emit(BookMsg{Do: func(bk Book) tea.Msg {
		card, err := bk.Card(leadID)
		if err != nil {
			return common.ErrMsg{Err: err}
		}
		reasons, err := bk.WonBlock(leadID)
		if err != nil {
			return common.ErrMsg{Err: err}
		}
		f := Won(c, card)
		if len(reasons) > 0 {
			f.err, _ = ApprovalNeeded(c, &model.ApprovalError{Company: card.Company, Reasons: reasons})
			f.offer = true
		}
		return OpenMsg{Form: f}
	}})
}

// MarkLost returns the command that opens the lost form for a lead in any
// stage (X): a lost deal need not pass through won first.
func MarkLost(c *common.Common, leadID string) tea.Cmd { return markCmd(c, leadID, Lost) }

func markCmd(c *common.Common, leadID string, form func(*common.Common, store.Card) *Model) tea.Cmd {
	return common.Emit(BookMsg{Do: func(bk Book) tea.Msg {
		card, err := bk.Card(leadID)
		if err != nil {
			return common.ErrMsg{Err: err}
		}
		return OpenMsg{Form: form(c, card)}
	}})
}
