package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"sync"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	bolt "go.etcd.io/bbolt"
)

// Bucket names.
var (
	bucketMeta       = []byte("meta")
	bucketLeads      = []byte("leads")
	bucketActivities = []byte("activities")
	bucketTasks      = []byte("tasks")
	bucketComplaints = []byte("complaints")
	bucketStamps     = []byte("stamps")
	bucketCards      = []byte("cards")
	bucketIdx        = []byte("idx")
	bucketOutbox     = []byte("outbox")
	bucketDrafts     = []byte("drafts")
	bucketTargets    = []byte("targets")
	bucketApprovals  = []byte("approvals")
	bucketServices   = []byte("services")

	idxLeadStage       = []byte("lead_stage")
	idxTaskDue         = []byte("task_due")
	idxLeadShort       = []byte("lead_short")
	idxVisitOpen       = []byte("visit_open")
	idxLeadTouch       = []byte("lead_touch")
	idxTaskLead        = []byte("task_lead")
	idxActLead         = []byte("act_lead")
	idxActTime         = []byte("act_time")
	idxComplaintOpen   = []byte("complaint_open")
	idxActFacts        = []byte("act_facts")
	idxApprovalLead    = []byte("approval_lead")
	idxApprovalPending = []byte("approval_pending")
	idxServiceLead     = []byte("service_lead")
	idxServiceOpen     = []byte("service_open")

	keySchema = []byte("schema_version")
	keyNode   = []byte("node")
	keyHLC    = []byte("hlc")
	keyUser   = []byte("user")
)

// entityBucket maps an op's entity type to the bucket holding its records.
var entityBucket = map[string][]byte{
	model.TypeLead:      bucketLeads,
	model.TypeActivity:  bucketActivities,
	model.TypeTask:      bucketTasks,
	model.TypeComplaint: bucketComplaints,
	model.TypeTarget:    bucketTargets,
	model.TypeApproval:  bucketApprovals,
	model.TypeService:   bucketServices,
}

// Options configure a Store.
type Options struct {
	// Path of the database file; its folder is created (0700) if missing.
	Path string
	// LockTimeout bounds the wait for another process's transaction.
	// Zero means one second.
	LockTimeout time.Duration
	// KeepOpen holds the file open from Open to Close instead of for each
	// transaction: for one-process users such as the server and benchmarks.
	KeepOpen bool
	// User is who writes (the owner of new leads, the author of notes).
	// Empty means the user stored in the file, then $USER.
	User string
	// Rules are the pipeline and the company's settings; zero means
	// model.DefaultRules().
	Rules *model.Rules
	// Now reads the wall clock; nil means time.Now.
	Now func() time.Time
	// NoSync skips fsync on commit. Only for tests and benchmarks that
	// measure something else; never for a user's book.
	NoSync bool
	// CheckOnFirstUse moves the schema check (and any migration) from Open
	// to the first transaction, so a command that opens the store to run
	// one transaction opens the file once. Open then reports only a bad
	// path; a locked, newer or corrupt file fails the first transaction.
	CheckOnFirstUse bool
	// AutoBackup keeps a consistent copy of the book in backups/ beside
	// it, written after the first write of each day, the newest 7 kept.
	AutoBackup bool
	// Progress, when set, hears how far a migration that takes seconds
	// on a big book has got (building the search index), or a write that
	// derives the indexes again (carry.go), to show it.
	Progress func(done, total int)
	// CopyProgress, when set, hears how far a compaction or a backup has
	// got writing its copy of the book's live pages (bytes written and
	// the live bytes to write, about every tenth of a second, and once
	// when the copy ends, made or not, with done equal to total), to show
	// it: on a big book each takes seconds. It is called from one
	// goroutine at a time: the ticks from one of the store's own, the
	// last from the caller's.
	CopyProgress func(kind CopyKind, done, total int64)
	// ReadOnly opens the book only to read it, for a caller that must
	// leave no trace, such as shell completion: no folder, lock or mark
	// file is made, nothing is migrated (a book at another schema fails
	// its first transaction) and every write fails with ErrReadOnly.
	ReadOnly bool
}

// Store is the local replica. It is safe for concurrent use by several
// goroutines and, through the file lock, by several processes.
type Store struct {
	opts  Options
	rules model.Rules
	db    *handle // only with KeepOpen

	prepared sync.Mutex // held while checking; guards ready, migrated, node and user
	ready    bool       // the file is at this schema and node and user are read
	migrated bool       // the book is to be compacted after its migrations (keyCompactMigrated)
	node     string
	user     string

	putIndexesAtOnce bool // tests: put index entries when written, not held
	cutAsideAtOnce   bool // tests: cut every new record's terms aside (searchcut.go)

	zoneOf *Store // set on a view made by InZone: the store whose book it shares

	carries *carries // the carry this process holds (carry.go), shared with zone views
}

// Open opens (creating if needed) the database at opts.Path, migrates it to
// the current schema and returns the store.
func Open(opts Options) (*Store, error) {
	if opts.Path == "" {
		return nil, errors.New("no database path")
	}
	if opts.LockTimeout == 0 {
		opts.LockTimeout = time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Store{opts: opts, rules: model.DefaultRules(), carries: &carries{}}
	if opts.Rules != nil {
		s.rules = *opts.Rules
	}
	if s.rules.Location == nil {
		s.rules.Location = time.Local
	}
	if !opts.ReadOnly {
		if err := os.MkdirAll(filepath.Dir(opts.Path), 0o700); err != nil {
			return nil, fmt.Errorf("create folder for %s: %w", opts.Path, err)
		}
	}
	if opts.CheckOnFirstUse && !opts.KeepOpen {
		return s, nil
	}
	var db *handle
	err := s.guard(func() error {
		var err error
		if db, err = s.openDB(); err != nil {
			return err
		}
		if err := s.prepare(db.DB); err != nil {
			db.close()
			db = nil
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if opts.KeepOpen {
		s.db = db
	} else if err := db.close(); err != nil {
		return nil, err
	}
	return s, nil
}

// prepare brings the file to this build's schema and reads the node id
// and user, once per store.
func (s *Store) prepare(db *bolt.DB) error {
	s.prepared.Lock()
	defer s.prepared.Unlock()
	if s.ready {
		return nil
	}
	// A file already at this schema needs no write: read it and go, so a
	// command that only reads never waits for a commit.
	handed := false // a push was killed before it settled (adopt.go)
	behind := false // a pull stopped with derived writes carried (carry.go)
	err := db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketMeta) == nil || schemaVersion(tx) != SchemaVersion || tx.Bucket(bucketMeta).Get(keyNode) == nil {
			return nil
		}
		s.ready = true
		s.migrated = tx.Bucket(bucketMeta).Get(keyCompactMigrated) != nil
		sync := tx.Bucket(bucketSync)
		handed = sync != nil && sync.Bucket(bucketHandedFacts) != nil
		behind = tx.Bucket(bucketMeta).Get(keyDerivedBehind) != nil
		return s.readMeta(tx)
	})
	if err == nil && handed && !db.IsReadOnly() && !s.foundDamaged() {
		// Best effort: a push settles them too, and says why it cannot.
		_ = db.Update(func(btx *bolt.Tx) error {
			return (&Tx{s: s, tx: btx, now: s.opts.Now()}).settleHandedFacts()
		})
	}
	if err == nil && behind && !db.IsReadOnly() && !s.foundDamaged() {
		// Derived again as the book opens, showing progress, so that what
		// it shows is whole from the first read, and the first write (a
		// key in the terminal UI) does not wait seconds for it. Best
		// effort: any write does it too (catchUp).
		_ = db.Update(func(btx *bolt.Tx) error {
			return s.catchUp(&Tx{s: s, tx: btx, now: s.opts.Now()}, nil)
		})
	}
	if err == nil && !s.ready {
		if s.foundDamaged() {
			// Migrating is a write: a damaged schema number (seen in the
			// damaged-book tests) would otherwise run migrations again
			// into a book doctor had found damaged.
			return s.damaged("it was found damaged before, and bringing it to this version would write into it")
		}
		err = db.Update(func(tx *bolt.Tx) error {
			was := 0
			if tx.Bucket(bucketMeta) != nil {
				was = schemaVersion(tx)
			}
			if err := s.setup(tx); err != nil {
				return err
			}
			meta := tx.Bucket(bucketMeta)
			if was > 0 && was < SchemaVersion {
				// An older book: compacted after (compactMigrated).
				if err := meta.Put(keyCompactMigrated, []byte{1}); err != nil {
					return err
				}
			}
			s.migrated = meta.Get(keyCompactMigrated) != nil
			return nil
		})
		s.ready = err == nil
		s.migrated = s.migrated && err == nil
	}
	if err != nil {
		s.ready = false
		return fmt.Errorf("open %s: %w", s.opts.Path, err)
	}
	return nil
}

// takeMigrated says, once, whether the book is to be compacted after its
// migrations, as prepare found it.
func (s *Store) takeMigrated() bool {
	s.prepared.Lock()
	defer s.prepared.Unlock()
	m := s.migrated
	s.migrated = false
	return m
}

// setup creates the buckets, runs pending migrations and reads the node id
// and user.
func (s *Store) setup(tx *bolt.Tx) error {
	meta, err := tx.CreateBucketIfNotExists(bucketMeta)
	if err != nil {
		return err
	}
	if err := migrateShowing(tx, s.opts.Progress); err != nil {
		return err
	}
	if meta.Get(keyNode) == nil {
		if err := meta.Put(keyNode, []byte(model.NewID())); err != nil {
			return err
		}
	}
	return s.readMeta(tx)
}

// readMeta reads this replica's node id and the user who writes: the user
// of the account the book is bound to, else Options.User, else the one
// the file names, else the login name.
func (s *Store) readMeta(tx *bolt.Tx) error {
	meta := tx.Bucket(bucketMeta)
	s.node = string(meta.Get(keyNode))
	s.user = readBinding(tx.Bucket(bucketSync)).User
	if s.user == "" {
		s.user = s.opts.User
	}
	if s.user == "" {
		s.user = string(meta.Get(keyUser))
	}
	if s.user == "" {
		s.user = os.Getenv("USER")
	}
	if s.user == "" {
		if u, err := user.Current(); err == nil {
			s.user = u.Username
		}
	}
	return nil
}

// Path returns the database file's path.
func (s *Store) Path() string { return s.opts.Path }

// User returns who writes through this store ("" when the file cannot be
// read).
func (s *Store) User() string {
	s.ensureReady()
	return s.user
}

// Node returns this replica's device id ("" when the file cannot be read).
func (s *Store) Node() string {
	s.ensureReady()
	return s.node
}

// Ready opens the file and brings it to this build's schema now, if Open
// left that to the first transaction (CheckOnFirstUse): for a caller that
// wants the error before it starts.
func (s *Store) Ready() error {
	s.prepared.Lock()
	ready := s.ready
	s.prepared.Unlock()
	if ready {
		return nil
	}
	return s.withDB(func(*bolt.DB) error { return nil })
}

// ensureReady is Ready for accessors that cannot return an error; the
// next transaction reports it.
func (s *Store) ensureReady() { _ = s.Ready() }

// Rules returns the rules the store computes with.
func (s *Store) Rules() model.Rules { return s.rules }

// InZone returns a view of a store held open (KeepOpen) that counts days
// (due today, this week) in loc: the same open book, for one process
// serving users in several zones over it (the SSH front: one user's
// sessions from two places). Closing the view leaves the book open.
func (s *Store) InZone(loc *time.Location) *Store {
	s.prepared.Lock()
	defer s.prepared.Unlock()
	z := &Store{opts: s.opts, rules: s.rules, db: s.db, ready: s.ready, node: s.node, user: s.user, zoneOf: s, carries: s.carries}
	z.rules.Location = loc
	return z
}

// Close releases the file when it is held open.
func (s *Store) Close() error {
	if s.zoneOf != nil {
		return nil
	}
	if s.db != nil {
		err := s.db.close()
		s.db = nil
		return err
	}
	return nil
}

// withDB runs fn on an open database: the held one, or one opened for this
// call and closed after it.
func (s *Store) withDB(fn func(*bolt.DB) error) error {
	return s.guard(func() error { return s.withDBUnguarded(fn) })
}

func (s *Store) withDBUnguarded(fn func(*bolt.DB) error) error {
	if s.db != nil {
		return fn(s.db.DB)
	}
	h, err := s.openDB()
	if err != nil {
		return err
	}
	closed := false
	defer func() {
		if !closed {
			h.close() // unwinding from a panic: let go of the file
		}
	}()
	if err := s.prepare(h.DB); err != nil {
		return err
	}
	if s.takeMigrated() {
		if err := s.compactMigrated(h); err != nil {
			return err
		}
	}
	err = fn(h.DB)
	closed = true
	if cerr := h.close(); err == nil {
		err = cerr
	}
	return err
}

// View runs fn in a read-only transaction.
func (s *Store) View(fn func(*Tx) error) error {
	return s.withDB(func(db *bolt.DB) error {
		return db.View(func(btx *bolt.Tx) error {
			return fn(&Tx{s: s, tx: btx, now: s.opts.Now()})
		})
	})
}

// Update runs fn in a read-write transaction: everything fn writes, ops and
// indexes included, commits durably together or not at all. A book whose
// derived data is behind its records (carry.go) is caught up first.
func (s *Store) Update(fn func(*Tx) error) error { return s.update(nil, fn) }

// update is Update, and UpdateCarrying when c is not nil (carry.go).
func (s *Store) update(c *Carry, fn func(*Tx) error) error {
	if s.opts.ReadOnly {
		return fmt.Errorf("%w: %s was opened only to read", ErrReadOnly, s.opts.Path)
	}
	if s.foundDamaged() {
		return s.damaged("it was found damaged before, and a change would spread the damage")
	}
	return s.withDB(func(db *bolt.DB) error {
		var carried *derivedWrites
		began := false // c is untouched until the transaction begins
		err := db.Update(func(btx *bolt.Tx) error {
			began = true
			t := &Tx{s: s, tx: btx, now: s.opts.Now(), run: c, mayCutAside: c == nil}
			defer t.stopCutter()
			if err := s.catchUp(t, c); err != nil {
				return err
			}
			if err := fn(t); err != nil {
				return err
			}
			if c != nil {
				var err error
				if carried, err = s.carryOn(t, c); err != nil {
					return err
				}
			}
			if err := t.flushCards(); err != nil {
				return err
			}
			if err := t.flushSearch(); err != nil {
				return err
			}
			if err := t.putAllHeld(); err != nil {
				return err
			}
			if err := t.saveClock(); err != nil {
				return err
			}
			t.packPages()
			return nil
		})
		if c != nil && began {
			s.kept(c, carried, err == nil)
		}
		if err == nil {
			s.autoBackup(db)
		}
		return err
	})
}

// Backup writes a consistent snapshot of the whole database to w.
func (s *Store) Backup(w io.Writer) error {
	return s.withDB(func(db *bolt.DB) error {
		return db.View(func(tx *bolt.Tx) error {
			_, err := tx.WriteTo(w)
			return err
		})
	})
}

// Check runs bbolt's consistency check and returns every problem found.
func (s *Store) Check() error {
	return s.withDB(func(db *bolt.DB) error {
		return db.View(func(tx *bolt.Tx) error {
			var errs []error
			for err := range tx.Check() {
				errs = append(errs, err)
			}
			return errors.Join(errs...)
		})
	})
}

func u64(v uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, v)
	return b
}

func millis(t time.Time) []byte {
	if t.IsZero() {
		return u64(0)
	}
	return u64(uint64(t.UnixMilli()))
}

// clone copies a byte slice out of a transaction.
func clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte(nil), b...)
}

func beUint64(b []byte) uint64 { return binary.BigEndian.Uint64(b[:8]) }
