# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_sio_auth_global_optspecs
    string join \n h/help V/version
end

function __fish_sio_auth_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_sio_auth_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_sio_auth_using_subcommand
    set -l cmd (__fish_sio_auth_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c sio-auth -n "__fish_sio_auth_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sio-auth -n "__fish_sio_auth_needs_command" -s V -l version -d 'Print version'
complete -c sio-auth -n "__fish_sio_auth_needs_command" -f -a "serve" -d 'Run the authorized tick server: the page at / issues the session cookie, Socket.IO on the same port accepts only handshakes that carry it'
complete -c sio-auth -n "__fish_sio_auth_needs_command" -f -a "sign" -d 'Mint a signed session cookie (express.sid=s%3A<sid>.<signature>), or cookie-session\'s pair of cookies for a session (--kind cookie-session)'
complete -c sio-auth -n "__fish_sio_auth_needs_command" -f -a "verify" -d 'Check signed session cookies; prints the session id of each valid one (--kind cookie-session: the session\'s JSON)'
complete -c sio-auth -n "__fish_sio_auth_needs_command" -f -a "audit" -d 'Find the weak secret behind signed session cookies: the built-in list of published secrets, then wordlists'
complete -c sio-auth -n "__fish_sio_auth_needs_command" -f -a "connect" -d 'Connect to a Socket.IO server with a session cookie and print the events it sends'
complete -c sio-auth -n "__fish_sio_auth_needs_command" -f -a "revoke" -d 'Destroy sessions in the store; their live sockets are disconnected within a second'
complete -c sio-auth -n "__fish_sio_auth_needs_command" -f -a "emit" -d 'Send an event to the sockets of a session, or to every socket, on every `serve --cluster` node sharing the store'
complete -c sio-auth -n "__fish_sio_auth_needs_command" -f -a "bench" -d 'Load-test a Socket.IO server: authorized handshakes per second, many idle sockets, or emits and their ack round trips'
complete -c sio-auth -n "__fish_sio_auth_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c sio-auth -n "__fish_sio_auth_needs_command" -f -a "help" -d 'Print the help of sio-auth or of one of its commands (as --help does)'
complete -c sio-auth -n "__fish_sio_auth_needs_command" -f -a "man" -d 'Print the man page (roff) of sio-auth or of one of its commands'
complete -c sio-auth -n "__fish_sio_auth_using_subcommand serve" -l listen -d 'Address to listen on, IP:PORT (0.0.0.0:3000 for every interface); port 0 picks a free port. The bound address is printed as `listening on http://ADDR`' -r
complete -c sio-auth -n "__fish_sio_auth_using_subcommand serve" -l secret -d 'A secret; repeat to rotate: the first signs, every one verifies. A trailing line break is dropped, as in a secret file. Visible to other users in the process list: prefer --secret-file or SIO_AUTH_SECRET' -r
complete -c sio-auth -n "__fish_sio_auth_using_subcommand serve" -l secret-file -d 'A file with one secret per line (the first signs, all verify; line breaks and blank lines are not part of any secret); `-` reads that from stdin. [env: SIO_AUTH_SECRET gives one secret, without its trailing line break, when neither option is used. Default: a secret file created on first use in $XDG_DATA_HOME/sio-auth/secret]' -r -F
complete -c sio-auth -n "__fish_sio_auth_using_subcommand serve" -l cookie-name -d 'Name of the session cookie' -r
complete -c sio-auth -n "__fish_sio_auth_using_subcommand serve" -l interval -d 'Time between a socket\'s ticks, counted from its connection (e.g. 250ms, 2s)' -r
complete -c sio-auth -n "__fish_sio_auth_using_subcommand serve" -l event -d 'Name of the tick event' -r
complete -c sio-auth -n "__fish_sio_auth_using_subcommand serve" -l connect-timeout -d 'How long a client may take from the Engine.IO handshake to joining a namespace; a refused client\'s session is closed after it, unless the client closes it first (its memory is then freed at once). E.g. 500ms, 3s' -r
complete -c sio-auth -n "__fish_sio_auth_using_subcommand serve" -l ping-interval -d 'How often the server pings each socket (Engine.IO\'s pingInterval, told to clients in the open packet), e.g. 25s' -r
complete -c sio-auth -n "__fish_sio_auth_using_subcommand serve" -l ping-timeout -d 'How long a socket has to answer a ping (pingTimeout), and how long its writes may stay blocked (a client that does not read what it is sent) before it is disconnected, e.g. 20s' -r
complete -c sio-auth -n "__fish_sio_auth_using_subcommand serve" -l store -d 'Session store: `memory` (inside this process, bounded) or `redis://HOST:PORT/DB` (connect-redis\'s format, shared with Node apps). A password in the URL (`redis://:PASSWORD@HOST`) is visible in the process list: prefer SIO_AUTH_STORE' -r
complete -c sio-auth -n "__fish_sio_auth_using_subcommand serve" -l max-age -d 'Lifetime of the sessions GET / creates (e.g. 90m, 7d); without it the cookie is a browser-session cookie and the store keeps the session for a day' -r
complete -c sio-auth -n "__fish_sio_auth_using_subcommand serve" -l touch-every -d 'How often --rolling refreshes a session at most (e.g. 30s, 5m); not 0, not longer than --max-age. [default: a tenth of --max-age; 1m without --max-age, for sessions a Node app made with a lifetime of its own]' -r
complete -c sio-auth -n "__fish_sio_auth_using_subcommand serve" -l namespace -d 'Serve another namespace (repeatable). It gets the cookie rule of `/` plus its own `--require` rules, which follow it on the command line' -r
complete -c sio-auth -n "__fish_sio_auth_using_subcommand serve" -l require -d 'A rule of the preceding --namespace: the session\'s value at the JSON pointer must equal VALUE (JSON, or else a string), e.g. `/user/role=admin`. Implies a live session' -r
complete -c sio-auth -n "__fish_sio_auth_using_subcommand serve" -l max-connections -d 'How many connections to hold at once; past it a new connection gets `503 Too many connections.` at once while the sockets already open keep ticking. Default: the open-file limit (raised to its hard limit at start) less 64 descriptors for the rest' -r
complete -c sio-auth -n "__fish_sio_auth_using_subcommand serve" -l allowed-origin -d 'A page origin allowed to open sockets besides the server\'s own (repeatable), e.g. https://app.example.com. Handshakes whose Origin header is neither are refused with `Origin not allowed.`; handshakes without Origin (non-browser clients) pass' -r
complete -c sio-auth -n "__fish_sio_auth_using_subcommand serve" -l cluster -d 'Run as one node of the cluster NAME [default: sio-auth]: the nodes share the --store Redis through socketioxide\'s Redis adapter (its channels named NAME-…), every authorized socket joins the room `session:<sid>`, and `sio-auth emit` reaches sockets on every node. Ticks stay local. Not compatible with Node\'s @socket.io/redis-adapter: never give a Node server\'s prefix (`socket.io`)' -r
complete -c sio-auth -n "__fish_sio_auth_using_subcommand serve" -l allow-weak-secret -d 'Start even with a weak secret, which serve otherwise refuses (sign and verify only warn): a well-known example secret (`keyboard cat`), one shorter than 32 bytes, one piece repeated (`aaaa…`), or one whose estimated entropy is below 80 bits (few distinct characters, runs, repeats). A secret file that group or others can read or change is refused all the same (`chmod 600` it)'
complete -c sio-auth -n "__fish_sio_auth_using_subcommand serve" -l require-session -d 'Accept a handshake only when its signed sid names a live session in the store (refused with `Session not found.`, `Session expired.` or `Session store unavailable.`)'
complete -c sio-auth -n "__fish_sio_auth_using_subcommand serve" -l rolling -d 'Keep a session alive while it has a socket here, as express-session\'s `rolling` does on every request: its `cookie.expires` moves to now plus its `originalMaxAge`, and the Redis TTL with it (a Node app on the same Redis sees the new expiry), at most once per --touch-every, never over a write made meanwhile. A session without a socket expires as before. A browser-session cookie\'s session (no expiry) keeps its JSON and gets the day connect-redis\'s touch gives it. A socket sends no Set-Cookie: GET / on a live session rolls it too and sends its cookie again with the new Expires, as express-session does'
complete -c sio-auth -n "__fish_sio_auth_using_subcommand serve" -s h -l help -d 'Print help'
complete -c sio-auth -n "__fish_sio_auth_using_subcommand serve" -s V -l version -d 'Print version'
complete -c sio-auth -n "__fish_sio_auth_using_subcommand sign" -l format -d 'What to print' -r -f -a "pair\t'`name=value`, ready for a Cookie header'
value\t'The percent-encoded value alone'
raw\t'The signed value before percent-encoding: `s:<sid>.<signature>`'
set-cookie\t'The whole Set-Cookie header value, with attributes'
json\t'One JSON object with all of the above and the sid'"
complete -c sio-auth -n "__fish_sio_auth_using_subcommand sign" -l count -d 'Mint this many cookies, one per line, each for a new random sid' -r
complete -c sio-auth -n "__fish_sio_auth_using_subcommand sign" -l secret -d 'A secret; repeat to rotate: the first signs, every one verifies. A trailing line break is dropped, as in a secret file. Visible to other users in the process list: prefer --secret-file or SIO_AUTH_SECRET' -r
complete -c sio-auth -n "__fish_sio_auth_using_subcommand sign" -l secret-file -d 'A file with one secret per line (the first signs, all verify; line breaks and blank lines are not part of any secret); `-` reads that from stdin. [env: SIO_AUTH_SECRET gives one secret, without its trailing line break, when neither option is used. Default: a secret file created on first use in $XDG_DATA_HOME/sio-auth/secret]' -r -F
complete -c sio-auth -n "__fish_sio_auth_using_subcommand sign" -l kind -d 'Which session cookie: express-session\'s signed session id, or cookie-session\'s pair of cookies holding the whole session' -r -f -a "express-session\t'`express.sid=s%3A<sid>.<signature>`, the session id signed with HMAC-SHA256 (cookie-signature); the session itself lives in a store'
cookie-session\t'The whole session in the cookie, `session=<base64 of its JSON>`, plus `session.sig=<keygrip signature of session=<value>>`'"
complete -c sio-auth -n "__fish_sio_auth_using_subcommand sign" -l cookie-name -d 'Name of the session cookie (cookie-session\'s signature cookie is NAME.sig). [default: express.sid; session for --kind cookie-session, as cookie-session 2 names it]' -r
complete -c sio-auth -n "__fish_sio_auth_using_subcommand sign" -l algorithm -d 'keygrip\'s HMAC for --kind cookie-session (an app\'s `keys: new Keygrip(keys, \'ALGORITHM\')`). [default: sha1]' -r -f -a "sha1\t'HMAC-SHA1, keygrip\'s default'
sha256\t'HMAC-SHA256'
sha384\t'HMAC-SHA384'
sha512\t'HMAC-SHA512'"
complete -c sio-auth -n "__fish_sio_auth_using_subcommand sign" -l max-age -d 'Lifetime of the cookie (e.g. 90m, 7d): an Expires attribute, as express-session writes it (no Max-Age)' -r
complete -c sio-auth -n "__fish_sio_auth_using_subcommand sign" -l domain -d 'Domain attribute' -r
complete -c sio-auth -n "__fish_sio_auth_using_subcommand sign" -l path -d 'Path attribute' -r
complete -c sio-auth -n "__fish_sio_auth_using_subcommand sign" -l same-site -d 'SameSite attribute' -r -f -a "strict\t''
lax\t''
none\t''"
complete -c sio-auth -n "__fish_sio_auth_using_subcommand sign" -l store -d 'Session store shared with the server: `redis://HOST:PORT/DB`. A password in the URL is visible in the process list: prefer SIO_AUTH_STORE' -r
complete -c sio-auth -n "__fish_sio_auth_using_subcommand sign" -l data -d 'The session\'s data, a JSON object (e.g. \'{"user":{"role":"admin"}}\'). express-session: stored with --store, the cookie metadata added as express-session writes it (--max-age sets its expiry); --kind cookie-session: the session the cookie carries (required)' -r
complete -c sio-auth -n "__fish_sio_auth_using_subcommand sign" -l secure -d 'Add the Secure attribute'
complete -c sio-auth -n "__fish_sio_auth_using_subcommand sign" -l no-http-only -d 'Leave out the HttpOnly attribute'
complete -c sio-auth -n "__fish_sio_auth_using_subcommand sign" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sio-auth -n "__fish_sio_auth_using_subcommand sign" -s V -l version -d 'Print version'
complete -c sio-auth -n "__fish_sio_auth_using_subcommand verify" -l store -d 'Session store shared with the server: `redis://HOST:PORT/DB`. A password in the URL is visible in the process list: prefer SIO_AUTH_STORE' -r
complete -c sio-auth -n "__fish_sio_auth_using_subcommand verify" -l secret -d 'A secret; repeat to rotate: the first signs, every one verifies. A trailing line break is dropped, as in a secret file. Visible to other users in the process list: prefer --secret-file or SIO_AUTH_SECRET' -r
complete -c sio-auth -n "__fish_sio_auth_using_subcommand verify" -l secret-file -d 'A file with one secret per line (the first signs, all verify; line breaks and blank lines are not part of any secret); `-` reads that from stdin. [env: SIO_AUTH_SECRET gives one secret, without its trailing line break, when neither option is used. Default: a secret file created on first use in $XDG_DATA_HOME/sio-auth/secret]' -r -F
complete -c sio-auth -n "__fish_sio_auth_using_subcommand verify" -l kind -d 'Which session cookie: express-session\'s signed session id, or cookie-session\'s pair of cookies holding the whole session' -r -f -a "express-session\t'`express.sid=s%3A<sid>.<signature>`, the session id signed with HMAC-SHA256 (cookie-signature); the session itself lives in a store'
cookie-session\t'The whole session in the cookie, `session=<base64 of its JSON>`, plus `session.sig=<keygrip signature of session=<value>>`'"
complete -c sio-auth -n "__fish_sio_auth_using_subcommand verify" -l cookie-name -d 'Name of the session cookie (cookie-session\'s signature cookie is NAME.sig). [default: express.sid; session for --kind cookie-session, as cookie-session 2 names it]' -r
complete -c sio-auth -n "__fish_sio_auth_using_subcommand verify" -l algorithm -d 'keygrip\'s HMAC for --kind cookie-session (an app\'s `keys: new Keygrip(keys, \'ALGORITHM\')`). [default: sha1]' -r -f -a "sha1\t'HMAC-SHA1, keygrip\'s default'
sha256\t'HMAC-SHA256'
sha384\t'HMAC-SHA384'
sha512\t'HMAC-SHA512'"
complete -c sio-auth -n "__fish_sio_auth_using_subcommand verify" -l json -d 'Print one JSON object per input on stdout: valid, sid, secret_index, reason (and session with --show); --kind cookie-session: valid, session, key_index, reason'
complete -c sio-auth -n "__fish_sio_auth_using_subcommand verify" -l show -d 'With --store: print each live session\'s data (its JSON) instead of its sid'
complete -c sio-auth -n "__fish_sio_auth_using_subcommand verify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sio-auth -n "__fish_sio_auth_using_subcommand verify" -s V -l version -d 'Print version'
complete -c sio-auth -n "__fish_sio_auth_using_subcommand audit" -l wordlist -d 'A file of candidate secrets, one per line, tried after the built-in list; repeat for several (tried in order); `-` reads one from stdin' -r -F
complete -c sio-auth -n "__fish_sio_auth_using_subcommand audit" -l threads -d 'Threads searching the wordlists. [default: one per core]' -r
complete -c sio-auth -n "__fish_sio_auth_using_subcommand audit" -l kind -d 'Which session cookie: express-session\'s signed session id, or cookie-session\'s pair of cookies holding the whole session' -r -f -a "express-session\t'`express.sid=s%3A<sid>.<signature>`, the session id signed with HMAC-SHA256 (cookie-signature); the session itself lives in a store'
cookie-session\t'The whole session in the cookie, `session=<base64 of its JSON>`, plus `session.sig=<keygrip signature of session=<value>>`'"
complete -c sio-auth -n "__fish_sio_auth_using_subcommand audit" -l cookie-name -d 'Name of the session cookie (cookie-session\'s signature cookie is NAME.sig). [default: express.sid; session for --kind cookie-session, as cookie-session 2 names it]' -r
complete -c sio-auth -n "__fish_sio_auth_using_subcommand audit" -l algorithm -d 'keygrip\'s HMAC for --kind cookie-session (an app\'s `keys: new Keygrip(keys, \'ALGORITHM\')`). [default: sha1]' -r -f -a "sha1\t'HMAC-SHA1, keygrip\'s default'
sha256\t'HMAC-SHA256'
sha384\t'HMAC-SHA384'
sha512\t'HMAC-SHA512'"
complete -c sio-auth -n "__fish_sio_auth_using_subcommand audit" -l json -d 'Print one JSON object per solved cookie'
complete -c sio-auth -n "__fish_sio_auth_using_subcommand audit" -l hashcat -d 'Search nothing: print each cookie as a hashcat mode 1450 line (HMAC-SHA256, key = $pass), `hex(signature):sid`, for `hashcat -m 1450 -a 0 LINES WORDLIST`. --kind cookie-session: `hex(signature):NAME=value`, mode 150 for sha1, 1450 for sha256, 1750 for sha512 (none for sha384)'
complete -c sio-auth -n "__fish_sio_auth_using_subcommand audit" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sio-auth -n "__fish_sio_auth_using_subcommand audit" -s V -l version -d 'Print version'
complete -c sio-auth -n "__fish_sio_auth_using_subcommand connect" -l cookie -d 'Session cookie: a name=value pair, a whole Cookie header, or a bare value (named by --cookie-name)' -r
complete -c sio-auth -n "__fish_sio_auth_using_subcommand connect" -l cookie-file -d 'Read the cookie from a file (keeps it out of the process list)' -r -F
complete -c sio-auth -n "__fish_sio_auth_using_subcommand connect" -l cookie-name -d 'Name of the session cookie' -r
complete -c sio-auth -n "__fish_sio_auth_using_subcommand connect" -l namespace -d 'Namespace to connect to' -r
complete -c sio-auth -n "__fish_sio_auth_using_subcommand connect" -l event -d 'Event to print; repeatable; `*` prints every event' -r
complete -c sio-auth -n "__fish_sio_auth_using_subcommand connect" -l count -d 'Exit after this many printed events' -r
complete -c sio-auth -n "__fish_sio_auth_using_subcommand connect" -l timeout -d 'Give up when connecting, or waiting for the next event, takes longer (e.g. 10s, 500ms)' -r
complete -c sio-auth -n "__fish_sio_auth_using_subcommand connect" -l transport -d 'Transport to use' -r -f -a "websocket\t'WebSocket only'
polling\t'HTTP long-polling only'
auto\t'WebSocket first; if it fails for a transport reason (not a refusal), the official client\'s polling then upgrade'"
complete -c sio-auth -n "__fish_sio_auth_using_subcommand connect" -l header -d 'Extra request header, `Name: value`; repeatable' -r
complete -c sio-auth -n "__fish_sio_auth_using_subcommand connect" -l emit -d 'Once connected, emit EVENT with ARGS: a JSON array of arguments, or one JSON value as the only argument (none: no argument); repeatable, emitted in order. Without --count, exit 0 once every emit is sent and every ack asked for has come' -r
complete -c sio-auth -n "__fish_sio_auth_using_subcommand connect" -l auth -d 'The CONNECT packet\'s auth payload (socket.io-client\'s `auth` option): a JSON object' -r
complete -c sio-auth -n "__fish_sio_auth_using_subcommand connect" -l login -d 'First GET the URL\'s page and use the session cookie it sets, as a browser would'
complete -c sio-auth -n "__fish_sio_auth_using_subcommand connect" -l json -d 'Print one JSON object per event: event, args, received_at (epoch ms)'
complete -c sio-auth -n "__fish_sio_auth_using_subcommand connect" -l reconnect -d 'Reconnect with backoff when the server goes away (never after a refusal)'
complete -c sio-auth -n "__fish_sio_auth_using_subcommand connect" -l stdin -d 'Once connected, emit what stdin says, one line each, as the lines arrive (after the --emits): {"event":"NAME","args":[…],"ack":true|false} (args and ack optional; ack defaults to --ack). On a terminal, `NAME [JSON…]` works too (one JSON value per argument). Piped, a malformed line exits 2 (nothing after it is sent); typed, it is skipped. Without --count, exit 0 at the end of input once every ack asked for has come'
complete -c sio-auth -n "__fish_sio_auth_using_subcommand connect" -l ack -d 'Ask for an acknowledgement of every --emit and print each ack, in emit order (the emits do not wait for acks; plain: its arguments as a JSON array, binary ones as {"base64":"…"}; --json: {"ack":EVENT,"args":[…],"rtt_ms":…}); an ack not within --timeout (20s without it) exits 4'
complete -c sio-auth -n "__fish_sio_auth_using_subcommand connect" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sio-auth -n "__fish_sio_auth_using_subcommand connect" -s V -l version -d 'Print version'
complete -c sio-auth -n "__fish_sio_auth_using_subcommand revoke" -l store -d 'Session store shared with the server: `redis://HOST:PORT/DB`. A password in the URL is visible in the process list: prefer SIO_AUTH_STORE' -r
complete -c sio-auth -n "__fish_sio_auth_using_subcommand revoke" -l secret -d 'A secret; repeat to rotate: the first signs, every one verifies. A trailing line break is dropped, as in a secret file. Visible to other users in the process list: prefer --secret-file or SIO_AUTH_SECRET' -r
complete -c sio-auth -n "__fish_sio_auth_using_subcommand revoke" -l secret-file -d 'A file with one secret per line (the first signs, all verify; line breaks and blank lines are not part of any secret); `-` reads that from stdin. [env: SIO_AUTH_SECRET gives one secret, without its trailing line break, when neither option is used. Default: a secret file created on first use in $XDG_DATA_HOME/sio-auth/secret]' -r -F
complete -c sio-auth -n "__fish_sio_auth_using_subcommand revoke" -l cookie-name -d 'Name of the session cookie' -r
complete -c sio-auth -n "__fish_sio_auth_using_subcommand revoke" -s h -l help -d 'Print help'
complete -c sio-auth -n "__fish_sio_auth_using_subcommand revoke" -s V -l version -d 'Print version'
complete -c sio-auth -n "__fish_sio_auth_using_subcommand emit" -l to -d 'Which sockets: `session:SID` (every socket of that session, on every node) or `all`' -r
complete -c sio-auth -n "__fish_sio_auth_using_subcommand emit" -l namespace -d 'The namespace whose sockets get the event' -r
complete -c sio-auth -n "__fish_sio_auth_using_subcommand emit" -l cluster -d 'The cluster\'s name, as its nodes\' `serve --cluster=NAME`' -r
complete -c sio-auth -n "__fish_sio_auth_using_subcommand emit" -l store -d 'Session store of the cluster: `redis://HOST:PORT/DB`, as the nodes\' --store. A password in the URL is visible in the process list: prefer SIO_AUTH_STORE' -r
complete -c sio-auth -n "__fish_sio_auth_using_subcommand emit" -s h -l help -d 'Print help'
complete -c sio-auth -n "__fish_sio_auth_using_subcommand emit" -s V -l version -d 'Print version'
complete -c sio-auth -n "__fish_sio_auth_using_subcommand bench" -l clients -d 'Concurrent clients (cycle), sockets to hold (hold) or sockets that emit (--emit)' -r
complete -c sio-auth -n "__fish_sio_auth_using_subcommand bench" -l mode -d 'What each client does (--emit is a scenario of its own, without --mode)' -r -f -a "cycle\t'Connect, get authorized (or refused), disconnect, again, for --duration'
hold\t'Open --clients sockets, keep them for --duration, measure the tick delay'"
complete -c sio-auth -n "__fish_sio_auth_using_subcommand bench" -l duration -d 'How long to run the cycles, or to hold the sockets or emit once all are connected (e.g. 30s, 5m)' -r
complete -c sio-auth -n "__fish_sio_auth_using_subcommand bench" -l transport -d 'How clients connect (held sockets are always WebSockets)' -r -f -a "websocket\t'A WebSocket from the start'
default\t'The official client\'s default: a polling handshake, then an upgrade to WebSocket'"
complete -c sio-auth -n "__fish_sio_auth_using_subcommand bench" -l forged -d 'Share of connections (0 to 1) that send a forged cookie (cycle mode)' -r
complete -c sio-auth -n "__fish_sio_auth_using_subcommand bench" -l forged-kinds -d 'How forged cookies are forged, comma-separated; connections take the kinds in turn and the summary counts each kind\'s verdicts. `all`: every kind' -r -f -a "all\t'Every kind below, in turn'
wrong-secret\t'Signed with a random secret the server does not have'
base64url\t'The signature in base64url (`-_` for `+/`)'
padding\t'The signature with a raw `=` padding character'
padding-encoded\t'The signature with `=` padding percent-encoded (`%3D`)'
truncated\t'The signature without its last character'
empty-signature\t'Nothing after the dot'
garbage-before\t'Characters before the `s:` prefix'
garbage-after\t'Characters after the signature'
lower-case\t'The signature lower-cased'
double-encoded\t'The value percent-encoded twice (`s%253A…`)'
no-prefix\t'No `s:` prefix'
upper-case-prefix\t'An upper-case `S:` prefix'
other-sid\t'The signature of another session id'
empty-sid\t'A valid signature of the empty session id'
duplicate\t'Two cookies of the name, a forged one first, then a valid one (the first wins)'
control-character\t'A control character (NUL, LF, tab, DEL…) inside or after the signed value'
multibyte\t'A multibyte character at the signature\'s boundary (as 43 bytes, or at its ends)'"
complete -c sio-auth -n "__fish_sio_auth_using_subcommand bench" -l handshakes -d 'Stop after this many connections (cycle mode), or at --duration, whichever comes first' -r
complete -c sio-auth -n "__fish_sio_auth_using_subcommand bench" -l timeout -d 'How long each step may wait for the server: the TCP connect, the HTTP or WebSocket handshake, the namespace\'s verdict, the first event; with --emit, each ack. A step past it counts as a failed connection (a timeout; with --emit, an ack past it counts under `timeouts`), and a cycle or emit run ends at most this long after --duration (e.g. 500ms, 5s)' -r
complete -c sio-auth -n "__fish_sio_auth_using_subcommand bench" -l cookie -d 'Send this Cookie header instead of signing fresh cookies' -r
complete -c sio-auth -n "__fish_sio_auth_using_subcommand bench" -l store -d 'Session store shared with the server: `redis://HOST:PORT/DB`. A password in the URL is visible in the process list: prefer SIO_AUTH_STORE' -r
complete -c sio-auth -n "__fish_sio_auth_using_subcommand bench" -l secret -d 'A secret; repeat to rotate: the first signs, every one verifies. A trailing line break is dropped, as in a secret file. Visible to other users in the process list: prefer --secret-file or SIO_AUTH_SECRET' -r
complete -c sio-auth -n "__fish_sio_auth_using_subcommand bench" -l secret-file -d 'A file with one secret per line (the first signs, all verify; line breaks and blank lines are not part of any secret); `-` reads that from stdin. [env: SIO_AUTH_SECRET gives one secret, without its trailing line break, when neither option is used. Default: a secret file created on first use in $XDG_DATA_HOME/sio-auth/secret]' -r -F
complete -c sio-auth -n "__fish_sio_auth_using_subcommand bench" -l cookie-name -d 'Name of the session cookie' -r
complete -c sio-auth -n "__fish_sio_auth_using_subcommand bench" -l namespace -d 'Namespace to join' -r
complete -c sio-auth -n "__fish_sio_auth_using_subcommand bench" -l emit -d 'The emit scenario: each socket emits EVENT with ARGS and an ack id, for --duration (see Emit below). ARGS: a JSON array of arguments, or one JSON value as the only argument (none: no argument)' -r
complete -c sio-auth -n "__fish_sio_auth_using_subcommand bench" -l rate -d 'With --emit: emits per second per socket, on a fixed schedule (open loop); without it, each socket emits again as soon as its last ack returns (closed loop)' -r
complete -c sio-auth -n "__fish_sio_auth_using_subcommand bench" -l first-tick -d 'In cycle mode, also wait for the first event after being authorized'
complete -c sio-auth -n "__fish_sio_auth_using_subcommand bench" -l json -d 'Print the summary as one JSON object'
complete -c sio-auth -n "__fish_sio_auth_using_subcommand bench" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c sio-auth -n "__fish_sio_auth_using_subcommand bench" -s V -l version -d 'Print version'
complete -c sio-auth -n "__fish_sio_auth_using_subcommand completions" -s h -l help -d 'Print help'
complete -c sio-auth -n "__fish_sio_auth_using_subcommand completions" -s V -l version -d 'Print version'
complete -c sio-auth -n "__fish_sio_auth_using_subcommand help" -s h -l help -d 'Print help'
complete -c sio-auth -n "__fish_sio_auth_using_subcommand help" -s V -l version -d 'Print version'
complete -c sio-auth -n "__fish_sio_auth_using_subcommand man" -s h -l help -d 'Print help'
complete -c sio-auth -n "__fish_sio_auth_using_subcommand man" -s V -l version -d 'Print version'
complete -c sio-auth -n "__fish_sio_auth_using_subcommand completions" -f -a "bash elvish fish powershell zsh"
complete -c sio-auth -n "__fish_sio_auth_using_subcommand help" -f -a "serve sign verify audit connect revoke emit bench completions help"
complete -c sio-auth -n "__fish_sio_auth_using_subcommand man" -f -a "serve sign verify audit connect revoke emit bench completions help"
