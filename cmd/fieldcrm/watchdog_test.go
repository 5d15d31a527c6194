package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fieldcrm/fieldcrm/config"
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

// The sentence the watch stops with names the book and the bound, in the
// user's language.
func TestMemoryStopSpeaksTheUsersLanguage(t *testing.T) {
	for lang, want := range map[string]string{
		"en": "fieldcrm: stopped: reading /books/a.db took more than 2048 MiB of memory",
		"zh": "fieldcrm: 已停止：读取 /books/a.db 占用了超过 2048 MiB 的内存",
	} {
		a := &app{lang: lang, cfg: &config.Config{}}
		if got := a.memoryStop("/books/a.db")(2 << 30); !strings.HasPrefix(got, want) || !strings.Contains(got, "fieldcrm doctor") {
			t.Errorf("%s: %q", lang, got)
		}
	}
}
