package demo

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
)

// The leadership group approves major deals (审批): a deal the company's
// approval rules name (out of the box, 1,000,000 CNY or more) is won only
// after one of them approved it. Their decisions reach a rep's book from
// their own devices, as a sync brings them, so the demo applies them as
// pulled changes: LeadershipUser decides most requests; once, he and
// LeadershipDeputy decide the same request at the same moment, and both
// decisions stay, the later stamp in force.
const (
	LeadershipUser   = "wang.leadership"
	LeadershipDeputy = "zhao.leadership"
)

// devices of the approvers, whose names break a tie between two stamps
// of the same moment: the deputy's wins.
var devices = map[string]string{LeadershipUser: "dev-wang-laptop", LeadershipDeputy: "dev-zhao-laptop"}

// won hands won deal l off as of the day it was won (store.HandOff, what
// the move to won does): service orders for after-sales, a task for the
// support queue. A deal the rules say needs approval was asked for a few
// days before and approved by leadership before the win (in a sales-only
// book such a deal is not won: see lead). After-sales then works the
// orders.
func (g *gen) won(tx *store.Tx, l *model.Lead, english bool) error {
	wonAt := l.StageEnteredAt
	if len(g.rules.Approval.Needs(l)) > 0 {
		asked := laterOf(l.CreatedAt.Add(time.Hour), wonAt.Add(-time.Duration(24+g.w.IntN(9*24))*time.Hour))
		if !asked.Before(wonAt) {
			asked = wonAt.Add(-2 * time.Hour)
		}
		a, err := g.ask(tx, l, asked, english)
		if err != nil {
			return err
		}
		decided := asked.Add(time.Duration(2+g.w.IntN(94)) * time.Hour)
		if !decided.Before(wonAt) {
			decided = asked.Add(wonAt.Sub(asked) / 2)
		}
		if err := g.decide(tx, a.ID, LeadershipUser, model.Approved, decided, english); err != nil {
			return err
		}
	}
	now := tx.Now()
	tx.Backdate(wonAt)
	err := tx.HandOff(l)
	tx.Backdate(now)
	if err != nil {
		return fmt.Errorf("hand-off of %s: %w", l.Company, err)
	}
	if g.opt.SalesOnly {
		return nil // the hand-off as the rep's move made it
	}
	return g.serviceWork(tx, l, english)
}

// negotiate gives a deal in negotiation that needs approval its request:
// the first one the concurrent pair of decisions, then pending (one in
// two), rejected or approved. A sales-only book keeps them all pending.
func (g *gen) negotiate(tx *store.Tx, l *model.Lead, english bool) error {
	if len(g.rules.Approval.Needs(l)) == 0 {
		return nil
	}
	pair := !g.opt.SalesOnly && !g.pair
	verdict := model.Pending
	if !pair && !g.opt.SalesOnly {
		verdict = []string{model.Pending, model.Pending, model.Rejected, model.Approved}[g.w.IntN(4)]
	}
	if !pair && verdict == model.Pending {
		_, err := g.ask(tx, l, g.recently(l.StageEnteredAt, 240), english)
		return err
	}
	asked := g.recently(l.StageEnteredAt, 30*24)
	a, err := g.ask(tx, l, asked, english)
	if err != nil {
		return err
	}
	decided := asked.Add(time.Duration(1+g.w.IntN(72)) * time.Hour)
	if decided.After(g.opt.Now) {
		decided = asked.Add(g.opt.Now.Sub(asked) / 2)
	}
	if !pair {
		return g.decide(tx, a.ID, LeadershipUser, verdict, decided, english)
	}
	// Two approvers, offline, at the same moment: both decisions stay.
	g.pair = true
	if err := g.decide(tx, a.ID, LeadershipUser, model.Rejected, decided, english); err != nil {
		return err
	}
	return g.decide(tx, a.ID, LeadershipDeputy, model.Approved, decided, english)
}

// recently is a time in the last hours before now, but after since.
func (g *gen) recently(since time.Time, hours int) time.Time {
	return laterOf(since.Add(time.Hour), g.opt.Now.Add(-time.Duration(2+g.w.IntN(hours))*time.Hour))
}

func laterOf(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// ask writes the book's user's request for approval of l, made at.
func (g *gen) ask(tx *store.Tx, l *model.Lead, at time.Time, english bool) (model.Approval, error) {
	now := tx.Now()
	tx.Backdate(at)
	a, err := tx.RequestApproval(l.ID, requestNotes[b2i(english)][g.w.IntN(len(requestNotes[0]))])
	tx.Backdate(now)
	return a, err
}

// decide applies approver by's verdict on request id, made at on their
// device, as a sync pulls it.
func (g *gen) decide(tx *store.Tx, id, by, verdict string, at time.Time, english bool) error {
	node := devices[by]
	op := model.Op{ID: model.NewID(), Entity: model.EntityRef{Type: model.TypeApproval, ID: id}, Kind: model.OpAppend,
		Field: "decisions", HLC: model.HLC{Wall: at.UnixMilli(), Node: node}, Actor: model.Actor{User: by, Device: node},
		Schema: model.CurrentSchema}
	notes := decisionNotes[verdict][b2i(english)]
	d := model.Decision{ID: op.ID, HLC: op.HLC, Verdict: verdict, By: by, At: at, Note: notes[g.w.IntN(len(notes))]}
	var err error
	if op.Entry, err = json.Marshal(d); err != nil {
		return err
	}
	return tx.ApplyRemoteOp(op)
}

// serviceWork is after-sales' work on a won account's hand-off: an
// account won more than a month ago has its installation and
// commissioning done (the customer signing most off; now and then one is
// still open, overdue, or was cancelled); a recent one has them scheduled
// or waiting in the queue. Some accounts also have maintenance, a repair
// or a training.
func (g *gen) serviceWork(tx *store.Tx, l *model.Lead, english bool) error {
	orders, err := tx.ServicesOf(l.ID)
	if err != nil {
		return err
	}
	now := tx.Now()
	defer tx.Backdate(now)
	days := int(g.opt.Now.Sub(l.StageEnteredAt).Hours() / 24)
	today := model.DateOf(g.opt.Now.In(g.loc))
	notes := serviceNotes[b2i(english)]
	for _, o := range orders {
		switch n := g.w.IntN(20); {
		case days <= 30 && n < 10:
			tx.Backdate(l.StageEnteredAt.Add(time.Duration(2+g.w.IntN(48)) * time.Hour))
			_, err = tx.EditService(o.ID, func(s *model.ServiceOrder) error {
				s.Status, s.Assignee = model.ServiceScheduled, AftersalesUser
				s.Due = today.AddDays(1 + g.w.IntN(10))
				return nil
			})
		case days <= 30 || n == 0:
			continue // open: in the queue, overdue once its day passed
		case n == 1:
			tx.Backdate(l.StageEnteredAt.Add(time.Duration(24+g.w.IntN(72)) * time.Hour))
			_, err = tx.EditService(o.ID, func(s *model.ServiceOrder) error {
				s.Status, s.Notes = model.ServiceCancelled, cancelNotes[b2i(english)]
				return nil
			})
		default:
			tx.Backdate(l.StageEnteredAt.Add(time.Duration(48+g.w.IntN(12*24)) * time.Hour))
			signed := !g.signed || n%4 != 0
			g.signed = g.signed || signed
			_, err = tx.EditService(o.ID, func(s *model.ServiceOrder) error {
				s.Status, s.Assignee, s.Notes = model.ServiceDone, AftersalesUser, notes[g.w.IntN(len(notes))]
				if signed {
					s.SignedOffBy = l.Contacts[0].Name
				}
				return nil
			})
		}
		if err != nil {
			return fmt.Errorf("service work on %s: %w", l.Company, err)
		}
	}
	if days <= 30 {
		return nil
	}
	// Later work on older accounts: maintenance booked, a repair waiting
	// (some overdue), a training given, cancelled or to give.
	extra := []struct {
		kind, status string
		odds         int
	}{
		{model.ServiceMaintenance, model.ServiceScheduled, 4},
		{model.ServiceRepair, model.ServiceOpen, 6},
		{model.ServiceTraining, "", 5},
	}
	for _, e := range extra {
		if g.w.IntN(e.odds) != 0 {
			continue
		}
		status := e.status
		if status == "" {
			status = []string{model.ServiceDone, model.ServiceCancelled, model.ServiceOpen}[g.w.IntN(3)]
		}
		s := model.ServiceOrder{LeadID: l.ID, Kind: e.kind, Status: status, Due: today.AddDays(g.w.IntN(30) - 10)}
		if status != model.ServiceOpen || g.w.IntN(2) == 0 {
			s.Assignee = AftersalesUser
		}
		at := g.opt.Now.Add(-time.Duration(24+g.w.IntN(20*24)) * time.Hour)
		if status == model.ServiceDone {
			s.Notes, s.DoneAt = notes[g.w.IntN(len(notes))], at.Add(3*time.Hour)
		}
		tx.Backdate(at)
		if err := tx.AddService(&s); err != nil {
			return fmt.Errorf("service work on %s: %w", l.Company, err)
		}
	}
	return nil
}

var (
	requestNotes = [2][]string{
		{"金额超过公司审批线，请领导审批。", "客户要求额外折扣，申请特批。", "重点项目，合同条款已与客户确认，请审批。"},
		{"Above the approval line; please approve.", "The customer asks for an extra discount; asking for an exception.", "Key account; terms agreed with the customer, please approve."},
	}
	decisionNotes = map[string][2][]string{
		model.Approved: {{"同意，注意回款节点。", "同意按此价格签约。"}, {"Approved; watch the payment milestones.", "Approved at this price."}},
		model.Rejected: {{"价格低于底线，请重新谈判。", "付款条件风险大，暂不批准。"}, {"Below our floor price; negotiate again.", "Payment terms too risky; not approved for now."}},
	}
	cancelNotes = [2]string{"客户自行安装，取消本服务单。", "Customer installed it themselves; order cancelled."}
)
