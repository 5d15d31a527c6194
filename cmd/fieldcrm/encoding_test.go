package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fieldcrm/fieldcrm/model"
)

// TestImportWindows1252CSV imports the file that was read as GB18030
// ("M黮ler GmbH,K鰈n"): a German list saved by Excel on Windows.
func TestImportWindows1252CSV(t *testing.T) {
	c := newCLI(t)
	path := filepath.Join(t.TempDir(), "kunden.csv")
	// "Müller GmbH,Köln" and "Société Générale,Besançon" in Windows-1252.
	data := "Company,City\r\nM\xfcller GmbH,K\xf6ln\r\nSoci\xe9t\xe9 G\xe9n\xe9rale,Besan\xe7on\r\n"
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	out := c.ok("import", path)
	if !strings.Contains(out, "windows-1252") {
		t.Errorf("import report does not name the encoding:\n%s", out)
	}
	var leads []model.Lead
	if err := json.Unmarshal([]byte(c.ok("lead", "list", "--json")), &leads); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, l := range leads {
		got[l.Company] = l.City
	}
	if len(got) != 2 || got["Müller GmbH"] != "Köln" || got["Société Générale"] != "Besançon" {
		t.Fatalf("imported %v", got)
	}

	// --encoding takes the Latin and Big5 names.
	big5 := filepath.Join(t.TempDir(), "big5.csv")
	if err := os.WriteFile(big5, []byte("Company\n\xa5x\xa5_\xaf\xe0\xb7\xbd\n"), 0o600); err != nil { // 台北能源
		t.Fatal(err)
	}
	if _, errs, err := c.run("", "import", big5, "--encoding", "big5"); err != nil {
		t.Fatalf("--encoding big5: %v %s", err, errs)
	}
	if out := c.ok("lead", "list"); !strings.Contains(out, "台北能源") {
		t.Fatalf("after --encoding big5:\n%s", out)
	}
	if _, errs, err := c.run("", "import", path, "--encoding", "latin1", "--dry-run"); err != nil {
		t.Fatalf("--encoding latin1: %v %s", err, errs)
	}
}
