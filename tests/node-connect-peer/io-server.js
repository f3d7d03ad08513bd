// A reference Socket.IO 4.8 server guarded by an express-session cookie, for `sio-auth connect`.
//
// usage: node io-server.js PORT SECRET
//   env INTERVAL      ms between `data` ticks (default 1000)
//   env COOKIE_NAME   session cookie name (default express.sid)
//   env KICK_AFTER    disconnect each socket from the server side after this many ticks
//
// GET / issues the session cookie (express-session, saveUninitialized), as a login page would.
// The io.use middleware checks only the cookie's signature, so `sio-auth sign` cookies pass too,
// and refuses with the two classic messages. On connect the server emits `hello` ("world", 2)
// once, then `data` ticks carrying Date.now().
'use strict';
const http = require('http');
const express = require('express');
const session = require('express-session');
const cookie = require('cookie');
const signature = require('cookie-signature');
const { Server } = require('socket.io');

const port = Number(process.argv[2] || 3000);
const secret = process.argv[3] || 'keyboard cat';
const interval = Number(process.env.INTERVAL || 1000);
const name = process.env.COOKIE_NAME || 'express.sid';
const kickAfter = Number(process.env.KICK_AFTER || 0);

const app = express();
app.use(session({ name, secret, resave: false, saveUninitialized: true }));
app.get('/', (req, res) => res.type('text').send(`session ${req.sessionID}\n`));
app.get('/nocookie', (req, res) => res.type('text').send('no session here\n'));

const server = http.createServer(app);
const io = new Server(server);
io.use((socket, next) => {
  const header = socket.request.headers.cookie;
  const value = header ? cookie.parse(header)[name] : undefined;
  if (!value) return next(new Error('No cookie transmitted.'));
  if (!value.startsWith('s:') || signature.unsign(value.slice(2), secret) === false) {
    return next(new Error('Cookie is invalid.'));
  }
  next();
});
io.on('connection', (socket) => {
  socket.emit('hello', 'world', 2);
  let ticks = 0;
  const timer = setInterval(() => {
    socket.emit('data', Date.now());
    ticks += 1;
    if (kickAfter && ticks >= kickAfter) socket.disconnect(true);
  }, interval);
  socket.on('disconnect', () => clearInterval(timer));
});
server.listen(port, '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
