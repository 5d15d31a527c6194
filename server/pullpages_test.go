package server_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"testing"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/server"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/wire"
)

// page is one pull answer as it came over the wire.
type page struct {
	wire.PullResponse
	bytes int
}

// pullRaw asks the real handler for one page and keeps its size.
func pullRaw(t *testing.T, base, token string, cursor uint64, limit int) page {
	t.Helper()
	req, err := http.NewRequest("GET", base+"/v1/pull?cursor="+strconv.FormatUint(cursor, 10)+"&limit="+strconv.Itoa(limit), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("pull from %d: %d %v %.200s", cursor, resp.StatusCode, err, data)
	}
	pr, err := wire.DecodePullResponse(data)
	if err != nil {
		t.Fatal(err)
	}
	return page{pr, len(data)}
}

// pullAll follows the cursor from cursor to the end, checking every page:
// at most limit changes and, but for one change past the byte budget,
// at most wire.PullPageBytes; never empty while there is more; seqs and
// cursors rising, every change at or below its page's cursor. It returns
// the pages.
func pullAll(t *testing.T, base, token string, cursor uint64, limit int) []page {
	t.Helper()
	var pages []page
	last := uint64(0)
	for range 1000 {
		p := pullRaw(t, base, token, cursor, limit)
		pages = append(pages, p)
		if len(p.Changes) > limit {
			t.Fatalf("page %d holds %d changes; the limit is %d", len(pages), len(p.Changes), limit)
		}
		if len(p.Changes) > 1 && p.bytes > wire.PullPageBytes+wire.MaxRecordBytes {
			t.Fatalf("page %d is %d bytes; the budget is %d", len(pages), p.bytes, wire.PullPageBytes)
		}
		for _, ch := range p.Changes {
			if ch.Seq < last || ch.Seq > p.Cursor {
				t.Fatalf("page %d: change at seq %d after %d, page cursor %d", len(pages), ch.Seq, last, p.Cursor)
			}
			last = ch.Seq
		}
		if !p.More {
			return pages
		}
		if p.Cursor <= cursor {
			t.Fatalf("page %d says more but its cursor %d did not pass %d", len(pages), p.Cursor, cursor)
		}
		cursor = p.Cursor
	}
	t.Fatal("1000 pages and still more")
	return nil
}

// withoutLast is about the size of a page's changes but its last: what
// the server held when it took the last one.
func withoutLast(p page) int {
	n := 0
	for _, ch := range p.Changes[:len(p.Changes)-1] {
		n += len(mustJSON(ch))
	}
	return n
}

// TestPullAnswerIsCappedByBytes (issue 12, finding 4): a book of long
// notes comes in pages that stop at the byte budget, with "more", instead
// of one answer holding all of it; the manager's real client syncs it
// all and converges.
func TestPullAnswerIsCappedByBytes(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		h := newHarness(t, b)
		ann := h.device("ann", "rep")
		maxTok := h.addUser("max", server.RoleManager)
		lead := ann.addLead("Notes Co")
		const notes = 20 // about 18 MiB: more than two budgets
		for i := range notes {
			ann.addVisit(lead.ID, longNotes(900<<10, fmt.Sprint(i)))
		}
		ann.sync()
		pages := pullAll(t, h.url, maxTok, 0, wire.MaxPullLimit)
		ops := 0
		for i, p := range pages {
			ops += len(p.Changes)
			if p.More && p.bytes < wire.PullPageBytes {
				t.Fatalf("page %d stopped at %d bytes with more to come", i+1, p.bytes)
			}
			if n := withoutLast(p); n >= wire.PullPageBytes {
				t.Fatalf("page %d held %d bytes before its last change; the budget is %d", i+1, n, wire.PullPageBytes)
			}
		}
		if len(pages) < 2 || ops != notes+1 {
			t.Fatalf("%d pages with %d ops; want 2 or more pages with %d", len(pages), ops, notes+1)
		}
		max := h.deviceWithToken("max", maxTok)
		max.sync()
		if err := h.checkConverged([]*device{ann, max}, map[string]bool{"max": true}); err != nil {
			t.Fatal(err)
		}
	})
}

// TestGrantAndRevokeAreSplitAcrossPages: when a lead with many records
// becomes visible to a rep, its full state may span several pages (by
// bytes or by count); each page goes on where the last stopped, so every
// record arrives once, and the rep's real client converges. Its removes
// on a revoke likewise.
func TestGrantAndRevokeAreSplitAcrossPages(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		h := newHarness(t, b)
		ann := h.device("ann", "rep")
		bobTok := h.addUser("bob", server.RoleRep)
		bob := h.deviceWithToken("bob", bobTok)
		lead := ann.addLead("Big Lead Co")
		const acts = 12 // about 10.5 MiB of notes under one lead
		for i := range acts {
			ann.addVisit(lead.ID, longNotes(900<<10, fmt.Sprint(i)))
		}
		ann.update(func(tx *store.Tx) error {
			_, err := tx.SetFollowUp(lead.ID, model.Date{Y: 2026, M: 12, D: 20}, "send the quote")
			return err
		})
		ann.sync()
		bob.sync() // bob's cursor passes ann's ops, which he may not see
		var cursor uint64
		_ = bob.st.View(func(tx *store.Tx) error { cursor = tx.SyncState().Cursor; return nil })
		if _, err := h.svc.AssignLead(context.Background(), lead.ID, "bob"); err != nil {
			t.Fatal(err)
		}
		records := 0
		_ = h.st.View(context.Background(), func(tx server.Tx) error {
			kids, err := tx.Children(lead.ID)
			records = 1 + len(kids)
			return err
		})

		// By bytes: the grant's states span pages, each record once.
		pages := pullAll(t, h.url, bobTok, cursor, wire.MaxPullLimit)
		states := map[model.EntityRef]int{}
		for _, p := range pages {
			for _, ch := range p.Changes {
				if ch.State != nil {
					states[ch.State.Entity]++
				}
			}
		}
		if len(pages) < 2 || len(states) != records {
			t.Fatalf("%d pages carried %d of the lead's %d records", len(pages), len(states), records)
		}
		for ref, n := range states {
			if n != 1 {
				t.Fatalf("%v came %d times", ref, n)
			}
		}
		// By count: pages of two changes, the same records, once each.
		pages = pullAll(t, h.url, bobTok, cursor, 2)
		clear(states)
		for _, p := range pages {
			for _, ch := range p.Changes {
				if ch.State != nil {
					states[ch.State.Entity]++
				}
			}
		}
		if len(states) != records || len(pages) < records/2 {
			t.Fatalf("pages of 2: %d pages carried %d of %d records", len(pages), len(states), records)
		}
		for ref, n := range states {
			if n != 1 {
				t.Fatalf("pages of 2: %v came %d times", ref, n)
			}
		}
		bob.sync()
		ann.sync()
		if err := h.checkConverged([]*device{ann, bob}, nil); err != nil {
			t.Fatal(err)
		}

		// The lead goes back to ann: bob's removes, three per page.
		_ = bob.st.View(func(tx *store.Tx) error { cursor = tx.SyncState().Cursor; return nil })
		if _, err := h.svc.AssignLead(context.Background(), lead.ID, "ann"); err != nil {
			t.Fatal(err)
		}
		removes := map[model.EntityRef]int{}
		for _, p := range pullAll(t, h.url, bobTok, cursor, 3) {
			for _, ch := range p.Changes {
				if ch.Remove != nil {
					removes[*ch.Remove]++
				}
			}
		}
		if len(removes) != records {
			t.Fatalf("%d of %d records removed", len(removes), records)
		}
		bob.sync()
		ann.sync()
		if err := h.checkConverged([]*device{ann, bob}, nil); err != nil {
			t.Fatal(err)
		}
	})
}
