#!/usr/bin/env node
// client.js — the official socket.io-client 4.8 as a test peer: connects with a Cookie header and reports
// what happens, one JSON line per event.
//
// CLI contract:
//   node client.js URL [--cookie COOKIE] [--transport websocket|polling|default] [--count N]
//                      [--timeout MS] [--namespace NS]
//     URL        server origin, e.g. http://127.0.0.1:3000 (path /socket.io is implied)
//     --cookie   value of the Cookie request header, e.g. 'express.sid=s%3A...' (omitted: no Cookie header).
//                Sent via extraHeaders on every polling request AND on the WebSocket upgrade request.
//     --transport websocket: WebSocket only; polling: long-polling only; default: polling then upgrade.
//     --count    exit 0 after N 'data' events (default 1; 0 = exit right after connect)
//     --timeout  overall deadline in ms (default 10000); also the Socket.IO connect timeout
//     --namespace  namespace to join (default "/")
//     --emit-binary N  once connected, emit an 'upload' event with N binary attachments (Buffers of
//                16 bytes), then count 'data' events as usual (the server never answers it)
//     --emit-ack JSON  once connected, emit JSON = [EVENT, ...ARGS] with an ack ({"$bytes":"BASE64"} at any
//                depth is sent as a Buffer), print {"event":"ack","args":[...]} (Buffers back as
//                {"$bytes":"BASE64"}) and exit 0
//     --on EVENT also report the server's EVENT (repeatable), e.g. session_ended:
//                {"event":"EVENT","args":[...]}; a server disconnect after it still exits 2
//     --with-credentials  withCredentials: true, which in Node turns on engine.io-client's cookie jar
//                (it keeps the Set-Cookie of polling responses and sends them back)
//     --reconnect  socket.io-client's own reconnection (its default backoff: 1 s ±50 %, up to 5 s):
//                a disconnect the server did not ask for and a connect_error are reported and the
//                client keeps trying; each reconnection prints {"event":"connect"} again and the
//                'data' events count on across connections. A server disconnect ("io server
//                disconnect", which socket.io-client never retries) still exits 2.
//   stdout (one JSON line per event, in order):
//     {"event":"connect"}
//     {"event":"data","args":[...]}                 (the arguments of each 'data' event)
//     {"event":"connect_error","message":"..."}     (err.message, e.g. "Cookie is invalid.")
//     {"event":"disconnect","reason":"..."}        (only for a disconnect we did not cause)
//     {"event":"timeout"}                           (deadline reached)
//   Exit: 0 after N data events; 1 after connect_error (without --reconnect); 2 if the server disconnects
//     before N data events (without --reconnect: any disconnect); 4 on timeout; 64 on bad arguments.
'use strict';

const { io } = require('socket.io-client');

function usage(msg) {
  process.stderr.write((msg ? 'client.js: ' + msg + '\n' : '') +
    'usage: node client.js URL [--cookie COOKIE] [--transport websocket|polling|default] [--count N] [--timeout MS] [--namespace NS] [--on EVENT] [--reconnect] [--with-credentials]\n');
  process.exit(64);
}

function parseArgs(argv) {
  const o = { url: null, cookie: null, transport: 'default', count: 1, timeout: 10000, namespace: '/',
    emitBinary: 0, emitAck: null, on: [], reconnect: false, withCredentials: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) usage('missing value for ' + a);
      return argv[++i];
    };
    if (a === '--cookie') o.cookie = val();
    else if (a === '--transport') o.transport = val();
    else if (a === '--count') o.count = Number(val());
    else if (a === '--timeout') o.timeout = Number(val());
    else if (a === '--namespace') o.namespace = val();
    else if (a === '--emit-binary') o.emitBinary = Number(val());
    else if (a === '--on') o.on.push(val());
    else if (a === '--reconnect') o.reconnect = true;
    else if (a === '--with-credentials') o.withCredentials = true;
    else if (a === '--emit-ack') {
      try { o.emitAck = JSON.parse(val()); } catch (e) { usage('bad --emit-ack: ' + e.message); }
      if (!Array.isArray(o.emitAck) || typeof o.emitAck[0] !== 'string') usage('--emit-ack wants [EVENT, ...ARGS]');
    }
    else if (a.startsWith('--')) usage('unknown option ' + a);
    else if (o.url === null) o.url = a;
    else usage('unexpected argument ' + a);
  }
  if (!o.url) usage('missing URL');
  if (!['websocket', 'polling', 'default'].includes(o.transport)) usage('bad --transport ' + o.transport);
  if (!Number.isInteger(o.count) || o.count < 0) usage('bad --count');
  if (!(o.timeout > 0)) usage('bad --timeout');
  if (!Number.isInteger(o.emitBinary) || o.emitBinary < 0) usage('bad --emit-binary');
  if (!o.namespace.startsWith('/')) o.namespace = '/' + o.namespace;
  return o;
}

const opts = parseArgs(process.argv.slice(2));

// {"$bytes":"BASE64"} <-> Buffer, at any depth.
function toWire(v) {
  if (Array.isArray(v)) return v.map(toWire);
  if (v && typeof v === 'object') {
    const keys = Object.keys(v);
    if (keys.length === 1 && keys[0] === '$bytes') return Buffer.from(v.$bytes, 'base64');
    return Object.fromEntries(keys.map((k) => [k, toWire(v[k])]));
  }
  return v;
}
function fromWire(v) {
  if (Buffer.isBuffer(v) || v instanceof ArrayBuffer) return { $bytes: Buffer.from(v).toString('base64') };
  if (Array.isArray(v)) return v.map(fromWire);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).map((k) => [k, fromWire(v[k])]));
  return v;
}

let finished = false;
function emitLine(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}
function finish(code) {
  if (finished) return;
  finished = true;
  clearTimeout(deadline);
  try { socket.close(); } catch (_) { /* ignore */ }
  // Exit once stdout is flushed.
  process.stdout.write('', () => process.exit(code));
}

const transports = opts.transport === 'default' ? ['polling', 'websocket'] : [opts.transport];
const extraHeaders = opts.cookie === null ? {} : { Cookie: opts.cookie };
const base = opts.url.replace(/\/+$/, '');

const socket = io(base + (opts.namespace === '/' ? '' : opts.namespace), {
  transports,
  upgrade: opts.transport === 'default',
  reconnection: opts.reconnect,
  withCredentials: opts.withCredentials,
  forceNew: true,
  timeout: opts.timeout,
  // In Node, engine.io-client sends extraHeaders on polling (xmlhttprequest-ssl, header check disabled)
  // and passes them as `headers` to the `ws` WebSocket constructor, i.e. on the upgrade request.
  extraHeaders,
});

const deadline = setTimeout(() => {
  if (finished) return;
  emitLine({ event: 'timeout' });
  finish(4);
}, opts.timeout);

let received = 0;
socket.on('connect', () => {
  if (finished) return;
  emitLine({ event: 'connect' });
  process.stderr.write('[client] connected, transport=' + socket.io.engine.transport.name + '\n');
  if (opts.emitBinary > 0) {
    const buffers = Array.from({ length: opts.emitBinary }, (_, i) => Buffer.alloc(16, i));
    socket.emit('upload', ...buffers);
  }
  if (opts.emitAck) {
    const [event, ...args] = toWire(opts.emitAck);
    socket.emit(event, ...args, (...reply) => {
      emitLine({ event: 'ack', args: fromWire(reply) });
      finish(0);
    });
    return;
  }
  if (opts.count === 0) finish(0);
});
socket.io.engine && socket.io.engine.on && socket.io.engine.on('upgrade', (t) => {
  process.stderr.write('[client] upgraded to ' + t.name + '\n');
});
socket.on('data', (...args) => {
  if (finished) return;
  emitLine({ event: 'data', args });
  received += 1;
  if (received >= opts.count) finish(0);
});
for (const name of opts.on) {
  socket.on(name, (...args) => {
    if (finished) return;
    emitLine({ event: name, args: fromWire(args) });
  });
}
socket.on('connect_error', (err) => {
  if (finished) return;
  emitLine({ event: 'connect_error', message: err && err.message });
  // With reconnection on, socket.io-client retries by itself after a connect_error, unless the
  // server refused the namespace (socket.active is then false).
  if (!opts.reconnect || !socket.active) finish(1);
});
socket.on('disconnect', (reason) => {
  if (finished) return;
  emitLine({ event: 'disconnect', reason });
  if (!opts.reconnect || reason === 'io server disconnect') finish(2);
});

process.on('SIGTERM', () => finish(143));
