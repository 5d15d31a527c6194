package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// Deleting asks on a terminal and refuses without one, always names the
// lead a part of a name found, and moves it to the trash, from which it
// comes back; trash and restore reach a colleague's book through a real
// server.
func TestDeleteGoesToTheTrashAndRestoreSyncs(t *testing.T) {
	url, tok := teamServer(t, "alice")
	dir := t.TempDir()
	alice := &cli{t: t, db: filepath.Join(dir, "alice.db"), config: filepath.Join(dir, "alice.toml")}
	alice.ok("login", "--server", url, "--user", "alice", "--token", tok["alice"])
	alice.ok("lead", "add", "--company", "DeleteMe 测试")
	alice.ok("lead", "add", "--company", "Keeper")
	alice.ok("visit", "add", "DeleteMe", "--kind", "call", "--notes", "called", "--next", "send quote", "--due", "+2d")
	alice.ok("sync")
	// Alice's second laptop.
	laptop := &cli{t: t, db: filepath.Join(dir, "laptop2.db"), config: alice.config}
	laptop.ok("sync")
	if _, ok := laptop.owners()["DeleteMe 测试"]; !ok {
		t.Fatal("the second laptop lacks the lead")
	}

	waiting := alice.outboxLen()
	msg := alice.fails("", "lead", "delete", "Delete")
	for _, want := range []string{`"DeleteMe 测试"`, `found by "Delete"`, "--yes", "no terminal", "1 activity"} {
		if !strings.Contains(msg, want) {
			t.Errorf("delete without a terminal: %q lacks %q", msg, want)
		}
	}
	if alice.outboxLen() != waiting {
		t.Fatal("the refused delete wrote something")
	}
	defer func(f func(*app) bool) { onTerminal = f }(onTerminal)
	onTerminal = func(*app) bool { return true }
	out, _, err := alice.run("\n", "lead", "delete", "Delete")
	if err != nil || !strings.Contains(out, `found by "Delete"`) || !strings.Contains(out, "nothing deleted") || alice.outboxLen() != waiting {
		t.Fatalf("delete answered with Enter: %v\n%s", err, out)
	}
	out, _, err = alice.run("y\n", "lead", "delete", "Delete")
	if err != nil || !strings.Contains(out, "moved") || !strings.Contains(out, "DeleteMe 测试") || !strings.Contains(out, "lead restore") {
		t.Fatalf("delete answered yes: %v\n%s", err, out)
	}
	onTerminal = func(*app) bool { return false }
	if _, ok := alice.owners()["DeleteMe 测试"]; ok {
		t.Error("the deleted lead is still listed")
	}
	var trash []trashView
	if err := json.Unmarshal([]byte(alice.ok("trash", "list", "--json")), &trash); err != nil || len(trash) != 1 ||
		trash[0].Company != "DeleteMe 测试" || trash[0].Activities != 1 || trash[0].Tasks != 1 || trash[0].PurgeAfter.Sub(trash[0].DeletedAt).Hours() != 30*24 {
		t.Fatalf("trash list --json: %+v %v", trash, err)
	}
	if out := alice.ok("trash", "list"); !strings.Contains(out, "DeleteMe 测试") {
		t.Errorf("trash list:\n%s", out)
	}

	// The trash syncs; the other laptop restores it; that syncs back.
	alice.ok("sync")
	laptop.ok("sync")
	if _, ok := laptop.owners()["DeleteMe 测试"]; ok {
		t.Fatal("the deletion did not reach the second laptop")
	}
	if out := laptop.ok("trash", "list"); !strings.Contains(out, "DeleteMe 测试") {
		t.Fatalf("the second laptop's trash:\n%s", out)
	}
	if msg := laptop.fails("", "lead", "restore", "Keeper"); !strings.Contains(msg, "not in the trash") {
		t.Errorf("restoring a live lead: %s", msg)
	}
	if out := laptop.ok("lead", "restore", "测试"); !strings.Contains(out, "restored") {
		t.Errorf("restore said: %s", out)
	}
	laptop.ok("sync")
	alice.ok("sync")
	if _, ok := alice.owners()["DeleteMe 测试"]; !ok {
		t.Fatal("the restore did not reach alice's book")
	}
	var detail leadDetail
	json.Unmarshal([]byte(alice.ok("lead", "show", "DeleteMe", "--json")), &detail)
	if len(detail.Activities) != 1 || len(detail.FollowUps) != 1 {
		t.Errorf("the restored lead lost its activity or follow-up: %+v", detail)
	}
	if out := alice.ok("trash", "list"); !strings.Contains(out, "the trash is empty") {
		t.Errorf("trash after restore:\n%s", out)
	}

	// Emptying: a recent deletion stays; --all asks, or needs --yes.
	alice.ok("lead", "delete", "Keeper", "--yes")
	alice.ok("sync")
	if out := alice.ok("trash", "empty"); !strings.Contains(out, "removed 0 lead(s)") {
		t.Errorf("trash empty: %s", out)
	}
	if msg := alice.fails("", "trash", "empty", "--all"); !strings.Contains(msg, "--yes") {
		t.Errorf("trash empty --all without a terminal: %s", msg)
	}
	if out := alice.ok("trash", "empty", "--all", "--yes"); !strings.Contains(out, "removed 1 lead(s)") {
		t.Errorf("trash empty --all --yes: %s", out)
	}
	if out := alice.ok("trash", "list"); !strings.Contains(out, "the trash is empty") {
		t.Errorf("trash after emptying:\n%s", out)
	}
}
