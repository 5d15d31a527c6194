// convert.js BOOK_JSON OUT_DIR
// Turns a fieldcrm JSON export into PouchDB docs, one JSON doc per line:
//   OUT_DIR/docs.ndjson        every record of every kind (+ one "pipeline" doc)
//   OUT_DIR/leads.ndjson       the leads only
// _id = record id; body = the record's fields unchanged, plus type=<kind>.
'use strict';
const fs = require('fs');
const path = require('path');
const [src, out] = process.argv.slice(2);
if (!src || !out) { console.error('usage: node convert.js book.json outdir'); process.exit(2); }
const book = JSON.parse(fs.readFileSync(src, 'utf8'));
const kinds = { leads: 'lead', activities: 'activity', tasks: 'task', complaints: 'complaint',
  approvals: 'approval', services: 'service' };
const all = fs.openSync(path.join(out, 'docs.ndjson'), 'w');
const leads = fs.openSync(path.join(out, 'leads.ndjson'), 'w');
const seen = new Set();
const counts = {};
let total = 0;
function emit(fd, doc) { fs.writeSync(fd, JSON.stringify(doc) + '\n'); }
for (const [key, val] of Object.entries(book)) {
  if (!Array.isArray(val)) continue;
  const type = kinds[key] || key;
  if (!kinds[key]) console.error('note: unknown record array', key, '- exported as type', type);
  for (const r of val) {
    if (!r || typeof r.id !== 'string' || !r.id) throw new Error(`${key}: record without id`);
    if (seen.has(r.id)) throw new Error(`duplicate id ${r.id}`);
    seen.add(r.id);
    for (const k of Object.keys(r)) if (k.startsWith('_')) throw new Error(`${key} ${r.id}: field ${k} starts with _`);
    const doc = Object.assign({ _id: r.id, type }, r);
    emit(all, doc);
    if (key === 'leads') emit(leads, doc);
    counts[key] = (counts[key] || 0) + 1;
    total++;
  }
}
if (book.pipeline) { emit(all, { _id: 'pipeline', type: 'pipeline', ...book.pipeline }); counts.pipeline = 1; total++; }
fs.closeSync(all); fs.closeSync(leads);
const summary = { counts, total, leads: counts.leads || 0 };
fs.writeFileSync(path.join(out, 'counts.json'), JSON.stringify(summary, null, 1));
console.log(JSON.stringify(summary));
