package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"github.com/fieldcrm/fieldcrm/jsonpack"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/wire"
)

// PullChange is one change of a pull as the server sends it, already
// JSON: ops pass from the log to the wire as stored, never decoded, and
// a state or remove is encoded once, when the page is filled, so that
// the page knows its size. Exactly one of Op, Packed, State, Remove is
// set.
//
// An op read from the log comes in Packed, as the log stores it
// (jsonpack), and goes into a page for a client that reads embedded
// values as it is (AppendPacked); MarshalJSON unpacks it for others. A
// damaged one is then found where it is unpacked: by MarshalJSON, which
// fails the request naming the entry, or by the client, which refuses
// the page; the server's start-up check reads every op and logs it.
type PullChange struct {
	Seq    uint64          `json:"seq"`
	Op     json.RawMessage `json:"op,omitempty"`     // a model.Op
	Packed []byte          `json:"-"`                // or a model.Op as stored
	State  json.RawMessage `json:"state,omitempty"`  // a wire.State
	Remove json.RawMessage `json:"remove,omitempty"` // a model.EntityRef
}

// changeFraming is about what a change adds to a page besides its JSON.
const changeFraming = len(`{"seq":18446744073709551615,"remove":},`)

// packedFraming is about what a change adds to a packed page besides its
// value: its object, the seq and the two keys (strings after their first
// time are references), and the embedded value's length.
const packedFraming = 24

// PullPage is the server's form of wire.PullResponse.
type PullPage struct {
	Changes []PullChange `json:"changes"`
	Cursor  uint64       `json:"cursor"`
	Epoch   string       `json:"epoch"`
	More    bool         `json:"more"`

	limit int // most changes
	bytes int // size of Changes on the wire, about
}

// add appends a change of n bytes of JSON.
func (p *PullPage) add(c PullChange, n int) {
	p.Changes = append(p.Changes, c)
	p.bytes += n + changeFraming
}

// full reports whether the page holds as many changes as it may, by
// count or by bytes; it then takes no more (it may pass the byte budget
// by its last change, at most one op or one record).
func (p *PullPage) full() bool {
	return len(p.Changes) >= p.limit || p.bytes >= wire.PullPageBytes
}

// MarshalJSON writes the page by hand: ops are already JSON, and passing
// them through encoding/json would re-validate and re-compact every one.
func (p PullPage) MarshalJSON() ([]byte, error) {
	epoch, err := json.Marshal(p.Epoch)
	if err != nil {
		return nil, err
	}
	// Room for all of it and the newline writeJSON adds, so nothing is
	// copied on the way: a page may be several MiB.
	b := make([]byte, 0, 128+len(epoch)+p.bytes+len(p.Changes)*changeFraming)
	b = append(b, `{"changes":[`...)
	for i, c := range p.Changes {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"seq":`...)
		b = strconv.AppendUint(b, c.Seq, 10)
		switch {
		case c.Packed != nil:
			b = append(b, `,"op":`...)
			var err error
			if b, err = jsonpack.Unpack(b, c.Packed); err != nil {
				return nil, fmt.Errorf("log entry %d is corrupt: %w", c.Seq, err)
			}
		case c.Op != nil:
			b = append(b, `,"op":`...)
			b = append(b, c.Op...)
		case c.State != nil:
			b = append(b, `,"state":`...)
			b = append(b, c.State...)
		case c.Remove != nil:
			b = append(b, `,"remove":`...)
			b = append(b, c.Remove...)
		}
		b = append(b, '}')
	}
	b = append(b, `],"cursor":`...)
	b = strconv.AppendUint(b, p.Cursor, 10)
	b = append(b, `,"epoch":`...)
	b = append(b, epoch...)
	b = append(b, `,"more":`...)
	b = strconv.AppendBool(b, p.More)
	return append(b, '}'), nil
}

// AppendPacked appends the page packed, as jsonpack.Pack would pack its
// JSON, but with each change's value embedded as a value of its own: an
// op as the log stores it, never unpacked here, and a state or remove
// packed on its own (jsonpack.AppendEmbedded). Only a client that says it
// reads embedded values gets it (pack.go).
func (p PullPage) AppendPacked(dst []byte) ([]byte, error) {
	epoch, err := json.Marshal(p.Epoch)
	if err != nil {
		return dst, err
	}
	// Room for all of it: grown by appends, a page's buffer was made over
	// and over (174 MB of the server's allocations in the demo book's
	// fresh pull).
	need := 96 + len(epoch)
	for _, c := range p.Changes {
		need += packedFraming + len(c.Packed) + len(c.Op) + len(c.State) + len(c.Remove)
	}
	if cap(dst)-len(dst) < need {
		// A quarter more, so that the pooled buffer (writeAnswer) serves
		// the next pages too, which are about as big.
		dst = slices.Grow(dst, need+need/4)
	}
	b := jsonpack.AppendKey(jsonpack.AppendObject(jsonpack.AppendTag(dst)), "changes")
	b = jsonpack.AppendArray(b)
	for _, c := range p.Changes {
		b = jsonpack.AppendUint(jsonpack.AppendKey(jsonpack.AppendObject(b), "seq"), c.Seq)
		key, v := "op", c.Packed
		switch {
		case c.Packed != nil:
		case c.Op != nil:
			v = c.Op
		case c.State != nil:
			key, v = "state", c.State
		case c.Remove != nil:
			key, v = "remove", c.Remove
		}
		if b, err = jsonpack.AppendEmbedded(jsonpack.AppendKey(b, key), v); err != nil {
			return dst, fmt.Errorf("log entry %d: %w", c.Seq, err)
		}
		b = jsonpack.AppendEnd(b)
	}
	b = jsonpack.AppendUint(jsonpack.AppendKey(jsonpack.AppendArrayEnd(b), "cursor"), p.Cursor)
	b = jsonpack.AppendString(jsonpack.AppendKey(b, "epoch"), epoch[1:len(epoch)-1])
	b = jsonpack.AppendBool(jsonpack.AppendKey(b, "more"), p.More)
	return jsonpack.AppendEnd(b), nil
}

// Pull returns the changes after cursor that u may see, and the next
// cursor: the highest seq scanned, including entries u may not see.
//
// A page holds at most limit changes and stops taking more once it holds
// wire.PullPageBytes; it always holds one change at least, so every pull
// moves on. A lead's full state (a grant: the lead and every record under
// it) or its removes (a revoke) may be split over pages: the entry keeps
// the seqs below it free (LogEntry.Slots), and a page that stops after
// the entry's i-th record answers the i-th of them as its cursor; the
// next pull, from that cursor, goes on with record i+1. Entries logged
// before slots existed are sent whole.
func (s *Service) Pull(ctx context.Context, u User, cursor uint64, limit int) (PullPage, error) {
	return s.PullOwn(ctx, u, cursor, limit, wire.Own{})
}

// PullOwn is Pull for a replica that says which of its own ops it holds:
// those are left out (no echo), and the cursor moves past them as past
// any change the user does not get.
func (s *Service) PullOwn(ctx context.Context, u User, cursor uint64, limit int, own wire.Own) (PullPage, error) {
	defer s.syncing()()
	if limit <= 0 || limit > wire.MaxPullLimit {
		limit = wire.DefaultPullLimit
	}
	resp := PullPage{Changes: []PullChange{}, Cursor: cursor, limit: limit}
	err := s.Store.View(ctx, func(tx Tx) error {
		epoch, err := tx.Epoch()
		if err != nil {
			return err
		}
		resp.Epoch = epoch
		head, err := tx.Head()
		if err != nil {
			return err
		}
		if cursor > head {
			// A cursor from the future belongs to another history.
			resp.Cursor = head
			return nil
		}
		quarantined, err := quarantinedSeqs(tx, cursor)
		if err != nil {
			return err
		}
		// A support or after-sales user also sees what their role's queue
		// does (roles.go), and takes its grants and revokes as theirs.
		names := sightNames(u)
		visible := map[string]bool{}
		sees := func(lead string) (bool, error) {
			if seesAll(u.Role) {
				return true, nil
			}
			if v, ok := visible[lead]; ok {
				return v, nil
			}
			v, err := tx.VisibleToAny(names, lead)
			if err != nil {
				return false, err
			}
			visible[lead] = v
			return v, nil
		}
		scanned := 0
		err = tx.ScanPacked(cursor, func(e LogEntry) (bool, error) {
			scanned++
			switch e.Kind {
			case EntryOp:
				if quarantined[e.Seq] {
					break // taken out by an operator (repair.go); the cursor moves past it
				}
				ok, err := sees(e.Lead)
				if err != nil {
					return false, err
				}
				if ok && e.Seq <= own.Acked {
					if e.Raw == nil && e.Packed != nil {
						raw, err := jsonpack.UnpackNew(e.Packed) // for its actor
						if err != nil {
							return false, fmt.Errorf("log entry %d is corrupt: %w", e.Seq, err)
						}
						e.Raw = raw
					}
					if ownOp(own, u, e) {
						break
					}
				}
				if ok && e.Packed != nil {
					resp.add(PullChange{Seq: e.Seq, Packed: e.Packed}, wire.PullPackedRatio*len(e.Packed))
				} else if ok {
					raw := e.Raw
					if !e.OwnRaw {
						raw = append(json.RawMessage(nil), e.Raw...)
					}
					if e.Raw == nil {
						if raw, err = json.Marshal(e.Op); err != nil {
							return false, err
						}
					}
					resp.add(PullChange{Seq: e.Seq, Op: raw}, len(raw))
				}
			case EntryGrant, EntryRevoke:
				if leavesOut(u, names, e.User) {
					break
				}
				ok, err := sees(e.Lead)
				if err != nil {
					return false, err
				}
				if ok == (e.Kind == EntryGrant) {
					if whole, err := s.leadChanges(tx, e, cursor, &resp); err != nil || !whole {
						return false, err // the page stopped inside the entry and set the cursor
					}
				}
			}
			resp.Cursor = e.Seq
			return !resp.full() && scanned < maxScan, nil
		})
		if err != nil {
			return err
		}
		resp.More = resp.Cursor < head
		return nil
	})
	if err != nil {
		return PullPage{}, fmt.Errorf("pull: %w", err)
	}
	return resp, nil
}

// ownOp reports whether the log entry e is an op that own says its
// replica holds. It reads only the op's actor: the last "actor" key of
// the stored JSON, which model.Op encodes after its fields and entry.
func ownOp(own wire.Own, u User, e LogEntry) bool {
	if e.Op != nil {
		return own.Skips(u.Name, e.Seq, e.Op.Actor.User, e.Op.Actor.Device)
	}
	i := bytes.LastIndex(e.Raw, []byte(`"actor":`))
	if i < 0 {
		return false
	}
	var a model.Actor
	if json.NewDecoder(bytes.NewReader(e.Raw[i+len(`"actor":`):])).Decode(&a) != nil {
		return false
	}
	return own.Skips(u.Name, e.Seq, a.User, a.Device)
}

// leadChanges adds the full state (grant) or removes (revoke) of a lead
// and everything under it, the lead first, going on after the records a
// page before already sent when cursor lies in the entry's slots. When
// the page fills before the last record and the entry has a free slot to
// name the place, it sets the page's cursor there and returns false.
func (s *Service) leadChanges(tx Tx, e LogEntry, cursor uint64, resp *PullPage) (bool, error) {
	refs := []model.EntityRef{{Type: model.TypeLead, ID: e.Lead}}
	kids, err := tx.Children(e.Lead)
	if err != nil {
		return false, err
	}
	refs = append(refs, kids...)
	// Slot base+i stands for "records 0..i of this entry are sent". The
	// list only grows (children are never taken out of it) and keeps its
	// order, so going on at index i after a page never skips a record
	// (one added meanwhile may come twice, which merging allows).
	base := e.Seq - e.Slots
	first := 0
	if e.Slots > 0 && cursor >= base && cursor < e.Seq {
		first = int(cursor-base) + 1
	}
	for i := first; i < len(refs); i++ {
		if i > first && resp.full() && uint64(i-1) < e.Slots {
			resp.Cursor = base + uint64(i-1)
			return false, nil
		}
		seq := e.Seq
		if uint64(i) < e.Slots {
			seq = base + uint64(i)
		}
		ref := refs[i]
		if e.Kind == EntryRevoke {
			data, err := json.Marshal(ref)
			if err != nil {
				return false, err
			}
			resp.add(PullChange{Seq: seq, Remove: data}, len(data))
			continue
		}
		rec, ok, err := tx.Record(ref)
		if err != nil {
			return false, err
		}
		if ok {
			data, err := json.Marshal(wire.StateOf(ref, rec))
			if err != nil {
				return false, err
			}
			resp.add(PullChange{Seq: seq, State: data}, len(data))
		}
	}
	return true, nil
}
