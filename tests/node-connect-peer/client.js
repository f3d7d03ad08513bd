// The Node baseline for the benchmark: connect with a cookie, print the first `data` tick, exit.
// usage: node client.js URL COOKIE_HEADER   (env TRANSPORT=websocket|polling; default: polling,
// then upgrade, socket.io-client's default)
'use strict';
const { io } = require('socket.io-client');
const options = { extraHeaders: { Cookie: process.argv[3] }, reconnection: false };
if (process.env.TRANSPORT) options.transports = [process.env.TRANSPORT];
const socket = io(process.argv[2], options);
socket.on('data', (tick) => { console.log(tick); process.exit(0); });
socket.on('connect_error', (err) => { console.error(`refused: ${err.message}`); process.exit(1); });
