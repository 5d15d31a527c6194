package server

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
)

// Operator repair (`fieldcrm admin ops list`, `ops quarantine`, `check`).
//
// The gatekeeper (check.go) refuses bad ops at push time, but a log may
// hold ops that got in before it: a value no replica can decode, a record
// id in another namespace, a time far in the future, a list of thousands.
// Such an op stays in the log (seqs never move), but an operator can
// quarantine it: pulls then skip its entry while moving their cursor past
// it, the server rebuilds the entity's record from its other ops, and a
// repair op authored by the server sets the fields the bad op set back to
// the rebuilt values, stamped later, so that replicas which applied the
// bad op converge on the rebuilt record.

// RepairTx is what operator repair needs of a storage transaction; Tx
// includes it.
type RepairTx interface {
	// Quarantine marks the op entry at q.Seq as taken out of pulls and
	// keeps who did it, when and why.
	Quarantine(q Quarantine) error
	// Quarantined lists the marks on entries after seq `after`, in seq
	// order.
	Quarantined(after uint64) ([]Quarantine, error)
	// DropRecord removes an entity's merged record. Its place among its
	// lead's children stays: that list only grows (see leadChanges).
	DropRecord(ref model.EntityRef) error
	// EachRecord calls fn for the records after `after` in the storage's
	// order of type, then id (the zero ref is before all), until fn
	// returns false. A record that cannot be decoded comes with rec nil
	// and the reason in bad.
	EachRecord(after model.EntityRef, fn func(ref model.EntityRef, rec *model.Record, bad error) (bool, error)) error
}

// Quarantine is an op taken out of pulls by an operator: the audit record.
type Quarantine struct {
	Seq    uint64    `json:"seq"`
	OpID   string    `json:"op_id"`
	Reason string    `json:"reason,omitempty"`
	By     string    `json:"by,omitempty"`
	At     time.Time `json:"at"`
}

// Repairer is the part of Admin that finds and quarantines bad ops.
type Repairer interface {
	ListOps(ctx context.Context, q OpQuery) (OpList, error)
	QuarantineOp(ctx context.Context, opID, reason, by string) (QuarantineResult, error)
	CheckData(ctx context.Context, max int) (CheckReport, error)
}

// checkSkew is how far past the server's clock a stored op's times and
// clock may be before a check calls it bad. It is far more generous than
// the push-time skew: an op stamped a minute ahead when it came in is not
// bad today, one stamped next year is.
const checkSkew = 24 * time.Hour

// repairFieldsPerOp is the most fields one repair op sets (model.Op's
// Validate allows 100).
const repairFieldsPerOp = 100

// OpQuery selects ops for ListOps.
type OpQuery struct {
	User  string `json:"user,omitempty"` // the pushing user (the op's actor)
	Lead  string `json:"lead,omitempty"` // the lead the entity belongs to
	Bad   bool   `json:"bad,omitempty"`  // only ops that fail today's checks, not quarantined
	Limit int    `json:"limit,omitempty"`
	// Values includes each op's JSON (values and all) in the answer.
	Values bool `json:"values,omitempty"`
}

// OpInfo describes one op of the log, without its values unless asked.
type OpInfo struct {
	Seq         uint64          `json:"seq"`
	OpID        string          `json:"op_id"`
	Time        time.Time       `json:"time"` // the op's clock
	User        string          `json:"user"`
	Entity      model.EntityRef `json:"entity"`
	Lead        string          `json:"lead"`
	Kind        string          `json:"kind"`
	Fields      []string        `json:"fields"` // names set; an append's list
	Size        int             `json:"size"`   // bytes of the op's JSON
	Bad         string          `json:"bad,omitempty"`
	Quarantined *Quarantine     `json:"quarantined,omitempty"`
	Op          json.RawMessage `json:"op,omitempty"`
}

// OpList is ListOps's answer; More says the limit cut it short.
type OpList struct {
	Ops     []OpInfo `json:"ops"`
	Scanned int      `json:"scanned"`
	More    bool     `json:"more,omitempty"`
}

// RecordProblem is a merged record that fails today's checks.
type RecordProblem struct {
	Entity model.EntityRef `json:"entity"`
	Reason string          `json:"reason"`
}

// CheckReport is what CheckData found.
type CheckReport struct {
	Ops            []OpInfo        `json:"ops"`
	Records        []RecordProblem `json:"records"`
	OpsChecked     int             `json:"ops_checked"`
	RecordsChecked int             `json:"records_checked"`
	// Stopped says the check stopped at its bound; there may be more.
	Stopped bool `json:"stopped,omitempty"`
}

// Problems is how many bad ops and records the report holds.
func (r CheckReport) Problems() int { return len(r.Ops) + len(r.Records) }

// RepairOp is one op a quarantine appended to bring replicas back.
type RepairOp struct {
	OpID   string   `json:"op_id"`
	Seq    uint64   `json:"seq"`
	Fields []string `json:"fields"`
}

// QuarantineResult says what QuarantineOp did.
type QuarantineResult struct {
	Quarantine
	Entity model.EntityRef `json:"entity"`
	Lead   string          `json:"lead"`
	// Rebuilt is how many of the entity's other ops its record was
	// rebuilt from; Dropped says none was left, so the record is gone.
	Rebuilt int        `json:"rebuilt"`
	Dropped bool       `json:"dropped,omitempty"`
	Repairs []RepairOp `json:"repairs,omitempty"`
	// Note says why no repair op was made, when none was.
	Note string `json:"note,omitempty"`
}

// opProblem returns why a stored op fails today's op-level checks (as
// decoded by DecodeOp, its values by CheckFields or CheckEntry, its
// times and clock against latest), or "" when it passes. It reads the op
// with ReadOp, which answers as DecodeOp does: encoding/json's decoder
// was two thirds of the start-up check, 6.0 s of CPU for the log of the
// demo book of 10,000 leads (BENCHMARKS.md).
func opProblem(raw []byte, latest time.Time) string {
	op, err := model.ReadOp(raw)
	if err != nil {
		return err.Error()
	}
	if op.HLC.Wall > latest.UnixMilli() {
		return fmt.Sprintf("its clock (%s) is in the future; the device's date and time were wrong", op.HLC.Time().UTC().Format(time.RFC3339))
	}
	typ := op.Entity.Type
	switch op.Kind {
	case model.OpCreate, model.OpSet:
		if err := model.CheckFields(typ, op.Fields, latest); err != nil {
			return err.Error()
		}
		if err := model.CheckSelfID(op.Fields, op.Entity.ID); err != nil {
			return err.Error()
		}
	case model.OpAppend:
		if err := model.CheckEntry(typ, op.Field, op.Entry, latest); err != nil {
			return err.Error()
		}
	}
	return ""
}

// recordProblem returns why a merged record fails today's checks, as a
// replica would check it when it arrives: every value must pass
// CheckFields, and a live record CheckRecord too.
func recordProblem(ref model.EntityRef, rec *model.Record, p model.Pipeline, latest time.Time) string {
	if err := model.CheckRef(ref); err != nil {
		return err.Error()
	}
	if err := model.CheckSelfID(rec.Fields, ref.ID); err != nil {
		return err.Error()
	}
	var err error
	if string(rec.Fields["deleted"]) == "true" {
		err = model.CheckFields(ref.Type, rec.Fields, latest)
	} else {
		err = model.CheckRecord(ref.Type, rec.Fields, p, latest)
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

// describeOp fills what a list shows of a stored op. raw need not be a
// valid op: what cannot be read stays empty.
func describeOp(e LogEntry, raw []byte) (OpInfo, model.Op) {
	info := OpInfo{Seq: e.Seq, Lead: e.Lead, Size: len(raw), Fields: []string{}}
	var op model.Op
	if json.Unmarshal(raw, &op) != nil {
		info.Kind = "?"
		return info, op
	}
	info.OpID, info.User, info.Entity, info.Kind = op.ID, op.Actor.User, op.Entity, op.Kind
	if op.HLC.Wall != 0 {
		info.Time = op.HLC.Time().UTC()
	}
	switch {
	case op.Kind == model.OpAppend:
		info.Fields = append(info.Fields, op.Field)
	case op.Kind == model.OpDelete:
		info.Fields = append(info.Fields, "deleted")
	default:
		info.Fields = slices.Sorted(maps.Keys(op.Fields))
	}
	return info, op
}

// quarantinedSeqs returns the quarantined seqs after `after`, for Pull.
func quarantinedSeqs(tx Tx, after uint64) (map[uint64]bool, error) {
	qs, err := tx.Quarantined(after)
	if err != nil || len(qs) == 0 {
		return nil, err
	}
	out := make(map[uint64]bool, len(qs))
	for _, q := range qs {
		out[q.Seq] = true
	}
	return out, nil
}

func quarantineMap(tx Tx) (map[uint64]*Quarantine, error) {
	qs, err := tx.Quarantined(0)
	if err != nil {
		return nil, err
	}
	out := make(map[uint64]*Quarantine, len(qs))
	for i := range qs {
		out[qs[i].Seq] = &qs[i]
	}
	return out, nil
}

// maxListValueBytes bounds the op JSON one ListOps answer carries.
const maxListValueBytes = 32 << 20

// readChunk is how many log entries, or records, one read transaction of
// ListOps or CheckData covers. They read the whole store, and on bbolt a
// long read transaction keeps the file from growing, and so a push that
// needs room from committing, until it ends.
var readChunk = 5000

// walkOps calls fn for each op entry of the log in seq order, with its
// JSON (valid during the call) and its quarantine mark, a chunk of
// entries per read transaction, until fn returns false.
func (s *Service) walkOps(ctx context.Context, fn func(e LogEntry, raw []byte, mark *Quarantine) (bool, error)) error {
	var last uint64 // the last entry handled: a rerun transaction goes on after it
	for {
		s.giveWay(ctx)
		n, stopped, start := 0, false, last
		err := s.Store.View(ctx, func(tx Tx) error {
			n = 0
			marks, err := tx.Quarantined(last)
			if err != nil {
				return err
			}
			byseq := make(map[uint64]*Quarantine, len(marks))
			for i := range marks {
				byseq[marks[i].Seq] = &marks[i]
			}
			return tx.Scan(last, func(e LogEntry) (bool, error) {
				if n++; n > readChunk {
					return false, nil
				}
				if n%1024 == 0 && ctx.Err() != nil {
					return false, ctx.Err()
				}
				if e.Kind == EntryOp {
					raw := []byte(e.Raw)
					if raw == nil && e.Op != nil {
						raw, _ = json.Marshal(e.Op)
					}
					more, err := fn(e, raw, byseq[e.Seq])
					if err != nil || !more {
						stopped = true
						return false, err
					}
				}
				last = e.Seq
				return true, nil
			})
		})
		if err != nil || stopped || n <= readChunk {
			return err
		}
		if last == start {
			return fmt.Errorf("the log's scan did not move past seq %d", last)
		}
	}
}

// walkRecords calls fn for every record, by type and id, a chunk of
// records per read transaction, until fn returns false.
func (s *Service) walkRecords(ctx context.Context, fn func(ref model.EntityRef, rec *model.Record, bad error) (bool, error)) error {
	var last model.EntityRef
	for {
		s.giveWay(ctx)
		n, stopped, start := 0, false, last
		err := s.Store.View(ctx, func(tx Tx) error {
			n = 0
			return tx.EachRecord(last, func(ref model.EntityRef, rec *model.Record, bad error) (bool, error) {
				if n++; n > readChunk {
					return false, nil
				}
				if n%1024 == 0 && ctx.Err() != nil {
					return false, ctx.Err()
				}
				more, err := fn(ref, rec, bad)
				if err != nil || !more {
					stopped = true
					return false, err
				}
				last = ref
				return true, nil
			})
		})
		if err != nil || stopped || n <= readChunk {
			return err
		}
		if last == start {
			return fmt.Errorf("the scan of the records did not move past %s %s", last.Type, model.Printable(last.ID))
		}
	}
}

// ListOps lists the ops in the log that match q, in seq order, at most
// q.Limit of them (0: all).
func (s *Service) ListOps(ctx context.Context, q OpQuery) (OpList, error) {
	latest := s.now().Add(checkSkew)
	out := OpList{Ops: []OpInfo{}}
	valueBytes := 0
	err := s.walkOps(ctx, func(e LogEntry, raw []byte, mark *Quarantine) (bool, error) {
		out.Scanned++
		if q.Lead != "" && e.Lead != q.Lead {
			return true, nil
		}
		info, _ := describeOp(e, raw)
		if q.User != "" && info.User != q.User {
			return true, nil
		}
		info.Quarantined = mark
		if q.Bad && mark != nil {
			return true, nil
		}
		info.Bad = opProblem(raw, latest)
		if q.Bad && info.Bad == "" {
			return true, nil
		}
		if (q.Limit > 0 && len(out.Ops) >= q.Limit) || valueBytes > maxListValueBytes {
			out.More = true
			return false, nil
		}
		if q.Values {
			info.Op = rawJSON(raw)
			valueBytes += len(info.Op)
		}
		out.Ops = append(out.Ops, info)
		return true, nil
	})
	if err != nil {
		return OpList{}, fmt.Errorf("list ops: %w", err)
	}
	return out, nil
}

// rawJSON copies raw, or quotes it as a string when it is not JSON.
func rawJSON(raw []byte) json.RawMessage {
	if json.Valid(raw) {
		return append(json.RawMessage(nil), raw...)
	}
	q, _ := json.Marshal(string(raw))
	return q
}

// CheckData scans the whole log and every record for what today's checks
// refuse: ops (not quarantined) as ListOps with Bad finds them, and
// records as a replica would check them. It stops once it has found max
// problems (0: no bound).
func (s *Service) CheckData(ctx context.Context, max int) (CheckReport, error) {
	latest := s.now().Add(checkSkew)
	p, err := s.currentPipeline(ctx) // settings.go
	if err != nil {
		return CheckReport{}, err
	}
	rep := CheckReport{Ops: []OpInfo{}, Records: []RecordProblem{}}
	full := func() bool {
		if max > 0 && rep.Problems() >= max {
			rep.Stopped = true
		}
		return rep.Stopped
	}
	err = s.walkOps(ctx, func(e LogEntry, raw []byte, mark *Quarantine) (bool, error) {
		if mark != nil {
			return true, nil
		}
		rep.OpsChecked++
		if why := opProblem(raw, latest); why != "" {
			info, _ := describeOp(e, raw)
			info.Bad = why
			rep.Ops = append(rep.Ops, info)
		}
		return !full(), nil
	})
	if err == nil && !rep.Stopped {
		err = s.walkRecords(ctx, func(ref model.EntityRef, rec *model.Record, bad error) (bool, error) {
			rep.RecordsChecked++
			why := ""
			if bad != nil {
				why = bad.Error()
			} else {
				why = recordProblem(ref, rec, p, latest)
			}
			if why != "" {
				rep.Records = append(rep.Records, RecordProblem{Entity: ref, Reason: why})
			}
			return !full(), nil
		})
	}
	if err != nil {
		return CheckReport{}, fmt.Errorf("check the server's data: %w", err)
	}
	return rep, nil
}

// QuarantineOp takes the op opID out of what pulls send, rebuilds its
// entity's record from the entity's other ops (replayed in seq order,
// quarantined ones left out), keeps the lead's visibility in step, and
// appends repair ops authored by the server that set the fields the bad
// op set back to the rebuilt values, stamped after the bad op, so that
// replicas which applied it converge. reason and by are kept with the
// mark for the audit trail.
func (s *Service) QuarantineOp(ctx context.Context, opID, reason, by string) (QuarantineResult, error) {
	var res QuarantineResult
	err := s.Store.Update(ctx, func(tx Tx) error {
		var err error
		res, err = s.quarantine(tx, opID, reason, by)
		return err
	})
	if err != nil {
		return QuarantineResult{}, err
	}
	return res, nil
}

func (s *Service) quarantine(tx Tx, opID, reason, by string) (QuarantineResult, error) {
	res := QuarantineResult{}
	seq, ok, err := tx.OpSeq(opID)
	if err != nil {
		return res, err
	}
	if !ok {
		return res, fmt.Errorf("there is no op %s in the server's log; 'fieldcrm admin ops list' shows the op ids", model.Printable(opID))
	}
	marks, err := quarantineMap(tx)
	if err != nil {
		return res, err
	}
	if q := marks[seq]; q != nil {
		return res, fmt.Errorf("op %s (seq %d) is already quarantined: by %s at %s (%s)", model.Printable(opID), seq,
			model.Printable(q.By), q.At.UTC().Format(time.RFC3339), model.Printable(q.Reason))
	}
	var entry LogEntry
	var raw []byte
	if err := tx.Scan(seq-1, func(e LogEntry) (bool, error) {
		entry, raw = e, append([]byte(nil), e.Raw...)
		if e.Raw == nil && e.Op != nil {
			raw, _ = json.Marshal(e.Op)
		}
		return false, nil
	}); err != nil {
		return res, err
	}
	if entry.Seq != seq || entry.Kind != EntryOp {
		return res, fmt.Errorf("the log has no op entry at seq %d, where op %s was applied; the log is damaged", seq, model.Printable(opID))
	}
	res.Quarantine = Quarantine{Seq: seq, OpID: opID, Reason: reason, By: by, At: s.now().UTC()}
	res.Lead = entry.Lead
	if err := tx.Quarantine(res.Quarantine); err != nil {
		return res, err
	}
	var bad model.Op
	if err := json.Unmarshal(raw, &bad); err != nil || !slices.Contains(model.EntityTypes, bad.Entity.Type) {
		res.Note = "the op cannot be read, so no record was rebuilt; pulls no longer send it"
		return res, nil
	}
	ref := bad.Entity
	res.Entity = ref
	marks[seq] = &res.Quarantine

	// The entity's other ops: all are logged under the lead it belongs
	// to, which never changes (authorise).
	rebuilt := model.NewRecord(ref.Type)
	err = tx.Scan(0, func(e LogEntry) (bool, error) {
		if e.Kind != EntryOp || e.Lead != entry.Lead || marks[e.Seq] != nil {
			return true, nil
		}
		op, err := e.DecodeOp()
		if err != nil || op == nil || op.Entity != ref {
			return true, nil // an op that cannot be read cannot have made the record either
		}
		rebuilt.Apply(*op)
		res.Rebuilt++
		return true, nil
	})
	if err != nil {
		return res, err
	}

	old, existed, err := tx.Record(ref)
	if err != nil {
		return res, err
	}
	repairs, note := s.repairOps(bad, rebuilt)
	res.Note = note
	for _, r := range repairs {
		rebuilt.Apply(r)
	}
	res.Dropped = len(rebuilt.Fields) == 0
	// A task or service order may bring helpers onto its lead (roles.go):
	// who saw it before the rebuild, to grant and revoke after it.
	var sawLead []string
	lrec, gives, err := tx.Record(model.EntityRef{Type: model.TypeLead, ID: entry.Lead})
	gives = gives && (ref.Type == model.TypeTask || ref.Type == model.TypeService)
	if err != nil {
		return res, err
	} else if gives {
		if sawLead, err = s.visibility(tx, entry.Lead, lrec); err != nil {
			return res, err
		}
	}
	if res.Dropped {
		if err := tx.DropRecord(ref); err != nil {
			return res, err
		}
	} else if err := tx.PutRecord(ref, rebuilt); err != nil {
		return res, err
	}
	if ref.Type == model.TypeLead {
		if err := s.revisit(tx, ref.ID, old, existed, rebuilt, res.Dropped); err != nil {
			return res, err
		}
	}
	if gives {
		if err := s.resightWork(tx, entry.Lead, lrec, sawLead); err != nil {
			return res, err
		}
	}
	for _, r := range repairs {
		seq, err := tx.Append(LogEntry{Kind: EntryOp, Op: &r, Lead: entry.Lead})
		if err != nil {
			return res, err
		}
		res.Repairs = append(res.Repairs, RepairOp{OpID: r.ID, Seq: seq, Fields: slices.Sorted(maps.Keys(r.Fields))})
	}
	return res, nil
}

// repairOps makes the ops that set, on replicas which applied bad, the
// fields bad set back to their values in rebuilt, or says why there are
// none. An append cannot be undone by another op; an op stamped beyond
// the server's allowed skew could only be beaten by one stamped later
// still, which would drag every replica's clock forward with it.
func (s *Service) repairOps(bad model.Op, rebuilt *model.Record) ([]model.Op, string) {
	if err := model.CheckRef(bad.Entity); err != nil {
		return nil, fmt.Sprintf("no repair op: %v, so no replica can have applied it", err)
	}
	if bad.Kind == model.OpAppend {
		return nil, "no repair op: an appended entry cannot be taken back by another op, so replicas that applied it keep it; new replicas will not get it"
	}
	if latest := s.latest(); bad.HLC.Wall > latest.UnixMilli() {
		return nil, fmt.Sprintf("no repair op: the op's clock (%s) is ahead of the server's, and a repair stamped after it would move every laptop's clock there; replicas that applied it keep its values",
			bad.HLC.Time().UTC().Format(time.RFC3339))
	}
	names := map[string]bool{}
	switch bad.Kind {
	case model.OpSet:
		for f := range bad.Fields {
			names[f] = true
		}
	case model.OpCreate:
		// A create also clears every field it does not name that older
		// ops set: those come back too.
		for f := range bad.Fields {
			names[f] = true
		}
		for f := range rebuilt.Fields {
			names[f] = true
		}
	case model.OpDelete:
		names["deleted"] = true
	}
	fields := map[string]json.RawMessage{}
	for f := range names {
		if f == "id" || model.IsAppendField(bad.Entity.Type, f) || !fieldName(f) {
			continue
		}
		v := rebuilt.Fields[f]
		if v == nil {
			v = json.RawMessage("null")
		}
		fields[f] = v
	}
	if len(rebuilt.Fields) == 0 {
		// Nothing else ever made this record: replicas that hold it
		// from the bad op drop it from view.
		fields["deleted"] = json.RawMessage("true")
	}
	if len(fields) == 0 {
		return nil, "no repair op: the op set no field a repair can set"
	}
	var ops []model.Op
	last := bad.HLC
	now := s.now().UnixMilli()
	names2 := slices.Sorted(maps.Keys(fields))
	for len(names2) > 0 {
		n := min(len(names2), repairFieldsPerOp)
		chunk := map[string]json.RawMessage{}
		for _, f := range names2[:n] {
			chunk[f] = fields[f]
		}
		names2 = names2[n:]
		last = stampAfter(last, now)
		op := model.Op{ID: model.NewID(), Entity: bad.Entity, Kind: model.OpSet, Fields: chunk, HLC: last,
			Actor: model.Actor{User: "admin", Device: "server"}, Schema: model.CurrentSchema}
		if err := op.Validate(); err != nil {
			return nil, fmt.Sprintf("no repair op: %v", err)
		}
		ops = append(ops, op)
	}
	return ops, ""
}

// stampAfter returns a server stamp later than last: now when the clock
// is past it, else last's wall with the next counter, carrying into the
// wall time rather than passing model.MaxCounter.
func stampAfter(last model.HLC, now int64) model.HLC {
	switch {
	case now > last.Wall:
		return model.HLC{Wall: now, Node: "server"}
	case last.Counter >= model.MaxCounter:
		return model.HLC{Wall: last.Wall + 1, Node: "server"}
	}
	return model.HLC{Wall: last.Wall, Counter: last.Counter + 1, Node: "server"}
}

// fieldName reports whether f may name a field in an op.
func fieldName(f string) bool {
	if f == "" || len(f) > 64 {
		return false
	}
	for _, r := range f {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

// revisit brings the visibility index and the log's grants and revokes
// in step with a lead's rebuilt record. A pseudo-lead of targets keeps
// its user (targets.go), whatever a lead wrongly named after it said.
func (s *Service) revisit(tx Tx, lead string, old *model.Record, existed bool, rebuilt *model.Record, dropped bool) error {
	var was, now []string
	var err error
	if existed {
		if was, err = s.visibility(tx, lead, old); err != nil {
			return err
		}
	}
	if !dropped {
		if now, err = s.visibility(tx, lead, rebuilt); err != nil {
			return err
		}
	}
	remove, add := minus(was, now), minus(now, was)
	if strings.HasPrefix(lead, "target:") {
		remove = slices.DeleteFunc(remove, func(u string) bool { return u == targetUser(lead) })
	}
	if len(remove) > 0 || len(add) > 0 {
		if err := tx.SetVisible(lead, remove, add); err != nil {
			return err
		}
	}
	if !dropped {
		return s.logVisibility(tx, map[string]*seenBy{lead: {existed: existed, users: was}})
	}
	// logVisibility reads the record, which is gone: revoke by hand.
	for _, u := range remove {
		if _, err := tx.Append(LogEntry{Kind: EntryRevoke, Lead: lead, User: u}); err != nil {
			return err
		}
	}
	return nil
}

// resightWork brings the visibility index and the log's grants and
// revokes in step with a lead whose task or service order was rebuilt:
// was is who saw the lead, whose record is rec, before.
func (s *Service) resightWork(tx Tx, lead string, rec *model.Record, was []string) error {
	now, err := s.visibility(tx, lead, rec)
	if err != nil || slices.Equal(was, now) {
		return err
	}
	if err := tx.SetVisible(lead, minus(was, now), minus(now, was)); err != nil {
		return err
	}
	return s.logVisibility(tx, map[string]*seenBy{lead: {existed: true, users: was}})
}

// auditedAdmin writes an audit line to the server's log for every
// quarantine done through it (the mark in storage keeps the same).
type auditedAdmin struct {
	Admin
	log *slog.Logger
}

func (a auditedAdmin) QuarantineOp(ctx context.Context, opID, reason, by string) (QuarantineResult, error) {
	res, err := a.Admin.QuarantineOp(ctx, opID, reason, by)
	if err != nil {
		return res, err
	}
	a.log.Warn("admin: op quarantined", "op_id", res.OpID, "seq", res.Seq, "entity_type", res.Entity.Type,
		"entity_id", res.Entity.ID, "by", res.By, "at", res.At, "reason", res.Reason, "repair_ops", len(res.Repairs),
		"dropped", res.Dropped)
	return res, nil
}

// startCheck runs CheckData in the background as the server starts, and
// logs what it finds, at most startCheckMax problems, with a warning that
// names the commands that deal with them; the server serves meanwhile.
// The returned func stops the check and waits for it.
func startCheck(ctx context.Context, svc *Service, log *slog.Logger) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		start := time.Now()
		rep, err := svc.CheckData(givingWay(ctx), startCheckMax) // giveway.go
		if err != nil {
			if ctx.Err() == nil {
				log.Error("start-up check of the data failed", "err", err)
			}
			return
		}
		for _, o := range rep.Ops {
			log.Warn("bad op in the log", "seq", o.Seq, "op_id", o.OpID, "user", o.User, "entity_type", o.Entity.Type, "entity_id", o.Entity.ID, "reason", o.Bad)
		}
		for _, r := range rep.Records {
			log.Warn("bad record", "entity_type", r.Entity.Type, "entity_id", r.Entity.ID, "reason", r.Reason)
		}
		if rep.Problems() > 0 {
			more := ""
			if rep.Stopped {
				more = " (the check stopped there; there may be more)"
			}
			log.Warn(fmt.Sprintf("the data holds %d op(s) and %d record(s) that fail today's checks%s: see them with 'fieldcrm admin ops list --bad' and take a bad op out of every pull with 'fieldcrm admin ops quarantine OP_ID'",
				len(rep.Ops), len(rep.Records), more), "bad_ops", len(rep.Ops), "bad_records", len(rep.Records))
		}
		log.Info("start-up check of the data done", "ops", rep.OpsChecked, "records", rep.RecordsChecked,
			"problems", rep.Problems(), "ms", time.Since(start).Milliseconds())
	}()
	return func() { cancel(); <-done }
}

// startCheckMax bounds what the start-up check reports.
const startCheckMax = 100
