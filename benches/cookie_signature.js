// The Node reference for BENCHMARKS.md: cookie-signature's unsign (as express-session calls
// it) on one core, and a stdin filter doing what `sio-auth verify` does, line by line.
//   node cookie_signature.js unsign N SECRET RAW   → prints ops/s
//   node cookie_signature.js stdin SECRET < lines  → prints sids (like sio-auth verify)
'use strict';
const path = require('path');
const fixture = path.join(__dirname, '..', 'tests', 'node', 'node_modules');
const signature = require(path.join(fixture, 'cookie-signature'));
const cookie = require(path.join(fixture, 'cookie'));

const [mode, ...args] = process.argv.slice(2);
if (mode === 'unsign') {
  const [n, secret, raw] = [Number(args[0]), args[1], args[2]];
  const value = raw.slice(2);
  let ok = 0;
  for (let i = 0; i < n / 10; i++) if (signature.unsign(value, secret)) ok++; // warm-up
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) if (signature.unsign(value, secret)) ok++;
  const secs = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(JSON.stringify({ ops_per_sec: Math.round(n / secs), ok }));
} else if (mode === 'stdin') {
  const secret = args[0];
  const out = [];
  let buffered = '';
  const flush = () => { if (out.length) { process.stdout.write(out.join('')); out.length = 0; } };
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop();
    for (const line of lines) {
      const raw = cookie.parse(line)['express.sid'];
      const sid = raw && raw.startsWith('s:') ? signature.unsign(raw.slice(2), secret) : false;
      if (sid) out.push(sid + '\n'); else process.stderr.write('invalid\n');
    }
    if (out.length > 4096) flush();
  });
  process.stdin.on('end', flush);
} else {
  console.error('usage: cookie_signature.js unsign N SECRET RAW | stdin SECRET');
  process.exit(2);
}
