package store

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/fieldcrm/fieldcrm/jsonpack"
	"github.com/fieldcrm/fieldcrm/model"
	bolt "go.etcd.io/bbolt"
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
			keys = append(keys, ikey{string(idxLeadStage), join(e.Stage, e.ID), ""},
				ikey{string(idxLeadShort), join(ShortID(e.ID), e.ID), ""})
		}
	case *model.Activity:
		if !e.Deleted && e.LeadID != "" {
			at := string(appendID(millis(e.StartedAt), e.ID))
			keys = append(keys, ikey{string(idxActLead), string(packID(e.LeadID)) + at, ""}, ikey{string(idxActFacts), at, actFacts(e)})
			if e.Open() {
				keys = append(keys, ikey{string(idxVisitOpen), e.ID, e.LeadID})
			}
		}
	case *model.Task:
		if !e.Deleted && e.LeadID != "" {
			keys = append(keys, ikey{string(idxTaskLead), join(e.LeadID, e.ID), ""})
			if e.IsOpen() {
				v := join(e.LeadID, e.Action)
				if e.Queue != "" && e.Assignee == "" {
					v = join(e.LeadID, e.Action, e.Queue) // a queue's task (schema 12)
				}
				keys = append(keys, ikey{string(idxTaskDue), join(e.EffectiveDue().String(), e.ID), v})
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
// entities; nil for none) and keeps the cards of the leads involved right.
func (t *Tx) reindex(typ string, before, after any) error {
	if err := t.indexSearch(before, after); err != nil {
		return err
	}
	newKeys := indexKeys(after)
	keep := map[ikey]bool{}
	for _, k := range newKeys {
		keep[k] = true
	}
	for _, k := range indexKeys(before) {
		if !keep[k] {
			if err := t.idx([]byte(k.bucket)).Delete([]byte(k.key)); err != nil {
				return err
			}
		}
	}
	for _, k := range newKeys {
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
	prefix := []byte(c.ID + "\x00")
	cur := t.idx(idxTaskLead).Cursor()
	for k, _ := cur.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = cur.Next() {
		var tk model.Task
		// A queue's task is no one's next step until someone takes it.
		if err := t.get(model.TypeTask, string(k[len(prefix):]), &tk); err != nil || !tk.IsOpen() || tk.Assignee == "" && tk.Queue != "" {
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
	return t.reindex(typ, oldV, newV)
}

// rebuildTaskDue is migration 5: the due-day index carries each open task's
// lead and action, so the daily review reads no task record.
func rebuildTaskDue(btx *bolt.Tx) error {
	idx := btx.Bucket(bucketIdx)
	if err := idx.DeleteBucket(idxTaskDue); err != nil {
		return err
	}
	due, err := idx.CreateBucket(idxTaskDue)
	if err != nil {
		return err
	}
	var view jsonView
	return btx.Bucket(bucketTasks).ForEach(func(_, v []byte) error {
		var tk model.Task
		if data, err := view.of(v); err != nil || json.Unmarshal(data, &tk) != nil {
			return nil // a corrupt record has no index entry
		}
		for _, k := range indexKeys(&tk) {
			if k.bucket == string(idxTaskDue) {
				if err := due.Put([]byte(k.key), []byte(k.value)); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// addLeadShort is migration 6: an index from the short id that lists show
// (the end of the id) to the lead, so a command given one finds the lead
// without reading every card.
func addLeadShort(btx *bolt.Tx) error {
	short, err := btx.Bucket(bucketIdx).CreateBucketIfNotExists(idxLeadShort)
	if err != nil {
		return err
	}
	return btx.Bucket(bucketCards).ForEach(func(k, _ []byte) error {
		return short.Put([]byte(join(ShortID(string(k)), string(k))), nil)
	})
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
	touch, err := btx.Bucket(bucketIdx).CreateBucketIfNotExists(idxLeadTouch)
	if err != nil {
		return err
	}
	return btx.Bucket(bucketCards).ForEach(func(_, v []byte) error {
		var c Card
		if c.unmarshal(v) != nil {
			return nil // a corrupt card has no entry; rebuilding cards mends both
		}
		return touch.Put(touchKey(&c), nil)
	})
}
