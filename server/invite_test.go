package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/remote"
	"github.com/fieldcrm/fieldcrm/server"
	"github.com/fieldcrm/fieldcrm/wire"
)

// redeem posts code to POST /v1/invite and returns the status, the
// answer and the error body.
func redeem(t *testing.T, base, code string) (int, wire.Redeemed, wire.ErrorBody) {
	t.Helper()
	body, _ := json.Marshal(wire.RedeemRequest{Code: code})
	resp, err := http.Post(base+"/v1/invite", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Error(err)
		return 0, wire.Redeemed{}, wire.ErrorBody{}
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var ok wire.Redeemed
	var eb wire.ErrorBody
	if resp.StatusCode == http.StatusOK {
		_ = json.Unmarshal(data, &ok)
	} else {
		_ = json.Unmarshal(data, &eb)
	}
	return resp.StatusCode, ok, eb
}

func mustInvite(t *testing.T, svc *server.Service, req server.InviteRequest) server.InviteCode {
	t.Helper()
	ctx := server.WithAuditActor(context.Background(), server.AuditActor{By: "root", From: "testhost"})
	inv, err := svc.CreateInvite(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

// TestInviteCodeIsShortTypableAndHashed: 4 groups of 4 from an
// unambiguous alphabet, typed back in any case and with look-alikes, and
// never stored in clear.
func TestInviteCodeIsShortTypableAndHashed(t *testing.T) {
	h := newHarness(t, boltBackend)
	seen := map[string]bool{}
	for range 20 {
		inv := mustInvite(t, h.svc, server.InviteRequest{User: "wang", Role: "rep"})
		if len(inv.Code) != 19 || strings.Count(inv.Code, "-") != 3 || strings.ContainsAny(inv.Code, "ILOU") {
			t.Fatalf("code %q is not 4 groups of 4 from the unambiguous alphabet", inv.Code)
		}
		if seen[inv.Code] {
			t.Fatalf("code %q made twice", inv.Code)
		}
		seen[inv.Code] = true
		norm, ok := server.NormalizeInviteCode(" " + strings.ToLower(strings.ReplaceAll(inv.Code, "-", " ")) + " ")
		if want, _ := server.NormalizeInviteCode(inv.Code); !ok || norm != want {
			t.Fatalf("typed in lower case with spaces, %q reads as %q", inv.Code, norm)
		}
	}
	if n, ok := server.NormalizeInviteCode("O0IL-1111-1111-1111"); !ok || n != "0011111111111111" {
		t.Fatalf("look-alikes: %q %v", n, ok)
	}
	if _, ok := server.NormalizeInviteCode("ABCD-EFGH-JKMN-PQR"); ok {
		t.Fatal("a 15-character code was taken")
	}
	invs, err := h.svc.Invites(context.Background())
	if err != nil || len(invs) != 20 {
		t.Fatalf("invites: %d %v", len(invs), err)
	}
	h.close()
	raw, err := os.ReadFile(server.BoltPath(filepath.Join(h.dir, "server")))
	if err != nil {
		t.Fatal(err)
	}
	for code := range seen {
		norm, _ := server.NormalizeInviteCode(code)
		if bytes.Contains(raw, []byte(code)) || bytes.Contains(raw, []byte(norm)) {
			t.Fatalf("code %s is stored in clear", code)
		}
	}
}

// TestInviteIsRedeemedOnce: of several laptops redeeming one code at
// once, exactly one gets a token; it works, the rest are told the code
// was used, and the audit log says who made and who redeemed it.
func TestInviteIsRedeemedOnce(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		h := newHarness(t, b)
		inv := mustInvite(t, h.svc, server.InviteRequest{User: "wang", Role: "rep"})
		const n = 8
		var wg sync.WaitGroup
		codes := make([]int, n)
		got := make([]wire.Redeemed, n)
		msgs := make([]string, n)
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-start
				var eb wire.ErrorBody
				codes[i], got[i], eb = redeem(t, h.url, inv.Code)
				msgs[i] = eb.Message
			})
		}
		close(start)
		wg.Wait()
		won := -1
		for i, c := range codes {
			switch {
			case c == http.StatusOK && won >= 0:
				t.Fatalf("two redemptions of one code won: %d and %d", won, i)
			case c == http.StatusOK:
				won = i
			case c != http.StatusUnauthorized || !strings.Contains(msgs[i], "used already"):
				t.Fatalf("a losing redemption got %d %q", c, msgs[i])
			}
		}
		if won < 0 {
			t.Fatal("no redemption won")
		}
		c, _ := remote.NewClient(h.url, got[won].Token)
		if w, err := c.WhoAmI(context.Background()); err != nil || w.User != "wang" || w.Role != "rep" {
			t.Fatalf("the redeemed token: %+v %v", w, err)
		}
		log, err := h.svc.Audit(context.Background(), 0)
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range log {
			actions = append(actions, e.Action+" "+e.By+" "+e.Target)
		}
		if strings.Join(actions, "; ") != "invite.create root wang; invite.redeem wang wang" {
			t.Fatalf("audit log: %q", actions)
		}
		if log[1].From != "127.0.0.1" || log[0].From != "testhost" {
			t.Fatalf("audit log's from: %+v", log)
		}
	})
}

// TestInviteExpiresAndBadCodesAreFailedSignIns: an expired code is
// refused with its own sentence; wrong codes count against the address's
// failed sign-ins, so guessing is slowed after a few (429), whatever code.
func TestInviteExpiresAndBadCodesAreFailedSignIns(t *testing.T) {
	h := newHarness(t, boltBackend)
	now := time.Now()
	h.svc.Now = func() time.Time { return now }
	inv := mustInvite(t, h.svc, server.InviteRequest{User: "li", Role: "manager", TTL: time.Hour})
	good := mustInvite(t, h.svc, server.InviteRequest{User: "zhao", Role: "rep"})
	now = now.Add(time.Hour)
	if c, _, eb := redeem(t, h.url, inv.Code); c != http.StatusUnauthorized || !strings.Contains(eb.Message, "expired") {
		t.Fatalf("expired code: %d %q", c, eb.Message)
	}
	if c, _, eb := redeem(t, h.url, "not a code"); c != http.StatusUnauthorized || !strings.Contains(eb.Message, "not valid") {
		t.Fatalf("garbage: %d %q", c, eb.Message)
	}
	limited := false
	for i := range server.DefaultFailBurst + 2 {
		c, _, eb := redeem(t, h.url, "ZZZZ-ZZZZ-ZZZZ-ZZZ"+string("0123456789AB"[i]))
		if c == http.StatusTooManyRequests {
			limited = strings.Contains(eb.Message, "failed sign-ins")
			break
		}
		if c != http.StatusUnauthorized {
			t.Fatalf("wrong code %d: %d %q", i, c, eb.Message)
		}
	}
	if !limited {
		t.Fatal("wrong codes were never limited")
	}
	// The limit is the address's: a good code waits too, and is not spent.
	if c, _, _ := redeem(t, h.url, good.Code); c != http.StatusTooManyRequests {
		t.Fatalf("a good code from a limited address: %d", c)
	}
	invs, _ := h.svc.Invites(context.Background())
	for _, i := range invs {
		if !i.Used.IsZero() {
			t.Fatalf("invitation %s used: %+v", i.ID, i)
		}
	}
}

// TestInviteForAnExistingUserGivesAnotherDevice: without a role the code
// signs an existing user in on another device; a disabled user cannot be
// invited.
func TestInviteForAnExistingUserGivesAnotherDevice(t *testing.T) {
	h := newHarness(t, boltBackend)
	h.addUser("ann", "manager")
	ctx := context.Background()
	if _, err := h.svc.CreateInvite(ctx, server.InviteRequest{User: "ann", Role: "rep"}); err == nil {
		t.Fatal("an invitation changed an existing user's role")
	}
	if _, err := h.svc.CreateInvite(ctx, server.InviteRequest{User: "amn"}); err == nil || !strings.Contains(err.Error(), "not a user yet") {
		t.Fatalf("a role-less invitation of a mistyped name: %v", err)
	}
	inv := mustInvite(t, h.svc, server.InviteRequest{User: "ann"})
	c, got, eb := redeem(t, h.url, inv.Code)
	if c != http.StatusOK || got.User != "ann" || got.Role != "manager" {
		t.Fatalf("redeem: %d %+v %q", c, got, eb.Message)
	}
	users, _ := h.svc.Users(ctx)
	if len(users) != 1 || len(users[0].Tokens) != 2 {
		t.Fatalf("users: %+v", users)
	}
	if err := h.svc.SetDisabled(ctx, "ann", true); err != nil {
		t.Fatal(err)
	}
	if _, err := h.svc.CreateInvite(ctx, server.InviteRequest{User: "ann"}); err == nil || !strings.Contains(err.Error(), "disabled") {
		t.Fatalf("invite a disabled user: %v", err)
	}
}
