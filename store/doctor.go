package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	bolt "go.etcd.io/bbolt"
)

// Finding is one problem the doctor found in a book.
type Finding struct {
	Where   string `json:"where"`   // the part of the book: a bucket, a record
	Problem string `json:"problem"` // what is wrong, printable
}

// DoctorReport is what Doctor and Repair found.
type DoctorReport struct {
	Path     string         `json:"path"`
	Records  map[string]int `json:"records"` // readable records by type
	Outbox   int            `json:"outbox"`  // readable changes waiting to sync
	Problems []Finding      `json:"problems"`
	// Lost lists what Repair could not carry into the new book.
	Lost []Finding `json:"lost,omitempty"`
	// Damaged is where Repair put the damaged book; Repaired is set when
	// the book at Path is the new one.
	Damaged  string `json:"damaged,omitempty"`
	Repaired bool   `json:"repaired,omitempty"`
	// BackupDir holds the automatic backups; Backups lists them, oldest
	// first.
	BackupDir string   `json:"backup_dir"`
	Backups   []string `json:"backups"`
	// Behind says that the book's cards, indexes and search lists are
	// behind its records: a sync stored many pages and stopped before it
	// wrote what they imply (Carry). Not damage: the next process to open
	// the book to write derives them again, and they are not compared
	// until then.
	Behind bool `json:"behind,omitempty"`

	size, budget int64 // the file's size; keys left to read before the pages must loop
}

// OK reports whether the book has no problem.
func (r *DoctorReport) OK() bool { return len(r.Problems) == 0 }

func (r *DoctorReport) problem(where, format string, args ...any) {
	r.Problems = append(r.Problems, Finding{Where: model.PrintableFlat(where), Problem: model.PrintableFlat(fmt.Sprintf(format, args...))})
}

func (r *DoctorReport) lose(where, format string, args ...any) {
	r.Lost = append(r.Lost, Finding{Where: model.PrintableFlat(where), Problem: model.PrintableFlat(fmt.Sprintf(format, args...))})
}

// Doctor checks the book at path without changing it: bbolt's consistency
// check, every record, merge state, outbox entry and draft decoding, and
// the cards and indexes matching the records (they are derived again in a
// scratch copy and compared).
func Doctor(path string) (*DoctorReport, error) {
	scratch, err := os.MkdirTemp("", "fieldcrm-doctor-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(scratch)
	r, err := salvage(path, filepath.Join(scratch, "check.db"), true)
	if err != nil {
		return nil, err
	}
	if !r.OK() {
		markDamaged(path) // no write goes in until it is repaired or replaced
	}
	return r, nil
}

// Repair copies everything that can still be read from the book at path
// into a new book, derives its cards and indexes again, keeps the damaged
// one as <path>.damaged-<time> and puts the new one at path. The report
// says what could not be saved. A book with no problem is left alone.
func Repair(path string, now time.Time) (*DoctorReport, error) {
	stamp := now.UTC().Format("20060102-150405")
	tmp := path + ".repair-" + stamp
	os.Remove(tmp)
	r, err := salvage(path, tmp, false)
	if err != nil {
		os.Remove(tmp)
		return nil, err
	}
	if r.OK() {
		os.Remove(tmp)
		return r, nil
	}
	r.Damaged = path + ".damaged-" + stamp
	if err := os.Rename(path, r.Damaged); err != nil {
		os.Remove(tmp)
		return nil, fmt.Errorf("repair %s: keep the damaged book: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return nil, fmt.Errorf("repair %s: the damaged book is now %s and the repaired one %s: %w", path, r.Damaged, tmp, err)
	}
	os.Remove(damagedMarkPath(path))
	damagedMarks.Delete(path)
	r.Repaired = true
	return r, nil
}

// checkTimeout bounds bbolt's consistency check.
var checkTimeout = 5 * time.Second

// derived are the buckets Doctor compares and Repair derives again.
var derived = map[string]bool{string(bucketCards): true, string(bucketIdx): true, string(bucketSearch): true}

// salvage reads what it can of the book at path into a new book at dst,
// with fresh cards and indexes, and reports the problems it met, the
// book's cards and indexes differing from the fresh ones among them. A
// scratch dst is not synced.
func salvage(path, dst string, scratch bool) (*DoctorReport, error) {
	r := &DoctorReport{Path: path, Records: map[string]int{}, BackupDir: BackupDir(path), Backups: Backups(path)}
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("doctor %s: %w", path, err)
	}
	problem, err := checkHeader(path)
	if err != nil {
		return nil, fmt.Errorf("doctor %s: %w", path, err)
	}
	if problem != "" {
		r.problem("file", "%s", problem)
		r.lose("everything", "the file cannot be opened; copy back the latest automatic backup")
		return r, nil
	}
	src, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: 2 * time.Second})
	if err != nil {
		if isBoltDamage(err) {
			r.problem("file", "%v", err)
			r.lose("everything", "the file cannot be opened; copy back the latest automatic backup")
			return r, nil
		}
		return nil, fmt.Errorf("doctor %s: %w", path, err)
	}
	leak := false
	defer func() {
		if !leak {
			src.Close()
		}
	}()
	if fi, err := os.Stat(path); err == nil {
		r.size, r.budget = fi.Size(), fi.Size()/16+1024
	}
	out, err := bolt.Open(dst, 0o600, &bolt.Options{PageSize: pageSize, NoSync: scratch})
	if err != nil {
		return nil, err
	}
	defer out.Close()

	// A branch page that points back up the tree makes bbolt's cursor loop
	// for ever: read the whole book first in a goroutine that may be
	// abandoned, and go no further when it does not finish.
	read := &DoctorReport{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		guarded("pages", read, func() error {
			return src.View(func(tx *bolt.Tx) error { return readAll(tx) })
		})
	}()
	select {
	case <-done:
	case <-time.After(checkTimeout):
		leak = true // the reading goroutine still holds the file
		r.problem("pages", "they loop: reading the book did not finish in %v", checkTimeout)
		r.lose("everything", "the pages loop, so nothing was copied; copy back the latest automatic backup")
		return r, nil
	}
	if len(read.Problems) > 0 {
		r.Problems = append(r.Problems, read.Problems...)
		r.lose("everything", "a page cannot be read, so nothing was copied; copy back the latest automatic backup")
		return r, nil
	}
	guarded("pages", r, func() error {
		return src.View(func(tx *bolt.Tx) error {
			n := 0
			problems := tx.Check()
			deadline := time.NewTimer(checkTimeout)
			defer deadline.Stop()
			for {
				var err error
				var more bool
				select {
				case err, more = <-problems:
				case <-deadline.C:
					// A page count or a loop on a damaged page can keep
					// bbolt's check going for ever.
					r.problem("pages", "bbolt's consistency check did not finish in %v", checkTimeout)
					more = false
				}
				if !more {
					break
				}
				if n++; n <= 5 {
					msg := err.Error()
					if strings.Contains(msg, "runtime error") {
						msg = "a page cannot be read"
					}
					r.problem("pages", "%s", msg)
				}
			}
			if n > 5 {
				r.problem("pages", "%d more problems", n-5)
			}
			return nil
		})
	})

	err = out.Update(func(otx *bolt.Tx) error {
		meta, err := otx.CreateBucketIfNotExists(bucketMeta)
		if err != nil {
			return err
		}
		if err := migrate(otx); err != nil {
			return err
		}
		var names [][]byte
		current := false // the book is at this build's schema
		guarded("buckets", r, func() error {
			return src.View(func(tx *bolt.Tx) error {
				current = tx.Bucket(bucketMeta) != nil && schemaVersion(tx) == SchemaVersion
				return tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
					names = append(names, clone(name))
					return nil
				})
			})
		})
		// A bucket of this schema that a book at it lacks (its name garbled
		// on its page, say) is damage, whatever else reads back.
		otx.ForEach(func(name []byte, _ *bolt.Bucket) error {
			if current && !derived[string(name)] && !slices.ContainsFunc(names, func(n []byte) bool { return bytes.Equal(n, name) }) {
				r.problem(string(name), "is missing")
			}
			return nil
		})
		kept := map[string]map[string]bool{} // entity type -> ids kept
		for _, name := range names {
			if derived[string(name)] || bytes.Equal(name, bucketStamps) {
				continue
			}
			typ := typeOfBucket(name)
			guarded(string(name), r, func() error {
				return src.View(func(tx *bolt.Tx) error {
					dstB, err := otx.CreateBucketIfNotExists(name)
					if err != nil {
						return err
					}
					if typ != "" {
						kept[typ] = map[string]bool{}
					}
					return copyBucket(r, string(name), tx.Bucket(name), dstB, func(k, v []byte) bool {
						return keepValue(r, name, typ, k, v, kept)
					})
				})
			})
		}
		// Merge state, only for the records kept.
		guarded("stamps", r, func() error {
			return src.View(func(tx *bolt.Tx) error {
				st := tx.Bucket(bucketStamps)
				if st == nil {
					return nil
				}
				for typ, ids := range kept {
					sb := st.Bucket([]byte(typ))
					if sb == nil {
						if len(ids) > 0 {
							r.problem("stamps/"+typ, "is missing")
							r.lose("stamps/"+typ, "the merge state of %d records (their fields are kept)", len(ids))
						}
						continue
					}
					db, err := otx.Bucket(bucketStamps).CreateBucketIfNotExists([]byte(typ))
					if err != nil {
						return err
					}
					// Copied under the key as it is: the new book keeps
					// the old one's schema number, and a book before
					// schema 16 keys merge states by the id's text.
					err = copyBucket(r, "stamps/"+typ, sb, db, func(k, v []byte) bool {
						id, _ := stampID(k)
						if !ids[id] {
							return false
						}
						var rec model.Record
						if decodeStamps(v, &rec, "") != nil {
							r.problem(typ+" "+id, "its merge state does not decode")
							r.lose(typ+" "+id, "its merge state (its fields are kept)")
							return false
						}
						return true
					})
					if err != nil {
						return err
					}
				}
				return nil
			})
		})
		guarded("meta", r, func() error {
			return src.View(func(tx *bolt.Tx) error {
				r.Behind = tx.Bucket(bucketMeta) != nil && tx.Bucket(bucketMeta).Get(keyDerivedBehind) != nil
				return nil
			})
		})
		if err := meta.Delete(keyDerivedBehind); err != nil { // derived again here
			return err
		}
		return rederive(otx, nil) // carry.go: every index, card and search list from the records
	})
	if err != nil {
		return nil, fmt.Errorf("doctor %s: write %s: %w", path, dst, err)
	}
	if !r.Behind {
		compareDerived(r, src, out)
	}
	if !scratch {
		if err := out.Sync(); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// typeOfBucket returns the entity type whose records bucket name holds.
func typeOfBucket(name []byte) string {
	for typ, b := range entityBucket {
		if bytes.Equal(b, name) {
			return typ
		}
	}
	return ""
}

// keepValue decides whether a value read from bucket name goes into the
// new book: records, outbox entries and drafts must decode.
func keepValue(r *DoctorReport, name []byte, typ string, k, v []byte, kept map[string]map[string]bool) bool {
	where := string(name) + " " + string(k)
	var err error
	switch {
	case typ != "":
		var e any
		if e, err = decodeEntity(typ, v); err == nil {
			if idOf(e) != "" && idOf(e) != string(k) {
				err = errors.New("it names another record")
			}
		}
		if err == nil {
			kept[typ][string(k)] = true
			r.Records[typ]++
		}
		where = typ + " " + string(k)
	case bytes.Equal(name, bucketOutbox):
		var op model.Op
		if len(v) > 0 && v[0] == refTag {
			_, err = decodeRef(v, "") // a create kept as a reference to its record
		} else {
			err = json.Unmarshal(v, &op)
		}
		where = fmt.Sprintf("outbox entry %x", k)
		if err == nil {
			r.Outbox++
		}
	case bytes.Equal(name, bucketDrafts):
		var d Draft
		err = json.Unmarshal(v, &d)
	case bytes.Equal(name, bucketMeta) && bytes.Equal(k, keySchema):
		// The book's schema is kept, so the repaired book migrates on
		// opening as the book would have. One this build never wrote
		// (damage, or a newer fieldcrm's book) would leave the repaired
		// book unopenable: it keeps this build's instead.
		if len(v) == 8 && binary.BigEndian.Uint64(v) >= 1 && binary.BigEndian.Uint64(v) <= uint64(SchemaVersion) {
			return true
		}
		r.problem("meta schema", "the schema version (%x) is damaged or newer than this build's (%d); the repaired book is marked %d", v, SchemaVersion, SchemaVersion)
		return false
	case bytes.Equal(name, bucketMeta) && bytes.Equal(k, keyNode):
		// Every stamp this replica makes names it: a damaged one would
		// make every write refused. Left out, the repaired book is given
		// a new one when it is first opened; its own stamps and waiting
		// changes then go by the new name.
		if err = model.CheckID("node", string(v)); err != nil {
			r.problem("meta node", "this device's id is damaged (%v)", err)
			r.lose("meta node", "this device's id: the repaired book gets a new one")
			return false
		}
		return true
	}
	if err != nil {
		r.problem(where, "does not decode")
		r.lose(where, "does not decode")
		return false
	}
	return true
}

func idOf(v any) string {
	switch e := v.(type) {
	case *model.Lead:
		return e.ID
	case *model.Activity:
		return e.ID
	case *model.Task:
		return e.ID
	case *model.Complaint:
		return e.ID
	}
	return ""
}

// copyBucket copies the keys of src (nested buckets too) that keep
// accepts into dst, and its sequence.
func copyBucket(r *DoctorReport, where string, src, dst *bolt.Bucket, keep func(k, v []byte) bool) error {
	if src == nil {
		return nil
	}
	if err := dst.SetSequence(src.Sequence()); err != nil {
		return err
	}
	return src.ForEach(func(k, v []byte) error {
		if r.budget--; r.budget < 0 {
			return errPagesLoop
		}
		if int64(len(k)+len(v)) > r.size {
			return errTooLong
		}
		if v == nil {
			sub := src.Bucket(k)
			if sub == nil {
				return nil
			}
			d, err := dst.CreateBucketIfNotExists(k)
			if err != nil {
				return err
			}
			return copyBucket(r, where+"/"+string(k), sub, d, func([]byte, []byte) bool { return true })
		}
		if !keep(k, v) {
			return nil
		}
		return dst.Put(clone(k), clone(v))
	})
}

// guarded runs fn, turning a bbolt panic or a fault on the mapping into a
// problem in what.
func guarded(what string, r *DoctorReport, fn func() error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if p := recover(); p != nil {
			r.problem(what, "cannot be read to the end")
			r.lose(what, "what follows the damaged page")
		}
	}()
	if err := fn(); err != nil {
		r.problem(what, "%v", err)
		r.lose(what, "%v", err)
	}
}

// compareDerived compares the book's cards and indexes with the ones
// derived again in fresh.
func compareDerived(r *DoctorReport, book, fresh *bolt.DB) {
	guarded("cards and indexes", r, func() error {
		return book.View(func(btx *bolt.Tx) error {
			return fresh.View(func(ftx *bolt.Tx) error {
				compareBucket(r, "cards", btx.Bucket(bucketCards), ftx.Bucket(bucketCards), nil)
				var names []string
				if idx := ftx.Bucket(bucketIdx); idx != nil {
					idx.ForEach(func(k, _ []byte) error { names = append(names, string(k)); return nil })
				}
				sort.Strings(names)
				// An activity handed over in a push killed before it settled
				// (adopt.go) may keep its old author in act_facts until the
				// book is next opened to write: not damage.
				handed := map[string]bool{}
				if sync := btx.Bucket(bucketSync); sync != nil && sync.Bucket(bucketHandedFacts) != nil {
					sync.Bucket(bucketHandedFacts).ForEach(func(k, _ []byte) error {
						handed[string(appendID(nil, string(k)))] = true
						return nil
					})
				}
				for _, n := range names {
					var have *bolt.Bucket
					if idx := btx.Bucket(bucketIdx); idx != nil {
						have = idx.Bucket([]byte(n))
					}
					if have == nil && btx.Bucket(bucketMeta) != nil && schemaVersion(btx) == SchemaVersion {
						r.problem("index "+n, "is missing; 'fieldcrm doctor --repair' derives it again")
						continue
					}
					var excused func(k []byte) bool
					if n == string(idxActFacts) && len(handed) > 0 {
						excused = func(k []byte) bool { return len(k) > 8 && handed[string(k[8:])] }
					}
					compareBucket(r, "index "+n, have, ftx.Bucket(bucketIdx).Bucket([]byte(n)), excused)
				}
				return nil
			})
		})
	})
}

// compareBucket reports how have differs from want; a key that excused
// (when set) accepts may hold a different value.
func compareBucket(r *DoctorReport, what string, have, want *bolt.Bucket, excused func(k []byte) bool) {
	missing, extra, differ := 0, 0, 0
	if want != nil {
		want.ForEach(func(k, v []byte) error {
			var got []byte
			if have != nil {
				got = have.Get(k)
			}
			switch {
			case have == nil || (got == nil && have.Bucket(k) == nil):
				missing++
			case !bytes.Equal(got, v) && (excused == nil || !excused(k)):
				differ++
			}
			return nil
		})
	}
	if have != nil {
		have.ForEach(func(k, _ []byte) error {
			if want == nil || (want.Get(k) == nil && want.Bucket(k) == nil) {
				extra++
			}
			return nil
		})
	}
	if missing+extra+differ > 0 {
		r.problem(what, "does not match the records: %d missing, %d extra, %d different; 'fieldcrm doctor --repair' derives it again", missing, extra, differ)
	}
}
