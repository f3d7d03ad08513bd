#!/usr/bin/env node
// verify.js — reference verdict: which session id express-session extracts from a Cookie header.
//
// CLI contract:
//   node verify.js
//       stdin:  one JSON object per line:
//               {"cookie_header": "<Cookie header value>" | null, "secrets": ["s1", ...], "name": "express.sid"}
//               ("name" is optional, default "express.sid"; a missing/null cookie_header means no header).
//       stdout: one JSON line per input line, in order:
//               {"sid": "<sid>" | null, "secret_index": <index of the secret that verified> | null}
//               or {"error": "<message>"} for a line that cannot be processed (blank lines are skipped).
//               sid is null whenever express-session would start a new session instead (no/invalid/unsigned
//               cookie, or an empty sid, which express-session treats as "no session").
//   node verify.js --versions
//       stdout: {"express-session": v, "cookie": v, "cookie-signature": v} — the copies actually used.
//   Exit 0; 3 if express-session's own verdict and the mirrored getcookie (used for secret_index) disagree.
//
// How: `sid` is express-session's OWN verdict. Its getcookie() is not exported, so each line runs the real
// express-session middleware (cached per name+secrets) on a fake request with a probe store: the middleware
// does `req.sessionID = getcookie(req, name, secrets)` (node_modules/express-session/index.js:228) and calls
// `store.get(req.sessionID, ...)` only when that id is truthy (index.js:491-500); the probe records the id
// and never calls back, so nothing else runs. express-session does not report WHICH secret matched, so
// `secret_index` comes from a line-by-line mirror of getcookie()/unsigncookie() (index.js:544-601 and
// index.js:690-700 in express-session 1.19.0), using the same `cookie` and `cookie-signature` modules that
// express-session requires; the two verdicts are cross-checked on every line.
'use strict';

const path = require('path');
const readline = require('readline');

const esDir = path.dirname(require.resolve('express-session/package.json'));
const session = require(esDir);
const cookieModulePath = require.resolve('cookie', { paths: [esDir] });
const signatureModulePath = require.resolve('cookie-signature', { paths: [esDir] });
const cookie = require(cookieModulePath);
const signature = require(signatureModulePath);

function pkgVersion(modulePath) {
  let dir = path.dirname(modulePath);
  for (;;) {
    try {
      const pkg = require(path.join(dir, 'package.json'));
      if (pkg.name && pkg.version) return pkg.version;
    } catch (_) { /* keep climbing */ }
    const up = path.dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}

// ---- express-session itself -------------------------------------------------------------------------

class ProbeStore extends session.Store {
  constructor() { super(); this.seen = undefined; }
  get(sid, _cb) { this.seen = sid; /* never call back: the request is abandoned here */ }
  set(_sid, _sess, cb) { if (cb) cb(); }
  destroy(_sid, cb) { if (cb) cb(); }
}

const middlewares = new Map();
function middlewareFor(name, secrets) {
  const key = JSON.stringify([name, secrets]);
  let m = middlewares.get(key);
  if (!m) {
    if (middlewares.size > 1000) middlewares.clear();
    const store = new ProbeStore();
    const mw = session({
      name,
      secret: secrets,
      store,
      resave: false,
      saveUninitialized: true,
      genid: () => 'probe-generated',
    });
    m = { mw, store };
    middlewares.set(key, m);
  }
  return m;
}

function expressSessionVerdict(header, name, secrets) {
  const { mw, store } = middlewareFor(name, secrets);
  const headers = {};
  if (header != null) headers.cookie = header;
  const req = { headers, url: '/', originalUrl: '/', method: 'GET' };
  const res = { getHeader() {}, setHeader() {} };
  store.seen = undefined;
  let nextErr = null;
  mw(req, res, (err) => { nextErr = err || null; });
  if (nextErr) throw nextErr;
  // store.get is reached only with a truthy id; otherwise express-session generated a new session.
  return store.seen === undefined ? null : store.seen;
}

// ---- mirror of getcookie() / unsigncookie(), only for secret_index ---------------------------------

function mirrorVerdict(header, name, secrets) {
  if (!header) return { sid: null, secret_index: null };
  const cookies = cookie.parse(header);
  const raw = cookies[name];
  if (!raw || raw.substr(0, 2) !== 's:') return { sid: null, secret_index: null };
  for (let i = 0; i < secrets.length; i++) {
    const result = signature.unsign(raw.slice(2), secrets[i]);
    if (result !== false) {
      // express-session: `if (!req.sessionID) generate()` — an empty sid is no session.
      return result ? { sid: result, secret_index: i } : { sid: null, secret_index: null };
    }
  }
  return { sid: null, secret_index: null };
}

// ---- driver -----------------------------------------------------------------------------------------

function verifyLine(obj) {
  const name = obj.name == null ? 'express.sid' : obj.name;
  const secrets = obj.secrets;
  if (!Array.isArray(secrets)) throw new TypeError('"secrets" must be an array');
  const header = obj.cookie_header == null ? null : obj.cookie_header;
  if (header !== null && typeof header !== 'string') throw new TypeError('"cookie_header" must be a string or null');
  const sid = expressSessionVerdict(header, name, secrets);
  const mirror = mirrorVerdict(header, name, secrets);
  if (mirror.sid !== sid) {
    process.stderr.write('verify.js: MIRROR DISAGREES with express-session: ' + JSON.stringify({ input: obj, express_session: sid, mirror }) + '\n');
    process.exit(3);
  }
  return { sid, secret_index: sid === null ? null : mirror.secret_index };
}

async function main() {
  if (process.argv[2] === '--versions') {
    process.stdout.write(JSON.stringify({
      'express-session': require(path.join(esDir, 'package.json')).version,
      cookie: pkgVersion(cookieModulePath),
      'cookie-signature': pkgVersion(signatureModulePath),
    }) + '\n');
    return;
  }
  if (process.argv.length > 2) {
    process.stderr.write('usage: node verify.js [--versions]  (stdin: JSON lines {"cookie_header","secrets","name"})\n');
    process.exit(2);
  }
  let buf = [];
  let size = 0;
  const flush = () => new Promise((resolve) => {
    const chunk = buf.join('');
    buf = [];
    size = 0;
    if (chunk === '' || process.stdout.write(chunk)) resolve();
    else process.stdout.once('drain', resolve);
  });
  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const text of rl) {
    if (text.trim() === '') continue;
    let out;
    try {
      out = verifyLine(JSON.parse(text));
    } catch (e) {
      out = { error: e.message };
    }
    const s = JSON.stringify(out) + '\n';
    buf.push(s);
    size += s.length;
    if (size >= 1 << 16) await flush();
  }
  await flush();
}

main().catch((e) => {
  process.stderr.write('verify.js: ' + (e && e.stack || e) + '\n');
  process.exit(1);
});
