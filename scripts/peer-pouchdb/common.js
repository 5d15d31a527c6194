// common.js: what push.js and pull.js share: the server's /stats, CPU in ms, the process's peak RSS.
'use strict';
const http = require('http');
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
