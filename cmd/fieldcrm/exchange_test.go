package main

import (
	"bytes"
	"encoding/json"
	"github.com/fieldcrm/fieldcrm/remote"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/exchange"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/store"
)

// runExchangeCmd runs fieldcrm with args on the book in dir and returns
// stdout, stderr and the error.
func runExchangeCmd(t *testing.T, dir string, args ...string) (string, string, error) {
	t.Helper()
	t.Setenv("COLUMNS", "300") // whole cells: fitting is tested in table_test.go
	var out, errw bytes.Buffer
	root := newRootCmd(strings.NewReader(""), &out, &errw)
	root.SetArgs(append([]string{"--db", filepath.Join(dir, "book.db"), "--config", filepath.Join(dir, "config.toml"), "--lang", "en"}, args...))
	err := root.Execute()
	return out.String(), errw.String(), err
}

func TestImportExportDedupeMergeCommands(t *testing.T) {
	dir := t.TempDir()
	csvPath := filepath.Join(dir, "展会.csv")
	data := "公司名称,联系人,手机,阶段,下次跟进\n" +
		"华北能源有限公司,王伟,13800138000,已筛选,2026-12-03\n" +
		"南方电力,李娜,13900139000,潜在客户,\n" +
		"坏数据,,138abc,潜在客户,\n"
	if err := os.WriteFile(csvPath, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	out, _, err := runExchangeCmd(t, dir, "import", csvPath, "--dry-run")
	if err != nil || !strings.Contains(out, "Would import (dry run, nothing changed): 2 new, 0 updated, 0 unchanged, 0 duplicate, 1 invalid.") ||
		!strings.Contains(out, `row 4, column "手机"`) {
		t.Fatalf("dry run: %v\n%s", err, out)
	}
	out, _, err = runExchangeCmd(t, dir, "import", csvPath, "--json")
	if err != nil {
		t.Fatal(err)
	}
	var rep exchange.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil || rep.New != 2 || rep.Invalid != 1 {
		t.Fatalf("import --json: %v %s", err, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "展会.rejects.csv")); err != nil {
		t.Fatalf("no rejects file: %v", err)
	}

	// A twin typed in on another device: the name has the legal suffix, the
	// phone +86. Import never makes twins, so it goes in through the store.
	st, err := store.Open(store.Options{Path: filepath.Join(dir, "book.db")})
	if err != nil {
		t.Fatal(err)
	}
	err = st.Update(func(tx *store.Tx) error {
		return tx.AddLead(&model.Lead{Company: "南方电力股份有限公司", Contacts: []model.Contact{{Phone: "+86 139 0013 9000"}}})
	})
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	out, _, err = runExchangeCmd(t, dir, "dedupe", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var pairs []exchange.Pair
	if err := json.Unmarshal([]byte(out), &pairs); err != nil {
		t.Fatalf("dedupe --json: %v %s", err, out)
	}
	if len(pairs) != 1 || pairs[0].CompanyA != "南方电力" || len(pairs[0].Reasons) != 2 {
		t.Fatalf("pairs = %+v", pairs)
	}
	keep, drop := pairs[0].A, pairs[0].B
	out, _, err = runExchangeCmd(t, dir, "dedupe")
	if err != nil || !strings.Contains(out, "same phone 13900139000") || !strings.Contains(out, "fieldcrm merge "+store.ShortID(keep)) {
		t.Fatalf("dedupe: %v %s", err, out)
	}
	out, _, err = runExchangeCmd(t, dir, "merge", keep, drop)
	if err != nil || !strings.Contains(out, "Merged "+store.ShortID(drop)) {
		t.Fatalf("merge: %v %s", err, out)
	}
	out, _, err = runExchangeCmd(t, dir, "dedupe")
	if err != nil || !strings.Contains(out, "No likely duplicates among 2 leads") {
		t.Fatalf("dedupe after merge: %v %s", err, out)
	}

	// Exports: JSON back into a fresh book is the same book.
	jsonPath := filepath.Join(dir, "book.json")
	_, errOut, err := runExchangeCmd(t, dir, "export", "-o", jsonPath)
	if err != nil || !strings.Contains(errOut, "Exported 2 leads") {
		t.Fatalf("export: %v %s", err, errOut)
	}
	fresh := t.TempDir()
	out, _, err = runExchangeCmd(t, fresh, "import", jsonPath)
	if err != nil || !strings.Contains(out, "2 new") {
		t.Fatalf("import json: %v %s", err, out)
	}
	out, _, err = runExchangeCmd(t, dir, "export", "--format", "ics", "--to", "2026-12-31")
	if err != nil || !strings.Contains(out, "DTSTART;VALUE=DATE:20261203") {
		t.Fatalf("ics: %v %s", err, out)
	}
	if _, _, err := runExchangeCmd(t, dir, "export", "--format", "pdf"); err == nil {
		t.Fatal("export --format pdf succeeded")
	}
	if _, _, err := runExchangeCmd(t, dir, "import", filepath.Join(dir, "missing.csv")); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Fatalf("missing file: %v", err)
	}
}

func TestParseDelimiter(t *testing.T) {
	for in, want := range map[string]rune{"": 0, "comma": ',', "TAB": '\t', `\t`: '\t', ";": ';', "pipe": '|', "#": '#'} {
		if got, err := parseDelimiter(in); err != nil || got != want {
			t.Errorf("parseDelimiter(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{`"`, "ab", "\n"} {
		if _, err := parseDelimiter(bad); err == nil {
			t.Errorf("parseDelimiter(%q) accepted", bad)
		}
	}
}

// TestProgressStaysQuietOffTerminal: a progress bar only on a terminal.
func TestProgressStaysQuietOffTerminal(t *testing.T) {
	var errw bytes.Buffer
	a := &app{err: &errw}
	p := a.progress("importing")
	p.start = p.start.Add(-time.Hour) // long past "a moment"
	p.update(1, 10)
	p.finish()
	if errw.Len() != 0 {
		t.Fatalf("progress wrote %q to a non-terminal", errw.String())
	}
}

// TestProgressDrawsAndClears: on a terminal the bar shows after a moment,
// redraws at most every 100 ms, and leaves a clean line.
func TestProgressDrawsAndClears(t *testing.T) {
	var errw bytes.Buffer
	p := &progress{w: &errw, label: "importing", start: time.Now(), enabled: true}
	p.update(1, 10)
	if errw.Len() != 0 {
		t.Fatalf("drew %q before a moment had passed", errw.String())
	}
	p.start = p.start.Add(-time.Hour)
	p.update(4, 10)
	p.update(5, 10) // within 100 ms of the last drawing
	want := "\rimporting  40% [============>                 ] (4/10)"
	if errw.String() != want {
		t.Fatalf("drew %q, want %q", errw.String(), want)
	}
	p.update(10, 10) // the end is always drawn
	p.finish()
	if got := errw.String(); !strings.HasSuffix(got, "(10/10)\r\x1b[K") || !strings.Contains(got, "100% [==============================]") {
		t.Fatalf("end %q", got)
	}
}

// TestSyncProgressPushesThenCounts: a sync's progress is a bar of the ops
// answered while it pushes, then a count of the changes pulled on the
// same line, and nothing once it is hidden.
func TestSyncProgressPushesThenCounts(t *testing.T) {
	var errw bytes.Buffer
	past := time.Now().Add(-time.Hour)
	push := &progress{w: &errw, label: "pushing", start: past, enabled: true}
	pull := &progress{w: &errw, label: "pulling: %d changes", start: past, enabled: true}
	show, hide := syncProgressOn(push, pull)
	show(remote.Report{Pushed: 450, Duplicates: 50}, 2000)
	if want := "\rpushing  25% [=======>                      ] (500/2000)"; errw.String() != want {
		t.Fatalf("while pushing: %q, want %q", errw.String(), want)
	}
	errw.Reset()
	show(remote.Report{Pushed: 1990, Rejected: 10, Pulled: 300}, 2000)
	if want := "\r\x1b[K\rpulling: 300 changes\x1b[K"; errw.String() != want {
		t.Fatalf("once pulling: %q, want %q", errw.String(), want)
	}
	errw.Reset()
	show(remote.Report{Pushed: 2000, Pulled: 5300}, 2000) // within 100 ms
	hide()
	if want := "\r\x1b[K"; errw.String() != want {
		t.Fatalf("at the end: %q, want %q", errw.String(), want)
	}
}
