package server_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/server"
	"github.com/fieldcrm/fieldcrm/store"
	"github.com/fieldcrm/fieldcrm/wire"
	bolt "go.etcd.io/bbolt"
)

// longNotes returns visit notes of about n bytes (at most n), in lines,
// in both scripts, valid as a user would type them.
func longNotes(n int, tag string) string {
	line := tag + " 客户要求下周报价，设备改造预算已批。The customer wants a quote for the retrofit next week.\n"
	s := strings.Repeat(line, n/len(line)+1)[:n]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return strings.TrimRight(s, "\n")
}

// usage returns what the server's storage counts for user.
func (h *harness) usage(user string) int64 {
	h.t.Helper()
	var n int64
	if err := h.st.View(context.Background(), func(tx server.Tx) error {
		var err error
		n, err = tx.Usage(user)
		return err
	}); err != nil {
		h.t.Fatal(err)
	}
	return n
}

// loggedBytes adds up the op JSON in the log by each actor, the figure
// usage must equal.
func (h *harness) loggedBytes() map[string]int64 {
	h.t.Helper()
	out := map[string]int64{}
	if err := h.st.View(context.Background(), func(tx server.Tx) error {
		return tx.Scan(0, func(e server.LogEntry) (bool, error) {
			op, err := e.DecodeOp()
			if err != nil || op == nil {
				return err == nil, err
			}
			out[op.Actor.User] += int64(len(e.Raw))
			return true, nil
		})
	}); err != nil {
		h.t.Fatal(err)
	}
	return out
}

// countingTransport counts requests and answers that were not 200.
type countingTransport struct {
	pushes, failed atomic.Int32
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Path == "/v1/push" {
		c.pushes.Add(1)
	}
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err == nil && resp.StatusCode != http.StatusOK {
		c.failed.Add(1)
	}
	return resp, err
}

// TestQuotaRefusesTheOpThatWouldPassIt: once a user's stored ops reach
// the quota, an op that would pass it is answered "rejected" with a
// sentence saying what is used, the limit and what to do, while the rest
// of the same push is applied; the server keeps nothing of the refused op,
// counts usage exactly, and other users and resends are not affected.
func TestQuotaRefusesTheOpThatWouldPassIt(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		h := newHarness(t, b)
		ann, bob := h.device("ann", "rep"), h.device("bob", "rep")
		lead := ann.addLead("Quota Co")
		ann.addVisit(lead.ID, longNotes(20<<10, "v1"))
		ann.sync()
		used := h.usage("ann")
		if got := h.loggedBytes()["ann"]; used == 0 || used != got {
			t.Fatalf("usage %d, the log holds %d bytes of ann's ops", used, got)
		}
		h.svc.Quota = used + 4<<10 // room for a small change, not for a long note

		tr := &countingTransport{}
		ann.c.HTTP = &http.Client{Transport: tr}
		big := ann.addVisit(lead.ID, longNotes(20<<10, "v2"))
		l := ann.lead(lead.ID)
		l.City = "Ningbo"
		ann.update(func(tx *store.Tx) error { return tx.UpdateLead(&l) })
		rep := ann.sync()
		if tr.pushes.Load() != 1 || tr.failed.Load() != 0 {
			t.Fatalf("%d pushes, %d answers not 200; want one batch answered 200", tr.pushes.Load(), tr.failed.Load())
		}
		if rep.Pushed != 1 || rep.Rejected != 1 {
			t.Fatalf("report %+v; want the city applied and the long note rejected", rep)
		}
		rejected := ann.rejected()
		if len(rejected) != 1 || rejected[0].Op.Entity.ID != big.ID {
			t.Fatalf("rejected %+v", rejected)
		}
		reason := rejected[0].Reason
		for _, want := range []string{"did not store", "KiB of the", "each user may store", "fieldcrm serve --quota"} {
			if !strings.Contains(reason, want) {
				t.Fatalf("the reason %q does not say %q", reason, want)
			}
		}
		if err := h.st.View(context.Background(), func(tx server.Tx) error {
			if _, ok, err := tx.Record(model.EntityRef{Type: model.TypeActivity, ID: big.ID}); err != nil || ok {
				t.Errorf("the refused activity is on the server (%v)", err)
			}
			kids, err := tx.Children(lead.ID)
			if len(kids) != 1 {
				t.Errorf("the lead has %d children on the server, want 1: %v", len(kids), kids)
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if got, want := h.usage("ann"), h.loggedBytes()["ann"]; got != want || got > h.svc.Quota {
			t.Fatalf("usage %d after the refusal, the log holds %d, quota %d", got, want, h.svc.Quota)
		}
		users, err := h.svc.Users(context.Background())
		if err != nil || len(users) != 2 || users[0].Name != "ann" || users[0].Stored != h.usage("ann") || users[1].Stored != 0 {
			t.Fatalf("admin's list of users: %+v %v", users, err)
		}

		// A resend of an op already stored is a duplicate, not over quota.
		var first json.RawMessage
		_ = h.st.View(context.Background(), func(tx server.Tx) error {
			return tx.Scan(0, func(e server.LogEntry) (bool, error) {
				first = append(json.RawMessage(nil), e.Raw...)
				return false, nil
			})
		})
		resp, err := ann.c.PushRaw(context.Background(), []byte(`{"ops":[`+string(first)+`]}`), 1)
		if err != nil || resp.Results[0].Status != wire.StatusDuplicate {
			t.Fatalf("resend: %+v %v", resp.Results, err)
		}

		// Bob has his own quota.
		bob.addVisit(bob.addLead("Bob Co").ID, longNotes(2<<10, "b"))
		if rep := bob.sync(); rep.Pushed != 2 || rep.Rejected != 0 {
			t.Fatalf("bob: %+v", rep)
		}
		if err := h.checkConverged([]*device{ann, bob}, nil); err != nil {
			t.Fatal(err)
		}

		// Without a quota the same note is stored.
		h.svc.Quota = server.NoQuota
		ann.addVisit(lead.ID, longNotes(20<<10, "v3"))
		if rep := ann.sync(); rep.Pushed != 1 || rep.Rejected != 0 {
			t.Fatalf("with no quota: %+v", rep)
		}
	})
}

// TestRecordGrowthIsBounded: a record grows without bound only through
// its append-only lists (a note's revisions); the server refuses an
// addition that would take one past wire.MaxRecordBytes, so that every
// record fits in a pull answer. (The revisions after the first are copies
// of the laptop's first one with new ids and text, pushed straight: the
// laptop's replica would rewrite the growing record on every one.)
func TestRecordGrowthIsBounded(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		h := newHarness(t, b)
		ann := h.device("ann", "rep")
		lead := ann.addLead("Growth Co")
		act := ann.addVisit(lead.ID, longNotes(model.MaxNotesLen, "r0"))
		ann.update(func(tx *store.Tx) error { return tx.AppendNotes(act.ID, longNotes(model.MaxNotesLen, "r1")) })
		ann.sync()
		var first model.Op
		_ = h.st.View(context.Background(), func(tx server.Tx) error {
			return tx.Scan(0, func(e server.LogEntry) (bool, error) {
				op, err := e.DecodeOp()
				if err == nil && op != nil && op.Kind == model.OpAppend {
					first = *op
				}
				return err == nil, err
			})
		})
		if first.Kind != model.OpAppend {
			t.Fatal("the laptop's revision is not in the log as an append")
		}
		ref := model.EntityRef{Type: model.TypeActivity, ID: act.ID}
		const most = wire.MaxRecordBytes / model.MaxNotesLen
		for i := range most {
			op := first
			op.ID = model.NewID()
			op.HLC.Wall += int64(i + 1)
			var entry map[string]any
			if err := json.Unmarshal(first.Entry, &entry); err != nil {
				t.Fatal(err)
			}
			entry["id"], entry["hlc"], entry["text"] = op.ID, op.HLC, longNotes(model.MaxNotesLen, fmt.Sprint(i))
			op.Entry = mustJSON(entry)
			resp, err := ann.c.Push(context.Background(), []model.Op{op})
			if err != nil {
				t.Fatal(err)
			}
			if r := resp.Results[0]; r.Status == wire.StatusApplied {
				continue
			} else if r.Status != wire.StatusRejected || !strings.Contains(r.Reason, "one record may hold at most 16 MiB") {
				t.Fatalf("revision %d: %+v", i+3, r)
			}
			if i < most-4 {
				t.Fatalf("revision %d refused: the record held about %d MiB", i+3, i+2)
			}
			var size int
			_ = h.st.View(context.Background(), func(tx server.Tx) error {
				rec, _, err := tx.Record(ref)
				data, _ := json.Marshal(wire.StateOf(ref, rec))
				size = len(data)
				return err
			})
			if size > wire.MaxRecordBytes {
				t.Fatalf("the record holds %d bytes", size)
			}
			// Another rep learns nothing of the record from the bound.
			bob := h.device("bob", server.RoleRep)
			op.ID = model.NewID()
			resp, err = bob.c.Push(context.Background(), []model.Op{op})
			if err != nil || resp.Results[0].Status != wire.StatusRejected || strings.Contains(resp.Results[0].Reason, "holds") {
				t.Fatalf("bob's addition to ann's activity: %+v %v", resp.Results, err)
			}
			return
		}
		t.Fatalf("%d revisions of 1 MiB were all stored", most+2)
	})
}

// TestQuotaCountsAnExistingLogOnUpgrade: a server's data from before the
// quota (no usage counted; on PostgreSQL also no slots column) gets its
// usage counted from the log when a new server first opens it.
func TestQuotaCountsAnExistingLogOnUpgrade(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		dir := t.TempDir()
		var dbURL string
		if b.pg() {
			dbURL = freshDatabase(t)
			b.open = func(f failer, _ string) server.Storage { return openPG(f, dbURL) }
		}
		h := startHarness(t, dir, b)
		ann, max := h.device("ann", "rep"), h.device("max", "manager")
		lead := ann.addLead("Old Co")
		ann.addVisit(lead.ID, longNotes(30<<10, "old"))
		ann.sync()
		max.addLead("Max Co")
		max.sync()
		want := h.loggedBytes()
		if want["ann"] == 0 || want["max"] == 0 || h.usage("ann") != want["ann"] {
			t.Fatalf("before: usage %d, log %v", h.usage("ann"), want)
		}
		h.close()
		var st server.Storage
		if b.pg() {
			unpackPGLog(t, dbURL) // as servers before the packed log wrote it
			pgExec(t, dbURL, `DROP TABLE quarantine; DROP TABLE usage; ALTER TABLE log DROP COLUMN slots; DELETE FROM schema_migrations WHERE version >= 3`)
			st = openPG(t, dbURL)
		} else {
			path := filepath.Join(dir, "server")
			downgradeBolt(t, server.BoltPath(path))
			var err error
			if st, err = server.OpenBolt(path, true); err != nil {
				t.Fatal(err)
			}
		}
		defer st.Close()
		h2 := &harness{t: t, st: st}
		for _, user := range []string{"ann", "max"} {
			if got := h2.usage(user); got != want[user] {
				t.Errorf("%s: usage %d after the upgrade, the log holds %d", user, got, want[user])
			}
		}
	})
}

// downgradeBolt makes a server file look as schema 1 left it: no usage,
// and the ids in the keys of children/, opids/ and records/ as text
// (schemas 3 and 4 pack them).
func downgradeBolt(t *testing.T, path string) {
	t.Helper()
	textIDs(t, path, 1)
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket([]byte("usage")) }); err != nil {
		t.Fatal(err)
	}
}

// textIDs rewrites the keys of children/, opids/ and records/ and the log
// entries of the server file at path with their ids as text, as schemas
// before 3 wrote them, and sets its schema to schema.
func textIDs(t *testing.T, path string, schema byte) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cut := func(k []byte) (string, []byte) {
		id, rest, ok := model.CutPackedID(k)
		if !ok {
			t.Fatalf("key %x holds no packed id", k)
		}
		return id, rest
	}
	rekey := func(tx *bolt.Tx, name string, text func(k []byte) string) error {
		b := tx.Bucket([]byte(name))
		keys := map[string][]byte{}
		if err := b.ForEach(func(k, v []byte) error { keys[text(k)] = bytes.Clone(v); return nil }); err != nil {
			return err
		}
		if err := tx.DeleteBucket([]byte(name)); err != nil {
			return err
		}
		if b, err = tx.CreateBucket([]byte(name)); err != nil {
			return err
		}
		for k, v := range keys {
			if err := b.Put([]byte(k), v); err != nil {
				return err
			}
		}
		return nil
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		err := rekey(tx, "children", func(k []byte) string {
			lead, rest := cut(k)
			typ, id, _ := bytes.Cut(rest, []byte{0})
			child, _ := cut(id)
			return lead + "\x00" + string(typ) + "\x00" + child
		})
		if err != nil {
			return err
		}
		if err := rekey(tx, "opids", func(k []byte) string { id, _ := cut(k); return id }); err != nil {
			return err
		}
		// Records keyed by their ids' text (schema 4 packed them).
		recs := tx.Bucket([]byte("records"))
		var types []string
		_ = recs.ForEachBucket(func(typ []byte) error { types = append(types, string(typ)); return nil })
		for _, typ := range types {
			b := recs.Bucket([]byte(typ))
			keys := map[string][]byte{}
			if err := b.ForEach(func(k, v []byte) error { id, _ := cut(k); keys[id] = bytes.Clone(v); return nil }); err != nil {
				return err
			}
			for k := range keys {
				if err := b.Delete(model.AppendPackedID(nil, k)); err != nil {
					return err
				}
			}
			for k, v := range keys {
				if err := b.Put([]byte(k), v); err != nil {
					return err
				}
			}
		}
		// Log entries name their lead as text (kind byte without 0x40).
		log := tx.Bucket([]byte("log"))
		old := map[string][]byte{}
		err = log.ForEach(func(k, v []byte) error {
			if v[0]&0x40 == 0 {
				return nil
			}
			rest := v[1:]
			var slots []byte
			if v[0]&0x80 != 0 {
				_, w := binary.Uvarint(rest)
				slots, rest = rest[:w], rest[w:]
			}
			lead, rest := cut(rest)
			e := append([]byte{v[0] &^ 0x40}, slots...)
			e = binary.AppendUvarint(e, uint64(len(lead)))
			old[string(k)] = append(append(e, lead...), rest...)
			return nil
		})
		if err != nil {
			return err
		}
		for k, v := range old {
			if err := log.Put([]byte(k), v); err != nil {
				return err
			}
		}
		return tx.Bucket([]byte("meta")).Put([]byte("schema_version"), []byte{0, 0, 0, 0, 0, 0, 0, schema})
	}); err != nil {
		t.Fatal(err)
	}
}

// TestBoltSchema3PacksIndexIDs: a server file from before schema 3 (ids
// as text in the keys of children/, opids/ and, before schema 4,
// records/) is upgraded when the server opens it: the keys shrink, an op
// pushed again is a duplicate, and a manager's fresh pull gets every
// record, a lead's children included.
func TestBoltSchema3PacksIndexIDs(t *testing.T) {
	dir := t.TempDir()
	h := startHarness(t, dir, boltBackend)
	ann := h.device("ann", "rep")
	lead := ann.addLead("Old Keys Co")
	for i := range 3 {
		ann.addVisit(lead.ID, fmt.Sprintf("visit %d 拜访", i))
	}
	ann.sync()
	pushed := ann.replica()
	h.close()
	path := server.BoltPath(filepath.Join(dir, "server"))
	textIDs(t, path, 2)
	keyBytes := func() (n int) {
		db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		_ = db.View(func(tx *bolt.Tx) error {
			for _, name := range []string{"children", "opids"} {
				_ = tx.Bucket([]byte(name)).ForEach(func(k, _ []byte) error { n += len(k); return nil })
			}
			recs := tx.Bucket([]byte("records"))
			return recs.ForEachBucket(func(typ []byte) error {
				return recs.Bucket(typ).ForEach(func(k, _ []byte) error { n += len(k); return nil })
			})
		})
		return n
	}
	before := keyBytes()
	startHarness(t, dir, boltBackend).close() // opening the file upgrades it
	if after := keyBytes(); after*10 > before*6 {
		t.Fatalf("keys of children/, opids/ and records/: %d bytes before the upgrade, %d after", before, after)
	}
	h3 := startHarness(t, dir, boltBackend)
	defer h3.close()
	err := h3.st.View(context.Background(), func(tx server.Tx) error {
		if kids, err := tx.Children(lead.ID); err != nil || len(kids) != 3 {
			return fmt.Errorf("the lead's children after the upgrade: %v, %v", kids, err)
		}
		n := 0
		err := tx.Scan(0, func(e server.LogEntry) (bool, error) {
			if e.Kind != server.EntryOp || e.Op == nil && e.Raw == nil {
				return true, nil
			}
			op, err := model.DecodeOp(e.Raw)
			if err != nil {
				return false, err
			}
			if seq, ok, err := tx.OpSeq(op.ID); err != nil || !ok || seq != e.Seq {
				return false, fmt.Errorf("op %s at %d: OpSeq says %d, %v, %v", op.ID, e.Seq, seq, ok, err)
			}
			if e.Lead != lead.ID {
				return false, fmt.Errorf("op %s: its entry names lead %q", op.ID, e.Lead)
			}
			n++
			return true, nil
		})
		if err == nil && n < 4 {
			err = fmt.Errorf("the log holds %d ops", n)
		}
		if err != nil {
			return err
		}
		if rec, ok, err := tx.Record(model.EntityRef{Type: model.TypeLead, ID: lead.ID}); err != nil || !ok || !strings.Contains(string(rec.Fields["company"]), "Old Keys Co") {
			return fmt.Errorf("the lead's record after the upgrade: %v, %v", ok, err)
		}
		records := 0
		err = tx.EachRecord(model.EntityRef{}, func(ref model.EntityRef, _ *model.Record, bad error) (bool, error) {
			if _, ok := pushed[ref]; !ok {
				return false, fmt.Errorf("the server lists %v, which ann did not push", ref)
			}
			records++
			return true, bad
		})
		if err == nil && records != len(pushed) {
			err = fmt.Errorf("the server lists %d records after the upgrade, ann pushed %d", records, len(pushed))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	boss := h3.device("boss", "manager")
	if rep := boss.sync(); rep.Pulled < len(pushed) {
		t.Fatalf("the manager pulled %d changes of %d", rep.Pulled, len(pushed))
	}
	if got := boss.replica(); len(got) != len(pushed) {
		t.Fatalf("the manager holds %d records, ann %d", len(got), len(pushed))
	}
}

// TestAdminUserListShowsWhatEachUserStores: the operator sees each user's
// stored bytes, what the quota counts, with the running server's
// `fieldcrm admin user list`.
func TestAdminUserListShowsWhatEachUserStores(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		w := newProcWorld(t, 1, b)
		ann := w.device("ann", "rep")
		ann.addVisit(ann.addLead("Stored Co").ID, longNotes(3<<10, "s"))
		ann.sync()
		w.device("bob", "rep")
		list := w.admin("user", "list")
		lines := strings.Split(list, "\n")
		if len(lines) < 3 || !strings.Contains(lines[0], "STORED") {
			t.Fatalf("user list: %q", list)
		}
		seen := 0
		for _, l := range lines[1:] {
			f := strings.Fields(l)
			switch {
			case len(f) < 4:
			case f[0] == "ann" && f[3] == "KiB", f[0] == "bob" && f[2] == "0" && f[3] == "bytes":
				seen++
			case f[0] == "ann" || f[0] == "bob":
				t.Fatalf("%s's line: %q", f[0], l)
			}
		}
		if seen != 2 {
			t.Fatalf("user list: %q", list)
		}
	})
}
