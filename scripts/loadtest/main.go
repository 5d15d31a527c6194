package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"time"
)

func main() {
	var cfg Config
	var asJSON, keep bool
	flag.StringVar(&cfg.Bin, "bin", "", "the fieldcrm binary (default: build ./cmd/fieldcrm into the work folder)")
	flag.StringVar(&cfg.Work, "work", "", "folder for the run's files (default: a new temporary folder, removed after)")
	flag.IntVar(&cfg.Clients, "clients", 50, "client processes, each its own user and book")
	flag.IntVar(&cfg.Managers, "managers", 0, "how many clients are managers (default: one in ten, at least one)")
	flag.DurationVar(&cfg.Duration, "duration", 60*time.Second, "how long the clients edit and sync")
	flag.DurationVar(&cfg.Think, "think", 500*time.Millisecond, "mean pause between a client's commands")
	flag.StringVar(&cfg.Database, "database", os.Getenv("FIELDCRM_DATABASE"), "PostgreSQL URL (an empty database): serve it with --servers processes")
	flag.IntVar(&cfg.Servers, "servers", 0, "server processes (default 1 on bbolt, 2 on PostgreSQL)")
	flag.Uint64Var(&cfg.Seed, "seed", 1, "seed of the clients' choices")
	flag.BoolVar(&asJSON, "json", false, "print the result as JSON")
	flag.BoolVar(&keep, "keep", false, "keep the work folder (logs, books)")
	flag.Parse()
	if cfg.Managers == 0 {
		cfg.Managers = max(1, cfg.Clients/10)
	}
	if cfg.Servers == 0 {
		cfg.Servers = 1
		if cfg.Database != "" {
			cfg.Servers = 2
		}
	}
	cfg.Log = os.Stderr
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, cfg, asJSON, keep); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, cfg Config, asJSON, keep bool) error {
	if cfg.Work == "" {
		dir, err := os.MkdirTemp("", "fieldcrm-loadtest")
		if err != nil {
			return err
		}
		cfg.Work = dir
		if !keep {
			defer os.RemoveAll(dir)
		}
	}
	if cfg.Bin == "" {
		cfg.Bin = filepath.Join(cfg.Work, "fieldcrm")
		fmt.Fprintln(cfg.Log, "building fieldcrm")
		if out, err := exec.Command("go", "build", "-o", cfg.Bin, "./cmd/fieldcrm").CombinedOutput(); err != nil {
			return fmt.Errorf("build fieldcrm (run from the module's root): %v\n%s", err, out)
		}
	}
	res, err := Run(ctx, cfg)
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			return err
		}
	} else {
		printResult(res)
	}
	if !res.Converged() {
		return fmt.Errorf("the books did not converge:\n  %s", strings.Join(res.Problems, "\n  "))
	}
	return nil
}

func printResult(r *Result) {
	secs := r.Duration.Seconds()
	var rss []string
	for _, b := range r.ServerPeakRSS {
		rss = append(rss, fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)))
	}
	fmt.Printf("backend %s, %d server(s), %d clients (%d managers), %s of edits\n", r.Backend, r.Servers, r.Clients, r.Managers, r.Duration)
	fmt.Printf("edits %d (%.1f/s), syncs %d (%.1f/s), errors: %d edits, %d syncs\n", r.Edits, float64(r.Edits)/secs, r.Syncs, float64(r.Syncs)/secs, r.EditErrors, r.SyncErrors)
	fmt.Printf("sync latency (whole process): p50 %s, p95 %s, max %s; one client alone before the load: %s\n", r.SyncP50.Round(time.Millisecond),
		r.SyncP95.Round(time.Millisecond), r.SyncMax.Round(time.Millisecond), r.BaselineSync.Round(time.Millisecond))
	fmt.Printf("final sync rounds %s; server peak RSS %s\n", r.FinalSync.Round(time.Millisecond), strings.Join(rss, ", "))
	fmt.Printf("converged: %v (%d leads, %d activities on the server; %.1f KiB of ops stored)\n", r.Converged(), r.Leads, r.Activities, float64(r.StoredBytes)/1024)
	for _, e := range r.FirstErrors {
		fmt.Printf("  error: %s\n", e)
	}
}
