package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/adrg/xdg"
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
	var logText bool
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the team's sync server",
		Long: `Run the central sync server: users, tokens and the op log live in a bbolt
file in --data, or in PostgreSQL with --database postgres://... (or
$FIELDCRM_DATABASE); several servers may then share one database behind a
load balancer. The server creates and migrates its tables on start.
Clients connect with 'fieldcrm login' and 'fieldcrm sync'.
Give --tls-cert and --tls-key to serve HTTPS (do so on any real network).

The server logs one JSON line per request to stderr (never tokens or note
text) and stops cleanly on SIGTERM or Ctrl-C, finishing requests in flight.
While it runs, 'fieldcrm admin' commands on the same --data talk to it.`,
		Example: `  fieldcrm serve --data /srv/fieldcrm --addr 0.0.0.0:7070 --tls-cert cert.pem --tls-key key.pem
  fieldcrm serve --database postgres://fieldcrm@db.internal/fieldcrm --addr 0.0.0.0:7070`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f := cmd.Flags(); f.Changed("data") && !f.Changed("database") {
				cfg.Database = "" // an explicit --data wins over $FIELDCRM_DATABASE
			}
			var h slog.Handler = slog.NewJSONHandler(a.err, nil)
			if logText {
				h = slog.NewTextHandler(a.err, nil)
			}
			cfg.Logger = slog.New(h)
			where := cfg.Dir
			if cfg.Database != "" {
				where = "PostgreSQL"
			}
			cfg.Ready = func(url string) { fmt.Fprintf(a.out, "fieldcrm server listening on %s (data in %s)\n", url, where) }
			ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
			defer stop()
			return server.Serve(ctx, cfg)
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.Dir, "data", defaultServerDir(), "folder for the server's data (default $FIELDCRM_DATA)")
	f.StringVar(&cfg.Database, "database", os.Getenv("FIELDCRM_DATABASE"), "keep the data in PostgreSQL at this postgres:// URL instead of --data (default $FIELDCRM_DATABASE)")
	f.StringVar(&cfg.Addr, "addr", "127.0.0.1:7070", "address to listen on, host:port")
	f.StringVar(&cfg.TLSCert, "tls-cert", "", "TLS certificate file (PEM)")
	f.StringVar(&cfg.TLSKey, "tls-key", "", "TLS private key file (PEM)")
	f.BoolVar(&logText, "log-text", false, "log as text instead of JSON")
	return cmd
}
