#!/usr/bin/env bash
# What a metrics library would add to every start of the fieldcrm binary
# (BENCHMARKS.md, "Metrics library"). Builds three binaries from one
# commit: as it is (with our own server/metrics.go, or before it, if
# given such a commit); with github.com/prometheus/client_golang v1.25.0;
# and with github.com/VictoriaMetrics/metrics v1.45.0; each library used
# the way a /metrics endpoint would use it (a registry or set, a counter
# vector, a histogram, process metrics). Then times `fieldcrm version` and
# `fieldcrm today` on a demo book, the three interleaved, and sums the
# package initialisation (GODEBUG=inittrace=1).
# Usage: scripts/bench-metrics-libs.sh [COMMIT]   (default HEAD; needs python3)
set -euo pipefail
cd "$(dirname "$0")/.."
base=${1:-HEAD}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export CGO_ENABLED=0 GOFLAGS="-trimpath -buildvcs=false"

variant() { # name commit
	mkdir "$work/$1"
	git archive "$2" | tar -x -C "$work/$1"
}
variant base "$base"
variant prom "$base"
variant vm "$base"
hook='if cfg.Addr == "probe" {\n\t\t_ = probeMetrics()\n\t}'
cat >"$work/prom/server/metrics_probe.go" <<'EOF'
package server

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

func probeMetrics() http.Handler {
	reg := prometheus.NewRegistry()
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "fieldcrm_http_requests_total"}, []string{"route", "code"})
	h := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "fieldcrm_push_seconds"}, []string{"backend"})
	reg.MustRegister(c, h, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	c.WithLabelValues("push", "200").Inc()
	h.WithLabelValues("bolt").Observe(1)
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
}
EOF
cat >"$work/vm/server/metrics_probe.go" <<'EOF'
package server

import (
	"net/http"

	"github.com/VictoriaMetrics/metrics"
)

func probeMetrics() http.Handler {
	s := metrics.NewSet()
	s.NewCounter(`fieldcrm_http_requests_total{route="push",code="200"}`).Inc()
	s.NewHistogram(`fieldcrm_push_seconds`).Update(1)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.WritePrometheus(w)
		metrics.WriteProcessMetrics(w)
	})
}
EOF
for v in prom vm; do
	sed -i "s|^func Serve(ctx context.Context, cfg Config) error {|&\n\t$hook|" "$work/$v/server/serve.go"
done
(cd "$work/prom" && go get github.com/prometheus/client_golang@v1.25.0 && go mod tidy) >/dev/null 2>&1
(cd "$work/vm" && go get github.com/VictoriaMetrics/metrics@v1.45.0 && go mod tidy) >/dev/null 2>&1
for v in base prom vm; do
	(cd "$work/$v" && go build -ldflags '-s -w' -o "$work/bin/$v" ./cmd/fieldcrm)
done

export XDG_CONFIG_HOME="$work/config" XDG_DATA_HOME="$work/data" FIELDCRM_LANG=en
"$work/bin/base" --db "$work/book.db" demo >/dev/null
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$work" <<'EOF'
import os, statistics, subprocess, sys, time
work = sys.argv[1]
names = ["base", "vm", "prom"]
bins = [os.path.join(work, "bin", n) for n in names]
for what, args in [("version", ["version"]), ("today", ["--db", os.path.join(work, "book.db"), "today"])]:
    runs = {n: [] for n in names}
    for _ in range(200):  # interleaved, so load changes hit all three alike
        for n, b in zip(names, bins):
            t = time.perf_counter()
            subprocess.run([b] + args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
            runs[n].append((time.perf_counter() - t) * 1e3)
    for n in names:
        r = sorted(runs[n])
        print(f"{what:8} {n:5} median {statistics.median(r):6.2f} ms  p10 {r[20]:6.2f}  p90 {r[180]:6.2f}")
for n, b in zip(names, bins):
    ms, by, al = [], 0, 0
    for _ in range(31):
        p = subprocess.run([b, "version"], capture_output=True, text=True, env=dict(os.environ, GODEBUG="inittrace=1"))
        lines = [l.split() for l in p.stderr.splitlines() if l.startswith("init ")]
        ms.append(sum(float(f[4]) for f in lines))
        by, al = sum(int(f[7]) for f in lines), sum(int(f[9]) for f in lines)
    print(f"init     {n:5} median {statistics.median(ms):.2f} ms, {by} bytes, {al} allocations; binary {os.path.getsize(b)} bytes")
EOF
echo "machine load after: $(cut -d' ' -f1-3 /proc/loadavg)"
