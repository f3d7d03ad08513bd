#!/usr/bin/env node
// cookie-session-app.js — an Express app on cookie-session 2, the whole session in its cookies.
//
// CLI contract:
//   node cookie-session-app.js PORT KEY...
//       Keys may instead come from env KEYS as a JSON array; env NAME sets the cookie name (cookie-session's
//       `name`, default `session`), env ALGORITHM keygrip's algorithm (default sha1). Binds 127.0.0.1:PORT
//       (0 = a free port), prints exactly one line `listening on http://127.0.0.1:PORT` on stdout once
//       bound, and exits 0 on SIGTERM.
//   Routes:
//       GET  /session            → {"session": <req.session> | null, "is_new": bool}; null when cookie-session
//                                  started a new session (no, unsigned or invalid cookies). Sets no cookie,
//                                  unless an old key signed it (the jar then re-signs .sig with the first).
//       POST /login?user=U&role=R → sets req.session = {"user": U, "role": R, "views": 0}; Set-Cookie pair.
//       POST /views              → req.session.views += 1; Set-Cookie pair.
//       POST /logout             → req.session = null; clears both cookies.
'use strict';

const express = require('express');
const cookieSession = require('cookie-session');
const Keygrip = require('keygrip');

const [portArg, ...argKeys] = process.argv.slice(2);
const keys = process.env.KEYS ? JSON.parse(process.env.KEYS) : argKeys;
if (portArg == null || !Array.isArray(keys) || keys.length === 0) {
  process.stderr.write('usage: node cookie-session-app.js PORT KEY... (or env KEYS=["k1",...])\n');
  process.exit(2);
}

const app = express();
app.use(cookieSession({
  name: process.env.NAME || 'session',
  keys: new Keygrip(keys, process.env.ALGORITHM || 'sha1'),
}));

app.get('/session', (req, res) => {
  const session = req.session;
  const isNew = session.isNew;
  res.json({ session: isNew ? null : session, is_new: isNew });
});

app.post('/login', (req, res) => {
  req.session = { user: String(req.query.user || 'ada'), role: String(req.query.role || 'user'), views: 0 };
  res.json({ session: req.session });
});

app.post('/views', (req, res) => {
  req.session.views = (req.session.views || 0) + 1;
  res.json({ session: req.session });
});

app.post('/logout', (req, res) => {
  req.session = null;
  res.json({ session: null });
});

const server = app.listen(Number(portArg), '127.0.0.1', () => {
  process.stdout.write(`listening on http://127.0.0.1:${server.address().port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
