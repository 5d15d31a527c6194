package server_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"testing"

	"github.com/fieldcrm/fieldcrm/jsonpack"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/remote"
	"github.com/fieldcrm/fieldcrm/server"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/wire"
	"pgregory.net/rapid"
)

// page is one pull answer as it came over the wire; bytes is what its
// changes count against the server's budget.
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
	n := 0
	for _, ch := range pr.Changes {
		n += weight(ch)
	}
	return page{pr, n}
}

// weight is what a change counts against a page's byte budget: a state
// or a remove its JSON, an op its packed bytes, as the log stores them,
// times wire.PullPackedRatio.
func weight(ch wire.Change) int {
	if ch.Op != nil {
		return wire.PullPackedRatio * len(jsonpack.Pack(nil, mustJSON(ch.Op)))
	}
	return len(mustJSON(ch))
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
		if len(p.Changes) > 1 && p.bytes > wire.PullPageBytes+wire.PullPackedRatio*wire.MaxRecordBytes {
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

// withoutLast is about what a page's changes but its last count against
// its budget: what the server held when it took the last one.
func withoutLast(p page) int {
	return p.bytes - weight(p.Changes[len(p.Changes)-1])
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

// TestSplitGrantsConverge: reps pull with pages of one to four changes,
// through dropped, doubled and replayed deliveries, while a manager hands
// leads with many records between them, so that leads' full states and
// removes are split over pages at every place; every laptop still ends
// with exactly the server's records it may see.
func TestSplitGrantsConverge(t *testing.T) {
	checkOnBackends(t, 100, 15, runSplitCase)
}

func runSplitCase(t *rapid.T, h *harness) {
	applied := map[string]bool{}
	mgr := h.device("max", server.RoleManager)
	reps := []*simDevice{}
	for _, name := range []string{"ann", "bob"} {
		d := &simDevice{device: h.device(name, server.RoleRep), role: server.RoleRep}
		d.tr = &faultyTransport{t: t, next: http.DefaultTransport, applied: applied, counts: map[string]int{}}
		d.c.HTTP = &http.Client{Transport: d.tr}
		reps = append(reps, d)
	}
	for range rapid.IntRange(5, 30).Draw(t, "steps") {
		d := reps[rapid.IntRange(0, 1).Draw(t, "rep")]
		leads := d.localIDs(model.TypeLead, true)
		switch action := rapid.SampledFrom([]string{"lead", "visits", "followup", "reassign", "reassign", "sync", "sync"}).Draw(t, "action"); {
		case action == "lead" || len(leads) == 0 && action != "reassign" && action != "sync":
			d.addLead("Split Co")
		case action == "visits":
			lead := rapid.SampledFrom(leads).Draw(t, "lead")
			for i := range rapid.IntRange(1, 5).Draw(t, "visits") {
				d.addVisit(lead, fmt.Sprintf("visit %d 拜访", i))
			}
		case action == "followup":
			lead := rapid.SampledFrom(leads).Draw(t, "lead")
			d.update(func(tx *store.Tx) error {
				_, err := tx.SetFollowUp(lead, model.Date{Y: 2026, M: 12, D: rapid.IntRange(1, 28).Draw(t, "day")}, "call back")
				return err
			})
		case action == "reassign":
			mgr.sync()
			all := mgr.localIDs(model.TypeLead, true)
			if len(all) == 0 {
				continue
			}
			l := mgr.lead(rapid.SampledFrom(all).Draw(t, "lead to hand over"))
			l.Owner = rapid.SampledFrom([]string{"ann", "bob"}).Draw(t, "to")
			mgr.update(func(tx *store.Tx) error { return tx.UpdateLead(&l) })
			mgr.sync()
		default:
			d.tr.faults = true
			limit := rapid.IntRange(1, 4).Draw(t, "pull limit")
			_, _ = remote.SyncWith(context.Background(), d.st, d.c, remote.Options{PullLimit: limit}) // faults make it fail at times
			d.tr.faults = false
		}
	}
	all := []*device{mgr}
	for round := range 2 {
		for _, i := range rapid.Permutation(seq(len(reps))).Draw(t, fmt.Sprint("order", round)) {
			limit := rapid.IntRange(1, 4).Draw(t, "final pull limit")
			if _, err := remote.SyncWith(context.Background(), reps[i].st, reps[i].c, remote.Options{PullLimit: limit}); err != nil {
				t.Fatalf("%s: sync: %v", reps[i].name, err)
			}
		}
		mgr.sync()
	}
	for _, d := range reps {
		all = append(all, d.device)
	}
	if err := h.checkConverged(all, map[string]bool{"max": true}); err != nil {
		t.Fatal(err)
	}
	h.checkLog(applied)
}
