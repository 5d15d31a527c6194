package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/fieldcrm/fieldcrm/model"
)

// authorKeys are the fields that name who wrote a record or an entry of
// its append-only lists; the server takes them only when they name the
// pushing user.
var authorKeys = []string{"author", "set_by", "by", "created_by", "requested_by"}

// isEntryList reports whether field f is a list of entries that name
// their authors: a lead's stage log, an activity's revisions, an approval
// request's decisions.
func isEntryList(f string) bool { return model.IsAppendFieldOfAny(f) }

// adoptAuthors rewrites, in fields, every author field and every author
// of a list entry that names oldUser to name newUser. It reports whether
// anything changed.
func adoptAuthors(fields map[string]json.RawMessage, oldUser, newUser string) bool {
	changed := false
	name := quoteName(oldUser)
	for f, v := range fields {
		if isEntryList(f) {
			if out, ok := renameAuthors(v, name, newUser); ok {
				if out != nil {
					fields[f], changed = out, true
				}
				continue
			}
			var list []map[string]json.RawMessage
			if json.Unmarshal(v, &list) != nil {
				continue
			}
			hit := false
			for _, e := range list {
				hit = adoptAuthors(e, oldUser, newUser) || hit
			}
			if hit {
				if data, err := json.Marshal(list); err == nil {
					fields[f], changed = data, true
				}
			}
			continue
		}
		for _, k := range authorKeys {
			var name string
			if f == k && json.Unmarshal(v, &name) == nil && name == oldUser {
				fields[f], _ = json.Marshal(newUser)
				changed = true
			}
		}
	}
	return changed
}

// renameAuthors is adoptAuthors for a list of entries in JSON, without
// decoding it: a first push after a login hands over a hundred thousand
// notes' revisions. It rewrites the value of each entry's author key that
// is exactly the JSON string name (compact JSON names it so) and returns
// nil when there is none. ok is false when it cannot be sure: anything
// but a list of objects, an entry holding a list of entries itself, or
// an escape in a key or an author's value; the caller decodes it then.
func renameAuthors(v, name []byte, newUser string) (out []byte, ok bool) {
	var to []byte
	last := 0
	i := skipSpace(v, 0)
	if i >= len(v) || v[i] != '[' {
		return nil, false
	}
	if i = skipSpace(v, i+1); i < len(v) && v[i] == ']' {
		return nil, skipSpace(v, i+1) == len(v)
	}
	for {
		end := valueEnd(v, i)
		if end < 0 || v[i] != '{' {
			return nil, false
		}
		at := i
		entry := members(v[at:end], func(key []byte, from, end int) bool {
			k, val := string(key[1:len(key)-1]), v[at+from:at+end]
			switch {
			case isEntryList(k):
				return false
			case !slices.Contains(authorKeys, k):
				return true
			case val[0] == '"' && bytes.IndexByte(val, '\\') >= 0:
				return false
			case bytes.Equal(val, name):
				if to == nil {
					to = quoteName(newUser)
				}
				if out == nil {
					out = renamedBuf(v, name, to)
				}
				out = append(append(out, v[last:at+from]...), to...)
				last = at + end
			}
			return true
		})
		if !entry {
			return nil, false
		}
		if i = skipSpace(v, end); i >= len(v) {
			return nil, false
		}
		if v[i] == ']' {
			break
		}
		if v[i] != ',' {
			return nil, false
		}
		i = skipSpace(v, i+1)
	}
	if skipSpace(v, i+1) != len(v) || (out != nil && !validJSON(v)) {
		return nil, false
	}
	if out != nil {
		out = append(out, v[last:]...)
	}
	return out, true
}

// validJSON is json.Valid, by the model's scanner where it reads v (it
// declines only what it does not read, which encoding/json decides).
func validJSON(v []byte) bool {
	if end, ok := model.SkipJSON(v, skipSpace(v, 0)); ok {
		return skipSpace(v, end) == len(v)
	}
	return json.Valid(v)
}

// stringEnd returns the index just past the JSON string that starts at
// v[i], or -1 if it does not end. It jumps from quote to quote: a note's
// text is most of what it crosses.
func stringEnd(v []byte, i int) int {
	for j := i + 1; j < len(v); {
		q := bytes.IndexByte(v[j:], '"')
		if q < 0 {
			return -1
		}
		j += q
		n := 0 // backslashes just before the quote: an odd count escapes it
		for k := j - 1; k > i && v[k] == '\\'; k-- {
			n++
		}
		if n%2 == 0 {
			return j + 1
		}
		j++
	}
	return -1
}

// adoptEntry is adoptAuthors for an append op's entry.
func adoptEntry(entry json.RawMessage, oldUser, newUser string) json.RawMessage {
	var e map[string]json.RawMessage
	if json.Unmarshal(entry, &e) != nil || !adoptAuthors(e, oldUser, newUser) {
		return entry
	}
	data, err := json.Marshal(e)
	if err != nil {
		return entry
	}
	return data
}

// Unsynced work handed to another account (AdoptUnsynced) is recorded
// once, not rewritten:
//
//	sync/
//	  adopted   JSON {old user: new user}: ops in the outbox written as
//	            an old user are pushed as the new one (Outbox), and their
//	            records name the new one once the server has answered
//	            them (DropOutbox); removed when the outbox is empty
var keyAdopted = []byte("adopted")

// adopted returns the accounts unsynced work was handed from and to; the
// map is the transaction's, read once, and not to be changed.
func (t *Tx) adopted() map[string]string {
	v := t.bucket(bucketSync).Get(keyAdopted)
	if v == nil {
		return nil
	}
	if t.handOver.raw != nil && bytes.Equal(v, t.handOver.raw) {
		return t.handOver.names // a push's answers ask once per op
	}
	var m map[string]string
	if json.Unmarshal(v, &m) != nil {
		return nil
	}
	t.handOver.raw, t.handOver.names = bytes.Clone(v), m
	return m
}

// opHead is what DropOutbox reads of an op: which record it wrote, when,
// and as whom.
type opHead struct {
	Entity model.EntityRef `json:"entity"`
	Kind   string          `json:"kind"`
	HLC    model.HLC       `json:"hlc"`
	Actor  model.Actor     `json:"actor"`
	// pushed is the op as it was pushed, set only for a create still
	// waiting as a reference (its record is what it wrote) whose caller
	// has it (DropPushed).
	pushed []byte
	// pushedFields are pushed's fields, when the caller knows them.
	pushedFields []byte
	// seq is the op's outbox entry, deleted by the caller (dropEntry).
	seq uint64
}

// DropPushed is DropOutbox for one entry as it was pushed (Raw, handed
// over by Outbox). A create whose record has not changed since it was
// read takes its fields, handed over, from Raw, instead of its record
// being read and handed over once more: on a first push after a login
// that second pass was a ninth of the laptop's CPU.
func (t *Tx) DropPushed(e OutboxEntry) error {
	adopted := t.adopted()
	more, err := t.dropEntry(e.Seq, adopted, e.Raw, e.pushedFields())
	if err != nil {
		return err
	}
	return t.forgetAdopted(adopted, more)
}

// pushedFields returns the fields of e's op as it was pushed when
// adoptOpJSON said where they are in Raw and Raw is still the slice it
// made them part of, or nil.
func (e *OutboxEntry) pushedFields() []byte {
	if e.fields == nil || e.fieldsFrom+len(e.fields) > len(e.Raw) || &e.Raw[e.fieldsFrom] != &e.fields[0] {
		return nil
	}
	return e.fields
}

// pushedFields returns the fields of op, an op in JSON, or nil.
func pushedFields(op []byte) []byte {
	var fields []byte
	if op == nil || !members(op, func(key []byte, from, end int) bool {
		if string(key) == `"fields"` {
			fields = op[from:end]
		}
		return true
	}) || len(fields) == 0 || fields[0] != '{' {
		return nil
	}
	return fields
}

// adoptOp rewrites op, written as oldUser, as the server stores it when
// newUser pushes it: the actor, the authors it names and, for a new lead
// of oldUser's, the owner.
func adoptOp(op *model.Op, oldUser, newUser string) {
	op.Actor.User = newUser
	if op.Fields != nil {
		adoptAuthors(op.Fields, oldUser, newUser)
		if op.Entity.Type == model.TypeLead && op.Kind == model.OpCreate && ownerIs(op.Fields, oldUser) {
			op.Fields["owner"], _ = json.Marshal(newUser)
		}
	}
	if op.Entry != nil {
		op.Entry = adoptEntry(op.Entry, oldUser, newUser)
	}
}

func ownerIs(fields map[string]json.RawMessage, user string) bool {
	var owner string
	return json.Unmarshal(fields["owner"], &owner) == nil && owner == user
}

// adoptRecord makes the record an answered op wrote name newUser where
// the op named its old author: the stamps the op left, the owner of a new
// lead, and the authors in its fields.
//
// Names are in no index but a lead's card (its owner) and an activity's
// entry in act_facts (its author), so those two are brought in step here
// instead of reindexing the whole record: a first push answers about a
// hundred thousand ops, and a full reindex of each would cost seconds.
func (t *Tx) adoptRecord(op opHead, newUser string) error {
	oldUser := op.Actor.User
	typ, id := op.Entity.Type, op.Entity.ID
	// typ comes from an outbox entry on disk: a type with no bucket, or a
	// bucket gone, is damage said as such, not a panic.
	records, stamps := t.bucket(entityBucket[typ]), t.bucket(bucketStamps, []byte(typ))
	if records == nil || stamps == nil {
		return fmt.Errorf("hand over %s %s: its records or their merge states are %w: missing", typ, id, errCorrupt)
	}
	if records.Get([]byte(id)) == nil {
		return nil
	}
	// The merge state is small and binary; the fields are renamed in
	// their JSON (renameFields), decoded only when that cannot be sure.
	rec := model.NewRecord(typ)
	var buf [17]byte // a packed UUID
	st := stamps.Get(appendStampKey(buf[:0], id))
	if st != nil {
		if err := decodeStamps(st, rec, t.s.node); err != nil {
			return fmt.Errorf("%s %s merge state is %w: %w", typ, id, errCorrupt, err)
		}
	}
	if rec.Base.HLC == op.HLC && rec.Base.Actor == oldUser {
		rec.Base.Actor = newUser
	}
	for f, st := range rec.Stamps {
		if st.HLC == op.HLC && st.Actor == oldUser {
			st.Actor = newUser
			rec.Stamps[f] = st
		}
	}
	for i, h := range rec.History {
		if h.HLC == op.HLC && h.Actor == oldUser {
			rec.History[i].Actor = newUser
		}
	}
	mayOwn := typ == model.TypeLead && op.Kind == model.OpCreate && rec.StampOf("owner").HLC == op.HLC
	// Before the record changes; its merge state, read above, says
	// whether a create still waits as a reference to it, most often the
	// entry the caller has just deleted (op.seq).
	if err := t.settleWaiting(typ, id, st, op.seq); err != nil {
		return err
	}
	var fields []byte
	owner := false
	if op.pushed != nil {
		// The record is still what the create wrote, and the create was
		// pushed handed over: its fields are the record's, handed over.
		if fields = op.pushedFields; fields == nil {
			fields = pushedFields(op.pushed)
		}
		if fields != nil && mayOwn {
			owner = ownerIsJSON(fields, newUser)
		}
	}
	if fields == nil {
		data, err := recordJSON(records, id) // a copy: read after the puts below
		if err != nil {
			return fmt.Errorf("%s %s: %w", typ, id, err)
		}
		if fields, owner, err = renameRecord(data, oldUser, newUser, mayOwn); err != nil {
			return fmt.Errorf("%s %s is %w: %w", typ, id, errCorrupt, err)
		}
		if fields == nil {
			fields = data // nothing to rename
		} else if err := putFields(records, id, fields); err != nil {
			return err
		}
	} else if err := putFields(records, id, fields); err != nil {
		return err
	}
	enc, err := encodeStamps(rec, t.s.node)
	if err != nil {
		return err
	}
	if err := stamps.Put(stampKey(id), enc); err != nil {
		return err
	}
	switch {
	case owner:
		return t.updateCard(id, func(c *Card) error { c.Owner = newUser; return nil })
	case typ == model.TypeApproval:
		// The request index's value is who asked.
		var a model.Approval
		if err := json.Unmarshal(fields, &a); err != nil {
			return fmt.Errorf("approval request %s: %w", id, err)
		}
		for _, k := range indexKeys(&a) {
			if k.bucket == string(idxApprovalLead) {
				return t.idx(idxApprovalLead).Put([]byte(k.key), []byte(k.value))
			}
		}
		return nil
	case typ == model.TypeActivity:
		return t.handFacts(id)
	}
	return nil
}

// An activity handed over names its new author in its record at once,
// but its entry in act_facts, whose value names the author too, is
// brought in step later, once for all the answers of a push:
//
//	sync/
//	  handed_facts/<activity id>   1: an activity handed over whose entry
//	                               in act_facts may still name its old
//	                               author
//
// act_facts is keyed by an activity's time, so the answers to each batch
// of a first push touched every page of it, and each answer transaction
// wrote all of it again: 205 of the 391 MB the laptop wrote in the demo
// book's first push after a login, and a sixth of the time it took to
// store the answers (BenchmarkHandedAnswers; BENCHMARKS.md, "act_facts
// handed over once"). Until they are settled, a report names
// the old author of those activities, as it did before the push began.
// They are settled (settleHandedFacts) when the outbox empties, when a
// push ends however it ends (Store.SettleHandOver), and when a process
// first opens the book for writing (after a push killed midway).
var bucketHandedFacts = []byte("handed_facts")

// handFacts notes that activity id was handed over (see above).
func (t *Tx) handFacts(id string) error {
	if t.handedFacts == nil {
		b, err := t.bucket(bucketSync).CreateBucketIfNotExists(bucketHandedFacts)
		if err != nil {
			return err
		}
		t.handedFacts = b
	}
	// Not an empty value: bbolt reads one back as nil in the transaction
	// that wrote it.
	return t.handedFacts.Put([]byte(id), []byte{1})
}

// settleHandedFacts brings the act_facts entries of the activities handed
// over in step with their records, as indexKeys derives them, and forgets
// them. The entries are put in key order, so each page of act_facts is
// written once.
func (t *Tx) settleHandedFacts() error {
	if !t.HandOverWaiting() {
		return nil
	}
	sync := t.bucket(bucketSync)
	records, facts := t.bucket(bucketActivities), t.idx(idxActFacts)
	if records == nil || facts == nil {
		return fmt.Errorf("settle the activities handed over: the activities or their index are %w: missing", errCorrupt)
	}
	// The records are read here, and their entries derived on every core
	// (onEveryCore) from the transaction's pages: nothing is written until
	// all are.
	type handed struct {
		id     string
		stored []byte
	}
	var all []handed
	c := records.Cursor() // one for all: bbolt's Get makes one a key
	err := sync.Bucket(bucketHandedFacts).ForEach(func(k, _ []byte) error {
		if at, v := c.Seek(k); v != nil && bytes.Equal(at, k) { // a purged one has no entry
			all = append(all, handed{string(k), v})
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("settle the activities handed over: %w", err)
	}
	entries := make([]ikey, len(all)) // left zero for an activity with no entry
	workers := coresFor(len(all), 1024)
	views := make([]jsonView, workers) // one per worker: a view keeps what it read last
	err = onEveryCore(workers, len(all), func(w, i int) error {
		data, err := views[w].of(all[i].stored)
		if err != nil {
			return fmt.Errorf("activity %s: %w", all[i].id, err)
		}
		a, err := activityFacts(data)
		if err != nil {
			return fmt.Errorf("activity %s is %w: %w", all[i].id, errCorrupt, err)
		}
		if !a.Deleted && a.LeadID != "" { // as indexKeys has it
			entries[i] = actFactsKey(a)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("settle the activities handed over: %w", err)
	}
	puts := entries[:0] // nearly all differ from what is stored: no read first
	for _, e := range entries {
		if e.key != "" {
			puts = append(puts, e)
		}
	}
	slices.SortFunc(puts, func(a, b ikey) int { return strings.Compare(a.key, b.key) })
	for _, e := range puts {
		if err := facts.Put([]byte(e.key), []byte(e.value)); err != nil {
			return err
		}
	}
	t.handedFacts = nil
	return sync.DeleteBucket(bucketHandedFacts)
}

// HandOverWaiting reports whether activities handed over wait for their
// entries in act_facts to be settled (see bucketHandedFacts).
func (t *Tx) HandOverWaiting() bool {
	sync := t.bucket(bucketSync)
	return sync != nil && sync.Bucket(bucketHandedFacts) != nil
}

// SettleHandOver brings act_facts in step with the activities handed over
// whose answers are stored (see bucketHandedFacts): a push that stored
// answers calls it when it ends, however it ends.
func (s *Store) SettleHandOver() error {
	return s.Update(func(tx *Tx) error { return tx.settleHandedFacts() })
}

// activityFacts reads what act_facts needs of an activity's fields as
// stored (a JSON object), not its notes and their revisions: its id,
// lead, kind, start, author and whether it is deleted.
func activityFacts(fields []byte) (*model.Activity, error) {
	var a model.Activity
	var err error
	if !members(fields, func(key []byte, from, end int) bool {
		v := fields[from:end]
		switch string(key) {
		case `"id"`:
			a.ID, err = model.JSONText(v)
		case `"lead_id"`:
			a.LeadID, err = model.JSONText(v)
		case `"kind"`:
			a.Kind, err = model.JSONText(v)
		case `"author"`:
			a.Author, err = model.JSONText(v)
		case `"started_at"`:
			err = a.StartedAt.UnmarshalJSON(v)
		case `"deleted"`:
			a.Deleted, err = jsonBool(v)
		}
		if err != nil {
			err = fmt.Errorf("%s: %w", key, err)
		}
		return err == nil
	}) && err == nil {
		a = model.Activity{}
		err = json.Unmarshal(fields, &a) // a key with an escape: decode it all
	}
	if err != nil {
		return nil, err
	}
	return &a, nil
}

// jsonBool returns the JSON boolean v's value (false for null).
func jsonBool(v []byte) (bool, error) {
	switch string(v) {
	case "true":
		return true, nil
	case "false", "null":
		return false, nil
	}
	var b bool
	err := json.Unmarshal(v, &b)
	return b, err
}

// ownerIsJSON reports whether fields, a record's fields in JSON, name
// user as their owner.
func ownerIsJSON(fields []byte, user string) bool {
	is := false
	if !members(fields, func(key []byte, from, end int) bool {
		if string(key) == `"owner"` {
			is = model.JSONTextIs(fields[from:end], user)
		}
		return true
	}) {
		var m struct{ Owner *string }
		return json.Unmarshal(fields, &m) == nil && m.Owner != nil && *m.Owner == user
	}
	return is
}

// renameRecord hands a record's fields (data, as stored) over from
// oldUser to newUser: the authors they name and, when mayOwn, the owner.
// It returns nil fields when nothing names oldUser, and whether the owner
// was handed over.
func renameRecord(data []byte, oldUser, newUser string, mayOwn bool) (fields []byte, owner bool, err error) {
	fields, owner, ok := renameFields(data, oldUser, newUser, mayOwn)
	if ok {
		return fields, owner, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, false, err
	}
	owner = mayOwn && ownerIs(m, oldUser)
	if owner {
		m["owner"], _ = json.Marshal(newUser)
	}
	adoptAuthors(m, oldUser, newUser)
	return model.EncodeFields(m), owner, nil
}

// renameFields is adoptAuthors, and the owner when owner is true, on a
// record's fields as stored (a JSON object), without decoding them: it
// returns the fields renamed, nil when nothing names oldUser, and whether
// it renamed the owner. ok is false when it cannot be sure (see
// renameAuthors); the caller decodes the fields then.
func renameFields(data []byte, oldUser, newUser string, owner bool) (out []byte, ownerRenamed, ok bool) {
	name, to := quoteName(oldUser), quoteName(newUser)
	last := 0
	ok = members(data, func(key []byte, from, end int) bool {
		k, v := string(key[1:len(key)-1]), data[from:end]
		var with []byte
		switch {
		case isEntryList(k):
			renamed, sure := renameAuthors(v, name, newUser)
			if !sure {
				return false
			}
			with = renamed
		case slices.Contains(authorKeys, k) || (owner && k == "owner"):
			if v[0] == '"' && bytes.IndexByte(v, '\\') >= 0 {
				return false
			}
			if bytes.Equal(v, name) {
				with = to
				ownerRenamed = ownerRenamed || k == "owner"
			}
		}
		if with != nil {
			if out == nil {
				out = renamedBuf(data, name, to)
			}
			out = append(append(out, data[last:from]...), with...)
			last = end
		}
		return true
	})
	if !ok {
		return nil, false, false
	}
	if out != nil {
		out = append(out, data[last:]...)
	}
	return out, ownerRenamed, true
}

// renamedBuf returns an empty buffer with room for v with a few names
// renamed from name to to: a record's fields renamed grew their buffer
// three or four times, a fifth of renameFields' time in a first push's
// answers (BenchmarkHandedAnswers' profile).
func renamedBuf(v, name, to []byte) []byte {
	return make([]byte, 0, len(v)+4*max(len(to)-len(name), 0)+16)
}

// quoteName returns name as json.Marshal writes it, without reflection
// for a name of plain ASCII (what account names are): the hand-over
// quotes the names it compares with every op and record it hands over.
func quoteName(name string) []byte {
	if plainName(name) {
		return append(append(append(make([]byte, 0, len(name)+2), '"'), name...), '"')
	}
	q, _ := json.Marshal(name)
	return q
}

// plainName reports whether json.Marshal writes s between quotes as it
// is: printable ASCII but the quote, the backslash and what it escapes
// for HTML.
func plainName(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

// members calls fn with the key (quoted, as written) and the start and
// end of the value of each member of the JSON object v, in order. It
// reports false when v is not one JSON object, a key has an escape, or fn
// returns false.
func members(v []byte, fn func(key []byte, from, end int) bool) bool {
	i := skipSpace(v, 0)
	if i >= len(v) || v[i] != '{' {
		return false
	}
	if i = skipSpace(v, i+1); i < len(v) && v[i] == '}' {
		return skipSpace(v, i+1) == len(v)
	}
	for i < len(v) && v[i] == '"' {
		end := stringEnd(v, i)
		if end < 0 || bytes.IndexByte(v[i:end], '\\') >= 0 {
			return false
		}
		key := v[i:end]
		if i = skipSpace(v, end); i >= len(v) || v[i] != ':' {
			return false
		}
		from := skipSpace(v, i+1)
		to := valueEnd(v, from)
		if to < 0 || !fn(key, from, to) {
			return false
		}
		switch i = skipSpace(v, to); {
		case i >= len(v):
			return false
		case v[i] == '}':
			return skipSpace(v, i+1) == len(v)
		case v[i] != ',':
			return false
		}
		i = skipSpace(v, i+1)
	}
	return false
}

func skipSpace(v []byte, i int) int {
	for i < len(v) && (v[i] == ' ' || v[i] == '\t' || v[i] == '\n' || v[i] == '\r') {
		i++
	}
	return i
}

// valueEnd returns the index just past the JSON value that starts at
// v[i], or -1 if there is none.
func valueEnd(v []byte, i int) int {
	if i >= len(v) {
		return -1
	}
	switch v[i] {
	case '"':
		return stringEnd(v, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(v); j++ {
			switch v[j] {
			case '"':
				if j = stringEnd(v, j) - 1; j < 0 {
					return -1
				}
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return j + 1
				}
			}
		}
		return -1
	}
	j := i
	for j < len(v) && !bytes.ContainsRune([]byte(",}] \t\r\n"), rune(v[j])) {
		j++
	}
	if j == i {
		return -1
	}
	return j
}

// adoptOpJSON is adoptOp for an op in JSON, as the outbox hands it to a
// push, without decoding it: when its actor is an account the book was
// handed from (adopted), the actor, the authors it names and a new lead's
// owner name the account it was handed to. It returns the op's fields as
// they are in out, and where in out they start, when it handed them over.
// ok is false when it cannot be sure (see renameFields); the caller
// decodes the op then.
func adoptOpJSON(raw []byte, adopted map[string]string) (out, fields []byte, fieldsFrom int, ok bool) {
	var typ, kind, user []byte
	var userAt, fieldsAt, entryAt [2]int
	top := members(raw, func(key []byte, from, end int) bool {
		v := raw[from:end]
		switch string(key) {
		case `"kind"`:
			kind = v
		case `"fields"`:
			fieldsAt = [2]int{from, end}
		case `"entry"`:
			entryAt = [2]int{from, end}
		case `"entity"`, `"actor"`:
			return members(v, func(k []byte, f, e int) bool {
				switch {
				case string(key) == `"entity"` && string(k) == `"type"`:
					typ = v[f:e]
				case string(key) == `"actor"` && string(k) == `"user"`:
					user, userAt = v[f:e], [2]int{from + f, from + e}
				}
				return true
			})
		}
		return true
	})
	if !top || user == nil || bytes.IndexByte(user, '\\') >= 0 {
		return raw, nil, 0, false
	}
	old, err := model.JSONText(user)
	if err != nil {
		return raw, nil, 0, false
	}
	to, ok := adopted[old]
	if !ok {
		return raw, nil, 0, true
	}
	newName := quoteName(to)
	type edit struct {
		at   [2]int
		with []byte
	}
	edits := []edit{{userAt, newName}}
	for _, at := range [][2]int{fieldsAt, entryAt} {
		if at[1] == 0 || string(raw[at[0]:at[1]]) == "null" {
			continue
		}
		owner := at == fieldsAt && string(typ) == `"`+model.TypeLead+`"` && string(kind) == `"`+string(model.OpCreate)+`"`
		with, _, sure := renameFields(raw[at[0]:at[1]], old, to, owner)
		if !sure {
			return raw, nil, 0, false
		}
		if with != nil {
			edits = append(edits, edit{at, with})
		}
	}
	slices.SortFunc(edits, func(a, b edit) int { return a.at[0] - b.at[0] })
	last := 0
	from, to2 := fieldsAt[0], fieldsAt[1] // where the fields end up in out
	for _, e := range edits {
		if e.at[0] < fieldsAt[0] {
			shift := len(e.with) - (e.at[1] - e.at[0])
			from, to2 = from+shift, to2+shift
		} else if e.at == fieldsAt {
			to2 = from + len(e.with)
		}
		out = append(append(out, raw[last:e.at[0]]...), e.with...)
		last = e.at[1]
	}
	out = append(out, raw[last:]...)
	if fieldsAt[1] == 0 || string(raw[fieldsAt[0]:fieldsAt[1]]) == "null" {
		return out, nil, 0, true
	}
	return out, out[from:to2:to2], from, true
}
