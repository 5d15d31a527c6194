package wire

import "testing"

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
