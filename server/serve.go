package server

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/fieldcrm/fieldcrm/model"
)

// Config is how `fieldcrm serve` runs.
type Config struct {
	Dir string // data folder: server.db and admin.sock
	// Database, when set (postgres://...), keeps the data in PostgreSQL
	// instead of Dir; several servers may share it. No admin socket then:
	// admin commands act on the database directly.
	Database string
	Addr     string // host:port to listen on
	TLSCert  string // with TLSKey: serve HTTPS
	TLSKey   string
	Logger   *slog.Logger
	// NoSync skips fsync (tests and benchmarks only).
	NoSync bool
	// Ready, when set, is called with the address listened on.
	Ready func(addr string)
	// Now reads the clock; nil means time.Now.
	Now func() time.Time
	// Rate and Burst: see Options.
	Rate, Burst float64
	// Quota is the bytes of ops each user may store: 0 means
	// DefaultQuota, NoQuota no limit (Service.Quota).
	Quota int64
	// Pipeline is the company's pipeline pushed leads are checked
	// against until company settings are stored (settings.go); empty
	// means model.DefaultPipeline.
	Pipeline model.Pipeline
	// ParseSettings checks company settings documents (Service.ParseSettings).
	ParseSettings SettingsParser
	// TrustedProxies: see Options.
	TrustedProxies []netip.Prefix
	// MetricsAddr, when set, is the host:port of /metrics (metrics.go).
	MetricsAddr string
	// Fronts are started beside the API, such as the SSH front (front.go).
	Fronts []Front
}

// AdminSocket is the unix socket a running server answers admin commands
// on (0600: only the server's account may use it).
func AdminSocket(dir string) string { return filepath.Join(dir, "admin.sock") }

// Serve runs the server until ctx is done, then stops accepting, lets the
// requests in flight finish (up to 10 s) and closes the storage.
func Serve(ctx context.Context, cfg Config) error {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if (cfg.TLSCert == "") != (cfg.TLSKey == "") {
		return errors.New("give both --tls-cert and --tls-key, or neither")
	}
	st, err := OpenStorage(ctx, cfg.Dir, cfg.Database, cfg.NoSync)
	if err != nil {
		return err
	}
	defer st.Close()
	svc := &Service{Store: st, Now: cfg.Now, Quota: cfg.Quota, Pipeline: cfg.Pipeline, ParseSettings: cfg.ParseSettings}
	metrics, stopMetrics, err := serveMetrics(cfg, st) // metrics.go
	if err != nil {
		return err
	}
	defer stopMetrics()
	defer startCheck(ctx, svc, cfg.Logger)() // checks the data while serving; stopped before the storage closes
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	scheme := "http"
	if cfg.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
		if err != nil {
			ln.Close()
			return fmt.Errorf("load TLS certificate: %w", err)
		}
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
		scheme = "https"
	}
	sock := AdminSocket(cfg.Dir)
	var aln net.Listener
	if cfg.Database == "" {
		_ = os.Remove(sock) // a stale socket of a killed server; the file lock proves none runs
		aln, err = net.Listen("unix", sock)
		if err != nil {
			ln.Close()
			return fmt.Errorf("listen on %s: %w", sock, err)
		}
		if err := os.Chmod(sock, 0o600); err != nil {
			ln.Close()
			aln.Close()
			return err
		}
	}
	api := &http.Server{
		Handler:           Handler(svc, Options{Logger: cfg.Logger, Rate: cfg.Rate, Burst: cfg.Burst, TrustedProxies: cfg.TrustedProxies, Metrics: metrics}),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelWarn),
	}
	admin := &http.Server{Handler: AdminHandler(auditedAdmin{svc, cfg.Logger}), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 2+len(cfg.Fronts))
	go func() { errc <- api.Serve(ln) }()
	if aln != nil {
		go func() { errc <- admin.Serve(aln) }()
	}
	fctx, stopFronts := context.WithCancel(ctx)
	var fronts sync.WaitGroup
	defer func() { stopFronts(); fronts.Wait() }() // before the storage closes
	for _, front := range cfg.Fronts {
		fronts.Go(func() {
			if err := front(fctx, svc, api.Handler, metrics); err != nil {
				errc <- err
			}
		})
	}
	where := cfg.Dir
	if cfg.Database != "" {
		where = redactURL(cfg.Database)
	}
	quota := "none"
	if q := svc.quota(); q > 0 {
		quota = FormatBytes(q)
	}
	cfg.Logger.Info("serving", "addr", ln.Addr().String(), "scheme", scheme, "data", where, "quota_per_user", quota)
	logSettings(ctx, svc, cfg.Logger) // settings.go
	if cfg.Ready != nil {
		cfg.Ready(scheme + "://" + ln.Addr().String())
	}
	select {
	case <-ctx.Done():
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			api.Close()
			admin.Close()
			return err
		}
	}
	cfg.Logger.Info("shutting down: finishing requests in flight")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = errors.Join(api.Shutdown(sctx), admin.Shutdown(sctx))
	if aln != nil {
		_ = os.Remove(sock)
	}
	cfg.Logger.Info("stopped")
	return err
}

// Admin is what `fieldcrm admin` does. *Service implements it on the
// storage; AdminClient asks a running server over its admin socket.
type Admin interface {
	AddUser(ctx context.Context, name, role string) (string, error)
	AddToken(ctx context.Context, name string) (string, error)
	Users(ctx context.Context) ([]UserInfo, error)
	RevokeTokens(ctx context.Context, name, tokenID string) (int, error)
	AssignLead(ctx context.Context, lead, user string) (uint64, error)
	Repairer      // ops list, quarantine, check (repair.go)
	AccountAdmin  // invitations, rotation, disabling, audit, backup (repair_socket.go)
	SettingsAdmin // company settings (settings.go)
	KeyAdmin      // SSH keys (keys_admin.go)
}

// adminArgs is every admin request's body.
type adminArgs struct {
	Name    string `json:"name,omitempty"`
	Role    string `json:"role,omitempty"`
	TokenID string `json:"token_id,omitempty"`
	Lead    string `json:"lead,omitempty"`
}

type adminReply struct {
	Token string     `json:"token,omitempty"`
	Count int        `json:"count,omitempty"`
	Seq   uint64     `json:"seq,omitempty"`
	Users []UserInfo `json:"users,omitempty"`
}

// AdminHandler serves Admin over the admin socket.
func AdminHandler(a Admin) http.Handler {
	mux := http.NewServeMux()
	handle := func(path string, fn func(ctx context.Context, args adminArgs) (adminReply, error)) {
		route(mux, path, fn)
	}
	handle("/admin/user/add", func(ctx context.Context, a2 adminArgs) (adminReply, error) {
		t, err := a.AddUser(ctx, a2.Name, a2.Role)
		return adminReply{Token: t}, err
	})
	handle("/admin/token/add", func(ctx context.Context, a2 adminArgs) (adminReply, error) {
		t, err := a.AddToken(ctx, a2.Name)
		return adminReply{Token: t}, err
	})
	handle("/admin/users", func(ctx context.Context, _ adminArgs) (adminReply, error) {
		u, err := a.Users(ctx)
		return adminReply{Users: u}, err
	})
	handle("/admin/token/revoke", func(ctx context.Context, a2 adminArgs) (adminReply, error) {
		n, err := a.RevokeTokens(ctx, a2.Name, a2.TokenID)
		return adminReply{Count: n}, err
	})
	handle("/admin/lead/assign", func(ctx context.Context, a2 adminArgs) (adminReply, error) {
		s, err := a.AssignLead(ctx, a2.Lead, a2.Name)
		return adminReply{Seq: s}, err
	})
	handleRepair(mux, a)
	handleSettings(mux, a) // settings_admin.go
	handleKeys(mux, a)     // keys_admin.go
	return mux
}

// AdminClient talks to a running server over its admin socket.
type AdminClient struct {
	hc *http.Client
}

// OpenAdmin returns the admin interface for the server data in dir: the
// running server's socket when a server runs there, else the storage
// itself. close releases what was opened.
func OpenAdmin(dir string) (a Admin, close func() error, err error) {
	sock := AdminSocket(dir)
	if c, err := net.DialTimeout("unix", sock, time.Second); err == nil {
		c.Close()
		hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
			DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
				var d net.Dialer
				return d.DialContext(ctx, "unix", sock)
			},
		}}
		return &AdminClient{hc: hc}, func() error { hc.CloseIdleConnections(); return nil }, nil
	}
	st, err := OpenBolt(dir, false)
	if err != nil {
		return nil, nil, err
	}
	return &Service{Store: st}, st.Close, nil
}

func (c *AdminClient) call(ctx context.Context, path string, args adminArgs) (adminReply, error) {
	var rep adminReply
	body, _ := json.Marshal(args)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://admin"+path, bytes.NewReader(body))
	if err != nil {
		return rep, err
	}
	setAuditActor(req) // repair_socket.go
	resp, err := c.hc.Do(req)
	if err != nil {
		return rep, fmt.Errorf("ask the running server: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return rep, err
	}
	if resp.StatusCode != http.StatusOK {
		var e struct{ Message string }
		_ = json.Unmarshal(data, &e)
		return rep, errors.New(e.Message)
	}
	return rep, json.Unmarshal(data, &rep)
}

// AddUser implements Admin.
func (c *AdminClient) AddUser(ctx context.Context, name, role string) (string, error) {
	r, err := c.call(ctx, "/admin/user/add", adminArgs{Name: name, Role: role})
	return r.Token, err
}

// AddToken implements Admin.
func (c *AdminClient) AddToken(ctx context.Context, name string) (string, error) {
	r, err := c.call(ctx, "/admin/token/add", adminArgs{Name: name})
	return r.Token, err
}

// Users implements Admin.
func (c *AdminClient) Users(ctx context.Context) ([]UserInfo, error) {
	r, err := c.call(ctx, "/admin/users", adminArgs{})
	return r.Users, err
}

// RevokeTokens implements Admin.
func (c *AdminClient) RevokeTokens(ctx context.Context, name, tokenID string) (int, error) {
	r, err := c.call(ctx, "/admin/token/revoke", adminArgs{Name: name, TokenID: tokenID})
	return r.Count, err
}

// AssignLead implements Admin.
func (c *AdminClient) AssignLead(ctx context.Context, lead, user string) (uint64, error) {
	r, err := c.call(ctx, "/admin/lead/assign", adminArgs{Lead: lead, Name: user})
	return r.Seq, err
}
