// Package storetest holds what tests of several packages need of a book
// that no normal write could make: text with terminal controls, as a
// colleague's laptop, an old version or a damaged sync might have left it.
package storetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/fieldcrm/fieldcrm/jsonpack"
	bolt "go.etcd.io/bbolt"
)

// Hostile is text that would act on a terminal if printed as is, by the
// field it is meant for: terminal escapes (a title change, clear screen,
// an OSC 52 clipboard write, hidden text), a lone BEL, the one-byte CSI
// U+009B and bidi overrides and isolates. Validation refuses all of it on
// a normal write; Plant puts it in a book.
var Hostile = map[string]string{
	"company": "Acme\x1b]0;pwned\x07 \u202eHbmG",
	"contact": "Wang\x1b[2J\x1b[Hcls",
	"city":    "Koeln\u009b31mred",
	"tag":     "vip\u2066iso\u2069",
	"notes":   "met\x1b]52;c;cGF3bmVk\x07 buyer\nsecond\x1b[1A line",
	"action":  "call\x07 back\u009b2J",
	"reason":  "price\x1b[8m hidden",
	"lost":    "Lost\x1b]0;t2\x07 Co",
}

// Placeholder is an innocent stand-in for Hostile[key], valid on a normal
// write and of the same length in bytes, so that swapping one for the
// other in the file keeps binary cards and indexes intact.
func Placeholder(key string) string {
	p := "Zq" + strings.ToUpper(key[:1]) + key[1:]
	return p + strings.Repeat("x", len(Hostile[key])-len(p))
}

// Plant swaps every placeholder in the records, cards and indexes of the
// book at path (closed, or between the store's transactions) for its
// hostile text, as a pulled change from a replica without today's checks
// would have left it: in JSON values as JSON escapes, elsewhere as raw
// bytes. It fails the test when it finds no placeholder.
func Plant(t testing.TB, path string) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	planted := 0
	// index says b is under idx/, whose values are never packed records:
	// one that begins with a packed UUID (a 1, as jsonpack's tag) is
	// planted as raw bytes.
	var walk func(b *bolt.Bucket, index bool) error
	walk = func(b *bolt.Bucket, index bool) error {
		type kv struct{ k, v []byte }
		var puts []kv
		var subs [][]byte
		b.ForEach(func(k, v []byte) error {
			if v == nil {
				subs = append(subs, append([]byte(nil), k...))
				return nil
			}
			// A record stored packed (jsonpack) is planted in its JSON
			// and packed again, as the store would have stored it.
			packed := !index && jsonpack.Packed(v)
			if packed {
				var err error
				if v, err = jsonpack.Unpack(nil, v); err != nil {
					return err
				}
			}
			nv := append([]byte(nil), v...)
			isJSON := json.Valid(v)
			for key, h := range Hostile {
				repl := []byte(h)
				if isJSON {
					q, _ := json.Marshal(h)
					repl = q[1 : len(q)-1]
				}
				nv = bytes.ReplaceAll(nv, []byte(Placeholder(key)), repl)
			}
			if !bytes.Equal(nv, v) {
				if packed {
					nv = jsonpack.Pack(nil, nv)
				}
				puts = append(puts, kv{append([]byte(nil), k...), nv})
			}
			return nil
		})
		for _, p := range puts {
			if err := b.Put(p.k, p.v); err != nil {
				return err
			}
			planted++
		}
		for _, s := range subs {
			if err := walk(b.Bucket(s), index); err != nil {
				return err
			}
		}
		return nil
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, name := range []string{"leads", "activities", "tasks", "complaints", "approvals", "services", "stamps", "cards", "idx"} {
			if b := tx.Bucket([]byte(name)); b != nil {
				if err := walk(b, name == "idx"); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if planted == 0 {
		t.Fatal("no placeholder found in the book")
	}
}

// Unsafe names the first thing in s that a terminal would act on rather
// than show: ESC, BEL or another C0 control but newline and tab, DEL, a
// C1 control (U+0080..U+009F, such as U+009B, CSI), a bidi override or
// isolate, or a byte that is not UTF-8. It returns "" when there is none.
func Unsafe(s string) string {
	for i, r := range s {
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD"):
			return fmt.Sprintf("invalid UTF-8 at %d", i)
		case r == '\n' || r == '\t':
		case r < 0x20 || r >= 0x7f && r <= 0x9f:
			return fmt.Sprintf("control %U at %d", r, i)
		case r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069:
			return fmt.Sprintf("bidi control %U at %d", r, i)
		}
	}
	return ""
}
