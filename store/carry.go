package store

import (
	"errors"
	"maps"
	"slices"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/fieldcrm/fieldcrm/model"
)

// A pull of many pages stores them in several transactions (remote.pull:
// one holds the book's write lock for half a second at most, for the
// terminal UI's sake). bbolt writes anew every page a transaction touches,
// and a page of changes touches the indexes keyed by other than creation
// order all over: an activity's lead and start (act_lead, act_facts), the
// cards, the search index's lists. A fresh pull of the demo book wrote
// them again in each of its seven transactions, and the pages they left
// free made its compaction due (133 MB before, 93 MB after).
//
// A Carry holds those derived writes (held index entries, card updates,
// postings; see bulk.go and search.go) from one transaction of such a run
// to the next, so that the run's last transaction writes them once, in
// key order. The same pull then left 38-79 pages free in each
// transaction but its last (226) instead of 194-1,314, wrote 107 MB in
// all instead of 275 MB, and left a book of 105 MB that needs no
// compaction (BENCHMARKS.md, "A pull's derived writes carried").
//
// Until then the records are ahead of what is derived from them, and the
// book says so: meta/derived_behind holds the carry's token, committed
// with the first transaction that leaves writes in the carry and removed
// by the one that writes them. A write transaction that finds the token
// (catchUp):
//   - of its own carry, takes the writes back and goes on;
//   - of a carry this process holds for another caller (a sync in the
//     background), takes its writes and writes them: the carry is empty
//     from then on and its next transaction starts afresh;
//   - of no carry here (another process's sync, or one stopped by a crash
//     or SIGKILL with the writes in its memory), derives every index,
//     card and list again from the records (rederive), as doctor --repair
//     does. A process that finds the token as it opens the book to write
//     does this then (Store.prepare), before its first read, where a
//     progress bar can show, not at its first write: a key in the
//     terminal UI.
//
// Only what a run adds is carried: a transaction that changes or removes
// a record that was there before the run (whose derived data readers may
// have seen) makes every derived write in it, its own and those it took;
// records the run made, it may change. Readers elsewhere therefore see
// cards, indexes and search as they were, less for a while what the run
// added; never an entry of something since changed or removed.
// maxCarryAge bounds how long that lasts, and maxCarried the memory.
type Carry struct {
	mu    sync.Mutex
	token []byte // the book's meta/derived_behind while this carry holds writes; nil when empty
	more  bool   // set by the caller: the run goes on after this transaction
	since time.Time
	w     derivedWrites
}

// derivedWrites are a transaction's derived writes not yet made, and the
// records made since they began (type, NUL, id).
type derivedWrites struct {
	pending map[string]*cardPending
	held    map[string][]heldEntry
	search  *searchPending
	made    map[string]struct{}
}

// size is about how many bytes of memory w holds.
func (w derivedWrites) size() int {
	n := len(w.pending)*96 + len(w.made)*64
	for _, list := range w.held {
		for _, e := range list {
			n += 48 + len(e.key) + len(e.value)
		}
	}
	if p := w.search; p != nil {
		for i, ops := range p.ops {
			n += 48 + len(p.names[i]) + 8*cap(ops)
		}
		n += 16 * len(p.times)
	}
	return n
}

// Limits of a carry: a run's writes are made when the carry has held them
// this long, or holds about this many bytes. The demo book's fresh pull
// carries at most 62 MB, for about 3 s.
var (
	maxCarryAge = 10 * time.Second
	maxCarried  = 128 << 20
)

// keyDerivedBehind, in meta, holds the token of a carry with writes not
// yet made.
var keyDerivedBehind = []byte("derived_behind")

// carries is what a store and its zone views share: the carry whose token
// the book holds, when this process holds it.
type carries struct {
	mu   sync.Mutex
	live *Carry
}

// NewCarry returns an empty carry for a run of UpdateCarrying.
func (s *Store) NewCarry() *Carry { return &Carry{} }

// More says whether the run goes on after the transaction in progress:
// when it does, UpdateCarrying keeps its derived writes for the next.
// Called from within the transaction's function.
func (c *Carry) More(more bool) { c.more = more }

// UpdateCarrying is Update for one transaction of a run: it starts with
// the writes c carries and, when the function said More(true) and c is
// within its limits, ends with its own derived writes carried in c rather
// than made.
func (s *Store) UpdateCarrying(c *Carry, fn func(*Tx) error) error {
	return s.update(c, fn)
}

// FlushCarry makes the writes c carries, if any, in a transaction of its
// own: a run that stops early ends with it.
func (s *Store) FlushCarry(c *Carry) error {
	c.mu.Lock()
	empty := c.token == nil
	c.mu.Unlock()
	if empty {
		return nil
	}
	return s.update(c, func(*Tx) error { return nil })
}

// take empties c into t when the book's token is c's.
func (c *Carry) take(t *Tx, token []byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token == nil || string(c.token) != string(token) {
		return false
	}
	t.pending, t.held, t.search, t.made = c.w.pending, c.w.held, c.w.search, c.w.made
	// Taken: if the transaction taking them rolls back, the book keeps
	// the token and no one holds it any more, so the next write derives
	// everything again.
	c.token, c.w = nil, derivedWrites{}
	return true
}

// drop forgets what c carries: what it held is derived already.
func (c *Carry) drop() {
	c.mu.Lock()
	c.token, c.w = nil, derivedWrites{}
	c.mu.Unlock()
}

// catchUp brings t's view of the derived data up to the records when the
// book says it is behind (see Carry). c is the carry of t's run, if any.
func (s *Store) catchUp(t *Tx, c *Carry) error {
	meta := t.tx.Bucket(bucketMeta)
	if meta == nil {
		return nil
	}
	token := meta.Get(keyDerivedBehind)
	if token == nil {
		if c != nil {
			c.drop() // another writer caught up what it held
		}
		return nil
	}
	if c != nil && c.take(t, token) {
		return nil // the token stays until the run's writes are made
	}
	t.made = nil // what the run made is derived from here on
	s.carries.mu.Lock()
	live := s.carries.live
	s.carries.mu.Unlock()
	if live == nil || !live.take(t, token) {
		if err := rederive(t.tx, s.opts.Progress); err != nil {
			return err
		}
	}
	if c != nil {
		c.drop()
	}
	return meta.Delete(keyDerivedBehind)
}

// carryOn ends a transaction of c's run, before its derived writes would
// be made: it moves them out of t when the run goes on and c is within
// its limits, and says so in the book. It returns what t carries, to be
// given to c once the transaction has committed.
func (s *Store) carryOn(t *Tx, c *Carry) (*derivedWrites, error) {
	meta := t.tx.Bucket(bucketMeta)
	w := derivedWrites{t.pending, t.held, t.search, t.made}
	if c.since.IsZero() {
		c.since = time.Now()
	}
	if size := w.size(); !c.more || t.changedOld || t.heldErr != nil || meta == nil || time.Since(c.since) >= maxCarryAge || size >= maxCarried || size == 0 {
		c.since = time.Time{}
		if meta != nil && meta.Get(keyDerivedBehind) != nil {
			return nil, meta.Delete(keyDerivedBehind)
		}
		return nil, nil
	}
	token := meta.Get(keyDerivedBehind)
	if token == nil {
		token = []byte(model.NewID())
		if err := meta.Put(keyDerivedBehind, token); err != nil {
			return nil, err
		}
	}
	c.mu.Lock()
	c.token = append([]byte(nil), token...) // held from commit on (kept)
	c.mu.Unlock()
	t.pending, t.held, t.search, t.made = nil, nil, nil, nil
	return &w, nil
}

// noteDerived notes that the transaction derives the data of record id of
// typ anew, made now or not: in a run, a record made in it may change
// and its writes still be carried; one from before may not (carryOn).
func (t *Tx) noteDerived(typ, id string, made bool) {
	if t.run == nil {
		return
	}
	key := typ + "\x00" + id
	if made {
		if t.made == nil {
			t.made = map[string]struct{}{}
		}
		t.made[key] = struct{}{}
		return
	}
	if _, ok := t.made[key]; !ok {
		t.changedOld = true
	}
}

// kept hands c the writes its transaction carried, once it committed;
// committed false (a rollback) leaves c empty: the book keeps whatever
// token it had, which no one holds, so the next write derives everything
// again.
func (s *Store) kept(c *Carry, w *derivedWrites, committed bool) {
	c.mu.Lock()
	if committed && w != nil {
		c.w = *w
	} else {
		c.token, c.w = nil, derivedWrites{}
	}
	holds := c.token != nil
	c.mu.Unlock()
	s.carries.mu.Lock()
	switch {
	case holds:
		s.carries.live = c
	case s.carries.live == c:
		s.carries.live = nil
	}
	s.carries.mu.Unlock()
}

// derivedIndexes are the idx/ buckets indexKeys derives from the records;
// lead_touch is derived from the cards (rebuildCards).
var derivedIndexes = [][]byte{idxLeadStage, idxLeadShort, idxActLead, idxActFacts, idxVisitOpen,
	idxTaskLead, idxTaskDue, idxComplaintOpen, idxApprovalLead, idxApprovalPending, idxServiceLead, idxServiceOpen}

// rederive derives every index, card and search list again from the
// records, in fresh buckets: what a book behind a stopped run of
// transactions needs (see Carry). It took 6.4 s for the demo book of
// 10,000 leads and 100,000 activities; progress (when not nil) hears how
// many records it has read of how many: each record once for the indexes,
// then each lead and activity for the search lists.
func rederive(btx *bolt.Tx, progress func(done, total int)) error {
	idx := btx.Bucket(bucketIdx)
	if idx == nil {
		return errors.New("the book has no indexes")
	}
	types := slices.Sorted(maps.Keys(entityBucket))
	total, searched := 0, 0
	if progress != nil {
		for _, typ := range types {
			if b := btx.Bucket(entityBucket[typ]); b != nil {
				total += b.Stats().KeyN
			}
		}
	}
	entries := map[string][]ikey{}
	done := 0
	for _, typ := range types {
		b := btx.Bucket(entityBucket[typ])
		if b == nil {
			continue
		}
		if progress != nil && (typ == model.TypeLead || typ == model.TypeActivity) {
			searched += b.Stats().KeyN
		}
		err := b.ForEach(func(_, v []byte) error {
			if done++; progress != nil && done%4096 == 0 {
				progress(done, total+searched)
			}
			e, err := decodeEntity(typ, v)
			if err != nil || e == nil {
				return nil // a corrupt record has no entries (doctor names it)
			}
			for _, k := range indexKeys(e) {
				entries[k.bucket] = append(entries[k.bucket], k)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	for _, name := range derivedIndexes {
		if err := putAnew(idx, name, entries[string(name)]); err != nil {
			return err
		}
	}
	if err := rebuildCards(btx); err != nil {
		return err
	}
	if progress == nil {
		return buildSearch(btx)
	}
	return buildSearchProgress(btx, func(d, _ int) { progress(total+d, total+searched) })
}
