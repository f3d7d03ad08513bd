// The Node baseline for the benchmark: connect with a cookie, print the first `data` tick, exit.
// usage: node client.js URL COOKIE_HEADER
'use strict';
const { io } = require('socket.io-client');
const socket = io(process.argv[2], { extraHeaders: { Cookie: process.argv[3] }, transports: ['websocket'] });
socket.on('data', (tick) => { console.log(tick); process.exit(0); });
socket.on('connect_error', (err) => { console.error(`refused: ${err.message}`); process.exit(1); });
