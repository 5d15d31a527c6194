package server_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
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

// whoami asks GET /v1/whoami with token through hc (and X-Forwarded-For
// forwarded, when given) and returns the status, the Retry-After header
// and the error body.
func whoami(t *testing.T, hc *http.Client, base, token string, forwarded ...string) (int, string, wire.ErrorBody) {
	t.Helper()
	req, err := http.NewRequest("GET", base+"/v1/whoami", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	for _, f := range forwarded {
		req.Header.Add("X-Forwarded-For", f)
	}
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
		for i := range guesses {
			// A header naming another client changes nothing: no proxy is trusted.
			status, retry, eb := whoami(t, hc, h.url, guess(), fmt.Sprintf("198.51.100.%d", i))
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

// TestFailedAuthBehindATrustedProxy: behind a proxy the server trusts,
// failures count against the client the proxy names (the last address of
// X-Forwarded-For that is not a trusted proxy), so one client's guesses
// do not lock out the others behind it, and what a client writes into
// the header itself is not believed.
func TestFailedAuthBehindATrustedProxy(t *testing.T) {
	h := newHarness(t, boltBackend)
	tok := h.addUser("ann", server.RoleRep)
	h.srv.Config.Handler = server.Handler(h.svc, server.Options{Rate: 1e6, Burst: 1e6, FailRate: 0.001, FailBurst: 2,
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("10.0.0.0/8")}})
	hc := fromAddr("127.0.0.1")
	// The attacker, 203.0.113.5, through an outer proxy 10.1.1.1 and ours.
	for i := range 2 {
		if status, _, _ := whoami(t, hc, h.url, guess(), "203.0.113.5, 10.1.1.1"); status != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i+1, status)
		}
	}
	if status, _, _ := whoami(t, hc, h.url, guess(), "203.0.113.5", "10.1.1.1"); status != http.StatusTooManyRequests {
		t.Fatalf("third failure from the same client: %d", status)
	}
	// Writing another address to the left does not help it.
	if status, _, _ := whoami(t, hc, h.url, guess(), "203.0.113.99, 203.0.113.5"); status != http.StatusTooManyRequests {
		t.Fatalf("a forged header: %d", status)
	}
	// Another client behind the same proxies is not affected.
	if status, _, eb := whoami(t, hc, h.url, tok, "203.0.113.6, 10.1.1.1"); status != http.StatusOK {
		t.Fatalf("another client: %d %+v", status, eb)
	}
}

// TestGoodRequestsInFlightFromOneAddressAreNotLimited (issue 15, the load
// test's 471 failed syncs at 200 clients): many clients behind one
// address (an office's NAT) with good tokens, all in flight at once, all
// pass however small the failure allowance; failures alone are charged,
// and once an address has used its allowance it is refused, good token
// or not, until the window passes.
func TestGoodRequestsInFlightFromOneAddressAreNotLimited(t *testing.T) {
	h := newHarness(t, boltBackend)
	// One failure allowed, and hardly ever given back: a good request
	// that cost anything would show.
	h.srv.Config.Handler = server.Handler(h.svc, server.Options{Rate: 1e6, Burst: 1e6, FailRate: 1e-3, FailBurst: 1})
	tokens := make([]string, 50)
	for i := range tokens {
		tokens[i] = h.addUser(fmt.Sprintf("rep%d", i), server.RoleRep)
	}
	tr := &http.Transport{MaxIdleConnsPerHost: 100}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	// concurrently asks whoami once per token, all released together, and
	// counts the answers by status.
	concurrently := func(tokens []string) map[int]int {
		statuses := make(chan int, len(tokens))
		start := make(chan struct{})
		for _, tok := range tokens {
			go func() {
				<-start
				req, _ := http.NewRequest("GET", h.url+"/v1/whoami", nil)
				req.Header.Set("Authorization", "Bearer "+tok)
				resp, err := hc.Do(req)
				if err != nil {
					statuses <- 0
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				statuses <- resp.StatusCode
			}()
		}
		close(start)
		got := map[int]int{}
		for range tokens {
			got[<-statuses]++
		}
		return got
	}
	for round := range 10 {
		if got := concurrently(tokens); got[http.StatusOK] != len(tokens) {
			t.Fatalf("round %d: %d good requests in flight from one address answered %v", round, len(tokens), got)
		}
	}
	const rate, burst = 4, 10 // a failure back every 250 ms
	h.srv.Config.Handler = server.Handler(h.svc, server.Options{Rate: 1e6, Burst: 1e6, FailRate: rate, FailBurst: burst})
	// Bad tokens, a few more than the allowance, all at once: each is
	// charged, those that find the allowance used up are refused unread.
	bad := make([]string, burst+5)
	for i := range bad {
		bad[i] = guess()
	}
	got := concurrently(bad)
	if got[http.StatusUnauthorized]+got[http.StatusTooManyRequests] != len(bad) || got[http.StatusUnauthorized] < burst {
		t.Fatalf("%d bad tokens at once answered %v; want at least %d 401 and the rest 429", len(bad), got, burst)
	}
	if got := concurrently(bad[:3]); got[http.StatusTooManyRequests] != 3 {
		t.Fatalf("bad tokens once the allowance is used: %v", got)
	}
	// A good token from the address is refused now...
	refused := time.Now()
	status, retry, eb := whoami(t, hc, h.url, tokens[0])
	if status != http.StatusTooManyRequests || retry == "" || eb.Code != "rate_limited" {
		t.Fatalf("a good token right after the failures: %d %q %+v", status, retry, eb)
	}
	// ... until the failures are paid back (at least one refill), and
	// then it passes.
	deadline := time.Now().Add(20 * time.Second)
	for {
		status, _, _ := whoami(t, hc, h.url, tokens[0])
		if status == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a good token still refused %v after the failures: %d", time.Since(refused), status)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if waited := time.Since(refused); waited < time.Second/rate/2 {
		t.Fatalf("the address was let in again after %v; a failure comes back every %v", waited, time.Second/rate)
	}
}
