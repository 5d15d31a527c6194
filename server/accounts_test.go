package server_test

import (
	"context"
	"net/http"
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
