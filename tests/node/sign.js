#!/usr/bin/env node
// sign.js — reference signer: what express-session puts in its cookie, computed by the real
// cookie-signature package (the same copy express-session requires).
//
// CLI contract:
//   node sign.js
//       stdin:  one JSON object per line: {"sid": "<string>", "secret": "<string>"}
//       stdout: one JSON line per input line, in order:
//               {"raw": "s:" + sign(sid, secret), "encoded": encodeURIComponent(raw)}
//               or {"error": "<message>"} for a line that cannot be processed (blank lines are skipped).
//   node sign.js --random N --seed S
//       stdout: N JSON lines {"sid", "secret", "raw", "encoded"}; sids are random unicode (with dots and
//               astral characters, never empty, no lone surrogates), secrets random unicode of 1..200
//               code points. Same N and S → same output (S is any string; integers are fine).
//   Exit 0 on success, 2 on bad arguments. Output is buffered (100k lines in well under a second or two).
'use strict';

const path = require('path');
const readline = require('readline');

// cookie-signature exactly as express-session resolves it.
const esDir = path.dirname(require.resolve('express-session/package.json'));
const signature = require(require.resolve('cookie-signature', { paths: [esDir] }));

function signLine(sid, secret) {
  const raw = 's:' + signature.sign(sid, secret);
  return { raw, encoded: encodeURIComponent(raw) };
}

// Buffered stdout writer that respects back-pressure.
function makeWriter() {
  let buf = [];
  let size = 0;
  let pending = Promise.resolve();
  function flush() {
    if (buf.length === 0) return pending;
    const chunk = buf.join('');
    buf = [];
    size = 0;
    pending = pending.then(() => new Promise((resolve) => {
      if (process.stdout.write(chunk)) resolve();
      else process.stdout.once('drain', resolve);
    }));
    return pending;
  }
  function line(obj) {
    const s = JSON.stringify(obj) + '\n';
    buf.push(s);
    size += s.length;
    if (size >= 1 << 16) return flush();
    return null;
  }
  return { line, flush };
}

// Deterministic PRNG: xmur3 string hash to seed sfc32.
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

function randomCodePoint(rand) {
  const r = rand();
  const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));
  if (r < 0.15) return 0x2e; // '.' — sids with several dots (split at the last one)
  if (r < 0.55) return int(0x20, 0x7e); // printable ASCII incl. ; = % " + / space
  if (r < 0.65) return int(0xa0, 0x7ff); // 2-byte UTF-8
  if (r < 0.80) {
    // 3-byte UTF-8, excluding surrogates
    let cp;
    do { cp = int(0x800, 0xfffd); } while (cp >= 0xd800 && cp <= 0xdfff);
    return cp;
  }
  if (r < 0.95) return int(0x1f300, 0x1faff); // astral: emoji (4-byte UTF-8, surrogate pair in JS)
  return int(0x10000, 0x10fffd); // any astral code point
}

function randomString(rand, minLen, maxLen) {
  const n = minLen + Math.floor(rand() * (maxLen - minLen + 1));
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCodePoint(randomCodePoint(rand));
  return s;
}

async function randomMode(n, seed) {
  const rand = seededRandom(String(seed));
  const w = makeWriter();
  for (let i = 0; i < n; i++) {
    const sid = randomString(rand, 1, 64);
    const secret = randomString(rand, 1, 200);
    const p = w.line(Object.assign({ sid, secret }, signLine(sid, secret)));
    if (p) await p;
  }
  await w.flush();
}

async function stdinMode() {
  const w = makeWriter();
  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const text of rl) {
    if (text.trim() === '') continue;
    let out;
    try {
      const { sid, secret } = JSON.parse(text);
      out = signLine(sid, secret);
    } catch (e) {
      out = { error: e.message };
    }
    const p = w.line(out);
    if (p) await p;
  }
  await w.flush();
}

function usage(msg) {
  process.stderr.write((msg ? msg + '\n' : '') + 'usage: node sign.js [--random N --seed S]  (stdin mode: JSON lines {"sid","secret"})\n');
  process.exit(2);
}

function main() {
  const args = process.argv.slice(2);
  if (args.length === 0) return stdinMode();
  let n = null;
  let seed = null;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--random') n = Number(args[++i]);
    else if (args[i] === '--seed') seed = args[++i];
    else usage('unknown argument: ' + args[i]);
  }
  if (!Number.isInteger(n) || n < 0) usage('--random needs a non-negative integer');
  if (seed == null) usage('--random needs --seed S');
  return randomMode(n, seed);
}

main().catch((e) => {
  process.stderr.write('sign.js: ' + (e && e.stack || e) + '\n');
  process.exit(1);
});
