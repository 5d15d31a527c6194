package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestMemoryBoundFollowsTheLargestFile: the bound is 2 GiB, or 16 times
// the largest file a command reads (its book, a file it imports), and a
// smaller file never lowers it.
func TestMemoryBoundFollowsTheLargestFile(t *testing.T) {
	a := &app{}
	a.allowMemoryFor(filepath.Join(t.TempDir(), "none.db"))
	if got := a.memoryLimit.Load(); got != 2<<30 {
		t.Fatalf("bound without a file: %d", got)
	}
	big := filepath.Join(t.TempDir(), "big.json")
	if err := os.WriteFile(big, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(big, 1<<30); err != nil { // sparse: no disk used
		t.Fatal(err)
	}
	a.allowMemoryFor(big)
	small := filepath.Join(t.TempDir(), "small.db")
	if err := os.WriteFile(small, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	a.allowMemoryFor(small)
	if got := a.memoryLimit.Load(); got != 16<<30 {
		t.Fatalf("bound after a 1 GiB file and a small one: %d", got)
	}
}
