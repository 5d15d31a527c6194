// common.js: what push.js and pull.js share: the server's /stats, CPU in ms, the process's peak RSS.
'use strict';
const fs = require('fs');
const http = require('http');
const os = require('os');
exports.getJSON = (url) => new Promise((resolve, reject) => {
  http.get(url, { agent: false }, (res) => {
    let b = ''; res.setEncoding('utf8');
    res.on('data', (d) => { b += d; });
    res.on('end', () => { try { resolve(JSON.parse(b)); } catch (e) { reject(e); } });
  }).on('error', reject);
});
exports.cpuMs = (d) => ({ user: +(d.user / 1000).toFixed(0), sys: +(d.system / 1000).toFixed(0), total: +((d.user + d.system) / 1000).toFixed(0) });
exports.serverDelta = (a, b) => ({
  cpu_ms: exports.cpuMs({ user: b.cpu.user - a.cpu.user, system: b.cpu.system - a.cpu.system }),
  peakRSS_MB: +(b.maxRSS_kb / 1024).toFixed(1),
  rss_MB_now: +(b.rss / 1048576).toFixed(1),
  requests: b.requests - a.requests,
  wire_in_bytes: b.wire.in - a.wire.in,
  wire_out_bytes: b.wire.out - a.wire.out,
  res_body_bytes_before_gzip: b.resBodyBytes - a.resBodyBytes,
});
exports.self = () => ({ peakRSS_MB: +(process.resourceUsage().maxRSS / 1024).toFixed(1) });
// replication is what push.js and pull.js measure of a replication begun
// at t0 (process.hrtime.bigint()) with the CPU used so far c0: its wall
// time, its CPU, and what PouchDB said of it (res).
exports.replication = (t0, c0, res) => ({
  wall_s: +(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(2),
  cpu_ms: exports.cpuMs(process.cpuUsage(c0)),
  docs_written: res.docs_written, status: res.status,
});
// finish prints a measured phase (out, whose count_ok says whether the
// counts agree) as one JSON line, with the client's peak RSS, the server's
// figures between its /stats s0 and s1 and the load; then closes both
// databases and removes the local one.
exports.finish = async (out, s0, s1, local, remote, localPath) => {
  Object.assign(out, {
    client_peakRSS_MB: exports.self().peakRSS_MB,
    server: exports.serverDelta(s0, s1),
    loadavg_1m_at_end: +os.loadavg()[0].toFixed(2),
  });
  console.log(JSON.stringify(out));
  await local.close(); await remote.close();
  fs.rmSync(localPath, { recursive: true, force: true });
  if (!out.count_ok) process.exitCode = 1;
};
