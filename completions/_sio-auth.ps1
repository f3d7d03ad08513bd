
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'sio-auth' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'sio-auth'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'sio-auth' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Run the authorized tick server: the page at / issues the session cookie, Socket.IO on the same port accepts only handshakes that carry it')
            [CompletionResult]::new('sign', 'sign', [CompletionResultType]::ParameterValue, 'Mint a signed session cookie (express.sid=s%3A<sid>.<signature>), or cookie-session''s pair of cookies for a session (--kind cookie-session)')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Check signed session cookies; prints the session id of each valid one (--kind cookie-session: the session''s JSON)')
            [CompletionResult]::new('audit', 'audit', [CompletionResultType]::ParameterValue, 'Find the weak secret behind signed session cookies: the built-in list of published secrets, then wordlists')
            [CompletionResult]::new('connect', 'connect', [CompletionResultType]::ParameterValue, 'Connect to a Socket.IO server with a session cookie and print the events it sends')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Destroy sessions in the store; their live sockets are disconnected within a second')
            [CompletionResult]::new('emit', 'emit', [CompletionResultType]::ParameterValue, 'Send an event to the sockets of a session, or to every socket, on every `serve --cluster` node sharing the store')
            [CompletionResult]::new('bench', 'bench', [CompletionResultType]::ParameterValue, 'Load-test a Socket.IO server: authorized handshakes per second, many idle sockets, or emits and their ack round trips')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print the help of sio-auth or of one of its commands (as --help does)')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print the man page (roff) of sio-auth or of one of its commands')
            break
        }
        'sio-auth;serve' {
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'Address to listen on, IP:PORT (0.0.0.0:3000 for every interface); port 0 picks a free port. The bound address is printed as `listening on http://ADDR`')
            [CompletionResult]::new('--secret', '--secret', [CompletionResultType]::ParameterName, 'A secret; repeat to rotate: the first signs, every one verifies. A trailing line break is dropped, as in a secret file. Visible to other users in the process list: prefer --secret-file or SIO_AUTH_SECRET')
            [CompletionResult]::new('--secret-file', '--secret-file', [CompletionResultType]::ParameterName, 'A file with one secret per line (the first signs, all verify; line breaks and blank lines are not part of any secret); `-` reads that from stdin. [env: SIO_AUTH_SECRET gives one secret, without its trailing line break, when neither option is used. Default: a secret file created on first use in $XDG_DATA_HOME/sio-auth/secret]')
            [CompletionResult]::new('--cookie-name', '--cookie-name', [CompletionResultType]::ParameterName, 'Name of the session cookie')
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'Time between a socket''s ticks, counted from its connection (e.g. 250ms, 2s)')
            [CompletionResult]::new('--event', '--event', [CompletionResultType]::ParameterName, 'Name of the tick event')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'How long a client may take from the Engine.IO handshake to joining a namespace; a refused client''s session is closed after it, unless the client closes it first (its memory is then freed at once). E.g. 500ms, 3s')
            [CompletionResult]::new('--ping-interval', '--ping-interval', [CompletionResultType]::ParameterName, 'How often the server pings each socket (Engine.IO''s pingInterval, told to clients in the open packet), e.g. 25s')
            [CompletionResult]::new('--ping-timeout', '--ping-timeout', [CompletionResultType]::ParameterName, 'How long a socket has to answer a ping (pingTimeout), and how long its writes may stay blocked (a client that does not read what it is sent) before it is disconnected, e.g. 20s')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Session store: `memory` (inside this process, bounded) or `redis://HOST:PORT/DB` (connect-redis''s format, shared with Node apps). A password in the URL (`redis://:PASSWORD@HOST`) is visible in the process list: prefer SIO_AUTH_STORE')
            [CompletionResult]::new('--max-age', '--max-age', [CompletionResultType]::ParameterName, 'Lifetime of the sessions GET / creates (e.g. 90m, 7d); without it the cookie is a browser-session cookie and the store keeps the session for a day')
            [CompletionResult]::new('--touch-every', '--touch-every', [CompletionResultType]::ParameterName, 'How often --rolling refreshes a session at most (e.g. 30s, 5m); not 0, not longer than --max-age. [default: a tenth of --max-age; 1m without --max-age, for sessions a Node app made with a lifetime of its own]')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Serve another namespace (repeatable). It gets the cookie rule of `/` plus its own `--require` rules, which follow it on the command line')
            [CompletionResult]::new('--require', '--require', [CompletionResultType]::ParameterName, 'A rule of the preceding --namespace: the session''s value at the JSON pointer must equal VALUE (JSON, or else a string), e.g. `/user/role=admin`. Implies a live session')
            [CompletionResult]::new('--max-connections', '--max-connections', [CompletionResultType]::ParameterName, 'How many connections to hold at once; past it a new connection gets `503 Too many connections.` at once while the sockets already open keep ticking. Default: the open-file limit (raised to its hard limit at start) less 64 descriptors for the rest')
            [CompletionResult]::new('--allowed-origin', '--allowed-origin', [CompletionResultType]::ParameterName, 'A page origin allowed to open sockets besides the server''s own (repeatable), e.g. https://app.example.com. Handshakes whose Origin header is neither are refused with `Origin not allowed.`; handshakes without Origin (non-browser clients) pass')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'Run as one node of the cluster NAME [default: sio-auth]: the nodes share the --store Redis through socketioxide''s Redis adapter (its channels named NAME-…), every authorized socket joins the room `session:<sid>`, and `sio-auth emit` reaches sockets on every node. Ticks stay local. Not compatible with Node''s @socket.io/redis-adapter: never give a Node server''s prefix (`socket.io`)')
            [CompletionResult]::new('--allow-weak-secret', '--allow-weak-secret', [CompletionResultType]::ParameterName, 'Start even with a weak secret, which serve otherwise refuses (sign and verify only warn): a well-known example secret (`keyboard cat`), one shorter than 32 bytes, one piece repeated (`aaaa…`), or one whose estimated entropy is below 80 bits (few distinct characters, runs, repeats). A secret file that group or others can read or change is refused all the same (`chmod 600` it)')
            [CompletionResult]::new('--require-session', '--require-session', [CompletionResultType]::ParameterName, 'Accept a handshake only when its signed sid names a live session in the store (refused with `Session not found.`, `Session expired.` or `Session store unavailable.`)')
            [CompletionResult]::new('--rolling', '--rolling', [CompletionResultType]::ParameterName, 'Keep a session alive while it has a socket here, as express-session''s `rolling` does on every request: its `cookie.expires` moves to now plus its `originalMaxAge`, and the Redis TTL with it (a Node app on the same Redis sees the new expiry), at most once per --touch-every, never over a write made meanwhile. A session without a socket expires as before. A browser-session cookie''s session (no expiry) keeps its JSON and gets the day connect-redis''s touch gives it. A socket sends no Set-Cookie: GET / on a live session rolls it too and sends its cookie again with the new Expires, as express-session does')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sio-auth;sign' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'What to print')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'Mint this many cookies, one per line, each for a new random sid')
            [CompletionResult]::new('--secret', '--secret', [CompletionResultType]::ParameterName, 'A secret; repeat to rotate: the first signs, every one verifies. A trailing line break is dropped, as in a secret file. Visible to other users in the process list: prefer --secret-file or SIO_AUTH_SECRET')
            [CompletionResult]::new('--secret-file', '--secret-file', [CompletionResultType]::ParameterName, 'A file with one secret per line (the first signs, all verify; line breaks and blank lines are not part of any secret); `-` reads that from stdin. [env: SIO_AUTH_SECRET gives one secret, without its trailing line break, when neither option is used. Default: a secret file created on first use in $XDG_DATA_HOME/sio-auth/secret]')
            [CompletionResult]::new('--kind', '--kind', [CompletionResultType]::ParameterName, 'Which session cookie: express-session''s signed session id, or cookie-session''s pair of cookies holding the whole session')
            [CompletionResult]::new('--cookie-name', '--cookie-name', [CompletionResultType]::ParameterName, 'Name of the session cookie (cookie-session''s signature cookie is NAME.sig). [default: express.sid; session for --kind cookie-session, as cookie-session 2 names it]')
            [CompletionResult]::new('--algorithm', '--algorithm', [CompletionResultType]::ParameterName, 'keygrip''s HMAC for --kind cookie-session (an app''s `keys: new Keygrip(keys, ''ALGORITHM'')`). [default: sha1]')
            [CompletionResult]::new('--max-age', '--max-age', [CompletionResultType]::ParameterName, 'Lifetime of the cookie (e.g. 90m, 7d): an Expires attribute, as express-session writes it (no Max-Age)')
            [CompletionResult]::new('--domain', '--domain', [CompletionResultType]::ParameterName, 'Domain attribute')
            [CompletionResult]::new('--path', '--path', [CompletionResultType]::ParameterName, 'Path attribute')
            [CompletionResult]::new('--same-site', '--same-site', [CompletionResultType]::ParameterName, 'SameSite attribute')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Session store shared with the server: `redis://HOST:PORT/DB`. A password in the URL is visible in the process list: prefer SIO_AUTH_STORE')
            [CompletionResult]::new('--data', '--data', [CompletionResultType]::ParameterName, 'The session''s data, a JSON object (e.g. ''{"user":{"role":"admin"}}''). express-session: stored with --store, the cookie metadata added as express-session writes it (--max-age sets its expiry); --kind cookie-session: the session the cookie carries (required)')
            [CompletionResult]::new('--secure', '--secure', [CompletionResultType]::ParameterName, 'Add the Secure attribute')
            [CompletionResult]::new('--no-http-only', '--no-http-only', [CompletionResultType]::ParameterName, 'Leave out the HttpOnly attribute')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sio-auth;verify' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Session store shared with the server: `redis://HOST:PORT/DB`. A password in the URL is visible in the process list: prefer SIO_AUTH_STORE')
            [CompletionResult]::new('--secret', '--secret', [CompletionResultType]::ParameterName, 'A secret; repeat to rotate: the first signs, every one verifies. A trailing line break is dropped, as in a secret file. Visible to other users in the process list: prefer --secret-file or SIO_AUTH_SECRET')
            [CompletionResult]::new('--secret-file', '--secret-file', [CompletionResultType]::ParameterName, 'A file with one secret per line (the first signs, all verify; line breaks and blank lines are not part of any secret); `-` reads that from stdin. [env: SIO_AUTH_SECRET gives one secret, without its trailing line break, when neither option is used. Default: a secret file created on first use in $XDG_DATA_HOME/sio-auth/secret]')
            [CompletionResult]::new('--kind', '--kind', [CompletionResultType]::ParameterName, 'Which session cookie: express-session''s signed session id, or cookie-session''s pair of cookies holding the whole session')
            [CompletionResult]::new('--cookie-name', '--cookie-name', [CompletionResultType]::ParameterName, 'Name of the session cookie (cookie-session''s signature cookie is NAME.sig). [default: express.sid; session for --kind cookie-session, as cookie-session 2 names it]')
            [CompletionResult]::new('--algorithm', '--algorithm', [CompletionResultType]::ParameterName, 'keygrip''s HMAC for --kind cookie-session (an app''s `keys: new Keygrip(keys, ''ALGORITHM'')`). [default: sha1]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON object per input on stdout: valid, sid, secret_index, reason (and session with --show); --kind cookie-session: valid, session, key_index, reason')
            [CompletionResult]::new('--show', '--show', [CompletionResultType]::ParameterName, 'With --store: print each live session''s data (its JSON) instead of its sid')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sio-auth;audit' {
            [CompletionResult]::new('--wordlist', '--wordlist', [CompletionResultType]::ParameterName, 'A file of candidate secrets, one per line, tried after the built-in list; repeat for several (tried in order); `-` reads one from stdin')
            [CompletionResult]::new('--threads', '--threads', [CompletionResultType]::ParameterName, 'Threads searching the wordlists. [default: one per core]')
            [CompletionResult]::new('--kind', '--kind', [CompletionResultType]::ParameterName, 'Which session cookie: express-session''s signed session id, or cookie-session''s pair of cookies holding the whole session')
            [CompletionResult]::new('--cookie-name', '--cookie-name', [CompletionResultType]::ParameterName, 'Name of the session cookie (cookie-session''s signature cookie is NAME.sig). [default: express.sid; session for --kind cookie-session, as cookie-session 2 names it]')
            [CompletionResult]::new('--algorithm', '--algorithm', [CompletionResultType]::ParameterName, 'keygrip''s HMAC for --kind cookie-session (an app''s `keys: new Keygrip(keys, ''ALGORITHM'')`). [default: sha1]')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON object per solved cookie')
            [CompletionResult]::new('--hashcat', '--hashcat', [CompletionResultType]::ParameterName, 'Search nothing: print each cookie as a hashcat mode 1450 line (HMAC-SHA256, key = $pass), `hex(signature):sid`, for `hashcat -m 1450 -a 0 LINES WORDLIST`. --kind cookie-session: `hex(signature):NAME=value`, mode 150 for sha1, 1450 for sha256, 1750 for sha512 (none for sha384)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sio-auth;connect' {
            [CompletionResult]::new('--cookie', '--cookie', [CompletionResultType]::ParameterName, 'Session cookie: a name=value pair, a whole Cookie header, or a bare value (named by --cookie-name)')
            [CompletionResult]::new('--cookie-file', '--cookie-file', [CompletionResultType]::ParameterName, 'Read the cookie from a file (keeps it out of the process list)')
            [CompletionResult]::new('--cookie-name', '--cookie-name', [CompletionResultType]::ParameterName, 'Name of the session cookie')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace to connect to')
            [CompletionResult]::new('--event', '--event', [CompletionResultType]::ParameterName, 'Event to print; repeatable; `*` prints every event')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'Exit after this many printed events')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up when connecting, or waiting for the next event, takes longer (e.g. 10s, 500ms)')
            [CompletionResult]::new('--transport', '--transport', [CompletionResultType]::ParameterName, 'Transport to use')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Extra request header, `Name: value`; repeatable')
            [CompletionResult]::new('--emit', '--emit', [CompletionResultType]::ParameterName, 'Once connected, emit EVENT with ARGS: a JSON array of arguments, or one JSON value as the only argument (none: no argument); repeatable, emitted in order. Without --count, exit 0 once every emit is sent and every ack asked for has come')
            [CompletionResult]::new('--auth', '--auth', [CompletionResultType]::ParameterName, 'The CONNECT packet''s auth payload (socket.io-client''s `auth` option): a JSON object')
            [CompletionResult]::new('--login', '--login', [CompletionResultType]::ParameterName, 'First GET the URL''s page and use the session cookie it sets, as a browser would')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON object per event: event, args, received_at (epoch ms)')
            [CompletionResult]::new('--reconnect', '--reconnect', [CompletionResultType]::ParameterName, 'Reconnect with backoff when the server goes away (never after a refusal)')
            [CompletionResult]::new('--stdin', '--stdin', [CompletionResultType]::ParameterName, 'Once connected, emit what stdin says, one line each, as the lines arrive (after the --emits): {"event":"NAME","args":[…],"ack":true|false} (args and ack optional; ack defaults to --ack). On a terminal, `NAME [JSON…]` works too (one JSON value per argument). Piped, a malformed line exits 2 (nothing after it is sent); typed, it is skipped. Without --count, exit 0 at the end of input once every ack asked for has come')
            [CompletionResult]::new('--ack', '--ack', [CompletionResultType]::ParameterName, 'Ask for an acknowledgement of every --emit and print each ack, in emit order (the emits do not wait for acks; plain: its arguments as a JSON array, binary ones as {"base64":"…"}; --json: {"ack":EVENT,"args":[…],"rtt_ms":…}); an ack not within --timeout (20s without it) exits 4')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sio-auth;revoke' {
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Session store shared with the server: `redis://HOST:PORT/DB`. A password in the URL is visible in the process list: prefer SIO_AUTH_STORE')
            [CompletionResult]::new('--secret', '--secret', [CompletionResultType]::ParameterName, 'A secret; repeat to rotate: the first signs, every one verifies. A trailing line break is dropped, as in a secret file. Visible to other users in the process list: prefer --secret-file or SIO_AUTH_SECRET')
            [CompletionResult]::new('--secret-file', '--secret-file', [CompletionResultType]::ParameterName, 'A file with one secret per line (the first signs, all verify; line breaks and blank lines are not part of any secret); `-` reads that from stdin. [env: SIO_AUTH_SECRET gives one secret, without its trailing line break, when neither option is used. Default: a secret file created on first use in $XDG_DATA_HOME/sio-auth/secret]')
            [CompletionResult]::new('--cookie-name', '--cookie-name', [CompletionResultType]::ParameterName, 'Name of the session cookie')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sio-auth;emit' {
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Which sockets: `session:SID` (every socket of that session, on every node) or `all`')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'The namespace whose sockets get the event')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The cluster''s name, as its nodes'' `serve --cluster=NAME`')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Session store of the cluster: `redis://HOST:PORT/DB`, as the nodes'' --store. A password in the URL is visible in the process list: prefer SIO_AUTH_STORE')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sio-auth;bench' {
            [CompletionResult]::new('--clients', '--clients', [CompletionResultType]::ParameterName, 'Concurrent clients (cycle), sockets to hold (hold) or sockets that emit (--emit)')
            [CompletionResult]::new('--mode', '--mode', [CompletionResultType]::ParameterName, 'What each client does (--emit is a scenario of its own, without --mode)')
            [CompletionResult]::new('--duration', '--duration', [CompletionResultType]::ParameterName, 'How long to run the cycles, or to hold the sockets or emit once all are connected (e.g. 30s, 5m)')
            [CompletionResult]::new('--transport', '--transport', [CompletionResultType]::ParameterName, 'How clients connect (held sockets are always WebSockets)')
            [CompletionResult]::new('--forged', '--forged', [CompletionResultType]::ParameterName, 'Share of connections (0 to 1) that send a forged cookie (cycle mode)')
            [CompletionResult]::new('--forged-kinds', '--forged-kinds', [CompletionResultType]::ParameterName, 'How forged cookies are forged, comma-separated; connections take the kinds in turn and the summary counts each kind''s verdicts. `all`: every kind')
            [CompletionResult]::new('--handshakes', '--handshakes', [CompletionResultType]::ParameterName, 'Stop after this many connections (cycle mode), or at --duration, whichever comes first')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long each step may wait for the server: the TCP connect, the HTTP or WebSocket handshake, the namespace''s verdict, the first event; with --emit, each ack. A step past it counts as a failed connection (a timeout; with --emit, an ack past it counts under `timeouts`), and a cycle or emit run ends at most this long after --duration (e.g. 500ms, 5s)')
            [CompletionResult]::new('--cookie', '--cookie', [CompletionResultType]::ParameterName, 'Send this Cookie header instead of signing fresh cookies')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Session store shared with the server: `redis://HOST:PORT/DB`. A password in the URL is visible in the process list: prefer SIO_AUTH_STORE')
            [CompletionResult]::new('--secret', '--secret', [CompletionResultType]::ParameterName, 'A secret; repeat to rotate: the first signs, every one verifies. A trailing line break is dropped, as in a secret file. Visible to other users in the process list: prefer --secret-file or SIO_AUTH_SECRET')
            [CompletionResult]::new('--secret-file', '--secret-file', [CompletionResultType]::ParameterName, 'A file with one secret per line (the first signs, all verify; line breaks and blank lines are not part of any secret); `-` reads that from stdin. [env: SIO_AUTH_SECRET gives one secret, without its trailing line break, when neither option is used. Default: a secret file created on first use in $XDG_DATA_HOME/sio-auth/secret]')
            [CompletionResult]::new('--cookie-name', '--cookie-name', [CompletionResultType]::ParameterName, 'Name of the session cookie')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace to join')
            [CompletionResult]::new('--emit', '--emit', [CompletionResultType]::ParameterName, 'The emit scenario: each socket emits EVENT with ARGS and an ack id, for --duration (see Emit below). ARGS: a JSON array of arguments, or one JSON value as the only argument (none: no argument)')
            [CompletionResult]::new('--rate', '--rate', [CompletionResultType]::ParameterName, 'With --emit: emits per second per socket, on a fixed schedule (open loop); without it, each socket emits again as soon as its last ack returns (closed loop)')
            [CompletionResult]::new('--first-tick', '--first-tick', [CompletionResultType]::ParameterName, 'In cycle mode, also wait for the first event after being authorized')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the summary as one JSON object')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sio-auth;completions' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sio-auth;help' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'sio-auth;man' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
