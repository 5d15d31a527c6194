package server_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/fieldcrm/fieldcrm/server"
	"github.com/fieldcrm/fieldcrm/store"
)

// pgTool finds a PostgreSQL client program (pg_dump, pg_restore) of the
// newest installed version, or on PATH.
func pgTool(t *testing.T, name string) string {
	t.Helper()
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/" + name)
	sort.Strings(bins)
	if len(bins) > 0 {
		return bins[len(bins)-1]
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is required in CI", name)
	}
	t.Skipf("%s is not installed", name)
	return ""
}

// TestPostgresDumpRestoreAndEpochBump follows docs/server.md: pg_dump of
// a serving database, more work synced, servers stopped, pg_restore
// --clean over the database, 'admin epoch bump', servers started: the
// rep's work made after the dump reaches the restored database at the
// rep's next sync, and a manager's laptop gets it.
func TestPostgresDumpRestoreAndEpochBump(t *testing.T) {
	db := freshDatabase(t)
	pgDump, pgRestore := pgTool(t, "pg_dump"), pgTool(t, "pg_restore")
	dir := t.TempDir()
	addr := freeAddr(t)
	url := "http://" + addr
	srv := startServe(t, server.Config{Database: db, Addr: addr})
	ctx := context.Background()
	adm, closeAdm, err := server.OpenAdminDatabase(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	annTok, err := adm.AddUser(ctx, "ann", "rep")
	if err != nil {
		t.Fatal(err)
	}
	bossTok, err := adm.AddUser(ctx, "boss", "manager")
	if err != nil {
		t.Fatal(err)
	}
	closeAdm()
	ann := bookOn(t, dir, url, "ann", annTok)
	lead := ann.addLead("Acme")
	ann.addVisit(lead.ID, "before the dump")
	ann.sync()

	dump := filepath.Join(dir, "fieldcrm.dump")
	if out, err := exec.Command(pgDump, "--format=custom", "--file="+dump, "--dbname="+db).CombinedOutput(); err != nil {
		t.Fatalf("pg_dump: %v\n%s", err, out)
	}
	ann.addVisit(lead.ID, "after the dump")
	lead2 := ann.addLead("Beta")
	ann.addVisit(lead2.ID, "the second lead's first visit")
	ann.sync()

	srv.stop()
	if out, err := exec.Command(pgRestore, "--clean", "--if-exists", "--no-owner", "--dbname="+db, dump).CombinedOutput(); err != nil {
		t.Fatalf("pg_restore: %v\n%s", err, out)
	}
	adm, closeAdm, err = server.OpenAdminDatabase(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	epoch, err := adm.BumpEpoch(ctx)
	closeAdm()
	if err != nil || epoch == "" {
		t.Fatalf("epoch bump: %q %v", epoch, err)
	}
	startServe(t, server.Config{Database: db, Addr: addr})

	ann.sync()
	if r := ann.rejected(); len(r) != 0 {
		t.Fatalf("the resend was refused: %+v", r)
	}
	var annEpoch string
	_ = ann.st.View(func(tx *store.Tx) error { annEpoch = tx.SyncState().Epoch; return nil })
	if annEpoch != epoch {
		t.Fatalf("ann's book is at epoch %q, the server at %q", annEpoch, epoch)
	}
	boss := bookOn(t, dir, url, "boss", bossTok)
	boss.sync()
	want, got := notesOf(t, ann), notesOf(t, boss)
	slices.Sort(want)
	slices.Sort(got)
	if strings.Join(got, "|") != strings.Join(want, "|") || !slices.Contains(got, "after the dump") {
		t.Fatalf("notes on the restored database:\n got  %q\n want %q", got, want)
	}
	if !boss.has("lead", lead2.ID) {
		t.Fatal("the lead made after the dump is missing")
	}
}
