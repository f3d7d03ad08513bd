
use builtin;
use str;

set edit:completion:arg-completer[sio-auth] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'sio-auth'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'sio-auth'= {
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand serve 'Run the authorized tick server: the page at / issues the session cookie, Socket.IO on the same port accepts only handshakes that carry it'
            cand sign 'Mint a signed session cookie (express.sid=s%3A<sid>.<signature>), or cookie-session''s pair of cookies for a session (--kind cookie-session)'
            cand verify 'Check signed session cookies; prints the session id of each valid one (--kind cookie-session: the session''s JSON)'
            cand audit 'Find the weak secret behind signed session cookies: the built-in list of published secrets, then wordlists'
            cand connect 'Connect to a Socket.IO server with a session cookie and print the events it sends'
            cand revoke 'Destroy sessions in the store; their live sockets are disconnected within a second'
            cand emit 'Send an event to the sockets of a session, or to every socket, on every `serve --cluster` node sharing the store'
            cand bench 'Load-test a Socket.IO server: authorized handshakes per second, many idle sockets, or emits and their ack round trips'
            cand completions 'Print a shell completion script'
            cand help 'Print the help of sio-auth or of one of its commands (as --help does)'
            cand man 'Print the man page (roff) of sio-auth or of one of its commands'
        }
        &'sio-auth;serve'= {
            cand --listen 'Address to listen on, IP:PORT (0.0.0.0:3000 for every interface); port 0 picks a free port. The bound address is printed as `listening on http://ADDR`'
            cand --secret 'A secret; repeat to rotate: the first signs, every one verifies. A trailing line break is dropped, as in a secret file. Visible to other users in the process list: prefer --secret-file or SIO_AUTH_SECRET'
            cand --secret-file 'A file with one secret per line (the first signs, all verify; line breaks and blank lines are not part of any secret); `-` reads that from stdin. [env: SIO_AUTH_SECRET gives one secret, without its trailing line break, when neither option is used. Default: a secret file created on first use in $XDG_DATA_HOME/sio-auth/secret]'
            cand --cookie-name 'Name of the session cookie'
            cand --interval 'Time between a socket''s ticks, counted from its connection (e.g. 250ms, 2s)'
            cand --event 'Name of the tick event'
            cand --connect-timeout 'How long a client may take from the Engine.IO handshake to joining a namespace; a refused client''s session is closed after it, unless the client closes it first (its memory is then freed at once). E.g. 500ms, 3s'
            cand --ping-interval 'How often the server pings each socket (Engine.IO''s pingInterval, told to clients in the open packet), e.g. 25s'
            cand --ping-timeout 'How long a socket has to answer a ping (pingTimeout), and how long its writes may stay blocked (a client that does not read what it is sent) before it is disconnected, e.g. 20s'
            cand --store 'Session store: `memory` (inside this process, bounded) or `redis://HOST:PORT/DB` (connect-redis''s format, shared with Node apps). A password in the URL (`redis://:PASSWORD@HOST`) is visible in the process list: prefer SIO_AUTH_STORE'
            cand --max-age 'Lifetime of the sessions GET / creates (e.g. 90m, 7d); without it the cookie is a browser-session cookie and the store keeps the session for a day'
            cand --touch-every 'How often --rolling refreshes a session at most (e.g. 30s, 5m); not 0, not longer than --max-age. [default: a tenth of --max-age; 1m without --max-age, for sessions a Node app made with a lifetime of its own]'
            cand --namespace 'Serve another namespace (repeatable). It gets the cookie rule of `/` plus its own `--require` rules, which follow it on the command line'
            cand --require 'A rule of the preceding --namespace: the session''s value at the JSON pointer must equal VALUE (JSON, or else a string), e.g. `/user/role=admin`. Implies a live session'
            cand --max-connections 'How many connections to hold at once; past it a new connection gets `503 Too many connections.` at once while the sockets already open keep ticking. Default: the open-file limit (raised to its hard limit at start) less 64 descriptors for the rest'
            cand --allowed-origin 'A page origin allowed to open sockets besides the server''s own (repeatable), e.g. https://app.example.com. Handshakes whose Origin header is neither are refused with `Origin not allowed.`; handshakes without Origin (non-browser clients) pass'
            cand --cluster 'Run as one node of the cluster NAME [default: sio-auth]: the nodes share the --store Redis through socketioxide''s Redis adapter (its channels named NAME-…), every authorized socket joins the room `session:<sid>`, and `sio-auth emit` reaches sockets on every node. Ticks stay local. Not compatible with Node''s @socket.io/redis-adapter: never give a Node server''s prefix (`socket.io`)'
            cand --allow-weak-secret 'Start even with a weak secret, which serve otherwise refuses (sign and verify only warn): a well-known example secret (`keyboard cat`), one shorter than 32 bytes, one piece repeated (`aaaa…`), or one whose estimated entropy is below 80 bits (few distinct characters, runs, repeats). A secret file that group or others can read or change is refused all the same (`chmod 600` it)'
            cand --require-session 'Accept a handshake only when its signed sid names a live session in the store (refused with `Session not found.`, `Session expired.` or `Session store unavailable.`)'
            cand --rolling 'Keep a session alive while it has a socket here, as express-session''s `rolling` does on every request: its `cookie.expires` moves to now plus its `originalMaxAge`, and the Redis TTL with it (a Node app on the same Redis sees the new expiry), at most once per --touch-every, never over a write made meanwhile. A session without a socket expires as before. A browser-session cookie''s session (no expiry) keeps its JSON and gets the day connect-redis''s touch gives it. A socket sends no Set-Cookie: GET / on a live session rolls it too and sends its cookie again with the new Expires, as express-session does'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sio-auth;sign'= {
            cand --format 'What to print'
            cand --count 'Mint this many cookies, one per line, each for a new random sid'
            cand --secret 'A secret; repeat to rotate: the first signs, every one verifies. A trailing line break is dropped, as in a secret file. Visible to other users in the process list: prefer --secret-file or SIO_AUTH_SECRET'
            cand --secret-file 'A file with one secret per line (the first signs, all verify; line breaks and blank lines are not part of any secret); `-` reads that from stdin. [env: SIO_AUTH_SECRET gives one secret, without its trailing line break, when neither option is used. Default: a secret file created on first use in $XDG_DATA_HOME/sio-auth/secret]'
            cand --kind 'Which session cookie: express-session''s signed session id, or cookie-session''s pair of cookies holding the whole session'
            cand --cookie-name 'Name of the session cookie (cookie-session''s signature cookie is NAME.sig). [default: express.sid; session for --kind cookie-session, as cookie-session 2 names it]'
            cand --algorithm 'keygrip''s HMAC for --kind cookie-session (an app''s `keys: new Keygrip(keys, ''ALGORITHM'')`). [default: sha1]'
            cand --max-age 'Lifetime of the cookie (e.g. 90m, 7d): an Expires attribute, as express-session writes it (no Max-Age)'
            cand --domain 'Domain attribute'
            cand --path 'Path attribute'
            cand --same-site 'SameSite attribute'
            cand --store 'Session store shared with the server: `redis://HOST:PORT/DB`. A password in the URL is visible in the process list: prefer SIO_AUTH_STORE'
            cand --data 'The session''s data, a JSON object (e.g. ''{"user":{"role":"admin"}}''). express-session: stored with --store, the cookie metadata added as express-session writes it (--max-age sets its expiry); --kind cookie-session: the session the cookie carries (required)'
            cand --secure 'Add the Secure attribute'
            cand --no-http-only 'Leave out the HttpOnly attribute'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sio-auth;verify'= {
            cand --store 'Session store shared with the server: `redis://HOST:PORT/DB`. A password in the URL is visible in the process list: prefer SIO_AUTH_STORE'
            cand --secret 'A secret; repeat to rotate: the first signs, every one verifies. A trailing line break is dropped, as in a secret file. Visible to other users in the process list: prefer --secret-file or SIO_AUTH_SECRET'
            cand --secret-file 'A file with one secret per line (the first signs, all verify; line breaks and blank lines are not part of any secret); `-` reads that from stdin. [env: SIO_AUTH_SECRET gives one secret, without its trailing line break, when neither option is used. Default: a secret file created on first use in $XDG_DATA_HOME/sio-auth/secret]'
            cand --kind 'Which session cookie: express-session''s signed session id, or cookie-session''s pair of cookies holding the whole session'
            cand --cookie-name 'Name of the session cookie (cookie-session''s signature cookie is NAME.sig). [default: express.sid; session for --kind cookie-session, as cookie-session 2 names it]'
            cand --algorithm 'keygrip''s HMAC for --kind cookie-session (an app''s `keys: new Keygrip(keys, ''ALGORITHM'')`). [default: sha1]'
            cand --json 'Print one JSON object per input on stdout: valid, sid, secret_index, reason (and session with --show); --kind cookie-session: valid, session, key_index, reason'
            cand --show 'With --store: print each live session''s data (its JSON) instead of its sid'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sio-auth;audit'= {
            cand --wordlist 'A file of candidate secrets, one per line, tried after the built-in list; repeat for several (tried in order); `-` reads one from stdin'
            cand --threads 'Threads searching the wordlists. [default: one per core]'
            cand --kind 'Which session cookie: express-session''s signed session id, or cookie-session''s pair of cookies holding the whole session'
            cand --cookie-name 'Name of the session cookie (cookie-session''s signature cookie is NAME.sig). [default: express.sid; session for --kind cookie-session, as cookie-session 2 names it]'
            cand --algorithm 'keygrip''s HMAC for --kind cookie-session (an app''s `keys: new Keygrip(keys, ''ALGORITHM'')`). [default: sha1]'
            cand --json 'Print one JSON object per solved cookie'
            cand --hashcat 'Search nothing: print each cookie as a hashcat mode 1450 line (HMAC-SHA256, key = $pass), `hex(signature):sid`, for `hashcat -m 1450 -a 0 LINES WORDLIST`. --kind cookie-session: `hex(signature):NAME=value`, mode 150 for sha1, 1450 for sha256, 1750 for sha512 (none for sha384)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sio-auth;connect'= {
            cand --cookie 'Session cookie: a name=value pair, a whole Cookie header, or a bare value (named by --cookie-name)'
            cand --cookie-file 'Read the cookie from a file (keeps it out of the process list)'
            cand --cookie-name 'Name of the session cookie'
            cand --namespace 'Namespace to connect to'
            cand --event 'Event to print; repeatable; `*` prints every event'
            cand --count 'Exit after this many printed events'
            cand --timeout 'Give up when connecting, or waiting for the next event, takes longer (e.g. 10s, 500ms)'
            cand --transport 'Transport to use'
            cand --header 'Extra request header, `Name: value`; repeatable'
            cand --emit 'Once connected, emit EVENT with ARGS: a JSON array of arguments, or one JSON value as the only argument (none: no argument); repeatable, emitted in order. Without --count, exit 0 once every emit is sent and every ack asked for has come'
            cand --auth 'The CONNECT packet''s auth payload (socket.io-client''s `auth` option): a JSON object'
            cand --login 'First GET the URL''s page and use the session cookie it sets, as a browser would'
            cand --json 'Print one JSON object per event: event, args, received_at (epoch ms)'
            cand --reconnect 'Reconnect with backoff when the server goes away (never after a refusal)'
            cand --stdin 'Once connected, emit what stdin says, one line each, as the lines arrive (after the --emits): {"event":"NAME","args":[…],"ack":true|false} (args and ack optional; ack defaults to --ack). On a terminal, `NAME [JSON…]` works too (one JSON value per argument). Piped, a malformed line exits 2 (nothing after it is sent); typed, it is skipped. Without --count, exit 0 at the end of input once every ack asked for has come'
            cand --ack 'Ask for an acknowledgement of every --emit and print each ack, in emit order (the emits do not wait for acks; plain: its arguments as a JSON array, binary ones as {"base64":"…"}; --json: {"ack":EVENT,"args":[…],"rtt_ms":…}); an ack not within --timeout (20s without it) exits 4'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sio-auth;revoke'= {
            cand --store 'Session store shared with the server: `redis://HOST:PORT/DB`. A password in the URL is visible in the process list: prefer SIO_AUTH_STORE'
            cand --secret 'A secret; repeat to rotate: the first signs, every one verifies. A trailing line break is dropped, as in a secret file. Visible to other users in the process list: prefer --secret-file or SIO_AUTH_SECRET'
            cand --secret-file 'A file with one secret per line (the first signs, all verify; line breaks and blank lines are not part of any secret); `-` reads that from stdin. [env: SIO_AUTH_SECRET gives one secret, without its trailing line break, when neither option is used. Default: a secret file created on first use in $XDG_DATA_HOME/sio-auth/secret]'
            cand --cookie-name 'Name of the session cookie'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sio-auth;emit'= {
            cand --to 'Which sockets: `session:SID` (every socket of that session, on every node) or `all`'
            cand --namespace 'The namespace whose sockets get the event'
            cand --cluster 'The cluster''s name, as its nodes'' `serve --cluster=NAME`'
            cand --store 'Session store of the cluster: `redis://HOST:PORT/DB`, as the nodes'' --store. A password in the URL is visible in the process list: prefer SIO_AUTH_STORE'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sio-auth;bench'= {
            cand --clients 'Concurrent clients (cycle), sockets to hold (hold) or sockets that emit (--emit)'
            cand --mode 'What each client does (--emit is a scenario of its own, without --mode)'
            cand --duration 'How long to run the cycles, or to hold the sockets or emit once all are connected (e.g. 30s, 5m)'
            cand --transport 'How clients connect (held sockets are always WebSockets)'
            cand --forged 'Share of connections (0 to 1) that send a forged cookie (cycle mode)'
            cand --forged-kinds 'How forged cookies are forged, comma-separated; connections take the kinds in turn and the summary counts each kind''s verdicts. `all`: every kind'
            cand --handshakes 'Stop after this many connections (cycle mode), or at --duration, whichever comes first'
            cand --timeout 'How long each step may wait for the server: the TCP connect, the HTTP or WebSocket handshake, the namespace''s verdict, the first event; with --emit, each ack. A step past it counts as a failed connection (a timeout; with --emit, an ack past it counts under `timeouts`), and a cycle or emit run ends at most this long after --duration (e.g. 500ms, 5s)'
            cand --cookie 'Send this Cookie header instead of signing fresh cookies'
            cand --store 'Session store shared with the server: `redis://HOST:PORT/DB`. A password in the URL is visible in the process list: prefer SIO_AUTH_STORE'
            cand --secret 'A secret; repeat to rotate: the first signs, every one verifies. A trailing line break is dropped, as in a secret file. Visible to other users in the process list: prefer --secret-file or SIO_AUTH_SECRET'
            cand --secret-file 'A file with one secret per line (the first signs, all verify; line breaks and blank lines are not part of any secret); `-` reads that from stdin. [env: SIO_AUTH_SECRET gives one secret, without its trailing line break, when neither option is used. Default: a secret file created on first use in $XDG_DATA_HOME/sio-auth/secret]'
            cand --cookie-name 'Name of the session cookie'
            cand --namespace 'Namespace to join'
            cand --emit 'The emit scenario: each socket emits EVENT with ARGS and an ack id, for --duration (see Emit below). ARGS: a JSON array of arguments, or one JSON value as the only argument (none: no argument)'
            cand --rate 'With --emit: emits per second per socket, on a fixed schedule (open loop); without it, each socket emits again as soon as its last ack returns (closed loop)'
            cand --first-tick 'In cycle mode, also wait for the first event after being authorized'
            cand --json 'Print the summary as one JSON object'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sio-auth;completions'= {
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sio-auth;help'= {
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'sio-auth;man'= {
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
    ]
    $completions[$command]
}
