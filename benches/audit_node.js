// The Node reference for `sio-auth audit` in BENCHMARKS.md: a wordlist tried on one captured
// cookie with cookie-signature's unsign, the way a Node script would search for the secret.
//   node audit_node.js RAW_VALUE WORDLIST  → prints {"candidates_per_sec":…,"tried":…,"found":…}
'use strict';
const fs = require('fs');
const path = require('path');
const fixture = path.join(__dirname, '..', 'tests', 'node', 'node_modules');
const signature = require(path.join(fixture, 'cookie-signature'));

const [raw, wordlist] = process.argv.slice(2);
if (!raw || !wordlist) {
  console.error('usage: audit_node.js RAW_VALUE WORDLIST');
  process.exit(2);
}
const value = raw.startsWith('s:') ? raw.slice(2) : raw;
const start = process.hrtime.bigint();
const lines = fs.readFileSync(wordlist, 'utf8').split('\n');
if (lines[lines.length - 1] === '') lines.pop();
let found = null;
let tried = 0;
for (const line of lines) {
  tried++;
  if (signature.unsign(value, line) !== false) { found = line; break; }
}
const secs = Number(process.hrtime.bigint() - start) / 1e9;
console.log(JSON.stringify({ candidates_per_sec: Math.round(tried / secs), tried, found }));
