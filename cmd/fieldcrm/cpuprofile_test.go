package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCPUProfileWritten runs the real binary with FIELDCRM_CPU_PROFILE:
// each process writes one profile, a gzipped pprof of CPU samples; a
// folder it cannot write to is said in one line and the command still
// does its work.
func TestCPUProfileWritten(t *testing.T) {
	bin := buildBinary(t)
	home, dir := t.TempDir(), t.TempDir()
	db := filepath.Join(home, "b.db")
	t.Setenv(cpuProfileEnv, dir)
	for _, company := range []string{"Acme", "Beta"} {
		if r := runBin(t, bin, home, "--db", db, "lead", "add", "--company", company); r.code != 0 || strings.Contains(r.stderr, "profile") {
			t.Fatalf("lead add: %+v", r)
		}
	}
	files, err := filepath.Glob(filepath.Join(dir, "fieldcrm-*.pprof"))
	if err != nil || len(files) != 2 {
		t.Fatalf("profiles: %v, %v", files, err)
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("%s is not gzipped: %v", f, err)
		}
		body, err := io.ReadAll(zr)
		if err != nil || !bytes.Contains(body, []byte("samples")) || !bytes.Contains(body, []byte("nanoseconds")) {
			t.Fatalf("%s is not a CPU profile (%d bytes, %v)", f, len(body), err)
		}
	}

	t.Setenv(cpuProfileEnv, filepath.Join(dir, "missing"))
	r := runBin(t, bin, home, "--db", db, "lead", "add", "--company", "Gamma")
	if r.code != 0 || strings.Count(r.stderr, "no CPU profile written") != 1 {
		t.Fatalf("unwritable folder: %+v", r)
	}
	if r := runBin(t, bin, home, "--db", db, "lead", "list"); !strings.Contains(r.stdout, "Gamma") {
		t.Fatalf("the lead was not added: %+v", r)
	}
}
