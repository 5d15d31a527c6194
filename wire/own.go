package wire

import (
	"fmt"
	"strconv"
	"strings"
)

// OwnHeader names, on a pull, the replica that asks and the highest seq
// of its own ops it holds (the push answers it stored): "NODE SEQ". The
// server then leaves out the ops that replica pushed at or below SEQ, so
// a first sync does not download its own work again. It is a header, not
// a query parameter, because servers before it refuse unknown parameters
// but ignore unknown headers; a pull without it gets every op, as before.
const OwnHeader = "Fieldcrm-Own"

// Own is what a replica holds of its own pushes.
type Own struct {
	Replica string // the replica's node id, as in its ops' actor.device
	Acked   uint64 // the highest seq of its ops it stored an answer for
}

// String is the header's value.
func (o Own) String() string {
	return o.Replica + " " + strconv.FormatUint(o.Acked, 10)
}

// ParseOwn reads the header's value; an empty value is the zero Own,
// which leaves nothing out.
func ParseOwn(v string) (Own, error) {
	if v == "" {
		return Own{}, nil
	}
	node, seq, ok := strings.Cut(v, " ")
	n, err := strconv.ParseUint(seq, 10, 64)
	if !ok || err != nil || node == "" || len(node) > 64 {
		return Own{}, fmt.Errorf("%s %q must be a replica id and a seq", OwnHeader, v)
	}
	return Own{Replica: node, Acked: n}, nil
}

// Skips reports whether a pull for o leaves out the op at seq whose actor
// is user on device, pushed by the user pulling (puller).
func (o Own) Skips(puller string, seq uint64, user, device string) bool {
	return o.Replica != "" && seq <= o.Acked && device == o.Replica && user == puller
}

// ReachHeader names, on a push, how far the replica that pushes has
// pulled: "NODE CURSOR EPOCH", the epoch left out before its first pull.
// When the server's log ended at CURSOR before the batch, and the batch
// added to it only ops that a pull by that replica leaves out (its own,
// Own.Skips, once it stores the answer), the answer says so
// (PushResponse.CaughtUp) and the replica moves its cursor past the batch
// as it stores the answer: the pull after a first push then need not read
// the whole log the push wrote only to leave all of it out. Servers
// before it ignore the header, and a push without it is answered as
// before.
const ReachHeader = "Fieldcrm-Reach"

// Reach is how far a replica that pushes has pulled.
type Reach struct {
	Replica string // the replica's node id, as in its ops' actor.device
	Cursor  uint64 // its pull cursor
	Epoch   string // the epoch of that cursor; empty before its first pull
}

// Sendable reports whether r can travel in the header and be read back
// as it was: a replica id and an epoch (when set) of at most 64 bytes,
// with no space or control character. An epoch is the server's word, and
// a client sends no reach rather than one the server would refuse.
func (r Reach) Sendable() bool {
	word := func(s string) bool {
		return len(s) <= 64 && !strings.ContainsFunc(s, func(c rune) bool { return c <= ' ' || c == 0x7f })
	}
	return r.Replica != "" && word(r.Replica) && word(r.Epoch)
}

// String is the header's value.
func (r Reach) String() string {
	s := r.Replica + " " + strconv.FormatUint(r.Cursor, 10)
	if r.Epoch != "" {
		s += " " + r.Epoch
	}
	return s
}

// ParseReach reads the header's value; an empty value is the zero Reach,
// which asks for nothing.
func ParseReach(v string) (Reach, error) {
	if v == "" {
		return Reach{}, nil
	}
	f := strings.Split(v, " ")
	if len(f) < 2 || len(f) > 3 || f[0] == "" || len(f[0]) > 64 {
		return Reach{}, fmt.Errorf("%s %q must be a replica id, a seq and an epoch", ReachHeader, v)
	}
	n, err := strconv.ParseUint(f[1], 10, 64)
	if err != nil {
		return Reach{}, fmt.Errorf("%s %q must be a replica id, a seq and an epoch", ReachHeader, v)
	}
	r := Reach{Replica: f[0], Cursor: n}
	if len(f) == 3 {
		if f[2] == "" || len(f[2]) > 64 {
			return Reach{}, fmt.Errorf("%s %q must be a replica id, a seq and an epoch", ReachHeader, v)
		}
		r.Epoch = f[2]
	}
	return r, nil
}

// CaughtUp is a push answer's word that the replica that pushed, pulling
// from its cursor (Reach), would get nothing up to Cursor: it may take
// Cursor and Epoch as its own once it has stored the answer.
type CaughtUp struct {
	Cursor uint64 `json:"cursor"`
	Epoch  string `json:"epoch"`
}
