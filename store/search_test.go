package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/fieldcrm/fieldcrm/model"
	bolt "go.etcd.io/bbolt"
	"golang.org/x/text/cases"
	"golang.org/x/text/width"
	"pgregory.net/rapid"
)

func TestCutTerms(t *testing.T) {
	cases := []struct {
		text  string
		query bool
		want  string
	}{
		{"Acme Corp.", false, "acme corp"},
		{"ＡＣＭＥ  Ｃｏｒｐ", false, "acme corp"},
		{"Straße", false, "strasse"},
		{"客户拜访", false, "客户 户拜 拜访 访"},
		{"客户拜访", true, "客户 户拜 拜访"},
		{"客", true, "客"},
		{"北京 Acme公司", false, "北京 京 acme 公司 司"},
		{"ｶﾀｶﾅ カタカナ", false, "カタ タカ カナ ナ カタ タカ カナ ナ"},
		{"서울 office", false, "서울 울 office"},
		{"alice@example.com, +86 138-0013", false, "alice example.com 86 138 0013"},
		{"...!!", false, ""},
	}
	for _, c := range cases {
		var got []string
		cutTerms(c.text, c.query, func(term string, _ bool) { got = append(got, term) })
		if s := strings.Join(got, " "); s != c.want {
			t.Errorf("cutTerms(%q, %v) = %q, want %q", c.text, c.query, s, c.want)
		}
	}
}

// TestQuickFoldAgrees checks every character the quick path folds against
// width.Fold and cases.Fold.
// The shortcuts of hasWordRune and isCJK answer as the Unicode tables do,
// for every character.
func TestWordRuneShortcutsAgree(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if !utf8.ValidRune(r) {
			continue
		}
		s := string(r)
		if got, want := hasWordRune(s), unicode.IsLetter(r) || unicode.IsNumber(r); got != want {
			t.Fatalf("hasWordRune(%U) = %v, the tables say %v", r, got, want)
		}
		want := r >= 0x1100 && (unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul) || r == 'ー')
		if got := isCJK(r); got != want {
			t.Fatalf("isCJK(%U) = %v, the tables say %v", r, got, want)
		}
	}
}

func TestQuickFoldAgrees(t *testing.T) {
	n := 0
	for r := rune(0); r <= 0xffff; r++ {
		if !quickFold(r) && r >= utf8.RuneSelf {
			continue
		}
		n++
		if got, want := string(foldRune(r)), cases.Fold().String(width.Fold.String(string(r))); got != want {
			t.Errorf("%U folds to %q, want %q", r, got, want)
		}
	}
	if n < 39000 {
		t.Fatalf("only %d characters checked", n)
	}
}

// TestFoldingSettlesForEveryCharacter: folding any character once gives
// what folding it twice gives, and a Cherokee letter folds to one form
// whichever case it is typed in (x/text's cases.Fold swaps them).
func TestFoldingSettlesForEveryCharacter(t *testing.T) {
	if testing.Short() {
		t.Skip("folds every character")
	}
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if !utf8.ValidRune(r) {
			continue
		}
		once := foldText(string(r))
		if twice := foldText(once); twice != once {
			t.Errorf("%U folds to %q, then to %q", r, once, twice)
		}
	}
	if capital, small := foldText("\u13ca\u13f0"), foldText("\uab9a\u13f8"); capital != small || small != "\uab9a\u13f8" {
		t.Errorf("Cherokee folds to %q in capitals and %q in small letters", capital, small)
	}
}

func FuzzFoldAndCut(f *testing.F) {
	for _, s := range []string{"Acme", "ＡＣＭＥ", "客户拜访", "Straße ǅ ﬁ", "ｶﾀｶﾅ", "\xff\xfe", "a\x00b", "İstanbul"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		once := foldText(s)
		if twice := foldText(once); twice != once {
			t.Fatalf("folding is not idempotent: %q -> %q -> %q", s, once, twice)
		}
		cutTerms(s, false, func(term string, _ bool) {
			if term == "" || len(term) > maxTermBytes*2 || !utf8.ValidString(term) || strings.ContainsRune(term, 0) {
				t.Fatalf("bad term %q from %q", term, s)
			}
			if foldText(term) != term {
				t.Fatalf("term %q from %q is not folded", term, s)
			}
		})
		parseQuery(s)
	})
}

func TestSearchFindsLeadsAndNotesRanked(t *testing.T) {
	now, step := clockAt(t0)
	s := openTemp(t, now)
	var harbor, acme, visit string
	err := s.Update(func(tx *Tx) error {
		h := model.Lead{Company: "Harbor Logistics", City: "上海", Contacts: []model.Contact{{Name: "Grace Lin", Email: "grace@harbor.example", Phone: "+86 138 0013 8000"}}}
		if err := tx.AddLead(&h); err != nil {
			return err
		}
		a := model.Lead{Company: "ＡＣＭＥ 机械制造有限公司", Tags: []string{"harbor"}}
		if err := tx.AddLead(&a); err != nil {
			return err
		}
		harbor, acme = h.ID, a.ID
		v := model.Activity{LeadID: a.ID, Kind: model.KindVisit}
		visit = v.ID
		if err := tx.AddActivity(&v, "客户拜访: met the harbor team about 机械 parts"); err != nil {
			return err
		}
		visit = v.ID
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	step(time.Minute)
	search := func(q string, o SearchOptions) []string {
		t.Helper()
		var hits []SearchHit
		err := s.View(func(tx *Tx) (err error) { hits, _, err = tx.Search(q, o); return err })
		if err != nil {
			t.Fatalf("search %q: %v", q, err)
		}
		var ids []string
		for _, h := range hits {
			ids = append(ids, h.ID)
		}
		return ids
	}
	// Company beats tags beats notes.
	if got, want := search("harb", SearchOptions{}), []string{harbor, acme, visit}; !slices.Equal(got, want) {
		t.Errorf("harb: %v, want %v", got, want)
	}
	if got := search("acme", SearchOptions{}); !slices.Equal(got, []string{acme}) {
		t.Errorf("full-width ACME not found by acme: %v", got)
	}
	if got := search("机械", SearchOptions{}); !slices.Equal(got, []string{acme, visit}) {
		t.Errorf("机械: %v", got)
	}
	if got := search("拜", SearchOptions{}); !slices.Equal(got, []string{visit}) {
		t.Errorf("one character: %v", got)
	}
	if got := search("13800138000", SearchOptions{}); !slices.Equal(got, []string{harbor}) {
		t.Errorf("phone digits: %v", got)
	}
	if got := search("harbor 机械", SearchOptions{Activities: true}); !slices.Equal(got, []string{visit}) {
		t.Errorf("all words, activities only: %v", got)
	}
	if got := search("harbor nothing", SearchOptions{}); len(got) != 0 {
		t.Errorf("a word no record has still finds %v", got)
	}
	err = s.View(func(tx *Tx) error { _, _, err := tx.Search(" ,. ", SearchOptions{}); return err })
	if !errors.Is(err, ErrNoSearchWords) {
		t.Errorf("empty query: %v", err)
	}
	// The trash hides a lead and its notes; restoring brings both back.
	if err := s.Update(func(tx *Tx) error { return tx.TrashLead(acme) }); err != nil {
		t.Fatal(err)
	}
	if got := search("机械", SearchOptions{}); len(got) != 0 {
		t.Errorf("in the trash: %v", got)
	}
	if err := s.Update(func(tx *Tx) error { return tx.UntrashLead(acme) }); err != nil {
		t.Fatal(err)
	}
	if got := search("机械", SearchOptions{}); len(got) != 2 {
		t.Errorf("restored: %v", got)
	}
}

func TestMigration10BuildsTheSearchIndex(t *testing.T) {
	now, _ := clockAt(t0)
	s := openTemp(t, now)
	l := addLead(t, s, "华北能源有限公司", "qualified")
	// Back to schema 9, without the index, as an older build left it.
	err := s.withDB(func(db *bolt.DB) error {
		return db.Update(func(tx *bolt.Tx) error {
			if err := tx.DeleteBucket(bucketSearch); err != nil {
				return err
			}
			return tx.Bucket(bucketMeta).Put(keySchema, u64(9))
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	var shown [][2]int
	s, err = Open(Options{Path: s.Path(), User: "ann", Now: now, Progress: func(done, total int) { shown = append(shown, [2]int{done, total}) }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if len(shown) == 0 || shown[len(shown)-1] != [2]int{1, 1} {
		t.Errorf("the migration's progress: %v, want it to end at 1 of 1 record", shown)
	}
	err = s.View(func(tx *Tx) error {
		ids, err := tx.SearchLeadIDs("能源", 0)
		if err != nil {
			return err
		}
		if !slices.Equal(ids, []string{l.ID}) {
			return fmt.Errorf("after migration: %v", ids)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// searchWords are what the property test writes and looks for: case and
// width variants, CJK runs, prefixes of one another.
var searchWords = []string{"Acme", "ACME", "Ａｃｍｅ", "acmeCorp", "Harbor", "harbour", "Logistics", "Straße", "STRASSE",
	"客户", "客户拜访", "拜访", "北京", "北京市", "上海", "机械", "カタカナ", "ｶﾀｶﾅ", "서울", "visit", "visited",
	"alice@example.com", "+86 138 0013 8000", "13800138000", "42", "Ünïcödé"}

// TestSearchAgreesWithFullScan drives a book through random writes,
// edits, deletes, trash and restore, merges of leads and changes pulled
// from another replica, and checks after each step that the index finds
// for random queries exactly what a scan of every record finds.
func TestSearchAgreesWithFullScan(t *testing.T) {
	dir := t.TempDir()
	cases := 0
	rapid.Check(t, func(rt *rapid.T) {
		cases++
		now := t0
		s, err := Open(Options{Path: filepath.Join(dir, fmt.Sprintf("%d.db", cases)), User: "ann",
			Now: func() time.Time { return now }, NoSync: true, KeepOpen: true})
		if err != nil {
			rt.Fatal(err)
		}
		defer s.Close()
		// Records' terms cut as a bulk write cuts them, on a goroutine of
		// their own (searchcut.go), or in the transaction.
		s.cutAsideAtOnce = rapid.Bool().Draw(rt, "cut aside")
		text := func(label string) string {
			n := rapid.IntRange(0, 4).Draw(rt, label+" words")
			var parts []string
			for range n {
				parts = append(parts, rapid.SampledFrom(searchWords).Draw(rt, label))
			}
			seps := []string{" ", "", ", "}
			if label == "notes" {
				seps = append(seps, "\n")
			}
			sep := rapid.SampledFrom(seps).Draw(rt, label+" sep")
			return strings.Join(parts, sep)
		}
		var leads, acts []string
		pick := func(list []string, label string) string {
			return list[rapid.IntRange(0, len(list)-1).Draw(rt, label)]
		}
		remote := 0
		steps := rapid.IntRange(1, 30).Draw(rt, "steps")
		for i := range steps {
			op := rapid.IntRange(0, 13).Draw(rt, "op")
			if len(leads) == 0 {
				op = 0
			}
			now = now.Add(time.Minute)
			err := s.Update(func(tx *Tx) error {
				switch op {
				case 0:
					l := model.Lead{Company: "Co " + text("company"), City: text("city"), Tags: []string{text("tag")},
						Contacts: []model.Contact{{Name: "N " + text("contact"), Phone: rapid.SampledFrom([]string{"", "+86 138 0013 8000", "010-1234"}).Draw(rt, "phone")}}}
					if strings.TrimSpace(l.Tags[0]) == "" {
						l.Tags = nil
					}
					if err := tx.AddLead(&l); err != nil {
						return ignoreGone(err)
					}
					leads = append(leads, l.ID)
				case 1:
					l, err := tx.Lead(pick(leads, "lead"))
					if err != nil {
						return ignoreGone(err)
					}
					l.Company = "Co " + text("company")
					l.City = text("city")
					return ignoreGone(tx.UpdateLead(&l))
				case 2:
					a := model.Activity{LeadID: pick(leads, "lead"), Kind: model.KindVisit, Outcome: text("outcome")}
					if err := tx.AddActivity(&a, text("notes")); err != nil {
						return ignoreGone(err)
					}
					acts = append(acts, a.ID)
				case 3:
					if len(acts) > 0 {
						return ignoreGone(tx.AppendNotes(pick(acts, "activity"), text("notes")))
					}
				case 4:
					return ignoreGone(tx.TrashLead(pick(leads, "lead")))
				case 5:
					err := tx.UntrashLead(pick(leads, "lead"))
					if err != nil && strings.Contains(err.Error(), "not in the trash") {
						return nil
					}
					return ignoreGone(err)
				case 6:
					return ignoreGone(tx.DeleteLead(pick(leads, "lead")))
				case 7:
					_, err := tx.MergeLeads(pick(leads, "keep"), pick(leads, "drop"))
					if err != nil && strings.Contains(err.Error(), "into itself") {
						return nil
					}
					return ignoreGone(err)
				case 8:
					// A change pulled from another replica, newer or older.
					remote++
					company, _ := json.Marshal("Co " + text("remote company"))
					op := model.Op{ID: model.NewID(), Entity: model.EntityRef{Type: model.TypeLead, ID: pick(leads, "lead")},
						Kind: model.OpSet, Fields: map[string]json.RawMessage{"company": company},
						HLC: model.HLC{Wall: now.Add(time.Duration(rapid.IntRange(-120, 120).Draw(rt, "skew")) * time.Minute).UnixMilli(), Node: "other"}}
					err := tx.ApplyRemoteOp(op)
					if errors.Is(err, ErrCannotApply) {
						return nil
					}
					return err
				case 9:
					if len(acts) > 0 {
						return tx.RemoveLocal(model.TypeActivity, pick(acts, "activity"))
					}
				case 10:
					return tx.RemoveLocal(model.TypeLead, pick(leads, "lead"))
				case 11:
					// Made and changed in one transaction, as an import does.
					l := model.Lead{Company: "Co " + text("company"), City: text("city")}
					if err := tx.AddLead(&l); err != nil {
						return ignoreGone(err)
					}
					leads = append(leads, l.ID)
					l.Company, l.City = "Co "+text("company"), text("city")
					return ignoreGone(tx.UpdateLead(&l))
				case 12:
					// Several records made in one transaction, as the demo
					// and an import make them, some changed, trashed or
					// searched for before it ends.
					for j := range rapid.IntRange(1, 6).Draw(rt, "records") {
						l := model.Lead{Company: "Co " + text("company"), City: text("city")}
						if err := tx.AddLead(&l); err != nil {
							return ignoreGone(err)
						}
						leads = append(leads, l.ID)
						a := model.Activity{LeadID: l.ID, Kind: model.KindVisit, Outcome: text("outcome")}
						if err := tx.AddActivity(&a, text("notes")); err != nil {
							return ignoreGone(err)
						}
						acts = append(acts, a.ID)
						switch rapid.IntRange(0, 4).Draw(rt, fmt.Sprintf("then %d", j)) {
						case 1:
							l.Company = "Co " + text("company")
							if err := tx.UpdateLead(&l); err != nil {
								return ignoreGone(err)
							}
						case 2:
							if err := tx.AppendNotes(a.ID, text("notes")); err != nil {
								return ignoreGone(err)
							}
						case 3:
							if err := tx.TrashLead(l.ID); err != nil {
								return ignoreGone(err)
							}
						case 4:
							if err := checkSearch(tx, searchQuery(rt), SearchOptions{}); err != nil {
								return err
							}
						}
					}
				case 13:
					// A change that leaves the texts (a stage move) and
					// only makes the lead more recent.
					stage := rapid.SampledFrom([]string{"contacted", "qualified", "proposal"}).Draw(rt, "stage")
					_, err := tx.MoveLead(pick(leads, "lead"), Move{Stage: stage})
					if err != nil && strings.Contains(err.Error(), "already") {
						return nil
					}
					return ignoreGone(err)
				}
				return nil
			})
			if err != nil {
				rt.Fatalf("step %d (op %d): %v", i, op, err)
			}
			for range 3 {
				q := searchQuery(rt)
				o := rapid.SampledFrom([]SearchOptions{{}, {Leads: true}, {Activities: true}}).Draw(rt, "kinds")
				if err := s.View(func(tx *Tx) error { return checkSearch(tx, q, o) }); err != nil {
					rt.Fatalf("after step %d (op %d): %v", i, op, err)
				}
			}
		}
	})
}

// searchQuery draws a query: words, prefixes of words, single characters.
func searchQuery(rt *rapid.T) string {
	var parts []string
	for range rapid.IntRange(1, 2).Draw(rt, "query words") {
		w := []rune(rapid.SampledFrom(searchWords).Draw(rt, "query word"))
		from := rapid.IntRange(0, len(w)-1).Draw(rt, "from")
		to := rapid.IntRange(from+1, len(w)).Draw(rt, "to")
		parts = append(parts, string(w[from:to]))
	}
	return strings.Join(parts, " ")
}

// checkSearch compares Search with a scan of every lead and activity
// through the same tokeniser.
func checkSearch(tx *Tx, q string, o SearchOptions) error {
	hits, total, err := tx.Search(q, o)
	if errors.Is(err, ErrNoSearchWords) {
		if len(parseQuery(q)) != 0 {
			return fmt.Errorf("%q has words but Search says it has none", q)
		}
		return nil
	}
	if err != nil {
		return err
	}
	if total != len(hits) {
		return fmt.Errorf("%q: %d hits of %d without a limit", q, len(hits), total)
	}
	for i := 1; i < len(hits); i++ {
		a, b := hits[i-1], hits[i]
		if a.Score < b.Score || a.Score == b.Score && a.At.Before(b.At) {
			return fmt.Errorf("%q: hits out of rank order: %+v before %+v", q, a, b)
		}
	}
	got := make([]string, len(hits))
	for i, h := range hits {
		got[i] = fmt.Sprintf("%s %s %d %v %d", h.Type, h.ID, h.Score, h.Fields, h.At.UnixMilli())
	}
	want, err := searchByScan(tx, q, o)
	if err != nil {
		return err
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		return fmt.Errorf("search %q %+v:\n index %q\n scan  %q", q, o, got, want)
	}
	if o.Activities && !o.Leads {
		// The activity lists' forms of the same search (visit list
		// --search, the visit log): the same activities.
		acts, err := tx.SearchActivities(q, ActivityFilter{})
		if err != nil {
			return err
		}
		var want []string
		for _, h := range hits {
			want = append(want, h.ID)
		}
		var fromActs []string
		for i, a := range acts {
			fromActs = append(fromActs, a.ID)
			if i > 0 && a.StartedAt.After(acts[i-1].StartedAt) {
				return fmt.Errorf("%q: SearchActivities not newest first", q)
			}
		}
		slices.Sort(fromActs)
		slices.Sort(want)
		if !slices.Equal(fromActs, want) {
			return fmt.Errorf("%q: SearchActivities %v, Search %v", q, fromActs, want)
		}
		// And by number: the same, plus the activities of leads in the
		// trash, which that form leaves to its rows.
		nums, err := tx.SearchActivityDocs(q)
		if err != nil {
			return err
		}
		byDoc, err := tx.ActivityDocs()
		if err != nil {
			return err
		}
		var fromDocs []string
		for _, n := range nums {
			id := byDoc[n]
			if _, found := slices.BinarySearch(want, id); !found {
				a, err := tx.Activity(id)
				if err != nil {
					return fmt.Errorf("%q: SearchActivityDocs gives %d (%q): %w", q, n, id, err)
				}
				if _, err := tx.Lead(a.LeadID); err == nil {
					return fmt.Errorf("%q: SearchActivityDocs gives %s, which Search does not", q, id)
				}
				continue
			}
			fromDocs = append(fromDocs, id)
		}
		slices.Sort(fromDocs)
		if !slices.Equal(fromDocs, want) {
			return fmt.Errorf("%q: SearchActivityDocs %v, Search %v", q, fromDocs, want)
		}
	}
	if o.Limit == 0 && len(hits) > 1 {
		top, n, err := tx.Search(q, SearchOptions{Leads: o.Leads, Activities: o.Activities, Limit: 1})
		if err != nil || n != total || len(top) != 1 || top[0].ID != hits[0].ID {
			return fmt.Errorf("%q: limit 1 gives %v (%d, %v), want %s", q, top, n, err, hits[0].ID)
		}
	}
	return nil
}

func searchByScan(tx *Tx, q string, o SearchOptions) ([]string, error) {
	terms := parseQuery(q)
	var out []string
	for _, typ := range []string{model.TypeLead, model.TypeActivity} {
		if typ == model.TypeLead && o.Activities && !o.Leads || typ == model.TypeActivity && o.Leads && !o.Activities {
			continue
		}
		err := tx.bucket(entityBucket[typ]).ForEach(func(k, v []byte) error {
			e, err := decodeEntity(typ, v)
			if err != nil {
				return err
			}
			d := searchDocOf(e, nil)
			if d == nil || d.kind == kindActivity && tx.inTrash(d.lead) {
				return nil
			}
			score, fields := 0, uint8(0)
			for _, qt := range terms {
				best := uint8(0)
				for _, dt := range d.terms {
					if qt.matches(dt.term) {
						best = max(best, weightOf(dt.fields))
						fields |= dt.fields
					}
				}
				if best == 0 {
					return nil
				}
				score += int(best)
			}
			var names []string
			for _, w := range searchWeights {
				if fields&w.field != 0 {
					names = append(names, w.name)
				}
			}
			out = append(out, fmt.Sprintf("%s %s %d %v %d", typ, d.id, score, names, d.at.UnixMilli()))
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func TestSearchDocValueRoundTrips(t *testing.T) {
	for _, c := range []struct{ id, lead string }{
		{model.NewID(), model.NewID()},
		{"01ARZ3NDEKTSV4RRFFQ69G5FAV", "0190A1B2-C3D4-7E5F-8A9B-0C1D2E3F4A5B"}, // a ULID, an upper-case UUID
		{"x", strings.Repeat("l", 64)},
	} {
		d := searchDoc{kind: kindActivity, id: c.id, lead: c.lead}
		back, ok := decodeSearchDoc(d.value())
		if !ok || back.id != c.id || back.lead != c.lead {
			t.Errorf("%q %q comes back as %q %q (%v)", c.id, c.lead, back.id, back.lead, ok)
		}
		if got := packedLead(d.value()); string(got) != string(packID(c.lead)) {
			t.Errorf("packed lead of %q: %x", c.lead, got)
		}
	}
}
