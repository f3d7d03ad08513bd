#!/usr/bin/env node
// app.js — a real Express + express-session app: the Node peer whose cookies (and, with Redis, whose
// sessions) sio-auth must accept, and which must accept sio-auth's cookies.
//
// CLI contract:
//   node app.js PORT SECRET [SECRET...]
//       PORT 0 picks a free port. Secrets may instead come from env SECRETS (a JSON array of strings) when
//       none are given as arguments; the first secret signs, all are tried when verifying (rotation).
//       Env REDIS_URL (e.g. redis://127.0.0.1:6379): use connect-redis 7 (prefix "sess:") with a redis v4
//       client instead of the default MemoryStore.
//   Session: name "express.sid", resave false, saveUninitialized true, cookie { sameSite: 'lax' }
//       (Path=/; HttpOnly; SameSite=Lax, no Expires).
//   stdout: exactly one line `listening on http://127.0.0.1:PORT` once bound. Logs go to stderr.
//   SIGTERM/SIGINT: close the server (and the Redis client) and exit 0.
//
// Routes (all JSON):
//   GET  /            {"sid": req.sessionID, "views": n}   increments req.session.views (session saved)
//   GET  /whoami      {"sid": req.sessionID, "new": bool}  new = express-session created the session in this
//                     request (no cookie, bad signature, empty sid, or sid not in the store)
//   GET  /cookie-sid  {"cookie_sid": string|null, "sid": req.sessionID, "new": bool}
//                     cookie_sid = the id express-session's own getcookie() extracted from the Cookie header
//                     (signature valid), whether or not the store knows it; null when it extracted none.
//   POST /login?user=NAME&role=ROLE   sets req.session.user = {name, role}; {"sid": req.sessionID}
//   POST /logout      req.session.destroy(); {"ok": true}
//   GET  /session     JSON of req.session (includes "cookie")
//
// How the cookie verdict is observed (no reimplementation): express-session assigns
// `req.sessionID = getcookie(...)` (node_modules/express-session/index.js:228) and, when that id is falsy or
// the store has no such session, calls `store.generate(req)`, which calls `genid(req)` BEFORE overwriting
// req.sessionID (index.js:158-159). Our genid records req.sessionID at that moment (= getcookie's result)
// and then delegates to express-session's own generator (uid-safe, 24 bytes). If genid was not called
// during the session middleware, the session was loaded from the store under getcookie's id, so
// cookie_sid = req.sessionID.
'use strict';

const http = require('http');
const path = require('path');
const express = require('express');
const session = require('express-session');

const esDir = path.dirname(require.resolve('express-session/package.json'));
const uid = require(require.resolve('uid-safe', { paths: [esDir] })).sync;

function log(...args) {
  process.stderr.write('[app] ' + args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ') + '\n');
}

function parseArgs() {
  const args = process.argv.slice(2);
  if (args.length < 1) {
    process.stderr.write('usage: node app.js PORT SECRET [SECRET...]   (or env SECRETS=\'["s1","s2"]\')\n');
    process.exit(2);
  }
  const port = Number(args[0]);
  let secrets = args.slice(1);
  if (secrets.length === 0 && process.env.SECRETS) {
    secrets = JSON.parse(process.env.SECRETS);
  }
  if (!Array.isArray(secrets) || secrets.length === 0 || !secrets.every((s) => typeof s === 'string')) {
    process.stderr.write('app.js: need at least one secret (arguments or env SECRETS as a JSON array of strings)\n');
    process.exit(2);
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write('app.js: bad port ' + args[0] + '\n');
    process.exit(2);
  }
  return { port, secrets };
}

async function makeStore() {
  const url = process.env.REDIS_URL;
  if (!url) return { store: undefined, close: async () => {} };
  const { createClient } = require('redis');
  const RedisStore = require('connect-redis').default;
  const client = createClient({ url });
  client.on('error', (err) => log('redis error:', String(err && err.message || err)));
  await client.connect();
  log('using connect-redis at', url);
  return {
    store: new RedisStore({ client, prefix: 'sess:' }),
    close: async () => { try { await client.quit(); } catch (_) { /* already closed */ } },
  };
}

async function main() {
  const { port, secrets } = parseArgs();
  const { store, close: closeStore } = await makeStore();

  const app = express();
  app.disable('x-powered-by');

  app.use(session({
    name: 'express.sid',
    secret: secrets,
    resave: false,
    saveUninitialized: true,
    cookie: { sameSite: 'lax' },
    store,
    genid(req) {
      if (!req._esGenidCalled) {
        req._esGenidCalled = true;
        req._esCookieSid = req.sessionID; // getcookie()'s result (undefined/'' when none)
      }
      return uid(24);
    },
  }));

  // Freeze express-session's verdict right after its middleware ran (before any route can regenerate).
  app.use((req, _res, next) => {
    const created = Boolean(req._esGenidCalled);
    req.sessionCreated = created;
    req.cookieSid = created ? (req._esCookieSid || null) : (req.sessionID || null);
    log(req.method, req.originalUrl, { cookie: req.headers.cookie || null, cookie_sid: req.cookieSid, sid: req.sessionID, new: created });
    next();
  });

  app.get('/', (req, res) => {
    req.session.views = (req.session.views || 0) + 1;
    res.json({ sid: req.sessionID, views: req.session.views });
  });

  app.get('/whoami', (req, res) => {
    res.json({ sid: req.sessionID, new: req.sessionCreated });
  });

  app.get('/cookie-sid', (req, res) => {
    res.json({ cookie_sid: req.cookieSid, sid: req.sessionID, new: req.sessionCreated });
  });

  app.post('/login', (req, res) => {
    req.session.user = { name: String(req.query.user || ''), role: String(req.query.role || '') };
    res.json({ sid: req.sessionID });
  });

  app.post('/logout', (req, res, next) => {
    req.session.destroy((err) => {
      if (err) return next(err);
      res.json({ ok: true });
    });
  });

  app.get('/session', (req, res) => {
    res.json(req.session);
  });

  app.use((err, _req, res, _next) => {
    log('error:', String(err && err.stack || err));
    res.status(500).json({ error: String(err && err.message || err) });
  });

  const server = http.createServer(app);
  server.listen(port, '127.0.0.1', () => {
    process.stdout.write('listening on http://127.0.0.1:' + server.address().port + '\n');
  });

  let stopping = false;
  const stop = (sig) => {
    if (stopping) return;
    stopping = true;
    log('received', sig, '- shutting down');
    server.close(async () => {
      await closeStore();
      process.exit(0);
    });
    server.closeAllConnections();
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((e) => {
  process.stderr.write('app.js: ' + (e && e.stack || e) + '\n');
  process.exit(1);
});
