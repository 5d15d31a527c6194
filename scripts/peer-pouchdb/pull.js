// pull.js PORT WORKDIR DBNAME EXPECTED_COUNT [BATCH_SIZE]
// replicate http://127.0.0.1:PORT/DBNAME into a fresh empty local leveldb PouchDB (timed)
'use strict';
const fs = require('fs');
const path = require('path');
const os = require('os');
const PouchDB = require('pouchdb-node');
const { getJSON, cpuMs, serverDelta, self } = require('./common');

const [port, work, dbname, expArg, bsArg] = process.argv.slice(2);
if (!port || !work || !dbname || !expArg) { console.error('usage: node pull.js PORT WORKDIR DBNAME EXPECTED_COUNT [BATCH_SIZE]'); process.exit(2); }
const expected = parseInt(expArg, 10);
const batch = bsArg ? parseInt(bsArg, 10) : undefined;
const base = `http://127.0.0.1:${port}`;

(async () => {
  const localPath = path.join(work, `pull-local-${dbname}`);
  fs.rmSync(localPath, { recursive: true, force: true });
  const local = new PouchDB(localPath);
  await local.info();
  const remote = new PouchDB(`${base}/${dbname}`, { skip_setup: true });
  const s0 = await getJSON(`${base}/stats`);
  const c0 = process.cpuUsage(), t0 = process.hrtime.bigint();
  const res = await PouchDB.replicate(remote, local, batch ? { batch_size: batch } : {});
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = cpuMs(process.cpuUsage(c0));
  const s1 = await getJSON(`${base}/stats`);
  const li = await local.info();
  const out = {
    phase: 'pull', db: dbname, batch_size: batch || 'default(100)',
    pull: { wall_s: +wall.toFixed(2), cpu_ms: cpu, docs_written: res.docs_written, status: res.status },
    client_peakRSS_MB: self().peakRSS_MB,
    local_doc_count: li.doc_count, expected, count_ok: li.doc_count === expected,
    server: serverDelta(s0, s1),
    loadavg_1m_at_end: +os.loadavg()[0].toFixed(2),
  };
  console.log(JSON.stringify(out));
  await local.close(); await remote.close();
  fs.rmSync(localPath, { recursive: true, force: true });
  if (!out.count_ok) process.exitCode = 1;
})().catch((e) => { console.error('pull failed:', e); process.exit(1); });
