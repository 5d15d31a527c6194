package wire

import (
	"encoding/json"
	"strconv"

	"github.com/fieldcrm/fieldcrm/model"
)

// Reading a push or a pull page in one pass. A first sync moves over a
// hundred thousand ops in pages of megabytes, and a json.Decoder over a
// page scanned it twice (once to find the value's end, once to decode),
// grew a buffer as large as the page, and copied every op's every value.
// scanPush and scanPull read the frame as json.Marshal writes it, hand
// each op to model.ScanOp where it lies (no copy of the page), and decline
// whatever encoding/json might read otherwise: a key in another case or
// with escapes, an unknown or repeated key, a null, a string with escapes,
// a number that is not a plain whole number, data after the end. The
// caller then decodes the page with encoding/json (decodeStrict), so every
// answer, error sentence and bad change stays what it was; the fuzz
// targets hold the two to the same result.

// frame walks the JSON text of a push or a pull page.
type frame struct {
	b []byte
	i int
}

func (f *frame) ws() {
	for f.i < len(f.b) {
		switch f.b[f.i] {
		case ' ', '\t', '\n', '\r':
			f.i++
		default:
			return
		}
	}
}

// is moves past c, after any space, if c is what comes next.
func (f *frame) is(c byte) bool {
	if f.ws(); f.i < len(f.b) && f.b[f.i] == c {
		f.i++
		return true
	}
	return false
}

// end reports whether only space is left.
func (f *frame) end() bool {
	f.ws()
	return f.i == len(f.b)
}

// plain reads a string of printable ASCII without escapes, whose bytes
// between the quotes are its value.
func (f *frame) plain() ([]byte, bool) {
	if f.ws(); f.i >= len(f.b) || f.b[f.i] != '"' {
		return nil, false
	}
	for j := f.i + 1; j < len(f.b); j++ {
		switch c := f.b[j]; {
		case c == '"':
			s := f.b[f.i+1 : j]
			f.i = j + 1
			return s, true
		case c < 0x20 || c >= 0x7f || c == '\\':
			return nil, false
		}
	}
	return nil, false
}

// uint reads a whole number that fits a uint64.
func (f *frame) uint() (uint64, bool) {
	f.ws()
	start := f.i
	for f.i < len(f.b) && f.b[f.i] >= '0' && f.b[f.i] <= '9' {
		f.i++
	}
	if f.i == start || f.b[start] == '0' && f.i-start > 1 {
		return 0, false
	}
	n, err := strconv.ParseUint(string(f.b[start:f.i]), 10, 64)
	return n, err == nil
}

// value skips a JSON value, checking it, and returns its bytes.
func (f *frame) value() ([]byte, bool) {
	f.ws()
	start := f.i
	end, ok := model.SkipJSON(f.b, f.i)
	f.i = end
	return f.b[start:end], ok
}

// object reads an object, calling member after each key and its colon;
// member reads the value. Each key may come once (seen has a bit per
// key of names, in order); any other key declines.
func (f *frame) object(names []string, member func(key int) bool) bool {
	if !f.is('{') {
		return false
	}
	if f.is('}') {
		return true
	}
	var seen uint
	for {
		k, ok := f.plain()
		if !ok || !f.is(':') {
			return false
		}
		key := -1
		for i, n := range names {
			if string(k) == n {
				key = i
			}
		}
		if key < 0 || seen&(1<<key) != 0 {
			return false
		}
		seen |= 1 << key
		if !member(key) {
			return false
		}
		if f.is('}') {
			return true
		}
		if !f.is(',') {
			return false
		}
	}
}

// list reads a list, calling elem to read each element.
func (f *frame) list(elem func() bool) bool {
	if !f.is('[') {
		return false
	}
	if f.is(']') {
		return true
	}
	for {
		if !elem() {
			return false
		}
		if f.is(']') {
			return true
		}
		if !f.is(',') {
			return false
		}
	}
}

// scanPush reads a push body as decodeStrict reads it into a PushRequest,
// or declines (ok false). The ops are slices of data.
func scanPush(data []byte) (req PushRequest, ok bool) {
	f := frame{b: data}
	ok = f.object([]string{"ops"}, func(int) bool {
		if f.ws(); f.i < len(f.b) && f.b[f.i] == 'n' {
			return false // null
		}
		req.Ops = []json.RawMessage{}
		return f.list(func() bool {
			op, ok := f.value()
			req.Ops = append(req.Ops, op)
			return ok
		})
	})
	if !ok || !f.end() {
		return PushRequest{}, false
	}
	return req, true
}

// scanPull reads a pull answer as decodeStrict reads it into a
// PullResponse, or declines (ok false). Its ops' values are slices of
// data; a state or a remove, rare in a page, is decoded by encoding/json
// on its own.
func scanPull(data []byte) (resp PullResponse, ok bool) {
	f := frame{b: data}
	ok = f.object([]string{"changes", "cursor", "epoch", "more"}, func(key int) bool {
		switch key {
		case 0:
			if f.ws(); f.i < len(f.b) && f.b[f.i] == 'n' {
				return false
			}
			resp.Changes = []Change{}
			return f.list(func() bool {
				c, ok := f.change()
				resp.Changes = append(resp.Changes, c)
				return ok
			})
		case 1:
			resp.Cursor, ok = f.uint()
			return ok
		case 2:
			e, ok := f.plain()
			resp.Epoch = string(e)
			return ok
		}
		switch f.ws(); {
		case bytesAt(f.b, f.i, "true"):
			resp.More, f.i = true, f.i+4
		case bytesAt(f.b, f.i, "false"):
			f.i += 5
		default:
			return false
		}
		return true
	})
	if !ok || !f.end() {
		return PullResponse{}, false
	}
	return resp, true
}

// change reads one change of a pull answer.
func (f *frame) change() (Change, bool) {
	var c Change
	ok := f.object([]string{"seq", "op", "state", "remove"}, func(key int) bool {
		var ok bool
		switch f.ws(); {
		case key == 0:
			c.Seq, ok = f.uint()
		case key == 1:
			c.Op = new(model.Op)
			*c.Op, f.i, ok = model.ScanOp(f.b, f.i)
		case f.i < len(f.b) && f.b[f.i] == 'n':
			return false // null
		case key == 2:
			c.State = new(State)
			ok = f.decode(c.State)
		default:
			c.Remove = new(model.EntityRef)
			ok = f.decode(c.Remove)
		}
		return ok
	})
	return c, ok
}

// decode reads the value at the cursor into v with encoding/json.
func (f *frame) decode(v any) bool {
	raw, ok := f.value()
	return ok && decodeStrict(raw, v) == nil
}

func bytesAt(b []byte, i int, w string) bool {
	return len(b)-i >= len(w) && string(b[i:i+len(w)]) == w
}
