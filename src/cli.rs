//! Every command-line type of sio-auth, parsed once by clap.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  a negative answer: an invalid cookie, or a connection refused by the server's authorization
  2  usage error, unreadable input or configuration (e.g. a missing secret file)
  3  network failure (connection refused, DNS, TLS, server went away)
  4  timeout";

/// Express-style signed session cookies, and Socket.IO connections authorized by them.
///
/// Byte-compatible with Node's cookie-signature and express-session, and wire-compatible with
/// socket.io v4: sio-auth can stand in for either side of that stack, or test it.
#[derive(Debug, Parser)]
#[command(name = "sio-auth", version, after_help = EXIT_CODES, propagate_version = true)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Run the authorized tick server: the page at / issues the session cookie, Socket.IO on the
    /// same port accepts only handshakes that carry it.
    Serve(ServeArgs),
    /// Mint a signed session cookie (express.sid=s%3A<sid>.<signature>).
    Sign(SignArgs),
    /// Check signed session cookies; prints the session id of each valid one.
    Verify(VerifyArgs),
    /// Connect to a Socket.IO server with a session cookie and print the events it sends.
    Connect(ConnectArgs),
    /// Load-test a Socket.IO server: authorized handshakes per second, or many idle sockets.
    Bench(BenchArgs),
    /// Print a shell completion script.
    Completions(CompletionsArgs),
    /// Print the man page (roff).
    #[command(hide = true)]
    Man,
}

/// Where the secrets come from; shared by every command that signs or verifies.
#[derive(Debug, Clone, Args)]
pub(crate) struct SecretArgs {
    /// A secret; repeat to rotate: the first signs, every one verifies. Visible to other users
    /// in the process list: prefer --secret-file or SIO_AUTH_SECRET.
    #[arg(long = "secret", value_name = "SECRET", hide_env_values = true)]
    pub(crate) secrets: Vec<String>,

    /// A file with one secret per line (the first signs, all verify). [env: SIO_AUTH_SECRET
    /// gives one secret when neither option is used. Default: a secret file created on first use
    /// in $XDG_DATA_HOME/sio-auth/secret]
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

#[derive(Debug, Args)]
#[command(after_help = EXIT_CODES)]
pub(crate) struct ServeArgs {
    /// Address to listen on; port 0 picks a free port. The bound address is printed as
    /// `listening on http://ADDR`.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:3000")]
    pub(crate) listen: SocketAddr,

    #[command(flatten)]
    pub(crate) secrets: SecretArgs,

    #[command(flatten)]
    pub(crate) cookie: CookieNameArg,

    /// Time between ticks; a bare number is milliseconds (e.g. 1000, 250ms, 2s).
    #[arg(long, value_name = "DURATION", default_value = "1000", value_parser = parse_interval)]
    pub(crate) interval: Duration,

    /// Name of the tick event.
    #[arg(long, value_name = "NAME", default_value = "data", value_parser = parse_event_name)]
    pub(crate) event: String,
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
#[command(after_help = EXIT_CODES)]
pub(crate) struct SignArgs {
    /// Session id to sign; a new random one (like express-session's) when omitted.
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
    pub(crate) cookie: CookieNameArg,

    #[command(flatten)]
    pub(crate) attributes: CookieAttributes,
}

/// Attributes of the Set-Cookie header (`sign --format set-cookie|json`).
#[derive(Debug, Clone, Args)]
pub(crate) struct CookieAttributes {
    /// Lifetime of the cookie (e.g. 3600, 90m, 7d); adds Max-Age and Expires.
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

Exit codes:
  0  every cookie is valid
  1  at least one cookie is invalid
  2  usage error, unreadable input or secret file")]
pub(crate) struct VerifyArgs {
    /// Cookies to check; with none, or `-`, one per line is read from standard input.
    #[arg(value_name = "COOKIE")]
    pub(crate) cookies: Vec<String>,

    /// Print one JSON object per input on stdout: valid, sid, secret_index, reason.
    #[arg(long)]
    pub(crate) json: bool,

    #[command(flatten)]
    pub(crate) secrets: SecretArgs,

    #[command(flatten)]
    pub(crate) cookie: CookieNameArg,
}

/// Socket.IO transports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Transport {
    /// WebSocket only.
    Websocket,
    /// HTTP long-polling only.
    Polling,
    /// WebSocket first (the fastest start); when it fails for a transport reason (HTTP error on
    /// the upgrade, closed early, no answer within 5 s), polling then the upgrade, like the
    /// official client. Never retried after a refusal.
    Auto,
}

#[derive(Debug, Args)]
#[command(after_help = "\
Output: one line per printed event on stdout: its argument as JSON (a string as plain text, e.g. a
tick prints as 1795632469227), several arguments as one JSON array, binary as base64. With --json:
{\"event\":…,\"args\":[…],\"received_at\":<epoch ms>}. Status lines and errors go to stderr; a
refusal prints the server's reason as `sio-auth: refused: <reason>`.

Connecting (the handshake and the namespace's answer) gives up after --timeout, or after 20 s
without it (socket.io-client's default); waiting between events is bounded only by --timeout.

Exit codes:
  0  --count events printed, or Ctrl-C
  1  refused by the server (its reason on stderr), or --login got no session cookie
  2  usage error or an unreadable cookie file
  3  network failure (connection refused, DNS, TLS, server went away or disconnected us)
  4  timeout")]
pub(crate) struct ConnectArgs {
    /// Server URL.
    #[arg(value_name = "URL", default_value = "http://127.0.0.1:3000", value_parser = parse_http_url)]
    pub(crate) url: url::Url,

    /// Session cookie: a name=value pair, a whole Cookie header, or a bare value (named by
    /// --cookie-name).
    #[arg(long, value_name = "COOKIE", conflicts_with_all = ["cookie_file", "login"])]
    pub(crate) cookie: Option<String>,

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

    /// Give up when connecting, or waiting for the next event, takes longer (e.g. 10s, 500ms; a
    /// bare number is seconds). Without it: 20 s to connect, no limit between events.
    #[arg(long, value_name = "DURATION", value_parser = parse_timeout)]
    pub(crate) timeout: Option<Duration>,

    /// Transport to use.
    #[arg(long, value_name = "TRANSPORT", value_enum, default_value_t = Transport::Auto)]
    pub(crate) transport: Transport,

    /// Extra request header, `Name: value`; repeatable.
    #[arg(long = "header", value_name = "NAME: VALUE", value_parser = parse_header_arg)]
    pub(crate) headers: Vec<(String, String)>,

    /// Print one JSON object per event: event, args, received_at (epoch ms).
    #[arg(long)]
    pub(crate) json: bool,

    /// Reconnect with backoff when the server goes away (never after a refusal).
    #[arg(long)]
    pub(crate) reconnect: bool,
}

/// What each `bench` client does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum BenchMode {
    /// Connect, get authorized (or refused), disconnect, again, for --duration.
    Cycle,
    /// Open --clients sockets, keep them for --duration, measure the tick delay.
    Hold,
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
forged cookies and counts any that are accepted.

Output: one summary on stdout (--json: one JSON object); progress on stderr. In hold mode,
`sio-auth bench: holding N sockets` is printed on stderr once all of them are connected.")]
pub(crate) struct BenchArgs {
    /// Server URL.
    #[arg(value_name = "URL", default_value = "http://127.0.0.1:3000", value_parser = parse_http_url)]
    pub(crate) url: url::Url,

    /// Concurrent clients (cycle) or sockets to hold (hold).
    #[arg(long, value_name = "N", default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub(crate) clients: u32,

    /// What each client does.
    #[arg(long, value_enum, default_value_t = BenchMode::Cycle)]
    pub(crate) mode: BenchMode,

    /// How long to run the cycles, or to hold the sockets once connected.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_timeout)]
    pub(crate) duration: Duration,

    /// How clients connect.
    #[arg(long, value_enum, default_value_t = BenchTransport::Websocket)]
    pub(crate) transport: BenchTransport,

    /// In cycle mode, also wait for the first event after being authorized.
    #[arg(long)]
    pub(crate) first_tick: bool,

    /// Share of connections (0 to 1) that send a forged cookie.
    #[arg(long, value_name = "SHARE", default_value_t = 0.0, value_parser = parse_share)]
    pub(crate) forged: f64,

    /// Send this Cookie header instead of signing fresh cookies.
    #[arg(long, value_name = "COOKIE")]
    pub(crate) cookie: Option<String>,

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
}

fn parse_share(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(share) if (0.0..=1.0).contains(&share) => Ok(share),
        _ => Err("expected a number from 0 to 1, e.g. 0.1".to_owned()),
    }
}

/// Shells we generate completions for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Shell {
    Bash,
    Zsh,
    Fish,
    Elvish,
    Powershell,
}

#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// The shell to generate for.
    #[arg(value_enum)]
    pub(crate) shell: Shell,
}

fn parse_cookie_name(name: &str) -> Result<String, String> {
    if sio_auth::cookie::is_token(name) {
        Ok(name.to_owned())
    } else {
        Err("a cookie name must be a token: letters, digits and !#$%&'*+-.^_`|~ only".to_owned())
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

fn parse_http_url(text: &str) -> Result<url::Url, String> {
    let url = url::Url::parse(text).map_err(|e| format!("not a URL: {e}"))?;
    match url.scheme() {
        "http" | "https" | "ws" | "wss" if url.host().is_some() => Ok(url),
        "http" | "https" | "ws" | "wss" => Err("the URL has no host".to_owned()),
        other => Err(format!(
            "unsupported scheme {other:?}: use http, https, ws or wss"
        )),
    }
}

fn parse_header_arg(text: &str) -> Result<(String, String), String> {
    let (name, value) = text.split_once(':').ok_or("expected `Name: value`")?;
    let name = name.trim();
    let value = value.trim();
    if !sio_auth::cookie::is_token(name) {
        return Err(format!("invalid header name {name:?}"));
    }
    if value.bytes().any(|b| b < 0x20 && b != b'\t' || b == 0x7f) {
        return Err("a header value must not contain control characters".to_owned());
    }
    Ok((name.to_owned(), value.to_owned()))
}

/// A duration like `250ms`, `10s`, `5m`, `2h`, `7d`; a bare number is in `bare_unit`.
pub(crate) fn parse_duration(text: &str, bare_unit: Duration) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("invalid duration {text:?}: expected e.g. 500ms, 10s, 5m"))?;
    let unit = match unit.trim() {
        "" => bare_unit,
        "ms" => Duration::from_millis(1),
        "s" => Duration::from_secs(1),
        "m" => Duration::from_secs(60),
        "h" => Duration::from_secs(3600),
        "d" => Duration::from_secs(86_400),
        other => return Err(format!("unknown unit {other:?}: use ms, s, m, h or d")),
    };
    u32::try_from(number)
        .ok()
        .and_then(|n| unit.checked_mul(n))
        .ok_or_else(|| format!("duration {text:?} is too long"))
}

fn parse_interval(text: &str) -> Result<Duration, String> {
    let interval = parse_duration(text, Duration::from_millis(1))?;
    if interval < Duration::from_millis(1) {
        return Err("the interval must be at least 1ms".to_owned());
    }
    Ok(interval)
}

fn parse_timeout(text: &str) -> Result<Duration, String> {
    let timeout = parse_duration(text, Duration::from_secs(1))?;
    if timeout.is_zero() {
        return Err("the timeout must be more than 0".to_owned());
    }
    Ok(timeout)
}

fn parse_max_age(text: &str) -> Result<Duration, String> {
    parse_duration(text, Duration::from_secs(1))
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
    fn durations() {
        let ms = Duration::from_millis(1);
        assert_eq!(parse_duration("250", ms), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("2s", ms), Ok(Duration::from_secs(2)));
        assert_eq!(
            parse_duration("7d", ms),
            Ok(Duration::from_secs(7 * 86_400))
        );
        for bad in ["", "s", "-1", "1.5s", "10 parsecs", "99999999999999999999"] {
            assert!(parse_duration(bad, ms).is_err(), "{bad:?}");
        }
    }
}
