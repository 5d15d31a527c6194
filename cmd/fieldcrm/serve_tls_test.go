package main

import (
	"bufio"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestPlainHTTPOnlyOnLoopback(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:7070", "127.1.2.3:0", "[::1]:7070", "localhost:7070"} {
		if err := checkPlainHTTP(addr, false, false); err != nil {
			t.Errorf("%s refused: %v", addr, err)
		}
	}
	for _, addr := range []string{":7070", "0.0.0.0:7070", "[::]:7070", "10.0.0.5:7070", "crm.example.com:7070"} {
		err := checkPlainHTTP(addr, false, false)
		if err == nil || !strings.Contains(err.Error(), "--insecure-http") || !strings.Contains(err.Error(), "--tls-cert") {
			t.Errorf("%s: %v; want a refusal that names --tls-cert and --insecure-http", addr, err)
		}
		if err := checkPlainHTTP(addr, true, false); err != nil {
			t.Errorf("%s with TLS: %v", addr, err)
		}
		if err := checkPlainHTTP(addr, false, true); err != nil {
			t.Errorf("%s with --insecure-http: %v", addr, err)
		}
	}
	if err := checkPlainHTTP("7070", false, false); err == nil || !strings.Contains(err.Error(), "host:port") {
		t.Errorf("an address without a host: %v", err)
	}
}

// TestServeRefusesPlainHTTPOffLoopback: one sentence, and nothing is made
// on disk.
func TestServeRefusesPlainHTTPOffLoopback(t *testing.T) {
	c := newCLI(t)
	data := filepath.Join(t.TempDir(), "srv")
	_, _, err := c.run("", "serve", "--data", data, "--addr", "0.0.0.0:0")
	if err == nil || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "--insecure-http") {
		t.Fatalf("serve on 0.0.0.0 without TLS: %v", err)
	}
	if _, err := os.Stat(data); !os.IsNotExist(err) {
		t.Fatalf("the refused serve made its data folder: %v", err)
	}
}

// TestServeInsecureHTTPListensEverywhere runs the real binary with
// --insecure-http on all addresses and reaches it on 127.0.0.1.
func TestServeInsecureHTTPListensEverywhere(t *testing.T) {
	bin := buildBinary(t)
	cmd := exec.Command(bin, "serve", "--data", t.TempDir(), "--addr", "0.0.0.0:0", "--insecure-http")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	lines := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		lines <- line
	}()
	var line string
	select {
	case line = <-lines:
	case <-time.After(20 * time.Second):
		t.Fatal("the server did not start in 20 s")
	}
	// "fieldcrm server listening on http://[::]:PORT (data in ...)"
	url, _, _ := strings.Cut(strings.TrimPrefix(line, "fieldcrm server listening on "), " ")
	i := strings.LastIndex(url, ":")
	if !strings.HasPrefix(url, "http://") || i < 0 {
		t.Fatalf("start line %q", line)
	}
	resp, err := http.Get("http://127.0.0.1" + url[i:] + "/v1/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("health: %s", resp.Status)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
}
