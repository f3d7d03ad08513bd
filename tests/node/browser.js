#!/usr/bin/env node
// browser.js — loads a sio-auth page in a real headless Chromium (Debian's /usr/bin/chromium driven by
// playwright-core over CDP; no browser is ever downloaded) and reports what the page showed.
//
// CLI contract:
//   node browser.js URL [--cookie 'name=value'] [--wait-ticks N] [--timeout MS] [--screenshot PATH]
//     URL           the page, e.g. http://127.0.0.1:3000/
//     --cookie      a cookie to forge, 'name=value' (value sent as given, no encoding). It is put in a fresh
//                   context's jar for the URL's origin (path /) BEFORE the page loads, and every Set-Cookie
//                   header of the page's own HTTP responses (document, scripts, ...; not XHR/fetch) is
//                   stripped, so the server cannot replace the forged cookie with a fresh valid one: the
//                   page's Socket.IO connection then carries the forged cookie. Without --cookie the
//                   context starts with an empty jar and the server's Set-Cookie is kept as usual.
//     --wait-ticks  wait until N `#ticks li` exist (default 2; 0 = until `#state` is `connected`)
//     --timeout     overall deadline in ms from the start of navigation (default 15000)
//     --screenshot  write a full-page PNG of the page as it was at the end (also on timeout)
//   Env: CHROMIUM = browser executable (default /usr/bin/chromium).
//   The page contract: `#state` text is one of connecting|connected|refused|disconnected; `#reason` holds
//   the connect_error message when refused (e.g. `Cookie is invalid.`); `#ticks` holds one `li` per tick
//   with `data-ms` = the server's epoch ms and `data-delay` = the local receive delay in ms.
//   Waits until `#state` is `refused` or at least N ticks exist, or the deadline.
//   stdout: exactly ONE JSON line
//     {"state":"connected"|"refused"|...|null, "reason":string|null, "ticks":[ms,...], "delays":[ms,...],
//      "console_errors":[string,...], "failed_requests":[url,...], "http_errors":["STATUS URL",...],
//      "stripped_set_cookies":N, "timed_out":bool, "error":string|null}
//     failed_requests: requests that failed at the network level (refused, aborted, ...) while waiting, and
//     every request (HTTP or WebSocket) to another origin than URL's; those to a host outside loopback
//     (127.0.0.0/8, localhost, ::1) are also blocked, as the page must work offline (no CDN).
//     http_errors: same-origin responses with status >= 400 (but /favicon.ico).
//     console_errors: console.error messages and uncaught page exceptions.
//   Exit: 0 when the wait condition was met; 4 on timeout (the JSON still says what was seen);
//     1 when the page itself could not be loaded (navigation error or a non-2xx status for URL);
//     2 on bad arguments; 3 when the browser cannot be launched (message on stderr).
'use strict';

const fs = require('fs');

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
    "usage: node browser.js URL [--cookie 'name=value'] [--wait-ticks N] [--timeout MS] [--screenshot PATH]\n");
  process.exit(2);
}

function parseArgs(argv) {
  const o = { url: null, cookie: null, waitTicks: 2, timeout: 15000, screenshot: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) usage('missing value for ' + a);
      return argv[++i];
    };
    const int = (s, min) => {
      if (!/^\d+$/.test(s) || Number(s) < min) usage(`${a} needs an integer >= ${min}, got '${s}'`);
      return Number(s);
    };
    if (a === '--cookie') {
      const c = val();
      const eq = c.indexOf('=');
      if (eq <= 0) usage("--cookie needs 'name=value'");
      o.cookie = { name: c.slice(0, eq).trim(), value: c.slice(eq + 1) };
      if (!o.cookie.name || /[\s;,]/.test(o.cookie.name) || /[;\r\n]/.test(o.cookie.value)) {
        usage("--cookie needs 'name=value' without ';' or whitespace in the name");
      }
    } else if (a === '--wait-ticks') o.waitTicks = int(val(), 0);
    else if (a === '--timeout') o.timeout = int(val(), 1);
    else if (a === '--screenshot') o.screenshot = val();
    else if (a === '-h' || a === '--help') usage();
    else if (a.startsWith('-')) usage('unknown option ' + a);
    else if (o.url === null) o.url = a;
    else usage('unexpected argument ' + a);
  }
  if (o.url === null) usage('missing URL');
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

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const origin = opts.parsed.origin;
  const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';

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
    if (opts.cookie) args.push(await disableFeaturesArg(chromium, executablePath, LNA_FEATURES));
    browser = await chromium.launch({ executablePath, headless: true, args, timeout: 60000 });
  } catch (e) {
    process.stderr.write('browser.js: cannot launch ' + executablePath + ': ' + e.message + '\n');
    process.exit(3);
  }

  const out = {
    state: null, reason: null, ticks: [], delays: [], console_errors: [], failed_requests: [],
    http_errors: [], stripped_set_cookies: 0, timed_out: false, error: null,
  };
  let recording = true; // off once we start tearing down (closing aborts the pending long-poll)
  const noteFailed = (url) => {
    if (recording && !out.failed_requests.includes(url)) out.failed_requests.push(url);
  };
  const sameOrigin = (url) => {
    try {
      return new URL(url).origin === origin;
    } catch (e) {
      return false;
    }
  };
  const local = (url) => /^(data|blob|about):/.test(url);

  let exitCode = 0;
  try {
    const context = await browser.newContext({ ignoreHTTPSErrors: true });
    if (opts.cookie) {
      await context.addCookies([{ name: opts.cookie.name, value: opts.cookie.value, url: origin + '/' }]);
    }

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
      if (!opts.cookie || !sameOrigin(url) || type === 'xhr' || type === 'fetch' || type === 'eventsource') {
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
        if (name.toLowerCase() === 'set-cookie') {
          out.stripped_set_cookies++;
          continue;
        }
        headers[name] = headers[name] === undefined ? value : headers[name] + ', ' + value;
      }
      // route.fetch() runs in the context's request API, which files any Set-Cookie into the context's
      // jar; put the jar back to exactly the forged cookie before the page sees the response.
      await context.clearCookies();
      await context.addCookies([{ name: opts.cookie.name, value: opts.cookie.value, url: origin + '/' }]);
      return route.fulfill({ status: response.status(), headers, body: await response.body() });
    });

    const page = await context.newPage();
    page.on('console', (msg) => {
      if (msg.type() !== 'error') return;
      const loc = msg.location() || {};
      if (loc.url && /\/favicon\.ico$/.test(loc.url)) return;
      out.console_errors.push(msg.text());
    });
    page.on('pageerror', (err) => out.console_errors.push('uncaught: ' + (err && err.message ? err.message : String(err))));
    page.on('request', (req) => {
      const url = req.url();
      if (!local(url) && !sameOrigin(url)) noteFailed(url);
    });
    page.on('requestfailed', (req) => {
      const url = req.url();
      if (!local(url)) noteFailed(url);
    });
    page.on('response', (res) => {
      const url = res.url();
      if (recording && res.status() >= 400 && sameOrigin(url) && !/\/favicon\.ico$/.test(new URL(url).pathname)) {
        out.http_errors.push(res.status() + ' ' + url);
      }
    });
    page.on('websocket', (ws) => {
      const url = ws.url();
      let wsOrigin = null;
      try {
        const u = new URL(url);
        wsOrigin = (u.protocol === 'wss:' ? 'https:' : 'http:') + '//' + u.host;
      } catch (e) { /* unparsable: counted below */ }
      if (wsOrigin !== origin) noteFailed(url);
    });

    const deadline = Date.now() + opts.timeout;
    let loaded = false;
    try {
      const resp = await page.goto(opts.url, { waitUntil: 'domcontentloaded', timeout: opts.timeout });
      if (resp && (resp.status() < 200 || resp.status() > 299)) {
        out.error = `GET ${opts.url} answered ${resp.status()}`;
        exitCode = 1;
      } else {
        loaded = true;
      }
    } catch (e) {
      if (Date.now() >= deadline) {
        out.timed_out = true;
        exitCode = 4;
      } else {
        exitCode = 1;
      }
      out.error = 'navigation: ' + e.message.split('\n')[0];
    }

    if (loaded) {
      try {
        await page.waitForFunction((n) => {
          const st = document.querySelector('#state');
          const s = st ? st.textContent.trim() : null;
          if (s === 'refused') return true;
          if (n === 0) return s === 'connected';
          return document.querySelectorAll('#ticks li').length >= n;
        }, opts.waitTicks, { timeout: Math.max(1, deadline - Date.now()), polling: 50 });
      } catch (e) {
        if (/Timeout/i.test(e.name + ' ' + e.message)) {
          out.timed_out = true;
          exitCode = 4;
        } else {
          out.error = 'wait: ' + e.message.split('\n')[0];
          exitCode = 1;
        }
      }
    }

    try {
      const seen = await page.evaluate(() => {
        const text = (sel) => {
          const el = document.querySelector(sel);
          return el ? el.textContent.trim() : null;
        };
        const num = (v) => (v === null || v === '' || isNaN(Number(v)) ? null : Number(v));
        const lis = Array.from(document.querySelectorAll('#ticks li'));
        return {
          state: text('#state'),
          reason: text('#reason'),
          ticks: lis.map((li) => num(li.getAttribute('data-ms'))),
          delays: lis.map((li) => num(li.getAttribute('data-delay'))),
        };
      });
      Object.assign(out, seen);
      if (out.reason === '') out.reason = null;
    } catch (e) {
      if (!out.error) out.error = 'reading the page: ' + e.message.split('\n')[0];
    }
    recording = false;

    if (opts.screenshot) {
      try {
        await page.screenshot({ path: opts.screenshot, fullPage: true });
      } catch (e) {
        process.stderr.write('browser.js: screenshot failed: ' + e.message + '\n');
      }
    }
  } catch (e) {
    out.error = out.error || e.message.split('\n')[0];
    if (exitCode === 0) exitCode = 1;
  } finally {
    recording = false;
    await browser.close().catch(() => {});
  }
  process.stdout.write(JSON.stringify(out) + '\n');
  process.exitCode = exitCode;
}

main().catch((e) => {
  process.stderr.write('browser.js: ' + (e && e.stack ? e.stack : e) + '\n');
  process.exit(1);
});
