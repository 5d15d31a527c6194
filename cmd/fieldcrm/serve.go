package main

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/adrg/xdg"
	"github.com/fieldcrm/fieldcrm/config"
	"github.com/fieldcrm/fieldcrm/model"
	"github.com/fieldcrm/fieldcrm/server"
	"github.com/spf13/cobra"
)

func init() {
	commandGroups = append(commandGroups, func(root *cobra.Command, a *app) {
		root.AddCommand(a.serveCmd())
	})
}

// defaultServerDir is where `serve` and `admin` keep the server's data.
func defaultServerDir() string {
	if d := os.Getenv("FIELDCRM_DATA"); d != "" {
		return d
	}
	return filepath.Join(xdg.DataHome, "fieldcrm-server")
}

func (a *app) serveCmd() *cobra.Command {
	cfg := server.Config{}
	var logText, insecureHTTP bool
	var pipelineFile string
	var ssh sshFlags // serve_ssh.go
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the team's sync server",
		Long: `Run the central sync server: users, tokens and the op log live in a bbolt
file in --data, or in PostgreSQL with --database postgres://... (or
$FIELDCRM_DATABASE); several servers may then share one database behind a
load balancer. The server creates and migrates its tables on start.
Clients connect with 'fieldcrm login' and 'fieldcrm sync'.
Give --tls-cert and --tls-key to serve HTTPS. On an address other than
loopback the server refuses plain HTTP unless --insecure-http is given
(for a TLS proxy on another host). --metrics-addr serves Prometheus
metrics at /metrics on an address of its own; keep it off the internet.
Each flag whose help names $FIELDCRM_... takes its default from there,
as the systemd unit's environment file sets them (docs/server.md).

Each user may store --quota bytes of changes (256MiB unless given; 0 for no
limit): a change that would pass it is refused with a sentence, the rest of
its sync goes on. A pull answer holds about 8 MiB at most, so no one's
notes can make another's sync fail. Failed sign-ins are limited per client
address (10 at once, then one every 10 s), answered 429 with Retry-After;
behind a reverse proxy or load balancer that sets X-Forwarded-For, name it
with --trusted-proxy so that the limit applies to each client, not to it.

The server logs one JSON line per request to stderr (never tokens or note
text) and stops cleanly on SIGTERM or Ctrl-C, finishing requests in flight.
While it runs, 'fieldcrm admin' commands on the same --data talk to it.

With --ssh-addr it also serves the terminal UI over SSH: a user whose
public key is registered ('fieldcrm admin user key add', 'fieldcrm keys
add') types 'ssh -p PORT HOST' and gets their own book, synced as theirs;
the host key and the users' books on the server are kept in --data/ssh.`,
		Example: `  fieldcrm serve --data /srv/fieldcrm --addr 0.0.0.0:7070 --tls-cert cert.pem --tls-key key.pem
  fieldcrm serve --database postgres://fieldcrm@db.internal/fieldcrm --addr 0.0.0.0:7070`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f := cmd.Flags(); f.Changed("data") && !f.Changed("database") {
				cfg.Database = "" // an explicit --data wins over $FIELDCRM_DATABASE
			}
			if err := checkPlainHTTP(cfg.Addr, cfg.TLSCert != "", insecureHTTP); err != nil {
				return err
			}
			var h slog.Handler = slog.NewJSONHandler(a.err, nil)
			if logText {
				h = slog.NewTextHandler(a.err, nil)
			}
			cfg.Logger = slog.New(h)
			cfg.ParseSettings = parseCompanySettings // admin_settings.go
			if pipelineFile != "" {
				p, err := loadPipeline(pipelineFile)
				if err != nil {
					return err
				}
				cfg.Pipeline = p
			}
			where := cfg.Dir
			if cfg.Database != "" {
				where = "PostgreSQL"
			}
			if front := ssh.front(a, cfg.Dir, cfg.Logger); front != nil {
				cfg.Fronts = append(cfg.Fronts, front)
			}
			cfg.Ready = func(url string) { fmt.Fprintf(a.out, "fieldcrm server listening on %s (data in %s)\n", url, where) }
			defer server.TuneCollector()() // server/collector.go
			ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
			defer stop()
			return server.Serve(ctx, cfg)
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.Dir, "data", defaultServerDir(), "folder for the server's data (default $FIELDCRM_DATA)")
	f.StringVar(&cfg.Database, "database", os.Getenv("FIELDCRM_DATABASE"), "keep the data in PostgreSQL at this postgres:// URL instead of --data (default $FIELDCRM_DATABASE)")
	f.StringVar(&cfg.Addr, "addr", envOr("FIELDCRM_ADDR", "127.0.0.1:7070"), "address to listen on, host:port ($FIELDCRM_ADDR)")
	f.StringVar(&cfg.TLSCert, "tls-cert", os.Getenv("FIELDCRM_TLS_CERT"), "TLS certificate file, PEM ($FIELDCRM_TLS_CERT)")
	f.StringVar(&cfg.TLSKey, "tls-key", os.Getenv("FIELDCRM_TLS_KEY"), "TLS private key file, PEM ($FIELDCRM_TLS_KEY)")
	f.BoolVar(&insecureHTTP, "insecure-http", false, "allow plain HTTP on an address other than loopback")
	f.StringVar(&cfg.MetricsAddr, "metrics-addr", os.Getenv("FIELDCRM_METRICS_ADDR"), "host:port for /metrics, none unless given ($FIELDCRM_METRICS_ADDR)")
	f.BoolVar(&logText, "log-text", false, "log as text instead of JSON")
	cfg.Quota = server.DefaultQuota
	f.Var(quotaFlag{&cfg.Quota}, "quota", "bytes of changes each user may store, e.g. 256MiB, 2GiB; 0 for no limit")
	f.StringVar(&pipelineFile, "pipeline", "", "a config file in the laptops' format whose stages pushed leads are checked against until company settings are stored ('fieldcrm admin settings set'); default: the default pipeline")
	f.Var(proxiesFlag{&cfg.TrustedProxies}, "trusted-proxy", "address or network (CIDR) of a reverse proxy in front of the server whose X-Forwarded-For is believed; repeatable")
	ssh.register(f)
	return cmd
}

// envOr is $name, or def when it is empty.
func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// checkPlainHTTP refuses plain HTTP on an address other than loopback:
// bearer tokens and customers' notes would cross the network readable by
// anyone on the way. insecure is --insecure-http, for a TLS-terminating
// proxy on another host.
func checkPlainHTTP(addr string, tls, insecure bool) error {
	if tls || insecure {
		return nil
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--addr %q is not host:port, e.g. 127.0.0.1:7070", addr)
	}
	if host == "localhost" {
		return nil
	}
	if ip, err := netip.ParseAddr(host); err == nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("refusing plain HTTP on %s, where tokens and notes would cross the network unencrypted: give --tls-cert and --tls-key, listen on 127.0.0.1 behind a TLS reverse proxy, or add --insecure-http if a proxy on another host encrypts the traffic", addr)
}

// loadPipeline reads the pipeline of a config file in the laptops' format,
// for a company whose laptops use stages of their own.
func loadPipeline(path string) (model.Pipeline, error) {
	if _, err := os.Stat(path); err != nil {
		return model.Pipeline{}, fmt.Errorf("--pipeline: %w", err)
	}
	c, err := config.Load(path)
	if err != nil {
		return model.Pipeline{}, fmt.Errorf("--pipeline: %w", err)
	}
	return c.Rules().Pipeline, nil
}

// proxiesFlag is --trusted-proxy: addresses or networks, repeatable or
// comma-separated.
type proxiesFlag struct{ list *[]netip.Prefix }

func (p proxiesFlag) String() string {
	var out []string
	for _, n := range *p.list {
		out = append(out, n.String())
	}
	return strings.Join(out, ",")
}

func (p proxiesFlag) Type() string { return "cidr" }

func (p proxiesFlag) Set(s string) error {
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		n, err := netip.ParsePrefix(part)
		if err != nil {
			a, aerr := netip.ParseAddr(part)
			if aerr != nil {
				return fmt.Errorf("%q is not an address or a network such as 10.0.0.0/8", part)
			}
			n = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())
		}
		*p.list = append(*p.list, n.Masked())
	}
	return nil
}

// quotaFlag is --quota: a size with an optional unit (B, KB, KiB, MB,
// MiB, GB, GiB, TB, TiB), or 0 for no limit (server.NoQuota).
type quotaFlag struct{ bytes *int64 }

func (q quotaFlag) String() string {
	switch {
	case q.bytes == nil:
		return ""
	case *q.bytes == server.NoQuota:
		return "0"
	case *q.bytes%(1<<30) == 0:
		return fmt.Sprintf("%dGiB", *q.bytes>>30)
	case *q.bytes%(1<<20) == 0:
		return fmt.Sprintf("%dMiB", *q.bytes>>20)
	}
	return strconv.FormatInt(*q.bytes, 10)
}

func (q quotaFlag) Type() string { return "size" }

func (q quotaFlag) Set(s string) error {
	n, err := parseSize(s)
	if err != nil {
		return err
	}
	if n == 0 {
		n = server.NoQuota
	}
	*q.bytes = n
	return nil
}

// parseSize reads a byte count such as 512, 256MiB or 1.5GB.
func parseSize(s string) (int64, error) {
	units := []struct {
		suffix string
		mult   float64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
		{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"B", 1}}
	num, mult := strings.TrimSpace(s), 1.0
	for _, u := range units {
		if strings.HasSuffix(strings.ToLower(num), strings.ToLower(u.suffix)) {
			num, mult = strings.TrimSpace(num[:len(num)-len(u.suffix)]), u.mult
			break
		}
	}
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || v < 0 || math.IsInf(v, 0) || v*mult > math.MaxInt64/2 {
		return 0, fmt.Errorf("%q is not a size: give bytes with an optional unit, e.g. 256MiB or 2GiB (0 for no limit)", s)
	}
	return int64(v * mult), nil
}
