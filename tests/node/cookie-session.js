#!/usr/bin/env node
// cookie-session.js — reference signer and verifier for cookie-session's pair of cookies, computed by
// the real cookie-session middleware (with the `cookies` jar and keygrip it requires).
//
// CLI contract:
//   node cookie-session.js sign
//       stdin:  one JSON object per line: {"session": {...}, "keys": ["k1", ...], "name"?: "session",
//               "algorithm"?: "sha1"}
//       stdout: one JSON line per input line, in order: {"set_cookie": [<the Set-Cookie header values the
//               middleware sent>], "pair": "NAME=VALUE; NAME.sig=SIG", "value", "signature"}
//               or {"error": "<message>"}.
//   node cookie-session.js verify
//       stdin:  one JSON object per line: {"cookie_header": "<Cookie header value>" | null, "keys": [...],
//               "name"?, "algorithm"?}
//       stdout: one JSON line per input line: {"session": {...} | null, "key_index": n | null}
//               session is null whenever cookie-session starts a new session instead (req.session.isNew):
//               no cookie, no/bad signature, an empty value, a value that is not base64 of JSON.
//               key_index comes from keygrip's own index() on "NAME=VALUE" with the jar's value.
//   node cookie-session.js random N SEED
//       stdout: N JSON lines {"session", "keys", "key", "pair", "value", "signature", "set_cookie"}: a random
//               session (nested objects, arrays, numbers, unicode) signed by the middleware with keys = [key]
//               (key: random unicode, 1..64 code points, no line breaks). Same N and SEED → same output.
//   node cookie-session.js --versions
//       stdout: {"cookie-session": v, "cookies": v, "keygrip": v} — the copies actually used.
//   Exit 0; 2 on bad arguments.
'use strict';

const path = require('path');
const readline = require('readline');

const csDir = path.dirname(require.resolve('cookie-session/package.json'));
const cookieSession = require(csDir);
const cookiesDir = path.dirname(require.resolve('cookies/package.json', { paths: [csDir] }));
const Keygrip = require(require.resolve('keygrip', { paths: [cookiesDir] }));

function keysOf(obj) {
  if (!Array.isArray(obj.keys) || obj.keys.length === 0) throw new TypeError('"keys" must be a non-empty array');
  return Keygrip(obj.keys, obj.algorithm || 'sha1');
}

// Runs the middleware on a fake request/response; `handle(req)` plays the route. Returns the
// request and the Set-Cookie values the middleware sent when the response was written.
function run(obj, header, handle) {
  const mw = cookieSession({ name: obj.name || 'session', keys: keysOf(obj) });
  const headers = {};
  if (header != null) headers.cookie = header;
  const req = { headers, url: '/', method: 'GET', connection: {}, socket: {} };
  const res = {
    _headers: {},
    getHeader(n) { return this._headers[n.toLowerCase()]; },
    setHeader(n, v) { this._headers[n.toLowerCase()] = v; },
    writeHead() { return this; },
  };
  let failed = null;
  mw(req, res, (err) => { failed = err || null; });
  if (failed) throw failed;
  handle(req);
  res.writeHead(200);
  const set = res._headers['set-cookie'];
  return { req, setCookie: set == null ? [] : [].concat(set) };
}

function signLine(obj) {
  if (obj.session === null || typeof obj.session !== 'object' || Array.isArray(obj.session)) {
    throw new TypeError('"session" must be an object');
  }
  const { setCookie } = run(obj, null, (req) => { req.session = obj.session; });
  if (setCookie.length !== 2) throw new Error('expected two Set-Cookie values, got ' + JSON.stringify(setCookie));
  const pairs = setCookie.map((c) => c.split(';')[0]);
  const value = pairs[0].slice(pairs[0].indexOf('=') + 1);
  const signature = pairs[1].slice(pairs[1].indexOf('=') + 1);
  return { set_cookie: setCookie, pair: pairs.join('; '), value, signature };
}

// The value the jar reads for `name` (its getPattern and quote stripping), for keygrip's index().
function jarValue(header, name) {
  const escaped = name.replace(/[\^$\\.*+?()[\]{}|]/g, '\\$&');
  const match = header.match(new RegExp('(?:^|;) *' + escaped + '=([^;]*)'));
  if (!match) return undefined;
  let value = match[1];
  if (value[0] === '"') value = value.slice(1, -1);
  return value;
}

function verifyLine(obj) {
  const name = obj.name || 'session';
  const header = obj.cookie_header == null ? null : obj.cookie_header;
  if (header !== null && typeof header !== 'string') throw new TypeError('"cookie_header" must be a string or null');
  let session = null;
  run(obj, header, (req) => {
    const s = req.session;
    if (s && !s.isNew) session = JSON.parse(JSON.stringify(s));
  });
  let keyIndex = null;
  if (session !== null) {
    const value = jarValue(header, name);
    const signature = jarValue(header, name + '.sig');
    keyIndex = keysOf(obj).index(name + '=' + value, signature);
    if (keyIndex < 0) throw new Error('cookie-session accepted a pair keygrip refuses: ' + header);
  }
  return { session, key_index: keyIndex };
}

// Deterministic PRNG: xmur3 string hash to seed sfc32 (as sign.js).
function seededRandom(seedStr) {
  let h = 1779033703 ^ seedStr.length;
  for (let i = 0; i < seedStr.length; i++) {
    h = Math.imul(h ^ seedStr.charCodeAt(i), 3432918353);
    h = (h << 13) | (h >>> 19);
  }
  function next32() {
    h = Math.imul(h ^ (h >>> 16), 2246822507);
    h = Math.imul(h ^ (h >>> 13), 3266489909);
    return (h ^= h >>> 16) >>> 0;
  }
  let a = next32(), b = next32(), c = next32(), d = next32();
  return function rand() {
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
}

function randomText(rand, minLen, maxLen) {
  const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));
  const n = int(minLen, maxLen);
  let s = '';
  for (let i = 0; i < n; i++) {
    const r = rand();
    let cp;
    if (r < 0.6) cp = int(0x20, 0x7e); // printable ASCII, quotes and backslashes included
    else if (r < 0.75) cp = int(0xa0, 0x7ff);
    else if (r < 0.9) { do { cp = int(0x800, 0xfffd); } while (cp >= 0xd800 && cp <= 0xdfff); }
    else cp = int(0x1f300, 0x1faff);
    s += String.fromCodePoint(cp);
  }
  return s;
}

function randomValue(rand, depth) {
  const r = rand();
  if (depth > 2 || r < 0.3) return randomText(rand, 0, 20);
  if (r < 0.45) return Math.floor(rand() * 1e6) - 5e5;
  if (r < 0.5) return Math.round(rand() * 1e4) / 100;
  if (r < 0.55) return rand() < 0.5;
  if (r < 0.6) return null;
  if (r < 0.8) {
    const n = Math.floor(rand() * 4);
    const out = [];
    for (let i = 0; i < n; i++) out.push(randomValue(rand, depth + 1));
    return out;
  }
  return randomObject(rand, depth + 1);
}

function randomObject(rand, depth) {
  const n = Math.floor(rand() * 5);
  const out = {};
  // Keys that are not integers, so the key order is the same in JS and in JSON text.
  for (let i = 0; i < n; i++) out['k' + randomText(rand, 0, 8)] = randomValue(rand, depth);
  return out;
}

function randomMode(n, seed) {
  const rand = seededRandom(String(seed));
  const out = [];
  for (let i = 0; i < n; i++) {
    const session = randomObject(rand, 0);
    if (Object.keys(session).length === 0) session.views = i; // an empty new session sets no cookie
    const key = randomText(rand, 1, 64).replace(/[\r\n]/g, 'x');
    const signed = signLine({ session, keys: [key] });
    out.push(JSON.stringify(Object.assign({ session, keys: [key], key }, signed)) + '\n');
  }
  process.stdout.write(out.join(''));
}

function pkgVersion(dir) {
  return require(path.join(dir, 'package.json')).version;
}

async function linesMode(each) {
  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  const out = [];
  for await (const text of rl) {
    if (text.trim() === '') continue;
    let answer;
    try {
      answer = each(JSON.parse(text));
    } catch (e) {
      answer = { error: e.message };
    }
    out.push(JSON.stringify(answer) + '\n');
  }
  process.stdout.write(out.join(''));
}

function usage(msg) {
  process.stderr.write((msg ? msg + '\n' : '') + 'usage: node cookie-session.js sign|verify|random N SEED|--versions\n');
  process.exit(2);
}

async function main() {
  const [mode, ...rest] = process.argv.slice(2);
  if (mode === '--versions') {
    process.stdout.write(JSON.stringify({
      'cookie-session': pkgVersion(csDir),
      cookies: pkgVersion(cookiesDir),
      keygrip: pkgVersion(path.dirname(require.resolve('keygrip/package.json', { paths: [cookiesDir] }))),
    }) + '\n');
  } else if (mode === 'sign') {
    await linesMode(signLine);
  } else if (mode === 'verify') {
    await linesMode(verifyLine);
  } else if (mode === 'random') {
    const n = Number(rest[0]);
    if (!Number.isInteger(n) || n < 0 || rest[1] == null) usage('random needs N and SEED');
    randomMode(n, rest[1]);
  } else {
    usage(mode ? 'unknown mode: ' + mode : null);
  }
}

main().catch((e) => {
  process.stderr.write('cookie-session.js: ' + (e && e.stack || e) + '\n');
  process.exit(1);
});
