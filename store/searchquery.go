package store

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	bolt "go.etcd.io/bbolt"
)

// ErrNoSearchWords is returned for a search with nothing to look for
// (empty, or only punctuation).
var ErrNoSearchWords = errors.New("nothing to search for: give a word, a name or a number")

// maxSearchTerms bounds the terms of one query (a long Chinese sentence
// gives one per character pair).
const maxSearchTerms = 64

// SearchOptions says what a search looks at.
type SearchOptions struct {
	Leads      bool // search leads
	Activities bool // search activities; neither: both
	Limit      int  // the best this many; zero: all
}

// SearchHit is a record found by Search. Hits are ranked by Score, then
// the newer first: Score adds, for each term of the query, the weight of
// the best field it was found in (company 8, contacts 4, city, region and
// tags 2, notes 1).
type SearchHit struct {
	Type   string    `json:"type"` // model.TypeLead or model.TypeActivity
	ID     string    `json:"id"`
	LeadID string    `json:"lead_id"`
	Score  int       `json:"score"`
	Fields []string  `json:"fields"` // where the words were found: company, contacts, place, notes
	At     time.Time `json:"at"`     // a lead's last change, an activity's start
}

// hitDoc is a candidate while a search runs; v is its doc/ value once
// read (see value), valid in the transaction.
type hitDoc struct {
	doc    uint32
	score  uint16
	fields uint8
	at     int64
	v      []byte
}

func (h *hitDoc) hit(docs *bolt.Bucket) SearchHit {
	d, _ := decodeSearchDoc(h.value(docs))
	out := SearchHit{ID: d.id, LeadID: d.lead, Score: int(h.score), At: time.UnixMilli(h.at).UTC()}
	out.Type = model.TypeLead
	if d.kind == kindActivity {
		out.Type = model.TypeActivity
	}
	for _, w := range searchWeights {
		if h.fields&w.field != 0 {
			out.Fields = append(out.Fields, w.name)
		}
	}
	return out
}

// value reads the hit's doc/ value once.
func (h *hitDoc) value(docs *bolt.Bucket) []byte {
	if h.v == nil {
		h.v = docs.Get(be32(h.doc))
	}
	return h.v
}

// rankBefore orders hits best first: score, then newer, then doc.
func rankBefore(a, b *hitDoc) bool {
	if a.score != b.score {
		return a.score > b.score
	}
	if a.at != b.at {
		return a.at > b.at
	}
	return a.doc > b.doc
}

// Search finds the leads and activities holding every word of text, best
// first, and how many there are in all. Activities of leads in the trash
// are left out, as the trash hides them everywhere.
func (t *Tx) Search(text string, o SearchOptions) ([]SearchHit, int, error) {
	cands, err := t.searchCandidates(text, o)
	if err != nil {
		return nil, 0, err
	}
	var top []*hitDoc
	if o.Limit <= 0 || len(cands) <= o.Limit {
		top = make([]*hitDoc, len(cands))
		for i := range cands {
			top[i] = &cands[i]
		}
		slices.SortFunc(top, func(a, b *hitDoc) int { return cmpRank(a, b) })
	} else {
		// The best o.Limit, kept sorted: most candidates lose to the last.
		top = make([]*hitDoc, 0, o.Limit+1)
		for i := range cands {
			h := &cands[i]
			if len(top) == o.Limit && !rankBefore(h, top[len(top)-1]) {
				continue
			}
			at, _ := slices.BinarySearchFunc(top, h, cmpRank)
			top = slices.Insert(top, at, h)
			if len(top) > o.Limit {
				top = top[:o.Limit]
			}
		}
	}
	out := make([]SearchHit, len(top))
	docs := t.bucket(bucketSearch, searchDocs)
	for i, h := range top {
		out[i] = h.hit(docs)
	}
	return out, len(cands), nil
}

func cmpRank(a, b *hitDoc) int {
	switch {
	case rankBefore(a, b):
		return -1
	case rankBefore(b, a):
		return 1
	}
	return 0
}

// SearchActivities returns the activities holding every word of text that
// pass f, newest first, as Activities does without the words: the visit
// log's filter.
func (t *Tx) SearchActivities(text string, f ActivityFilter) ([]model.Activity, error) {
	cands, err := t.searchCandidates(text, SearchOptions{Activities: true})
	if err != nil {
		return nil, err
	}
	sortNewest(cands)
	docs := t.bucket(bucketSearch, searchDocs)
	var out []model.Activity
	for _, h := range cands {
		if !f.From.IsZero() && h.at < f.From.UnixMilli() || !f.To.IsZero() && h.at >= f.To.UnixMilli() {
			continue
		}
		d, _ := decodeSearchDoc(h.value(docs))
		if f.LeadID != "" && d.lead != f.LeadID {
			continue
		}
		full, err := t.takeActivity(&out, d.id, f)
		if err != nil {
			return nil, err
		}
		if full {
			break
		}
	}
	return out, nil
}

// sortNewest orders candidates newest first.
func sortNewest(cands []hitDoc) {
	slices.SortFunc(cands, func(a, b hitDoc) int {
		if c := cmp.Compare(b.at, a.at); c != 0 {
			return c
		}
		return cmp.Compare(b.doc, a.doc)
	})
}

// SearchLeadIDs returns the ids of the live leads holding every word of
// text, best first, at most limit (all when limit <= 0): the palette's
// query.
func (t *Tx) SearchLeadIDs(text string, limit int) ([]string, error) {
	hits, _, err := t.Search(text, SearchOptions{Leads: true, Limit: limit})
	ids := make([]string, len(hits))
	for i, h := range hits {
		ids[i] = h.ID
	}
	return ids, err
}

// searchCandidates returns every record matching text, unranked.
func (t *Tx) searchCandidates(text string, o SearchOptions) ([]hitDoc, error) {
	terms, post, docs, err := t.searchIndex(text)
	if err != nil {
		return nil, err
	}
	var kinds []byte
	if o.Leads || !o.Activities {
		kinds = append(kinds, kindLead)
	}
	if o.Activities || !o.Leads {
		kinds = append(kinds, kindActivity)
	}
	n := docs.Sequence() + 1
	count := make([]uint8, n)  // terms matched so far
	best := make([]uint8, n)   // weight of the best field of the current term
	score := make([]uint16, n) // sum of the best weights
	fields := make([]uint8, n)
	c := post.Cursor()
	for i, q := range terms {
		for _, kind := range kinds {
			err := eachTermPosting(c, kind, q, func(doc uint32, f uint8) {
				if uint64(doc) >= n || int(count[doc]) < i || int(count[doc]) > i+1 {
					return
				}
				w := weightOf(f)
				if int(count[doc]) == i {
					count[doc]++
					best[doc] = w
					score[doc] += uint16(w)
				} else if w > best[doc] {
					score[doc] += uint16(w - best[doc])
					best[doc] = w
				}
				fields[doc] |= f
			})
			if err != nil {
				return nil, fmt.Errorf("search index: %w", err)
			}
		}
	}
	want := uint8(len(terms))
	// Leads in the trash are few: read them once, not a lead per hit.
	hidden := map[string]bool{}
	err = t.bucket(bucketSearch, searchHidden).ForEach(func(k, _ []byte) error {
		hidden[string(k)] = true
		return nil
	})
	if err != nil {
		return nil, err
	}
	times := t.bucket(bucketSearch, searchTimes)
	var block []byte
	blockNo := ^uint32(0)
	var out []hitDoc
	for d := range count {
		if count[d] != want {
			continue
		}
		h := hitDoc{doc: uint32(d), score: score[d], fields: fields[d]}
		if len(hidden) > 0 {
			if h.v = docs.Get(be32(h.doc)); h.v == nil || hiddenLead(h.v, hidden) {
				continue
			}
		}
		if b := h.doc / docsPerTimeBlock; b != blockNo {
			blockNo, block = b, times.Get(be32(b))
		}
		if off := 8 * int(h.doc%docsPerTimeBlock); off+8 <= len(block) {
			h.at = int64(binary.BigEndian.Uint64(block[off:]))
		}
		out = append(out, h)
	}
	return out, nil
}

// hiddenLead reports whether doc value v is an activity of a lead in the
// trash (hidden holds packed ids).
func hiddenLead(v []byte, hidden map[string]bool) bool {
	lead := packedLead(v)
	return lead != nil && hidden[string(lead)]
}

// weightOf is the weight of the best field in f.
func weightOf(f uint8) uint8 {
	for _, w := range searchWeights {
		if f&w.field != 0 {
			return uint8(w.weight)
		}
	}
	return 0
}

// ActivityDocs returns the id of every activity in the search index by
// its number there ("" for a number that is not an activity), for a screen
// that holds its rows and filters them by SearchActivityDocs on every
// keystroke: numbers, unlike ids, need no read of the index's doc table
// per hit. A number stays with its activity until the index is rebuilt
// ('fieldcrm doctor --repair'), so read this again with the rows.
func (t *Tx) ActivityDocs() ([]string, error) {
	docs := t.bucket(bucketSearch, searchDocs)
	if docs == nil {
		return nil, errNoSearchIndex
	}
	out := make([]string, docs.Sequence()+1)
	err := docs.ForEach(func(k, v []byte) error {
		if len(k) != 4 || len(v) == 0 || v[0] != kindActivity {
			return nil
		}
		if d, ok := decodeSearchDoc(v); ok {
			if n := binary.BigEndian.Uint32(k); int(n) < len(out) {
				out[n] = d.id
			}
		}
		return nil
	})
	return out, err
}

// SearchActivityDocs returns the numbers (see ActivityDocs) of the
// activities holding every word of text, in number order. It reads only
// the postings: activities of leads in the trash are not left out, as
// the rows they filter leave them out already.
func (t *Tx) SearchActivityDocs(text string) ([]uint32, error) {
	terms, post, docs, err := t.searchIndex(text)
	if err != nil {
		return nil, err
	}
	// count[doc] is how many terms so far the doc holds; a doc is
	// counted once per term however many of its terms start with it.
	count := make([]uint8, docs.Sequence()+1)
	c := post.Cursor()
	for i, q := range terms {
		err := eachTermPosting(c, kindActivity, q, func(doc uint32, _ uint8) {
			if int(doc) < len(count) && int(count[doc]) == i {
				count[doc]++
			}
		})
		if err != nil {
			return nil, fmt.Errorf("search index: %w", err)
		}
	}
	var out []uint32
	want := uint8(len(terms))
	for d, n := range count {
		if n == want {
			out = append(out, uint32(d))
		}
	}
	return out, nil
}

// errNoSearchIndex is what a query on a book without the index gets.
var errNoSearchIndex = errors.New("this book has no search index: open it with this version of fieldcrm to build one")

// searchIndex parses text into its terms, within the bounds a query has,
// and returns them with the index's postings and docs after writing what
// the index holds back: where every query on the index starts.
func (t *Tx) searchIndex(text string) (terms []queryTerm, post, docs *bolt.Bucket, err error) {
	terms = parseQuery(text)
	if len(terms) == 0 {
		return nil, nil, nil, ErrNoSearchWords
	}
	if len(terms) > maxSearchTerms {
		return nil, nil, nil, fmt.Errorf("too many words to search for (%d): give at most %d", len(terms), maxSearchTerms)
	}
	if err := t.flushSearch(); err != nil {
		return nil, nil, nil, err
	}
	post, docs = t.bucket(bucketSearch, searchPost), t.bucket(bucketSearch, searchDocs)
	if post == nil || docs == nil {
		return nil, nil, nil, errNoSearchIndex
	}
	return terms, post, docs, nil
}

// eachTermPosting calls fn for every doc of kind that holds term q (a
// word that starts with it, for a prefix term), with the fields it is in.
// c is a cursor on the postings.
func eachTermPosting(c *bolt.Cursor, kind byte, q queryTerm, fn func(doc uint32, fields uint8)) error {
	prefix := append([]byte{kind}, q.text...)
	if !q.prefix {
		prefix = append(prefix, 0)
	}
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		if len(k) < len(prefix)+4 || k[len(k)-5] != 0 {
			continue
		}
		if err := eachPosting(binary.BigEndian.Uint32(k[len(k)-4:]), v, fn); err != nil {
			return err
		}
	}
	return nil
}
