package main

import (
	"strings"
	"testing"
)

func TestPlainHTTPToAnotherMachine(t *testing.T) {
	for addr, want := range map[string]bool{
		"http://crm.example.com:7070": true, "HTTP://CRM.example.com": true, "http://10.0.0.5:7070": true,
		"http://[2001:db8::1]:7070": true, "http://localhost.evil.com": true, "http://127.0.0.1.nip.io": true,
		"http://localhost:7070": false, "http://LOCALHOST.": false, "http://127.0.0.1:7070": false,
		"http://127.8.9.10": false, "http://[::1]:7070": false, "http://[::ffff:127.0.0.1]": false,
		"https://crm.example.com": false, "https://10.0.0.5": false,
	} {
		if got := plainToRemote(addr); got != want {
			t.Errorf("plainToRemote(%q) = %v, want %v", addr, got, want)
		}
	}
}

// login warns on stderr, before the token leaves, about plain http to
// another machine; --insecure silences it; a loopback server gets no
// warning.
func TestLoginWarnsAboutPlainHTTP(t *testing.T) {
	c := newCLI(t)
	const warning = "plain http to another machine"
	_, errs, err := c.run("", "login", "--server", "http://0.0.0.1:9", "--user", "ann", "--token", "tok")
	if err == nil || !strings.Contains(errs, warning) || !strings.Contains(errs, "--insecure") {
		t.Errorf("login over plain http to another machine: %v; stderr:\n%s", err, errs)
	}
	_, errs, _ = c.run("", "login", "--insecure", "--server", "http://0.0.0.1:9", "--user", "ann", "--token", "tok")
	if strings.Contains(errs, warning) {
		t.Errorf("--insecure still warned:\n%s", errs)
	}
	srv := pullServer(t, "", 0)
	out, errs, err := c.run("", "login", "--server", srv.URL, "--user", "ann", "--token", "tok")
	if err != nil || strings.Contains(errs, "warning") {
		t.Errorf("login to %s: %v; stderr:\n%s%s", srv.URL, err, errs, out)
	}
}
