package main

import (
	"context"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestSmallLoad runs the load test's whole logic at a small size: a real
// server and 5 real client processes (one a manager) editing and syncing
// for 10 s, then the final sync and the convergence check.
func TestSmallLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds fieldcrm and runs processes for 10 s")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "fieldcrm")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/fieldcrm").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	res, err := Run(ctx, Config{Bin: bin, Work: dir, Clients: 5, Managers: 1, Duration: 10 * time.Second,
		Think: 100 * time.Millisecond, Seed: 7, Log: testWriter{t}})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Converged() {
		t.Fatalf("not converged: %q", res.Problems)
	}
	if res.Edits < 10 || res.Syncs < 5 || res.EditErrors+res.SyncErrors > 0 {
		t.Fatalf("too little done, or errors: %+v", res)
	}
	if res.Leads == 0 || res.Activities == 0 || len(res.ServerPeakRSS) != 1 || res.ServerPeakRSS[0] <= 0 {
		t.Fatalf("result: %+v", res)
	}
	t.Logf("%d edits, %d syncs, sync p50 %s p95 %s, server peak RSS %d KiB", res.Edits, res.Syncs, res.SyncP50, res.SyncP95, res.ServerPeakRSS[0]>>10)
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) { w.t.Log(string(b)); return len(b), nil }
