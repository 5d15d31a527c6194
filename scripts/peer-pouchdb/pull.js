// pull.js PORT WORKDIR DBNAME EXPECTED_COUNT [BATCH_SIZE]
// replicate http://127.0.0.1:PORT/DBNAME into a fresh empty local leveldb PouchDB (timed)
'use strict';
const fs = require('fs');
const path = require('path');
const PouchDB = require('pouchdb-node');
const { getJSON, replication, finish } = require('./common');

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
  const pull = replication(t0, c0, res);
  const s1 = await getJSON(`${base}/stats`);
  const li = await local.info();
  await finish({
    phase: 'pull', db: dbname, batch_size: batch || 'default(100)', pull,
    local_doc_count: li.doc_count, expected, count_ok: li.doc_count === expected,
  }, s0, s1, local, remote, localPath);
})().catch((e) => { console.error('pull failed:', e); process.exit(1); });
