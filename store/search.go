package store

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	bolt "go.etcd.io/bbolt"
)

// The search index (schema 10): an inverted index of the words of leads
// and activities, kept in the transaction that writes them.
//
//	search/
//	  post/<kind><term>|<first doc>   postings: for each document holding
//	                                  the term, in doc order, a uvarint of
//	                                  (doc - previous doc) << 4 | fields;
//	                                  at most postingsPerChunk a key
//	  doc/<doc>                       kind, id, and for an activity its
//	                                  lead's id (ids packed: appendID)
//	  id/<packed record id>           its doc (4 bytes)
//	  time/<doc / 512>                the times of 512 docs, 8 bytes each
//	                                  (Unix ms, big-endian), so ranking by
//	                                  recency reads a page per 512 docs,
//	                                  not the doc of every hit
//	  hidden/<packed lead id>         empty: a lead in the trash, whose
//	                                  activities no search lists
//
// A doc is a 4-byte big-endian number given to a record when it is first
// indexed, so postings are small deltas: a posting costs one or two bytes.
// kind is 'l' for leads and 'a' for activities, so a search of leads only
// (the palette) never reads the postings of the notes. fields is a bit per
// field the term was found in (searchCompany...). Postings are written at
// the end of the transaction, sorted by term (searchPending), so a bulk
// load rewrites each chunk once, not once per record.
var (
	bucketSearch = []byte("search")
	searchPost   = []byte("post")
	searchDocs   = []byte("doc")
	searchIDs    = []byte("id")
	searchTimes  = []byte("time")
	searchHidden = []byte("hidden")
)

// docsPerTimeBlock is how many docs' times one time/ value holds.
const docsPerTimeBlock = 512

// The fields a term can be found in, one bit each, and their weights in
// the ranking: a word in the company name counts more than one in a
// contact, a place or tag, or the notes.
const (
	searchCompany uint8 = 1 << iota
	searchContacts
	searchPlace // city, region, tags
	searchNotes // lead: address, industry, contact notes; activity: notes, outcome, feedback, next step, contact

	searchAllFields = searchCompany | searchContacts | searchPlace | searchNotes
)

var searchWeights = [...]struct {
	field  uint8
	weight int
	name   string
}{
	{searchCompany, 8, "company"},
	{searchContacts, 4, "contacts"},
	{searchPlace, 2, "place"},
	{searchNotes, 1, "notes"},
}

// postingsPerChunk bounds a posting list's chunk: a write rewrites one
// chunk per term, a few hundred bytes.
const postingsPerChunk = 128

// Document kinds in keys.
const (
	kindLead     = 'l'
	kindActivity = 'a'
)

// searchDoc is what the index holds of one record.
type searchDoc struct {
	kind  byte
	id    string
	lead  string // an activity's lead
	at    time.Time
	terms []docTerm // in the order cut, a term once per field it is in
}

// docTerm is a term of a record and the fields it is in.
type docTerm struct {
	term   string
	fields uint8
}

// sortTerms sorts terms and merges repeats: a slice sorts a record's few
// dozen terms faster than a map collects them.
func sortTerms(terms []docTerm) []docTerm {
	slices.SortFunc(terms, func(a, b docTerm) int { return strings.Compare(a.term, b.term) })
	out := terms[:0]
	for _, t := range terms {
		if n := len(out); n > 0 && out[n-1].term == t.term {
			out[n-1].fields |= t.fields
			continue
		}
		out = append(out, t)
	}
	return out
}

// searchDocOf returns the index's view of an entity; nil when the entity
// is not searched (not a lead or activity, deleted, or without an id).
// Its terms go into buf (emptied first) when it has room: a bulk load
// reuses one buffer for every record instead of allocating a list each.
func searchDocOf(v any, buf []docTerm) *searchDoc {
	d := searchHead(v)
	if d != nil {
		fillTerms(d, v, buf)
	}
	return d
}

// fillTerms cuts the texts of v, whose doc d is, into d.terms, in buf
// when it has room.
func fillTerms(d *searchDoc, v any, buf []docTerm) {
	n := 32
	if a, ok := v.(*model.Activity); ok {
		n = 16 + len(a.Notes())/4 // about a term per 4 bytes of notes: grown once
	}
	d.terms = termsBuf(buf, n)
	eachSearchText(v, func(field uint8, text string, term bool) { d.terms = appendTerms(d.terms, field, text, term) })
}

// searchHead is searchDocOf without the terms.
func searchHead(v any) *searchDoc {
	switch e := v.(type) {
	case *model.Lead:
		if e == nil || e.Deleted || e.ID == "" {
			return nil
		}
		return &searchDoc{kind: kindLead, id: e.ID, lead: e.ID, at: e.UpdatedAt}
	case *model.Activity:
		if e == nil || e.Deleted || e.ID == "" {
			return nil
		}
		return &searchDoc{kind: kindActivity, id: e.ID, lead: e.LeadID, at: e.StartedAt}
	}
	return nil
}

// eachSearchText calls fn with each text of a searched entity and the
// field it is in; term says the text is a term already (a phone number's
// digits), not text to cut into terms.
func eachSearchText(v any, fn func(field uint8, text string, term bool)) {
	switch e := v.(type) {
	case *model.Lead:
		fn(searchCompany, e.Company, false)
		for _, c := range e.Contacts {
			fn(searchContacts, c.Name, false)
			fn(searchContacts, c.Phone, false)
			fn(searchContacts, c.Email, false)
			for _, p := range []string{digits(c.Phone), phoneKey(c.Phone)} {
				if len(p) >= 3 {
					fn(searchContacts, capTerm(p), true)
				}
			}
			fn(searchNotes, c.Notes, false)
		}
		fn(searchPlace, e.City, false)
		fn(searchPlace, e.Region, false)
		for _, tag := range e.Tags {
			fn(searchPlace, tag, false)
		}
		fn(searchNotes, e.Address, false)
		fn(searchNotes, e.Industry, false)
	case *model.Activity:
		for _, s := range [...]string{e.Notes(), e.Outcome, e.Feedback, e.NextStep, e.Contact} {
			fn(searchNotes, s, false)
		}
	}
}

// appendTerms appends the terms of one text in field to terms.
func appendTerms(terms []docTerm, field uint8, text string, term bool) []docTerm {
	if term {
		return append(terms, docTerm{text, field})
	}
	cutTerms(text, false, func(t string, _ bool) { terms = append(terms, docTerm{t, field}) })
	return terms
}

// termsBuf returns buf emptied, or a new list when buf has less room
// than n.
func termsBuf(buf []docTerm, n int) []docTerm {
	if cap(buf) >= n {
		return buf[:0]
	}
	return make([]docTerm, 0, max(n, 2*cap(buf)))
}

func (d *searchDoc) value() []byte {
	b := append(make([]byte, 0, 35), d.kind)
	b = appendID(b, d.id)
	if d.kind == kindActivity {
		b = appendID(b, d.lead)
	}
	return b
}

// decodeSearchDoc reads a doc/ value (terms and time not included).
func decodeSearchDoc(v []byte) (searchDoc, bool) {
	if len(v) < 1 {
		return searchDoc{}, false
	}
	d := searchDoc{kind: v[0]}
	id, rest, ok := cutID(v[1:])
	if !ok {
		return d, false
	}
	d.id, d.lead = id, id
	if d.kind == kindActivity {
		if d.lead, _, ok = cutID(rest); !ok {
			return d, false
		}
	}
	return d, true
}

// Ids in the index are mostly UUIDs: 16 bytes after a 1, where their text
// takes 36. Any other id is a 0, its length and its bytes.
func appendID(b []byte, id string) []byte { return model.AppendPackedID(b, id) }

func packID(id string) []byte { return appendID(nil, id) }

// cutID reads an id written by appendID and returns what follows it.
func cutID(b []byte) (id string, rest []byte, ok bool) { return model.CutPackedID(b) }

// packedLead is the packed lead id of an activity's doc/ value.
func packedLead(v []byte) []byte {
	if len(v) < 1 || v[0] != kindActivity {
		return nil
	}
	b := v[1:]
	switch {
	case len(b) >= 17 && b[0] == 1:
		return b[17:]
	case len(b) >= 2 && b[0] == 0 && len(b) >= 2+int(b[1]):
		return b[2+int(b[1]):]
	}
	return nil
}

// searchPending is the postings a transaction changes, applied in term
// order by flushSearch.
type searchPending struct {
	names []string            // <kind><term> of each list
	ids   [2]map[string]int32 // lead, activity: term -> index in names
	ops   [][]postingOp       // by index in names, in the order made
	times map[uint32]int64    // doc -> its time in Unix ms
	// The term lists of the record before and after the change being
	// indexed, kept for the next: their terms are copied into names.
	was, cur []docTerm
	// newIDs holds the id/ entries of a build from nothing (buildSearch),
	// put in key order by flushSearch: the build meets leads and then
	// activities, whose ids fall between the leads', and bbolt keeps a
	// bucket's new keys in one node until the commit, so a key put in the
	// middle moves all those after it.
	newIDs []heldEntry
	build  bool
	// ready is the doc of a record made ahead of the transaction
	// (PulledOp), for indexSearch to take instead of cutting its text
	// into terms again.
	ready readyDoc
	// newDocs counts the records new to the index whose terms were cut
	// here; past bulkDocs, cutter cuts the rest (searchcut.go).
	newDocs int
	cutter  *searchCutter
}

// readyDoc is searchDocOf(v), made before v reached the transaction.
type readyDoc struct {
	v   any
	doc *searchDoc
}

// offerSearchDoc gives indexSearch the doc of v made ahead, for the next
// change it indexes; withdrawSearchDoc takes it back if it was not used.
func (t *Tx) offerSearchDoc(v any, doc *searchDoc) {
	if t.search == nil {
		t.search = newSearchPending()
	}
	t.search.ready = readyDoc{v, doc}
}

func (t *Tx) withdrawSearchDoc() {
	if t.search != nil {
		t.search.ready = readyDoc{}
	}
}

type postingOp struct {
	doc    uint32
	fields uint8 // 0 removes the posting
}

func newSearchPending() *searchPending {
	return &searchPending{ids: [2]map[string]int32{{}, {}}, times: map[uint32]int64{}}
}

// add sets the posting of doc in term's list to fields (0: none).
func (p *searchPending) add(kind byte, term string, doc uint32, fields uint8) {
	p.put(kind, term, doc, fields, false)
}

// addNew adds a posting of a doc numbered in this call: a term found in
// two fields of the record is one posting with both.
func (p *searchPending) addNew(kind byte, term string, doc uint32, fields uint8) {
	p.put(kind, term, doc, fields, true)
}

func (p *searchPending) put(kind byte, term string, doc uint32, fields uint8, merge bool) {
	m := p.ids[0]
	if kind == kindActivity {
		m = p.ids[1]
	}
	n, ok := m[term]
	if !ok {
		n = int32(len(p.names))
		name := string(kind) + term
		p.names = append(p.names, name)
		p.ops = append(p.ops, nil)
		m[name[1:]] = n // not term, which would keep its record's whole text
	}
	list := p.ops[n]
	if k := len(list) - 1; merge && k >= 0 && list[k].doc == doc {
		// The same term in another field of the record just added.
		list[k].fields |= fields
		return
	}
	p.ops[n] = append(list, postingOp{doc, fields})
}

// indexSearch keeps the search index in step with a record changing from
// before to after (typed entities; nil for none). Reindex calls it, so
// every write path (local, pulled, merged, trashed, restored, removed)
// passes here.
func (t *Tx) indexSearch(before, after any) error {
	ids := t.bucket(bucketSearch, searchIDs)
	if ids == nil {
		return nil // an older schema being migrated: migration 10 builds it all
	}
	if err := t.hideLead(before, after); err != nil {
		return err
	}
	if t.search == nil {
		t.search = newSearchPending()
	}
	p := t.search
	cur, ready := p.ready.doc, after != nil && p.ready.v == after
	p.ready = readyDoc{}
	if !ready {
		cur = searchHead(after) // its terms are cut where they are wanted
	}
	if kept, err := t.keepSearchTerms(ids, before, after, cur); kept || err != nil {
		return err
	}
	old := searchDocOf(before, p.was)
	// The lists (grown or not) serve the next record: nothing keeps a term
	// of them past this call but the copies in p.names.
	if old != nil {
		p.was = old.terms[:0]
	}
	cutCur := func() {
		if !ready {
			fillTerms(cur, after, p.cur)
			p.cur = cur.terms[:0]
		}
	}
	if old == nil && cur == nil {
		return nil
	}
	if old != nil && cur != nil && old.id != cur.id {
		if err := t.indexSearch(before, nil); err != nil {
			return err
		}
		old = nil
	}
	ref := old
	if ref == nil {
		ref = cur
	}
	docs := t.bucket(bucketSearch, searchDocs)
	raw := ids.Get(packID(ref.id))
	if raw == nil {
		if cur == nil {
			return nil
		}
		seq, err := docs.NextSequence()
		if err != nil {
			return err
		}
		if seq > 1<<32-1 {
			return errors.New("the search index is full: rebuild it with 'fieldcrm doctor --repair'")
		}
		doc := uint32(seq)
		if t.search.build {
			t.search.newIDs = append(t.search.newIDs, heldEntry{key: packID(cur.id), value: be32(doc)})
		} else if err := ids.Put(packID(cur.id), be32(doc)); err != nil {
			return err
		}
		if err := docs.Put(be32(doc), cur.value()); err != nil {
			return err
		}
		t.search.times[doc] = cur.at.UnixMilli()
		if !ready && t.cutAside() {
			t.search.cutter.add(doc, cur.kind, after)
			return nil
		}
		cutCur()
		for _, dt := range cur.terms {
			t.search.addNew(cur.kind, dt.term, doc, dt.fields)
		}
		return nil
	}
	doc := binary.BigEndian.Uint32(raw)
	if cur == nil {
		for _, dt := range old.terms {
			t.search.add(old.kind, dt.term, doc, 0)
		}
		if err := docs.Delete(be32(doc)); err != nil {
			return err
		}
		return ids.Delete(packID(old.id))
	}
	var was []docTerm
	if old != nil {
		was = sortTerms(old.terms)
	}
	cutCur()
	cur.terms = sortTerms(cur.terms)
	// Both lists are sorted: walk them side by side.
	i, j := 0, 0
	for i < len(was) || j < len(cur.terms) {
		switch {
		case j == len(cur.terms) || i < len(was) && was[i].term < cur.terms[j].term:
			t.search.add(cur.kind, was[i].term, doc, 0)
			i++
		case i == len(was) || cur.terms[j].term < was[i].term:
			t.search.add(cur.kind, cur.terms[j].term, doc, cur.terms[j].fields)
			j++
		default:
			if was[i].fields != cur.terms[j].fields {
				t.search.add(cur.kind, cur.terms[j].term, doc, cur.terms[j].fields)
			}
			i++
			j++
		}
	}
	return t.refreshSearchDoc(docs, doc, old, cur)
}

// refreshSearchDoc brings doc, indexed as old (nil for none) and now cur,
// up to date in the index but for its terms: its time and its doc/ value.
func (t *Tx) refreshSearchDoc(docs *bolt.Bucket, doc uint32, old, cur *searchDoc) error {
	if old == nil || !old.at.Equal(cur.at) {
		t.search.times[doc] = cur.at.UnixMilli()
	}
	if v := cur.value(); !bytes.Equal(docs.Get(be32(doc)), v) {
		return docs.Put(be32(doc), v)
	}
	return nil
}

// keepSearchTerms handles a change that leaves a record's texts as they
// were, as a stage move or a follow-up does: its terms and postings stay,
// and only the doc's time and value are brought up to date, with no text
// cut. It says whether the change was of that kind and is handled; ids
// is the index's id/ bucket.
//
// Cutting both versions' texts to find no difference took 40 us of a stage
// move's 1.25 ms (BenchmarkBookMoveLead, 7f128b1's demo book).
func (t *Tx) keepSearchTerms(ids *bolt.Bucket, before, after any, cur *searchDoc) (bool, error) {
	old := searchHead(before)
	if old == nil || cur == nil || old.id != cur.id || !sameSearchText(before, after) {
		return false, nil
	}
	raw := ids.Get(packID(cur.id))
	if raw == nil {
		return false, nil // not indexed yet: the full path indexes it
	}
	doc := binary.BigEndian.Uint32(raw)
	return true, t.refreshSearchDoc(t.bucket(bucketSearch, searchDocs), doc, old, cur)
}

// sameSearchText says whether a and b hold the same texts in the same
// fields, as eachSearchText gives them.
func sameSearchText(a, b any) bool {
	type text struct {
		field uint8
		text  string
		term  bool
	}
	var buf [24]text
	texts := buf[:0]
	eachSearchText(a, func(field uint8, s string, term bool) { texts = append(texts, text{field, s, term}) })
	i, same := 0, true
	eachSearchText(b, func(field uint8, s string, term bool) {
		same = same && i < len(texts) && texts[i] == text{field, s, term}
		i++
	})
	return same && i == len(texts)
}

// hideLead keeps the list of leads in the trash: a lead record that is
// deleted. Their activities stay indexed, and a search leaves them out.
func (t *Tx) hideLead(before, after any) error {
	var id string
	var deleted bool
	switch {
	case after != nil:
		l, ok := after.(*model.Lead)
		if !ok {
			return nil
		}
		id, deleted = l.ID, l.Deleted
	case before != nil:
		l, ok := before.(*model.Lead)
		if !ok {
			return nil
		}
		id = l.ID
	}
	if id == "" {
		return nil
	}
	hidden := t.bucket(bucketSearch, searchHidden)
	if deleted {
		return hidden.Put(packID(id), nil)
	}
	return hidden.Delete(packID(id))
}

func be32(n uint32) []byte { return binary.BigEndian.AppendUint32(nil, n) }

// flushSearch writes the pending postings, term by term in key order.
// Store.Update calls it before committing, and every search calls it first.
func (t *Tx) flushSearch() error {
	p := t.search
	if p == nil {
		return nil
	}
	t.search = nil
	var cut *searchPending // the postings of records cut aside, first
	if p.cutter != nil {
		cut = p.cutter.finish()
		p.cutter = nil
	}
	if err := t.putTimes(p.times); err != nil {
		return err
	}
	if len(p.newIDs) > 0 {
		slices.SortFunc(p.newIDs, func(a, b heldEntry) int { return bytes.Compare(a.key, b.key) })
		ids := t.bucket(bucketSearch, searchIDs)
		for _, e := range p.newIDs {
			if err := ids.Put(e.key, e.value); err != nil {
				return err
			}
		}
	}
	if cut != nil {
		if err := t.writePostings(cut); err != nil {
			return err
		}
	}
	return t.writePostings(p)
}

// writePostings applies p's postings to their lists, term by term in key
// order.
func (t *Tx) writePostings(p *searchPending) error {
	order := make([]int, len(p.names))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return strings.Compare(p.names[a], p.names[b]) })
	post := t.bucket(bucketSearch, searchPost)
	for _, n := range order {
		ops := p.ops[n]
		// New records take growing docs, so a list is mostly in order
		// already; a stable sort keeps the later of two ops on one doc last.
		if !slices.IsSortedFunc(ops, cmpOpDoc) {
			slices.SortStableFunc(ops, cmpOpDoc)
		}
		if err := applyPostings(post, p.names[n], ops); err != nil {
			return err
		}
	}
	return nil
}

// putTimes writes docs' times into their time/ blocks, each block once.
func (t *Tx) putTimes(times map[uint32]int64) error {
	if len(times) == 0 {
		return nil
	}
	docs := slices.Sorted(maps.Keys(times))
	b := t.bucket(bucketSearch, searchTimes)
	for i := 0; i < len(docs); {
		block := docs[i] / docsPerTimeBlock
		v := make([]byte, 8*docsPerTimeBlock)
		copy(v, b.Get(be32(block)))
		for ; i < len(docs) && docs[i]/docsPerTimeBlock == block; i++ {
			binary.BigEndian.PutUint64(v[8*(docs[i]%docsPerTimeBlock):], uint64(times[docs[i]]))
		}
		if err := b.Put(be32(block), v); err != nil {
			return err
		}
	}
	return nil
}

func cmpOpDoc(a, b postingOp) int { return cmp.Compare(a.doc, b.doc) }

// posting is one document holding a term.
type posting struct {
	doc    uint32
	fields uint8
}

// applyPostings applies ops (sorted by doc, then in the order made) to the
// chunks of one term.
func applyPostings(post *bolt.Bucket, term string, ops []postingOp) error {
	prefix := append([]byte(term), 0)
	for i := 0; i < len(ops); {
		// The chunk that holds ops[i].doc: the last starting at or before
		// it, or else the term's first.
		c := post.Cursor()
		k, v := c.Seek(append(slices.Clip(prefix), be32(ops[i].doc)...))
		if k == nil || !bytes.HasPrefix(k, prefix) || binary.BigEndian.Uint32(k[len(prefix):]) != ops[i].doc {
			if k == nil {
				k, v = c.Last()
			} else {
				k, v = c.Prev()
			}
			if k == nil || !bytes.HasPrefix(k, prefix) {
				k, v = c.Seek(prefix)
				if k != nil && !bytes.HasPrefix(k, prefix) {
					k = nil
				}
			}
		}
		var list []posting
		var oldKey []byte
		limit := uint64(1) << 32
		if k != nil {
			oldKey = clone(k)
			var err error
			if list, err = decodePostings(binary.BigEndian.Uint32(k[len(prefix):]), v); err != nil {
				return fmt.Errorf("search index %q: %w", term, err)
			}
			if nk, _ := c.Next(); nk != nil && bytes.HasPrefix(nk, prefix) {
				limit = uint64(binary.BigEndian.Uint32(nk[len(prefix):]))
			}
		}
		j := i
		for j < len(ops) && uint64(ops[j].doc) < limit {
			j++
		}
		list = mergePostings(list, ops[i:j])
		i = j
		if oldKey != nil && (len(list) == 0 || !bytes.Equal(oldKey[len(prefix):], be32(list[0].doc))) {
			// The chunk is gone or starts at another doc; else the Put
			// below replaces it in place.
			if err := post.Delete(oldKey); err != nil {
				return err
			}
		}
		for len(list) > 0 {
			n := min(len(list), postingsPerChunk)
			key := append(slices.Clip(prefix), be32(list[0].doc)...)
			if err := post.Put(key, encodePostings(list[:n])); err != nil {
				return err
			}
			list = list[n:]
		}
	}
	return nil
}

// mergePostings applies ops (sorted by doc, later ones winning) to list.
func mergePostings(list []posting, ops []postingOp) []posting {
	out := make([]posting, 0, len(list)+len(ops))
	i := 0
	for k := 0; k < len(ops); {
		d := ops[k].doc
		for k+1 < len(ops) && ops[k+1].doc == d {
			k++
		}
		for i < len(list) && list[i].doc < d {
			out = append(out, list[i])
			i++
		}
		if i < len(list) && list[i].doc == d {
			i++
		}
		if f := ops[k].fields; f != 0 {
			out = append(out, posting{d, f})
		}
		k++
	}
	return append(out, list[i:]...)
}

func encodePostings(list []posting) []byte {
	b := make([]byte, 0, 2*len(list))
	prev := list[0].doc
	for _, p := range list {
		b = binary.AppendUvarint(b, uint64(p.doc-prev)<<4|uint64(p.fields&0xf))
		prev = p.doc
	}
	return b
}

func decodePostings(first uint32, v []byte) ([]posting, error) {
	out := make([]posting, 0, len(v)/2)
	err := eachPosting(first, v, func(doc uint32, f uint8) { out = append(out, posting{doc, f}) })
	return out, err
}

// eachPosting calls fn for every posting of a chunk.
func eachPosting(first uint32, v []byte, fn func(doc uint32, fields uint8)) error {
	doc := first
	for len(v) > 0 {
		x, n := binary.Uvarint(v)
		if n <= 0 {
			return fmt.Errorf("%w: a posting does not decode", errCorrupt)
		}
		v = v[n:]
		doc += uint32(x >> 4)
		fn(doc, uint8(x&0xf))
	}
	return nil
}

// buildSearch is the repair path: it indexes every lead and activity
// again, from nothing.
func buildSearch(btx *bolt.Tx) error { return buildSearchProgress(btx, nil) }

// buildSearchProgress is migration 10: buildSearch telling progress (when
// not nil) how many records it has indexed, now and then, of how many.
func buildSearchProgress(btx *bolt.Tx, progress func(done, total int)) error {
	if btx.Bucket(bucketSearch) != nil {
		if err := btx.DeleteBucket(bucketSearch); err != nil {
			return err
		}
	}
	root, err := btx.CreateBucket(bucketSearch)
	if err != nil {
		return err
	}
	for _, name := range [][]byte{searchPost, searchDocs, searchIDs, searchTimes, searchHidden} {
		if _, err := root.CreateBucket(name); err != nil {
			return err
		}
	}
	// Each record is met once, so none is looked up in id/ before the
	// flush puts them all.
	t := &Tx{tx: btx, search: newSearchPending()}
	t.search.build = true
	total, n := 0, 0
	if progress != nil {
		for _, typ := range []string{model.TypeLead, model.TypeActivity} {
			if b := btx.Bucket(entityBucket[typ]); b != nil {
				total += b.Stats().KeyN
			}
		}
	}
	for _, typ := range []string{model.TypeLead, model.TypeActivity} {
		b := btx.Bucket(entityBucket[typ])
		if b == nil {
			continue
		}
		err := b.ForEach(func(k, v []byte) error {
			e, err := decodeEntity(typ, v)
			if err != nil || e == nil {
				return nil // a corrupt record is not searched
			}
			if err := t.indexSearch(nil, e); err != nil {
				return err
			}
			// The postings are written once, at the end: bbolt splits a
			// page only when the transaction commits, so postings put
			// between those already written move them all along, again
			// and again, where written once in key order each goes last.
			if n++; progress != nil && n%5000 == 0 {
				progress(n, total)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	if err := t.flushSearch(); err != nil {
		return err
	}
	packSearch(btx, true)
	if progress != nil {
		progress(total, total)
	}
	return nil
}

// packSearch fills to the brim the pages of the index's buckets whose keys
// a bulk load appends in order: the docs, the ids (time-ordered) and the
// times; and, when the whole index was built in this transaction, the
// postings, each key put once in key order into an empty bucket. Call it
// just before the commit: Tx.bucket resets a bucket's fill.
func packSearch(btx *bolt.Tx, built bool) {
	root := btx.Bucket(bucketSearch)
	if root == nil {
		return
	}
	names := [][]byte{searchDocs, searchIDs, searchTimes}
	if built {
		names = append(names, searchPost)
	}
	for _, name := range names {
		if b := root.Bucket(name); b != nil {
			b.FillPercent = bulkFill
		}
	}
}
