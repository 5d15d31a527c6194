package i18n

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var verb = regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z%]`)

// TestEveryKeyInBothLanguages checks that each entry has English and
// Chinese text with the same format verbs, and that no key is defined twice.
func TestEveryKeyInBothLanguages(t *testing.T) {
	seen := map[string]bool{}
	for _, e := range all() {
		if seen[e.key] {
			t.Errorf("key %q is defined twice", e.key)
		}
		seen[e.key] = true
		if strings.TrimSpace(e.en) == "" || strings.TrimSpace(e.zh) == "" {
			t.Errorf("key %q: en=%q zh=%q; both languages need a text", e.key, e.en, e.zh)
		}
		if a, b := verb.FindAllString(e.en, -1), verb.FindAllString(e.zh, -1); strings.Join(a, " ") != strings.Join(b, " ") {
			t.Errorf("key %q: English verbs %v, Chinese verbs %v", e.key, a, b)
		}
	}
	if T(ZH, "board.title") == T(EN, "board.title") {
		t.Error("zh and en give the same board title")
	}
	if got := T(EN, "no.such.key"); got != "no.such.key" {
		t.Errorf("missing key gives %q, want the key", got)
	}
}

// literal finds catalog keys written in the UI's source: T("x.y"),
// Tf("x.y", ...) and keys passed on as strings ("key.up").
var literal = regexp.MustCompile(`"((?:board|key|lead|field|form|status|severity|complaint|screen|today|daily|visits|visit|capture|palette|sync|rejected|aside)\.[a-z_]+)"`)

// TestEveryKeyTheUIUsesExists scans the UI's source for catalog keys and
// checks that each one is in the catalog, so no screen shows a raw key.
func TestEveryKeyTheUIUsesExists(t *testing.T) {
	found := 0
	err := filepath.WalkDir("../ui", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range literal.FindAllStringSubmatch(string(src), -1) {
			found++
			if !Has(m[1]) {
				t.Errorf("%s uses %q, which the catalog lacks", path, m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if found < 50 {
		t.Fatalf("found only %d key uses in ../ui; is the scan broken?", found)
	}
}
