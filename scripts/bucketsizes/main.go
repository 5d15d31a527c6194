// Command bucketsizes lists what each bucket of a bbolt file holds, for
// the book and server file figures of BENCHMARKS.md: its keys, the bytes
// of its keys and values, and the bytes of the pages bbolt gave it
// (allocated) and of those pages in use. Buckets with less than 200 kB of
// pages are left out. It opens the file read-only.
//
//	go run ./scripts/bucketsizes BOOK.db
package main

import (
	"fmt"
	"os"
	"time"

	bolt "go.etcd.io/bbolt"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: bucketsizes FILE")
		os.Exit(2)
	}
	db, err := bolt.Open(os.Args[1], 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		fmt.Fprintln(os.Stderr, "bucketsizes:", err)
		os.Exit(1)
	}
	defer db.Close()
	fmt.Printf("%-22s %9s %11s %11s %11s %11s\n", "bucket", "keys", "key bytes", "value bytes", "allocated", "in use")
	err = db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error { return show(string(name), b) })
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "bucketsizes:", err)
		os.Exit(1)
	}
}

// show prints bucket name's line, then those of its nested buckets.
func show(name string, b *bolt.Bucket) error {
	var keys, kb, vb int
	var nested []string
	err := b.ForEach(func(k, v []byte) error {
		if v == nil {
			nested = append(nested, string(k))
			return nil
		}
		keys, kb, vb = keys+1, kb+len(k), vb+len(v)
		return nil
	})
	if err != nil {
		return err
	}
	s := b.Stats()
	if alloc := s.BranchAlloc + s.LeafAlloc; alloc >= 200_000 && keys > 0 {
		fmt.Printf("%-22s %9d %11d %11d %11d %11d\n", name, keys, kb, vb, alloc, s.BranchInuse+s.LeafInuse)
	}
	for _, n := range nested {
		if err := show(name+"/"+n, b.Bucket([]byte(n))); err != nil {
			return err
		}
	}
	return nil
}
