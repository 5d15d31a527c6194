package server_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/remote"
	"github.com/fieldcrm/fieldcrm/server"
	"github.com/fieldcrm/fieldcrm/store"
)

// selfSigned writes a certificate for 127.0.0.1 and its key into dir.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "fieldcrm test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	_ = os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	_ = os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// syncBuffer is a log destination safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestServeTLSLogsWithoutSecretsAndStopsCleanly(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, pool := selfSigned(t, dir)
	data := filepath.Join(dir, "data")
	st, err := server.OpenBolt(data, true)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := (&server.Service{Store: st}).AddUser(context.Background(), "ann", server.RoleRep)
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- server.Serve(ctx, server.Config{Dir: data, Addr: "127.0.0.1:0", TLSCert: certFile, TLSKey: keyFile,
			Logger: slog.New(slog.NewJSONHandler(&logs, nil)), NoSync: true, Ready: func(u string) { ready <- u }})
	}()
	var url string
	select {
	case url = <-ready:
	case err := <-done:
		t.Fatal(err)
	case <-time.After(10 * time.Second):
		t.Fatal("server did not start")
	}
	if !strings.HasPrefix(url, "https://") {
		t.Fatalf("url %q is not https", url)
	}
	c, err := remote.NewClient(url, tok)
	if err != nil {
		t.Fatal(err)
	}
	c.HTTP = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	rs, err := store.Open(store.Options{Path: filepath.Join(dir, "ann.db"), User: "ann", NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	const secretNote = "the customer's private budget is 42 million"
	err = rs.Update(func(tx *store.Tx) error {
		l := model.Lead{Company: "Acme"}
		if err := tx.AddLead(&l); err != nil {
			return err
		}
		return tx.AddActivity(&model.Activity{LeadID: l.ID, Kind: model.KindCall}, secretNote)
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := remote.Sync(context.Background(), rs, c); err != nil {
		t.Fatal(err)
	}
	// A plain-HTTP client cannot talk to it.
	plain, _ := remote.NewClient(strings.Replace(url, "https", "http", 1), tok)
	if _, err := plain.Health(context.Background()); err == nil {
		t.Fatal("plain HTTP worked against a TLS server")
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("shutdown: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("server did not stop")
	}
	out := logs.String()
	if !strings.Contains(out, `"path":"/v1/push"`) || !strings.Contains(out, `"user":"ann"`) {
		t.Fatalf("no request lines in the log:\n%s", out)
	}
	if strings.Contains(out, tok) || strings.Contains(out, tok[len(tok)-10:]) || strings.Contains(out, "42 million") {
		t.Fatalf("the log holds a token or note text:\n%s", out)
	}
	if _, err := os.Stat(server.AdminSocket(data)); !os.IsNotExist(err) {
		t.Fatal("admin socket left behind after a clean stop")
	}
}

func TestRateLimitPerToken(t *testing.T) {
	st, err := server.OpenBolt(t.TempDir(), true)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc := &server.Service{Store: st}
	tok, _ := svc.AddUser(context.Background(), "ann", server.RoleRep)
	other, _ := svc.AddUser(context.Background(), "bob", server.RoleRep)
	h := newHarness(t, boltBackend)
	h.srv.Config.Handler = server.Handler(svc, server.Options{Rate: 0.001, Burst: 3})
	for i := range 3 {
		if status, _ := call(t, h.url, "GET", "/v1/whoami", tok, ""); status != 200 {
			t.Fatalf("request %d: %d", i, status)
		}
	}
	status, eb := call(t, h.url, "GET", "/v1/whoami", tok, "")
	if status != http.StatusTooManyRequests || eb.Code != "rate_limited" {
		t.Fatalf("4th request: %d %+v", status, eb)
	}
	if status, _ := call(t, h.url, "GET", "/v1/whoami", other, ""); status != 200 {
		t.Fatalf("another token was limited too: %d", status)
	}
}

func TestShutdownFinishesRequestsInFlight(t *testing.T) {
	data := t.TempDir()
	st, err := server.OpenBolt(data, true)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := (&server.Service{Store: st}).AddUser(context.Background(), "ann", server.RoleRep)
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- server.Serve(ctx, server.Config{Dir: data, Addr: "127.0.0.1:0", NoSync: true, Ready: func(u string) { ready <- u }})
	}()
	var url string
	select {
	case url = <-ready:
	case <-time.After(10 * time.Second):
		t.Fatal("server did not start")
	}
	conn, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := `{"ops":[]}` + strings.Repeat(" ", 90)
	head := "POST /v1/push HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + tok + "\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"
	if _, err := conn.Write([]byte(head + body[:50])); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // the handler is now reading the body
	cancel()                           // SIGTERM's equivalent
	time.Sleep(100 * time.Millisecond)
	select {
	case err := <-done:
		t.Fatalf("server stopped with a request in flight: %v", err)
	default:
	}
	if _, err := conn.Write([]byte(body[50:])); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	reply := make([]byte, 512)
	n, _ := conn.Read(reply)
	if !strings.HasPrefix(string(reply[:n]), "HTTP/1.1 200") {
		t.Fatalf("the request in flight got %q", reply[:n])
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("server did not stop after the last request")
	}
}
