// summarize.js results.jsonl [more.jsonl ...] — compact table of push/pull runs
'use strict';
const fs = require('fs');
const rows = [];
for (const f of process.argv.slice(2)) {
  for (const line of fs.readFileSync(f, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    let r; try { r = JSON.parse(line); } catch { continue; }
    if (r.phase !== 'push' && r.phase !== 'pull') continue;
    const p = r[r.phase], s = r.server;
    const n = r.phase === 'push' ? r.docs_source : r.expected;
    rows.push({
      file: f.split('/').slice(-2, -1)[0] || f, set: r.set || r.db, phase: r.phase, batch: String(r.batch_size).replace('default(100)', 'dflt'), docs: n,
      wall_s: p.wall_s, docs_per_s: Math.round(n / p.wall_s), cpu_s: (p.cpu_ms.total / 1000).toFixed(1), rss_MB: r.client_peakRSS_MB,
      srv_cpu_s: (s.cpu_ms.total / 1000).toFixed(1), srv_peakRSS_MB: s.peakRSS_MB, reqs: s.requests,
      up_MB: (s.wire_in_bytes / 1e6).toFixed(1), down_MB: (s.wire_out_bytes / 1e6).toFixed(1),
      down_raw_MB: (s.res_body_bytes_before_gzip / 1e6).toFixed(1),
      load_s: r.load ? r.load.wall_s : '', ok: r.count_ok ? 'ok' : 'MISMATCH', la1: r.loadavg_1m_at_end,
    });
  }
}
if (!rows.length) { console.log('no rows'); process.exit(0); }
const cols = Object.keys(rows[0]);
const w = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
console.log(cols.map((c, i) => c.padStart(w[i])).join(' '));
for (const r of rows) console.log(cols.map((c, i) => String(r[c]).padStart(w[i])).join(' '));
