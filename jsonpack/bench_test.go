package jsonpack

import (
	"bytes"
	"compress/flate"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"regexp"
	"testing"
)

var (
	uuidRE = regexp.MustCompile(`"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"`)
	timeRE = regexp.MustCompile(`"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z"`)

	stringValueRE = regexp.MustCompile(`:"(?:[^"\\]|\\.)*"`)
)

// corpus returns 1,000 records made from testdata's by new ids and times
// (the same one again where the record repeats it), in the demo's mix:
// shape "activity", "lead", "server" (a server record) or "other".
func corpus(b *testing.B, shape string) [][]byte {
	b.Helper()
	recs := records(b)
	rng := rand.New(rand.NewPCG(1, 2))
	var out [][]byte
	for i := 0; len(out) < 1000; i++ {
		r := recs[i%len(recs)]
		if shape != "all" && shapeOf(r) != shape {
			continue
		}
		seen := map[string][]byte{}
		vary := func(m []byte, digits string, from int) []byte {
			if v, ok := seen[string(m)]; ok {
				return v
			}
			v := bytes.Clone(m)
			for j := from; j < len(v)-1; j++ {
				if bytes.IndexByte([]byte(digits), v[j]) >= 0 {
					v[j] = digits[rng.IntN(len(digits))]
				}
			}
			seen[string(m)] = v
			return v
		}
		r = uuidRE.ReplaceAllFunc(r, func(m []byte) []byte { return vary(m, "0123456789abcdef", 25) })
		r = timeRE.ReplaceAllFunc(r, func(m []byte) []byte { return vary(m, "0123456789", 20) })
		out = append(out, r)
	}
	return out
}

func shapeOf(r []byte) string {
	switch {
	case bytes.HasPrefix(r, []byte(`{"f":`)):
		return "server"
	case bytes.Contains(r, []byte(`"revisions":`)):
		return "activity"
	case bytes.Contains(r, []byte(`"stage_log":`)):
		return "lead"
	}
	return "other"
}

var shapes = []string{"activity", "lead", "server", "all"}

// benchEach runs op over each record of the corpus of each shape, and of
// each bucket of $FIELDCRM_JSONPACK_BOOK; an op is one record, given as
// JSON and as enc makes it. It reports the bytes of both and their ratio.
func benchEach(b *testing.B, enc func([]byte) []byte, op func(dst, rec, encoded []byte) []byte) {
	for _, shape := range shapes {
		b.Run(shape, func(b *testing.B) { benchRecords(b, corpus(b, shape), enc, op) })
	}
	for _, bb := range readBook(b) {
		b.Run("book-"+bb.name, func(b *testing.B) { benchRecords(b, bb.recs, enc, op) })
	}
}

func benchRecords(b *testing.B, recs [][]byte, enc func([]byte) []byte, op func(dst, rec, encoded []byte) []byte) {
	if len(recs) == 0 {
		b.Skip("no records")
	}
	encoded := make([][]byte, len(recs))
	in, out := 0, 0
	for i, r := range recs {
		encoded[i] = bytes.Clone(enc(r))
		in, out = in+len(r), out+len(encoded[i])
	}
	b.SetBytes(int64(in / len(recs)))
	dst := make([]byte, 0, 64<<10)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		dst = op(dst[:0], recs[i%len(recs)], encoded[i%len(recs)])
	}
	b.ReportMetric(float64(in)/float64(len(recs)), "B-json/rec")
	b.ReportMetric(float64(out)/float64(len(recs)), "B-stored/rec")
	b.ReportMetric(float64(in)/float64(out), "ratio")
}

func pack(rec []byte) []byte { return Pack(nil, rec) }

// BenchmarkCopy is the reference: the copy that reading or writing a
// record makes anyway.
func BenchmarkCopy(b *testing.B) {
	benchEach(b, pack, func(dst, rec, _ []byte) []byte { return append(dst, rec...) })
}

// BenchmarkValid is a second reference: json.Valid, the scan alone that
// json.Unmarshal makes of a record before it decodes it.
func BenchmarkValid(b *testing.B) {
	benchEach(b, pack, func(dst, rec, _ []byte) []byte {
		if !json.Valid(rec) {
			panic("invalid record")
		}
		return dst
	})
}

func BenchmarkPack(b *testing.B) {
	benchEach(b, pack, func(dst, rec, _ []byte) []byte { return Pack(dst, rec) })
}

func BenchmarkUnpack(b *testing.B) {
	benchEach(b, pack, func(dst, _, packed []byte) []byte {
		dst, err := Unpack(dst, packed)
		if err != nil {
			panic(fmt.Sprint(err))
		}
		return dst
	})
}

// BenchmarkDeflate and BenchmarkInflate are what general compression
// costs instead: deflate at its default level, writer and reader reused,
// with a dictionary of testdata's records' keys and structure (their
// strings emptied: the corpus's texts are testdata's, and a demo book's
// come from a small pool, so a dictionary of texts would flatter it).
// Their B-stored/rec and ratio are deflate's.
func BenchmarkDeflate(b *testing.B) {
	d := newDeflater(b)
	benchEach(b, d.deflate, func(dst, rec, _ []byte) []byte { return d.deflateTo(dst, rec) })
}

func BenchmarkInflate(b *testing.B) {
	d := newDeflater(b)
	r := flate.NewReaderDict(bytes.NewReader(nil), d.dict)
	var src bytes.Reader
	benchEach(b, d.deflate, func(dst, _, deflated []byte) []byte {
		src.Reset(deflated)
		if err := r.(flate.Resetter).Reset(&src, d.dict); err != nil {
			panic(err)
		}
		buf := bytes.NewBuffer(dst)
		if _, err := buf.ReadFrom(r); err != nil {
			panic(err)
		}
		return buf.Bytes()
	})
}

type deflater struct {
	w    *flate.Writer
	dict []byte
}

func newDeflater(b *testing.B) *deflater {
	dict := stringValueRE.ReplaceAll(bytes.Join(records(b), nil), []byte(`:""`))
	w, err := flate.NewWriterDict(nil, flate.DefaultCompression, dict)
	if err != nil {
		b.Fatal(err)
	}
	return &deflater{w: w, dict: dict}
}

func (d *deflater) deflate(rec []byte) []byte { return d.deflateTo(nil, rec) }

func (d *deflater) deflateTo(dst, rec []byte) []byte {
	buf := bytes.NewBuffer(dst)
	d.w.Reset(buf)
	if _, err := d.w.Write(rec); err != nil {
		panic(err)
	}
	if err := d.w.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// BenchmarkUnpackPage unpacks a pull page of 1,000 ops (the "all" mix)
// packed whole, as Pack packs its JSON, and with each op embedded as
// packed on its own (embed.go); it reports the packed bytes.
func BenchmarkUnpackPage(b *testing.B) {
	ops := corpus(b, "all")
	vs := make([][]byte, len(ops))
	for i, op := range ops {
		vs[i] = Pack(nil, op)
	}
	embedded, whole := page(b, vs, ops, 123456, true)
	whole = Pack(nil, whole)
	for _, c := range []struct {
		name string
		v    []byte
	}{{"whole", whole}, {"embedded", embedded}} {
		b.Run(c.name, func(b *testing.B) {
			dst := make([]byte, 0, 4*len(c.v))
			b.ReportAllocs()
			b.ReportMetric(float64(len(c.v)), "packed-bytes")
			for b.Loop() {
				if _, err := Unpack(dst, c.v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
