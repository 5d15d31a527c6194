// server.js PORT DATADIR  — express + express-pouchdb on 127.0.0.1:PORT, dbs in DATADIR (leveldb via pouchdb-node)
'use strict';
const express = require('express');
const compression = require('compression');
const fs = require('fs');
const path = require('path');
const PouchDB = require('pouchdb-node');

const port = parseInt(process.argv[2], 10);
const dir = path.resolve(process.argv[3] || '');
if (!port || !process.argv[3]) { console.error('usage: node server.js PORT DATADIR'); process.exit(2); }
fs.mkdirSync(dir, { recursive: true });

const DB = PouchDB.defaults({ prefix: dir + '/' });
// minimumForPouchDB = the routes a PouchDB client needs (no config file, log file, auth, _replicator, fauxton).
// compression is taken out of the pouch app and put in the outer app so that body bytes can be counted
// both before (res.write of the pouch app) and after it (the socket).
const pouchApp = require('express-pouchdb')(DB, {
  mode: 'minimumForPouchDB',
  overrideMode: { exclude: ['compression'] },
});

// ---- counters
const c = { requests: 0, resBodyBytes: 0, closedIn: 0, closedOut: 0 };
const live = new Set();
function wire() {
  let i = c.closedIn, o = c.closedOut;
  for (const s of live) { i += s.bytesRead; o += s.bytesWritten; }
  return { in: i, out: o };
}

const app = express();
app.disable('x-powered-by');
app.get('/stats', (req, res) => {
  const ru = process.resourceUsage();
  const mu = process.memoryUsage();
  res.json({
    cpu: process.cpuUsage(),            // microseconds, cumulative
    maxRSS_kb: ru.maxRSS,               // peak since start
    rss: mu.rss, heapUsed: mu.heapUsed,
    requests: c.requests,               // excluding /stats
    wire: wire(),                       // socket bytes incl. HTTP headers, cumulative (incl. /stats calls)
    resBodyBytes: c.resBodyBytes,       // response bodies before gzip
  });
});
app.use(compression());
app.use((req, res, next) => {
  c.requests++;
  const w = res.write, e = res.end;
  const n = (ch, enc) => (ch == null || typeof ch === 'function') ? 0
    : (Buffer.isBuffer(ch) ? ch.length : Buffer.byteLength(ch, typeof enc === 'string' ? enc : 'utf8'));
  res.write = function (ch, enc, cb) { c.resBodyBytes += n(ch, enc); return w.call(this, ch, enc, cb); };
  res.end = function (ch, enc, cb) { c.resBodyBytes += n(ch, enc); return e.call(this, ch, enc, cb); };
  next();
});
app.use('/', pouchApp);

const server = app.listen(port, '127.0.0.1', () => {
  console.log(`server pid=${process.pid} listening on http://127.0.0.1:${port} data=${dir}`);
});
server.on('connection', (s) => {
  live.add(s);
  s.on('close', () => { live.delete(s); c.closedIn += s.bytesRead; c.closedOut += s.bytesWritten; });
});
function stop() { server.close(); setTimeout(() => process.exit(0), 200).unref(); }
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
