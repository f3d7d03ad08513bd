#!/usr/bin/env node
// browser.js — drives a sio-auth page in a real headless Chromium (Debian's /usr/bin/chromium driven by
// playwright-core over CDP; no browser is ever downloaded), step by step, as the Rust test tells it.
//
// CLI contract:
//   node browser.js URL [--cookie 'name=value' | --no-cookie] [--viewport WxH]
//     URL         the page, e.g. http://127.0.0.1:3000/
//     --cookie    a cookie to forge, 'name=value' (value sent as given, no encoding). It is put in a fresh
//                 context's jar for the URL's origin (path /) BEFORE the page loads, and every Set-Cookie
//                 header of the page's own HTTP responses (document, scripts, ...; not XHR/fetch) is
//                 stripped, so the server cannot replace the forged cookie with a fresh valid one: the
//                 page's Socket.IO connection then carries the forged cookie.
//     --no-cookie the same with an empty jar: the page's Socket.IO connection carries no cookie.
//                 Without either, the context starts with an empty jar and keeps the server's Set-Cookie.
//     --viewport  the page's size in CSS pixels (default 1000x800).
//   Env: CHROMIUM = browser executable (default /usr/bin/chromium).
//
//   It loads URL, prints ONE JSON line {"loaded":true} (or {"loaded":false,"error":…} and exits 1), then
//   reads commands from stdin, one JSON object per line, and answers each with ONE JSON line:
//     {"cmd":"snapshot"}                        → a snapshot (below)
//     {"cmd":"wait","until":{…},"timeout":MS}   → {"ok":bool,"snapshot":…}; until holds any of
//         "state": #state's text, "ticks": #ticks[data-count] at least, "retries": #log entries with
//         data-attempt at least; all must hold. ok=false on timeout.
//     {"cmd":"click","selector":S}              → {"ok":true} or {"ok":false,"error":…}
//     {"cmd":"fetch","path":P}                  → {"status":N,"content_type":…} of a GET made by the page
//     {"cmd":"screenshot","path":P}             → {"ok":bool}: a full-page PNG
//     {"cmd":"reload"}                          → {"ok":bool}
//     {"cmd":"close"}                           → {"ok":true}, then exits 0 (also at the end of stdin)
//   A snapshot: {"state","reason","tick_count","ticks":[ms…],"delays":[ms…],"sid","expires":ms|null,
//     "expires_text","log":[{"text","attempt","wait_ms"}…] (newest first),"chart":{"points","inked"},
//     "logout_result","new_session_visible","favicon":{"href","type"},"layout":{"viewport","scroll_width",
//     "client_width","outside":[…]},"text" (the page's text),"cookies":[{"name","value"}…] (the jar, HttpOnly
//     ones included),"websockets":N (WebSockets the page opened),"console_errors":[…],"failed_requests":[…],
//     "http_errors":["STATUS URL"…],"favicon_responses":["STATUS TYPE URL"…]}
//     chart.inked: canvas pixels that are not transparent. layout.outside: elements whose box comes closer
//     than 8 px to the viewport's left or right edge (`tag#id: left-right`).
//     failed_requests: requests that failed at the network level while recording, and every request (HTTP
//     or WebSocket) to another origin than URL's; those to a host outside loopback (127.0.0.0/8, localhost,
//     ::1) are also blocked, as the page must work offline (no CDN). http_errors: same-origin responses
//     with status >= 400. console_errors: console.error messages and uncaught page exceptions.
//   Exit: 0 after close; 1 when the page could not be loaded; 2 on bad arguments; 3 when the browser
//     cannot be launched (message on stderr).
'use strict';

const fs = require('fs');
const readline = require('readline');

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // direct connections only, whatever proxy the environment names
  '--no-proxy-server',
];

// Forging mode serves the page's document through route.fulfill(), and Chromium gives such a document no
// IP address space: its Local Network Access checks then treat it as public and block its WebSocket to
// 127.0.0.1 (net::ERR_BLOCKED_BY_LOCAL_NETWORK_ACCESS_CHECKS; Socket.IO would silently stay on
// long-polling, or fail if the page is WebSocket-only). A page really served from loopback is never
// checked, so these are turned off, in forging mode only.
const LNA_FEATURES = ['LocalNetworkAccessChecks', 'LocalNetworkAccessChecksWebSockets'];

// Chromium keeps only the LAST --disable-features switch, and playwright-core passes its own list; so ask
// a probe browser for the command line playwright-core really uses and extend that list.
async function disableFeaturesArg(chromium, executablePath, extra) {
  let base = [];
  let probe;
  try {
    probe = await chromium.launch({ executablePath, headless: true, args: [...CHROMIUM_ARGS, '--enable-automation'], timeout: 60000 });
    const session = await probe.newBrowserCDPSession();
    const { arguments: argv } = await session.send('Browser.getBrowserCommandLine');
    for (const a of argv) {
      if (a.startsWith('--disable-features=')) base = a.slice('--disable-features='.length).split(',').filter(Boolean);
    }
  } catch (e) {
    process.stderr.write('browser.js: could not read playwright-core\'s --disable-features (' + e.message.split('\n')[0] +
      '); passing only ' + extra.join(',') + '\n');
  } finally {
    if (probe) await probe.close().catch(() => {});
  }
  return '--disable-features=' + [...new Set([...base, ...extra])].join(',');
}

function usage(msg) {
  process.stderr.write((msg ? 'browser.js: ' + msg + '\n' : '') +
    "usage: node browser.js URL [--cookie 'name=value' | --no-cookie] [--viewport WxH]  (commands on stdin)\n");
  process.exit(2);
}

function parseArgs(argv) {
  const o = { url: null, cookie: null, noCookie: false, viewport: { width: 1000, height: 800 } };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) usage('missing value for ' + a);
      return argv[++i];
    };
    if (a === '--cookie') {
      const c = val();
      const eq = c.indexOf('=');
      if (eq <= 0) usage("--cookie needs 'name=value'");
      o.cookie = { name: c.slice(0, eq).trim(), value: c.slice(eq + 1) };
      if (!o.cookie.name || /[\s;,]/.test(o.cookie.name) || /[;\r\n]/.test(o.cookie.value)) {
        usage("--cookie needs 'name=value' without ';' or whitespace in the name");
      }
    } else if (a === '--no-cookie') o.noCookie = true;
    else if (a === '--viewport') {
      const m = /^(\d+)x(\d+)$/.exec(val());
      if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) usage('--viewport needs WxH, e.g. 360x740');
      o.viewport = { width: Number(m[1]), height: Number(m[2]) };
    } else if (a === '-h' || a === '--help') usage();
    else if (a.startsWith('-')) usage('unknown option ' + a);
    else if (o.url === null) o.url = a;
    else usage('unexpected argument ' + a);
  }
  if (o.url === null) usage('missing URL');
  if (o.cookie && o.noCookie) usage('--cookie and --no-cookie exclude each other');
  let u;
  try {
    u = new URL(o.url);
  } catch (e) {
    usage('bad URL: ' + o.url);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') usage('URL must be http(s)');
  o.parsed = u;
  return o;
}

function isLoopbackHost(hostname) {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

const say = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');
const firstLine = (e) => String(e && e.message ? e.message : e).split('\n')[0];

// What the page shows, read in the page.
function readPage() {
  const text = (sel) => {
    const el = document.querySelector(sel);
    return el ? el.textContent.trim() : null;
  };
  const num = (v) => (v === null || v === undefined || v === '' || isNaN(Number(v)) ? null : Number(v));
  const lis = Array.from(document.querySelectorAll('#ticks li'));
  const chart = document.querySelector('#chart');
  let inked = 0;
  if (chart && chart.width && chart.height) {
    const data = chart.getContext('2d').getImageData(0, 0, chart.width, chart.height).data;
    for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) inked++;
  }
  const width = document.documentElement.clientWidth;
  const outside = [];
  for (const el of document.body.querySelectorAll('*')) {
    if (el.tagName === 'SCRIPT') continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if (r.left < 8 || r.right > width - 8) {
      outside.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + ': ' + Math.round(r.left) + '-' + Math.round(r.right));
    }
  }
  const icon = document.querySelector('link[rel~="icon"]');
  const expires = document.querySelector('#expires');
  const ticks = document.querySelector('#ticks');
  const newSession = document.querySelector('#new-session');
  return {
    state: text('#state'),
    reason: text('#reason') || null,
    tick_count: ticks ? num(ticks.dataset.count) : null,
    ticks: lis.map((li) => num(li.dataset.ms)),
    delays: lis.map((li) => num(li.dataset.delay)),
    sid: text('#sid'),
    expires: expires ? num(expires.dataset.expires) : null,
    expires_text: text('#expires'),
    log: Array.from(document.querySelectorAll('#log li')).map((li) => ({
      text: li.textContent, attempt: num(li.dataset.attempt), wait_ms: num(li.dataset.waitMs),
    })),
    chart: { points: chart ? num(chart.dataset.points) : null, inked },
    logout_result: text('#logout-result') || null,
    new_session_visible: !!newSession && !newSession.hidden,
    favicon: icon ? { href: icon.getAttribute('href'), type: icon.getAttribute('type') } : null,
    layout: {
      viewport: window.innerWidth,
      scroll_width: document.documentElement.scrollWidth,
      client_width: width,
      outside,
    },
    text: document.body.innerText,
  };
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const origin = opts.parsed.origin;
  const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
  const jar = opts.cookie ? [{ name: opts.cookie.name, value: opts.cookie.value, url: origin + '/' }] : [];
  const strip = !!opts.cookie || opts.noCookie;

  let chromium;
  try {
    ({ chromium } = require('playwright-core'));
  } catch (e) {
    process.stderr.write('browser.js: cannot load playwright-core (run npm ci in tests/node): ' + e.message + '\n');
    process.exit(3);
  }
  if (!fs.existsSync(executablePath)) {
    process.stderr.write(`browser.js: no browser at ${executablePath} (apt-get install chromium, or set CHROMIUM)\n`);
    process.exit(3);
  }
  let browser;
  try {
    const args = [...CHROMIUM_ARGS];
    if (strip) args.push(await disableFeaturesArg(chromium, executablePath, LNA_FEATURES));
    browser = await chromium.launch({ executablePath, headless: true, args, timeout: 60000 });
  } catch (e) {
    process.stderr.write('browser.js: cannot launch ' + executablePath + ': ' + e.message + '\n');
    process.exit(3);
  }

  const seen = { websockets: 0, console_errors: [], failed_requests: [], http_errors: [], favicon_responses: [] };
  let recording = true; // off once we tear down (closing aborts what is pending)
  const noteFailed = (url) => {
    if (recording && !seen.failed_requests.includes(url)) seen.failed_requests.push(url);
  };
  const sameOrigin = (url) => {
    try {
      return new URL(url).origin === origin;
    } catch (e) {
      return false;
    }
  };
  const local = (url) => /^(data|blob|about):/.test(url);

  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: opts.viewport });
  if (jar.length) await context.addCookies(jar);
  await context.route('**/*', async (route) => {
    const req = route.request();
    const url = req.url();
    let host = '';
    try {
      host = new URL(url).hostname;
    } catch (e) { /* leave empty: treated as non-loopback */ }
    if (!isLoopbackHost(host)) {
      noteFailed(url);
      return route.abort('blockedbyclient');
    }
    const type = req.resourceType();
    if (!strip || !sameOrigin(url) || type === 'xhr' || type === 'fetch' || type === 'eventsource') {
      return route.continue();
    }
    // The forged-cookie path: fetch it ourselves, drop Set-Cookie, hand the rest to the page.
    let response;
    try {
      response = await route.fetch({ maxRedirects: 0 });
    } catch (e) {
      noteFailed(url);
      return route.abort('failed').catch(() => {});
    }
    const headers = {};
    for (const { name, value } of response.headersArray()) {
      if (name.toLowerCase() === 'set-cookie') continue;
      headers[name] = headers[name] === undefined ? value : headers[name] + ', ' + value;
    }
    // route.fetch() runs in the context's request API, which files any Set-Cookie into the context's
    // jar; put the jar back to exactly the forged cookie (or none) before the page sees the response.
    await context.clearCookies();
    if (jar.length) await context.addCookies(jar);
    return route.fulfill({ status: response.status(), headers, body: await response.body() });
  });

  const page = await context.newPage();
  page.on('console', (msg) => {
    if (recording && msg.type() === 'error') seen.console_errors.push(msg.text());
  });
  page.on('pageerror', (err) => seen.console_errors.push('uncaught: ' + firstLine(err)));
  page.on('request', (req) => {
    const url = req.url();
    if (!local(url) && !sameOrigin(url)) noteFailed(url);
  });
  page.on('requestfailed', (req) => {
    const url = req.url();
    if (!local(url)) noteFailed(url);
  });
  page.on('response', async (res) => {
    const url = res.url();
    if (!recording || !sameOrigin(url)) return;
    if (res.status() >= 400) seen.http_errors.push(res.status() + ' ' + url);
    if (/^\/favicon\.(ico|svg)$/.test(new URL(url).pathname)) {
      seen.favicon_responses.push(res.status() + ' ' + (res.headers()['content-type'] || '-') + ' ' + url);
    }
  });
  page.on('websocket', (ws) => {
    seen.websockets++;
    const url = ws.url();
    let wsOrigin = null;
    try {
      const u = new URL(url);
      wsOrigin = (u.protocol === 'wss:' ? 'https:' : 'http:') + '//' + u.host;
    } catch (e) { /* unparsable: counted below */ }
    if (wsOrigin !== origin) noteFailed(url);
  });

  const close = async (code) => {
    recording = false;
    await browser.close().catch(() => {});
    process.exit(code);
  };

  try {
    const resp = await page.goto(opts.url, { waitUntil: 'domcontentloaded', timeout: 30000 });
    if (resp && (resp.status() < 200 || resp.status() > 299)) throw new Error(`GET ${opts.url} answered ${resp.status()}`);
  } catch (e) {
    say({ loaded: false, error: firstLine(e) });
    return close(1);
  }
  say({ loaded: true });

  const snapshot = async () => {
    const shown = await page.evaluate(readPage);
    const cookies = (await context.cookies()).map((c) => ({ name: c.name, value: c.value }));
    return { ...shown, cookies, ...JSON.parse(JSON.stringify(seen)) };
  };

  const commands = {
    snapshot: () => snapshot(),
    wait: async (c) => {
      const until = c.until || {};
      let ok = true;
      try {
        await page.waitForFunction((u) => {
          const state = document.querySelector('#state');
          if (u.state !== undefined && (!state || state.textContent.trim() !== u.state)) return false;
          const ticks = document.querySelector('#ticks');
          if (u.ticks !== undefined && (!ticks || Number(ticks.dataset.count) < u.ticks)) return false;
          const retries = document.querySelectorAll('#log li[data-attempt]').length;
          if (u.retries !== undefined && retries < u.retries) return false;
          return true;
        }, until, { timeout: c.timeout || 15000, polling: 50 });
      } catch (e) {
        if (!/Timeout/i.test(e.name + ' ' + e.message)) throw e;
        ok = false;
      }
      return { ok, snapshot: await snapshot() };
    },
    click: async (c) => {
      await page.click(c.selector, { timeout: 5000 });
      return { ok: true };
    },
    fetch: (c) => page.evaluate(async (path) => {
      const res = await fetch(path, { cache: 'no-store' });
      return { status: res.status, content_type: res.headers.get('content-type') };
    }, c.path),
    screenshot: async (c) => {
      await page.screenshot({ path: c.path, fullPage: true });
      return { ok: true };
    },
    reload: async () => {
      await page.reload({ waitUntil: 'domcontentloaded' });
      return { ok: true };
    },
  };

  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.trim()) continue;
    let cmd;
    try {
      cmd = JSON.parse(line);
    } catch (e) {
      say({ ok: false, error: 'not JSON: ' + firstLine(e) });
      continue;
    }
    if (cmd.cmd === 'close') {
      say({ ok: true });
      return close(0);
    }
    const run = commands[cmd.cmd];
    if (!run) {
      say({ ok: false, error: 'unknown command ' + JSON.stringify(cmd.cmd) });
      continue;
    }
    try {
      say(await run(cmd));
    } catch (e) {
      say({ ok: false, error: firstLine(e) });
    }
  }
  return close(0);
}

main().catch((e) => {
  process.stderr.write('browser.js: ' + (e && e.stack ? e.stack : e) + '\n');
  process.exit(1);
});
