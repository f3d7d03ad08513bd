//! Exit codes, which are part of the interface (see `sio-auth --help` and the README), and the
//! one place that picks the code of an error: an explicit tag ([`ExitOnError::exit_with`],
//! [`failure`]) wins; otherwise the error's type decides ([`exit_for`]), as xh's
//! `error_reporting.rs` does.

use std::fmt;
use std::io;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;

/// What a command's outcome means to the shell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exit {
    /// Everything asked for was done and every answer was positive.
    Success = 0,
    /// A negative answer: an invalid cookie, a connection refused by the server's auth.
    Negative = 1,
    /// Bad usage: bad arguments or configuration (a missing secret file, a weak secret).
    Usage = 2,
    /// The network failed us: connection refused, DNS, TLS, the server went away.
    Network = 3,
    /// Something took longer than allowed.
    Timeout = 4,
    /// A local I/O failure: stdout, stdin or a file could not be written or read.
    Io = 5,
    /// The server ended our session (`connect`: it sent `session_ended`).
    SessionEnded = 6,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        ExitCode::from(exit as u8)
    }
}

/// An error that knows which exit code it deserves.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) exit: Exit,
    error: anyhow::Error,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#}", self.error)
    }
}

impl std::error::Error for Failure {}

/// Tags errors with the exit code they deserve.
pub(crate) trait ExitOnError<T> {
    /// Marks the error, if any, as one that exits with `exit`.
    fn exit_with(self, exit: Exit) -> anyhow::Result<T>;
}

impl<T, E: Into<anyhow::Error>> ExitOnError<T> for Result<T, E> {
    fn exit_with(self, exit: Exit) -> anyhow::Result<T> {
        self.map_err(|e| {
            Failure {
                exit,
                error: e.into(),
            }
            .into()
        })
    }
}

/// Builds an error that exits with `exit`.
pub(crate) fn failure(exit: Exit, error: impl Into<anyhow::Error>) -> anyhow::Error {
    Failure {
        exit,
        error: error.into(),
    }
    .into()
}

/// The exit code for an error: the outermost explicit tag, else the first error in the chain
/// whose type tells ([`exit_for_type`]), else 2: an error without a type is one of our own
/// messages about the arguments or the configuration.
pub(crate) fn exit_for(error: &anyhow::Error) -> Exit {
    error
        .chain()
        .find_map(|e| e.downcast_ref::<Failure>().map(|f| f.exit))
        .or_else(|| error.chain().find_map(exit_for_type))
        .unwrap_or(Exit::Usage)
}

/// The exit code an error's type implies, if it implies one.
fn exit_for_type(error: &(dyn std::error::Error + 'static)) -> Option<Exit> {
    if error.is::<clap::Error>() {
        return Some(Exit::Usage);
    }
    if let Some(error) = error.downcast_ref::<io::Error>() {
        return Some(exit_for_io(error.kind()));
    }
    if error.is::<tokio::time::error::Elapsed>() {
        return Some(Exit::Timeout);
    }
    if error.is::<reqwest::Error>()
        || error.is::<redis::RedisError>()
        || error.is::<rust_socketio::Error>()
        || error.is::<tokio_tungstenite::tungstenite::Error>()
        || error.is::<native_tls::Error>()
        || error.is::<crate::store::StoreError>()
    {
        return Some(Exit::Network);
    }
    None
}

/// An `io::Error` is local (5) unless its kind says the network or the clock failed.
fn exit_for_io(kind: io::ErrorKind) -> Exit {
    use io::ErrorKind as K;
    match kind {
        K::TimedOut => Exit::Timeout,
        K::ConnectionRefused
        | K::ConnectionReset
        | K::ConnectionAborted
        | K::NotConnected
        | K::AddrInUse
        | K::AddrNotAvailable
        | K::HostUnreachable
        | K::NetworkUnreachable
        | K::NetworkDown => Exit::Network,
        _ => Exit::Io,
    }
}

/// Reads a file named on the command line: a file that cannot be opened (missing, forbidden,
/// a directory, a socket) is a bad argument (2); failing to read an opened one is I/O (5).
pub(crate) fn read_named_file(path: &Path, what: &str) -> anyhow::Result<Vec<u8>> {
    use std::io::Read as _;
    let shown = path.display();
    let mut file = std::fs::File::open(path)
        .map_err(|e| anyhow::anyhow!("cannot read {what} {shown}: {e}"))
        .exit_with(Exit::Usage)?;
    if file.metadata().is_ok_and(|m| m.is_dir()) {
        return Err(failure(
            Exit::Usage,
            anyhow::anyhow!("{what} {shown} is a directory"),
        ));
    }
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)
        .with_context(|| format!("cannot read {what} {shown}"))?;
    Ok(bytes)
}

/// Whether the error is only stdout going away (`sio-auth verify | head`), which ends the
/// program quietly.
pub(crate) fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// An error and its sources on one line, without the repeats thiserror's `{0}` messages make.
pub(crate) fn one_line(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(error);
    while let Some(error) = next {
        let text = error.to_string();
        // rust_socketio's wrapper around every Engine.IO error says nothing.
        if text != "EngineIO Error" && !parts.last().is_some_and(|last| last.contains(&text)) {
            parts.push(text);
        }
        next = error.source();
    }
    // Keep only the most specific of a run where each repeats the next.
    let mut out: Vec<&str> = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        if parts
            .get(i + 1)
            .is_some_and(|next| part.ends_with(next.as_str()))
        {
            let trimmed = part[..part.len() - parts[i + 1].len()].trim_end_matches([':', ' ']);
            if !trimmed.is_empty() {
                out.push(trimmed);
            }
        } else {
            out.push(part);
        }
    }
    out.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A message and the error it wraps, if any.
    #[derive(Debug)]
    struct Wrapper(&'static str, Option<Box<Wrapper>>);

    impl fmt::Display for Wrapper {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.0)
        }
    }

    impl std::error::Error for Wrapper {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            self.1.as_deref().map(|e| e as _)
        }
    }

    #[test]
    fn codes_come_from_tags_then_types() {
        use anyhow::{Context as _, anyhow};
        let io = |kind| anyhow::Error::from(io::Error::from(kind));
        for (error, exit) in [
            // `sign > /dev/full` exited 2 before errors were classified by type.
            (io(io::ErrorKind::StorageFull), Exit::Io),
            (io(io::ErrorKind::BrokenPipe), Exit::Io),
            (io(io::ErrorKind::NotFound), Exit::Io),
            (io(io::ErrorKind::ConnectionRefused), Exit::Network),
            (io(io::ErrorKind::AddrInUse), Exit::Network),
            (io(io::ErrorKind::TimedOut), Exit::Timeout),
            (
                Err::<(), _>(io::Error::from(io::ErrorKind::StorageFull))
                    .context("cannot write to stdout")
                    .unwrap_err(),
                Exit::Io,
            ),
            (
                crate::store::StoreError::Unavailable("down".to_owned()).into(),
                Exit::Network,
            ),
            // Our own messages are about the arguments.
            (anyhow!("the session id is empty"), Exit::Usage),
            // An explicit tag wins over the type, the outermost over the inner ones.
            (
                failure(Exit::Usage, io::Error::from(io::ErrorKind::NotFound)),
                Exit::Usage,
            ),
            (
                Err::<(), _>(failure(Exit::Network, anyhow!("x")))
                    .exit_with(Exit::Timeout)
                    .unwrap_err(),
                Exit::Timeout,
            ),
        ] {
            assert_eq!(exit_for(&error), exit, "{error:#}");
        }
    }

    #[test]
    fn one_line_drops_the_repeats() {
        for (outer, inner, line) in [
            // thiserror's `#[error("…: {0}")]` repeats its source.
            (
                "WebSocket protocol error: HTTP version must be 1.1 or higher",
                "HTTP version must be 1.1 or higher",
                "WebSocket protocol error: HTTP version must be 1.1 or higher",
            ),
            // Context that does not repeat is kept.
            (
                "cannot connect",
                "Connection refused (os error 111)",
                "cannot connect: Connection refused (os error 111)",
            ),
            // rust_socketio's empty wrapper is left out.
            (
                "EngineIO Error",
                "IO error: Connection refused",
                "IO error: Connection refused",
            ),
        ] {
            let error = Wrapper(outer, Some(Box::new(Wrapper(inner, None))));
            assert_eq!(one_line(&error), line);
        }
    }
}
