#!/usr/bin/env node
// io-server.js — the classic "Socket.IO authorized by the Express session cookie" example, ported to
// socket.io 4.8: the Node reference server and interop peer for sio-auth's Socket.IO side.
//
// CLI contract:
//   node io-server.js PORT SECRET [SECRET...]
//       PORT 0 picks a free port. The first secret signs; all are tried when verifying (rotation).
//       Env INTERVAL: ms between 'data' ticks per socket (default 1000).
//       Env KICK_AFTER: disconnect each socket from the server side (`41`) after this many ticks.
//       Env TRANSPORTS: comma-separated Engine.IO transports the server allows (default polling,websocket);
//         TRANSPORTS=polling stands for a proxy that breaks WebSocket.
//   stdout: exactly one line `listening on http://127.0.0.1:PORT` once bound. Logs go to stderr.
//   SIGTERM/SIGINT: close Socket.IO and the HTTP server, exit 0.
//
// HTTP:  GET / → issues the session cookie (express-session: name "express.sid", saveUninitialized true,
//        resave false, MemoryStore, cookie { sameSite: 'lax' }) and returns a tiny HTML page.
// Socket.IO (path /socket.io, namespace "/"): connect middleware (io.use) on the handshake request headers:
//   - no Cookie header                                         → connect_error "No cookie transmitted."
//   - express.sid missing, not "s:"-prefixed, bad signature,
//     or an empty sid (express-session treats it as no session) → connect_error "Cookie is invalid."
//   - otherwise accepted (the store is NOT consulted, as in the classic example); socket.data.sid = sid.
//   Each connected socket first gets socket.emit('hello', 'world', 2) once (an event with two arguments),
//   then socket.emit('data', Date.now()) every INTERVAL ms on its own setInterval, cleared on disconnect.
//   Events a socket may send (as sio-auth serve answers them, where it does):
//   - 'echo' with an ack: acked with the same arguments (binary included); without an ack, ignored.
//   - 'handshake' with an ack: acked with { auth: socket.handshake.auth } (the CONNECT auth payload).
//   - 'binary': the server emits 'binary' with the bytes 00 01 02 ff; asked for an ack, it acks with
//     (those bytes, { name: 'x.bin', data: <the bytes of "hi"> }, 'done'): binary at the top and
//     nested, around text.
'use strict';

const http = require('http');
const path = require('path');
const express = require('express');
const session = require('express-session');
const { Server } = require('socket.io');

// The same `cookie` / `cookie-signature` copies express-session uses.
const esDir = path.dirname(require.resolve('express-session/package.json'));
const cookie = require(require.resolve('cookie', { paths: [esDir] }));
const signature = require(require.resolve('cookie-signature', { paths: [esDir] }));

function log(...args) {
  process.stderr.write('[io-server] ' + args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ') + '\n');
}

const args = process.argv.slice(2);
if (args.length < 2) {
  process.stderr.write('usage: node io-server.js PORT SECRET [SECRET...]   (env INTERVAL=ms, default 1000; KICK_AFTER=n)\n');
  process.exit(2);
}
const port = Number(args[0]);
const secrets = args.slice(1);
const interval = Number(process.env.INTERVAL || 1000);
const kickAfter = Number(process.env.KICK_AFTER || 0);
const transports = (process.env.TRANSPORTS || 'polling,websocket').split(',');
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write('io-server.js: bad port ' + args[0] + '\n');
  process.exit(2);
}
if (!Number.isInteger(kickAfter) || kickAfter < 0) {
  process.stderr.write('io-server.js: bad KICK_AFTER ' + process.env.KICK_AFTER + '\n');
  process.exit(2);
}
if (!(interval > 0)) {
  process.stderr.write('io-server.js: bad INTERVAL ' + process.env.INTERVAL + '\n');
  process.exit(2);
}

const app = express();
app.disable('x-powered-by');
app.use(session({
  name: 'express.sid',
  secret: secrets,
  resave: false,
  saveUninitialized: true,
  cookie: { sameSite: 'lax' },
}));

app.get('/', (req, res) => {
  res.type('html').send(
    '<!doctype html><html><head><title>sio-auth reference</title></head><body>' +
    '<p>session ' + req.sessionID + '</p>' +
    '<script src="/socket.io/socket.io.js"></script>' +
    '<script>io().on("data", function (t) { document.title = String(t); });</script>' +
    '</body></html>\n');
});

const server = http.createServer(app);
const io = new Server(server, { transports });
// Debug aid: show which Cookie header each WebSocket upgrade request carried. Only when WebSocket is
// allowed: any 'upgrade' listener makes Node leave an unanswered upgrade request hanging.
if (transports.includes('websocket')) server.prependListener('upgrade', (req) => log('upgrade request', { url: req.url, cookie: req.headers.cookie || null }));

// The classic authorization, as a namespace connect middleware so the reason reaches the client.
io.use((socket, next) => {
  const header = socket.handshake.headers.cookie;
  if (!header) {
    log('reject: no cookie');
    return next(new Error('No cookie transmitted.'));
  }
  const raw = cookie.parse(header)['express.sid'];
  let sid = false;
  if (raw && raw.substr(0, 2) === 's:') {
    for (const secret of secrets) {
      sid = signature.unsign(raw.slice(2), secret);
      if (sid !== false) break;
    }
  }
  if (!sid) { // false (missing/unsigned/bad signature) or '' (empty sid)
    log('reject: invalid cookie', { cookie: header });
    return next(new Error('Cookie is invalid.'));
  }
  socket.data.sid = sid;
  next();
});

io.on('connection', (socket) => {
  log('connect', { id: socket.id, sid: socket.data.sid, transport: socket.conn.transport.name });
  socket.emit('hello', 'world', 2);
  socket.on('echo', (...args) => {
    const ack = args.pop();
    if (typeof ack === 'function') ack(...args);
  });
  socket.on('handshake', (...args) => {
    const ack = args.pop();
    if (typeof ack === 'function') ack({ auth: socket.handshake.auth });
  });
  socket.on('binary', (...args) => {
    const ack = args.pop();
    const bytes = Buffer.from([0, 1, 2, 255]);
    socket.emit('binary', bytes);
    if (typeof ack === 'function') ack(bytes, { name: 'x.bin', data: Buffer.from('hi') }, 'done');
  });
  let ticks = 0;
  const timer = setInterval(() => {
    socket.emit('data', Date.now());
    ticks += 1;
    if (kickAfter && ticks >= kickAfter) socket.disconnect(true);
  }, interval);
  socket.on('disconnect', (reason) => {
    clearInterval(timer);
    log('disconnect', { id: socket.id, reason });
  });
});

server.listen(port, '127.0.0.1', () => {
  process.stdout.write('listening on http://127.0.0.1:' + server.address().port + '\n');
});

let stopping = false;
function stop(sig) {
  if (stopping) return;
  stopping = true;
  log('received', sig, '- shutting down');
  io.close(() => process.exit(0)); // disconnects every socket and closes the HTTP server
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
