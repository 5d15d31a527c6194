package server_test

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/remote"
	"github.com/fieldcrm/fieldcrm/server"
)

// TestDisabledUserIsRefusedAndKeepsTheirData: disabling refuses the
// user's tokens at once with a sentence that says so, keeps their leads
// (a manager still sees them) and their history; enabling lets the same
// token in again.
func TestDisabledUserIsRefusedAndKeepsTheirData(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		h := newHarness(t, b)
		ctx := context.Background()
		ann := h.device("ann", "rep")
		boss := h.device("boss", "manager")
		lead := ann.addLead("Acme")
		ann.addVisit(lead.ID, "first visit")
		ann.sync()
		if err := h.svc.SetDisabled(ctx, "ann", true); err != nil {
			t.Fatal(err)
		}
		if err := h.svc.SetDisabled(ctx, "ann", true); err == nil {
			t.Fatal("disabled twice")
		}
		_, err := remote.Sync(ctx, ann.st, ann.c)
		var ae *remote.APIError
		if !errorsAs(err, &ae) || ae.Status != http.StatusUnauthorized || ae.Message != "your account is disabled; ask your administrator" {
			t.Fatalf("sync of a disabled user: %v", err)
		}
		boss.sync()
		if !boss.has("lead", lead.ID) {
			t.Fatal("the disabled user's lead is gone from the manager's book")
		}
		users, err := h.svc.Users(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range users {
			if (u.Name == "ann") == u.Disabled.IsZero() {
				t.Fatalf("user list: %s disabled %v", u.Name, u.Disabled)
			}
			if u.Name == "ann" && (u.Stored == 0 || len(u.Tokens) != 1 || !u.Tokens[0].Revoked.IsZero()) {
				t.Fatalf("ann's data or token changed: %+v", u)
			}
		}
		if err := h.svc.SetDisabled(ctx, "ann", false); err != nil {
			t.Fatal(err)
		}
		ann.addVisit(lead.ID, "back again")
		ann.sync()
		if err := h.svc.SetDisabled(ctx, "nobody", true); err == nil {
			t.Fatal("disabled a user who does not exist")
		}
	})
}

// TestRotateRefusesTheOldTokenAtOnce: rotation revokes and issues in one
// step; the old token is refused on the next request, the new one works.
func TestRotateRefusesTheOldTokenAtOnce(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		h := newHarness(t, b)
		ctx := context.Background()
		ann := h.device("ann", "rep")
		ann.sync()
		is, err := h.svc.IssueToken(ctx, server.TokenRequest{User: "ann", Rotate: true})
		if err != nil || is.Revoked != 1 || is.Token == "" {
			t.Fatalf("rotate: %+v %v", is, err)
		}
		if _, err := ann.c.WhoAmI(ctx); err == nil {
			t.Fatal("the old token still works after rotation")
		}
		c, _ := remote.NewClient(h.url, is.Token)
		if w, err := c.WhoAmI(ctx); err != nil || w.User != "ann" {
			t.Fatalf("the new token: %+v %v", w, err)
		}
		if _, err := h.svc.IssueToken(ctx, server.TokenRequest{User: "ann", Rotate: true, TokenID: "00000000"}); err == nil {
			t.Fatal("rotated a token id that does not exist")
		}
	})
}

// TestTokenExpires: a token with an expiry works until then and is
// refused after, with a sentence naming the time.
func TestTokenExpires(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		h := newHarness(t, b)
		ctx := context.Background()
		now := time.Now()
		h.svc.Now = func() time.Time { return now }
		is, err := h.svc.IssueToken(ctx, server.TokenRequest{User: "ann", Role: "rep", NewUser: true, Expires: 48 * time.Hour})
		if err != nil || is.Expires.IsZero() {
			t.Fatalf("issue: %+v %v", is, err)
		}
		c, _ := remote.NewClient(h.url, is.Token)
		if _, err := c.WhoAmI(ctx); err != nil {
			t.Fatalf("before expiry: %v", err)
		}
		users, _ := h.svc.Users(ctx)
		if len(users) != 1 || !users[0].Tokens[0].Expires.Equal(is.Expires) {
			t.Fatalf("listed expiry: %+v, want %v", users, is.Expires)
		}
		now = now.Add(49 * time.Hour)
		_, err = c.WhoAmI(ctx)
		var ae *remote.APIError
		if !errorsAs(err, &ae) || ae.Status != http.StatusUnauthorized || !strings.Contains(ae.Message, "expired") {
			t.Fatalf("after expiry: %v", err)
		}
	})
}

// TestAuditLogKeepsAdminActions: each admin action leaves one entry with
// who, from where and when, in order, on both backends.
func TestAuditLogKeepsAdminActions(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		h := newHarness(t, b)
		ctx := server.WithAuditActor(context.Background(), server.AuditActor{By: "root", From: "ops-host"})
		before := time.Now().Add(-time.Second)
		steps := []func() error{
			func() error { _, err := h.svc.AddUser(ctx, "ann", "rep"); return err },
			func() error { _, err := h.svc.AddToken(ctx, "ann"); return err },
			func() error {
				_, err := h.svc.IssueToken(ctx, server.TokenRequest{User: "ann", Rotate: true})
				return err
			},
			func() error { _, err := h.svc.RevokeTokens(ctx, "ann", ""); return err },
			func() error { return h.svc.SetDisabled(ctx, "ann", true) },
			func() error { return h.svc.SetDisabled(ctx, "ann", false) },
			func() error { _, err := h.svc.BumpEpoch(ctx); return err },
		}
		for i, step := range steps {
			if err := step(); err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
		}
		if _, err := h.svc.AddUser(ctx, "ann", "rep"); err == nil {
			t.Fatal("added ann twice")
		}
		log, err := h.svc.Audit(context.Background(), 0)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range log {
			if e.By != "root" || e.From != "ops-host" || e.At.Before(before) || e.At.After(time.Now()) {
				t.Fatalf("entry %+v", e)
			}
			got = append(got, e.Action)
		}
		want := "user.add token.add token.rotate token.revoke user.disable user.enable epoch.bump"
		if strings.Join(got, " ") != want {
			t.Fatalf("audit log %q, want %q (a failed action leaves none)", got, want)
		}
		last, err := h.svc.Audit(context.Background(), 2)
		if err != nil || len(last) != 2 || last[1].Action != "epoch.bump" {
			t.Fatalf("newest 2: %+v %v", last, err)
		}
	})
}

// TestMigrateKeepsAccounts: moving a bbolt server to PostgreSQL keeps a
// disabled user disabled, a token's expiry, the invitations (a used one
// stays used) and the audit log.
func TestMigrateKeepsAccounts(t *testing.T) {
	ctx := server.WithAuditActor(context.Background(), server.AuditActor{By: "root", From: "ops-host"})
	dir := filepath.Join(t.TempDir(), "srv")
	st, err := server.OpenBolt(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	svc := &server.Service{Store: st}
	is, err := svc.IssueToken(ctx, server.TokenRequest{User: "ann", Role: "rep", NewUser: true, Expires: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AddUser(ctx, "bob", "rep"); err != nil {
		t.Fatal(err)
	}
	if err := svc.SetDisabled(ctx, "bob", true); err != nil {
		t.Fatal(err)
	}
	used := mustInvite(t, svc, server.InviteRequest{User: "cat", Role: "manager"})
	if _, err := svc.Redeem(ctx, used.Code, "10.0.0.7"); err != nil {
		t.Fatal(err)
	}
	open := mustInvite(t, svc, server.InviteRequest{User: "dan", Role: "rep"})
	before, _ := svc.Audit(ctx, 0)
	st.Close()

	pgsvc := &server.Service{Store: migratedToPG(t, dir)}
	users, err := pgsvc.Users(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		if (u.Name == "bob") == u.Disabled.IsZero() {
			t.Fatalf("%s disabled %v after the migration", u.Name, u.Disabled)
		}
		if u.Name == "ann" && !u.Tokens[0].Expires.Equal(is.Expires) {
			t.Fatalf("ann's token expires %v after the migration, %v before", u.Tokens[0].Expires, is.Expires)
		}
	}
	if _, err := pgsvc.Redeem(ctx, used.Code, "10.0.0.8"); err != server.ErrInviteUsed {
		t.Fatalf("a used invitation after the migration: %v", err)
	}
	if got, err := pgsvc.Redeem(ctx, open.Code, "10.0.0.8"); err != nil || got.User != "dan" {
		t.Fatalf("an open invitation after the migration: %+v %v", got, err)
	}
	after, _ := pgsvc.Audit(ctx, 0)
	if len(after) != len(before)+1 || after[len(before)].Action != "invite.redeem" {
		t.Fatalf("audit log after the migration and a redemption: %+v", after)
	}
	for i := range before {
		// PostgreSQL keeps microseconds.
		if before[i].Action != after[i].Action || before[i].By != after[i].By || before[i].At.Sub(after[i].At).Abs() > time.Microsecond {
			t.Fatalf("audit entry %d: %+v, before the migration %+v", i, after[i], before[i])
		}
	}
}
