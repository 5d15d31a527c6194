package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"sync/atomic"
	"time"

	"github.com/fieldcrm/fieldcrm/jsonpack"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/wire"
)

// DefaultMaxSkew is how far into the server's future an op's clock may
// be before the op is refused.
const DefaultMaxSkew = 5 * time.Minute

// maxScan bounds the log entries one pull reads, however few of them the
// user may see; the cursor still advances past them.
const maxScan = 20000

// rejection is an op refused with a sentence for the user.
type rejection struct{ reason string }

func (r *rejection) Error() string { return r.reason }

func reject(format string, args ...any) error { return &rejection{fmt.Sprintf(format, args...)} }

// Service is the sync logic over a Storage: authorisation, visibility,
// seq assignment and the answers of push and pull.
type Service struct {
	Store   Storage
	Now     func() time.Time
	MaxSkew time.Duration
	// Pipeline is the company's pipeline that ops are checked against
	// while no company settings are stored (settings.go); empty means
	// model.DefaultPipeline.
	Pipeline model.Pipeline
	// ParseSettings checks a company settings document (settings.go).
	ParseSettings SettingsParser
	settings      settingsCache
	// Quota is the bytes of ops each user may store (quota.go): 0 means
	// DefaultQuota, NoQuota no limit.
	Quota int64
	// readInTurn reads and checks each op of a push in its turn, on the
	// push's goroutine (ReadInTurn, for tests that compare).
	readInTurn bool
	// syncs counts the pushes and pulls being served, and lastSync is when
	// the last ended (Unix ns): the start-up check gives way to them
	// (giveway.go).
	syncs, lastSync atomic.Int64
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Push applies a batch of ops from user u in one transaction and answers
// each: applied (with its seq), duplicate (with the seq it was applied
// at) or rejected (with a reason). raw holds the ops as sent; each is
// decoded and validated on its own.
func (s *Service) Push(ctx context.Context, u User, raw []json.RawMessage) (wire.PushResponse, error) {
	return s.PushReach(ctx, u, raw, wire.Reach{})
}

// PushReach is Push for a replica that says how far it has pulled
// (wire.ReachHeader). When the log ended at its cursor before the batch,
// in its epoch, and the batch appended nothing but its own applied ops
// (no grant or revoke, no op of another device), a pull from that cursor
// would leave out everything up to the new head once the replica stores
// the answer (PullOwn, wire.Own.Skips): the answer says so
// (wire.PushResponse.CaughtUp).
func (s *Service) PushReach(ctx context.Context, u User, raw []json.RawMessage, reach wire.Reach) (wire.PushResponse, error) {
	return s.pushReach(ctx, u, raw, nil, reach)
}

// pushReach is PushReach for a push whose ops came each packed on its own
// (wire.DecodeEmbeddedPush): packed[i], when packed is not nil, is raw[i]
// as it came, which the log keeps instead of packing raw[i] again.
func (s *Service) pushReach(ctx context.Context, u User, raw []json.RawMessage, packed [][]byte, reach wire.Reach) (wire.PushResponse, error) {
	defer s.syncing()()
	// One clock for the whole batch: its ops' stamps, and the times their
	// values may name, are held to the same limit whichever goroutine
	// checks them (readOps).
	latest := s.latest()
	limit := latest.UnixMilli()
	var resp wire.PushResponse
	err := s.Store.Update(ctx, func(stx Tx) error {
		tx := &batchTx{Tx: stx, leads: map[string]*model.Record{}, latest: latest}
		resp = wire.PushResponse{Results: make([]wire.PushResult, len(raw))}
		before := map[string]*seenBy{} // lead -> who saw it before this batch
		var rejected []model.EntityRef
		pipeline, err := s.pipelineIn(tx)
		if err != nil {
			return err
		}
		ops, ready, err := s.readOps(stx, u, raw, packed, pipeline, latest)
		if err != nil {
			return err
		}
		var head0 uint64
		var epoch string
		if reach.Replica != "" {
			if head0, err = stx.Head(); err != nil {
				return err
			}
			if epoch, err = stx.Epoch(); err != nil {
				return err
			}
		}
		own := uint64(0) // ops applied that a pull by reach's replica leaves out
		for i, data := range raw {
			// A resend (a push whose answer was lost) is answered from
			// the op id alone, without decoding and checking the op again.
			if id, ok := opIDOf(data); ok {
				if seq, found, err := tx.OpSeq(id); err != nil {
					return err
				} else if found {
					resp.Results[i] = wire.PushResult{OpID: id, Status: wire.StatusDuplicate, Seq: seq}
					continue
				}
			}
			ready(i)
			op, err := ops[i].op, ops[i].err
			if err != nil {
				resp.Results[i] = wire.PushResult{Status: wire.StatusRejected, Reason: err.Error()}
				continue
			}
			res := &resp.Results[i]
			res.OpID = op.ID
			if seq, ok, err := tx.OpSeq(op.ID); err != nil {
				return err
			} else if ok {
				res.Status, res.Seq = wire.StatusDuplicate, seq
				continue
			}
			if op.HLC.Wall > limit {
				res.Status = wire.StatusRejected
				res.Reason = fmt.Sprintf("its clock (%s) is %s ahead of the server's; check this device's date and time",
					op.HLC.Time().UTC().Format(time.RFC3339), time.Duration(op.HLC.Wall-s.now().UnixMilli())*time.Millisecond)
				rejected = append(rejected, op.Entity)
				continue
			}
			// An op whose actor is already u is stored as it came: its
			// JSON decodes to op, which passed every check.
			stored := data
			if op.Actor.User != u.Name {
				op.Actor.User, stored = u.Name, nil
			}
			seq, err := s.applyWithinQuota(tx, u, op, stored, before, &ops[i])
			ops[i] = readOp{} // what was read ahead goes with the op: a server's memory holds a batch once
			if err != nil {
				if r, ok := err.(*rejection); ok {
					res.Status, res.Reason = wire.StatusRejected, r.reason
					rejected = append(rejected, op.Entity)
					continue
				}
				return err
			}
			res.Status, res.Seq = wire.StatusApplied, seq
			if op.Actor.Device == reach.Replica {
				own++
			}
		}
		skipped, err := s.logVisibilityFor(tx, before, u)
		if err != nil {
			return err
		}
		if err := s.answerRejected(tx, u, rejected, &resp); err != nil {
			return err
		}
		if reach.Replica == "" || reach.Cursor != head0 || !(reach.Epoch == epoch || reach.Epoch == "" && reach.Cursor == 0) {
			return nil
		}
		// Each applied op appended one entry, and each grant or revoke of
		// another user's its seqs: anything more (a grant or a revoke of
		// u's, an op of another device), and the pull decides.
		head, err := stx.Head()
		if err == nil && head-head0 == own+skipped {
			resp.CaughtUp = &wire.CaughtUp{Cursor: head, Epoch: epoch}
		}
		return err
	})
	if err != nil {
		return wire.PushResponse{}, fmt.Errorf("push: %w", err)
	}
	return resp, nil
}

// prefetcher is a Tx that reads ahead, in one round trip each, the op
// ids and records a push will look up one by one (postgres.go); bbolt's
// lookups are local and it does not.
type prefetcher interface {
	prefetchSeqs(ids []string) error
	prefetchRecords(refs []model.EntityRef) error
}

// readOp is one op of a push as read, or why it could not be.
type readOp struct {
	op    model.Op
	err   error
	fresh *freshCreate // for a create
	// packed is the op's JSON as pushed, packed as the log keeps it
	// (LogEntry.Packed), when the log keeps it as pushed: its actor is
	// the pusher.
	packed []byte
}

// freshCreate is a create merged into an empty record, checked and
// encoded as u pushes it, ahead of its turn, by the goroutines that read
// the batch: when its turn comes and its record is still empty (neither
// the store nor an op before it in the batch made it), applyEncoded takes
// rec, the check's outcome and the encoding instead of merging, checking
// and encoding once more. Merging into an empty record depends on nothing
// but the op, and the check on the batch's pipeline and clock, so the
// outcome is the one the turn would reach. On a first push almost every
// op is such a create, and the check was a quarter of the server's CPU
// (BENCHMARKS.md, "The server reads a push on every core").
type freshCreate struct {
	rec     *model.Record
	typed   any    // model.DecodeRecord's record of rec's fields, or
	err     error  // why they are not valid
	encoded []byte // rec as the storage keeps it (encodeRecord), when valid
	// checked is checkOp's outcome for the op as a create of a record
	// that does not exist, which depends on nothing but the op, u and the
	// batch's clock: applyEncoded takes it when the record does not exist
	// (on a first push, 0.2 of the 1 CPU-s its one goroutine spent).
	checked error
}

// mergeFresh returns op, a create pushed by u, merged into an empty record
// and checked against pipeline and latest as checkMerged checks it.
func mergeFresh(op model.Op, u User, pipeline model.Pipeline, latest time.Time) *freshCreate {
	op.Actor.User = u.Name // as PushReach applies it
	rec := model.NewRecord(op.Entity.Type)
	rec.Apply(op)
	typed, err := model.DecodeRecord(op.Entity.Type, rec.Fields, pipeline, latest)
	fresh := &freshCreate{rec: rec, typed: typed, err: err}
	if err == nil {
		fresh.encoded, _ = encodeRecord(rec) // nil on failure: PutRecord says why
	}
	return fresh
}

// isEmpty reports whether rec holds nothing, as a record not stored yet.
func isEmpty(rec *model.Record) bool {
	return len(rec.Fields) == 0 && len(rec.Stamps) == 0 && rec.Base == (model.Stamp{}) && len(rec.History) == 0
}

// readOps reads the ops of a push that tx does not hold already (a resend
// is answered from its op id alone, without decoding and checking the op
// again), on every core (atOnce): each op is decoded, a create merged
// into an empty record, checked and encoded (freshCreate) as u pushes
// it, against pipeline and latest, the batch's, and an op of u's packed
// as the log keeps it (readOp.packed). It returns while they are
// read, in order, and ready(i) waits until ops[i] is: the push applies
// the first ops while the last are read. A tx that prefetches reads
// ahead the op ids, then, once all are read, the records the ops name
// and, for a child, its lead.
func (s *Service) readOps(tx Tx, u User, raw []json.RawMessage, packed [][]byte, pipeline model.Pipeline, latest time.Time) (ops []readOp, ready func(i int), err error) {
	p, ahead := tx.(prefetcher)
	if ahead {
		ids := make([]string, 0, len(raw))
		for _, data := range raw {
			if id, ok := opIDOf(data); ok {
				ids = append(ids, id)
			}
		}
		if err := p.prefetchSeqs(ids); err != nil {
			return nil, nil, err
		}
	}
	ops = make([]readOp, len(raw))
	todo := make([]int, 0, len(raw))
	for i, data := range raw {
		if id, ok := opIDOf(data); ok {
			if _, found, err := tx.OpSeq(id); err != nil {
				return nil, nil, err
			} else if found {
				continue
			}
		}
		todo = append(todo, i)
	}
	ready = func(int) {}
	if s.readInTurn {
		for _, i := range todo {
			op, err := model.ReadOpShared(raw[i])
			ops[i] = readOp{op: op, err: err}
		}
	} else {
		ready = atOnce(len(raw), todo, func(i int) {
			op, err := model.ReadOpShared(raw[i])
			ops[i] = readOp{op: op, err: err}
			if err == nil && op.Kind == model.OpCreate {
				ops[i].fresh = mergeFresh(op, u, pipeline, latest)
				ops[i].fresh.checked = s.checkOp(u, op, false, latest)
			}
			if err == nil && op.Actor.User == u.Name {
				ops[i].packed = logPacked(raw[i], packed, i)
			}
		}, func(i int, err error) { ops[i] = readOp{err: err} })
	}
	if !ahead {
		return ops, ready, nil
	}
	var refs []model.EntityRef
	for _, i := range todo {
		ready(i)
		op := ops[i].op
		if ops[i].err != nil {
			continue
		}
		refs = append(refs, op.Entity)
		if lead, ok := plainJSONString(op.Fields["lead_id"]); ok && op.Entity.Type != model.TypeLead {
			refs = append(refs, model.EntityRef{Type: model.TypeLead, ID: lead})
		}
	}
	if len(refs) > 0 {
		if err := p.prefetchRecords(refs); err != nil {
			return nil, nil, err
		}
	}
	return ops, ready, nil
}

// logPacked is op i of a push, raw, packed as the log keeps it: as it
// came, when it came packed on its own (packed[i]) and is no longer than
// its JSON, as Pack's packing always is; packed again otherwise. The
// bytes came from a stranger, and the quota counts the JSON: they never
// take more room in the log than it.
func logPacked(raw json.RawMessage, packed [][]byte, i int) []byte {
	if i < len(packed) && len(packed[i]) <= len(raw) {
		return packed[i]
	}
	return jsonpack.Pack(make([]byte, 0, len(raw)/2+16), raw) // grown once at most
}

// atOnceChunk is how many ops a goroutine of atOnce reads at a time, and
// the fewest worth reading on more than one.
const atOnceChunk = 64

// atOnce calls read for every index in todo (each below n, in order), on
// as many goroutines as there are cores, which take chunks of them in
// order; read must touch only what belongs to its index. It returns at
// once, and ready(i) waits until index i is read (at once for an index
// not in todo): a caller taking the indexes in order meets the reading
// only when it overtakes it. A panic in read (a bug met by some op) is
// that op's failure, not the server's: failed gets it as an error, as
// the handler's own goroutine would have been recovered.
func atOnce(n int, todo []int, read func(i int), failed func(i int, err error)) (ready func(i int)) {
	one := func(i int) {
		defer func() {
			if r := recover(); r != nil {
				failed(i, fmt.Errorf("the server could not read this change (%v)", r))
			}
		}()
		read(i)
	}
	workers := min(runtime.GOMAXPROCS(0), (len(todo)+atOnceChunk-1)/atOnceChunk)
	if workers <= 1 {
		for _, i := range todo {
			one(i)
		}
		return func(int) {}
	}
	chunks := slices.Collect(slices.Chunk(todo, atOnceChunk))
	done := make([]chan struct{}, len(chunks))
	chunkOf := make([]int32, n) // index -> its chunk plus one; 0: not read
	for c, part := range chunks {
		done[c] = make(chan struct{})
		for _, i := range part {
			chunkOf[i] = int32(c + 1)
		}
	}
	var next atomic.Int64
	for range workers {
		go func() {
			for c := int(next.Add(1) - 1); c < len(chunks); c = int(next.Add(1) - 1) {
				for _, i := range chunks[c] {
					one(i)
				}
				close(done[c])
			}
		}()
	}
	return func(i int) {
		if c := chunkOf[i]; c > 0 {
			<-done[c-1]
		}
	}
}

// readJSONString reads the JSON string v as json.Unmarshal does, at once
// when it is printable ASCII without escapes (an id always is): on a
// first push, a child's lead_id read by encoding/json took 0.06 CPU-s of
// the batch's one goroutine.
func readJSONString(v json.RawMessage) (string, error) {
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		plain := true
		for _, c := range v[1 : len(v)-1] {
			if c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
				plain = false
				break
			}
		}
		if plain {
			return string(v[1 : len(v)-1]), nil
		}
	}
	var s string
	err := json.Unmarshal(v, &s)
	return s, err
}

// plainJSONString returns the JSON string v's value when it has no
// escapes; ok is false otherwise (such a lead is then read on its own).
func plainJSONString(v json.RawMessage) (string, bool) {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' || bytes.IndexByte(v, '\\') >= 0 {
		return "", false
	}
	return string(v[1 : len(v)-1]), true
}

// apply authorises op against the record before and after, then merges it,
// logs it and returns its seq. before collects who could see each lead the
// batch touched, as it was before the batch.
func (s *Service) apply(tx Tx, u User, op model.Op, before map[string]*seenBy) (uint64, error) {
	return s.applyEncoded(tx, u, op, nil, before, nil)
}

// applyEncoded is apply for an op whose JSON the caller made already (the
// quota counts it), so that the log stores those bytes rather than
// encoding the op again; nil encodes it. ahead, when not nil, is what
// readOps made of the op ahead of its turn: op merged into an empty
// record and checked, and data packed.
func (s *Service) applyEncoded(tx Tx, u User, op model.Op, data []byte, before map[string]*seenBy, ahead *readOp) (uint64, error) {
	var fresh *freshCreate
	var packed []byte
	if ahead != nil {
		fresh = ahead.fresh
		if data != nil {
			packed = ahead.packed
		}
	}
	rec, exists, err := tx.Record(op.Entity)
	if err != nil {
		return 0, err
	}
	lead, err := s.authorise(tx, u, op, rec, exists)
	if err != nil {
		return 0, err
	}
	if fresh != nil && !exists {
		err = fresh.checked // checkOp(u, op, false, the batch's clock), read ahead
	} else {
		err = s.checkOp(u, op, exists, s.latestIn(tx))
	}
	if err != nil {
		return 0, err
	}
	old := snapshot(rec)
	// Who sees the lead may change with its stage, owner or assignees, or
	// with who its tasks and service orders are assigned to (roles.go);
	// other changes leave it as it is, and it is not worked out.
	isLead, reworks := op.Entity.Type == model.TypeLead, changesWork(op)
	sight := reworks || isLead && (!exists || movesSight(op))
	lrec := rec
	if reworks {
		if lrec, _, err = tx.Record(model.EntityRef{Type: model.TypeLead, ID: lead}); err != nil {
			return 0, err // authorise found it
		}
	}
	// The lead exists before the op unless the op makes it (exists is
	// the op's entity's). A new lead has no work to read yet.
	leadExisted := exists || !isLead
	if bt, ok := tx.(*batchTx); ok && !leadExisted {
		bt.keepWork(lead, map[string]string{})
	}
	var oldVis []string
	if sight && leadExisted {
		if oldVis, err = s.visibility(tx, lead, lrec); err != nil {
			return 0, err
		}
	}
	if sight {
		if _, ok := before[lead]; !ok {
			before[lead] = &seenBy{existed: leadExisted, users: oldVis}
		}
	}
	if fresh != nil && !exists && isEmpty(rec) && rec.Type == fresh.rec.Type {
		*rec = *fresh.rec // what Apply makes of an empty record
	} else {
		fresh = nil
		rec.Apply(op)
	}
	if err := s.checkMerged(tx, u, op, old, rec, exists, fresh); err != nil {
		return 0, err
	}
	if op.Entity.Type == model.TypeTarget && !exists {
		if err := tx.SetVisible(lead, nil, []string{targetUser(lead)}); err != nil {
			return 0, err
		}
	}
	if sight {
		var pending []job
		if reworks {
			pending = []job{{id: op.Entity.ID, worker: worker(rec)}}
		} else if ok, err := s.canSee(tx, u, lead, rec); err != nil {
			return 0, err
		} else if !ok {
			return 0, reject("after this change you could no longer see lead %s; only a manager can hand a lead over", op.Entity.ID)
		}
		newVis, err := s.visibility(tx, lead, lrec, pending...)
		if err != nil {
			return 0, err
		}
		if reworks && losesSight(u, lrec, newVis) {
			return 0, reject("after this change you could no longer see lead %s; leave the work with you or your queue, or ask a manager to hand it over", lead)
		}
		if !slices.Equal(oldVis, newVis) {
			if err := tx.SetVisible(lead, minus(oldVis, newVis), minus(newVis, oldVis)); err != nil {
				return 0, err
			}
		}
	}
	if bt, ok := tx.(*batchTx); ok && fresh != nil {
		err = bt.putRecord(op.Entity, rec, fresh.encoded)
	} else {
		err = tx.PutRecord(op.Entity, rec)
	}
	if err != nil {
		return 0, err
	}
	if !exists && !isLead {
		if err := tx.AddChild(lead, op.Entity); err != nil {
			return 0, err
		}
	}
	return tx.Append(LogEntry{Kind: EntryOp, Op: &op, Raw: data, Packed: packed, Lead: lead})
}

// movesSight reports whether op, on a lead that exists, may change who
// sees it: a set of its stage, owner or assignees, or anything but a set
// or an append.
func movesSight(op model.Op) bool {
	if op.Kind != model.OpSet && op.Kind != model.OpAppend {
		return true
	}
	for _, f := range []string{"stage", "owner", "assignees"} {
		if _, ok := op.Fields[f]; ok {
			return true
		}
	}
	return false
}

// losesSight reports whether u, a support or after-sales user who sees
// the lead whose record is rec only through its work, would not see it
// with vis as its visibility.
func losesSight(u User, rec *model.Record, vis []string) bool {
	if u.Role != RoleSupport && u.Role != RoleAftersales || slices.Contains(named(rec), u.Name) {
		return false
	}
	return !slices.ContainsFunc(sightNames(u), func(n string) bool { return slices.Contains(vis, n) })
}

// minus returns the elements of a not in b.
func minus(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

// managerOnly are lead fields only a manager may write: they decide who
// sees the lead.
var managerOnly = []string{"owner", "assignees"}

// authorise checks that u may make op on the entity whose current record
// is rec, and returns the lead the entity belongs to.
func (s *Service) authorise(tx Tx, u User, op model.Op, rec *model.Record, exists bool) (string, error) {
	ref := op.Entity
	if !exists && op.Kind != model.OpCreate {
		return "", reject("%s %s does not exist on the server, or you may not see it", ref.Type, ref.ID)
	}
	if ref.Type == model.TypeTarget {
		return s.authoriseTarget(tx, u, op, rec, exists)
	}
	if ref.Type == model.TypeLead {
		if exists {
			if ok, err := s.canSee(tx, u, ref.ID, rec); err != nil {
				return "", err
			} else if !ok {
				return "", reject("%s %s does not exist on the server, or you may not see it", ref.Type, ref.ID)
			}
		}
		if u.Role != RoleManager {
			if err := authoriseRole(u, op); err != nil { // roles.go
				return "", err
			}
			for _, f := range managerOnly {
				v, ok := op.Fields[f]
				if !ok {
					continue
				}
				if exists || op.Kind == model.OpSet {
					return "", reject("only a manager can change a lead's %s", f)
				}
				// A new lead: the rep must own it and name nobody else.
				if f == "owner" && !model.JSONTextIs(v, u.Name) {
					return "", reject("a new lead's owner must be you (%s)", u.Name)
				}
				if f == "assignees" && string(v) != "null" && string(v) != "[]" {
					return "", reject("only a manager can assign a lead to others")
				}
			}
		}
		return ref.ID, nil
	}
	// A child (activity, task, complaint) belongs to the lead named by its
	// lead_id, fixed at creation.
	var lead string
	if exists {
		lead, _ = readJSONString(rec.Fields["lead_id"])
	}
	if v, ok := op.Fields["lead_id"]; ok {
		named, err := readJSONString(v)
		if err != nil || named == "" {
			return "", reject("lead_id must name a lead")
		}
		if exists && named != lead {
			return "", reject("a %s cannot move to another lead", ref.Type)
		}
		lead = named
	}
	if lead == "" {
		return "", reject("a new %s must name its lead (lead_id)", ref.Type)
	}
	lrec, lexists, err := leadView(tx, lead) // read only, by canSee and authoriseWork
	if err != nil {
		return "", err
	}
	if !lexists {
		return "", reject("lead %s does not exist on the server, or you may not see it", lead)
	}
	if ok, err := s.canSee(tx, u, lead, lrec); err != nil {
		return "", err
	} else if !ok {
		return "", reject("lead %s does not exist on the server, or you may not see it", lead)
	}
	if err := s.authoriseWork(tx, u, op, rec, exists, lrec); err != nil { // roles.go
		return "", err
	}
	return lead, nil
}

// seenBy is who could see a lead before a batch, and whether it existed.
type seenBy struct {
	existed bool
	users   []string
}

// logVisibility appends a grant or revoke entry for every user who gained
// or lost sight of a lead the batch changed. A lead new in this batch needs
// no grant: whoever may see it gets it from its create op on, because
// pulls filter ops by who may see the lead now.
func (s *Service) logVisibility(tx Tx, before map[string]*seenBy) error {
	_, err := s.logVisibilityFor(tx, before, User{})
	return err
}

// logVisibilityFor is logVisibility, and returns how many seqs the entries
// it appended take that a pull by u leaves out (leavesOut): the grants and
// revokes that name neither u nor u's queue, or all of them when u sees
// every lead. A push answer counts them as u's own (CaughtUp): a first
// push that hands one lead on would otherwise leave its replica to scan
// the whole push back in its next pull.
func (s *Service) logVisibilityFor(tx Tx, before map[string]*seenBy, u User) (skipped uint64, err error) {
	names := sightNames(u)
	logged := func(kind, lead, name string) error {
		if _, err := tx.Append(LogEntry{Kind: kind, Lead: lead, User: name}); err != nil {
			return err
		}
		if leavesOut(u, names, name) {
			skipped += VisibilitySlots + 1 // what Append takes for each
		}
		return nil
	}
	leads := make([]string, 0, len(before))
	for k, b := range before {
		if b.existed {
			leads = append(leads, k)
		}
	}
	slices.Sort(leads)
	for _, lead := range leads {
		rec, exists, err := tx.Record(model.EntityRef{Type: model.TypeLead, ID: lead})
		if err != nil || !exists {
			return skipped, err
		}
		old := before[lead].users
		now, err := s.visibility(tx, lead, rec)
		if err != nil {
			return skipped, err
		}
		for _, name := range now {
			if !slices.Contains(old, name) {
				if err := logged(EntryGrant, lead, name); err != nil {
					return skipped, err
				}
			}
		}
		for _, name := range old {
			if !slices.Contains(now, name) {
				if err := logged(EntryRevoke, lead, name); err != nil {
					return skipped, err
				}
			}
		}
	}
	return skipped, nil
}

// answerRejected adds to resp the server's state of every entity with a
// refused op: its record when u may see it, a remove otherwise.
func (s *Service) answerRejected(tx Tx, u User, refs []model.EntityRef, resp *wire.PushResponse) error {
	seen := map[model.EntityRef]bool{}
	for _, ref := range refs {
		if seen[ref] {
			continue
		}
		seen[ref] = true
		rec, ok, err := s.visibleRecord(tx, u, ref)
		if err != nil {
			return err
		}
		if ok {
			resp.States = append(resp.States, wire.StateOf(ref, rec))
		} else {
			resp.Removes = append(resp.Removes, ref)
		}
	}
	return nil
}

// visibleRecord returns ref's record if it exists and u may see it.
func (s *Service) visibleRecord(tx Tx, u User, ref model.EntityRef) (*model.Record, bool, error) {
	if !slices.Contains(model.EntityTypes, ref.Type) {
		return nil, false, nil
	}
	rec, ok, err := tx.Record(ref)
	if err != nil || !ok {
		return nil, false, err
	}
	lead := ref.ID
	if ref.Type != model.TypeLead {
		_ = json.Unmarshal(rec.Fields["lead_id"], &lead)
	}
	lrec, ok, err := tx.Record(model.EntityRef{Type: model.TypeLead, ID: lead})
	if err != nil || !ok {
		return nil, false, err
	}
	if ok, err := s.canSee(tx, u, lead, lrec); err != nil || !ok {
		return nil, false, err
	}
	return rec, true, nil
}

// batchTx keeps, for one push, the leads its ops read: every op on an
// activity, task or complaint reads its lead to authorise it, and a first
// push brings ten of those per lead. Each read gets its own copy, since
// apply changes the record it reads before it knows whether to keep it.
type batchTx struct {
	Tx
	leads map[string]*model.Record
	rules *inForce          // read once per batch (settings.go)
	roles map[string]string // user -> role, read once per batch (roles.go)
	// work: lead -> task or service order -> who it is assigned to, for
	// the leads whose work the batch read (roles.go)
	work map[string]map[string]string
	// latest is the latest time the batch's ops may stamp or name
	// (Service.latestIn), set once per push.
	latest time.Time
}

func (t *batchTx) Record(ref model.EntityRef) (*model.Record, bool, error) {
	if ref.Type != model.TypeLead {
		return t.Tx.Record(ref)
	}
	if rec, ok := t.leads[ref.ID]; ok {
		return cloneRecord(rec), true, nil
	}
	rec, ok, err := t.Tx.Record(ref)
	if err == nil && ok {
		t.leads[ref.ID] = cloneRecord(rec)
	}
	return rec, ok, err
}

// keepWork keeps who lead's tasks and service orders are assigned to
// for the rest of the batch (roles.go: work).
func (t *batchTx) keepWork(lead string, w map[string]string) {
	if t.work == nil {
		t.work = map[string]map[string]string{}
	}
	t.work[lead] = w
}

func (t *batchTx) PutRecord(ref model.EntityRef, rec *model.Record) error {
	return t.putRecord(ref, rec, nil)
}

// encodedPutter is a Tx that stores a record encodeRecord has encoded
// already (freshCreate.encoded).
type encodedPutter interface {
	putEncoded(ref model.EntityRef, data []byte) error
}

// putRecord is PutRecord for a record encodeRecord has encoded as data
// already (nil: not yet).
func (t *batchTx) putRecord(ref model.EntityRef, rec *model.Record, data []byte) error {
	switch ref.Type {
	case model.TypeLead:
		t.leads[ref.ID] = cloneRecord(rec)
	case model.TypeTask, model.TypeService:
		if w, ok := t.work[textOf(rec, "lead_id")]; ok {
			if name := worker(rec); name != "" {
				w[ref.ID] = name
			} else {
				delete(w, ref.ID)
			}
		}
	}
	if p, ok := t.Tx.(encodedPutter); ok && data != nil {
		return p.putEncoded(ref, data)
	}
	return t.Tx.PutRecord(ref, rec)
}

// leadView returns the record of lead id to read, not to change: in a
// batch, the one the batch holds, not a copy. Every activity of a first
// push reads its lead, and a copy each was a tenth of the bytes the
// push allocated.
func leadView(tx Tx, id string) (*model.Record, bool, error) {
	if bt, ok := tx.(*batchTx); ok {
		if rec, ok := bt.leads[id]; ok {
			return rec, true, nil
		}
	}
	return tx.Record(model.EntityRef{Type: model.TypeLead, ID: id})
}

// cloneRecord copies rec's maps and history; the values in them are not
// changed in place by anyone, so they are shared.
func cloneRecord(rec *model.Record) *model.Record {
	out := *rec
	out.Fields = maps.Clone(rec.Fields)
	out.Stamps = maps.Clone(rec.Stamps)
	out.History = slices.Clone(rec.History)
	if out.Stamps == nil {
		out.Stamps = map[string]model.Stamp{}
	}
	return &out
}

// opIDOf reads the op id that starts an op as clients encode it
// ({"op_id":"...", model.Op's first field), without decoding the rest;
// ok is false for anything else, which is then decoded in full.
func opIDOf(data []byte) (string, bool) {
	const head = `{"op_id":"`
	if !bytes.HasPrefix(data, []byte(head)) {
		return "", false
	}
	rest := data[len(head):]
	i := bytes.IndexByte(rest, '"')
	if i <= 0 || i > 64 || bytes.IndexByte(rest[:i], '\\') >= 0 {
		return "", false
	}
	return string(rest[:i]), true
}
