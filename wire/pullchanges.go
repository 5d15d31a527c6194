package wire

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/fieldcrm/fieldcrm/model"
)

// BadChange is a change of a pull answer that could not be read, with why.
// The client sets it aside and goes on: one bad change must not stop a
// user's sync for good (DESIGN.md section 5).
type BadChange struct {
	// Before is how many readable changes precede it in the answer's
	// Changes, so the caller can keep the answer's order.
	Before int
	Seq    uint64          // 0 when not even the seq could be read
	Kind   string          // "op", "state" or "remove"; "" when unknown
	Entity model.EntityRef // what it names, when that could be read
	OpID   string
	Raw    []byte // the change as received (as decoded, for a change that decoded)
	Reason string
}

// DecodePullChanges parses a pull answer as DecodePullResponse does, except
// that a change that cannot be read does not fail the answer: it is left
// out of Changes and returned among the bad ones. Only an answer whose
// frame is broken (not JSON, a bad cursor, a list that does not end) is an
// error.
func DecodePullChanges(data []byte) (PullResponse, []BadChange, error) {
	var raws [][]byte
	resp, ok := scanPull(data)
	if !ok {
		var err error
		if resp, raws, err = decodePullFrame(data); err != nil {
			return PullResponse{}, nil, err
		}
	}
	var bad []BadChange
	good := resp.Changes[:0]
	for i, c := range resp.Changes {
		var err error
		if raws != nil {
			c = Change{}
			if derr := decodeStrict(raws[i], &c); derr != nil {
				err = fmt.Errorf("the change is not valid JSON of a change: %w", derr)
			}
		}
		if err == nil {
			err = checkChange(c)
		}
		if err == nil {
			good = append(good, c)
			continue
		}
		b := BadChange{Before: len(good), Reason: err.Error()}
		if raws != nil {
			b.Raw = raws[i]
			probe(raws[i], &b)
		} else {
			b.Raw, _ = json.Marshal(c)
			b.Seq, b.Kind, b.Entity, b.OpID = c.Seq, kindOf(c), entityOf(c), opIDOf(c)
		}
		bad = append(bad, b)
	}
	resp.Changes = good
	return resp, bad, nil
}

// decodePullFrame reads a pull answer with encoding/json: whole, or, when
// that fails, change by change (raws, one per change, for the caller to
// decode; resp.Changes then holds as many empty changes).
func decodePullFrame(data []byte) (resp PullResponse, raws [][]byte, err error) {
	if err := decodeStrict(data, &resp); err != nil {
		// A value of the wrong type in one change, an unknown member, or
		// nesting deeper than encoding/json takes fails the whole answer
		// in one decode: read it again change by change.
		var serr error
		if resp, raws, serr = splitPull(data); serr != nil {
			return PullResponse{}, nil, fmt.Errorf("the server's pull answer is not valid: %w", err)
		}
		resp.Changes = make([]Change, len(raws))
	}
	return resp, raws, nil
}

// checkChange checks one change as DecodePullResponse does: exactly one
// of op, state and remove; an op valid as model.DecodeOp requires; entity
// references well formed.
func checkChange(c Change) error {
	n := 0
	if c.Op != nil {
		n++
		if err := c.Op.ValidateDecoded(); err != nil { // scanned, or decoded by encoding/json
			return err
		}
	}
	if c.State != nil {
		n++
		if err := checkRef(c.State.Entity); err != nil {
			return err
		}
	}
	if c.Remove != nil {
		n++
		if err := checkRef(*c.Remove); err != nil {
			return err
		}
	}
	if n != 1 {
		return errors.New("a change must hold exactly one of op, state, remove")
	}
	return nil
}

func kindOf(c Change) string {
	switch {
	case c.Op != nil && c.State == nil && c.Remove == nil:
		return "op"
	case c.State != nil && c.Op == nil && c.Remove == nil:
		return "state"
	case c.Remove != nil && c.Op == nil && c.State == nil:
		return "remove"
	}
	return ""
}

func entityOf(c Change) model.EntityRef {
	switch {
	case c.Op != nil:
		return c.Op.Entity
	case c.State != nil:
		return c.State.Entity
	case c.Remove != nil:
		return *c.Remove
	}
	return model.EntityRef{}
}

func opIDOf(c Change) string {
	if c.Op != nil {
		return c.Op.ID
	}
	return ""
}

// probe reads what it can of a change that did not decode: its seq, and
// what its op, state or remove names. Whatever does not read stays zero.
func probe(raw []byte, b *BadChange) {
	_ = members(raw, func(key string, val []byte) error {
		switch key {
		case "seq":
			_ = json.Unmarshal(val, &b.Seq)
		case "op", "state", "remove":
			if b.Kind == "" {
				b.Kind = key
			} else {
				b.Kind = "-" // more than one: unknown
			}
			if key == "remove" {
				_ = json.Unmarshal(val, &b.Entity)
				return nil
			}
			_ = members(val, func(k string, v []byte) error {
				switch k {
				case "entity":
					_ = json.Unmarshal(v, &b.Entity)
				case "op_id":
					if key == "op" {
						_ = json.Unmarshal(v, &b.OpID)
					}
				}
				return nil
			})
		}
		return nil
	})
	if b.Kind == "-" {
		b.Kind = ""
	}
}

// splitPull reads a pull answer without encoding/json's nesting limit:
// the frame strictly (cursor, epoch and more, each once, nothing else) and
// each element of its changes list as raw bytes, for the caller to decode
// one by one. It is the slow path, for an answer refused as a whole.
func splitPull(data []byte) (PullResponse, [][]byte, error) {
	var resp PullResponse
	var raws [][]byte
	seen := map[string]bool{}
	err := members(data, func(key string, val []byte) error {
		if seen[key] {
			return fmt.Errorf("%q is given twice", key)
		}
		seen[key] = true
		switch key {
		case "changes":
			return elements(val, func(raw []byte) error { raws = append(raws, raw); return nil })
		case "cursor":
			return decodeStrict(val, &resp.Cursor)
		case "epoch":
			return decodeStrict(val, &resp.Epoch)
		case "more":
			return decodeStrict(val, &resp.More)
		}
		return fmt.Errorf("unknown member %q", key)
	})
	return resp, raws, err
}

// members calls fn with each member of the JSON object data: its key and
// its value's bytes.
func members(data []byte, fn func(key string, val []byte) error) error {
	s := splitter{data: data}
	if err := s.open('{'); err != nil {
		return err
	}
	for first := true; ; first = false {
		if s.ws(); s.peek() == '}' && first {
			s.i++
			break
		}
		k, err := s.value()
		if err != nil {
			return err
		}
		var key string
		if len(k) == 0 || k[0] != '"' || json.Unmarshal(k, &key) != nil {
			return fmt.Errorf("an object key at byte %d is not a string", s.i)
		}
		if s.ws(); s.peek() != ':' {
			return fmt.Errorf("no colon after key %q", key)
		}
		s.i++
		v, err := s.value()
		if err != nil {
			return err
		}
		if err := fn(key, v); err != nil {
			return err
		}
		if done, err := s.next('}'); err != nil || done {
			if err != nil {
				return err
			}
			break
		}
	}
	return s.end()
}

// elements calls fn with the bytes of each element of the JSON list data.
func elements(data []byte, fn func(raw []byte) error) error {
	s := splitter{data: data}
	if err := s.open('['); err != nil {
		return err
	}
	for first := true; ; first = false {
		if s.ws(); s.peek() == ']' && first {
			s.i++
			break
		}
		v, err := s.value()
		if err != nil {
			return err
		}
		if err := fn(v); err != nil {
			return err
		}
		if done, err := s.next(']'); err != nil || done {
			if err != nil {
				return err
			}
			break
		}
	}
	return s.end()
}

// splitter finds where JSON values begin and end. It checks that strings
// end and brackets pair, at any depth, but not that what lies between is
// valid JSON: whoever decodes a value checks that.
type splitter struct {
	data []byte
	i    int
}

func (s *splitter) ws() {
	for s.i < len(s.data) {
		switch s.data[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *splitter) peek() byte {
	if s.i < len(s.data) {
		return s.data[s.i]
	}
	return 0
}

func (s *splitter) open(c byte) error {
	if s.ws(); s.peek() != c {
		return fmt.Errorf("expected %q at byte %d", c, s.i)
	}
	s.i++
	return nil
}

// next moves past the comma after a member or element, or past close;
// done says it was close.
func (s *splitter) next(close byte) (done bool, err error) {
	switch s.ws(); s.peek() {
	case ',':
		s.i++
		return false, nil
	case close:
		s.i++
		return true, nil
	}
	return false, fmt.Errorf("expected ',' or %q at byte %d", close, s.i)
}

// end checks that nothing but white space follows.
func (s *splitter) end() error {
	if s.ws(); s.i != len(s.data) {
		return fmt.Errorf("data after the end of the JSON value at byte %d", s.i)
	}
	return nil
}

// value returns the bytes of the value at the cursor and moves past it.
func (s *splitter) value() ([]byte, error) {
	s.ws()
	start := s.i
	var stack []byte // the open brackets
	for s.i < len(s.data) {
		c := s.data[s.i]
		switch c {
		case '"':
			if err := s.str(); err != nil {
				return nil, err
			}
			if len(stack) == 0 {
				return s.data[start:s.i], nil
			}
			continue
		case '{', '[':
			stack = append(stack, c)
		case '}', ']':
			if len(stack) == 0 {
				return s.scalar(start)
			}
			if open := stack[len(stack)-1]; open == '{' && c != '}' || open == '[' && c != ']' {
				return nil, fmt.Errorf("%q closed by %q at byte %d", open, c, s.i)
			}
			if stack = stack[:len(stack)-1]; len(stack) == 0 {
				s.i++
				return s.data[start:s.i], nil
			}
		case ',', ':', ' ', '\t', '\n', '\r':
			if len(stack) == 0 {
				return s.scalar(start)
			}
		}
		s.i++
	}
	if len(stack) > 0 {
		return nil, errors.New("the JSON ends inside a list or an object")
	}
	return s.scalar(start)
}

func (s *splitter) scalar(start int) ([]byte, error) {
	if s.i == start {
		return nil, fmt.Errorf("expected a value at byte %d", s.i)
	}
	return s.data[start:s.i], nil
}

// str moves past the string that starts at the cursor.
func (s *splitter) str() error {
	for j := s.i + 1; j < len(s.data); j++ {
		switch s.data[j] {
		case '\\':
			j++
		case '"':
			s.i = j + 1
			return nil
		}
	}
	return errors.New("the JSON ends inside a string")
}
