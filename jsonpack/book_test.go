package jsonpack

import (
	"bytes"
	"os"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// TestPacksABook packs every record of a real book or server file, opened
// read-only, checks each comes back byte for byte and logs the sizes per
// bucket (BENCHMARKS.md):
//
//	FIELDCRM_JSONPACK_BOOK=/path/book.db go test ./jsonpack -run PacksABook -v
//
// A book's records are in leads, activities, tasks, complaints, approvals
// and services; a server's in records/<type>.
func TestPacksABook(t *testing.T) {
	path := os.Getenv("FIELDCRM_JSONPACK_BOOK")
	if path == "" {
		t.Skip("FIELDCRM_JSONPACK_BOOK names no book")
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer db.Close()
	err = db.View(func(tx *bolt.Tx) error {
		for _, name := range []string{"leads", "activities", "tasks", "complaints", "approvals", "services", "records"} {
			b := tx.Bucket([]byte(name))
			if b == nil {
				continue
			}
			var n, in, out, declined int
			var p, back []byte
			var walk func(b *bolt.Bucket, bucket string)
			walk = func(b *bolt.Bucket, bucket string) {
				_ = b.ForEach(func(k, v []byte) error {
					if v == nil {
						walk(b.Bucket(k), bucket+"/"+string(k))
						return nil
					}
					p = Pack(p[:0], v)
					var err error
					back, err = Unpack(back[:0], p)
					if err != nil || !bytes.Equal(back, v) {
						t.Fatalf("%s/%s: %q comes back as %q, %v", bucket, k, v, back, err)
					}
					if !Packed(p) {
						declined++
					}
					n, in, out = n+1, in+len(v), out+len(p)
					return nil
				})
			}
			walk(b, name)
			if n > 0 {
				t.Logf("%-10s %7d records %11d B JSON %11d B packed (%.1f%%, %.2fx) %d declined",
					name, n, in, out, 100*float64(out)/float64(in), float64(in)/float64(out), declined)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
