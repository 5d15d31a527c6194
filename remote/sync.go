package remote

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/wire"
)

// Report says what one Sync did.
type Report struct {
	Pushed     int // ops the server applied
	Duplicates int // ops the server already had (a resend)
	Rejected   int // ops the server refused (kept in the rejected list)
	Pulled     int // changes pulled and merged
	Removed    int // records removed because the user may no longer see them
	SetAside   int // changes from the server this replica could not apply (kept in the set-aside list)
	Cursor     uint64
}

// Options tune Sync; zero values mean the defaults.
type Options struct {
	PushBatch int // ops per push, at most wire.MaxBatchOps
	PullLimit int // changes per pull, at most MaxPullLimit
	// Progress, when set, is called after each batch pushed and each page
	// pulled, once the transaction that stored it has committed (never
	// inside one: it may read the book), with what the sync had done by
	// then and how many ops waited to be pushed when it began: a first
	// sync of a large book takes seconds, and its command shows how far
	// it got.
	Progress func(done Report, waiting int)
	// LessGC raises the garbage collector's target while the sync runs
	// (gc.go): a laptop's process trades memory for CPU there; a server's
	// (a replica of an SSH session's book) keeps to its memory budget.
	LessGC bool
}

func (o Options) progress(done Report, waiting int) {
	if o.Progress != nil {
		o.Progress(done, waiting)
	}
}

// Sync pushes the outbox in batches, then pulls until the replica is up to
// date. An op leaves the outbox only in the transaction that stores the
// server's answer for it, so an interrupted sync loses nothing and a resend
// is answered "duplicate". The pull cursor advances only with the changes
// it covers, in one transaction.
func Sync(ctx context.Context, st *store.Store, c *Client) (Report, error) {
	return SyncWith(ctx, st, c, Options{})
}

// A change from the server that this replica cannot apply (it does not
// decode, or it would leave a record that fails the checks of a local
// write) is set aside in the replica with its reason, and the rest of its
// page is applied: the cursor moves on, so one bad change cannot stop
// this user's sync for good.

// SyncWith is Sync with options.
func SyncWith(ctx context.Context, st *store.Store, c *Client, o Options) (Report, error) {
	var rep Report
	if err := CheckAccount(st, c); err != nil {
		return rep, err // not the book's last error: the book did nothing wrong
	}
	if o.LessGC {
		defer lessGC()() // gc.go
	}
	err := push(ctx, st, c, o, &rep)
	if err == nil {
		err = pull(ctx, st, c, o, &rep)
	}
	if err == nil {
		err = resendLost(ctx, st, c, o, &rep) // resend.go: after a server restore
	}
	if err == nil {
		err = syncSettings(ctx, st, c) // settings.go: the company settings, when they changed
	}
	if err == nil {
		learnRole(ctx, st, c)
		return rep, nil // the last pull page recorded the sync's time
	}
	serr := st.Update(func(tx *store.Tx) error {
		s := tx.SyncState()
		s.LastError = err.Error()
		return tx.SetSyncState(s)
	})
	return rep, errors.Join(err, serr)
}

// answersPerTx is how many batches' answers one transaction stores at
// most. Each transaction writes anew every page of the book it touches,
// and storing the answers to a first push after a login rewrites each
// record (handed over) and its index entries: the demo book's first push
// wrote 611 MB to make an 89 MB book, an answer a transaction; 382 MB two
// at a time, and 263 MB four at a time. Four made the push no faster: the
// server, its batch applied, waits while the laptop stores four answers;
// two took as long as one (BENCHMARKS.md).
const answersPerTx = 2

func push(ctx context.Context, st *store.Store, c *Client, o Options, rep *Report) (err error) {
	var waiting int
	// reach is how far the replica will have pulled once the answers
	// before the next batch are stored: each batch says it, and while the
	// server answers that nothing but the batch came after it (CaughtUp),
	// the next batch says the answer's cursor. A resend after a restore
	// needs its pull from scratch, and says nothing.
	var reach wire.Reach
	if err := st.View(func(tx *store.Tx) error {
		waiting = tx.OutboxLen()
		if s := tx.SyncState(); tx.ResendPending() == "" {
			reach = wire.Reach{Replica: st.Node(), Cursor: s.Cursor, Epoch: s.Epoch}
		}
		if !reach.Sendable() {
			reach = wire.Reach{}
		}
		return nil
	}); err != nil {
		return err
	}
	// Many waiting (a first sync): large batches, which servers since
	// issue 15 take; a server that refuses one gets MaxPushOps from then on.
	batch, bytes := wire.MaxPushOps, wire.MaxPushBytes
	if waiting > wire.MaxPushOps {
		batch, bytes = wire.MaxBatchOps, wire.MaxBatchBytes
	}
	if o.PushBatch > 0 {
		batch = min(o.PushBatch, wire.MaxBatchOps)
	}
	var after uint64 // the last outbox entry sent
	// read reads the next batch after the last one sent while the server
	// applies the batch before, and starts making its body ready to send
	// (packed and compressed) on a goroutine of its own: the body is
	// made while this one stores the answers to the batch before, and
	// the batch's flight waits for it. On a first push after a login the
	// laptop was the slower end, and the body a tenth of its work.
	read := func() (ready, error) {
		var entries []store.OutboxEntry
		err := st.View(func(tx *store.Tx) error {
			var err error
			entries, err = tx.OutboxJSONAfter(after, batch)
			return err
		})
		if err != nil {
			return ready{}, err
		}
		r := ready{entries: fitBatch(entries, bytes)}
		if len(r.entries) > 0 {
			body := make(chan *Body, 1)
			go func() { body <- c.PreparePushOps(ctx, opsOf(r.entries)) }()
			r.body = body
		}
		return r, nil
	}
	launch := func(r ready) *flight {
		if len(r.entries) == 0 {
			return nil
		}
		after = r.entries[len(r.entries)-1].Seq
		return send(ctx, c, r, reach)
	}
	// The next batch is read, packed and compressed while the server
	// applies one, and sent as soon as that one is answered, before the
	// answer is stored: the server applies a batch while this replica
	// stores the answers to the ones before (on a first push each takes
	// about half the CPU), and never waits for a body to be made. Only one
	// request is ever in flight, so the server takes the batches in order,
	// and answers are stored in order, a few batches' in a transaction
	// (answersPerTx); after a failure the answers that came before it
	// are stored, and the batch in flight is waited for and its answer
	// dropped: its ops are sent again next time (answered "duplicate"
	// when taken). Each round answers at least one op, so the bound on
	// rounds is never reached unless the outbox grows while we push; the
	// rest waits for next time.
	//
	// answered holds the flights answered whose answers are not stored
	// yet: they are stored answersPerTx at a time, and before push
	// returns, whatever it returns with.
	var answered []*flight
	settle := false // activities handed over wait to be settled (store.SettleHandOver)
	storeAnswered := func() error {
		if len(answered) == 0 {
			return nil
		}
		var done []Report // after each batch, told once they are stored
		err := st.Update(func(tx *store.Tx) error {
			done = done[:0]
			for _, f := range answered {
				if err := storeAnswers(tx, f, rep); err != nil {
					return err
				}
				done = append(done, *rep)
			}
			settle = tx.HandOverWaiting()
			return nil
		})
		answered = nil
		if err != nil {
			return fmt.Errorf("store the server's answers: %w", err)
		}
		for _, r := range done {
			o.progress(r, waiting)
		}
		return nil
	}
	defer func() {
		if serr := storeAnswered(); err == nil {
			err = serr
		}
		if settle {
			if serr := st.SettleHandOver(); err == nil && serr != nil {
				err = fmt.Errorf("store the server's answers: %w", serr)
			}
		}
	}()
	first, err := read()
	var cur *flight
	if err == nil {
		cur = launch(first)
	}
	for round := 0; cur != nil && round <= waiting; round++ {
		next, rerr := read()
		<-cur.done
		var ae *APIError
		if cur.err != nil && len(cur.entries) > wire.MaxPushOps && errors.As(cur.err, &ae) &&
			(ae.Status == http.StatusBadRequest || ae.Status == http.StatusRequestEntityTooLarge) {
			batch, bytes = wire.MaxPushOps, wire.MaxPushBytes // a server before issue 15
			after = cur.entries[0].Seq - 1
			round--
			if next, err = read(); err != nil {
				return err
			}
			cur = launch(next)
			continue
		}
		if cur.err != nil {
			return fmt.Errorf("push: %w", cur.err)
		}
		reach = reachAfter(cur)
		var ahead *flight
		if rerr == nil {
			ahead = launch(next)
		}
		if answered = append(answered, cur); len(answered) == answersPerTx || ahead == nil {
			if err := storeAnswered(); err != nil {
				if ahead != nil {
					<-ahead.done
				}
				return err
			}
		}
		if rerr != nil {
			return rerr
		}
		if cur = ahead; cur == nil {
			// Written while the last batch was out?
			if next, err = read(); err != nil {
				return err
			}
			cur = launch(next)
		}
	}
	if cur != nil {
		<-cur.done // past the bound on rounds: its answer waits for the next sync
	}
	return err
}

// flight is a batch of ops sent, with how far the replica said it had
// pulled, and, once done is closed, the server's answer to it.
type flight struct {
	entries []store.OutboxEntry
	reach   wire.Reach
	done    chan struct{}
	resp    wire.PushResponse
	err     error
}

// reachAfter is how far the replica will have pulled once f's answer is
// stored: the cursor the answer says it is caught up to, or nothing known
// (the zero Reach) when it does not say so.
func reachAfter(f *flight) wire.Reach {
	c := f.resp.CaughtUp
	if f.reach.Replica == "" || c == nil {
		return wire.Reach{}
	}
	if r := (wire.Reach{Replica: f.reach.Replica, Cursor: c.Cursor, Epoch: c.Epoch}); r.Sendable() {
		return r
	}
	return wire.Reach{}
}

// ready is a batch of ops read from the outbox and its body, made ready
// on a goroutine of its own (read).
type ready struct {
	entries []store.OutboxEntry
	body    <-chan *Body
}

// send pushes a batch in a goroutine of its own, saying how far the
// replica has pulled (reach, when known).
func send(ctx context.Context, c *Client, r ready, reach wire.Reach) *flight {
	f := &flight{entries: r.entries, reach: reach, done: make(chan struct{})}
	if reach.Replica != "" {
		ctx = context.WithValue(ctx, reachKey{}, reach)
	}
	go func() {
		defer close(f.done)
		f.resp, f.err = c.PushPrepared(ctx, <-r.body, len(r.entries))
	}()
	return f
}

// reachKey carries, in a push's context, the wire.Reach the client sends.
type reachKey struct{}

// fitBatch keeps the leading entries whose encoding fits in limit bytes
// (at least one: a single long op travels alone).
func fitBatch(entries []store.OutboxEntry, limit int) []store.OutboxEntry {
	size := 16
	for i, e := range entries {
		size += len(e.Raw) + 1
		if size > limit-4096 && i > 0 {
			return entries[:i]
		}
	}
	return entries
}

// opsOf returns the JSON of entries' ops.
func opsOf(entries []store.OutboxEntry) []json.RawMessage {
	ops := make([]json.RawMessage, len(entries))
	for i, e := range entries {
		ops[i] = e.Raw
	}
	return ops
}

// storeAnswers records the server's answer for each pushed op: applied and
// duplicate ops leave the outbox; rejected ones move to the rejected list.
// Entities with a refused op take the server's state (plus what is still
// waiting to be pushed).
func storeAnswers(tx *store.Tx, f *flight, rep *Report) error {
	entries, resp := f.entries, f.resp
	var acked uint64
	for i, r := range resp.Results {
		e := entries[i]
		switch r.Status {
		case wire.StatusApplied:
			rep.Pushed++
			acked = max(acked, r.Seq)
		case wire.StatusDuplicate:
			rep.Duplicates++
			acked = max(acked, r.Seq)
		case wire.StatusRejected:
			rep.Rejected++
			if err := e.DecodeOp(); err != nil {
				return err
			}
			if err := tx.AddRejected(e.Op, r.Reason); err != nil {
				return err
			}
		}
		if err := tx.DropPushed(e); err != nil {
			return err
		}
	}
	if err := tx.Acknowledge(acked); err != nil {
		return err
	}
	if err := catchUp(tx, f); err != nil {
		return err
	}
	for _, s := range resp.States {
		err := tx.ReplaceRecord(s.Entity.Type, s.Entity.ID, s.Record())
		if why, ok := cannotApply(err); ok {
			raw, _ := json.Marshal(wire.Change{State: &s})
			err = setAside(tx, rep, store.SetAside{Kind: store.SetAsideState, Entity: s.Entity,
				Reason: "in the answer to a push: " + why, Change: raw})
		}
		if err != nil {
			return err
		}
	}
	for _, ref := range resp.Removes {
		err := tx.RemoveLocal(ref.Type, ref.ID)
		if why, ok := cannotApply(err); ok {
			raw, _ := json.Marshal(wire.Change{Remove: &ref})
			err = setAside(tx, rep, store.SetAside{Kind: store.SetAsideRemove, Entity: ref,
				Reason: "in the answer to a push: " + why, Change: raw})
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// catchUp moves the pull cursor past a batch whose answer says nothing
// but the batch came after the cursor the push named (wire.ReachHeader),
// when the book's cursor is still that one: a pull from it would leave
// out all the batch, its own ops, now that their answers are stored.
func catchUp(tx *store.Tx, f *flight) error {
	c := f.resp.CaughtUp
	if c == nil || f.reach.Replica == "" || tx.ResendPending() != "" {
		return nil
	}
	s := tx.SyncState()
	if s.Cursor != f.reach.Cursor || s.Epoch != f.reach.Epoch || c.Cursor < s.Cursor {
		return nil // another sync moved it meanwhile
	}
	s.Cursor, s.Epoch = c.Cursor, c.Epoch
	return tx.SetSyncState(s)
}

func setAside(tx *store.Tx, rep *Report, s store.SetAside) error {
	rep.SetAside++
	return tx.AddSetAside(s)
}

// cannotApply reports whether err is the store refusing a change, and why
// (without the entity, which the set-aside entry names on its own).
func cannotApply(err error) (string, bool) {
	var ce *store.CannotApplyError
	if errors.As(err, &ce) {
		return ce.Reason(), true
	}
	return "", false
}

// page is one pull answer fetched ahead of the one being stored.
type page struct {
	from   uint64
	resp   wire.PullResponse
	pulled []*store.PulledOp // the ops of resp.Changes prepared, by index; nil for the rest
	bad    []wire.BadChange  // changes that could not be read
	err    error
}

// prefetch fetches pages from cursor on, ahead of the caller, so that the
// network, the server and decoding a page, preparing its ops
// (store.PreparePulled) and storing the page before overlap: a pipeline
// of two goroutines, a page in each. It stops after a last page, an
// error, or when ctx ends.
//
// The channels hold no page: a page waits in the goroutine that made it
// until the next stage takes it, so at most three pages are in memory
// (fetched, prepared, being stored). With a page queued in each channel
// there were five, and a fresh pull of the demo book kept about 120 MB
// live and peaked at 360-440 MB; without the queue it peaks at 290 MB
// and takes as long, which pays for most of the room the collector is
// given during a laptop's sync (gc.go).
func prefetch(ctx context.Context, st *store.Store, c *Client, from uint64, limit int) <-chan page {
	fetched := make(chan page)
	go func() {
		defer close(fetched)
		// A small first page starts the storing sooner; later pages are
		// fetched while the previous one is stored.
		n := min(limit, 500)
		for range 1_000_000 {
			resp, bad, err := c.PullChanges(ctx, from, n)
			n = limit
			select {
			case fetched <- page{from: from, resp: resp, bad: bad, err: err}:
			case <-ctx.Done():
				return
			}
			if err != nil || !resp.More || resp.Cursor <= from {
				return
			}
			from = resp.Cursor
		}
	}()
	out := make(chan page)
	go func() {
		defer close(out)
		defer func() {
			for range fetched { // let the fetcher end
			}
		}()
		for p := range fetched {
			p.pulled = make([]*store.PulledOp, len(p.resp.Changes))
			for i, ch := range p.resp.Changes {
				if ch.Op != nil {
					p.pulled[i] = st.PreparePulled(*ch.Op)
				}
			}
			select {
			case out <- p:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}

// ownKey carries, in a pull's context, the wire.Own the client sends.
type ownKey struct{}

func withOwn(ctx context.Context, o wire.Own) context.Context {
	return context.WithValue(ctx, ownKey{}, o)
}

// pagesPerTx is how many pulled pages one transaction stores at most,
// when they have come: each transaction writes anew every page of the
// book it touches, and the search index's lists and the indexes keyed by
// other than time are touched all over by any page. A fresh pull of the
// demo book (118,538 changes in 24 pages) wrote 579 MB to a 93 MB book
// page by page, and grew it to 144.8 MB before its compaction; eight
// pages at a time, 233 MB and 124.5 MB; as pages come here (three or
// four a transaction, in the half second below), 272-290 MB and 133-140
// MB, for a few tens of MB more at its peak (BENCHMARKS.md). In one
// transaction it wrote 96 MB but took 800 MB of memory. The indexes and
// lists are now written once, by the last transaction of the run
// (store.Carry): the same pull writes 107 MB in all, and leaves a book of
// 105 MB that needs no compaction, where it wrote 275 MB with the
// compaction its 134-137 MB called for. A crash loses no
// more than the pages of the transaction it cut short, pulled again from
// the cursor stored before them (TestPullProcessKilled SIGKILLs pulling
// processes inside such transactions).
//
// A transaction waits for a next page only until maxPullTxHold after it
// began: the book's other writers (the terminal UI storing what was
// typed while a sync runs) wait for it, and on a slow network a page can
// take seconds to come.
const (
	pagesPerTx    = 8
	maxPullTxHold = 500 * time.Millisecond
)

func pull(ctx context.Context, st *store.Store, c *Client, o Options, rep *Report) error {
	limit := o.PullLimit
	if limit <= 0 || limit > wire.MaxPullLimit {
		limit = wire.MaxPullLimit
	}
	var s store.SyncState
	if err := st.View(func(tx *store.Tx) error { s = tx.SyncState(); return nil }); err != nil {
		return err
	}
	// No echo: the server leaves out this replica's ops it has answers for.
	ctx = withOwn(ctx, wire.Own{Replica: st.Node(), Acked: s.Acked})
	fctx, cancel := context.WithCancel(ctx)
	pages := prefetch(fctx, st, c, s.Cursor, limit)
	defer func() { cancel() }()
	// held is a page taken from the fetcher while a transaction gathered
	// pages but not stored in it: the next turn starts from it.
	var held *page
	restart := func(from uint64) {
		cancel()
		held = nil
		for range pages { // let the old fetcher finish
		}
		fctx, cancel = context.WithCancel(ctx)
		pages = prefetch(fctx, st, c, from, limit)
	}
	// next returns the next page, waiting for it until deadline (none
	// when zero); ok is false when the deadline came first.
	next := func(deadline time.Time) (p page, ok bool) {
		if held != nil {
			p, held = *held, nil
			return p, true
		}
		var timeout <-chan time.Time
		if !deadline.IsZero() {
			t := time.NewTimer(time.Until(deadline))
			defer t.Stop()
			timeout = t.C
		}
		select {
		case p, ok = <-pages:
			if !ok {
				p.err = errors.New("the page fetcher stopped early")
			}
			return p, true
		case <-timeout:
			return page{}, false
		}
	}
	// The derived writes (indexes, cards, search lists) of a run of
	// transactions are made once, by its last (store.Carry).
	carry := st.NewCarry()
	defer func() { _ = st.FlushCarry(carry) }()
	resets := 0
	// Every page advances the cursor or ends the pull; the bound only
	// guards against a server that keeps saying "more" without moving.
	for range 1_000_000 {
		p, _ := next(time.Time{})
		if p.err != nil {
			return fmt.Errorf("pull: %w", p.err)
		}
		resp := p.resp
		if s.Epoch != "" && resp.Epoch != s.Epoch {
			// The server's data was replaced (a restore): start over.
			if resets++; resets > 2 {
				return errors.New("pull: the server's epoch keeps changing")
			}
			if err := st.Update(func(tx *store.Tx) error {
				cur := tx.SyncState()
				// Seqs of the old history name nothing in the new one.
				cur.Cursor, cur.Epoch, cur.Acked = 0, resp.Epoch, 0
				if err := tx.SetSyncState(cur); err != nil {
					return err
				}
				// What was set aside belongs to the old history; the pull
				// from scratch sets aside again what still cannot apply.
				if err := tx.ClearSetAside(); err != nil {
					return err
				}
				return tx.StartResend(resp.Epoch) // resend.go
			}); err != nil {
				return err
			}
			s.Cursor, s.Epoch = 0, resp.Epoch
			ctx = withOwn(ctx, wire.Own{Replica: st.Node()}) // acked is 0 now: leave nothing out
			restart(0)
			continue
		}
		if resp.More && resp.Cursor <= p.from {
			return errors.New("pull: the server says there is more but its cursor did not move")
		}
		moved := false
		var done []Report // after each page, told once they are stored
		err := st.UpdateCarrying(carry, func(tx *store.Tx) error {
			done = done[:0]
			hold := time.Now().Add(maxPullTxHold)
			cur := tx.SyncState()
			if cur.Cursor != p.from || cur.Epoch != s.Epoch {
				// Another sync of this replica moved the cursor: go on
				// from where it got to.
				moved, s = true, cur
				return nil
			}
			for n := 1; ; n++ {
				if err := applyChanges(tx, p, rep); err != nil {
					return err
				}
				if err := noteSeen(tx, p.resp); err != nil { // resend.go
					return err
				}
				cur.Cursor, cur.Epoch = p.resp.Cursor, p.resp.Epoch
				if !p.resp.More {
					cur.LastSync, cur.LastError = tx.Now(), ""
				}
				rep.Cursor = cur.Cursor
				done = append(done, *rep)
				if !p.resp.More || n == pagesPerTx {
					break
				}
				// The next page joins this transaction if it comes in time
				// and follows on from this one; any other goes through the
				// checks above.
				q, ok := next(hold)
				if !ok {
					break
				}
				if q.err != nil || q.resp.Epoch != cur.Epoch || q.from != cur.Cursor || q.resp.More && q.resp.Cursor <= q.from {
					held = &q
					break
				}
				p = q
			}
			s = cur
			carry.More(held != nil || p.resp.More)
			return tx.SetSyncState(cur)
		})
		if err != nil {
			return fmt.Errorf("store pulled changes: %w", err)
		}
		if moved {
			restart(s.Cursor)
			continue
		}
		for _, r := range done {
			o.progress(r, r.Pushed+r.Duplicates+r.Rejected)
		}
		if held == nil && !p.resp.More {
			return nil
		}
	}
	return errors.New("pull: too many pages")
}

// applyChanges applies a page's changes in order. A change the replica
// cannot apply, and one that could not even be read, is set aside with its
// reason; the store refuses such a change before writing any of it, so
// the rest of the page goes on in the same transaction.
func applyChanges(tx *store.Tx, p page, rep *Report) error {
	changes, bad := p.resp.Changes, p.bad
	for i := 0; i <= len(changes); i++ {
		for len(bad) > 0 && bad[0].Before <= i {
			b := bad[0]
			bad = bad[1:]
			kind := b.Kind
			if kind == "" {
				kind = store.SetAsideUnreadable
			}
			if err := setAside(tx, rep, store.SetAside{Seq: b.Seq, Epoch: p.resp.Epoch, Kind: kind, Entity: b.Entity,
				OpID: b.OpID, Reason: b.Reason, Change: b.Raw}); err != nil {
				return err
			}
		}
		if i == len(changes) {
			break
		}
		ch := changes[i]
		var err error
		sa := store.SetAside{Seq: ch.Seq, Epoch: p.resp.Epoch}
		switch {
		case ch.Op != nil:
			sa.Kind, sa.Entity, sa.OpID = store.SetAsideOp, ch.Op.Entity, ch.Op.ID
			if err = tx.ApplyPulled(p.pulled[i]); err == nil {
				rep.Pulled++
			}
		case ch.State != nil:
			sa.Kind, sa.Entity = store.SetAsideState, ch.State.Entity
			if err = tx.MergeRecord(ch.State.Entity.Type, ch.State.Entity.ID, ch.State.Record()); err == nil {
				rep.Pulled++
			}
		case ch.Remove != nil:
			sa.Kind, sa.Entity = store.SetAsideRemove, *ch.Remove
			if err = tx.RemoveLocal(ch.Remove.Type, ch.Remove.ID); err == nil {
				rep.Removed++
			}
		}
		if why, ok := cannotApply(err); ok {
			sa.Reason = why
			sa.Change, _ = json.Marshal(ch)
			err = setAside(tx, rep, sa)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// roleAge is how long the book trusts the role the server said before a
// sync asks again: a role changes seldom, and asking costs a request.
const roleAge = 24 * time.Hour

// learnRole keeps the account's role (store.Tx.Role) when the book does
// not know it or was told it more than roleAge ago, so the book can
// refuse at once what the role may not do. It is best effort: without
// an answer the book goes on as it was and the server still decides.
func learnRole(ctx context.Context, st *store.Store, c *Client) {
	known := false
	_ = st.View(func(tx *store.Tx) error {
		known = tx.Role() != "" && tx.Now().Sub(tx.RoleAt()) < roleAge
		return nil
	})
	if known {
		return
	}
	who, err := c.WhoAmI(ctx)
	if err != nil || who.Role == "" || c.User != "" && who.User != c.User {
		return
	}
	_ = st.Update(func(tx *store.Tx) error { return tx.SetRole(who.Role) })
}
