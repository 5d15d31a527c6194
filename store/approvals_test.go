package store

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	bolt "go.etcd.io/bbolt"
)

// bigLead adds a lead worth 2,000,000 CNY in negotiation: above the
// default rules' 1,000,000, so it needs approval before it is won.
func bigLead(t *testing.T, s *Store, company string) model.Lead {
	t.Helper()
	l := model.Lead{Company: company, Stage: "negotiation", Value: model.Money{Amount: 2_000_000_00, Currency: "CNY"},
		Contract: model.Contract{Number: "HT-2026-001"}}
	l.Negotiation.ServiceTerms = "两年保修 / two years' warranty"
	if err := s.Update(func(tx *Tx) error { return tx.AddLead(&l) }); err != nil {
		t.Fatal(err)
	}
	return l
}

func moveWon(s *Store, id string) error {
	return s.Update(func(tx *Tx) error { _, err := tx.MoveLead(id, Move{Stage: model.StageWon}); return err })
}

func request(t *testing.T, s *Store, leadID string) model.Approval {
	t.Helper()
	var a model.Approval
	err := s.Update(func(tx *Tx) error {
		var err error
		a, err = tx.RequestApproval(leadID, "  大客户,请批准  ")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func decide(s *Store, id, verdict string) (model.Approval, error) {
	var a model.Approval
	err := s.Update(func(tx *Tx) error {
		var err error
		a, err = tx.DecideApproval(id, verdict, "ok")
		return err
	})
	return a, err
}

func TestMigration12AddsApprovalsAndServices(t *testing.T) {
	l := model.Lead{ID: "L1", Company: "老数据有限公司", Stage: "negotiation", Value: model.Money{Amount: 3_000_000_00, Currency: "CNY"}}
	// A queue's task pulled by a schema-11 build: its due-day entry has
	// no queue.
	tk := model.Task{ID: "T1", LeadID: "L1", Due: model.DateOf(t0), Action: "hand-off", Queue: model.QueueSupport, CreatedAt: t0}
	path := atVersion(t, 11, func(tx *bolt.Tx) error {
		data, _ := json.Marshal(l)
		if err := tx.Bucket(bucketLeads).Put([]byte(l.ID), data); err != nil {
			return err
		}
		data, _ = json.Marshal(tk)
		if err := tx.Bucket(bucketTasks).Put([]byte(tk.ID), data); err != nil {
			return err
		}
		if err := tx.Bucket(bucketIdx).Bucket(idxTaskDue).Put([]byte(join(tk.Due.String(), tk.ID)), []byte(join("L1", tk.Action))); err != nil {
			return err
		}
		return rebuildCards(tx)
	})
	s, err := Open(Options{Path: path, User: "ann"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.View(func(tx *Tx) error {
		if v := schemaVersion(tx.tx); v != SchemaVersion {
			t.Errorf("schema %d, want %d", v, SchemaVersion)
		}
		for _, name := range [][]byte{bucketApprovals, bucketServices} {
			if tx.bucket(name) == nil {
				t.Errorf("bucket %s missing", name)
			}
		}
		for _, typ := range []string{model.TypeApproval, model.TypeService} {
			if tx.bucket(bucketStamps, []byte(typ)) == nil {
				t.Errorf("stamps/%s missing", typ)
			}
		}
		for _, name := range [][]byte{idxApprovalLead, idxApprovalPending, idxServiceLead, idxServiceOpen} {
			if tx.idx(name) == nil {
				t.Errorf("index %s missing", name)
			}
		}
		if v := tx.idx(idxTaskDue).Get([]byte(join(tk.Due.String(), string(packID(tk.ID))))); string(v) != string(packID("L1"))+join(tk.Action, model.QueueSupport) {
			t.Errorf("the queue's task in the due-day index: %q", v)
		}
		return nil
	})
	// The migrated book takes both kinds of record.
	a := request(t, s, "L1")
	if _, err := decide(s, a.ID, model.Approved); err != nil {
		t.Fatal(err)
	}
	if err := moveWon(s, "L1"); err != nil {
		t.Fatal(err)
	}
	s.View(func(tx *Tx) error {
		if got, _ := tx.ServicesOf("L1"); len(got) != 2 {
			t.Errorf("services after the win = %d, want 2", len(got))
		}
		return nil
	})
}

func TestApprovalGatesTheWinAndTheWinHandsOff(t *testing.T) {
	now, advance := clockAt(t0)
	s := openTemp(t, now)
	l := bigLead(t, s, "大单科技")
	small := addLead(t, s, "小单", "negotiation")

	// A small deal needs no approval and is handed off when won.
	if err := moveWon(s, small.ID); err != nil {
		t.Fatalf("small deal: %v", err)
	}

	err := moveWon(s, l.ID)
	var ae *model.ApprovalError
	if !errors.As(err, &ae) || !slices.Equal(ae.Reasons, []string{model.ReasonValue}) || ae.Company != "大单科技" {
		t.Fatalf("win without approval: %v", err)
	}
	a := request(t, s, l.ID)
	if a.Value != l.Value || a.RequestedBy != "ann" || !a.RequestedAt.Equal(t0) || a.Note != "大客户,请批准" ||
		!slices.Equal(a.Reasons, []string{model.ReasonValue}) || a.Status() != model.Pending {
		t.Errorf("request = %+v", a)
	}
	err = s.Update(func(tx *Tx) error { _, err := tx.RequestApproval(l.ID, ""); return err })
	if err == nil {
		t.Error("a second pending request was taken")
	}
	s.View(func(tx *Tx) error {
		if p, _ := tx.Approvals(true); len(p) != 1 || p[0].ID != a.ID {
			t.Errorf("pending = %+v", p)
		}
		if id, err := tx.ResolveApproval("大单"); id != a.ID || err != nil {
			t.Errorf("resolve by company = %q, %v", id, err)
		}
		if id, err := tx.ResolveApproval(ShortID(a.ID)); id != a.ID || err != nil {
			t.Errorf("resolve by short id = %q, %v", id, err)
		}
		return nil
	})
	// Still pending: still blocked. Rejected: blocked.
	if err := moveWon(s, l.ID); !errors.As(err, &ae) {
		t.Errorf("win while pending: %v", err)
	}
	advance(time.Minute)
	if _, err := decide(s, a.ID, model.Rejected); err != nil {
		t.Fatal(err)
	}
	if err := moveWon(s, l.ID); !errors.As(err, &ae) {
		t.Errorf("win after a rejection: %v", err)
	}
	advance(time.Minute)
	got, err := decide(s, a.ID, model.Approved)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Decisions) != 2 || got.Status() != model.Approved {
		t.Errorf("decisions = %+v", got.Decisions)
	}
	s.View(func(tx *Tx) error {
		if p, _ := tx.Approvals(true); len(p) != 0 {
			t.Errorf("pending after the decision = %+v", p)
		}
		if all, _ := tx.Approvals(false); len(all) != 1 {
			t.Errorf("all = %+v", all)
		}
		return nil
	})
	// A deal that grew after approval needs asking again.
	err = s.Update(func(tx *Tx) error {
		cur, _ := tx.Lead(l.ID)
		cur.Value.Amount += 1
		return tx.UpdateLead(&cur)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := moveWon(s, l.ID); !errors.As(err, &ae) {
		t.Errorf("win of a deal grown past its approval: %v", err)
	}
	err = s.Update(func(tx *Tx) error {
		cur, _ := tx.Lead(l.ID)
		cur.Value.Amount -= 1
		return tx.UpdateLead(&cur)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := moveWon(s, l.ID); err != nil {
		t.Fatalf("win with approval: %v", err)
	}

	var tasks []model.Task
	s.View(func(tx *Tx) error {
		orders, err := tx.ServicesOf(l.ID)
		if err != nil || len(orders) != 2 || orders[0].Kind != model.ServiceInstall || orders[1].Kind != model.ServiceCommissioning {
			t.Fatalf("hand-off orders = %+v, %v", orders, err)
		}
		for _, o := range orders {
			if o.Assignee != "" || o.Status != model.ServiceOpen || o.Due != model.DateOf(t0).AddDays(14) ||
				o.Contract.Number != "HT-2026-001" || o.Terms != l.Negotiation.ServiceTerms || o.CreatedBy != "ann" {
				t.Errorf("order = %+v", o)
			}
		}
		tasks, _ = tx.TasksOf(l.ID)
		if open, _ := tx.Services(true); len(open) != 4 {
			t.Errorf("open orders of both won deals = %d", len(open))
		}
		return nil
	})
	if len(tasks) != 1 || tasks[0].Queue != model.QueueSupport || tasks[0].Assignee != "" {
		t.Fatalf("support task = %+v", tasks)
	}

	// Reopened and won again: no second hand-off.
	if err := s.Update(func(tx *Tx) error { _, err := tx.MoveLead(l.ID, Move{Stage: "negotiation"}); return err }); err != nil {
		t.Fatal(err)
	}
	if err := moveWon(s, l.ID); err != nil {
		t.Fatal(err)
	}
	s.View(func(tx *Tx) error {
		orders, _ := tx.ServicesOf(l.ID)
		tasks, _ := tx.TasksOf(l.ID)
		if len(orders) != 2 || len(tasks) != 1 {
			t.Errorf("won again: %d orders, %d tasks", len(orders), len(tasks))
		}
		return nil
	})
}

func TestDecisionRefusedForARoleThatMayNotDecide(t *testing.T) {
	s := openTemp(t, nil)
	l := bigLead(t, s, "Acme")
	a := request(t, s, l.ID)
	// Unknown role: the server decides.
	for _, c := range []struct {
		role string
		ok   bool
	}{{"rep", false}, {"manager", false}, {"leadership", true}} {
		if err := s.Update(func(tx *Tx) error { return tx.SetRole(c.role) }); err != nil {
			t.Fatal(err)
		}
		_, err := decide(s, a.ID, model.Approved)
		if c.ok != (err == nil) || (!c.ok && !errors.Is(err, ErrMayNotDecide)) {
			t.Errorf("role %s: %v", c.role, err)
		}
	}
	s.View(func(tx *Tx) error {
		if got, _ := tx.Approval(a.ID); len(got.Decisions) != 1 {
			t.Errorf("decisions = %+v", got.Decisions)
		}
		if tx.Role() != "leadership" || tx.RoleAt().IsZero() {
			t.Errorf("role = %q at %v", tx.Role(), tx.RoleAt())
		}
		return nil
	})
	// A new account's book forgets the role.
	err := s.Update(func(tx *Tx) error { return tx.Rebind("https://crm.example.com", "bob") })
	if err != nil {
		t.Fatal(err)
	}
	s.View(func(tx *Tx) error {
		if r := tx.Role(); r != "" {
			t.Errorf("role after rebind = %q", r)
		}
		return nil
	})
	if _, err := decide(s, a.ID, "maybe"); err == nil {
		t.Error("verdict maybe taken")
	}
}

// outboxOps returns every op waiting in s's outbox.
func outboxOps(t *testing.T, s *Store) []model.Op {
	t.Helper()
	var ops []model.Op
	err := s.View(func(tx *Tx) error {
		out, err := tx.Outbox(0)
		for _, e := range out {
			ops = append(ops, e.Op)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return ops
}

func TestRemoteOpsKeepApprovalAndServiceIndexes(t *testing.T) {
	now, advance := clockAt(t0)
	rep := openTemp(t, now)
	boss := openTemp(t, now)
	l := bigLead(t, rep, "Remote Co")
	a := request(t, rep, l.ID)
	if err := boss.Update(func(tx *Tx) error { return tx.ApplyRemote(outboxOps(t, rep)) }); err != nil {
		t.Fatal(err)
	}
	boss.View(func(tx *Tx) error {
		if p, _ := tx.Approvals(true); len(p) != 1 || p[0].ID != a.ID {
			t.Errorf("boss's pending = %+v", p)
		}
		return nil
	})
	advance(time.Minute)
	before := len(outboxOps(t, boss))
	if _, err := decide(boss, a.ID, model.Approved); err != nil {
		t.Fatal(err)
	}
	decision := outboxOps(t, boss)[before:]
	if err := rep.Update(func(tx *Tx) error { return tx.ApplyRemote(decision) }); err != nil {
		t.Fatal(err)
	}
	rep.View(func(tx *Tx) error {
		if p, _ := tx.Approvals(true); len(p) != 0 {
			t.Errorf("rep's pending after the remote decision = %+v", p)
		}
		return nil
	})
	before = len(outboxOps(t, rep))
	if err := moveWon(rep, l.ID); err != nil {
		t.Fatal(err)
	}
	var orderID string
	err := rep.Update(func(tx *Tx) error {
		orders, _ := tx.ServicesOf(l.ID)
		s, err := tx.EditService(orders[0].ID, func(s *model.ServiceOrder) error {
			s.Status, s.Due = model.ServiceScheduled, model.DateOf(t0).AddDays(3)
			return nil
		})
		orderID = s.ID
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := boss.Update(func(tx *Tx) error { return tx.ApplyRemote(outboxOps(t, rep)[before:]) }); err != nil {
		t.Fatal(err)
	}
	boss.View(func(tx *Tx) error {
		open, _ := tx.Services(true)
		if len(open) != 2 || open[0].ID != orderID || open[0].Status != model.ServiceScheduled {
			t.Errorf("boss's open orders = %+v", open)
		}
		if got, _ := tx.Lead(l.ID); got.Stage != model.StageWon {
			t.Errorf("boss's lead in %s", got.Stage)
		}
		return nil
	})
	// Done on the boss's book, pulled by the rep: it leaves the open index.
	before = len(outboxOps(t, boss))
	err = boss.Update(func(tx *Tx) error {
		_, err := tx.EditService(orderID, func(s *model.ServiceOrder) error {
			s.Status, s.Notes, s.SignedOffBy = model.ServiceDone, "调试完成", "李工"
			return nil
		})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := rep.Update(func(tx *Tx) error { return tx.ApplyRemote(outboxOps(t, boss)[before:]) }); err != nil {
		t.Fatal(err)
	}
	rep.View(func(tx *Tx) error {
		open, _ := tx.Services(true)
		all, _ := tx.Services(false)
		if len(open) != 1 || len(all) != 2 {
			t.Errorf("rep's orders: %d open of %d", len(open), len(all))
		}
		s, _ := tx.Service(orderID)
		if s.Status != model.ServiceDone || s.DoneAt.IsZero() || s.SignedOffAt.IsZero() || s.SignedOffBy != "李工" {
			t.Errorf("done order = %+v", s)
		}
		return nil
	})
}

func TestServiceOrderLifecycle(t *testing.T) {
	s := openTemp(t, nil)
	l := addLead(t, s, "Service Co", model.StageWon)
	var o model.ServiceOrder
	err := s.Update(func(tx *Tx) error {
		o = model.ServiceOrder{LeadID: l.ID, Kind: model.ServiceRepair, Assignee: "lin"}
		return tx.AddService(&o)
	})
	if err != nil {
		t.Fatal(err)
	}
	if o.ID == "" || o.Status != model.ServiceOpen || o.CreatedBy != "ann" || o.CreatedAt.IsZero() {
		t.Errorf("added = %+v", o)
	}
	bad := []model.ServiceOrder{{LeadID: l.ID, Kind: "polish"}, {LeadID: "nope", Kind: model.ServiceRepair}, {LeadID: l.ID, Kind: model.ServiceRepair, Assignee: "@aftersales"}}
	for _, b := range bad {
		if err := s.Update(func(tx *Tx) error { return tx.AddService(&b) }); err == nil {
			t.Errorf("bad order taken: %+v", b)
		}
	}
	edit := func(fn func(*model.ServiceOrder) error) (model.ServiceOrder, error) {
		var got model.ServiceOrder
		err := s.Update(func(tx *Tx) error {
			var err error
			got, err = tx.EditService(o.ID, fn)
			return err
		})
		return got, err
	}
	if _, err := edit(func(s *model.ServiceOrder) error { s.Status = model.ServiceCancelled; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := edit(func(s *model.ServiceOrder) error { s.Status = model.ServiceOpen; return nil }); err == nil {
		t.Error("a cancelled order was reopened")
	}
	s.View(func(tx *Tx) error {
		if open, _ := tx.Services(true); len(open) != 0 {
			t.Errorf("open = %+v", open)
		}
		if id, err := tx.ResolveService(ShortID(o.ID)); id != o.ID || err != nil {
			t.Errorf("resolve = %q, %v", id, err)
		}
		if _, err := tx.ResolveService("Service Co"); !errors.Is(err, ErrNotFound) {
			t.Errorf("resolve a lead with no open order: %v", err)
		}
		return nil
	})
}

func TestTrashHidesAndPurgesApprovalsAndServices(t *testing.T) {
	now, advance := clockAt(t0)
	s := openTemp(t, now)
	l := bigLead(t, s, "Trash Co")
	a := request(t, s, l.ID)
	if _, err := decide(s, a.ID, model.Approved); err != nil {
		t.Fatal(err)
	}
	if err := moveWon(s, l.ID); err != nil {
		t.Fatal(err)
	}
	count := func() (int, int) {
		var na, ns int
		s.View(func(tx *Tx) error {
			all, _ := tx.Approvals(false)
			open, _ := tx.Services(true)
			na, ns = len(all), len(open)
			return nil
		})
		return na, ns
	}
	if na, ns := count(); na != 1 || ns != 2 {
		t.Fatalf("before the trash: %d requests, %d orders", na, ns)
	}
	s.Update(func(tx *Tx) error { return tx.TrashLead(l.ID) })
	if na, ns := count(); na != 0 || ns != 0 {
		t.Errorf("in the trash: %d requests, %d orders shown", na, ns)
	}
	s.Update(func(tx *Tx) error { return tx.UntrashLead(l.ID) })
	if na, ns := count(); na != 1 || ns != 2 {
		t.Errorf("restored: %d requests, %d orders", na, ns)
	}
	s.Update(func(tx *Tx) error { return tx.TrashLead(l.ID) })
	// Pushed: nothing waits, so the purge may remove them.
	s.Update(func(tx *Tx) error {
		out, _ := tx.Outbox(0)
		for _, e := range out {
			if err := tx.DropOutbox(e.Seq); err != nil {
				return err
			}
		}
		return nil
	})
	advance((TrashDays + 1) * 24 * time.Hour)
	err := s.Update(func(tx *Tx) error {
		n, w, err := tx.PurgeTrash(false)
		if n != 1 || w != 0 {
			t.Errorf("purged %d, waiting %d", n, w)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	s.View(func(tx *Tx) error {
		for _, b := range [][]byte{bucketApprovals, bucketServices} {
			if n := tx.bucket(b).Stats().KeyN; n != 0 {
				t.Errorf("%s left after the purge: %d", b, n)
			}
		}
		for _, b := range [][]byte{idxApprovalLead, idxServiceLead, idxServiceOpen} {
			if n := tx.idx(b).Stats().KeyN; n != 0 {
				t.Errorf("index %s left after the purge: %d", b, n)
			}
		}
		return nil
	})
}

func TestMergeMovesServiceOrders(t *testing.T) {
	s := openTemp(t, nil)
	keep := addLead(t, s, "Twin Co", "negotiation")
	drop := addLead(t, s, "Twin Co Ltd", "negotiation")
	if err := moveWon(s, drop.ID); err != nil {
		t.Fatal(err)
	}
	err := s.Update(func(tx *Tx) error {
		rep, err := tx.MergeLeads(keep.ID, drop.ID)
		if rep.Services != 2 {
			t.Errorf("moved %d orders", rep.Services)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	s.View(func(tx *Tx) error {
		orders, _ := tx.ServicesOf(keep.ID)
		if len(orders) != 2 {
			t.Errorf("kept lead's orders = %d (a second hand-off, or none moved)", len(orders))
		}
		return nil
	})
}

func TestSupportQueueTaskShowsOnlyToSupport(t *testing.T) {
	s := openTemp(t, nil)
	l := addLead(t, s, "Queue Co", "negotiation")
	if err := moveWon(s, l.ID); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		role string
		want int
	}{{"", 0}, {"rep", 0}, {"support", 1}} {
		if err := s.Update(func(tx *Tx) error { return tx.SetRole(c.role) }); err != nil {
			t.Fatal(err)
		}
		s.View(func(tx *Tx) error {
			rep, err := tx.Today()
			n := 0
			for _, sec := range rep.Sections {
				for _, it := range sec.Items {
					if it.TaskID != "" {
						n++
					}
				}
			}
			if err != nil || n != c.want {
				t.Errorf("role %q: %d follow-ups in today, want %d (%v)", c.role, n, c.want, err)
			}
			if card, _ := tx.Card(l.ID); card.NextTaskID != "" {
				t.Errorf("the queue's task is the card's next step: %q", card.NextAction)
			}
			return nil
		})
	}
}

// section returns the items of one section of s's daily review.
func section(t *testing.T, s *Store, key string) []TodayItem {
	t.Helper()
	var items []TodayItem
	err := s.View(func(tx *Tx) error {
		rep, err := tx.Today()
		for _, sec := range rep.Sections {
			if sec.Key == key {
				items = sec.Items
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return items
}

func TestTodayApprovalAndServiceSections(t *testing.T) {
	now, advance := clockAt(t0)
	s := openTemp(t, now)
	l := bigLead(t, s, "Today Co")
	a := request(t, s, l.ID)
	setRole := func(role string) {
		if err := s.Update(func(tx *Tx) error { return tx.SetRole(role) }); err != nil {
			t.Fatal(err)
		}
	}
	if got := section(t, s, SectionApprovals); len(got) != 0 {
		t.Errorf("no role known, requests to decide = %+v", got)
	}
	setRole("leadership")
	got := section(t, s, SectionApprovals)
	if len(got) != 1 || got[0].ApprovalID != a.ID || got[0].Company != "Today Co" || got[0].Due != model.DateOf(t0) || got[0].Action != "大客户,请批准" {
		t.Errorf("requests to decide = %+v", got)
	}
	advance(24 * time.Hour)
	if _, err := decide(s, a.ID, model.Approved); err != nil {
		t.Fatal(err)
	}
	if got := section(t, s, SectionApprovals); len(got) != 0 {
		t.Errorf("decided, still to decide: %+v", got)
	}
	got = section(t, s, SectionDecisions)
	if len(got) != 1 || got[0].ApprovalID != a.ID || got[0].Action != model.Approved || got[0].Due != model.DateOf(t0).AddDays(1) {
		t.Errorf("decisions = %+v", got)
	}
	advance((DecisionDays + 1) * 24 * time.Hour)
	if got := section(t, s, SectionDecisions); len(got) != 0 {
		t.Errorf("a decision %d days old is still shown: %+v", DecisionDays+1, got)
	}

	if err := moveWon(s, l.ID); err != nil {
		t.Fatal(err)
	}
	var mine, undated model.ServiceOrder
	err := s.Update(func(tx *Tx) error {
		undated = model.ServiceOrder{LeadID: l.ID, Kind: model.ServiceMaintenance, Assignee: "ann"}
		if err := tx.AddService(&undated); err != nil {
			return err
		}
		mine = model.ServiceOrder{LeadID: l.ID, Kind: model.ServiceTraining, Assignee: "ann", Due: model.DateOf(t0).AddDays(30)}
		if err := tx.AddService(&mine); err != nil {
			return err
		}
		other := model.ServiceOrder{LeadID: l.ID, Kind: model.ServiceRepair, Assignee: "lin"}
		return tx.AddService(&other)
	})
	if err != nil {
		t.Fatal(err)
	}
	got = section(t, s, SectionService)
	if len(got) != 2 || got[0].ServiceID != mine.ID || got[0].Action != model.ServiceTraining || got[1].ServiceID != undated.ID {
		t.Errorf("leadership's service work (the undated order last) = %+v", got)
	}
	setRole("aftersales") // the hand-off's two queued orders too
	s.View(func(tx *Tx) error {
		rep, err := tx.Today()
		for _, sec := range rep.Sections {
			if sec.Key == SectionApprovals {
				t.Errorf("after-sales, who decides nothing, has a section of approvals to decide")
			}
		}
		return err
	})
	got = section(t, s, SectionService)
	if len(got) != 4 || got[0].Action != model.ServiceInstall || got[2].ServiceID != mine.ID {
		t.Errorf("after-sales' service work = %+v", got)
	}
}

// Work written before the first login becomes the account's: a request's
// asker and its decisions' authors too, and the index of who asked
// follows (doctor finds the derived data in step).
func TestAdoptUnsyncedRenamesApprovalRequests(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.db")
	s, err := Open(Options{Path: path, User: "root"})
	if err != nil {
		t.Fatal(err)
	}
	l := model.Lead{Company: "Acme", Stage: "negotiation"}
	var a model.Approval
	err = s.Update(func(tx *Tx) error {
		if err := tx.AddLead(&l); err != nil {
			return err
		}
		if a, err = tx.RequestApproval(l.ID, ""); err != nil {
			return err
		}
		_, err := tx.DecideApproval(a.ID, model.Approved, "")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Update(func(tx *Tx) error {
		if _, err := tx.AdoptUnsynced("root", "wang"); err != nil {
			return err
		}
		out, err := tx.Outbox(0)
		for _, e := range out {
			if err := tx.DropOutbox(e.Seq); err != nil {
				return err
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	s.View(func(tx *Tx) error {
		got, err := tx.Approval(a.ID)
		if err != nil || got.RequestedBy != "wang" || len(got.Decisions) != 1 || got.Decisions[0].By != "wang" {
			t.Errorf("after the handover: %+v, %v", got, err)
		}
		return nil
	})
	s.Close()
	r, err := Doctor(path)
	if err != nil || !r.OK() {
		t.Fatalf("doctor after the handover: %+v, %v", r, err)
	}
}

// TestNoOneDecidesTheirOwnRequest: in a book bound to a team's server,
// the one who asked cannot decide, as the server refuses it; a book that
// syncs with no team has nobody else to ask, and its user decides.
func TestNoOneDecidesTheirOwnRequest(t *testing.T) {
	s := openTemp(t, nil)
	l := bigLead(t, s, "Acme")
	a := request(t, s, l.ID)
	if _, err := decide(s, a.ID, model.Approved); err != nil {
		t.Fatalf("a book with no team: %v", err)
	}
	b := bigLead(t, s, "Bolt")
	if err := s.Update(func(tx *Tx) error { return tx.Bind("https://crm.example.com", s.User()) }); err != nil {
		t.Fatal(err)
	}
	own := request(t, s, b.ID)
	if _, err := decide(s, own.ID, model.Approved); !errors.Is(err, ErrOwnRequest) || !strings.Contains(err.Error(), "yourself") {
		t.Fatalf("deciding one's own request in a team's book: %v", err)
	}
}
