package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/fieldcrm/fieldcrm/jsonpack"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/server"
)

// On PostgreSQL the log stores each op packed (jsonpack), and reads a row
// an older server wrote as JSON as it is, and a damaged one as an error.
func TestPGLogStoresOpsPacked(t *testing.T) {
	db := freshDatabase(t)
	h := newHarness(t, backend{name: "postgres", database: db, open: func(f failer, _ string) server.Storage { return openPG(f, db) }})
	ann := h.device("ann", server.RoleRep)
	lead := ann.addLead("Packed In The Log")
	ann.addVisit(lead.ID, "第一次拜访，客户很满意")
	ann.sync()
	ctx := context.Background()
	u := server.User{Name: "ann", Role: server.RoleRep}
	pulled := func() ([]json.RawMessage, error) {
		page, err := h.svc.Pull(ctx, u, 0, 10)
		var ops []json.RawMessage
		for _, c := range page.Changes {
			op, uerr := c.OpJSON()
			ops, err = append(ops, op), errors.Join(err, uerr)
		}
		return ops, err
	}
	want, err := pulled()
	if err != nil || len(want) != 2 {
		t.Fatalf("pulled %d ops, %v", len(want), err)
	}

	stored := pgQuery[[]byte](t, db, `SELECT op FROM log WHERE seq = 2`)
	if len(stored) == 0 || stored[0] != 0x01 || len(stored) >= len(want[1]) {
		t.Fatalf("the log holds %d bytes starting %q for an op of %d bytes of JSON, not packed", len(stored), stored[:min(len(stored), 8)], len(want[1]))
	}

	// A row as a server before packing wrote it.
	pgExec(t, db, `UPDATE log SET op = $1 WHERE seq = 2`, []byte(want[1]))
	got, err := pulled()
	if err != nil || len(got) != 2 || !bytes.Equal(got[1], want[1]) || !bytes.Equal(got[0], want[0]) {
		t.Fatalf("with a row of JSON: %d ops, %v", len(got), err)
	}

	// A damaged one. A pull passes ops on as stored: a page in JSON
	// fails as it is written, naming the entry, and a page with the ops
	// embedded (for clients that read them) is refused where it is read.
	pgExec(t, db, `UPDATE log SET op = $1 WHERE seq = 2`, append([]byte{0x01, 0x01}, stored[2:len(stored)/2]...))
	page, err := h.svc.Pull(ctx, u, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := page.MarshalJSON(); err == nil || !strings.Contains(err.Error(), "log entry 2 is corrupt") {
		t.Fatalf("a damaged row in a page of JSON: %v", err)
	}
	packed, err := page.AppendPacked(nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := jsonpack.Unpack(nil, packed); !errors.Is(err, jsonpack.ErrDamaged) {
		t.Fatalf("a damaged row in a packed page: %v", err)
	}
}

// unpackPGLog writes every op of the log at dbURL back as JSON, as servers
// before the packed log stored them: for tests that take a database back
// to an older schema.
func unpackPGLog(t *testing.T, dbURL string) {
	t.Helper()
	for _, seq := range pgQuery[[]int64](t, dbURL, `SELECT coalesce(array_agg(seq), '{}') FROM log WHERE op IS NOT NULL`) {
		op, err := jsonpack.Unpack(nil, pgQuery[[]byte](t, dbURL, `SELECT op FROM log WHERE seq = $1`, seq))
		if err != nil {
			t.Fatal(err)
		}
		pgExec(t, dbURL, `UPDATE log SET op = $1 WHERE seq = $2`, op, seq)
	}
}

// An op id already in the log fails the push's COPY of its log rows with
// the unique constraint named, which Update takes for a conflict another
// server's commit caused and runs again: the same as an INSERT did.
func TestPGLogCopyNamesADuplicateOpID(t *testing.T) {
	db := freshDatabase(t)
	st := openPG(t, db)
	defer st.Close()
	st.MaxRetries = 2
	ctx := context.Background()
	op := forged(model.EntityRef{Type: model.TypeLead, ID: model.NewID()}, model.OpCreate, map[string]any{"company": "Twice", "owner": "ann"})
	entry := server.LogEntry{Kind: server.EntryOp, Op: &op, Raw: mustJSON(op), Lead: op.Entity.ID}
	if err := st.Update(ctx, func(tx server.Tx) error { _, err := tx.Append(entry); return err }); err != nil {
		t.Fatal(err)
	}
	runs := 0
	err := st.Update(ctx, func(tx server.Tx) error { runs++; _, err := tx.Append(entry); return err })
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "23505" || pe.ConstraintName != "log_op_id_key" || runs != 3 {
		t.Fatalf("the same op id appended again: %v after %d runs; want the unique violation of log_op_id_key, run 3 times", err, runs)
	}
	if n := pgQuery[int64](t, db, `SELECT count(*) FROM log`); n != 1 {
		t.Fatalf("%d rows in the log, want 1", n)
	}
}

// A transaction's records and children reach PostgreSQL whether few (as
// queued INSERTs) or many (by COPY into a staging table): a record
// written twice keeps its last value, reads inside the transaction see
// what it wrote, a rolled-back transaction leaves nothing, and the next
// transactions on the same connections stage theirs again.
func TestPGRecordsFewOrManyReachTheTables(t *testing.T) {
	db := freshDatabase(t)
	st := openPG(t, db)
	defer st.Close()
	ctx := context.Background()
	lead := func(i int, company string) *model.Record {
		rec := model.NewRecord(model.TypeLead)
		rec.Fields["company"] = mustJSON(company)
		rec.Fields["owner"] = mustJSON("ann")
		return rec
	}
	for _, n := range []int{5, 300, 300, 63, 64} {
		var refs, kids []model.EntityRef
		for range n {
			refs = append(refs, model.EntityRef{Type: model.TypeLead, ID: model.NewID()})
			kids = append(kids, model.EntityRef{Type: model.TypeActivity, ID: model.NewID()})
		}
		write := func(tx server.Tx, i int) error {
			if err := tx.PutRecord(refs[i], lead(i, "first")); err != nil {
				return err
			}
			visit := model.NewRecord(model.TypeActivity)
			visit.Fields["lead_id"] = mustJSON(refs[i].ID)
			visit.Fields["notes"] = mustJSON("拜访")
			if err := tx.PutRecord(kids[i], visit); err != nil {
				return err
			}
			return tx.AddChild(refs[i].ID, kids[i])
		}
		// Rolled back: nothing stays.
		undo := errors.New("undo")
		if err := st.Update(ctx, func(tx server.Tx) error {
			for i := range n {
				if err := write(tx, i); err != nil {
					return err
				}
			}
			return undo
		}); !errors.Is(err, undo) {
			t.Fatalf("%d records: %v, want the rollback", n, err)
		}
		if c := pgQuery[int64](t, db, `SELECT count(*) FROM records WHERE id = ANY($1)`, ids(refs)); c != 0 {
			t.Fatalf("%d records: %d stayed after a rollback", n, c)
		}
		if err := st.Update(ctx, func(tx server.Tx) error {
			for i := range n {
				if err := write(tx, i); err != nil {
					return err
				}
			}
			// Read inside the transaction: the half written so far is there.
			got, err := tx.ChildRecords(refs[n/2].ID, model.TypeActivity)
			if err != nil || len(got) != 1 || got[kids[n/2]] == nil {
				return fmt.Errorf("a lead's children read in the writing transaction: %v, %v", got, err)
			}
			for i := range n { // the second write of each lead is the one kept
				if err := tx.PutRecord(refs[i], lead(i, fmt.Sprintf("second %d", i))); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatalf("%d records: %v", n, err)
		}
		if err := st.View(ctx, func(tx server.Tx) error {
			for i := range n {
				rec, ok, err := tx.Record(refs[i])
				if err != nil || !ok || string(rec.Fields["company"]) != fmt.Sprintf(`"second %d"`, i) {
					return fmt.Errorf("lead %d: %s, %v, %v", i, rec.Fields["company"], ok, err)
				}
				got, err := tx.Children(refs[i].ID)
				if err != nil || len(got) != 1 || got[0] != kids[i] {
					return fmt.Errorf("lead %d's children: %v, %v", i, got, err)
				}
			}
			return nil
		}); err != nil {
			t.Fatalf("%d records: %v", n, err)
		}
	}
}

// Records a push finds missing when it reads ahead are new, and are copied
// into the table itself when enough are: written again after they were
// sent, or found there by a later transaction, they are upserted (the
// table's key would refuse a second copy of one).
func TestPGNewRecordsCopiedStraightIn(t *testing.T) {
	db := freshDatabase(t)
	st := openPG(t, db)
	defer st.Close()
	ctx := context.Background()
	lead := func(company string) *model.Record {
		rec := model.NewRecord(model.TypeLead)
		rec.Fields["company"] = mustJSON(company)
		rec.Fields["owner"] = mustJSON("ann")
		return rec
	}
	refs := func(n int) []model.EntityRef {
		out := make([]model.EntityRef, n)
		for i := range out {
			out[i] = model.EntityRef{Type: model.TypeLead, ID: model.NewID()}
		}
		return out
	}
	want := func(what string, refs []model.EntityRef, company func(i int) string) {
		t.Helper()
		if err := st.View(ctx, func(tx server.Tx) error {
			for i, ref := range refs {
				rec, ok, err := tx.Record(ref)
				if err != nil || !ok || string(rec.Fields["company"]) != `"`+company(i)+`"` {
					return fmt.Errorf("lead %d: %s, %v, %v; want %q", i, rec.Fields["company"], ok, err, company(i))
				}
			}
			return nil
		}); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if c := pgQuery[int64](t, db, `SELECT count(*) FROM records`); c != int64(len(refs)) {
			t.Fatalf("%s: %d records, want %d", what, c, len(refs))
		}
	}
	old := refs(100)
	if err := st.Update(ctx, func(tx server.Tx) error {
		if err := server.PrefetchRecords(tx, old); err != nil {
			return err
		}
		for _, ref := range old {
			if err := tx.PutRecord(ref, lead("first")); err != nil {
				return err
			}
		}
		if _, err := tx.ChildRecords(old[0].ID, model.TypeActivity); err != nil { // sends what was written
			return err
		}
		for _, ref := range old[:70] { // more than a COPY's worth
			if err := tx.PutRecord(ref, lead("second")); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	want("new records, most written again", old, func(i int) string { return map[bool]string{true: "second", false: "first"}[i < 70] })

	all := append(old, refs(100)...)
	if err := st.Update(ctx, func(tx server.Tx) error {
		if err := server.PrefetchRecords(tx, all); err != nil {
			return err
		}
		for _, ref := range all {
			if err := tx.PutRecord(ref, lead("third")); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	want("records found and new ones beside them", all, func(int) string { return "third" })
}

// The children of records a push finds missing are copied into the table
// itself. A record a repair dropped keeps its row there, so a push that
// makes it again meets that row: the transaction runs again, once, with
// every child upserted, and so does every later one on that storage. The
// children are the same either way, each row once.
func TestPGChildrenOfNewRecordsCopied(t *testing.T) {
	db := freshDatabase(t)
	st := openPG(t, db)
	defer st.Close()
	st.MaxRetries = 0 // the rerun for children met is not a retry
	ctx := context.Background()
	lead := model.EntityRef{Type: model.TypeLead, ID: model.NewID()}
	visits := func(n int) []model.EntityRef {
		out := make([]model.EntityRef, n)
		for i := range out {
			out[i] = model.EntityRef{Type: model.TypeActivity, ID: model.NewID()}
		}
		return out
	}
	// push writes the visits under lead as a push does: read ahead,
	// written, then named among the lead's records; it returns how many
	// times the transaction ran.
	push := func(refs []model.EntityRef) int {
		t.Helper()
		runs := 0
		if err := st.Update(ctx, func(tx server.Tx) error {
			runs++
			if err := server.PrefetchRecords(tx, append([]model.EntityRef{lead}, refs...)); err != nil {
				return err
			}
			rec := model.NewRecord(model.TypeLead)
			rec.Fields["company"] = mustJSON("苏州客户")
			rec.Fields["owner"] = mustJSON("ann")
			if err := tx.PutRecord(lead, rec); err != nil {
				return err
			}
			for _, ref := range refs {
				visit := model.NewRecord(model.TypeActivity)
				visit.Fields["lead_id"] = mustJSON(lead.ID)
				if err := tx.PutRecord(ref, visit); err != nil {
					return err
				}
				if err := tx.AddChild(lead.ID, ref); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return runs
	}
	wantChildren := func(what string, refs []model.EntityRef) {
		t.Helper()
		if err := st.View(ctx, func(tx server.Tx) error {
			got, err := tx.Children(lead.ID)
			if err != nil {
				return err
			}
			want := slices.Clone(refs)
			slices.SortFunc(want, func(a, b model.EntityRef) int { return strings.Compare(a.ID, b.ID) })
			if !slices.Equal(got, want) {
				return fmt.Errorf("%d children, want %d", len(got), len(want))
			}
			return nil
		}); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}

	first := visits(100)
	if runs := push(first); runs != 1 {
		t.Fatalf("new records' children: the transaction ran %d times, want once", runs)
	}
	wantChildren("new records", first)

	// A repair drops one; its row among the lead's children stays.
	if err := st.Update(ctx, func(tx server.Tx) error { return tx.(server.RepairTx).DropRecord(first[7]) }); err != nil {
		t.Fatal(err)
	}
	again := append([]model.EntityRef{first[7]}, visits(99)...)
	if runs := push(again); runs != 2 {
		t.Fatalf("a dropped record made again beside new ones: the transaction ran %d times, want twice", runs)
	}
	all := append(slices.Clone(first), again[1:]...)
	wantChildren("a dropped record made again", all)

	// From then on this storage upserts: once is enough.
	more := visits(80)
	if runs := push(more); runs != 1 {
		t.Fatalf("after children met: the transaction ran %d times, want once", runs)
	}
	wantChildren("after children met", append(all, more...))
	if n := pgQuery[int64](t, db, `SELECT count(*) FROM children`); n != int64(len(all)+len(more)) {
		t.Fatalf("%d rows of children, want %d", n, len(all)+len(more))
	}
}

// A record written and then dropped in one transaction, before the write
// was sent, is not sent: the drop wins, as when each write was queued in
// order (few records or many, new or already there).
func TestPGRecordWrittenThenDroppedIsGone(t *testing.T) {
	db := freshDatabase(t)
	st := openPG(t, db)
	defer st.Close()
	ctx := context.Background()
	for _, n := range []int{3, 100} {
		refs := make([]model.EntityRef, n)
		for i := range refs {
			refs[i] = model.EntityRef{Type: model.TypeLead, ID: model.NewID()}
		}
		lead := model.NewRecord(model.TypeLead)
		lead.Fields["company"] = mustJSON("Dropped")
		lead.Fields["owner"] = mustJSON("ann")
		write := func(tx server.Tx) error {
			for _, ref := range refs {
				if err := tx.PutRecord(ref, lead); err != nil {
					return err
				}
			}
			return nil
		}
		if err := st.Update(ctx, write); err != nil { // there already, for the second round
			t.Fatal(err)
		}
		for _, prefetch := range []bool{false, true} {
			if err := st.Update(ctx, func(tx server.Tx) error {
				if prefetch {
					if err := server.PrefetchRecords(tx, refs); err != nil {
						return err
					}
				}
				if err := write(tx); err != nil {
					return err
				}
				for _, ref := range refs {
					if err := tx.(server.RepairTx).DropRecord(ref); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				t.Fatalf("%d records written and dropped: %v", n, err)
			}
			if c := pgQuery[int64](t, db, `SELECT count(*) FROM records WHERE id = ANY($1)`, ids(refs)); c != 0 {
				t.Fatalf("%d records written and dropped: %d still there", n, c)
			}
			if err := st.Update(ctx, write); err != nil { // and back for the next round
				t.Fatal(err)
			}
		}
	}
}

func ids(refs []model.EntityRef) []string {
	out := make([]string, len(refs))
	for i, r := range refs {
		out[i] = r.ID
	}
	return out
}
