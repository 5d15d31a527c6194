package store

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/fieldcrm/fieldcrm/jsonpack"
	"github.com/fieldcrm/fieldcrm/model"
	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// ikey is one index entry: bucket, key and value.
type ikey struct {
	bucket string
	key    string
	value  string
}

func join(parts ...string) string {
	var b bytes.Buffer
	for i, p := range parts {
		if i > 0 {
			b.WriteByte(0)
		}
		b.WriteString(p)
	}
	return b.String()
}

// decodeEntity decodes an entity's stored JSON into its typed value; nil
// for an absent record.
func decodeEntity(typ string, data []byte) (any, error) {
	if len(data) == 0 || string(data) == "null" {
		return nil, nil
	}
	if jsonpack.Packed(data) { // as the bucket holds it (doctor, search's build)
		var err error
		if data, err = fieldsJSON(data); err != nil {
			return nil, err
		}
	}
	var v any
	switch typ {
	case model.TypeLead:
		v = new(model.Lead)
	case model.TypeActivity:
		v = new(model.Activity)
	case model.TypeTask:
		v = new(model.Task)
	case model.TypeComplaint:
		v = new(model.Complaint)
	case model.TypeTarget:
		v = new(model.Target)
	case model.TypeApproval:
		v = new(model.Approval)
	case model.TypeService:
		v = new(model.ServiceOrder)
	default:
		return nil, fmt.Errorf("unknown entity type %q", typ)
	}
	return v, json.Unmarshal(data, v)
}

// indexKeys returns the index entries an entity implies.
func indexKeys(v any) []ikey {
	var keys []ikey
	switch e := v.(type) {
	case *model.Lead:
		if !e.Deleted && e.ID != "" {
			keys = append(keys, ikey{string(idxLeadStage), leadStageKey(e.Stage, e.ID), ""},
				ikey{string(idxLeadShort), leadShortKey(e.ID), ""})
		}
	case *model.Activity:
		if !e.Deleted && e.LeadID != "" {
			facts := actFactsKey(e)
			keys = append(keys, ikey{string(idxActLead), string(packID(e.LeadID)) + facts.key, ""}, facts)
			if e.Open() {
				keys = append(keys, ikey{string(idxVisitOpen), e.ID, e.LeadID})
			}
		}
	case *model.Task:
		if !e.Deleted && e.LeadID != "" {
			// Packed ids delimit themselves: the task's follows its lead's
			// with no separator, as in act_lead.
			lead, id := string(packID(e.LeadID)), string(packID(e.ID))
			keys = append(keys, ikey{string(idxTaskLead), lead + id, ""})
			if e.IsOpen() {
				v := lead + e.Action
				if e.Queue != "" && e.Assignee == "" {
					v = join(v, e.Queue) // a queue's task (schema 12)
				}
				keys = append(keys, ikey{string(idxTaskDue), join(e.EffectiveDue().String(), id), v})
			}
		}
	case *model.Complaint:
		if !e.Deleted && e.LeadID != "" && e.Status != model.ComplaintResolved {
			keys = append(keys, ikey{string(idxComplaintOpen), join(e.LeadID, e.ID), ""})
		}
	case *model.Approval:
		if !e.Deleted && e.LeadID != "" {
			keys = append(keys, ikey{string(idxApprovalLead), join(e.LeadID, e.ID), e.RequestedBy})
			if e.Status() == model.Pending {
				keys = append(keys, ikey{string(idxApprovalPending), e.ID, e.LeadID})
			}
		}
	case *model.ServiceOrder:
		if !e.Deleted && e.LeadID != "" {
			keys = append(keys, ikey{string(idxServiceLead), join(e.LeadID, e.ID), ""})
			if e.IsOpen() {
				keys = append(keys, ikey{string(idxServiceOpen), serviceOpenKey(e), join(e.LeadID, e.Assignee)})
			}
		}
	}
	return keys
}

// leadStageKey is a lead's entry in idx/lead_stage: its stage, a 0 and
// its id packed.
func leadStageKey(stage, id string) string {
	return string(appendID(append([]byte(stage), 0), id))
}

// leadShortKey is a lead's entry in idx/lead_short: the short id a list
// shows, as text (a typed one is looked up by it), a 0 and the id packed.
func leadShortKey(id string) string {
	return string(appendID(append([]byte(ShortID(id)), 0), id))
}

// packedLen is the length of the id appendID wrote at b's start, or -1
// when b does not begin with one.
func packedLen(b []byte) int {
	switch {
	case len(b) >= 17 && b[0] == 1:
		return 17
	case len(b) >= 2 && b[0] == 0 && len(b) >= 2+int(b[1]):
		return 2 + int(b[1])
	}
	return -1
}

// idText is the text of the id appendID wrote as packed, formatted into
// buf when it is a UUID (so nothing is allocated), else packed's own
// bytes; nil when packed is not one id.
func idText(buf *[36]byte, packed []byte) []byte {
	if packedLen(packed) != len(packed) {
		return nil
	}
	if packed[0] == 0 {
		return packed[2:]
	}
	u := packed[1:]
	hex.Encode(buf[0:8], u[0:4])
	hex.Encode(buf[9:13], u[4:6])
	hex.Encode(buf[14:18], u[6:8])
	hex.Encode(buf[19:23], u[8:10])
	hex.Encode(buf[24:36], u[10:16])
	buf[8], buf[13], buf[18], buf[23] = '-', '-', '-', '-'
	return buf[:]
}

// pastPrefix is the least key greater than every key that begins with p,
// where a cursor seeks to walk a prefix backwards; nil when there is none
// (p is all 0xff).
func pastPrefix(p []byte) []byte {
	n := len(p)
	for n > 0 && p[n-1] == 0xff {
		n--
	}
	if n == 0 {
		return nil
	}
	end := append([]byte(nil), p[:n]...)
	end[n-1]++
	return end
}

// lastWithPrefix puts c on the last key that begins with p, or on the key
// before where they would be, and returns it.
func lastWithPrefix(c *bolt.Cursor, p []byte) []byte {
	var k []byte
	if end := pastPrefix(p); end != nil {
		k, _ = c.Seek(end)
	}
	if k == nil {
		k, _ = c.Last()
	} else {
		k, _ = c.Prev()
	}
	return k
}

// leadOf returns the lead an entity belongs to (a lead's own id).
func leadOf(v any) string {
	switch e := v.(type) {
	case *model.Lead:
		return e.ID
	case *model.Activity:
		return e.LeadID
	case *model.Task:
		return e.LeadID
	}
	return ""
}

// reindex replaces the index entries of before with those of after (typed
// entities; nil for none), the record id of typ, and keeps the cards of
// the leads involved right.
func (t *Tx) reindex(typ, id string, before, after any) error {
	t.noteDerived(typ, id, before == nil)
	if err := t.indexSearch(before, after); err != nil {
		return err
	}
	// An entry both versions have is in the index already: putting it again
	// rewrites its pages for nothing. A stage move rewrote the short-id
	// index's two that way, of the 27 pages its commit wrote.
	newKeys := indexKeys(after)
	put := make(map[ikey]bool, len(newKeys)) // false: kept as it is
	for _, k := range newKeys {
		put[k] = true
	}
	for _, k := range indexKeys(before) {
		switch p, ok := put[k]; {
		case !ok:
			if err := t.idx([]byte(k.bucket)).Delete([]byte(k.key)); err != nil {
				return err
			}
		case p:
			put[k] = false
		}
	}
	for _, k := range newKeys {
		if !put[k] {
			continue
		}
		put[k] = false
		if err := t.putIndex(k); err != nil {
			return err
		}
	}
	// Activities and tasks change a part of their lead's card (last touch,
	// next follow-up). Those parts are brought up to date once per lead per
	// transaction, not once per record: a pull or an import writes many
	// records of the same lead in one transaction.
	if a, ok := after.(*model.Activity); ok && before == nil && !a.Deleted {
		// A new activity can only make the last touch later.
		if p := t.pend(a.LeadID); a.StartedAt.After(p.touch) {
			p.touch = a.StartedAt
		}
		return nil
	}
	seen := map[string]bool{}
	for _, lead := range []string{leadOf(before), leadOf(after)} {
		if lead == "" || seen[lead] {
			continue
		}
		seen[lead] = true
		var err error
		switch typ {
		case model.TypeLead:
			// The whole card is derived again, from the indexes as they are now.
			delete(t.pending, lead)
			if l, ok := after.(*model.Lead); ok && l.ID == lead {
				err = t.writeCard(l) // the lead just stored: no need to decode it again
			} else {
				err = t.refreshCard(lead)
			}
		case model.TypeActivity:
			t.pend(lead).retouch = true
		case model.TypeTask:
			t.pend(lead).next = true
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// cardPending is what must still change on a lead's card before the
// transaction ends or a card is read.
type cardPending struct {
	touch   time.Time // a new activity at this time
	retouch bool      // an activity changed: find the newest again
	next    bool      // a task changed: find the next open one again
}

func (t *Tx) pend(lead string) *cardPending {
	if t.pending == nil {
		t.pending = map[string]*cardPending{}
	}
	p := t.pending[lead]
	if p == nil {
		p = &cardPending{}
		t.pending[lead] = p
	}
	return p
}

// flushCards brings every card with pending changes up to date. Store.Update
// calls it before committing, and every read of cards calls it first.
func (t *Tx) flushCards() error {
	if len(t.pending) == 0 {
		return nil
	}
	for _, lead := range slices.Sorted(maps.Keys(t.pending)) {
		p := t.pending[lead]
		err := t.updateCard(lead, func(c *Card) error {
			switch {
			case p.retouch:
				if err := t.setTouch(c); err != nil {
					return err
				}
			case p.touch.After(c.LastActivity):
				c.LastActivity = p.touch
			}
			if p.next {
				return t.setNext(c)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	t.pending = nil
	return nil
}

// refreshCard rebuilds a lead's card from the lead, its activities and its
// tasks; a missing or deleted lead has no card.
func (t *Tx) refreshCard(leadID string) error {
	var l model.Lead
	data, err := t.view.record(t.bucket(bucketLeads), leadID)
	if err != nil || data == nil || json.Unmarshal(data, &l) != nil {
		return t.deleteCard(leadID)
	}
	l.ID = leadID
	return t.writeCard(&l)
}

// writeCard derives and stores the card of lead l (a deleted lead has none).
func (t *Tx) writeCard(l *model.Lead) error {
	if l.Deleted {
		return t.deleteCard(l.ID)
	}
	c := cardFromLead(l)
	c.ID = l.ID
	if err := t.setTouch(&c); err != nil {
		return err
	}
	if err := t.setNext(&c); err != nil {
		return err
	}
	return t.putCard(&c, nil)
}

// putCard stores a card and moves its entry in the touch index. old is the
// card it replaces, or nil to read it here.
func (t *Tx) putCard(c *Card, old *Card) error {
	cards := t.bucket(bucketCards)
	if old == nil {
		if data := cards.Get([]byte(c.ID)); data != nil {
			old = new(Card)
			if old.unmarshalHead(data) != nil {
				old = nil // a corrupt card: its touch entry cannot be known
			}
		}
	}
	// The index is missing only while an older schema migrates: the
	// migration that adds it fills it from the cards.
	if touch := t.idx(idxLeadTouch); touch != nil {
		key := touchKey(c)
		if old != nil {
			if oldKey := touchKey(old); !bytes.Equal(oldKey, key) {
				if err := touch.Delete(oldKey); err != nil {
					return err
				}
			}
		}
		if err := touch.Put(key, nil); err != nil {
			return err
		}
	}
	return cards.Put([]byte(c.ID), c.marshal())
}

// deleteCard removes a lead's card and its touch entry.
func (t *Tx) deleteCard(leadID string) error {
	cards := t.bucket(bucketCards)
	data := cards.Get([]byte(leadID))
	if data == nil {
		return nil
	}
	var old Card
	if touch := t.idx(idxLeadTouch); touch != nil && old.unmarshalHead(data) == nil {
		if err := touch.Delete(touchKey(&old)); err != nil {
			return err
		}
	}
	return cards.Delete([]byte(leadID))
}

// updateCard changes one part of an existing card.
func (t *Tx) updateCard(leadID string, change func(*Card) error) error {
	cards := t.bucket(bucketCards)
	data := cards.Get([]byte(leadID))
	if data == nil {
		return nil // the lead is not here (yet): its card is built when it arrives
	}
	var c Card
	if err := c.unmarshal(data); err != nil {
		return t.refreshCard(leadID)
	}
	old := c
	if err := change(&c); err != nil {
		return err
	}
	return t.putCard(&c, &old)
}

// setTouch sets the card's last activity from the newest indexed activity.
func (t *Tx) setTouch(c *Card) error {
	// The lead's entries, oldest first: its newest is the last of them.
	prefix := packID(c.ID)
	k := lastWithPrefix(t.idx(idxActLead).Cursor(), prefix)
	c.LastActivity = time.Time{}
	if k != nil && bytes.HasPrefix(k, prefix) && len(k) >= len(prefix)+8 {
		c.LastActivity = fromMilli(int64(beUint64(k[len(prefix):])))
	}
	return nil
}

// setNext sets the card's next follow-up: its open task due first, of
// those assigned to someone or to no queue.
func (t *Tx) setNext(c *Card) error {
	c.NextDue, c.NextAction, c.NextTaskID = model.Date{}, "", ""
	prefix := packID(c.ID)
	cur := t.idx(idxTaskLead).Cursor()
	for k, _ := cur.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = cur.Next() {
		id, rest, ok := cutID(k[len(prefix):])
		var tk model.Task
		// A queue's task is no one's next step until someone takes it.
		if !ok || len(rest) > 0 || t.get(model.TypeTask, id, &tk) != nil || !tk.IsOpen() || tk.Assignee == "" && tk.Queue != "" {
			continue
		}
		if due := tk.EffectiveDue(); c.NextDue.IsZero() || due.Before(c.NextDue) {
			c.NextDue, c.NextAction, c.NextTaskID = due, tk.Action, tk.ID
		}
	}
	return nil
}

// rebuildCards is migration 2 and the repair path: it derives every card
// again.
func rebuildCards(btx *bolt.Tx) error {
	t := &Tx{tx: btx}
	if err := btx.DeleteBucket(bucketCards); err != nil {
		return err
	}
	if _, err := btx.CreateBucket(bucketCards); err != nil {
		return err
	}
	if idx := btx.Bucket(bucketIdx); idx.Bucket(idxLeadTouch) != nil {
		if err := idx.DeleteBucket(idxLeadTouch); err != nil {
			return err
		}
		if _, err := idx.CreateBucket(idxLeadTouch); err != nil {
			return err
		}
	}
	var ids []string
	err := btx.Bucket(bucketLeads).ForEach(func(k, _ []byte) error {
		ids = append(ids, string(k))
		return nil
	})
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := t.refreshCard(id); err != nil {
			return err
		}
	}
	return nil
}

// reindexData is reindex for stored JSON: before and after as the entity
// bucket holds them (nil or empty for none).
func (t *Tx) reindexData(typ, id string, before, after []byte) error {
	if string(before) == "{}" {
		before = nil
	}
	oldV, err := decodeEntity(typ, before)
	if err != nil {
		oldV = nil // a corrupt old version has no index entries to remove
	}
	if string(after) == "{}" {
		after = nil
	}
	newV, err := decodeEntity(typ, after)
	if err != nil {
		return fmt.Errorf("%s %s: %w", typ, id, err)
	}
	if oldV == nil && newV == nil {
		return nil
	}
	return t.reindex(typ, id, oldV, newV)
}

// rebuildTaskDue is migration 5: the due-day index carries each open task's
// lead and action, so the daily review reads no task record.
func rebuildTaskDue(btx *bolt.Tx) error {
	return rebuildIndexes(btx, bucketTasks, [][]byte{idxTaskDue}, taskIndexKeys(), nil)
}

// addLeadShort is migration 6: an index from the short id that lists show
// (the end of the id) to the lead, so a command given one finds the lead
// without reading every card.
func addLeadShort(btx *bolt.Tx) error {
	return rebuildIndexes(btx, bucketCards, [][]byte{idxLeadShort}, cardIndexKeys, nil)
}

// addVisitOpen is migration 7: an index of visits checked in and not yet
// checked out, so finding them (after a restart, for `visit stop`) reads
// only them, not every activity.
func addVisitOpen(btx *bolt.Tx) error {
	open, err := btx.Bucket(bucketIdx).CreateBucketIfNotExists(idxVisitOpen)
	if err != nil {
		return err
	}
	var view jsonView
	return btx.Bucket(bucketActivities).ForEach(func(_, v []byte) error {
		var a model.Activity
		if data, err := view.of(v); err != nil || json.Unmarshal(data, &a) != nil || a.Deleted || !a.Open() || a.LeadID == "" {
			return nil // a corrupt record has no index entry
		}
		return open.Put([]byte(a.ID), []byte(a.LeadID))
	})
}

// addLeadTouch is migration 8: an index of leads by stage and last touch,
// so the daily review finds rotting leads and due return visits by reading
// a range per stage, not every card.
func addLeadTouch(btx *bolt.Tx) error {
	return rebuildIndexes(btx, bucketCards, [][]byte{idxLeadTouch}, cardIndexKeys, nil)
}

// taskIndexKeys returns the index entries of a stored task record; none
// for a corrupt one, as in doctor's rebuild. Its buffer is reused from
// call to call.
func taskIndexKeys() func(v []byte) []ikey {
	var view jsonView
	return func(v []byte) []ikey {
		var tk model.Task
		if data, err := view.of(v); err != nil || json.Unmarshal(data, &tk) != nil {
			return nil
		}
		return indexKeys(&tk)
	}
}

// cardIndexKeys returns a stored card's entries in the lead indexes: the
// stage and short-id entries indexKeys gives its lead (a card is a live
// lead's, so it has both) and its touch entry. A card is far cheaper to
// decode than its lead. None for a corrupt card: rebuilding the cards
// mends both.
func cardIndexKeys(v []byte) []ikey {
	var c Card
	if c.unmarshalHead(v) != nil {
		return nil
	}
	return []ikey{
		{string(idxLeadStage), leadStageKey(c.Stage, c.ID), ""},
		{string(idxLeadShort), leadShortKey(c.ID), ""},
		{string(idxLeadTouch), string(touchKey(&c)), ""},
	}
}

// rebuildIndexes derives the idx/ buckets named in names again from every
// value of the bucket src, keys giving a value's entries (those of other
// buckets are left out), and calls each (when not nil) after every value.
// The entries are put in key order into fresh buckets (putAnew), for 30 MB
// more memory at 100,000 activities.
func rebuildIndexes(btx *bolt.Tx, src []byte, names [][]byte, keys func(v []byte) []ikey, each func()) error {
	entries := make([][]ikey, len(names))
	err := btx.Bucket(src).ForEach(func(_, v []byte) error {
		for _, key := range keys(v) {
			for i, name := range names {
				if key.bucket == string(name) {
					entries[i] = append(entries[i], key)
				}
			}
		}
		if each != nil {
			each()
		}
		return nil
	})
	if err != nil {
		return err
	}
	for i, name := range names {
		if err := putAnew(btx.Bucket(bucketIdx), name, entries[i]); err != nil {
			return err
		}
	}
	return nil
}

// putAnew replaces bucket name of parent (if any) by a new one holding
// entries (their key and value; bucket is not read), put in key order:
// bbolt splits a node only when the transaction commits, so 100,000 puts
// in random order into one fresh bucket moved its growing node about
// (8 s); in order they append (about 1 s), and fill its pages as
// fillPercent says.
func putAnew(parent *bolt.Bucket, name []byte, entries []ikey) error {
	if err := parent.DeleteBucket(name); err != nil && !errors.Is(err, berrors.ErrBucketNotFound) {
		return err
	}
	b, err := parent.CreateBucket(name)
	if err != nil {
		return err
	}
	b.FillPercent = fillPercent
	slices.SortFunc(entries, func(x, y ikey) int { return strings.Compare(x.key, y.key) })
	for _, e := range entries {
		if err := b.Put([]byte(e.key), []byte(e.value)); err != nil {
			return err
		}
	}
	return nil
}
