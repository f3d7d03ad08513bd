//! Every command-line type of sio-auth, parsed once by clap.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{
    ArgMatches, Args, CommandFactory as _, FromArgMatches as _, Parser, Subcommand, ValueEnum,
};
use serde_json::Value;

pub(crate) use crate::serve::Requirement;
pub(crate) use crate::store::StoreUrl;
use crate::store::parse_store_url;

/// The whole table, in `sio-auth --help`; each subcommand's help lists the codes it can exit
/// with. The README has the same table (a test compares them).
const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  a negative answer: an invalid cookie, a connection refused by the server's authorization,
     wrong verdicts in a bench run (printed as `sio-auth: refused: …`, not as an error)
  2  usage error: bad arguments or configuration (e.g. a missing secret file, a weak secret
     for serve)
  3  network failure (connection refused, DNS, TLS, server went away, session store unreachable)
  4  timeout
  5  local I/O failure: stdout, stdin or a file could not be written or read (e.g. a full disk)
  6  the server ended our session (connect: the `session_ended` event)
A closed stdout (`| head`) ends sign, verify, connect and bench quietly with 0; serve fails
with 5 instead, without serving.";

const SIGN_EXIT_CODES: &str = "\
--kind cookie-session signs the session given as --data JSON (no SID, --count or --store): the
pair prints the Cookie header `session=<value>; session.sig=<signature>`, set-cookie the two
Set-Cookie lines cookie-session sends (its lower-case attributes; --max-age as expires), json
both with the session, value and signature; value and raw are refused (a pair has no one value).

Exit codes:
  0  the cookies were printed
  2  usage error, bad secret options
  3  the session store is unreachable (--store)
  5  stdout cannot be written (a closed stdout, `| head`, ends quietly with 0)";

const CONNECT_EXIT_CODES: &str = "\
Exit codes:
  0  --count events were printed; with --emit or --stdin and no --count, every emit was sent
     (--stdin: up to the end of input) and every ack asked for came; or Ctrl-C
  1  refused by the server's authorization (printed as `sio-auth: refused: REASON`), or
     --login got no session cookie
  2  usage error (with --stdin: a malformed line, named on stderr)
  3  network failure: cannot connect, the connection broke, the server disconnected us
  4  timeout (connecting, the next event, an --ack)
  5  stdout cannot be written (a closed stdout, `| head`, ends quietly with 0), or stdin
     cannot be read
  6  the server ended our session: it sent `session_ended` (a logout, a revocation, an expiry;
     sio-auth serve sends it), printed as `sio-auth: the server ended the session: REASON`";

const SERVE_AFTER_HELP: &str = "\
Sessions:
  GET / creates a session in the store and sets its cookie (unless the request has a live one);
  POST /logout destroys it and clears the cookie. When a session ends (logout, `sio-auth revoke`,
  a Node app's req.session.destroy() on the shared Redis, expiry), its sockets get the event
  `session_ended` with the reason and are disconnected within a second. When a session is
  written in the store (a Node app changing req.session, e.g. demoting a user), the rules of
  each of its sockets' namespaces are checked again: a socket whose session no longer meets
  them gets `session_ended` with `Requirement not met: RULE.` and is disconnected within a
  second, while its sockets on the namespaces it still may use stay. Every node of several on
  one Redis does both for its own sockets.

Exit codes:
  0  shut down cleanly (Ctrl-C, SIGTERM)
  2  usage error: bad arguments or configuration (an unreadable secret file, a weak secret, a
     secret file that group or others can read)
  3  cannot listen on the address (e.g. the port is taken)
  5  the `listening on` line cannot be written to stdout (e.g. stdout is closed): it does not
     serve";

/// Express-style signed session cookies, and Socket.IO connections authorized by them.
///
/// Byte-compatible with Node's cookie-signature and express-session, and wire-compatible with
/// socket.io v4: sio-auth can stand in for either side of that stack, or test it.
#[derive(Debug, Parser)]
#[command(
    name = "sio-auth",
    version,
    after_help = EXIT_CODES,
    propagate_version = true,
    disable_help_subcommand = true
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Run the authorized tick server: the page at / issues the session cookie, Socket.IO on the
    /// same port accepts only handshakes that carry it.
    Serve(ServeArgs),
    /// Mint a signed session cookie (express.sid=s%3A<sid>.<signature>), or cookie-session's
    /// pair of cookies for a session (--kind cookie-session).
    Sign(SignArgs),
    /// Check signed session cookies; prints the session id of each valid one (--kind
    /// cookie-session: the session's JSON).
    Verify(VerifyArgs),
    /// Find the weak secret behind signed session cookies: the built-in list of published
    /// secrets, then wordlists.
    Audit(AuditArgs),
    /// Connect to a Socket.IO server with a session cookie and print the events it sends.
    Connect(ConnectArgs),
    /// Destroy sessions in the store; their live sockets are disconnected within a second.
    Revoke(RevokeArgs),
    /// Send an event to the sockets of a session, or to every socket, on every `serve
    /// --cluster` node sharing the store.
    Emit(EmitArgs),
    /// Load-test a Socket.IO server: authorized handshakes per second, many idle sockets, or
    /// emits and their ack round trips.
    Bench(BenchArgs),
    /// Print a shell completion script.
    Completions(CompletionsArgs),
    /// Print the help of sio-auth or of one of its commands (as --help does).
    Help(HelpArgs),
    /// Print the man page (roff) of sio-auth or of one of its commands.
    #[command(hide = true)]
    Man(ManArgs),
}

/// The commands `help` and `man` know, as they are spelled on the command line.
pub(crate) const COMMANDS: &[&str] = &[
    "serve",
    "sign",
    "verify",
    "audit",
    "connect",
    "revoke",
    "emit",
    "bench",
    "completions",
    "help",
];

#[derive(Debug, Args)]
pub(crate) struct HelpArgs {
    /// The command whose help to print; none prints sio-auth's own.
    #[arg(value_name = "COMMAND", value_parser = clap::builder::PossibleValuesParser::new(COMMANDS))]
    pub(crate) command: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct ManArgs {
    /// The command whose page to print (sio-auth-COMMAND(1)); none prints sio-auth(1).
    #[arg(value_name = "COMMAND", value_parser = clap::builder::PossibleValuesParser::new(COMMANDS))]
    pub(crate) command: Option<String>,
}

/// A command-line value that is a credential (a secret, a cookie, a header value): its `Debug`
/// never shows it, so neither does a `{:?}` of the parsed arguments.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Redacted(String);

impl Redacted {
    /// The value itself, for the code that must use it.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for Redacted {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl std::fmt::Debug for Redacted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("(redacted)")
    }
}

/// Where the secrets come from; shared by every command that signs or verifies.
///
/// A secret is one line of text from every source: a trailing line break (`\n` or `\r\n`) is
/// not part of it, whether it comes from --secret, SIO_AUTH_SECRET, a secret file or stdin, and a
/// line break anywhere else is an error (in a file, it separates two secrets).
#[derive(Debug, Clone, Args)]
pub(crate) struct SecretArgs {
    /// A secret; repeat to rotate: the first signs, every one verifies. A trailing line break is
    /// dropped, as in a secret file. Visible to other users in the process list: prefer
    /// --secret-file or SIO_AUTH_SECRET.
    #[arg(long = "secret", value_name = "SECRET")]
    pub(crate) secrets: Vec<Redacted>,

    /// A file with one secret per line (the first signs, all verify; line breaks and blank lines
    /// are not part of any secret); `-` reads that from stdin. [env: SIO_AUTH_SECRET gives one
    /// secret, without its trailing line break, when neither option is used. Default: a secret
    /// file created on first use in $XDG_DATA_HOME/sio-auth/secret]
    #[arg(long, value_name = "PATH")]
    pub(crate) secret_file: Option<PathBuf>,
}

/// The cookie's name; shared by every command.
#[derive(Debug, Clone, Args)]
pub(crate) struct CookieNameArg {
    /// Name of the session cookie.
    #[arg(long, value_name = "NAME", default_value = sio_auth::cookie::DEFAULT_COOKIE_NAME, value_parser = parse_cookie_name)]
    pub(crate) cookie_name: String,
}

/// Which Express session middleware's cookie `sign`, `verify` and `audit` work on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum SessionKind {
    /// `express.sid=s%3A<sid>.<signature>`, the session id signed with HMAC-SHA256
    /// (cookie-signature); the session itself lives in a store.
    ExpressSession,
    /// The whole session in the cookie, `session=<base64 of its JSON>`, plus
    /// `session.sig=<keygrip signature of session=<value>>`.
    CookieSession,
}

/// keygrip's HMAC hash functions (`--kind cookie-session`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum AlgorithmArg {
    /// HMAC-SHA1, keygrip's default.
    Sha1,
    /// HMAC-SHA256.
    Sha256,
    /// HMAC-SHA384.
    Sha384,
    /// HMAC-SHA512.
    Sha512,
}

/// The cookie's kind, name and (for cookie-session) signing algorithm; shared by `sign`,
/// `verify` and `audit`, and resolved into a [`crate::kind::Kind`].
#[derive(Debug, Clone, Args)]
pub(crate) struct KindArgs {
    /// Which session cookie: express-session's signed session id, or cookie-session's pair of
    /// cookies holding the whole session.
    #[arg(long, value_enum, value_name = "KIND", default_value_t = SessionKind::ExpressSession)]
    pub(crate) kind: SessionKind,

    /// Name of the session cookie (cookie-session's signature cookie is NAME.sig). [default:
    /// express.sid; session for --kind cookie-session, as cookie-session 2 names it]
    #[arg(long, value_name = "NAME", value_parser = parse_any_cookie_name)]
    pub(crate) cookie_name: Option<String>,

    /// keygrip's HMAC for --kind cookie-session (an app's `keys: new Keygrip(keys,
    /// 'ALGORITHM')`). [default: sha1]
    #[arg(long, value_enum, value_name = "ALGORITHM")]
    pub(crate) algorithm: Option<AlgorithmArg>,
}

#[derive(Debug, Clone, Args)]
#[command(after_help = SERVE_AFTER_HELP)]
pub(crate) struct ServeArgs {
    /// Address to listen on, IP:PORT (0.0.0.0:3000 for every interface); port 0 picks a free
    /// port. The bound address is printed as `listening on http://ADDR`.
    #[arg(long, value_name = "IP:PORT", default_value = "127.0.0.1:3000", value_parser = parse_listen)]
    pub(crate) listen: SocketAddr,

    #[command(flatten)]
    pub(crate) secrets: SecretArgs,

    /// Start even with a weak secret, which serve otherwise refuses (sign and verify only warn):
    /// a well-known example secret (`keyboard cat`), one shorter than 32 bytes, one piece
    /// repeated (`aaaa…`), or one whose estimated entropy is below 80 bits (few distinct
    /// characters, runs, repeats). A secret file that group or others can read or change is
    /// refused all the same (`chmod 600` it).
    #[arg(long)]
    pub(crate) allow_weak_secret: bool,

    #[command(flatten)]
    pub(crate) cookie: CookieNameArg,

    /// Time between a socket's ticks, counted from its connection (e.g. 250ms, 2s).
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = parse_interval)]
    pub(crate) interval: Duration,

    /// Name of the tick event.
    #[arg(long, value_name = "NAME", default_value = "data", value_parser = parse_tick_event)]
    pub(crate) event: String,

    /// How long a client may take from the Engine.IO handshake to joining a namespace; a
    /// refused client's session is closed after it, unless the client closes it first (its
    /// memory is then freed at once). E.g. 500ms, 3s.
    #[arg(long, value_name = "DURATION", default_value = "3s", value_parser = parse_connect_timeout)]
    pub(crate) connect_timeout: Duration,

    /// How often the server pings each socket (Engine.IO's pingInterval, told to clients in
    /// the open packet), e.g. 25s.
    #[arg(long, value_name = "DURATION", default_value = "25s", value_parser = parse_ping)]
    pub(crate) ping_interval: Duration,

    /// How long a socket has to answer a ping (pingTimeout), and how long its writes may stay
    /// blocked (a client that does not read what it is sent) before it is disconnected, e.g. 20s.
    #[arg(long, value_name = "DURATION", default_value = "20s", value_parser = parse_ping)]
    pub(crate) ping_timeout: Duration,

    /// Session store: `memory` (inside this process, bounded) or `redis://HOST:PORT/DB`
    /// (connect-redis's format, shared with Node apps). A password in the URL
    /// (`redis://:PASSWORD@HOST`) is visible in the process list: prefer SIO_AUTH_STORE.
    #[arg(long, value_name = "URL", default_value = "memory", env = "SIO_AUTH_STORE", hide_env_values = true, value_parser = StoreUrlParser { shared: false })]
    pub(crate) store: StoreUrl,

    /// Accept a handshake only when its signed sid names a live session in the store
    /// (refused with `Session not found.`, `Session expired.` or `Session store unavailable.`).
    #[arg(long)]
    pub(crate) require_session: bool,

    /// Lifetime of the sessions GET / creates (e.g. 90m, 7d); without it the cookie is
    /// a browser-session cookie and the store keeps the session for a day.
    #[arg(long, value_name = "DURATION", value_parser = parse_max_age)]
    pub(crate) max_age: Option<Duration>,

    /// Keep a session alive while it has a socket here, as express-session's `rolling` does on
    /// every request: its `cookie.expires` moves to now plus its `originalMaxAge`, and the Redis
    /// TTL with it (a Node app on the same Redis sees the new expiry), at most once per
    /// --touch-every, never over a write made meanwhile. A session without a socket expires as
    /// before. A browser-session cookie's session (no expiry) keeps its JSON and gets the day
    /// connect-redis's touch gives it. A socket sends no Set-Cookie: GET / on a live session
    /// rolls it too and sends its cookie again with the new Expires, as express-session does.
    #[arg(long)]
    pub(crate) rolling: bool,

    /// How often --rolling refreshes a session at most (e.g. 30s, 5m); not 0, not longer than
    /// --max-age. [default: a tenth of --max-age; 1m without --max-age, for sessions a Node app
    /// made with a lifetime of its own]
    #[arg(long, value_name = "DURATION", requires = "rolling", value_parser = parse_touch_every)]
    pub(crate) touch_every: Option<Duration>,

    /// Serve another namespace (repeatable). It gets the cookie rule of `/` plus its own
    /// `--require` rules, which follow it on the command line.
    #[arg(long = "namespace", value_name = "NS", value_parser = parse_namespace)]
    pub(crate) namespace_names: Vec<String>,

    /// A rule of the preceding --namespace: the session's value at the JSON pointer must equal
    /// VALUE (JSON, or else a string), e.g. `/user/role=admin`. Implies a live session.
    #[arg(long = "require", value_name = "POINTER=VALUE", value_parser = parse_requirement)]
    pub(crate) requirements: Vec<Requirement>,

    /// The namespaces with their rules, gathered from --namespace and --require by [`parse`].
    #[arg(skip)]
    pub(crate) namespaces: Vec<NamespaceRules>,

    /// How many connections to hold at once; past it a new connection gets `503 Too many
    /// connections.` at once while the sockets already open keep ticking. Default: the
    /// open-file limit (raised to its hard limit at start) less 64 descriptors for the rest.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) max_connections: Option<u64>,

    /// A page origin allowed to open sockets besides the server's own (repeatable), e.g.
    /// https://app.example.com. Handshakes whose Origin header is neither are refused with
    /// `Origin not allowed.`; handshakes without Origin (non-browser clients) pass.
    #[arg(long = "allowed-origin", value_name = "URL", value_parser = parse_origin)]
    pub(crate) allowed_origins: Vec<String>,

    /// Run as one node of the cluster NAME [default: sio-auth]: the nodes share the --store
    /// Redis through socketioxide's Redis adapter (its channels named NAME-…), every
    /// authorized socket joins the room `session:<sid>`, and `sio-auth emit` reaches sockets
    /// on every node. Ticks stay local. Not compatible with Node's @socket.io/redis-adapter:
    /// never give a Node server's prefix (`socket.io`).
    #[arg(long, value_name = "NAME", num_args = 0..=1, require_equals = true, default_missing_value = DEFAULT_CLUSTER, value_parser = parse_cluster_name)]
    pub(crate) cluster: Option<String>,
}

impl ServeArgs {
    /// --touch-every, or its default.
    pub(crate) fn touch_every(&self) -> Duration {
        self.touch_every
            .unwrap_or_else(|| self.max_age.map_or(ROLL_WITHOUT_MAX_AGE, |age| age / 10))
            .max(Duration::from_millis(1))
    }
}

/// --touch-every's default without --max-age.
const ROLL_WITHOUT_MAX_AGE: Duration = Duration::from_secs(60);

/// One `--namespace` and the `--require` rules that follow it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NamespaceRules {
    pub(crate) path: String,
    pub(crate) requires: Vec<Requirement>,
}

/// The store option of the one-shot commands, which need a store shared with a server.
#[derive(Debug, Clone, Args)]
pub(crate) struct SharedStoreArg {
    /// Session store shared with the server: `redis://HOST:PORT/DB`. A password in the URL is
    /// visible in the process list: prefer SIO_AUTH_STORE.
    #[arg(long, value_name = "URL", env = "SIO_AUTH_STORE", hide_env_values = true, value_parser = StoreUrlParser { shared: true })]
    pub(crate) store: Option<StoreUrl>,
}

/// How `sign` prints the cookie.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum SignFormat {
    /// `name=value`, ready for a Cookie header.
    Pair,
    /// The percent-encoded value alone.
    Value,
    /// The signed value before percent-encoding: `s:<sid>.<signature>`.
    Raw,
    /// The whole Set-Cookie header value, with attributes.
    SetCookie,
    /// One JSON object with all of the above and the sid.
    Json,
}

/// The `SameSite` cookie attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum SameSiteArg {
    Strict,
    Lax,
    None,
}

#[derive(Debug, Args)]
#[command(after_help = SIGN_EXIT_CODES)]
pub(crate) struct SignArgs {
    /// Session id to sign, any text express-session accepts (it is percent-encoded; only
    /// `--format raw` refuses a line break); a new random one (like express-session's) when
    /// omitted. A sid may start with `-`: put it after `--`.
    #[arg(value_name = "SID")]
    pub(crate) sid: Option<String>,

    /// What to print.
    #[arg(long, value_enum, default_value_t = SignFormat::Pair)]
    pub(crate) format: SignFormat,

    /// Mint this many cookies, one per line, each for a new random sid.
    #[arg(long, value_name = "N", conflicts_with = "sid", value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) count: Option<u64>,

    #[command(flatten)]
    pub(crate) secrets: SecretArgs,

    #[command(flatten)]
    pub(crate) kind: KindArgs,

    #[command(flatten)]
    pub(crate) attributes: CookieAttributes,

    #[command(flatten)]
    pub(crate) store: SharedStoreArg,

    /// The session's data, a JSON object (e.g. '{"user":{"role":"admin"}}'). express-session:
    /// stored with --store, the cookie metadata added as express-session writes it (--max-age
    /// sets its expiry); --kind cookie-session: the session the cookie carries (required).
    #[arg(long, value_name = "JSON", value_parser = parse_data)]
    pub(crate) data: Option<serde_json::Map<String, Value>>,
}

/// Attributes of the Set-Cookie header (`sign --format set-cookie|json`).
#[derive(Debug, Clone, Args)]
pub(crate) struct CookieAttributes {
    /// Lifetime of the cookie (e.g. 90m, 7d): an Expires attribute, as express-session
    /// writes it (no Max-Age).
    #[arg(long, value_name = "DURATION", value_parser = parse_max_age)]
    pub(crate) max_age: Option<Duration>,

    /// Domain attribute.
    #[arg(long, value_name = "DOMAIN")]
    pub(crate) domain: Option<String>,

    /// Path attribute.
    #[arg(long, value_name = "PATH", default_value = "/")]
    pub(crate) path: String,

    /// SameSite attribute.
    #[arg(long, value_enum, value_name = "POLICY")]
    pub(crate) same_site: Option<SameSiteArg>,

    /// Add the Secure attribute.
    #[arg(long)]
    pub(crate) secure: bool,

    /// Leave out the HttpOnly attribute.
    #[arg(long)]
    pub(crate) no_http_only: bool,
}

#[derive(Debug, Args)]
#[command(after_help = "\
Each COOKIE may be a whole Cookie header, a name=value pair, a percent-encoded value or a raw
s:<sid>.<signature> value. Valid cookies print their session id on stdout; invalid ones print
the reason on stderr.

--kind cookie-session: each COOKIE is a Cookie header (with or without `Cookie:`) holding both
NAME=<value> and NAME.sig=<signature>, read as cookie-session reads them; a valid pair prints
its session's JSON on one line. Reasons: no cookie named NAME, no signature, malformed signature
(e.g. cut short), bad signature (tampered, or no key of the list signed it), empty session
cookie, not base64, not base64 of JSON, JSON but not an object.

With --store, a valid cookie must also name a live session: `session not found` and
`session expired` are invalid answers.

Exit codes:
  0  every cookie is valid
  1  at least one cookie is invalid
  2  usage error, an unreadable secret file
  3  the store is unreachable
  5  stdin cannot be read or stdout written (a closed stdout, `| head`, ends quietly with 0)")]
pub(crate) struct VerifyArgs {
    /// Cookies to check; with none, or `-`, one per line is read from standard input.
    #[arg(value_name = "COOKIE")]
    pub(crate) cookies: Vec<Redacted>,

    /// Print one JSON object per input on stdout: valid, sid, secret_index, reason (and
    /// session with --show); --kind cookie-session: valid, session, key_index, reason.
    #[arg(long)]
    pub(crate) json: bool,

    #[command(flatten)]
    pub(crate) store: SharedStoreArg,

    /// With --store: print each live session's data (its JSON) instead of its sid.
    #[arg(long, requires = "store")]
    pub(crate) show: bool,

    #[command(flatten)]
    pub(crate) secrets: SecretArgs,

    #[command(flatten)]
    pub(crate) kind: KindArgs,
}

#[derive(Debug, Args)]
#[command(after_help = "\
Each COOKIE is read as verify reads it: a whole Cookie header, a name=value pair, a
percent-encoded or raw s:<sid>.<signature> value. Every candidate secret is keyed once and
tried on every cookie not yet solved; the search stops when all are.

--kind cookie-session: each COOKIE is a Cookie header holding NAME=<value> and
NAME.sig=<signature>, as verify reads it; the candidates are keygrip keys for --algorithm
(sha1 by default), and --json gives the pair's \"session\" (null when it does not decode) in
place of \"sid\".

Candidates: the built-in list first (secrets published in framework docs, generators and
tutorials, with their common spellings), then each --wordlist line by line, streamed: a line
break (\\n or \\r\\n) is not part of a candidate, empty lines are skipped, lines that are not
UTF-8 are tried as their bytes (and counted), lines over 1 MiB are skipped (and counted).

stdout: the secret of each solved cookie, one a line, as they are found; --json: one object a
line, {\"input\":N,\"sid\":…,\"secret\":…,\"tried\":…,\"source\":\"builtin\"|\"FILE:LINE\"} (input:
the cookie's position among the inputs; tried: the candidate's position in the search, every
wordlist line counted; secret_hex is added for a secret that is not UTF-8). stderr: which input
was solved from where (never the secret), a progress bar when stderr is a terminal, and a
one-line summary.

Exit codes:
  0  the secret of every cookie was found
  1  the secret of at least one cookie was not found
  2  usage error: no cookie, an input that is not a signed cookie, a wordlist that cannot be
     opened
  5  a wordlist or stdin cannot be read, or stdout written (a closed stdout, `| head`, ends
     quietly with 0)")]
pub(crate) struct AuditArgs {
    /// Cookies to audit; with none, or `-`, one per line is read from standard input.
    #[arg(value_name = "COOKIE")]
    pub(crate) cookies: Vec<Redacted>,

    /// A file of candidate secrets, one per line, tried after the built-in list; repeat for
    /// several (tried in order); `-` reads one from stdin.
    #[arg(long = "wordlist", value_name = "FILE")]
    pub(crate) wordlists: Vec<PathBuf>,

    /// Threads searching the wordlists. [default: one per core]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub(crate) threads: Option<u16>,

    /// Print one JSON object per solved cookie.
    #[arg(long)]
    pub(crate) json: bool,

    /// Search nothing: print each cookie as a hashcat mode 1450 line (HMAC-SHA256, key =
    /// $pass), `hex(signature):sid`, for `hashcat -m 1450 -a 0 LINES WORDLIST`. --kind
    /// cookie-session: `hex(signature):NAME=value`, mode 150 for sha1, 1450 for sha256, 1750
    /// for sha512 (none for sha384).
    #[arg(long, conflicts_with_all = ["wordlists", "threads", "json"])]
    pub(crate) hashcat: bool,

    #[command(flatten)]
    pub(crate) kind: KindArgs,
}

/// Socket.IO transports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Transport {
    /// WebSocket only.
    Websocket,
    /// HTTP long-polling only.
    Polling,
    /// WebSocket first; if it fails for a transport reason (not a refusal), the official
    /// client's polling then upgrade.
    Auto,
}

#[derive(Debug, Args)]
#[command(after_help = CONNECT_EXIT_CODES)]
#[command(group = clap::ArgGroup::new("emits").args(["emit", "stdin"]).multiple(true))]
pub(crate) struct ConnectArgs {
    /// Server URL.
    #[arg(value_name = "URL", default_value = "http://127.0.0.1:3000", value_parser = parse_http_url)]
    pub(crate) url: url::Url,

    /// Session cookie: a name=value pair, a whole Cookie header, or a bare value (named by
    /// --cookie-name).
    #[arg(long, value_name = "COOKIE", conflicts_with_all = ["cookie_file", "login"])]
    pub(crate) cookie: Option<Redacted>,

    /// Read the cookie from a file (keeps it out of the process list).
    #[arg(long, value_name = "PATH", conflicts_with = "login")]
    pub(crate) cookie_file: Option<PathBuf>,

    /// First GET the URL's page and use the session cookie it sets, as a browser would.
    #[arg(long)]
    pub(crate) login: bool,

    #[command(flatten)]
    pub(crate) cookie_name: CookieNameArg,

    /// Namespace to connect to.
    #[arg(long, value_name = "NS", default_value = "/", value_parser = parse_namespace)]
    pub(crate) namespace: String,

    /// Event to print; repeatable; `*` prints every event.
    #[arg(long = "event", value_name = "NAME", default_value = "data")]
    pub(crate) events: Vec<String>,

    /// Exit after this many printed events.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) count: Option<u64>,

    /// Give up when connecting, or waiting for the next event, takes longer (e.g. 10s, 500ms).
    #[arg(long, value_name = "DURATION", value_parser = parse_timeout)]
    pub(crate) timeout: Option<Duration>,

    /// Transport to use.
    #[arg(long, value_enum, default_value_t = Transport::Auto)]
    pub(crate) transport: Transport,

    /// Extra request header, `Name: value`; repeatable.
    #[arg(long = "header", value_name = "NAME: VALUE", value_parser = parse_header_arg)]
    pub(crate) headers: Vec<(String, Redacted)>,

    /// Print one JSON object per event: event, args, received_at (epoch ms).
    #[arg(long)]
    pub(crate) json: bool,

    /// Reconnect with backoff when the server goes away (never after a refusal).
    #[arg(long)]
    pub(crate) reconnect: bool,

    /// Once connected, emit EVENT with ARGS: a JSON array of arguments, or one JSON value as the
    /// only argument (none: no argument); repeatable, emitted in order. Without --count, exit 0
    /// once every emit is sent and every ack asked for has come.
    #[arg(long = "emit", id = "emit", value_names = ["EVENT", "ARGS"], num_args = 1..=2, action = clap::ArgAction::Append)]
    pub(crate) emit_values: Vec<String>,

    /// The `--emit`s, each its EVENT and maybe ARGS: filled by [`parse`] from the occurrences
    /// (clap's derive cannot group them).
    #[arg(skip)]
    pub(crate) emits: Vec<Vec<String>>,

    /// Once connected, emit what stdin says, one line each, as the lines arrive (after the
    /// --emits): {"event":"NAME","args":[…],"ack":true|false} (args and ack optional; ack
    /// defaults to --ack). On a terminal, `NAME [JSON…]` works too (one JSON value per
    /// argument). Piped, a malformed line exits 2 (nothing after it is sent); typed, it is
    /// skipped. Without --count, exit 0 at the end of input once every ack asked for has come.
    #[arg(long)]
    pub(crate) stdin: bool,

    /// Ask for an acknowledgement of every --emit and print each ack, in emit order (the emits
    /// do not wait for acks; plain: its arguments as a JSON array, binary ones as
    /// {"base64":"…"}; --json: {"ack":EVENT,"args":[…],"rtt_ms":…}); an ack not within
    /// --timeout (20s without it) exits 4.
    #[arg(long, requires = "emits")]
    pub(crate) ack: bool,

    /// The CONNECT packet's auth payload (socket.io-client's `auth` option): a JSON object.
    #[arg(long, value_name = "JSON")]
    pub(crate) auth: Option<Redacted>,
}

#[derive(Debug, Args)]
#[command(after_help = "\
Each argument is a cookie (a name=value pair, a percent-encoded or raw s:<sid>.<signature>
value; its signature is checked) or a bare session id. Each destroyed session prints its sid.
Session ids may start with `-`: put them after `--` (`sio-auth revoke --store URL -- SID`).

Exit codes:
  0  every session was destroyed
  1  a cookie is invalid or names no session
  2  usage error
  3  the store is unreachable
  5  stdout cannot be written")]
pub(crate) struct RevokeArgs {
    /// Cookies or session ids to revoke.
    #[arg(value_name = "COOKIE|SID", required = true)]
    pub(crate) targets: Vec<Redacted>,

    /// Session store shared with the server: `redis://HOST:PORT/DB`. A password in the URL is
    /// visible in the process list: prefer SIO_AUTH_STORE.
    #[arg(long, value_name = "URL", env = "SIO_AUTH_STORE", hide_env_values = true, value_parser = StoreUrlParser { shared: true }, required = true)]
    pub(crate) store: StoreUrl,

    #[command(flatten)]
    pub(crate) secrets: SecretArgs,

    #[command(flatten)]
    pub(crate) cookie: CookieNameArg,
}

#[derive(Debug, Args)]
#[command(after_help = "\
Joins the cluster of `sio-auth serve --cluster` nodes on the store's Redis for as long as it takes
to publish the event once; each node delivers it to its own sockets in the room. Nothing is
printed on stdout; stderr says how many nodes were listening.

Exit codes:
  0  the event was published
  2  usage error
  3  the store is unreachable")]
pub(crate) struct EmitArgs {
    /// The event's name (not one Socket.IO reserves, such as `connect` or `disconnect`).
    #[arg(value_name = "EVENT", value_parser = parse_emit_event)]
    pub(crate) event: String,

    /// The event's arguments: a JSON array of arguments, or one JSON value for a single
    /// argument (a string is quoted: '"text"'); none means no argument.
    #[arg(value_name = "ARGS")]
    pub(crate) args: Option<String>,

    /// Which sockets: `session:SID` (every socket of that session, on every node) or `all`.
    #[arg(long, value_name = "session:SID|all", value_parser = parse_emit_target)]
    pub(crate) to: EmitTarget,

    /// The namespace whose sockets get the event.
    #[arg(long, value_name = "NS", default_value = "/", value_parser = parse_cluster_namespace)]
    pub(crate) namespace: String,

    /// The cluster's name, as its nodes' `serve --cluster=NAME`.
    #[arg(long, value_name = "NAME", default_value = DEFAULT_CLUSTER, value_parser = parse_cluster_name)]
    pub(crate) cluster: String,

    /// Session store of the cluster: `redis://HOST:PORT/DB`, as the nodes' --store. A
    /// password in the URL is visible in the process list: prefer SIO_AUTH_STORE.
    #[arg(long, value_name = "URL", env = "SIO_AUTH_STORE", hide_env_values = true, value_parser = StoreUrlParser { shared: true }, required = true)]
    pub(crate) store: StoreUrl,
}

/// `emit --to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum EmitTarget {
    /// The sockets of one session: the room `session:SID`.
    Session(String),
    /// Every socket of the namespace.
    All,
}

fn parse_emit_target(text: &str) -> Result<EmitTarget, String> {
    if text == "all" {
        return Ok(EmitTarget::All);
    }
    match text.strip_prefix("session:") {
        Some(sid) if !sid.is_empty() && !sid.chars().any(char::is_control) => {
            Ok(EmitTarget::Session(sid.to_owned()))
        }
        Some(_) => Err("session:SID needs a session id after `session:`".to_owned()),
        // A cookie where its sid was meant: the sid is what `verify` prints.
        None if text.contains('=') || text.starts_with("s:") || text.starts_with("s%3A") => Err(
            "expected session:SID or all, not a cookie; `sio-auth verify` prints a cookie's sid"
                .to_owned(),
        ),
        None => Err("expected session:SID or all".to_owned()),
    }
}

fn parse_emit_event(name: &str) -> Result<String, String> {
    let name = parse_event_name(name)?;
    if RESERVED_EVENTS.contains(&name.as_str()) {
        Err(format!(
            "{name:?} is reserved by Socket.IO; clients never get it as an event"
        ))
    } else {
        Ok(name)
    }
}

/// The name of `serve --cluster` and `emit --cluster` when none is given.
const DEFAULT_CLUSTER: &str = "sio-auth";

/// A cluster's name, the prefix of its Redis channels (`NAME-request#NS#`).
fn parse_cluster_name(name: &str) -> Result<String, String> {
    if name.is_empty()
        || name.len() > 64
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
    {
        Err("a cluster name is 1 to 64 letters, digits, '-', '_', '.' or ':'".to_owned())
    } else if name == "socket.io" {
        Err(
            "`socket.io` is the prefix of Node's redis adapter, whose messages sio-auth's \
             nodes cannot read: pick another name"
                .to_owned(),
        )
    } else {
        Ok(name.to_owned())
    }
}

/// A namespace a cluster can carry ([`crate::serve::cluster::unfit_namespace`]).
fn parse_cluster_namespace(ns: &str) -> Result<String, String> {
    let ns = parse_namespace(ns)?;
    match crate::serve::cluster::unfit_namespace(&ns) {
        Some(why) => Err(why.to_owned()),
        None => Ok(ns),
    }
}

/// What each `bench` client does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum BenchMode {
    /// Connect, get authorized (or refused), disconnect, again, for --duration.
    Cycle,
    /// Open --clients sockets, keep them for --duration, measure the tick delay.
    Hold,
}

/// How a `bench` connection forges its cookie (`--forged-kinds`): the ways a cookie can be
/// wrong that Node's express-session refuses (see WIRE.md), each a transformation of a cookie
/// validly signed with the secret options, except `wrong-secret`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ValueEnum)]
pub(crate) enum ForgeryKind {
    /// Every kind below, in turn.
    All,
    /// Signed with a random secret the server does not have.
    WrongSecret,
    /// The signature in base64url (`-_` for `+/`).
    Base64url,
    /// The signature with a raw `=` padding character.
    Padding,
    /// The signature with `=` padding percent-encoded (`%3D`).
    PaddingEncoded,
    /// The signature without its last character.
    Truncated,
    /// Nothing after the dot.
    EmptySignature,
    /// Characters before the `s:` prefix.
    GarbageBefore,
    /// Characters after the signature.
    GarbageAfter,
    /// The signature lower-cased.
    LowerCase,
    /// The value percent-encoded twice (`s%253A…`).
    DoubleEncoded,
    /// No `s:` prefix.
    NoPrefix,
    /// An upper-case `S:` prefix.
    UpperCasePrefix,
    /// The signature of another session id.
    OtherSid,
    /// A valid signature of the empty session id.
    EmptySid,
    /// Two cookies of the name, a forged one first, then a valid one (the first wins).
    Duplicate,
    /// A control character (NUL, LF, tab, DEL…) inside or after the signed value.
    ControlCharacter,
    /// A multibyte character at the signature's boundary (as 43 bytes, or at its ends).
    Multibyte,
}

/// How `bench` clients connect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum BenchTransport {
    /// A WebSocket from the start.
    Websocket,
    /// The official client's default: a polling handshake, then an upgrade to WebSocket.
    Default,
}

#[derive(Debug, Args)]
#[command(after_help = "\
Cookies: each connection sends a fresh cookie signed with the secret options (a new random
session id each), or --cookie for all of them. --forged mixes in a share of connections with
forged cookies and counts any that are accepted; --forged-kinds says how they are forged (`all`:
every way Node's express-session refuses, in turn), and the summary's `forged_kinds` counts
each kind's verdicts. With --store, a session is created in that
store for every signed cookie before the run, for servers that require one (sio-auth serve
--require-session, an Express app on connect-redis).

Emit (--emit EVENT [ARGS]): --clients sockets connect (authorized by the cookies as above) and,
once all are in, each emits EVENT with an ack id for --duration: the next emit as soon as the
ack of the last returns (closed loop), or with --rate R, R emits a second per socket on a fixed
schedule (open loop) whatever the acks do. The round trip runs from the moment the emit was due
(open loop: its slot in the schedule, so a send the load generator made late counts its delay,
not hiding it: no coordinated omission; closed loop: when it was sent) to the ack's arrival.
The summary gives acks/s and the round trip's p50/p90/p99/p99.9/max (an HDR histogram, 3
significant digits), in the open loop `send_lag_*` (how long after their slots the emits went
out: tokio's timer has a 1 ms grain, so about 1 ms of every open-loop round trip is the load
generator's) and `late_sends` (sent over 2 ms after their slot), `timeouts` (an ack not back
within --timeout) and `errors` (sockets that failed or broke). A run with timeouts or errors
exits non-zero after its summary. `sio-auth serve` and the Node reference
(tests/node/io-server.js) answer the event `echo` with its own arguments.

Output: one summary on stdout, an aligned table (--json: one JSON object); progress on stderr:
on a terminal, from 2s into a run, a live line (the rate of handshakes, acks or events over the
last 500ms, the p99 so far in cycle and emit runs, errors, elapsed; while sockets connect, how
many are in) redrawn every 500ms and cleared at the end; nothing when stderr is not a terminal.
In hold mode, `sio-auth bench: holding N sockets` is printed on stderr once all of them are
connected.

Failures: a connection that fails (refused, reset, malformed answer, a step past --timeout,
out of file descriptors) is counted under `errors` by cause, and a run with any failure exits
non-zero after its summary, naming the main cause (e.g. raise `ulimit -n` for EMFILE).

Exit codes:
  0  the run completed, nothing failed and every verdict was the expected one
  1  the server refused valid cookies or accepted forged ones (the summary counts them), or
     refused every socket to hold or to emit with
  2  usage error (e.g. --forged with --mode hold, ARGS of --emit that is not JSON)
  3  connections failed: refused, reset, closed, not a Socket.IO server; with --emit, a
     socket broke
  4  connections failed mostly by timing out (a step took longer than --timeout); with
     --emit, acks did not come within --timeout
  5  this process ran out of file descriptors (raise ulimit -n), or the summary cannot be
     written to stdout (a closed stdout, `| head`, ends quietly with 0)")]
pub(crate) struct BenchArgs {
    /// Server URL.
    #[arg(value_name = "URL", default_value = "http://127.0.0.1:3000", value_parser = parse_http_url)]
    pub(crate) url: url::Url,

    /// Concurrent clients (cycle), sockets to hold (hold) or sockets that emit (--emit).
    #[arg(long, value_name = "N", default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub(crate) clients: u32,

    /// What each client does (--emit is a scenario of its own, without --mode).
    #[arg(long, value_enum, default_value_t = BenchMode::Cycle)]
    pub(crate) mode: BenchMode,

    /// How long to run the cycles, or to hold the sockets or emit once all are connected (e.g.
    /// 30s, 5m).
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_timeout)]
    pub(crate) duration: Duration,

    /// How clients connect (held sockets are always WebSockets).
    #[arg(long, value_enum, default_value_t = BenchTransport::Websocket)]
    pub(crate) transport: BenchTransport,

    /// In cycle mode, also wait for the first event after being authorized.
    #[arg(long)]
    pub(crate) first_tick: bool,

    /// Share of connections (0 to 1) that send a forged cookie (cycle mode).
    #[arg(long, value_name = "SHARE", default_value_t = 0.0, value_parser = parse_share)]
    pub(crate) forged: f64,

    /// How forged cookies are forged, comma-separated; connections take the kinds in turn and
    /// the summary counts each kind's verdicts. `all`: every kind.
    #[arg(
        long,
        value_enum,
        value_name = "KIND,...",
        value_delimiter = ',',
        default_value = "wrong-secret"
    )]
    pub(crate) forged_kinds: Vec<ForgeryKind>,

    /// Stop after this many connections (cycle mode), or at --duration, whichever comes first.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) handshakes: Option<u64>,

    /// How long each step may wait for the server: the TCP connect, the HTTP or WebSocket
    /// handshake, the namespace's verdict, the first event; with --emit, each ack. A step past
    /// it counts as a failed connection (a timeout; with --emit, an ack past it counts under
    /// `timeouts`), and a cycle or emit run ends at most this long after --duration (e.g.
    /// 500ms, 5s).
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = parse_timeout)]
    pub(crate) timeout: Duration,

    /// Send this Cookie header instead of signing fresh cookies.
    #[arg(long, value_name = "COOKIE")]
    pub(crate) cookie: Option<Redacted>,

    /// Create a session in this store for every signed cookie, for servers that run with
    /// `--require-session` (sio-auth serve, or an Express app with connect-redis).
    #[command(flatten)]
    pub(crate) store: SharedStoreArg,

    #[command(flatten)]
    pub(crate) secrets: SecretArgs,

    #[command(flatten)]
    pub(crate) cookie_name: CookieNameArg,

    /// Namespace to join.
    #[arg(long, value_name = "NS", default_value = "/", value_parser = parse_namespace)]
    pub(crate) namespace: String,

    /// Print the summary as one JSON object.
    #[arg(long)]
    pub(crate) json: bool,

    /// The emit scenario: each socket emits EVENT with ARGS and an ack id, for --duration (see
    /// Emit below). ARGS: a JSON array of arguments, or one JSON value as the only argument
    /// (none: no argument).
    #[arg(
        long = "emit",
        value_names = ["EVENT", "ARGS"],
        num_args = 1..=2,
        conflicts_with_all = ["mode", "transport", "first_tick", "forged", "forged_kinds", "handshakes"]
    )]
    pub(crate) emit: Option<Vec<String>>,

    /// With --emit: emits per second per socket, on a fixed schedule (open loop); without it,
    /// each socket emits again as soon as its last ack returns (closed loop).
    #[arg(long, value_name = "R", requires = "emit", value_parser = parse_rate)]
    pub(crate) rate: Option<f64>,
}

/// `bench --rate`: a positive rate, at most one emit per 10 µs per socket (the timer's grain).
fn parse_rate(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(rate) if rate > 0.0 && rate <= 100_000.0 => Ok(rate),
        _ => Err("expected emits per second per socket, more than 0 and at most 100000".to_owned()),
    }
}

/// The arguments of an emit, from the ARGS of `--emit EVENT ARGS` (or of `emit EVENT ARGS`,
/// `what` naming which in the error): a JSON array is the list of arguments, any other JSON
/// value the only one. Errors are one line and never quote ARGS (only serde_json's position).
pub(crate) fn emit_args(what: &str, args: &str) -> anyhow::Result<Vec<Value>> {
    let value: Value = serde_json::from_str(args).map_err(|e| {
        anyhow::anyhow!("{what} is not JSON ({e}); a string argument is quoted: '\"text\"'")
    })?;
    Ok(match value {
        Value::Array(args) => args,
        one => vec![one],
    })
}

fn parse_share(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(share) if (0.0..=1.0).contains(&share) => Ok(share),
        _ => Err("expected a number from 0 to 1, e.g. 0.1".to_owned()),
    }
}

#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// The shell to generate for.
    #[arg(value_enum)]
    pub(crate) shell: clap_complete::Shell,
}

/// Parses the command line, then gathers each --namespace's --require rules by position
/// (clap alone cannot tell which --namespace a --require follows).
pub(crate) fn parse() -> Cli {
    let matches = Cli::command().get_matches();
    let mut cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    if let (Command::Serve(args), Some(("serve", sub))) = (&mut cli.command, matches.subcommand()) {
        args.namespaces = group_namespaces(sub)
            .unwrap_or_else(|e| serve_usage_error(clap::error::ErrorKind::ArgumentConflict, e));
        if let Err(e) = check_touch_every(args) {
            serve_usage_error(clap::error::ErrorKind::ValueValidation, e);
        }
    }
    if let (Command::Connect(args), Some(("connect", sub))) =
        (&mut cli.command, matches.subcommand())
    {
        args.emits = sub
            .get_occurrences::<String>("emit")
            .map(|occurrences| occurrences.map(|o| o.cloned().collect()).collect())
            .unwrap_or_default();
    }
    cli
}

/// A usage error of `serve` found after clap's own checks (exit 2), with serve's usage line.
fn serve_usage_error(kind: clap::error::ErrorKind, message: String) -> ! {
    let mut cli = Cli::command();
    cli.build();
    match cli.find_subcommand_mut("serve") {
        Some(serve) => serve.error(kind, message).exit(),
        None => cli.error(kind, message).exit(),
    }
}

fn group_namespaces(matches: &ArgMatches) -> Result<Vec<NamespaceRules>, String> {
    let positions = |id: &str| -> Vec<usize> {
        matches
            .indices_of(id)
            .map(Iterator::collect)
            .unwrap_or_default()
    };
    let names: Vec<(usize, String)> = positions("namespace_names")
        .into_iter()
        .zip(
            matches
                .get_many::<String>("namespace_names")
                .into_iter()
                .flatten()
                .cloned(),
        )
        .collect();
    let rules: Vec<(usize, Requirement)> = positions("requirements")
        .into_iter()
        .zip(
            matches
                .get_many::<Requirement>("requirements")
                .into_iter()
                .flatten()
                .cloned(),
        )
        .collect();
    let mut namespaces: Vec<NamespaceRules> = Vec::new();
    for (_, name) in &names {
        if !namespaces.iter().any(|n| &n.path == name) {
            namespaces.push(NamespaceRules {
                path: name.clone(),
                requires: Vec::new(),
            });
        }
    }
    for (at, rule) in rules {
        let Some((_, owner)) = names.iter().rev().find(|(ns_at, _)| *ns_at < at) else {
            return Err(format!(
                "--require {} must follow the --namespace it applies to",
                rule.text
            ));
        };
        if let Some(ns) = namespaces.iter_mut().find(|n| &n.path == owner) {
            ns.requires.push(rule);
        }
    }
    Ok(namespaces)
}

/// A session refreshed less often than it lives would expire between two refreshes.
fn check_touch_every(args: &ServeArgs) -> Result<(), String> {
    match (args.touch_every, args.max_age) {
        (Some(every), Some(age)) if every > age => Err(format!(
            "--touch-every {} is longer than --max-age {}: a session would expire between two \
             refreshes",
            show_duration(every),
            show_duration(age)
        )),
        _ => Ok(()),
    }
}

fn parse_requirement(text: &str) -> Result<Requirement, String> {
    Requirement::parse(text)
}

fn parse_origin(text: &str) -> Result<String, String> {
    let url = url::Url::parse(text).map_err(|e| format!("not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err("an origin is http(s)://HOST[:PORT]".to_owned());
    }
    Ok(url.origin().ascii_serialization())
}

/// `--store`'s parser. clap's own error for a bad value quotes the value, password and all:
/// this one shows it with the password replaced by `***`, on one line.
#[derive(Debug, Clone, Copy)]
struct StoreUrlParser {
    /// Whether the store must be shared with a server (`sign`, `verify`, `revoke`, `bench`).
    shared: bool,
}

impl clap::builder::TypedValueParser for StoreUrlParser {
    type Value = StoreUrl;

    fn parse_ref(
        &self,
        _: &clap::Command,
        _: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<StoreUrl, clap::Error> {
        let invalid = |shown: &str, why: &str| {
            clap::Error::raw(
                clap::error::ErrorKind::ValueValidation,
                format!("invalid --store {shown}: {why}\n"),
            )
        };
        let text = value
            .to_str()
            .ok_or_else(|| invalid("value", "it is not UTF-8"))?;
        let shown = crate::store::redact_password(text);
        match parse_store_url(text) {
            Ok(StoreUrl::Memory) if self.shared => Err(invalid(
                &shown,
                "the memory store lives inside `sio-auth serve`; use a shared store \
                 (redis://HOST:PORT/DB)",
            )),
            Ok(url) => Ok(url),
            Err(why) => Err(invalid(&shown, &why)),
        }
    }
}

fn parse_data(text: &str) -> Result<serde_json::Map<String, Value>, String> {
    match serde_json::from_str(text) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(_) => Err("the session data must be a JSON object".to_owned()),
        Err(e) => Err(format!("invalid JSON: {e}")),
    }
}

/// `--cookie-name` of `sign`, `verify` and `audit`: any name cookie-session can use (a token
/// for express-session is checked once the kind is known, by [`crate::kind`]).
fn parse_any_cookie_name(name: &str) -> Result<String, String> {
    if sio_auth::cookie::is_session_name(name) {
        Ok(name.to_owned())
    } else {
        Err(
            "a cookie name must be visible ASCII without ';' or '=' (and a token, letters, \
             digits and !#$%&'*+-.^_`|~ only, for express-session)"
                .to_owned(),
        )
    }
}

fn parse_cookie_name(name: &str) -> Result<String, String> {
    if sio_auth::cookie::is_token(name) {
        Ok(name.to_owned())
    } else {
        Err("a cookie name must be a token: letters, digits and !#$%&'*+-.^_`|~ only".to_owned())
    }
}

/// serve's `--event`: any event name a Socket.IO server may emit, except the one that tells
/// clients their session ended (the page would take every tick for the end).
/// Event names Socket.IO keeps for itself.
const RESERVED_EVENTS: &[&str] = &[
    "connect",
    "connect_error",
    "disconnect",
    "disconnecting",
    "newListener",
    "removeListener",
];

fn parse_tick_event(name: &str) -> Result<String, String> {
    let name = parse_event_name(name)?;
    if name == crate::serve::SESSION_ENDED {
        Err(format!(
            "{name:?} is the event that ends a session; pick another tick event"
        ))
    } else if RESERVED_EVENTS.contains(&name.as_str()) {
        Err(format!(
            "{name:?} is reserved by Socket.IO; pick another tick event"
        ))
    } else {
        Ok(name)
    }
}

fn parse_event_name(name: &str) -> Result<String, String> {
    if name.is_empty() || name.chars().any(char::is_control) {
        Err("an event name must be non-empty text without control characters".to_owned())
    } else {
        Ok(name.to_owned())
    }
}

fn parse_namespace(ns: &str) -> Result<String, String> {
    if !ns.starts_with('/') || ns.chars().any(|c| c.is_control() || c == ',' || c == '?') {
        Err("a namespace starts with '/' and has no ',', '?' or control characters".to_owned())
    } else {
        Ok(ns.to_owned())
    }
}

/// `--listen`: an IP address and a port. Host names are not resolved (which of a name's
/// addresses to bind is not ours to guess), so the usual slips get the form that works.
fn parse_listen(text: &str) -> Result<SocketAddr, String> {
    if let Ok(addr) = text.parse() {
        return Ok(addr);
    }
    let example = |port: &str| format!("127.0.0.1:{port}");
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "expected IP:PORT, not a bare port: --listen {} (or 0.0.0.0:{text} for every \
             interface)",
            example(text)
        ));
    }
    if let Some((host, port)) = text.rsplit_once(':')
        && !port.is_empty()
        && port.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(if host.eq_ignore_ascii_case("localhost") {
            format!(
                "expected IP:PORT; host names are not resolved: --listen {} (or [::1]:{port})",
                example(port)
            )
        } else {
            format!(
                "expected IP:PORT; host names are not resolved: give the address to listen on, \
                 e.g. --listen {} or 0.0.0.0:{port}",
                example(port)
            )
        });
    }
    Err("expected IP:PORT, e.g. 127.0.0.1:3000 (port 0 picks a free port)".to_owned())
}

fn parse_http_url(text: &str) -> Result<url::Url, String> {
    // `127.0.0.1:3000` is no URL, and `localhost:3000` is one with the scheme `localhost`.
    let suggest = || format!("a URL starts with its scheme: http://{text}");
    let url = match url::Url::parse(text) {
        Ok(url) => url,
        Err(url::ParseError::RelativeUrlWithoutBase) if !text.contains("://") => {
            return Err(suggest());
        }
        Err(e) => return Err(format!("not a URL: {e}")),
    };
    match url.scheme() {
        "http" | "https" | "ws" | "wss" if url.host().is_some() => Ok(url),
        "http" | "https" | "ws" | "wss" => Err("the URL has no host".to_owned()),
        _ if !text.contains("://") => Err(suggest()),
        other => Err(format!(
            "unsupported scheme {other:?}: use http, https, ws or wss"
        )),
    }
}

fn parse_header_arg(text: &str) -> Result<(String, Redacted), String> {
    let (name, value) = text.split_once(':').ok_or("expected `Name: value`")?;
    let name = name.trim();
    let value = value.trim();
    if !sio_auth::cookie::is_token(name) {
        return Err(format!("invalid header name {name:?}"));
    }
    if value.bytes().any(|b| b < 0x20 && b != b'\t' || b == 0x7f) {
        return Err("a header value must not contain control characters".to_owned());
    }
    Ok((name.to_owned(), Redacted(value.to_owned())))
}

/// The longest duration any option takes: a hundred years (a cookie's expiry must stay a date).
const LONGEST: Duration = Duration::from_secs(100 * 365 * 86_400);

/// Every duration option's one rule: a number with its unit, as humantime reads it (`250ms`,
/// `3s`, `90m`, `7d`, `1h 30m`). A bare number is refused: `--interval 1000` once meant
/// milliseconds while `--timeout 1500` meant seconds.
pub(crate) fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "a duration needs its unit: write e.g. {text}ms or {text}s (units: ms, s, m, h, d)"
        ));
    }
    let duration = humantime::parse_duration(text)
        .map_err(|e| format!("invalid duration {text:?}: {e} (e.g. 500ms, 10s, 5m, 7d)"))?;
    if duration > LONGEST {
        return Err(format!("duration {text:?} is too long (at most 100 years)"));
    }
    Ok(duration)
}

/// A duration as the command line takes it back: `5s`, `500ms`.
pub(crate) fn show_duration(duration: Duration) -> String {
    let millis = duration.as_millis();
    if millis.is_multiple_of(1000) {
        format!("{}s", millis / 1000)
    } else {
        format!("{millis}ms")
    }
}

fn parse_interval(text: &str) -> Result<Duration, String> {
    let interval = parse_duration(text)?;
    if interval < Duration::from_millis(1) {
        return Err("the interval must be at least 1ms".to_owned());
    }
    Ok(interval)
}

fn parse_timeout(text: &str) -> Result<Duration, String> {
    let timeout = parse_duration(text)?;
    if timeout.is_zero() {
        return Err("the timeout must be more than 0".to_owned());
    }
    Ok(timeout)
}

/// A session that has not joined a namespace is held this long at most: longer only lets
/// silent clients hold memory (socket.io-client gives up after 45 s, its default).
fn parse_connect_timeout(text: &str) -> Result<Duration, String> {
    let timeout = parse_timeout(text)?;
    if timeout > Duration::from_secs(600) {
        return Err("the connect timeout is at most 10m".to_owned());
    }
    Ok(timeout)
}

/// Heartbeat settings: socket.io-client waits pingInterval + pingTimeout for a ping before it
/// gives up, so neither needs to be long.
fn parse_ping(text: &str) -> Result<Duration, String> {
    let ping = parse_timeout(text)?;
    if ping > Duration::from_secs(600) {
        return Err("the ping interval and timeout are at most 10m".to_owned());
    }
    Ok(ping)
}

fn parse_max_age(text: &str) -> Result<Duration, String> {
    parse_duration(text)
}

fn parse_touch_every(text: &str) -> Result<Duration, String> {
    let every = parse_duration(text)?;
    if every.is_zero() {
        return Err("the touch interval must be more than 0".to_owned());
    }
    Ok(every)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn help_and_man_know_every_command() {
        let cli = Cli::command();
        let visible: Vec<&str> = cli
            .get_subcommands()
            .filter(|sub| !sub.is_hide_set())
            .map(clap::Command::get_name)
            .collect();
        assert_eq!(visible, COMMANDS);
    }

    #[test]
    fn requires_follow_their_namespace() {
        let parse = |args: &[&str]| {
            let matches = Cli::command().try_get_matches_from(args).unwrap();
            group_namespaces(matches.subcommand_matches("serve").unwrap())
        };
        let grouped = parse(&[
            "sio-auth",
            "serve",
            "--namespace",
            "/admin",
            "--require",
            "/user/role=admin",
            "--require",
            "/level=3",
            "--namespace",
            "/open",
            "--namespace",
            "/staff",
            "--require",
            "/user/staff=true",
        ])
        .unwrap();
        let summary: Vec<(&str, Vec<&str>)> = grouped
            .iter()
            .map(|n| {
                (
                    n.path.as_str(),
                    n.requires.iter().map(|r| r.text.as_str()).collect(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("/admin", vec!["/user/role=admin", "/level=3"]),
                ("/open", vec![]),
                ("/staff", vec!["/user/staff=true"]),
            ]
        );
        assert_eq!(grouped[0].requires[0].value, Value::from("admin"));
        assert_eq!(grouped[0].requires[1].value, Value::from(3));
        assert_eq!(grouped[2].requires[0].value, Value::from(true));
        assert!(
            parse(&[
                "sio-auth",
                "serve",
                "--require",
                "/a=b",
                "--namespace",
                "/x"
            ])
            .is_err()
        );
    }

    #[test]
    fn origins_and_rules() {
        assert_eq!(
            parse_origin("https://App.example.com/path").unwrap(),
            "https://app.example.com"
        );
        assert_eq!(parse_origin("http://x:8080").unwrap(), "http://x:8080");
        assert!(parse_origin("file:///x").is_err());
        assert!(parse_requirement("user/role=admin").is_err());
        assert!(parse_requirement("/user/role").is_err());
        assert_eq!(parse_requirement("/a=").unwrap().value, Value::from(""));
    }

    /// Regression: `SecretArgs.secrets`, the cookie fields and `--store`'s URL derived `Debug`
    /// with their values.
    #[test]
    fn debug_output_shows_no_credential() {
        const PASSWORD: &str = "store-pass-hunter2";
        const SECRET: &str = "the-secret-hunter2";
        const COOKIE: &str = "cookie-value-hunter2";
        let store = format!("redis://:{PASSWORD}@127.0.0.1:6379/0");
        for args in [
            vec!["serve", "--secret", SECRET, "--store", &store],
            vec!["sign", "--secret", SECRET, "--store", &store],
            vec!["verify", "--secret", SECRET, COOKIE, "--store", &store],
            vec!["revoke", COOKIE, "--secret", SECRET, "--store", &store],
            vec![
                "sign",
                "--kind",
                "cookie-session",
                "--algorithm",
                "sha512",
                "--secret",
                SECRET,
                "--data",
                "{}",
                "--store",
                &store,
            ],
            vec![
                "verify",
                "--kind",
                "cookie-session",
                "--secret",
                SECRET,
                COOKIE,
                "--store",
                &store,
            ],
            vec!["audit", "--kind", "cookie-session", COOKIE],
            vec![
                "bench", "--cookie", COOKIE, "--secret", SECRET, "--store", &store,
            ],
            vec![
                "connect",
                "--cookie",
                COOKIE,
                "--header",
                &format!("Cookie: a={COOKIE}"),
                "--header",
                &format!("Authorization: Bearer {COOKIE}"),
            ],
        ] {
            let cli = Cli::try_parse_from(std::iter::once("sio-auth").chain(args.clone()))
                .unwrap_or_else(|e| panic!("{args:?}: {e}"));
            let debug = format!("{cli:?}");
            assert!(debug.contains("(redacted)"), "{debug}");
            for credential in [PASSWORD, SECRET, COOKIE] {
                assert!(!debug.contains(credential), "{args:?}: {debug}");
            }
        }
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("7d"), Ok(Duration::from_secs(7 * 86_400)));
        assert_eq!(parse_duration("1h 30m"), Ok(Duration::from_secs(5400)));
        assert!(
            parse_duration("250")
                .unwrap_err()
                .contains("write e.g. 250ms or 250s")
        );
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        for bad in [
            "",
            "s",
            "-1s",
            "10 parsecs",
            "99999999999999999999s",
            "101y",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad:?}");
        }
    }
}
