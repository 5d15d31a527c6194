package server

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"

	"github.com/fieldcrm/fieldcrm/model"
)

// SolutionStage is the pipeline stage from which technical support sees
// the leads they are assigned to: the default pipeline's solution stage
// (方案设计), where needs are analysed with support. Stages are compared by
// their order in the pipeline in force (the company settings' when
// stored), so support keeps the lead through negotiation, won and lost. A
// pipeline without this key gives support its assigned leads at every
// stage.
const SolutionStage = "solution"

// seesAll reports whether role sees every lead without being named on
// it: managers, who run the team, and leadership, who review it.
func seesAll(role string) bool {
	return role == RoleManager || role == RoleLeadership
}

// named is who a lead names: its owner and its assignees, sorted.
func named(rec *model.Record) []string {
	var owner string
	var assignees []string
	if rec != nil {
		owner = textOf(rec, "owner")
		if v := rec.Fields["assignees"]; v != nil {
			_ = json.Unmarshal(v, &assignees)
		}
	}
	var out []string
	if owner != "" {
		out = append(out, owner)
	}
	for _, a := range assignees {
		if a != "" && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	slices.Sort(out)
	return out
}

// visibility is who may see a lead besides those who see all: the users
// it names whose role lets them see it at its stage (seesAtStage), and
// the support and after-sales users, or their queues (model.QueueName),
// that its tasks and service orders are assigned to (work), at the
// stages their role sees it. It is what the visibility index holds, so a
// stage change or a reassigned order that takes a lead out of a support
// or after-sales user's sight revokes it as a reassignment does.
//
// pending is a task or service order of the lead as an op leaves it,
// before it is stored: it counts instead of the stored one.
func (s *Service) visibility(tx Tx, lead string, rec *model.Record, pending ...job) ([]string, error) {
	var out []string
	for _, name := range named(rec) {
		role, err := roleOf(tx, name)
		if err != nil {
			return nil, err
		}
		ok, err := s.seesAtStage(tx, role, rec)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, name)
		}
	}
	// Only a lead a helper could see at its stage has its work read, so
	// that the pushes of leads before it pay nothing for it.
	support, err := s.seesAtStage(tx, RoleSupport, rec)
	if err != nil || !support && !seenWon(rec) {
		return out, err
	}
	work, err := s.work(tx, lead)
	if err != nil {
		return nil, err
	}
	var workers []string
	for id, name := range work {
		if !slices.ContainsFunc(pending, func(j job) bool { return j.id == id }) {
			workers = append(workers, name)
		}
	}
	for _, j := range pending {
		if j.worker != "" {
			workers = append(workers, j.worker)
		}
	}
	for _, name := range workers {
		role, err := workerRole(tx, name)
		if err != nil {
			return nil, err
		}
		if role != RoleSupport && role != RoleAftersales || slices.Contains(out, name) {
			continue // work brings on helpers only; a rep is named on the lead
		}
		if ok, err := s.seesAtStage(tx, role, rec); err != nil {
			return nil, err
		} else if ok {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out, nil
}

// seenWon reports whether the lead whose record is rec is won, where
// after-sales sees it.
func seenWon(rec *model.Record) bool {
	return textOf(rec, "stage") == model.StageWon
}

// textOf is field f of rec as a string: "" when it is absent or not a
// string, as json.Unmarshal leaves a string then, without the error it
// makes (a push asks this of every record it checks).
func textOf(rec *model.Record, f string) string {
	v := rec.Fields[f]
	if v == nil {
		return ""
	}
	s, _ := model.JSONText(v)
	return s
}

// workerRole is the role of a name work is assigned to: a queue's role,
// or the user's.
func workerRole(tx Tx, name string) (string, error) {
	if role, ok := strings.CutPrefix(name, "@"); ok {
		return role, nil
	}
	return roleOf(tx, name)
}

// job is a task or service order (id) and who it is assigned to
// (worker).
type job struct{ id, worker string }

// work maps each task and service order of the lead that is assigned to
// someone (worker) to them; the caller must not change it. A push batch
// reads a lead's children once and keeps the map up to date as it
// writes them (batchTx.PutRecord).
func (s *Service) work(tx Tx, lead string) (map[string]string, error) {
	bt, _ := tx.(*batchTx)
	if bt != nil {
		if w, ok := bt.work[lead]; ok {
			return w, nil
		}
	}
	recs, err := tx.ChildRecords(lead, model.TypeTask, model.TypeService)
	if err != nil {
		return nil, err
	}
	w := map[string]string{}
	for ref, rec := range recs {
		if name := worker(rec); name != "" {
			w[ref.ID] = name
		}
	}
	if bt != nil {
		bt.keepWork(lead, w)
	}
	return w, nil
}

// worker is who a task or service order is assigned to: its assignee,
// else its queue's name (model.QueueName; a service order without an
// assignee waits in the after-sales queue), "" for none or when it is
// deleted.
func worker(rec *model.Record) string {
	assignee, queue := textOf(rec, "assignee"), textOf(rec, "queue")
	var deleted bool
	if v := rec.Fields["deleted"]; v != nil {
		_ = json.Unmarshal(v, &deleted)
	}
	switch {
	case deleted:
		return ""
	case assignee != "":
		return assignee
	case rec.Type == model.TypeService:
		return model.QueueName(model.QueueAftersales)
	case queue != "":
		return model.QueueName(queue)
	}
	return ""
}

// changesWork reports whether op may change who its task or service
// order is assigned to.
func changesWork(op model.Op) bool {
	if op.Entity.Type != model.TypeTask && op.Entity.Type != model.TypeService {
		return false
	}
	if op.Kind == model.OpCreate || op.Kind == model.OpDelete {
		return true
	}
	for _, f := range []string{"assignee", "queue", "deleted"} {
		if _, ok := op.Fields[f]; ok {
			return true
		}
	}
	return false
}

// canSee reports whether u may see lead, whose record is rec: named on
// it, or, for support and after-sales, given work on it (the index says
// so of them or their queue) at a stage their role sees it.
func (s *Service) canSee(tx Tx, u User, lead string, rec *model.Record) (bool, error) {
	if seesAll(u.Role) {
		return true, nil
	}
	if slices.Contains(named(rec), u.Name) {
		return s.seesAtStage(tx, u.Role, rec)
	}
	if u.Role != RoleSupport && u.Role != RoleAftersales {
		return false, nil
	}
	// The index holds them only at a stage they see the lead at; rec may
	// be the lead as an op left it, before the index follows.
	if ok, err := s.seesAtStage(tx, u.Role, rec); err != nil || !ok {
		return false, err
	}
	return tx.VisibleToAny(sightNames(u), lead)
}

// sightNames are the names u sees a lead under in the visibility index:
// their own and, for support and after-sales, their role's queue.
func sightNames(u User) []string {
	if u.Role == RoleSupport || u.Role == RoleAftersales {
		return []string{u.Name, model.QueueName(u.Role)}
	}
	return []string{u.Name}
}

// leavesOut reports whether a pull by u leaves out a grant or a revoke
// naming user: one of someone else's, or any for a user who sees every
// lead (PullOwn). A push answer counts those as the replica's own
// (PushReach's CaughtUp), so the two must agree. names is sightNames(u).
func leavesOut(u User, names []string, user string) bool {
	return seesAll(u.Role) || !slices.Contains(names, user)
}

// seesAtStage reports whether a user of role named on the lead sees it at
// the lead's stage: support from SolutionStage on, after-sales once it is
// won (a customer account), everyone else at every stage.
func (s *Service) seesAtStage(tx Tx, role string, rec *model.Record) (bool, error) {
	if role != RoleSupport && role != RoleAftersales {
		return true, nil
	}
	stage := textOf(rec, "stage")
	if role == RoleAftersales {
		return stage == model.StageWon, nil
	}
	p, err := s.pipelineIn(tx)
	if err != nil {
		return false, err
	}
	return supportSees(p, stage), nil
}

// supportSees reports whether support sees an assigned lead at stage in
// pipeline p: from SolutionStage on, or always when p lacks it.
func supportSees(p model.Pipeline, stage string) bool {
	from := p.Index(SolutionStage)
	return from < 0 || p.Index(stage) >= from
}

// resight brings support's sight in step with a new pipeline p, in the
// transaction that stores it: a settings version that moves the solution
// stage moves which leads support sees, though no lead changed. It grants
// or revokes as a change to the lead would (logVisibility). was (when
// had) is the version p replaces: when support sees at the same stages in
// both, as after most changes (labels, probabilities, templates), nothing
// is read; otherwise every lead is, once, with its tasks and service
// orders (work).
func (s *Service) resight(tx Tx, was StoredSettings, had bool, p model.Pipeline) error {
	old := s.pipeline()
	if had {
		old = storedPipeline(was)
	}
	if sameSight(old, p) {
		return nil
	}
	type lead struct {
		id, stage string
		names     []string
	}
	// The scan only collects: a storage may not read or write anything
	// else while it iterates (PostgreSQL's rows hold the connection).
	var leads []lead
	err := tx.EachRecord(model.EntityRef{Type: model.TypeLead}, func(ref model.EntityRef, rec *model.Record, bad error) (bool, error) {
		if ref.Type != model.TypeLead {
			return false, nil
		}
		if bad == nil {
			l := lead{id: ref.ID, names: named(rec)}
			_ = json.Unmarshal(rec.Fields["stage"], &l.stage)
			leads = append(leads, l)
		}
		return true, nil // a record that cannot be read is an operator's repair
	})
	if err != nil {
		return err
	}
	roles := map[string]string{}
	for _, l := range leads {
		work, err := s.work(tx, l.id) // support's tasks bring them on too
		if err != nil {
			return err
		}
		for _, name := range work {
			if !slices.Contains(l.names, name) {
				l.names = append(l.names, name)
			}
		}
		slices.Sort(l.names) // grants in the same order on every run
		for _, name := range l.names {
			role, ok := roles[name]
			if !ok {
				if role, err = workerRole(tx, name); err != nil {
					return err
				}
				roles[name] = role
			}
			if role != RoleSupport {
				continue
			}
			has, err := tx.Visible(name, l.id)
			if err != nil {
				return err
			}
			want := supportSees(p, l.stage)
			if want == has {
				continue
			}
			e := LogEntry{Kind: EntryGrant, Lead: l.id, User: name}
			add, remove := []string{name}, []string(nil)
			if !want {
				e.Kind, add, remove = EntryRevoke, nil, add
			}
			if err := tx.SetVisible(l.id, remove, add); err != nil {
				return err
			}
			if _, err := tx.Append(e); err != nil {
				return err
			}
		}
	}
	return nil
}

// sameSight reports whether support sees at the same stages in a and b.
func sameSight(a, b model.Pipeline) bool {
	for _, p := range []model.Pipeline{a, b} {
		for _, st := range p.Stages {
			if supportSees(a, st.Key) != supportSees(b, st.Key) {
				return false
			}
		}
	}
	return true
}

// roleOf returns the role of the user called name; a name with no
// account yet (a lead may name someone before they are added) counts as
// a rep, who sees what names them. A push reads each user once.
func roleOf(tx Tx, name string) (string, error) {
	bt, _ := tx.(*batchTx)
	if bt != nil {
		if r, ok := bt.roles[name]; ok {
			return r, nil
		}
	}
	u, ok, err := tx.User(name)
	if err != nil {
		return "", err
	}
	role := RoleRep
	if ok {
		role = u.Role
	}
	if bt != nil {
		if bt.roles == nil {
			bt.roles = map[string]string{}
		}
		bt.roles[name] = role
	}
	return role, nil
}

// checkRole checks, with the op merged into rec, what u's role may not
// do that authoriseRole does not see: make someone a lead's owner who
// cannot own one (checkOwner), or, for leadership, delete or trash an
// activity, task or complaint (a rep's visit is the rep's to delete).
// ownerBefore is the lead's owner field as it was.
func checkRole(tx Tx, u User, op model.Op, ownerBefore json.RawMessage, rec *model.Record) error {
	if op.Entity.Type == model.TypeLead {
		return checkOwner(tx, ownerBefore, rec)
	}
	_, trash := op.Fields["deleted"]
	if u.Role == RoleLeadership && (op.Kind == model.OpDelete || trash) {
		return reject("leadership adds notes, follow-ups and complaints but deletes none")
	}
	if _, ok := op.Fields["service_id"]; ok && op.Entity.Type == model.TypeComplaint {
		return checkComplaintService(tx, rec)
	}
	return nil
}

// checkComplaintService refuses a complaint that names a service order
// of another account, or none the server has: it is about the work done
// for its own customer (the laptop checks the same).
func checkComplaintService(tx Tx, rec *model.Record) error {
	var service, lead string
	_ = json.Unmarshal(rec.Fields["service_id"], &service)
	if service == "" {
		return nil
	}
	_ = json.Unmarshal(rec.Fields["lead_id"], &lead)
	srec, ok, err := tx.Record(model.EntityRef{Type: model.TypeService, ID: service})
	if err != nil {
		return err
	}
	var of string
	if ok {
		_ = json.Unmarshal(srec.Fields["lead_id"], &of)
	}
	if !ok || of != lead {
		return reject("complaint: service order %s is not one of its account's orders", service)
	}
	return nil
}

// checkOwner refuses a change that makes a lead's owner someone whose
// role does not own leads: leadership, support and after-sales work on
// the leads sales own, brought on as assignees (fieldcrm lead assign).
// before is the owner field as it was.
func checkOwner(tx Tx, before json.RawMessage, rec *model.Record) error {
	if bytes.Equal(before, rec.Fields["owner"]) {
		return nil
	}
	var owner string
	if json.Unmarshal(rec.Fields["owner"], &owner) != nil || owner == "" {
		return nil // the record's own check says what is wrong
	}
	role, err := roleOf(tx, owner)
	if err != nil {
		return err
	}
	if role == RoleLeadership || role == RoleSupport || role == RoleAftersales {
		return reject("%s is %s and cannot own a lead: a rep or a manager owns it; assign %s to it instead", owner, role, owner)
	}
	return nil
}

// authoriseRole checks the ops a role may make on a lead it sees, beyond
// what every non-manager is refused (sync.go): leadership reviews and
// comments, so it adds and edits activities, tasks and complaints on any
// lead but deletes none and never changes a lead itself (that would take
// it over from its rep); after-sales logs service visits and complaints on its accounts
// but leaves the lead to sales; support works on a lead but neither
// creates nor deletes one.
func authoriseRole(u User, op model.Op) error {
	if op.Entity.Type != model.TypeLead {
		return nil // leadership's deletes: checkRole
	}
	// Moving a lead to the trash (or out of it) is a set of deleted.
	_, trash := op.Fields["deleted"]
	switch u.Role {
	case RoleLeadership:
		return reject("leadership reviews leads but does not change them; add a note or a task instead")
	case RoleAftersales:
		return reject("after-sales does not change leads; log a service visit or a complaint instead")
	case RoleSupport:
		if op.Kind == model.OpCreate || op.Kind == model.OpDelete || trash {
			return reject("support may not create or delete leads")
		}
	}
	return nil
}

// authoriseWork checks what u's role may do to an approval request or a
// service order on a lead u sees (lrec); rec is the record as it was
// (exists). Requests: reps and managers ask on the leads they see, the
// settings' approvers decide, never on their own request, and the
// requester or a manager withdraws one. Service orders: sales hand them
// on when a lead is won, after-sales adds its own, and after-sales, the
// lead's owner and managers change them; leadership and support read.
func (s *Service) authoriseWork(tx Tx, u User, op model.Op, rec *model.Record, exists bool, lrec *model.Record) error {
	switch op.Entity.Type {
	case model.TypeApproval:
		return s.authoriseApproval(tx, u, op, rec, exists)
	case model.TypeService:
		switch {
		case u.Role == RoleLeadership:
			return reject("leadership reads service orders but does not change them")
		case u.Role == RoleSupport:
			return reject("support reads service orders; after-sales, the lead's owner and managers change them")
		case u.Role == RoleRep && exists && !model.JSONTextIs(lrec.Fields["owner"], u.Name):
			return reject("only the lead's owner, a manager or after-sales can change service order %s", op.Entity.ID)
		}
	}
	return nil
}

func (s *Service) authoriseApproval(tx Tx, u User, op model.Op, rec *model.Record, exists bool) error {
	if u.Role == RoleSupport || u.Role == RoleAftersales {
		return reject("support and after-sales neither request nor decide approvals")
	}
	decides := op.Kind == model.OpAppend && op.Field == "decisions" || !isNull(op.Fields["decisions"]) && string(op.Fields["decisions"]) != "[]"
	if !exists && u.Role == RoleLeadership {
		return reject("leadership decides approval requests but does not make them; the lead's rep or a manager asks")
	}
	if !decides {
		if exists && !model.JSONTextIs(rec.Fields["requested_by"], u.Name) && u.Role != RoleManager {
			return reject("only who asked for approval request %s, or a manager, can withdraw it", op.Entity.ID)
		}
		return nil
	}
	rules, err := s.rulesIn(tx)
	if err != nil {
		return err
	}
	if !rules.approval.MayDecide(u.Role) {
		approvers := rules.approval.Approvers
		if len(approvers) == 0 {
			approvers = []string{RoleLeadership}
		}
		if u.Role == RoleManager {
			return reject("only %s may decide approval requests: the company settings do not make managers approvers", strings.Join(approvers, " and "))
		}
		return reject("only %s may decide approval requests", strings.Join(approvers, " and "))
	}
	requester := op.Fields["requested_by"]
	if exists {
		requester = rec.Fields["requested_by"]
	}
	if model.JSONTextIs(requester, u.Name) {
		return reject("you asked for approval request %s yourself, so another approver must decide it", op.Entity.ID)
	}
	return nil
}
