package server_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/server"
	"github.com/fieldcrm/fieldcrm/wire"
)

// guess returns a token of the right form that no one was given.
func guess() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return "fcrm_" + base64.RawURLEncoding.EncodeToString(b[:])
}

// whoami asks GET /v1/whoami with token through hc and returns the status,
// the Retry-After header and the error body.
func whoami(t *testing.T, hc *http.Client, base, token string) (int, string, wire.ErrorBody) {
	t.Helper()
	req, err := http.NewRequest("GET", base+"/v1/whoami", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var eb wire.ErrorBody
	_ = json.Unmarshal(data, &eb)
	return resp.StatusCode, resp.Header.Get("Retry-After"), eb
}

// fromAddr is an HTTP client whose connections leave from local address ip.
func fromAddr(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	return &http.Client{Transport: &http.Transport{DialContext: d.DialContext}, Timeout: 10 * time.Second}
}

// TestFailedAuthIsLimitedPerAddress (issue 12, finding 11): guessing
// many different tokens from one address is slowed after a few failures,
// answered 429 with Retry-After and a sentence, for any token tried from
// there; a client whose requests succeed is never slowed, and another
// address is not affected.
func TestFailedAuthIsLimitedPerAddress(t *testing.T) {
	forBackends(t, func(t *testing.T, b backend) {
		h := newHarness(t, b) // the default failure limit
		tok := h.addUser("ann", server.RoleRep)
		hc := fromAddr("127.0.0.1")
		// A busy client: its successes cost nothing.
		for i := range 300 {
			if status, _, eb := whoami(t, hc, h.url, tok); status != http.StatusOK {
				t.Fatalf("request %d with a good token: %d %+v", i, status, eb)
			}
		}
		const guesses = 100
		unauthorized, limited := 0, 0
		start := time.Now()
		for range guesses {
			status, retry, eb := whoami(t, hc, h.url, guess())
			switch status {
			case http.StatusUnauthorized:
				unauthorized++
			case http.StatusTooManyRequests:
				limited++
				secs, err := strconv.Atoi(retry)
				if err != nil || secs < 1 || secs > 1/server.DefaultFailRate+1 {
					t.Fatalf("Retry-After %q", retry)
				}
				if eb.Code != "rate_limited" || !strings.Contains(eb.Message, "too many failed sign-ins from your address; wait "+retry+" s") {
					t.Fatalf("429 answer %+v", eb)
				}
			default:
				t.Fatalf("a guessed token: %d %+v", status, eb)
			}
		}
		// Failures refill at DefaultFailRate: allow what the loop's time gave back.
		extra := int(time.Since(start).Seconds()*server.DefaultFailRate) + 1
		if unauthorized < server.DefaultFailBurst || unauthorized > server.DefaultFailBurst+extra || limited != guesses-unauthorized {
			t.Fatalf("%d guesses looked at, %d limited; want %d looked at", unauthorized, limited, server.DefaultFailBurst)
		}
		// While limited, the address is refused before any token is
		// looked at (else the answer would tell a good guess apart)...
		if status, _, _ := whoami(t, hc, h.url, tok); status != http.StatusTooManyRequests {
			t.Fatalf("a good token from the limited address: %d", status)
		}
		// ... and another address is not.
		if status, _, eb := whoami(t, fromAddr("127.0.0.2"), h.url, tok); status != http.StatusOK {
			t.Fatalf("a good token from another address: %d %+v", status, eb)
		}
	})
}

// TestFailedAuthLimitRefills: after Retry-After, an address may try again;
// requests without a token count as failures too.
func TestFailedAuthLimitRefills(t *testing.T) {
	h := newHarness(t, boltBackend)
	tok := h.addUser("ann", server.RoleRep)
	h.srv.Config.Handler = server.Handler(h.svc, server.Options{Rate: 1e6, Burst: 1e6, FailRate: 20, FailBurst: 2})
	hc := fromAddr("127.0.0.1")
	if status, _ := call(t, h.url, "GET", "/v1/whoami", "", ""); status != http.StatusUnauthorized {
		t.Fatalf("no token: %d", status)
	}
	if status, _, _ := whoami(t, hc, h.url, guess()); status != http.StatusUnauthorized {
		t.Fatalf("second failure: %d", status)
	}
	status, retry, _ := whoami(t, hc, h.url, guess())
	if status != http.StatusTooManyRequests || retry != "1" {
		t.Fatalf("third failure: %d, Retry-After %q", status, retry)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for ctx.Err() == nil { // a failure comes back every 50 ms
		time.Sleep(20 * time.Millisecond)
		if status, _, _ := whoami(t, hc, h.url, tok); status == http.StatusOK {
			return
		}
	}
	t.Fatal("the address was still limited after 5 s")
}
