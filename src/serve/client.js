// sio-auth's own small Socket.IO v4 client for the page at / (socketioxide owns /socket.io/,
// and the page must work offline, so no CDN). Engine.IO 4 over WebSocket; the browser sends
// the session cookie with the upgrade request because it is same-origin.
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

  // connect({namespace, onConnect(), onRefused(reason), onEvent(name, args), onClose(reason)})
  function connect(options) {
    var nsp = options.namespace || '/';
    var scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    var ws = new WebSocket(scheme + '//' + location.host + '/socket.io/?EIO=4&transport=websocket');
    var refused = false;
    var connected = false;
    ws.onmessage = function (message) {
      var text = String(message.data);
      switch (text.charAt(0)) {
        case '0': // Engine.IO open: join the namespace
          ws.send('40' + (nsp === '/' ? '' : nsp + ','));
          break;
        case '2': // ping
          ws.send('3');
          break;
        case '1': // close
          ws.close();
          break;
        case '4': {
          var packet = parsePacket(text.slice(1));
          if (packet.nsp !== nsp) break;
          if (packet.type === '0') {
            connected = true;
            options.onConnect(packet.data);
          } else if (packet.type === '4') {
            refused = true;
            var reason = packet.data && packet.data.message ? packet.data.message : String(packet.data);
            options.onRefused(reason);
            ws.close();
          } else if (packet.type === '2' && Array.isArray(packet.data)) {
            options.onEvent(packet.data[0], packet.data.slice(1));
          } else if (packet.type === '1') {
            options.onClose('io server disconnect');
          }
          break;
        }
      }
    };
    ws.onclose = function () {
      if (!refused) options.onClose(connected ? 'transport close' : 'could not connect');
    };
    return { close: function () { ws.close(); } };
  }

  window.SioAuth = { connect: connect, parsePacket: parsePacket };
})();
