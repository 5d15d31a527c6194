package store

// A bulk write (the demo, an import) cuts the text of every record it
// makes into search terms, and collects their postings: a third of the
// demo's time, on one core while the other waits. Past bulkDocs records
// new to the index in one transaction, their texts go to a goroutine of
// their own (searchCutter), which cuts them and collects their postings
// in a searchPending of its own; flushSearch writes those before the
// transaction's own. The order of the postings stays as it was: the
// cutter only ever adds a new record's postings, and anything the
// transaction does to that record later comes after them, in its own
// pending, written after the cutter's.

// bulkDocs is how many records new to the index a transaction makes
// before the rest are cut by a searchCutter: a single write never gets
// one. Tests cut every record aside (Store.cutAsideAtOnce).
const bulkDocs = 256

// cutBatchDocs is how many records go to the cutter at a time, so that
// handing them over costs little beside the cutting.
const cutBatchDocs = 128

// searchCutter cuts new records' texts into terms on a goroutine of its
// own and collects their postings.
type searchCutter struct {
	jobs  chan cutBatch
	done  chan *searchPending
	batch cutBatch
}

// cutBatch is the texts of some new records.
type cutBatch struct {
	docs  []cutDoc
	texts []fieldText
}

// cutDoc is a record new to the index, its number and kind, and where
// its texts are in the batch's.
type cutDoc struct {
	doc      uint32
	kind     byte
	from, to int32
}

// fieldText is one text of a record (eachSearchText).
type fieldText struct {
	text  string
	field uint8
	term  bool
}

func newSearchCutter() *searchCutter {
	c := &searchCutter{jobs: make(chan cutBatch, 4), done: make(chan *searchPending, 1)}
	go c.run()
	return c
}

func (c *searchCutter) run() {
	p := newSearchPending()
	var terms []docTerm
	for b := range c.jobs {
		for _, d := range b.docs {
			terms = terms[:0]
			for _, ft := range b.texts[d.from:d.to] {
				terms = appendTerms(terms, ft.field, ft.text, ft.term)
			}
			for _, dt := range terms {
				p.addNew(d.kind, dt.term, d.doc, dt.fields)
			}
		}
	}
	c.done <- p
}

// add hands over the texts of v, numbered doc. Strings are never changed,
// so the cutter may read them while the transaction goes on.
func (c *searchCutter) add(doc uint32, kind byte, v any) {
	b := &c.batch
	from := len(b.texts)
	eachSearchText(v, func(field uint8, text string, term bool) {
		if text != "" {
			b.texts = append(b.texts, fieldText{text, field, term})
		}
	})
	b.docs = append(b.docs, cutDoc{doc, kind, int32(from), int32(len(b.texts))})
	if len(b.docs) == cutBatchDocs {
		c.jobs <- *b
		*b = cutBatch{docs: make([]cutDoc, 0, cutBatchDocs), texts: make([]fieldText, 0, cap(b.texts))}
	}
}

// finish waits for the cutter to cut what it was given and returns its
// postings.
func (c *searchCutter) finish() *searchPending {
	if len(c.batch.docs) > 0 {
		c.jobs <- c.batch
	}
	c.batch = cutBatch{}
	close(c.jobs)
	return <-c.done
}

// stop ends the cutter of a transaction that will not commit; it ends
// its work on its own, and nothing waits for it.
func (c *searchCutter) stop() { close(c.jobs) }

// cutAside reports whether the terms of the record new to the index that
// t is indexing go to t's cutter, starting one past bulkDocs.
func (t *Tx) cutAside() bool {
	p := t.search
	if p.cutter != nil {
		return true
	}
	if !t.mayCutAside || p.build {
		return false
	}
	if p.newDocs++; p.newDocs <= bulkDocs && !t.s.cutAsideAtOnce {
		return false
	}
	p.cutter = newSearchCutter()
	return true
}

// stopCutter stops the cutter of a transaction that ends without writing
// its postings (it failed, or rolled back).
func (t *Tx) stopCutter() {
	if t.search != nil && t.search.cutter != nil {
		t.search.cutter.stop()
		t.search.cutter = nil
	}
}
