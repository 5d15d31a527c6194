// push.js PORT WORKDIR DOCS.ndjson DBNAME [BATCH_SIZE]
// 1) load DOCS into a fresh local leveldb PouchDB (timed: load)  2) replicate it to http://127.0.0.1:PORT/DBNAME (timed: push)
'use strict';
const fs = require('fs');
const path = require('path');
const readline = require('readline');
const PouchDB = require('pouchdb-node');
const { getJSON, cpuMs, self, replication, finish } = require('./common');

const [port, work, docsFile, dbname, bsArg] = process.argv.slice(2);
if (!port || !work || !docsFile || !dbname) { console.error('usage: node push.js PORT WORKDIR DOCS.ndjson DBNAME [BATCH_SIZE]'); process.exit(2); }
const batch = bsArg ? parseInt(bsArg, 10) : undefined;
const base = `http://127.0.0.1:${port}`;

(async () => {
  const localPath = path.join(work, `push-local-${dbname}`);
  fs.rmSync(localPath, { recursive: true, force: true });
  const local = new PouchDB(localPath);

  // ---- load
  let c0 = process.cpuUsage(), t0 = process.hrtime.bigint();
  let n = 0, chunk = [];
  const rl = readline.createInterface({ input: fs.createReadStream(docsFile), crlfDelay: Infinity });
  for await (const line of rl) {
    if (!line) continue;
    chunk.push(JSON.parse(line)); n++;
    if (chunk.length === 1000) { await bulk(local, chunk); chunk = []; }
  }
  if (chunk.length) await bulk(local, chunk);
  const loadWall = Number(process.hrtime.bigint() - t0) / 1e9;
  const loadCpu = cpuMs(process.cpuUsage(c0));
  const li = await local.info();
  if (li.doc_count !== n) throw new Error(`local doc_count ${li.doc_count} != ${n}`);
  const rssAfterLoad = self().peakRSS_MB;

  // ---- push
  const remote = new PouchDB(`${base}/${dbname}`);
  const ri0 = await remote.info(); // creates the db (outside the timed part)
  if (ri0.doc_count !== 0) throw new Error(`remote ${dbname} not empty: ${ri0.doc_count}`);
  const s0 = await getJSON(`${base}/stats`);
  c0 = process.cpuUsage(); t0 = process.hrtime.bigint();
  const opts = batch ? { batch_size: batch } : {};
  const res = await PouchDB.replicate(local, remote, opts);
  const push = replication(t0, c0, res);
  const s1 = await getJSON(`${base}/stats`);
  const ri = await remote.info();
  await finish({
    phase: 'push', db: dbname, batch_size: batch || 'default(100)', docs_source: n,
    load: { wall_s: +loadWall.toFixed(2), cpu_ms: loadCpu, peakRSS_MB_after_load: rssAfterLoad },
    push,
    remote_doc_count: ri.doc_count, count_ok: ri.doc_count === n,
  }, s0, s1, local, remote, localPath);
})().catch((e) => { console.error('push failed:', e); process.exit(1); });

async function bulk(db, docs) {
  const r = await db.bulkDocs(docs);
  for (const x of r) if (x.error) throw new Error(`bulkDocs: ${JSON.stringify(x)}`);
}
