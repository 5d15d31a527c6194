package wire

import (
	"strings"
	"testing"
)

func TestParseOwn(t *testing.T) {
	o, err := ParseOwn(Own{Replica: "node-1", Acked: 42}.String())
	if err != nil || o != (Own{Replica: "node-1", Acked: 42}) {
		t.Fatalf("round trip: %+v, %v", o, err)
	}
	if o, err := ParseOwn(""); err != nil || o != (Own{}) {
		t.Fatalf("empty: %+v, %v", o, err)
	}
	for _, bad := range []string{"node", "node x", " 5", "node -1"} {
		if _, err := ParseOwn(bad); err == nil {
			t.Errorf("ParseOwn(%q) took it", bad)
		}
	}
}

func TestOwnSkips(t *testing.T) {
	o := Own{Replica: "n1", Acked: 10}
	cases := []struct {
		seq          uint64
		user, device string
		want         bool
	}{
		{10, "ann", "n1", true},
		{11, "ann", "n1", false}, // not acknowledged: the replica may not hold it
		{5, "ann", "n2", false},  // another replica of the same user
		{5, "bob", "n1", false},  // a device id is not a credential
	}
	for _, c := range cases {
		if got := o.Skips("ann", c.seq, c.user, c.device); got != c.want {
			t.Errorf("Skips(%d, %s, %s) = %v, want %v", c.seq, c.user, c.device, got, c.want)
		}
	}
	if (Own{}).Skips("ann", 1, "ann", "") {
		t.Error("the zero Own skips")
	}
}

func TestParseReach(t *testing.T) {
	for _, r := range []Reach{{Replica: "node-1", Cursor: 42, Epoch: "e-1"}, {Replica: "node-1"}} {
		got, err := ParseReach(r.String())
		if err != nil || got != r {
			t.Fatalf("round trip of %+v: %+v, %v", r, got, err)
		}
	}
	if r, err := ParseReach(""); err != nil || r != (Reach{}) {
		t.Fatalf("empty: %+v, %v", r, err)
	}
	// What a client may send, it reads back; what it may not, it does not
	// send (an epoch is the server's word).
	for _, r := range []Reach{
		{Replica: "n", Epoch: "a b"}, {Replica: "n", Epoch: "a\nb"}, {Replica: "n", Epoch: strings.Repeat("e", 65)},
		{Replica: "a b"}, {}, {Replica: "n", Epoch: "e\x7f"},
	} {
		if r.Sendable() {
			t.Errorf("%q is sendable", r.String())
		}
	}
	for _, r := range []Reach{{Replica: "n", Cursor: 3, Epoch: "ab12"}, {Replica: "n"}} {
		if got, err := ParseReach(r.String()); !r.Sendable() || err != nil || got != r {
			t.Errorf("%+v: sendable %v, read back %+v, %v", r, r.Sendable(), got, err)
		}
	}
	for _, bad := range []string{"node", "node x", " 5", "node -1", "node 5 ", "node 5 e x", "node 5  e"} {
		if _, err := ParseReach(bad); err == nil {
			t.Errorf("ParseReach(%q) took it", bad)
		}
	}
}

// A push answer may say its replica is caught up only to a cursor at or
// past every op it applied, in a named epoch.
func TestDecodePushResponseChecksCaughtUp(t *testing.T) {
	good := `{"results":[{"op_id":"a","status":"applied","seq":7}],"caught_up":{"cursor":7,"epoch":"e"}}`
	resp, err := DecodePushResponse([]byte(good), 1)
	if err != nil || resp.CaughtUp == nil || *resp.CaughtUp != (CaughtUp{Cursor: 7, Epoch: "e"}) {
		t.Fatalf("%+v, %v", resp, err)
	}
	for _, bad := range []string{
		`{"results":[{"op_id":"a","status":"applied","seq":8}],"caught_up":{"cursor":7,"epoch":"e"}}`,
		`{"results":[{"op_id":"a","status":"applied","seq":7}],"caught_up":{"cursor":7,"epoch":""}}`,
	} {
		if _, err := DecodePushResponse([]byte(bad), 1); err == nil {
			t.Errorf("took %s", bad)
		}
	}
}

// Whatever a header holds, ParseReach answers without panicking; a reach
// a client may send reads back the same; what it reads, it writes back the
// same when sendable.
func FuzzParseReach(f *testing.F) {
	f.Add("node-1 42 e-1")
	f.Add("node-1 0")
	f.Add("n 5  e")
	f.Add("")
	f.Fuzz(func(t *testing.T, v string) {
		r, err := ParseReach(v)
		if err != nil {
			return
		}
		if r.Sendable() {
			if back, err := ParseReach(r.String()); err != nil || back != r {
				t.Fatalf("%q read as %+v, written %q, read back %+v, %v", v, r, r.String(), back, err)
			}
		}
		for _, e := range []string{"", "ep"} {
			s := Reach{Replica: "n" + r.Replica, Cursor: r.Cursor, Epoch: e}
			if s.Sendable() {
				if back, err := ParseReach(s.String()); err != nil || back != s {
					t.Fatalf("%+v written %q, read back %+v, %v", s, s.String(), back, err)
				}
			}
		}
	})
}
