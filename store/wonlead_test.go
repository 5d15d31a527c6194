package store

import (
	"errors"
	"slices"
	"testing"

	"github.com/fieldcrm/fieldcrm/model"
)

// Leads that are won when they are created, and what a merge does with
// approval requests.

func TestCreateLeadWonIsGatedAndHandedOff(t *testing.T) {
	s := openTemp(t, nil)
	big := model.Lead{Company: "大单新签", Stage: model.StageWon, Value: model.Money{Amount: 3_000_000_00, Currency: "CNY"}}
	err := s.Update(func(tx *Tx) error { return tx.CreateLead(&big) })
	var ae *model.ApprovalError
	if !errors.As(err, &ae) || ae.Company != "大单新签" || !slices.Equal(ae.Reasons, []string{model.ReasonValue}) {
		t.Fatalf("a big deal created won: %v", err)
	}
	s.View(func(tx *Tx) error {
		if cards, _ := tx.Cards(); len(cards) != 0 {
			t.Errorf("the refused lead was written: %+v", cards)
		}
		return nil
	})

	small := model.Lead{Company: "小单新签", Stage: model.StageWon, Value: model.Money{Amount: 50_000_00, Currency: "CNY"},
		Contract: model.Contract{Number: "HT-9"}}
	if err := s.Update(func(tx *Tx) error { return tx.CreateLead(&small) }); err != nil {
		t.Fatal(err)
	}
	s.View(func(tx *Tx) error {
		orders, err := tx.ServicesOf(small.ID)
		if err != nil || len(orders) != 2 {
			t.Fatalf("hand-off orders = %+v, %v", orders, err)
		}
		for _, o := range orders {
			if o.Contract.Number != "HT-9" || o.Status != model.ServiceOpen || o.Assignee != "" {
				t.Errorf("order = %+v", o)
			}
		}
		tasks, _ := tx.TasksOf(small.ID)
		if len(tasks) != 1 || tasks[0].Queue != model.QueueSupport {
			t.Errorf("support task = %+v", tasks)
		}
		return nil
	})

	// The same deals written as history (an import, the demo): no gate,
	// no hand-off.
	past := big
	past.ID = ""
	if err := s.Update(func(tx *Tx) error { return tx.AddLead(&past) }); err != nil {
		t.Fatalf("a past deal: %v", err)
	}
	s.View(func(tx *Tx) error {
		if orders, _ := tx.ServicesOf(past.ID); len(orders) != 0 {
			t.Errorf("a past deal was handed off: %+v", orders)
		}
		return nil
	})
}

func TestUpdateImportedLeadIsGatedButNotHandedOff(t *testing.T) {
	s := openTemp(t, nil)
	big := bigLead(t, s, "大单导入")
	small := addLead(t, s, "小单导入", "negotiation")
	update := func(l model.Lead) error {
		l.Stage = model.StageWon
		return s.Update(func(tx *Tx) error { return tx.UpdateImportedLead(&l) })
	}
	if err := update(big); !errors.As(err, new(*model.ApprovalError)) {
		t.Fatalf("an import moving a big deal to won: %v", err)
	}
	if err := update(small); err != nil {
		t.Fatal(err)
	}
	s.View(func(tx *Tx) error {
		l, _ := tx.Lead(small.ID)
		orders, _ := tx.ServicesOf(small.ID)
		if l.Stage != model.StageWon || len(orders) != 0 {
			t.Errorf("stage %s, orders %+v", l.Stage, orders)
		}
		return nil
	})
}

func TestRestoreApprovalAndServiceTwiceWritesOnce(t *testing.T) {
	src := openTemp(t, nil)
	l := bigLead(t, src, "往返")
	a := request(t, src, l.ID)
	if _, err := decide(src, a.ID, model.Rejected); err != nil {
		t.Fatal(err)
	}
	if _, err := decide(src, a.ID, model.Approved); err != nil {
		t.Fatal(err)
	}
	if err := moveWon(src, l.ID); err != nil {
		t.Fatal(err)
	}
	var lead model.Lead
	var reqs []model.Approval
	var orders []model.ServiceOrder
	src.View(func(tx *Tx) error {
		lead, _ = tx.Lead(l.ID)
		reqs, _ = tx.ApprovalsOf(l.ID)
		orders, _ = tx.ServicesOf(l.ID)
		return nil
	})
	if len(reqs) != 1 || len(reqs[0].Decisions) != 2 || len(orders) != 2 {
		t.Fatalf("source: %d requests, %d orders", len(reqs), len(orders))
	}

	dst := openTemp(t, nil)
	restore := func() (n int) {
		err := dst.Update(func(tx *Tx) error {
			if _, err := tx.RestoreLead(lead); err != nil {
				return err
			}
			for _, a := range reqs {
				w, err := tx.RestoreApproval(a)
				if err != nil {
					return err
				}
				n += b2i(w)
			}
			for _, o := range orders {
				w, err := tx.RestoreService(o)
				if err != nil {
					return err
				}
				n += b2i(w)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := restore(); n != 3 {
		t.Errorf("first restore wrote %d records, want 3", n)
	}
	if n := restore(); n != 0 {
		t.Errorf("second restore wrote %d records, want none", n)
	}
	dst.View(func(tx *Tx) error {
		got, _ := tx.ApprovalsOf(l.ID)
		if len(got) != 1 || len(got[0].Decisions) != 2 || got[0].Status() != model.Approved || got[0].Value != reqs[0].Value {
			t.Errorf("restored requests = %+v", got)
		}
		if id, _ := tx.ResolveService(ShortID(orders[0].ID)); id != orders[0].ID {
			t.Errorf("restored order not found by its short id")
		}
		if open, _ := tx.Services(true); len(open) != 2 {
			t.Errorf("open orders = %d (the index)", len(open))
		}
		return nil
	})
	// A request whose lead is in neither the file nor the book.
	orphan := reqs[0]
	orphan.ID, orphan.LeadID = model.NewID(), "nobody"
	err := dst.Update(func(tx *Tx) error { _, err := tx.RestoreApproval(orphan); return err })
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("orphan request: %v", err)
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestMergeKeepsTheApprovalTheDealNeeds(t *testing.T) {
	s := openTemp(t, nil)
	keep := bigLead(t, s, "孪生甲")
	drop := bigLead(t, s, "孪生甲有限公司")
	merge := func(k, d string) (MergeReport, error) {
		var rep MergeReport
		err := s.Update(func(tx *Tx) error {
			var err error
			rep, err = tx.MergeLeads(k, d)
			return err
		})
		return rep, err
	}
	a := request(t, s, drop.ID)
	// Pending on DROP only: refused, naming the other way round.
	_, err := merge(keep.ID, drop.ID)
	var me *ApprovalMergeError
	if !errors.As(err, &me) || me.Request.ID != a.ID || me.Drop != drop.ID {
		t.Fatalf("merge leaving a pending request: %v", err)
	}
	// Approved on DROP: still refused this way round.
	if _, err := decide(s, a.ID, model.Approved); err != nil {
		t.Fatal(err)
	}
	if _, err := merge(keep.ID, drop.ID); !errors.As(err, &me) {
		t.Fatalf("merge leaving the approval: %v", err)
	}
	// The other way round: the approval stays with the deal, which can
	// then be won.
	rep, err := merge(drop.ID, keep.ID)
	if err != nil || rep.ApprovalsLeft != 0 {
		t.Fatalf("merge the other way: %+v, %v", rep, err)
	}
	if err := moveWon(s, drop.ID); err != nil {
		t.Errorf("win after the merge: %v", err)
	}

	// A rejected request on DROP does not stop a merge; it stays with
	// DROP in the trash and the report counts it.
	k2 := bigLead(t, s, "丙")
	d2 := bigLead(t, s, "丙公司")
	r := request(t, s, d2.ID)
	if _, err := decide(s, r.ID, model.Rejected); err != nil {
		t.Fatal(err)
	}
	rep, err = merge(k2.ID, d2.ID)
	if err != nil || rep.ApprovalsLeft != 1 {
		t.Errorf("merge with a rejected request: %+v, %v", rep, err)
	}
	// KEEP's own approval covers the merged deal: DROP's pending one is
	// not needed.
	k3 := bigLead(t, s, "丁")
	d3 := bigLead(t, s, "丁公司")
	r3 := request(t, s, k3.ID)
	if _, err := decide(s, r3.ID, model.Approved); err != nil {
		t.Fatal(err)
	}
	request(t, s, d3.ID)
	if _, err := merge(k3.ID, d3.ID); err != nil {
		t.Errorf("merge into a lead approved already: %v", err)
	}
}

func TestComplaintNamesAnOrderOfItsOwnAccount(t *testing.T) {
	s := openTemp(t, nil)
	a := addLead(t, s, "甲方", "negotiation")
	b := addLead(t, s, "乙方", "negotiation")
	for _, l := range []model.Lead{a, b} {
		if err := moveWon(s, l.ID); err != nil {
			t.Fatal(err)
		}
	}
	var theirs, ours []model.ServiceOrder
	s.View(func(tx *Tx) error {
		ours, _ = tx.ServicesOf(a.ID)
		theirs, _ = tx.ServicesOf(b.ID)
		return nil
	})
	add := func(serviceID string) error {
		return s.Update(func(tx *Tx) error {
			return tx.AddComplaint(&model.Complaint{LeadID: a.ID, Description: "漏液", ServiceID: serviceID})
		})
	}
	for _, bad := range []string{theirs[0].ID, "no-such-order"} {
		if err := add(bad); len(model.FieldErrors(err)) != 1 {
			t.Errorf("complaint about %s: %v", bad, err)
		}
	}
	if err := add(ours[1].ID); err != nil {
		t.Fatal(err)
	}
	s.View(func(tx *Tx) error {
		list, _ := tx.ComplaintsOf(a.ID)
		if len(list) != 1 || list[0].ServiceID != ours[1].ID {
			t.Errorf("complaints of the lead = %+v", list)
		}
		if none, _ := tx.ComplaintsOf(b.ID); len(none) != 0 {
			t.Errorf("the other lead's = %+v", none)
		}
		return nil
	})
}
