package main

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fieldcrm/fieldcrm/server"
)

// teamServer is a real server (bbolt in a temp folder, HTTP on 127.0.0.1)
// with a rep for each name; it returns the address and the tokens.
func teamServer(t *testing.T, names ...string) (string, map[string]string) {
	t.Helper()
	st, err := server.OpenBolt(t.TempDir(), true)
	if err != nil {
		t.Fatal(err)
	}
	svc := &server.Service{Store: st}
	srv := httptest.NewServer(server.Handler(svc, server.Options{Rate: 1e6, Burst: 1e6}))
	t.Cleanup(func() { srv.Close(); st.Close() })
	toks := map[string]string{}
	for _, n := range names {
		if toks[n], err = svc.AddUser(context.Background(), n, "rep"); err != nil {
			t.Fatal(err)
		}
	}
	return srv.URL, toks
}

func (c *cli) fails(stdin string, args ...string) string {
	c.t.Helper()
	out, _, err := c.run(stdin, args...)
	if err == nil {
		c.t.Fatalf("fieldcrm %v succeeded:\n%s", args, out)
	}
	return err.Error()
}

func (c *cli) owners() map[string]string {
	c.t.Helper()
	var leads []struct{ Company, Owner string }
	if err := json.Unmarshal([]byte(c.ok("lead", "list", "--json")), &leads); err != nil {
		c.t.Fatal(err)
	}
	m := map[string]string{}
	for _, l := range leads {
		m[l.Company] = l.Owner
	}
	return m
}

// One book, two configs: alice's book under bob's login neither syncs nor
// writes as bob; handing it to bob takes --rebind, says what becomes of the
// unsynced work, and pulls bob's history from the beginning.
func TestABookIsBoundToItsAccount(t *testing.T) {
	url, tok := teamServer(t, "alice", "bob")
	t.Setenv("COLUMNS", "300") // the refused list's reasons uncut
	dir := t.TempDir()
	bob := &cli{t: t, db: filepath.Join(dir, "bob.db"), config: filepath.Join(dir, "bob.toml")}
	bob.ok("login", "--server", url, "--user", "bob", "--token", tok["bob"])
	bob.ok("lead", "add", "--company", "Bob Early Lead")
	bob.ok("sync")

	alice := &cli{t: t, db: filepath.Join(dir, "alice.db"), config: filepath.Join(dir, "alice.toml")}
	alice.ok("lead", "add", "--company", "Alice Lead")
	alice.ok("login", "--server", url, "--user", "alice", "--token", tok["alice"])
	alice.ok("sync")

	// Bob's config on alice's book.
	bobOnAlice := &cli{t: t, db: alice.db, config: bob.config}
	msg := bobOnAlice.fails("", "sync")
	for _, want := range []string{"belongs to alice", "logged in as bob", "nothing was synced", "--rebind"} {
		if !strings.Contains(msg, want) {
			t.Errorf("the refusal %q does not say %q", msg, want)
		}
	}
	bobOnAlice.ok("lead", "add", "--company", "Written In Alice Book")
	if o := bobOnAlice.owners()["Written In Alice Book"]; o != "alice" {
		t.Errorf("a lead written in alice's book under bob's config belongs to %q", o)
	}
	if out := bobOnAlice.ok("sync", "--status"); !strings.Contains(out, "book of:   alice on "+url) || !strings.Contains(out, "problem:   this book belongs to alice") {
		t.Errorf("sync --status does not name the book's account:\n%s", out)
	}
	msg = bobOnAlice.fails("", "login", "--server", url, "--user", "bob", "--token", tok["bob"])
	if !strings.Contains(msg, "belongs to alice") || !strings.Contains(msg, "--rebind") {
		t.Errorf("login as bob on alice's book: %s", msg)
	}
	// Nothing changed: alice still syncs her book, with the lead.
	if out := alice.ok("sync"); !strings.Contains(out, "pushed 1") {
		t.Errorf("alice's sync after the refusals: %s", out)
	}

	// Handing the book to bob with work not yet synced.
	alice.ok("lead", "add", "--company", "Alice Unsynced")
	msg = bobOnAlice.fails("", "login", "--rebind", "--server", url, "--user", "bob", "--token", tok["bob"])
	if !strings.Contains(msg, "--unsynced keep") || !strings.Contains(msg, "nothing was changed") {
		t.Errorf("rebind with unsynced work and no terminal: %s", msg)
	}
	out := bobOnAlice.ok("login", "--rebind", "--unsynced", "set-aside", "--server", url, "--user", "bob", "--token", tok["bob"])
	if !strings.Contains(out, "now bob's") || !strings.Contains(out, "refused list") {
		t.Errorf("rebind said:\n%s", out)
	}
	out = bobOnAlice.ok("sync")
	if !strings.Contains(out, "pushed 0") {
		t.Errorf("the set-aside work was pushed: %s", out)
	}
	owners := bobOnAlice.owners()
	if owners["Bob Early Lead"] != "bob" {
		t.Errorf("bob's earlier lead did not arrive with the fresh cursor: %v", owners)
	}
	if rej := bobOnAlice.ok("sync", "--rejected"); !strings.Contains(rej, "handed to bob") {
		t.Errorf("the unsynced work is not in the refused list:\n%s", rej)
	}
	// Now alice's config is the stranger.
	if msg := alice.fails("", "sync"); !strings.Contains(msg, "belongs to bob") {
		t.Errorf("alice's sync on the book handed to bob: %s", msg)
	}

	// Back to alice, on a terminal, keeping bob's unsynced lead.
	bobOnAlice.ok("lead", "add", "--company", "Bob Unsynced")
	defer func(f func(*app) bool) { onTerminal = f }(onTerminal)
	onTerminal = func(*app) bool { return true }
	out, _, err := alice.run("y\n", "login", "--rebind", "--server", url, "--user", "alice", "--token", tok["alice"])
	if err != nil || !strings.Contains(out, "Push them to") || !strings.Contains(out, "pushed as alice") {
		t.Fatalf("rebind on a terminal: %v\n%s", err, out)
	}
	if out := alice.ok("sync"); !strings.Contains(out, "pushed 1") {
		t.Errorf("the kept work was not pushed: %s", out)
	}
	if o := alice.owners()["Bob Unsynced"]; o != "alice" {
		t.Errorf("the kept lead belongs to %q", o)
	}
}
