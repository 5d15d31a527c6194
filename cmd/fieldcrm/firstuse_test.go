package main

import (
	"os"
	"strings"
	"testing"

	"github.com/fieldcrm/fieldcrm/config"
	"github.com/fieldcrm/fieldcrm/store"
)

func TestAWriteByNobodyNamedSaysHowToSetAName(t *testing.T) {
	c := newCLI(t)
	_, errs, err := c.run("", "lead", "add", "--company", "Acme")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(errs), "\n")
	if len(lines) != 1 || !strings.Contains(errs, `user = "NAME"`) || !strings.Contains(errs, c.config) || !strings.Contains(errs, "you have no user name") {
		t.Fatalf("stderr after an unnamed write: %q; want one line naming user = \"NAME\" and %s", errs, c.config)
	}
	// Reading says nothing.
	if _, errs, _ := c.run("", "lead", "list"); errs != "" {
		t.Errorf("lead list printed %q", errs)
	}
	// A user line in the config silences it.
	if err := os.WriteFile(c.config, []byte("user = \"wang\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, errs, err := c.run("", "lead", "add", "--company", "Beta"); err != nil || errs != "" {
		t.Errorf("named write: %v, stderr %q", err, errs)
	}
	// So does a book bound to an account, whatever the config says.
	os.Remove(c.config)
	st, err := store.Open(store.Options{Path: c.db})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Update(func(tx *store.Tx) error { return tx.Bind("https://crm.example.com", "ann") }); err != nil {
		t.Fatal(err)
	}
	st.Close()
	if _, errs, err := c.run("", "lead", "add", "--company", "Gamma"); err != nil || strings.Contains(errs, "user name") {
		t.Errorf("write to a bound book: %v, stderr %q", err, errs)
	}
}

// TestSaveNameWritesTheConfigsUserLine checks what the UI's first-start
// screen saves through: the user line, the rest of the config kept, and
// a config that does not parse refused rather than replaced.
func TestSaveNameWritesTheConfigsUserLine(t *testing.T) {
	c := newCLI(t)
	if err := os.WriteFile(c.config, []byte("lang = \"zh\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	a := &app{configPath: c.config, err: os.Stderr}
	a.loadConfig()
	if err := a.saveName("王丽"); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(c.config)
	if err != nil || cfg.User != "王丽" || cfg.Lang != "zh" || a.cfg.User != "王丽" {
		t.Fatalf("after saveName: %+v, %v", cfg, err)
	}
	bad := []byte("lang = \n")
	if err := os.WriteFile(c.config, bad, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := a.saveName("ann"); err == nil {
		t.Fatal("saveName replaced a config that does not parse")
	}
	if got, _ := os.ReadFile(c.config); string(got) != string(bad) {
		t.Errorf("the bad config became %q", got)
	}
}
