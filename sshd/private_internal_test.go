package sshd

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/fieldcrm/fieldcrm/store"
)

// TestPrivateHidesPaths: an error or a line naming the replica or the
// data folder reads without them, and still is what it wraps.
func TestPrivateHidesPaths(t *testing.T) {
	p := private{book: "/srv/fieldcrm/ssh/replicas/ann.db", dir: "/srv/fieldcrm", myBook: "your book on the server", dataDir: "the server's data folder"}
	err := p.err(fmt.Errorf("open %s: %w", p.book, store.ErrReadOnly))
	if !errors.Is(err, store.ErrReadOnly) || strings.Contains(err.Error(), "/srv") || !strings.Contains(err.Error(), "open your book on the server: ") {
		t.Errorf("%v: want the path hidden, ErrReadOnly kept", err)
	}
	plain := errors.New("no such lead")
	if p.err(plain) != plain || p.err(nil) != nil {
		t.Error("an error naming no path was changed")
	}
	var out bytes.Buffer
	fmt.Fprintln(p.writer(&out), "fieldcrm: /srv/fieldcrm/ssh/replicas/ann.db.lock is held; /srv/fieldcrm/x")
	if got, want := out.String(), "fieldcrm: your book on the server.lock is held; the server's data folder/x\n"; got != want {
		t.Errorf("%q, want %q", got, want)
	}
}
