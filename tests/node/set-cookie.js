#!/usr/bin/env node
// set-cookie.js — express-session's own Set-Cookie header, for comparing attribute sets and order.
//
// CLI contract:
//   node set-cookie.js SECRET COOKIE_OPTIONS_JSON
//       Runs an Express app with express-session (name express.sid, saveUninitialized, the given
//       `cookie` options, e.g. {"maxAge":3600000,"secure":true,"sameSite":"lax"}) on a loopback
//       port, requests it once (as https behind a trusted proxy, so `secure` cookies are sent),
//       and prints one JSON line: {"setCookie": "<the header>", "sid": "<the session id>"}.
//   Exit 0 on success, 2 on bad arguments, 1 when no cookie was set.
'use strict';

const express = require('express');
const session = require('express-session');

const [secret, optionsJson] = process.argv.slice(2);
if (!secret || !optionsJson) {
  process.stderr.write('usage: node set-cookie.js SECRET COOKIE_OPTIONS_JSON\n');
  process.exit(2);
}
let cookie;
try {
  cookie = JSON.parse(optionsJson);
} catch (e) {
  process.stderr.write(`bad options: ${e.message}\n`);
  process.exit(2);
}

const app = express();
app.set('trust proxy', true);
app.use(session({ name: 'express.sid', secret, resave: false, saveUninitialized: true, cookie }));
app.get(/.*/, (req, res) => res.json({ sid: req.sessionID }));

const server = app.listen(0, '127.0.0.1', async () => {
  try {
    const path = cookie.path || '/';
    const res = await fetch(`http://127.0.0.1:${server.address().port}${path}`, {
      headers: { 'X-Forwarded-Proto': 'https' },
    });
    const setCookie = res.headers.get('set-cookie');
    const { sid } = await res.json();
    if (!setCookie) {
      process.stderr.write('express-session set no cookie\n');
      process.exitCode = 1;
    } else {
      process.stdout.write(JSON.stringify({ setCookie, sid }) + '\n');
    }
  } finally {
    server.close();
  }
});
