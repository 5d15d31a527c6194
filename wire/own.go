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
