package server

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/wire"
)

// PullChange is one change of a pull as the server sends it: ops pass from
// the log to the wire as stored JSON, never decoded.
type PullChange struct {
	Seq    uint64           `json:"seq"`
	Op     json.RawMessage  `json:"op,omitempty"`
	State  *wire.State      `json:"state,omitempty"`
	Remove *model.EntityRef `json:"remove,omitempty"`
}

// PullPage is the server's form of wire.PullResponse.
type PullPage struct {
	Changes []PullChange `json:"changes"`
	Cursor  uint64       `json:"cursor"`
	Epoch   string       `json:"epoch"`
	More    bool         `json:"more"`
}

// MarshalJSON writes the page by hand: ops are already JSON, and passing
// them through encoding/json would re-validate and re-compact every one.
func (p PullPage) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 256+len(p.Changes)*512)
	b = append(b, `{"changes":[`...)
	for i, c := range p.Changes {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"seq":`...)
		b = strconv.AppendUint(b, c.Seq, 10)
		switch {
		case c.Op != nil:
			b = append(b, `,"op":`...)
			b = append(b, c.Op...)
		case c.State != nil:
			data, err := json.Marshal(c.State)
			if err != nil {
				return nil, err
			}
			b = append(b, `,"state":`...)
			b = append(b, data...)
		case c.Remove != nil:
			data, err := json.Marshal(c.Remove)
			if err != nil {
				return nil, err
			}
			b = append(b, `,"remove":`...)
			b = append(b, data...)
		}
		b = append(b, '}')
	}
	b = append(b, `],"cursor":`...)
	b = strconv.AppendUint(b, p.Cursor, 10)
	epoch, err := json.Marshal(p.Epoch)
	if err != nil {
		return nil, err
	}
	b = append(b, `,"epoch":`...)
	b = append(b, epoch...)
	b = append(b, `,"more":`...)
	b = strconv.AppendBool(b, p.More)
	return append(b, '}'), nil
}

// Pull returns the changes after cursor that u may see, at most about limit
// of them (a lead's full state is never split), and the next cursor: the
// highest seq scanned, including entries u may not see.
func (s *Service) Pull(ctx context.Context, u User, cursor uint64, limit int) (PullPage, error) {
	if limit <= 0 || limit > wire.MaxPullLimit {
		limit = wire.DefaultPullLimit
	}
	resp := PullPage{Changes: []PullChange{}, Cursor: cursor}
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
		visible := map[string]bool{}
		sees := func(lead string) (bool, error) {
			if u.Role == RoleManager {
				return true, nil
			}
			if v, ok := visible[lead]; ok {
				return v, nil
			}
			v, err := tx.Visible(u.Name, lead)
			if err != nil {
				return false, err
			}
			visible[lead] = v
			return v, nil
		}
		scanned := 0
		err = tx.Scan(cursor, func(e LogEntry) (bool, error) {
			scanned++
			resp.Cursor = e.Seq
			switch e.Kind {
			case EntryOp:
				if quarantined[e.Seq] {
					break // taken out by an operator (repair.go); the cursor moves past it
				}
				ok, err := sees(e.Lead)
				if err != nil {
					return false, err
				}
				if ok {
					raw := append(json.RawMessage(nil), e.Raw...)
					if e.Raw == nil {
						if raw, err = json.Marshal(e.Op); err != nil {
							return false, err
						}
					}
					resp.Changes = append(resp.Changes, PullChange{Seq: e.Seq, Op: raw})
				}
			case EntryGrant, EntryRevoke:
				if e.User != u.Name || u.Role == RoleManager {
					break
				}
				ok, err := sees(e.Lead)
				if err != nil {
					return false, err
				}
				if ok == (e.Kind == EntryGrant) {
					if err := s.leadChanges(tx, e, ok, &resp); err != nil {
						return false, err
					}
				}
			}
			return len(resp.Changes) < limit && scanned < maxScan, nil
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

// leadChanges adds the full state (grant) or removes (revoke) of a lead and
// everything under it, the lead first.
func (s *Service) leadChanges(tx Tx, e LogEntry, grant bool, resp *PullPage) error {
	refs := []model.EntityRef{{Type: model.TypeLead, ID: e.Lead}}
	kids, err := tx.Children(e.Lead)
	if err != nil {
		return err
	}
	refs = append(refs, kids...)
	for _, ref := range refs {
		if !grant {
			resp.Changes = append(resp.Changes, PullChange{Seq: e.Seq, Remove: &ref})
			continue
		}
		rec, ok, err := tx.Record(ref)
		if err != nil {
			return err
		}
		if ok {
			st := wire.StateOf(ref, rec)
			resp.Changes = append(resp.Changes, PullChange{Seq: e.Seq, State: &st})
		}
	}
	return nil
}
