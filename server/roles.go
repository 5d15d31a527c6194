package server

import (
	"bytes"
	"encoding/json"
	"slices"

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
		_ = json.Unmarshal(rec.Fields["owner"], &owner)
		_ = json.Unmarshal(rec.Fields["assignees"], &assignees)
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
// it names whose role lets them see it at its stage (seesAtStage). It is
// what the visibility index holds, so a stage change that takes a lead
// out of a support or after-sales user's sight revokes it as a
// reassignment does.
func (s *Service) visibility(tx Tx, rec *model.Record) ([]string, error) {
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
	return out, nil
}

// canSee reports whether u may see the lead whose record is rec.
func (s *Service) canSee(tx Tx, u User, rec *model.Record) (bool, error) {
	if seesAll(u.Role) {
		return true, nil
	}
	if !slices.Contains(named(rec), u.Name) {
		return false, nil
	}
	return s.seesAtStage(tx, u.Role, rec)
}

// seesAtStage reports whether a user of role named on the lead sees it at
// the lead's stage: support from SolutionStage on, after-sales once it is
// won (a customer account), everyone else at every stage.
func (s *Service) seesAtStage(tx Tx, role string, rec *model.Record) (bool, error) {
	if role != RoleSupport && role != RoleAftersales {
		return true, nil
	}
	var stage string
	_ = json.Unmarshal(rec.Fields["stage"], &stage)
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
// is read; otherwise every lead is, once.
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
		for _, name := range l.names {
			role, ok := roles[name]
			if !ok {
				if role, err = roleOf(tx, name); err != nil {
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
