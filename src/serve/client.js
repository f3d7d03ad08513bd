// sio-auth's own small Socket.IO v4 client for the page at / (socketioxide owns /socket.io/,
// and the page must work offline, so no CDN). Engine.IO 4 over WebSocket; the browser sends
// the session cookie with the upgrade request because it is same-origin.
//
// Like socket.io-client, it reconnects with a growing delay after a lost connection, and never
// after a refusal (a CONNECT_ERROR from the server's auth middleware: the same cookie would be
// refused again) or after the server ended the session (`session_ended`, then a DISCONNECT).
(function () {
  'use strict';

  // Splits a Socket.IO packet (without its Engine.IO "4") into type, namespace and payload.
  function parsePacket(text) {
    var type = text.charAt(0);
    var rest = text.slice(1);
    var nsp = '/';
    if (rest.charAt(0) === '/') {
      var comma = rest.indexOf(',');
      nsp = comma < 0 ? rest : rest.slice(0, comma);
      rest = comma < 0 ? '' : rest.slice(comma + 1);
    }
    rest = rest.replace(/^\d+/, ''); // an ack id, unused here
    var data = null;
    if (rest) {
      try { data = JSON.parse(rest); } catch (e) { data = rest; }
    }
    return { type: type, nsp: nsp, data: data };
  }

  // The wait before reconnection attempt `attempt` (1, 2, …): doubling from `base` up to `max`,
  // spread by ±`jitter` so that a restarted server is not met by every page at once. The spread
  // is small enough that each wait is longer than the one before, until the cap.
  function backoff(attempt, random, o) {
    var base = Math.min(o.max, o.base * Math.pow(2, attempt - 1));
    return Math.round(base * (1 + o.jitter * (2 * random - 1)));
  }

  var RECONNECT = { base: 1000, max: 8000, jitter: 0.2 };

  // connect({namespace, event names via onEvent, …}); the callbacks:
  //   onConnect()                      the namespace accepted the handshake
  //   onRefused(reason)                the auth middleware refused it (connect_error): final
  //   onEnded(reason)                  the server ended the session (`session_ended`): final
  //   onClosed(reason)                 the server disconnected the socket without a reason: final
  //   onLost(reason, attempt, waitMs)  the connection is gone (or could not be made); attempt
  //                                    number `attempt` follows in `waitMs`
  //   onEvent(name, args)              any other event
  // Returns {close()}, which stops everything.
  function connect(options) {
    var nsp = options.namespace || '/';
    var scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    var url = scheme + '//' + location.host + '/socket.io/?EIO=4&transport=websocket';
    var noop = function () {};
    var on = {
      connect: options.onConnect || noop,
      refused: options.onRefused || noop,
      ended: options.onEnded || noop,
      closed: options.onClosed || noop,
      lost: options.onLost || noop,
      event: options.onEvent || noop,
    };
    var attempt = 0; // failed attempts since the last accepted handshake
    var final = false; // refused, ended, closed or closed by the page: no more reconnections
    var ws = null;
    var retry = null;

    function open() {
      retry = null;
      var connected = false;
      var heartbeat = null;
      var socket = new WebSocket(url);
      ws = socket;
      // The server pings every pingInterval and waits pingTimeout for the pong: silence
      // longer than both means the connection is dead even if TCP has not noticed yet.
      var watch = function (open) {
        clearTimeout(heartbeat);
        heartbeat = setTimeout(function () { socket.close(); }, open.pingInterval + open.pingTimeout);
      };
      var limits = null;
      socket.onmessage = function (message) {
        var text = String(message.data);
        if (limits) watch(limits);
        switch (text.charAt(0)) {
          case '0': // Engine.IO open: join the namespace
            try { limits = JSON.parse(text.slice(1)); } catch (e) { limits = null; }
            if (limits) watch(limits);
            socket.send('40' + (nsp === '/' ? '' : nsp + ','));
            break;
          case '2': // ping
            socket.send('3');
            break;
          case '1': // Engine.IO close (the server is shutting down): lost, so retry
            socket.close();
            break;
          case '4': {
            var packet = parsePacket(text.slice(1));
            if (packet.nsp !== nsp) break;
            if (packet.type === '0') {
              connected = true;
              attempt = 0;
              on.connect(packet.data);
            } else if (packet.type === '4') {
              final = true;
              var reason = packet.data && packet.data.message ? packet.data.message : String(packet.data);
              on.refused(reason);
              socket.close();
            } else if (packet.type === '2' && Array.isArray(packet.data)) {
              // serve/live.rs's SESSION_ENDED, with EndReason::message as its argument.
              if (packet.data[0] === 'session_ended') {
                final = true;
                on.ended(String(packet.data[1]));
              } else {
                on.event(packet.data[0], packet.data.slice(1));
              }
            } else if (packet.type === '1') {
              // DISCONNECT: after `session_ended` it only confirms; without it, the server
              // chose to drop this socket, which socket.io-client does not retry either.
              if (!final) {
                final = true;
                on.closed('The server closed the connection.');
              }
              socket.close();
            }
            break;
          }
        }
      };
      socket.onclose = function () {
        clearTimeout(heartbeat);
        if (ws !== socket) return;
        ws = null;
        if (final) return;
        attempt += 1;
        var wait = backoff(attempt, Math.random(), RECONNECT);
        var why = connected ? 'Lost the connection to the server.' : 'Cannot reach the server.';
        on.lost(why, attempt, wait);
        retry = setTimeout(open, wait);
      };
    }

    open();
    return {
      close: function () {
        final = true;
        clearTimeout(retry);
        if (ws) ws.close();
      },
    };
  }

  window.SioAuth = { connect: connect, parsePacket: parsePacket, backoff: backoff, RECONNECT: RECONNECT };
})();
