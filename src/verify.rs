//! `sio-auth verify`: check cookies given as arguments or streamed on stdin, with
//! express-session's verdicts.

use std::borrow::Cow;
use std::io::{self, Write as _};
use std::path::Path;
use std::sync::Arc;
use std::time::SystemTime;

use anyhow::{Context as _, bail};
use serde::Serialize;
use sio_auth::cookie::{CookieSession, Keyring, Rejection, SessionRejection, Verified};

use crate::cli::StoreUrl;
use crate::cli::VerifyArgs;
use crate::exit::{Exit, ExitOnError as _};
use crate::kind::Kind;
use crate::secrets;
use crate::store::{self, Session, SessionStore};

/// Longer input lines are answered as invalid without being held in memory; real Cookie
/// headers stay far below this (Node refuses headers over 16 KiB by default).
pub(crate) const MAX_LINE: usize = 64 * 1024;

/// Why an input is invalid: a cookie verdict, or an input we could not even read as one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reason {
    Cookie(Rejection),
    /// A cookie-session pair's verdict.
    Session(SessionRejection),
    Empty,
    NotUtf8,
    TooLong,
    /// Signed, but no session is stored under the sid (`--store`).
    NoSession,
    /// Signed, but its session's cookie has expired (`--store`).
    Expired,
}

impl Reason {
    fn describe(self, cookie_name: &str) -> Cow<'static, str> {
        match self {
            Self::Cookie(Rejection::NoCookie) => format!("no cookie named {cookie_name}").into(),
            Self::Cookie(rejection) => rejection.to_string().into(),
            Self::Session(SessionRejection::NoCookie) => {
                format!("no cookie named {cookie_name}").into()
            }
            Self::Session(rejection) => rejection.to_string().into(),
            Self::Empty => "empty input".into(),
            Self::NotUtf8 => "input is not valid UTF-8".into(),
            Self::TooLong => format!("input longer than {MAX_LINE} bytes").into(),
            Self::NoSession => "session not found".into(),
            Self::Expired => "session expired".into(),
        }
    }
}

pub(crate) fn run(args: &VerifyArgs) -> anyhow::Result<Exit> {
    let from_stdin = args.cookies.is_empty() || args.cookies.iter().any(|c| c.expose() == "-");
    if from_stdin && secrets::reads_stdin(&args.secrets) {
        bail!(
            "stdin cannot carry both the secret (--secret-file -) and the cookies: give the \
             cookies as arguments"
        );
    }
    let kind = Kind::from_args(&args.kind)?;
    let checker = match &kind {
        Kind::ExpressSession { .. } => Checker::Express(secrets::keyring(&args.secrets)?),
        Kind::CookieSession { name, algorithm } => {
            if args.store.store.is_some() {
                bail!(
                    "--store: cookie-session keeps the whole session in the cookie, not in a store"
                );
            }
            Checker::Session(CookieSession::new(
                name,
                secrets::keygrip(&args.secrets, *algorithm)?,
            )?)
        }
    };
    let store = match &args.store.store {
        Some(url) => Some(Lookup {
            store: store::open(url)?,
            runtime: crate::runtime::build(crate::runtime::Threads::One)?,
            url,
            show: args.show,
        }),
        None => None,
    };
    let mut answers = Answers {
        checker: &checker,
        name: kind.name(),
        store,
        json: args.json,
        out: io::BufWriter::with_capacity(64 * 1024, io::stdout().lock()),
        err: io::BufWriter::new(io::stderr().lock()),
        invalid: 0,
    };
    let mut index = 0;
    for cookie in &args.cookies {
        index += 1;
        if cookie.expose() != "-" {
            let valid = answers.answer(index, "argument", Ok(cookie.expose()))?;
            if !valid && !args.json && Path::new(cookie.expose()).is_file() {
                // `sio-auth verify cookies.txt`: the name of a file of cookies, not a cookie.
                writeln!(
                    answers.err,
                    "sio-auth: hint: argument {index} is the name of a file; cookies are read \
                     from the arguments or from stdin: sio-auth verify < {}",
                    shell_word(cookie.expose())
                )
                .context("cannot write to stderr")?;
            }
        }
    }
    if from_stdin {
        if io::IsTerminal::is_terminal(&io::stdin()) {
            // Typed by hand, not piped: say what the silence is waiting for.
            writeln!(
                answers.err,
                "sio-auth: reading cookies from the terminal, one per line; end with Ctrl-D"
            )?;
            answers.err.flush()?;
        }
        answers.stream_stdin()?;
    }
    answers.flush()?;
    Ok(if answers.invalid == 0 {
        Exit::Success
    } else {
        Exit::Negative
    })
}

/// One line of `verify --json`, keys in this order.
#[derive(Serialize)]
struct JsonVerdict<'a> {
    valid: bool,
    sid: Option<&'a str>,
    secret_index: Option<usize>,
    reason: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    session: Option<&'a serde_json::Value>,
}

fn json_line(verdict: &impl Serialize) -> anyhow::Result<String> {
    serde_json::to_string(verdict).context("cannot write a verdict as JSON")
}

/// A path as a POSIX shell reads it back: bare when it is made of safe characters, else quoted.
fn shell_word(path: &str) -> Cow<'_, str> {
    let safe = |c: char| c.is_ascii_alphanumeric() || "/._-+,:@%".contains(c);
    if !path.is_empty() && path.chars().all(safe) {
        Cow::Borrowed(path)
    } else {
        Cow::Owned(format!("'{}'", path.replace('\'', r"'\''")))
    }
}

/// `--store`: where valid cookies' sessions are looked up.
struct Lookup<'a> {
    store: Arc<dyn SessionStore>,
    runtime: tokio::runtime::Runtime,
    url: &'a StoreUrl,
    show: bool,
}

impl Lookup<'_> {
    /// The live session of a signed sid, or why there is none; a store failure is an error.
    fn session(&self, sid: &str) -> anyhow::Result<Result<Session, Reason>> {
        let found = self
            .runtime
            .block_on(self.store.get(sid))
            .with_context(|| format!("cannot look up the session in {}", self.url))
            .exit_with(Exit::Network)?;
        Ok(match found {
            None => Err(Reason::NoSession),
            Some(session) if session.is_expired(SystemTime::now()) => Err(Reason::Expired),
            Some(session) => Ok(session),
        })
    }
}

/// What checks the inputs: express-session's keyring, or cookie-session's jar.
enum Checker {
    Express(Keyring),
    Session(CookieSession),
}

/// A valid input: a signed sid, or a cookie-session pair's session.
enum Valid<'a> {
    Sid(Verified<'a>),
    Session(sio_auth::cookie::VerifiedSession),
}

/// One line of `verify --kind cookie-session --json`, keys in this order.
#[derive(Serialize)]
struct JsonSessionVerdict<'a> {
    valid: bool,
    session: Option<&'a serde_json::Map<String, serde_json::Value>>,
    key_index: Option<usize>,
    reason: Option<&'a str>,
}

struct Answers<'a, O: io::Write, E: io::Write> {
    checker: &'a Checker,
    name: &'a str,
    store: Option<Lookup<'a>>,
    json: bool,
    out: O,
    err: E,
    invalid: u64,
}

impl<O: io::Write, E: io::Write> Answers<'_, O, E> {
    /// Answers each line of stdin, as it comes.
    fn stream_stdin(&mut self) -> anyhow::Result<()> {
        let mut index = 0;
        let mut input = io::BufReader::with_capacity(64 * 1024, io::stdin().lock());
        let mut line = Vec::with_capacity(256);
        loop {
            // Answers are buffered for speed, but never held back while we wait for input.
            if input.buffer().is_empty() {
                self.flush()?;
            }
            line.clear();
            let (read, too_long) = read_line(&mut input, &mut line).context("cannot read stdin")?;
            if read == 0 {
                return Ok(());
            }
            index += 1;
            let text = if too_long {
                Err(Reason::TooLong)
            } else {
                let trimmed = line.strip_suffix(b"\n").unwrap_or(&line);
                let trimmed = trimmed.strip_suffix(b"\r").unwrap_or(trimmed);
                std::str::from_utf8(trimmed).map_err(|_| Reason::NotUtf8)
            };
            self.answer(index, "line", text)?;
        }
    }

    fn answer(
        &mut self,
        index: u64,
        what: &str,
        input: Result<&str, Reason>,
    ) -> anyhow::Result<bool> {
        let mut verdict = input.and_then(|text| check(self.checker, self.name, text));
        let mut session = None;
        if let (Ok(Valid::Sid(verified)), Some(lookup)) = (&verdict, &self.store) {
            match lookup.session(&verified.sid)? {
                Ok(found) => session = lookup.show.then_some(found),
                Err(reason) => verdict = Err(reason),
            }
        }
        let written = match (&verdict, self.json) {
            (Ok(_), false) if session.is_some() => writeln!(
                self.out,
                "{}",
                session.as_ref().map(Session::as_value).unwrap_or_default()
            ),
            (Ok(Valid::Sid(verified)), false) => write_sid(&mut self.out, &verified.sid),
            (Ok(Valid::Sid(verified)), true) => writeln!(
                self.out,
                "{}",
                json_line(&JsonVerdict {
                    valid: true,
                    sid: Some(&verified.sid),
                    secret_index: Some(verified.secret_index),
                    reason: None,
                    session: session.as_ref().map(Session::value),
                })?
            ),
            (Ok(Valid::Session(verified)), false) => writeln!(
                self.out,
                "{}",
                serde_json::Value::Object(verified.session.clone())
            ),
            (Ok(Valid::Session(verified)), true) => writeln!(
                self.out,
                "{}",
                json_line(&JsonSessionVerdict {
                    valid: true,
                    session: Some(&verified.session),
                    key_index: Some(verified.key_index),
                    reason: None,
                })?
            ),
            (Err(reason), false) => {
                writeln!(
                    self.err,
                    "sio-auth: {what} {index}: invalid: {}",
                    reason.describe(self.name)
                )
                .context("cannot write to stderr")?;
                Ok(())
            }
            (Err(reason), true) if matches!(self.checker, Checker::Session(_)) => writeln!(
                self.out,
                "{}",
                json_line(&JsonSessionVerdict {
                    valid: false,
                    session: None,
                    key_index: None,
                    reason: Some(&reason.describe(self.name)),
                })?
            ),
            (Err(reason), true) => writeln!(
                self.out,
                "{}",
                json_line(&JsonVerdict {
                    valid: false,
                    sid: None,
                    secret_index: None,
                    reason: Some(&reason.describe(self.name)),
                    session: None,
                })?
            ),
        };
        written.context("cannot write to stdout")?;
        if verdict.is_err() {
            self.invalid += 1;
        }
        Ok(verdict.is_ok())
    }

    fn flush(&mut self) -> anyhow::Result<()> {
        self.out.flush().context("cannot write to stdout")?;
        self.err.flush().context("cannot write to stderr")
    }
}

/// Reads up to and including the next `\n`, keeping at most [`MAX_LINE`] bytes of it.
/// Returns the bytes consumed and whether the line was cut.
pub(crate) fn read_line(
    input: &mut impl io::BufRead,
    line: &mut Vec<u8>,
) -> io::Result<(usize, bool)> {
    let mut consumed = 0;
    let mut too_long = false;
    loop {
        let chunk = match input.fill_buf() {
            Ok(chunk) => chunk,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if chunk.is_empty() {
            return Ok((consumed, too_long));
        }
        let (take, done) = match memchr_newline(chunk) {
            Some(i) => (i + 1, true),
            None => (chunk.len(), false),
        };
        if !too_long {
            if line.len() + take > MAX_LINE + 2 {
                too_long = true;
                line.clear();
            } else {
                line.extend_from_slice(&chunk[..take]);
            }
        }
        input.consume(take);
        consumed += take;
        if done {
            return Ok((consumed, too_long));
        }
    }
}

fn memchr_newline(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|&b| b == b'\n')
}

/// Prints a sid on its own line; control characters are escaped so that one answer stays one
/// line (`--json` prints any sid exactly).
fn write_sid(out: &mut impl io::Write, sid: &str) -> io::Result<()> {
    if sid.chars().any(char::is_control) {
        let escaped: String = sid
            .chars()
            .map(|c| {
                if c.is_control() {
                    c.escape_default().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect();
        writeln!(out, "{escaped}")
    } else {
        out.write_all(sid.as_bytes())?;
        out.write_all(b"\n")
    }
}

/// The verdict for one input, in any of the forms [`Keyring::verify_input`] reads.
fn verify<'a>(keyring: &Keyring, name: &str, input: &'a str) -> Result<Verified<'a>, Reason> {
    if input.trim_matches([' ', '\t']).is_empty() {
        return Err(Reason::Empty);
    }
    keyring.verify_input(input, name).map_err(Reason::Cookie)
}

/// The verdict for one input of either kind: a cookie-session pair must come as a Cookie
/// header (with or without `Cookie:`), since it is two cookies.
fn check<'a>(checker: &Checker, name: &str, input: &'a str) -> Result<Valid<'a>, Reason> {
    match checker {
        Checker::Express(keyring) => verify(keyring, name, input).map(Valid::Sid),
        Checker::Session(jar) => {
            if input.trim_matches([' ', '\t']).is_empty() {
                return Err(Reason::Empty);
            }
            jar.verify_input(input)
                .map(Valid::Session)
                .map_err(Reason::Session)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sio_auth::cookie::Secret;

    #[test]
    fn every_input_form() {
        let keyring = Keyring::new([Secret::new("tobiiscool").unwrap()]).unwrap();
        let raw = "s:hello.DGDUkGlIkCzPz+C0B064FNgHdEjox7ch8tOBGslZ5QI";
        let encoded = "s%3Ahello.DGDUkGlIkCzPz%2BC0B064FNgHdEjox7ch8tOBGslZ5QI";
        for input in [
            raw.to_owned(),
            encoded.to_owned(),
            format!("express.sid={encoded}"),
            format!("a=1; express.sid={encoded}; b=2"),
            format!("Cookie: a=1; express.sid={encoded}"),
            format!("  {raw}  "),
        ] {
            assert_eq!(
                verify(&keyring, "express.sid", &input).unwrap().sid,
                "hello",
                "{input}"
            );
        }
        assert_eq!(
            verify(&keyring, "express.sid", &format!("other={encoded}")),
            Err(Reason::Cookie(Rejection::NoCookie))
        );
        assert_eq!(
            verify(&keyring, "express.sid", "hello"),
            Err(Reason::Cookie(Rejection::NotSigned))
        );
        assert_eq!(verify(&keyring, "express.sid", " "), Err(Reason::Empty));
    }

    #[test]
    fn long_lines_are_cut_not_buffered() {
        let mut input = io::Cursor::new([vec![b'x'; MAX_LINE * 3], b"\nok\n".to_vec()].concat());
        let mut line = Vec::new();
        assert_eq!(
            read_line(&mut input, &mut line).unwrap(),
            (MAX_LINE * 3 + 1, true)
        );
        assert!(line.len() <= MAX_LINE + 2);
        line.clear();
        assert_eq!(read_line(&mut input, &mut line).unwrap(), (3, false));
        assert_eq!(line, b"ok\n");
    }
}
