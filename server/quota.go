package server

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/wire"
)

// The storage quota (DESIGN.md §5): no user's pushes may grow the log
// without bound, or every manager's pull would carry them. Each user may
// store Service.Quota bytes of ops: the JSON of every op in the log whose
// actor they are, as Tx.Usage counts it in the push's own transaction. An
// op that would take its author past the quota is rejected on its own,
// with a sentence; the rest of the batch is applied as usual.

// DefaultQuota is the quota when Service.Quota is 0: 256 MiB of ops per
// user, about half a million ordinary changes or 250 one-MiB notes.
const DefaultQuota = 256 << 20

// NoQuota as Service.Quota lets users store without limit.
const NoQuota = -1

// quota returns the bytes each user may store, or 0 for no limit.
func (s *Service) quota() int64 {
	switch {
	case s.Quota == 0:
		return DefaultQuota
	case s.Quota < 0:
		return 0
	}
	return s.Quota
}

// applyWithinQuota applies op as apply does, unless storing it would take
// u past the quota, or the record it adds to past wire.MaxRecordBytes:
// then it writes nothing and rejects the op. data is the op's JSON to
// store, nil to encode it; ahead is as applyEncoded takes it.
func (s *Service) applyWithinQuota(tx Tx, u User, op model.Op, data []byte, before map[string]*seenBy, ahead *readOp) (uint64, error) {
	limit := s.quota()
	if limit == 0 && op.Kind != model.OpAppend {
		return s.applyEncoded(tx, u, op, data, before, ahead)
	}
	if data == nil {
		var err error
		if data, err = json.Marshal(op); err != nil { // as Append would store it
			return 0, err
		}
	}
	need := int64(len(data))
	if limit > 0 {
		used, err := tx.Usage(u.Name)
		if err != nil {
			return 0, err
		}
		if used+need > limit {
			return 0, reject("the server did not store this change: your changes there take %s of the %s each user may store, "+
				"and this one needs %s more; ask your administrator to raise the quota (fieldcrm serve --quota), or keep the text shorter",
				FormatBytes(used), FormatBytes(limit), FormatBytes(need))
		}
	}
	// Only an append grows a record without bound (a set keeps a few old
	// values per field, each of bounded size); it adds at most its own
	// size. A record u may not see is left to apply to refuse, so that the
	// answer says nothing of it.
	if op.Kind == model.OpAppend {
		rec, ok, err := s.visibleRecord(tx, u, op.Entity)
		if err != nil {
			return 0, err
		}
		if ok {
			state, err := json.Marshal(wire.StateOf(op.Entity, rec))
			if err != nil {
				return 0, err
			}
			if has := int64(len(state)); has+need > wire.MaxRecordBytes {
				then := "ask your administrator"
				if op.Entity.Type == model.TypeActivity {
					then = "write further notes in a new activity"
				}
				return 0, reject("the server did not store this addition: %s %s already holds %s, and one record may hold at most %s; %s",
					op.Entity.Type, op.Entity.ID, FormatBytes(has), FormatBytes(wire.MaxRecordBytes), then)
			}
		}
	}
	return s.applyEncoded(tx, u, op, data, before, ahead)
}

// FormatBytes writes n for people: 512 bytes, 3.4 KiB, 255.9 MiB, 1.5 GiB
// (never rounded up).
func FormatBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d bytes", n)
	}
	v, units := float64(n)/unit, []string{"KiB", "MiB", "GiB", "TiB"}
	i := 0
	for v >= unit && i < len(units)-1 {
		v /= unit
		i++
	}
	s := fmt.Sprintf("%.1f", math.Floor(v*10)/10) // never more than there is

	if len(s) > 2 && s[len(s)-2:] == ".0" {
		s = s[:len(s)-2]
	}
	return s + " " + units[i]
}
