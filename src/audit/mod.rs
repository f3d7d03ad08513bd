//! `sio-auth audit`: find the secret behind captured session cookies, trying the built-in list
//! of published secrets, then wordlists, on every core.

mod builtin;
mod search;
mod targets;
mod wordlist;

use std::borrow::Cow;
use std::io::{self, IsTerminal as _, Write as _};
use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, anyhow, bail};
use serde_json::Value;
use sio_auth::cookie::{
    Algorithm, Rejection, SessionCookie, SessionRejection, SessionUnauditable, SignedCookie,
    Unauditable,
};

use crate::cli::AuditArgs;
use crate::exit::{Exit, failure};
use crate::kind::Kind;
use search::{Found, Shared, Targets};
use targets::{Sha1Targets, Sha256Targets, WideTargets};
use wordlist::Wordlist;

pub(crate) fn run(args: &AuditArgs) -> anyhow::Result<Exit> {
    let cookies_from_stdin =
        args.cookies.is_empty() || args.cookies.iter().any(|c| c.expose() == "-");
    let stdin_lists = args
        .wordlists
        .iter()
        .filter(|p| wordlist::is_stdin(p))
        .count();
    if stdin_lists > 1 {
        bail!("--wordlist - is given more than once: stdin can be read only once");
    }
    if stdin_lists == 1 && cookies_from_stdin {
        bail!(
            "stdin cannot carry both the cookies and a wordlist (--wordlist -): give the cookies \
             as arguments"
        );
    }
    let kind = Kind::from_args(&args.kind)?;
    // Every wordlist is opened first, so that a bad name fails before any search.
    let lists = args
        .wordlists
        .iter()
        .map(|path| Wordlist::open(path))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let texts = read_inputs(args, cookies_from_stdin)?;
    if texts.is_empty() {
        bail!("no cookie to audit: give cookies as arguments or one per line on stdin");
    }
    let threads = args.threads.map_or_else(
        || std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
        usize::from,
    );
    let search = Search {
        lists,
        threads,
        json: args.json,
    };
    match kind {
        Kind::ExpressSession { name } => {
            let cookies = texts
                .iter()
                .map(|(at, text)| parse(text, &name, at))
                .collect::<anyhow::Result<Vec<_>>>()?;
            if args.hashcat {
                let lines = cookies.iter().map(|c| (c.sid.as_str(), c.hashcat_line()));
                return print_hashcat_lines(lines, "sid");
            }
            let labels: Vec<_> = cookies
                .iter()
                .map(|c| ("sid", Value::from(c.sid.as_str())))
                .collect();
            search.run(&Sha256Targets::express(&cookies), &labels)
        }
        Kind::CookieSession { name, algorithm } => {
            let cookies = texts
                .iter()
                .map(|(at, text)| parse_session(text, &name, algorithm, at))
                .collect::<anyhow::Result<Vec<_>>>()?;
            if args.hashcat {
                if algorithm.hashcat_mode().is_none() {
                    bail!(
                        "--hashcat: hashcat has no HMAC-{algorithm} mode with the key as password"
                    );
                }
                let messages: Vec<String> = cookies.iter().map(SessionCookie::message).collect();
                let lines = cookies
                    .iter()
                    .zip(&messages)
                    .map(|(c, m)| (m.as_str(), c.hashcat_line()));
                return print_hashcat_lines(lines, "signed name=value");
            }
            let labels: Vec<_> = cookies
                .iter()
                .map(|c| ("session", c.session().map_or(Value::Null, Value::Object)))
                .collect();
            match algorithm {
                Algorithm::Sha1 => search.run(&Sha1Targets::new(&cookies), &labels),
                Algorithm::Sha256 => search.run(&Sha256Targets::session(&cookies), &labels),
                Algorithm::Sha384 | Algorithm::Sha512 => {
                    let targets = WideTargets::new(algorithm, &cookies)
                        .ok_or_else(|| anyhow!("no search for {algorithm}"))?;
                    search.run(&targets, &labels)
                }
            }
        }
    }
}

/// What every search shares, whatever its cookies.
struct Search {
    lists: Vec<Wordlist>,
    threads: usize,
    json: bool,
}

impl Search {
    /// Searches the built-in list and the wordlists for the cookies' secrets; `labels` name
    /// each cookie in `--json` (its `sid`, or a cookie-session pair's `session`).
    fn run<T: Targets>(
        self,
        targets: &T,
        labels: &[(&'static str, Value)],
    ) -> anyhow::Result<Exit> {
        let Self {
            lists,
            threads,
            json,
        } = self;
        let cookies = targets.len();
        let names: Vec<String> = lists.iter().map(|l| l.name.clone()).collect();
        let total_bytes = lists.iter().map(|l| l.len).sum::<Option<u64>>();
        let shared = Shared::new(cookies);
        let mut report = Report {
            labels,
            names: &names,
            json,
            out: io::stdout().lock(),
            solved: 0,
        };
        let progress = Progress::new(total_bytes);
        let started = Instant::now();
        let (send, receive) = mpsc::channel::<Found>();
        let (too_long, written) = std::thread::scope(|scope| {
            let searcher = scope.spawn(|| -> anyhow::Result<u64> {
                let send = send;
                let candidates = builtin::candidates();
                search::try_all(
                    targets,
                    &shared,
                    candidates.iter().map(String::as_bytes),
                    &send,
                );
                let mut too_long = 0;
                for (index, list) in lists.into_iter().enumerate() {
                    if shared.done() {
                        break;
                    }
                    let name = list.name.clone();
                    too_long +=
                        search::search_wordlist(targets, &shared, threads, index, list, &send)
                            .with_context(|| format!("cannot read wordlist {name}"))?;
                }
                Ok(too_long)
            });
            let mut written = Ok(());
            loop {
                match receive.recv_timeout(Duration::from_millis(100)) {
                    Ok(found) => {
                        if written.is_ok() {
                            written = report.found(&found);
                            if written.is_err() {
                                shared.cancel();
                            }
                        }
                    }
                    Err(mpsc::RecvTimeoutError::Timeout) => {}
                    Err(mpsc::RecvTimeoutError::Disconnected) => break,
                }
                progress.show(&shared, report.solved, cookies, started);
            }
            let too_long = searcher
                .join()
                .unwrap_or_else(|_| Err(anyhow!("the search thread failed")));
            (too_long, written)
        });
        progress.finish();
        written?;
        let too_long = too_long?;
        let elapsed = started.elapsed();
        let mut err = io::stderr().lock();
        for index in (0..cookies).filter(|&i| !shared.is_solved(i)) {
            writeln!(err, "sio-auth: input {}: secret not found", index + 1)
                .context("cannot write to stderr")?;
        }
        let tried = shared.tried.load(Ordering::Relaxed);
        let mut summary = format!(
            "sio-auth: audit: {} of {cookies} {} solved, {tried} {} tried in {:.2} s ({:.2} M/s, {threads} {})",
            report.solved,
            plural(cookies as u64, "cookie", "cookies"),
            plural(tried, "candidate", "candidates"),
            elapsed.as_secs_f64(),
            per_second(tried, elapsed) / 1e6,
            plural(threads as u64, "thread", "threads"),
        );
        let not_utf8 = shared.not_utf8.load(Ordering::Relaxed);
        if not_utf8 > 0 {
            summary += &format!(
                "; {not_utf8} {} not UTF-8, tried as bytes",
                plural(not_utf8, "line", "lines")
            );
        }
        if too_long > 0 {
            summary += &format!(
                "; {too_long} {} over 1 MiB skipped",
                plural(too_long, "line", "lines")
            );
        }
        writeln!(err, "{summary}").context("cannot write to stderr")?;
        Ok(if report.solved == cookies {
            Exit::Success
        } else {
            Exit::Negative
        })
    }
}

/// `--hashcat`: each cookie as a line of its hashcat mode (1450 for express-session; 150, 1450
/// or 1750 for a cookie-session pair's sha1, sha256 or sha512), `hex(tag):salt`, the salt being
/// what was signed (`what`). hashcat reads a salt of at most 256 bytes and no line break, so a
/// cookie it cannot take is refused here rather than skipped there.
fn print_hashcat_lines<'a>(
    cookies: impl Iterator<Item = (&'a str, String)> + Clone,
    what: &str,
) -> anyhow::Result<Exit> {
    const HASHCAT_SALT_MAX: usize = 256;
    for (index, (salt, _)) in cookies.clone().enumerate() {
        if salt.contains(['\n', '\r']) {
            return Err(failure(
                Exit::Usage,
                anyhow!(
                    "input {}: a {what} with a line break cannot be a hashcat line",
                    index + 1
                ),
            ));
        }
        if salt.len() > HASHCAT_SALT_MAX {
            return Err(failure(
                Exit::Usage,
                anyhow!(
                    "input {}: a {what} of {} bytes is longer than hashcat's {HASHCAT_SALT_MAX}-byte salt",
                    index + 1,
                    salt.len()
                ),
            ));
        }
    }
    let mut out = io::stdout().lock();
    for (_, line) in cookies {
        writeln!(out, "{line}").context("cannot write to stdout")?;
    }
    out.flush().context("cannot write to stdout")?;
    Ok(Exit::Success)
}

fn plural(n: u64, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 { one } else { many }
}

fn per_second(count: u64, elapsed: Duration) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let count = count as f64;
    count / elapsed.as_secs_f64().max(1e-9)
}

/// The cookies' texts with where each came from, from the arguments and then (with none, or
/// `-`) stdin, one per line; blank lines are skipped. They are parsed by kind afterwards: an
/// input that is not a signed cookie is a usage error, as the search would have nothing to find.
fn read_inputs(args: &AuditArgs, from_stdin: bool) -> anyhow::Result<Vec<(String, String)>> {
    let mut inputs = Vec::new();
    for (index, cookie) in args.cookies.iter().enumerate() {
        if cookie.expose() != "-" {
            inputs.push((
                format!("argument {}", index + 1),
                cookie.expose().to_owned(),
            ));
        }
    }
    if from_stdin {
        let stdin = io::stdin();
        if stdin.is_terminal() {
            eprintln!("sio-auth: reading cookies from the terminal, one per line; end with Ctrl-D");
        }
        let mut input = io::BufReader::new(stdin.lock());
        let mut line = Vec::new();
        let mut number = 0;
        loop {
            line.clear();
            let (read, too_long) =
                crate::verify::read_line(&mut input, &mut line).context("cannot read stdin")?;
            if read == 0 {
                break;
            }
            number += 1;
            let at = format!("line {number}");
            if too_long {
                return Err(failure(
                    Exit::Usage,
                    anyhow!("{at}: longer than {} bytes", crate::verify::MAX_LINE),
                ));
            }
            let text = std::str::from_utf8(&line)
                .map_err(|_| failure(Exit::Usage, anyhow!("{at}: not valid UTF-8")))?;
            let text = text.trim_end_matches(['\n', '\r']);
            if !text.trim_matches([' ', '\t']).is_empty() {
                inputs.push((at, text.to_owned()));
            }
        }
    }
    Ok(inputs)
}

fn parse(text: &str, name: &str, at: &str) -> anyhow::Result<SignedCookie> {
    if text.trim_matches([' ', '\t']).is_empty() {
        return Err(failure(Exit::Usage, anyhow!("{at}: empty input")));
    }
    SignedCookie::parse(text, name).map_err(|why| {
        let why = match why {
            Unauditable::Rejected(Rejection::NoCookie) => format!("no cookie named {name}"),
            other => other.to_string(),
        };
        failure(Exit::Usage, anyhow!("{at}: not a signed cookie: {why}"))
    })
}

fn parse_session(
    text: &str,
    name: &str,
    algorithm: Algorithm,
    at: &str,
) -> anyhow::Result<SessionCookie> {
    if text.trim_matches([' ', '\t']).is_empty() {
        return Err(failure(Exit::Usage, anyhow!("{at}: empty input")));
    }
    SessionCookie::parse(text, name, algorithm).map_err(|why| {
        let why = match why {
            SessionUnauditable::Rejected(SessionRejection::NoCookie) => {
                format!("no cookie named {name}")
            }
            SessionUnauditable::Rejected(SessionRejection::MalformedSignature { expected }) => {
                format!(
                    "malformed signature: not {expected} characters of base64url, the length of \
                     {algorithm} (another --algorithm?)"
                )
            }
            other => other.to_string(),
        };
        failure(
            Exit::Usage,
            anyhow!("{at}: not a signed cookie-session pair: {why}"),
        )
    })
}

/// Where the solved cookies are written as they are found.
struct Report<'a, O: io::Write> {
    /// Each cookie's label in `--json`: `sid` (express-session) or `session` (cookie-session).
    labels: &'a [(&'static str, Value)],
    names: &'a [String],
    json: bool,
    out: O,
    solved: usize,
}

impl<O: io::Write> Report<'_, O> {
    fn found(&mut self, found: &Found) -> anyhow::Result<()> {
        self.solved += 1;
        let source = match found.line {
            None => "builtin".to_owned(),
            Some((list, line)) => format!("{}:{line}", self.names[list]),
        };
        if self.json {
            // One line of `audit --json`, keys in this order.
            let text = String::from_utf8_lossy(&found.secret);
            let (label, value) = &self.labels[found.cookie];
            let mut line = serde_json::Map::new();
            line.insert("input".to_owned(), Value::from(found.cookie + 1));
            line.insert((*label).to_owned(), value.clone());
            line.insert("secret".to_owned(), Value::from(text.as_ref()));
            if matches!(text, Cow::Owned(_)) {
                line.insert("secret_hex".to_owned(), Value::from(hex(&found.secret)));
            }
            line.insert("tried".to_owned(), Value::from(found.tried));
            line.insert("source".to_owned(), Value::from(source.as_str()));
            writeln!(self.out, "{}", Value::Object(line))
        } else {
            self.out
                .write_all(&found.secret)
                .and_then(|()| self.out.write_all(b"\n"))
        }
        .and_then(|()| self.out.flush())
        .context("cannot write to stdout")?;
        // Where it came from, never the secret itself.
        eprintln!(
            "sio-auth: input {}: secret found ({source}, candidate {})",
            found.cookie + 1,
            found.tried
        );
        Ok(())
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

/// The progress bar, on stderr when it is a terminal: candidates/s, tried, solved, and an ETA
/// when every wordlist's size is known.
struct Progress {
    bar: indicatif::ProgressBar,
}

impl Progress {
    fn new(total_bytes: Option<u64>) -> Self {
        if !io::stderr().is_terminal() {
            return Self {
                bar: indicatif::ProgressBar::hidden(),
            };
        }
        let draw = indicatif::ProgressDrawTarget::stderr_with_hz(10);
        let (bar, template) = match total_bytes {
            Some(total) => (
                indicatif::ProgressBar::with_draw_target(Some(total), draw),
                "{elapsed_precise} [{bar:30}] {percent:>3}% {msg}, ETA {eta}",
            ),
            None => (
                indicatif::ProgressBar::with_draw_target(None, draw),
                "{elapsed_precise} {spinner} {msg}",
            ),
        };
        if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
            bar.set_style(style.progress_chars("=> "));
        }
        Self { bar }
    }

    fn show(&self, shared: &Shared, solved: usize, cookies: usize, started: Instant) {
        if self.bar.is_hidden() {
            return;
        }
        let tried = shared.tried.load(Ordering::Relaxed);
        self.bar.set_position(shared.bytes.load(Ordering::Relaxed));
        self.bar.set_message(format!(
            "{tried} tried, {:.2} M/s, {solved}/{cookies} solved",
            per_second(tried, started.elapsed()) / 1e6
        ));
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
