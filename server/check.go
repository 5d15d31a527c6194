package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
)

// The gatekeeper's checks (DESIGN.md §5): every pushed op is decoded into
// the typed model and checked as the client checks before it writes
// (model.CheckFields), fields the server owns are checked against the
// authenticated user, and the record as it will be after the merge must
// pass model.CheckRecord, so that no op can leave a record that another
// user's replica could not decode, show or sum.

// fixedFields are set when a record is created and never change after.
var fixedFields = map[string][]string{
	model.TypeLead:      {"id"},
	model.TypeActivity:  {"id", "lead_id", "author", "created_at"},
	model.TypeTask:      {"id", "lead_id", "created_at"},
	model.TypeComplaint: {"id", "lead_id", "opened_at"},
	model.TypeTarget:    {"id", "user", "year", "quarter"},
	// A request covers the figures it asked about, for its lead, asked
	// by its requester: decisions are given on those.
	model.TypeApproval: {"id", "lead_id", "requested_by", "requested_at", "value", "discount_pct", "channel", "reasons", "note"},
	model.TypeService:  {"id", "lead_id", "created_at", "created_by"},
}

// authorFields name the fields of a record, and of the entries of its
// append-only lists, that say who wrote it: they must name the pushing
// user, so the audit trail cannot be forged.
var authorFields = map[string][]string{
	model.TypeActivity: {"author"},
	model.TypeTarget:   {"set_by"},
	model.TypeApproval: {"requested_by"},
}

// creatorFields name who made a record: they must name the pushing user
// when it is made, and never change after (fixedFields), though others
// edit the record later.
var creatorFields = map[string][]string{
	model.TypeService: {"created_by"},
}

var entryAuthor = map[string]string{"stage_log": "by", "revisions": "author", "decisions": "by"}

// pipeline is the pipeline in force while no company settings are
// stored: Service.Pipeline, else the default. Pushes and checks read the
// stored one in their transaction (pipelineIn, settings.go).
func (s *Service) pipeline() model.Pipeline {
	if len(s.Pipeline.Stages) > 0 {
		return s.Pipeline
	}
	return model.DefaultPipeline()
}

// latestIn is latest for an op of tx: the batch's, when tx is a push's.
func (s *Service) latestIn(tx Tx) time.Time {
	if bt, ok := tx.(*batchTx); ok && !bt.latest.IsZero() {
		return bt.latest
	}
	return s.latest()
}

// latest is the newest time an op may carry: now plus the allowed skew.
func (s *Service) latest() time.Time {
	skew := s.MaxSkew
	if skew == 0 {
		skew = DefaultMaxSkew
	}
	return s.now().Add(skew)
}

// checkOp checks what op carries, before it is merged: typed values,
// times no later than the server's clock allows, and the authored fields.
// The create of a new record is checked whole after the merge, which
// leaves exactly its fields, so its values are not checked twice.
func (s *Service) checkOp(u User, op model.Op, exists bool, latest time.Time) error {
	typ := op.Entity.Type
	switch op.Kind {
	case model.OpCreate, model.OpSet:
		if op.Kind == model.OpSet || exists {
			// A value that loses the merge is still kept in the record's
			// history and shown, so it is checked too.
			if err := model.CheckFields(typ, op.Fields, latest); err != nil {
				return reject("%s %s: %v", typ, op.Entity.ID, err)
			}
		}
		if err := model.CheckSelfID(op.Fields, op.Entity.ID); err != nil {
			return reject("%s %s: %v", typ, op.Entity.ID, err)
		}
		authors := authorFields[typ]
		if !exists {
			authors = append(slices.Clip(authors), creatorFields[typ]...)
		}
		for _, f := range authors {
			if v, ok := op.Fields[f]; ok && !isNull(v) && !model.JSONTextIs(v, u.Name) {
				return reject("%s %s: %s must be you (%s), not %s", typ, op.Entity.ID, f, u.Name, v)
			}
		}
		for f, by := range entryAuthor {
			v, ok := op.Fields[f]
			if !ok || !model.IsAppendField(typ, f) {
				continue
			}
			authors, ok := model.EntryValues(v, by)
			if !ok {
				var entries []map[string]json.RawMessage
				_ = json.Unmarshal(v, &entries) // Validate read it as a list of entries
				authors = make([]json.RawMessage, len(entries))
				for i, e := range entries {
					authors[i] = e[by]
				}
			}
			for _, a := range authors {
				if err := checkEntryAuthor(u, op, f, by, a); err != nil {
					return err
				}
			}
		}
	case model.OpAppend:
		if err := model.CheckEntry(typ, op.Field, op.Entry, latest); err != nil {
			return reject("%s %s: %v", typ, op.Entity.ID, err)
		}
		var e map[string]json.RawMessage
		_ = json.Unmarshal(op.Entry, &e)
		if err := checkEntryAuthor(u, op, op.Field, entryAuthor[op.Field], e[entryAuthor[op.Field]]); err != nil {
			return err
		}
	}
	return nil
}

func checkEntryAuthor(u User, op model.Op, list, field string, v json.RawMessage) error {
	if field == "" || isNull(v) || model.JSONTextIs(v, u.Name) {
		return nil
	}
	return reject("%s %s: an entry of %s says %s is %s; it must be you (%s)", op.Entity.Type, op.Entity.ID, list, field, v, u.Name)
}

// snapshot keeps the values of the fields checkMerged compares.
func snapshot(rec *model.Record) map[string]json.RawMessage {
	out := map[string]json.RawMessage{}
	for _, list := range [][]string{fixedFields[rec.Type], managerOnly, {"created_at", "stage"}} {
		for _, f := range list {
			if v, ok := rec.Fields[f]; ok {
				out[f] = v
			}
		}
	}
	return out
}

// checkMerged checks the record as the op left it: fields fixed at
// creation kept, the fields only a manager may change unchanged for anyone
// else, the whole record valid for every replica, and a lead moved to won
// approved when it needs to be (checkWon).
func (s *Service) checkMerged(tx Tx, u User, op model.Op, before map[string]json.RawMessage, rec *model.Record, existed bool, fresh *freshCreate) error {
	ref := op.Entity
	if ref.Type == model.TypeLead && u.Role != RoleManager {
		for _, f := range managerOnly {
			if existed && !bytes.Equal(before[f], rec.Fields[f]) {
				return reject("only a manager can change a lead's %s", f)
			}
		}
		if !existed && !model.JSONTextIs(rec.Fields["owner"], u.Name) {
			return reject("a new lead's owner must be you (%s)", u.Name)
		}
	}
	if err := checkRole(tx, u, op, before["owner"], rec); err != nil { // roles.go
		return err
	}
	if existed {
		for _, f := range fixedFields[ref.Type] {
			if !bytes.Equal(before[f], rec.Fields[f]) {
				return reject("%s %s: %s is set when it is created and cannot change", ref.Type, ref.ID, f)
			}
		}
		if ref.Type == model.TypeLead && !earlierOrSame(rec.Fields["created_at"], before["created_at"]) {
			// Merging two leads keeps the earlier creation time; nothing
			// else moves it.
			return reject("lead %s: created_at can only move earlier", ref.ID)
		}
	}
	pipeline, err := s.pipelineIn(tx)
	if err != nil {
		return err
	}
	var typed any
	if fresh != nil {
		typed, err = fresh.typed, fresh.err // rec is fresh.rec, checked against the same pipeline and clock
	} else {
		typed, err = model.DecodeRecord(ref.Type, rec.Fields, pipeline, s.latestIn(tx))
	}
	if err != nil {
		return reject("%s %s would not be valid after this change: %v", ref.Type, ref.ID, err)
	}
	if l, ok := typed.(*model.Lead); ok && l.Stage == model.StageWon {
		// A move to won is checked; so is a lead made at won, except by
		// a manager, who brings in the accounts won before fieldcrm (an
		// import of history): a rep cannot skip the approval by entering
		// the deal won.
		moved := existed && !model.JSONTextIs(before["stage"], model.StageWon)
		if moved || !existed && u.Role != RoleManager {
			if err := s.checkWon(tx, ref.ID, l, !existed); err != nil {
				return err
			}
		}
	}
	if t, ok := typed.(*model.Target); ok {
		if want := model.TargetID(t.Year, t.Quarter, t.User); ref.ID != want {
			return reject("target %s: a target of %s for %d q%d has the id %s", ref.ID, t.User, t.Year, t.Quarter, want)
		}
	}
	return nil
}

// checkWon refuses to move lead id, l as the op left it (the typed
// record checkMerged decoded), to won while the approval rules in force
// say it needs an approval that none of its requests covers
// (model.ApprovalBlock): the laptop
// refuses the move itself when it knows, and this is for when it did
// not (an approval rule changed, or its copy of the requests was old).
// A lead made at won (made says so) has no requests yet, so it is
// refused whenever it needs approval. The lead's requests are read only
// when it needs approval.
func (s *Service) checkWon(tx Tx, id string, l *model.Lead, made bool) error {
	rules, err := s.rulesIn(tx)
	if err != nil {
		return err
	}
	if len(rules.approval.Needs(l)) == 0 {
		return nil
	}
	recs, err := tx.ChildRecords(id, model.TypeApproval)
	if err != nil {
		return err
	}
	var reqs []model.Approval
	for _, r := range recs {
		var a model.Approval
		if json.Unmarshal(model.EncodeFields(r.Fields), &a) == nil {
			reqs = append(reqs, a)
		}
	}
	slices.SortFunc(reqs, func(a, b model.Approval) int { return a.RequestedAt.Compare(b.RequestedAt) }) // the newest approval is named
	reasons := model.ApprovalBlock(rules.approval, l, reqs)
	if reasons == nil {
		return nil
	}
	next := "ask for approval first"
	if made {
		return reject("lead %s cannot be entered already won: it needs approval (%s); add it at an earlier stage and ask for approval, or have a manager import won accounts", id, whyApproval(rules.approval, l, reasons))
	}
	for _, a := range reqs {
		if !a.Deleted && a.Status() == model.Approved {
			next = fmt.Sprintf("the approval given covers %s with a discount of %d%%; ask for approval again", a.Value, a.DiscountPct)
		}
	}
	return reject("lead %s needs approval before it can be won (%s); %s", id, whyApproval(rules.approval, l, reasons), next)
}

// whyApproval says in words why lead l needs approval under r.
func whyApproval(r model.ApprovalRules, l *model.Lead, reasons []string) string {
	var out []string
	for _, why := range reasons {
		switch why {
		case model.ReasonValue:
			out = append(out, fmt.Sprintf("value %s is at or above %s", model.DealValue(l), r.MinValue))
		case model.ReasonDiscount:
			out = append(out, fmt.Sprintf("a discount of %d%% is above %d%%", l.Negotiation.DiscountPct, r.MaxDiscountPct))
		case model.ReasonChannel:
			out = append(out, fmt.Sprintf("deals from the %s channel need approval", l.Source))
		}
	}
	return strings.Join(out, "; ")
}

func earlierOrSame(now, before json.RawMessage) bool {
	if isNull(before) || bytes.Equal(now, before) {
		return true
	}
	var a, b time.Time
	if json.Unmarshal(now, &a) != nil || json.Unmarshal(before, &b) != nil {
		return false
	}
	return !a.After(b)
}

func isNull(v json.RawMessage) bool { return len(v) == 0 || string(v) == "null" }
