package jsonpack

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
)

var update = flag.Bool("update", false, "write testdata/records.v1.b64 from this Pack")

// records returns the real-shaped records of testdata/records.jsonl: store
// values of the demo book (activities, leads, tasks, an approval, a service
// order, a complaint) and server records with stamps and history.
func records(t testing.TB) [][]byte {
	t.Helper()
	data, err := os.ReadFile("testdata/records.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n"))
}

func roundTrip(t *testing.T, b []byte) []byte {
	t.Helper()
	p := Pack(nil, b)
	back, err := Unpack(nil, p)
	if err != nil {
		t.Fatalf("Unpack(Pack(%q)): %v", b, err)
	}
	if !bytes.Equal(back, b) {
		t.Fatalf("Unpack(Pack(%q)) = %q", b, back)
	}
	return p
}

func TestRecordsPackSmallerAndComeBackExactly(t *testing.T) {
	in, out := 0, 0
	for _, r := range records(t) {
		p := roundTrip(t, r)
		if !Packed(p) || len(p) >= len(r) {
			t.Fatalf("not packed smaller (%d -> %d): %s", len(r), len(p), r)
		}
		in, out = in+len(r), out+len(p)
	}
	// The demo's records shrink about twofold; far less means a token
	// stopped being used (a UUID or time kept as text, a key not found).
	if ratio := float64(in) / float64(out); ratio < 2.0 {
		t.Errorf("records pack %d -> %d bytes, only %.2fx", in, out, ratio)
	}
}

// TestFormatV1 reads values packed when format version 1 was made: books
// hold them, so every later Pack and Unpack must keep reading them.
func TestFormatV1(t *testing.T) {
	recs := records(t)
	if *update {
		var w bytes.Buffer
		for _, r := range recs {
			w.WriteString(base64.StdEncoding.EncodeToString(Pack(nil, r)) + "\n")
		}
		if err := os.WriteFile("testdata/records.v1.b64", w.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f, err := os.Open("testdata/records.v1.b64")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	i, was, now := 0, 0, 0
	for ; sc.Scan(); i++ {
		p, err := base64.StdEncoding.DecodeString(sc.Text())
		if err != nil || i >= len(recs) {
			t.Fatalf("line %d: %v", i+1, err)
		}
		back, err := Unpack(nil, p)
		if err != nil || !bytes.Equal(back, recs[i]) {
			t.Fatalf("record %d of version 1 reads back as %q, %v", i+1, back, err)
		}
		// Pack may write other bytes (refer back to other strings), but
		// not more of them.
		was, now = was+len(p), now+len(Pack(nil, recs[i]))
	}
	if i != len(recs) {
		t.Fatalf("%d packed records for %d records", i, len(recs))
	}
	if now > was {
		t.Errorf("the records pack to %d bytes, %d with version 1's Pack", now, was)
	}
}

// TestKeyTableIsAppendOnly: a key's byte is in every packed book, so the
// table may only grow at its end.
func TestKeyTableIsAppendOnly(t *testing.T) {
	data, err := os.ReadFile("testdata/keys.v1.txt")
	if err != nil {
		t.Fatal(err)
	}
	v1 := strings.Fields(string(data))
	if len(keys) < len(v1) || len(keys) > 254 {
		t.Fatalf("%d keys; version 1 has %d and a byte holds 254", len(keys), len(v1))
	}
	for i, k := range v1 {
		if keys[i] != k {
			t.Fatalf("key %d is %q, was %q in version 1", i, keys[i], k)
		}
	}
	seen := map[string]bool{}
	for i, k := range keys {
		if seen[k] || keyIndex([]byte(k)) != i {
			t.Fatalf("key %q twice or not found", k)
		}
		seen[k] = true
		if q, _ := json.Marshal(k); string(q) != `"`+k+`"` {
			t.Fatalf("key %q needs escaping", k)
		}
	}
	for _, k := range []string{"", "i", "ids", "id_", "xid", "service_assignees", "service_assigne"} {
		if keyIndex([]byte(k)) >= 0 {
			t.Fatalf("%q found in the table", k)
		}
	}
}

const (
	uuid   = "01a243eb-eb13-73f0-88f4-8ec785ba271d"
	record = `{"id":"01a243eb-eb13-73f0-88f4-8ec785ba271d","author":"root"}`
)

func TestPackDeclines(t *testing.T) {
	deep := strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1)
	for _, in := range []string{
		"",
		" " + record, record + " ", record + "\n", `{"id": "x","author":"root"}`,
		`{"id":"x" ,"author":"root"}`, "[1,\t2,3,4,5,6,7]",
		record + record, record + "}", record[:len(record)-1], `{"id":"x",}`,
		`{"id":"x","a"}`, `{"id":"x",1:2}`, `{,"id":"x"}`, `[1,2,3,,4,5,6]`,
		`["abc","def" "ghi"]`, `{"id":"x"]`, `["abcdefgh"}`, `{"id":"x":"y"}`,
		`["abcdefgh",tru]`, `["abcdefgh",nul]`, `["abcdefgh",fals]`, `["abcdefgh",True]`,
		`["abcdefgh","abc`, "[\"abc\x01defgh\"]", `["abc\qdefgh"]`, `["abc\u12gdefgh"]`,
		`["abcdefgh\"]`, "[\"abc\"\"defgh\"]",
		`["abcdefgh",01]`, `["abcdefgh",-]`, `["abcdefgh",1.]`, `["abcdefgh",1e]`,
		`["abcdefgh",.5]`, `["abcdefgh",+1]`, `["abcdefgh",NaN]`, `["abcdefgh",1.5.5]`,
		`["abcdefgh",0x10]`, `["abcdefgh",'a']`, "\xef\xbb\xbf" + record,
		deep,
		// Valid, but packing would not make them smaller.
		`1`, `"ab"`, `[]`, `{}`, `[1,2]`, `1.5e10`,
	} {
		p := Pack([]byte("dst:"), []byte(in))
		if string(p) != "dst:"+in {
			t.Errorf("Pack(%q) = %q, want it as it was", in, p[4:])
		}
		roundTrip(t, []byte(in))
	}
}

func TestPackWrapsWhatStartsWithTheTag(t *testing.T) {
	for _, in := range []string{"\x01", "\x01\x01{}", "\x01" + record} {
		p := roundTrip(t, []byte(in))
		if string(p) != "\x01\x17"+in {
			t.Errorf("Pack(%q) = %q", in, p)
		}
	}
}

func TestPackPacks(t *testing.T) {
	long := strings.Repeat("长", 200) // 600 bytes: a two-byte length
	for _, c := range []struct {
		in   string
		size int // of the packed form, when it is known exactly; else smaller
	}{
		// tag, '{', the key's byte, the UUID's 17, the end.
		{`{"id":"` + uuid + `"}`, 1 + 1 + 1 + 17 + 1},
		// Seconds and nine digits: 1 + 5 + 4.
		{`{"at":"2026-12-05T01:57:44.338911252Z"}`, 4 + 10},
		{`{"at":"2026-12-05T01:57:44Z"}`, 4 + 6},
		{`{"at":"2026-12-05T01:57:44.5Z"}`, 4 + 7},
		{`{"at":"2026-12-05T01:57:44.050Z"}`, 4 + 8},
		{`{"at":"2026-12-05T01:57:44.0000000Z"}`, 4 + 9},
		{`{"at":"9999-12-31T23:59:60.999999999Z"}`, 4 + 10},
		{`{"at":"0000-00-00T00:00:00Z"}`, 4 + 6},
		{`{"due":"2026-02-30"}`, 4 + 4}, // not a date on any calendar: kept as written
		{`{"due":"0000-00-00"}`, 4 + 4},
		{`{"due":"2026-13-01"}`, 4 + 11}, // month 13: a string
		{`{"at":"2026-12-05T24:00:00Z"}`, 4 + 21},
		{`{"at":"2026-12-05T01:57:44.338911252+08:00"}`, 0},
		{`{"at":"2026-12-05t01:57:44Z"}`, 0},
		{`{"at":"2026-12-05T01:57:44.Z"}`, 0},
		{`{"at":"2026-12-05T01:57:44.1234567890Z"}`, 0},
		{`{"id":"` + strings.ToUpper(uuid) + `"}`, 4 + 37}, // capitals come back as capitals
		{`{"id":"01a243eb-eb13-73f0-88f4_8ec785ba271d"}`, 4 + 37},
		{`{"id":"01a243eb-eb13-73f0-88f4-8ec785ba271g"}`, 4 + 37},
		{`[0,1,63,64,-1,-64,9223372036854775807,-9223372036854775808]`, 0},
		{`{"values":[9223372036854775808,-9223372036854775809,12345678901234567890123]}`, 0},
		{`{"values":[-0,1.5,1e3,1E+3,-2.5e-10,0.000001,100000000000000000000],"count":0}`, 0},
		{`[true,false,null,true,false,null]`, 1 + 1 + 6 + 1},
		{`{"a":{},"b":[],"c":[{}],"d":[[]],"e":""}`, 0},
		{`{"text":"a \u003cb\u003e \"quoted\" back\\slash \/ \b\f\n\r\t \u00e9\u4E2D"}`, 0},
		{`{"company":"汇丰食品股份有限公司","city":"石家庄"}`, 0},
		{"{\"text\":\"\xff\xfe not UTF-8 \xc3\"}", 0},
		{`{"text":"` + long + `"}`, 4 + 3 + len(long)},
		{`{"unknown_key":1,"Id":2,"":3,"\u0069d":4}`, 0},
		{`{"f":{"stage":"won","owner":"ann"},"base":{"hlc":{"wall_ms":1796420947059,"counter":6,"node":"` + uuid + `"},"actor":"ann"},"stamps":{"stage":{"hlc":{"wall_ms":1796420947060,"counter":0,"node":"` + uuid + `"},"actor":"ann"}}}`, 0},
		{strings.Repeat("[", maxDepth) + `"` + uuid + `"` + strings.Repeat("]", maxDepth), 1 + 2*maxDepth + 17},
		{`"2026-12-05T01:57:44.338911252Z"`, 1 + 10},
		{`true`, 2},
		{`123456789`, 0},
	} {
		p := roundTrip(t, []byte(c.in))
		if !Packed(p) || len(p) >= len(c.in) {
			t.Errorf("Pack(%s) not smaller: %d -> %d bytes", c.in, len(c.in), len(p))
		} else if c.size > 0 && len(p) != c.size {
			t.Errorf("Pack(%s) = %d bytes, want %d: % x", c.in, len(p), c.size, p)
		}
	}
}

func TestRepeatedStringsAreReferences(t *testing.T) {
	one := `{"by":"` + uuid + `","at":"2026-12-05T01:57:44.338911252Z","author":"someone"}`
	two := `[` + one + `,` + one + `]`
	p1, p2 := Pack(nil, []byte(one)), roundTrip(t, []byte(two))
	// The second copy: '{', three keys, three references of two bytes, '}'.
	if want := 2*len(p1) - 1 + 2 - (17 + 10 + 8) + 3*2; len(p2) != want {
		t.Errorf("two copies pack to %d bytes, want %d: % x", len(p2), want, p2)
	}
	// Strings of two bytes or less packed are not worth a reference, and
	// only the first 255 strings can be referred to; all still come back.
	var b strings.Builder
	b.WriteString(`["a","a",""`)
	for i := range 300 {
		b.WriteString(`,"s` + strings.Repeat("x", i%40) + `"`)
	}
	b.WriteString(`]`)
	roundTrip(t, []byte(b.String()))
}

func TestUnpackLeavesJSONAsItIs(t *testing.T) {
	for _, v := range []string{"", record, " {} ", "not json at all", "\x00\x01"} {
		got, err := Unpack([]byte("dst:"), []byte(v))
		if err != nil || string(got) != "dst:"+v || Packed([]byte(v)) {
			t.Errorf("Unpack(%q) = %q, %v", v, got, err)
		}
	}
}

// UnpackNew gives each value its own slice of the JSON's exact length,
// from a buffer it reuses, and the error Unpack gives for damage.
func TestUnpackNew(t *testing.T) {
	recs := records(t)
	large := []byte(`{"notes":"` + strings.Repeat("拜访", maxScratch/3) + `"}`) // past the buffer kept
	var kept [][]byte
	for _, r := range append(recs[:min(len(recs), 50)], large, []byte(record)) {
		got, err := UnpackNew(Pack(nil, r))
		if err != nil || !bytes.Equal(got, r) || cap(got) != len(got) {
			t.Fatalf("UnpackNew(Pack(%.40q)) = %.40q (%d bytes, capacity %d), %v", r, got, len(got), cap(got), err)
		}
		kept = append(kept, got)
	}
	for i, r := range append(recs[:min(len(recs), 50)], large, []byte(record)) {
		if !bytes.Equal(kept[i], r) {
			t.Fatalf("value %d changed after later calls: %.40q", i, kept[i])
		}
	}
	if got, err := UnpackNew([]byte(" {} ")); err != nil || string(got) != " {} " {
		t.Fatalf("UnpackNew of JSON not packed = %q, %v", got, err)
	}
	p := Pack(nil, []byte(record))
	if got, err := UnpackNew(p[:len(p)/2]); !errors.Is(err, ErrDamaged) || got != nil {
		t.Fatalf("UnpackNew of half a value = %q, %v; want nil and ErrDamaged", got, err)
	}
}

// UnpackNew called from many goroutines at once (a server's pulls, the
// books of SSH sessions the server keeps open side by side) gives each
// caller its own value's JSON: the buffers it reuses are never shared
// while in use.
// Values of 100 KB keep the copy out long enough for an overlap to show
// without the race detector too.
func TestUnpackNewAtOnce(t *testing.T) {
	const workers, rounds = 4, 150
	vals := make([][]byte, workers)
	packed := make([][]byte, workers)
	for w := range vals {
		vals[w] = []byte(fmt.Sprintf(`{"id":%d,"notes":%q}`, w, strings.Repeat(string(rune('a'+w)), 100_000)))
		packed[w] = Pack(nil, vals[w])
	}
	var wg sync.WaitGroup
	errs := make(chan string, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range rounds {
				got, err := UnpackNew(packed[w])
				if err != nil || !bytes.Equal(got, vals[w]) {
					errs <- fmt.Sprintf("worker %d got %.40q… (%d bytes), %v", w, got, len(got), err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func TestUnpackRefusesDamage(t *testing.T) {
	// Every cut of every record is refused.
	for _, r := range records(t) {
		p := Pack(nil, r)
		for n := 1; n < len(p); n++ {
			if out, err := Unpack(nil, p[:n]); !errors.Is(err, ErrDamaged) {
				t.Fatalf("Unpack of %d of %d bytes: %q, %v", n, len(p), out, err)
			}
		}
	}
	deep := "\x01" + strings.Repeat("\x02", maxDepth+1) + "\x40" + strings.Repeat("\x03", maxDepth+1)
	for _, v := range []string{
		"\x01",
		"\x01\x00",                 // a key's end where a value is due
		"\x01\x03",                 // an array's end outside one
		"\x01\x18",                 // an unused token
		"\x01\x40\x40",             // bytes after the value
		"\x01\x01\xff\x40\x00",     // a key byte beyond the table
		"\x01\x01\x03\x40\x41\x00", // two values for one key
		"\x01\x02\x16\x00\x03",     // a reference to no string
		"\x01\x02\x81a\x16\x01\x03",
		"\x01\x83a\"b", // a quote inside a string
		"\x01\x83a\\q", // an escape JSON has not
		"\x01\x82a\\",  // a backslash that escapes the closing quote
		"\x01\x82a\n",  // a control byte
		"\x01\x01\x01\x02a\"\x40\x00",
		"\x01\x07\x05abc", // a length beyond the end
		"\x01\x07\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7fabc",
		"\x01\x15\x02--", // not a number
		"\x01\x15\x00",   // an empty number
		"\x01\x14\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01",
		"\x01\x09\xff\xff\xff", // a date beyond 9999-12-31
		"\x01\x0a\xff\xff\xff\xff\xff",
		"\x01\x0b\x00\x00\x00\x00\x00\x0a", // a fraction of one digit above 9
		deep,
		"\x01\x17", "\x01\x17{}", // a wrapping of what Pack does not wrap
	} {
		if out, err := Unpack([]byte("dst"), []byte(v)); !errors.Is(err, ErrDamaged) || string(out) != "dst" {
			t.Errorf("Unpack(%q) = %q, %v", v, out, err)
		}
	}
}

// TestUnpackIsBounded: a value of references to one long string is cut
// off at the bound, not written out at 10,000 times its size.
func TestUnpackIsBounded(t *testing.T) {
	long := strings.Repeat("x", 1000)
	v := appendLen([]byte{tag, tArray}, tString, []byte(long))
	for range 5000 { // Pack refers only to short strings; damage to any
		v = append(v, tRef, 0)
	}
	v = append(v, tArrayEnd)
	out, err := Unpack(nil, v)
	if bound := 64*len(v) + 1024; !errors.Is(err, ErrDamaged) || cap(out) > 2*bound {
		t.Fatalf("%d bytes of references unpack into %d bytes, %v", len(v), cap(out), err)
	}
}

// TestUnpackMax: a value whose JSON fits the limit comes back as Unpack
// gives it, dst kept; one that does not is ErrTooLarge, dst as it was,
// having grown its output to about the limit only, whether it is packed,
// wrapped or plain JSON. Damage is still damage.
func TestUnpackMax(t *testing.T) {
	var b strings.Builder
	b.WriteString(`[`)
	for i := range 20_000 { // a string Pack refers back to: 19 times smaller
		if i > 0 {
			b.WriteString(`,`)
		}
		b.WriteString(`"` + uuid + `"`)
	}
	b.WriteString(`]`)
	for _, j := range []string{b.String(), record, "\x01 not json", " {} "} {
		v := Pack(nil, []byte(j))
		if j == b.String() && len(v)*10 > len(j) {
			t.Fatalf("%d bytes of JSON packed to %d; the test wants a bomb", len(j), len(v))
		}
		for _, limit := range []int{0, len(j) / 3, len(j) - 1, len(j), len(j) + 1, 1 << 30} {
			out, err := UnpackMax([]byte("dst"), v, limit)
			switch {
			case limit >= len(j):
				if err != nil || string(out) != "dst"+j {
					t.Fatalf("UnpackMax(%d bytes, %d) of %d bytes of JSON: %.40q, %v", len(v), limit, len(j), out, err)
				}
			case !errors.Is(err, ErrTooLarge) || errors.Is(err, ErrDamaged) || string(out) != "dst":
				t.Fatalf("UnpackMax(%d bytes, %d) of %d bytes of JSON: %.40q, %v", len(v), limit, len(j), out, err)
			case cap(out) > 2*(limit+len(v)+1024):
				t.Fatalf("UnpackMax(%d bytes, %d) grew its output to %d bytes", len(v), limit, cap(out))
			}
		}
	}
	if out, err := UnpackMax(nil, []byte("\x01\x02\x16\x00\x03"), 1<<20); !errors.Is(err, ErrDamaged) || len(out) != 0 {
		t.Fatalf("UnpackMax of damage: %q, %v", out, err)
	}
}

func TestDstIsAppendedTo(t *testing.T) {
	r := []byte(record)
	p := Pack([]byte("head"), r)
	if string(p[:4]) != "head" || !Packed(p[4:]) {
		t.Fatalf("Pack = %q", p)
	}
	got, err := Unpack([]byte("head"), p[4:])
	if err != nil || string(got) != "head"+record {
		t.Fatalf("Unpack = %q, %v", got, err)
	}
	// A reference is found in what this Unpack wrote, not in dst.
	two := []byte(`["` + uuid + `","` + uuid + `"]`)
	got, err = Unpack([]byte(`"ffffffff-ffff-ffff-ffff-ffffffffffff"`), Pack(nil, two))
	if err != nil || !bytes.HasSuffix(got, two) {
		t.Fatalf("Unpack after dst = %q, %v", got, err)
	}
}

func TestNoAllocationsWithRoom(t *testing.T) {
	r := records(t)[0]
	dst, back := make([]byte, 0, 2*len(r)), make([]byte, 0, 2*len(r))
	p := Pack(nil, r)
	if n := testing.AllocsPerRun(100, func() { dst = Pack(dst[:0], r) }); n != 0 {
		t.Errorf("Pack allocates %v times", n)
	}
	if n := testing.AllocsPerRun(100, func() { back, _ = Unpack(back[:0], p) }); n != 0 {
		t.Errorf("Unpack allocates %v times", n)
	}
}

func TestPlainLenMatchesAByteLoop(t *testing.T) {
	for i := range 256 {
		for _, at := range []int{0, 1, 7, 8, 9, 15, 16, 20} {
			s := []byte(strings.Repeat("a\xe4\xb8\xad", 8))
			s[at] = byte(i)
			want := len(s)
			for j, c := range s {
				if c == '"' || c == '\\' || c < 0x20 {
					want = j
					break
				}
			}
			if got := plainLen(s); got != want {
				t.Fatalf("plainLen with %#x at %d = %d, want %d", i, at, got, want)
			}
		}
	}
}
