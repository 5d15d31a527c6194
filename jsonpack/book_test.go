package jsonpack

import (
	"bytes"
	"os"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// A real book or server file, opened read-only, to pack all of:
//
//	FIELDCRM_JSONPACK_BOOK=/path/book.db go test ./jsonpack -run PacksABook -v
//	FIELDCRM_JSONPACK_BOOK=/path/book.db go test ./jsonpack -run '^$' -bench . -benchtime 100000x
//
// A book's records are in leads, activities, tasks, complaints, approvals
// and services; a server's in records/<type>.
const bookEnv = "FIELDCRM_JSONPACK_BOOK"

var recordBuckets = []string{"leads", "activities", "tasks", "complaints", "approvals", "services", "records"}

// bookBucket is one bucket's values, nested buckets' included.
type bookBucket struct {
	name string
	recs [][]byte
}

var (
	bookOnce sync.Once
	book     []bookBucket
	bookErr  error
)

// readBook reads the records of $FIELDCRM_JSONPACK_BOOK once per process;
// none when it is not set.
func readBook(tb testing.TB) []bookBucket {
	tb.Helper()
	bookOnce.Do(func() { book, bookErr = loadBook(os.Getenv(bookEnv)) })
	if bookErr != nil {
		tb.Fatal(bookErr)
	}
	return book
}

func loadBook(path string) ([]bookBucket, error) {
	if path == "" {
		return nil, nil
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		return nil, err
	}
	defer db.Close()
	var out []bookBucket
	err = db.View(func(tx *bolt.Tx) error {
		for _, name := range recordBuckets {
			if b := tx.Bucket([]byte(name)); b != nil {
				bb := bookBucket{name: name}
				collect(b, &bb.recs)
				out = append(out, bb)
			}
		}
		return nil
	})
	return out, err
}

func collect(b *bolt.Bucket, recs *[][]byte) {
	_ = b.ForEach(func(k, v []byte) error {
		if v == nil {
			collect(b.Bucket(k), recs)
		} else {
			*recs = append(*recs, bytes.Clone(v))
		}
		return nil
	})
}

// TestPacksABook checks that every record of a real book comes back byte
// for byte and logs the sizes per bucket (BENCHMARKS.md).
func TestPacksABook(t *testing.T) {
	buckets := readBook(t)
	if buckets == nil {
		t.Skip(bookEnv + " names no book")
	}
	var p, back []byte
	for _, b := range buckets {
		var in, out, declined int
		for _, v := range b.recs {
			p = Pack(p[:0], v)
			var err error
			back, err = Unpack(back[:0], p)
			if err != nil || !bytes.Equal(back, v) {
				t.Fatalf("%s: %q comes back as %q, %v", b.name, v, back, err)
			}
			if !Packed(p) {
				declined++
			}
			in, out = in+len(v), out+len(p)
		}
		if len(b.recs) > 0 {
			t.Logf("%-10s %7d records %11d B JSON %11d B packed (%.1f%%, %.2fx) %d declined",
				b.name, len(b.recs), in, out, 100*float64(out)/float64(in), float64(in)/float64(out), declined)
		}
	}
}
