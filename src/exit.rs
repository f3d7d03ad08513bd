//! Exit codes, which are part of the interface (see `sio-auth --help`).

use std::fmt;
use std::process::ExitCode;

/// What a command's outcome means to the shell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exit {
    /// Everything asked for was done and every answer was positive.
    Success = 0,
    /// A negative answer: an invalid cookie, a connection refused by the server's auth.
    Negative = 1,
    /// Bad usage, unreadable input or configuration.
    Usage = 2,
    /// The network failed us: connection refused, DNS, TLS, the server went away.
    Network = 3,
    /// Something took longer than allowed.
    Timeout = 4,
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

/// The exit code for an error: the innermost tag, else 2 (bad input or configuration).
pub(crate) fn exit_for(error: &anyhow::Error) -> Exit {
    error
        .chain()
        .find_map(|e| e.downcast_ref::<Failure>())
        .map_or(Exit::Usage, |f| f.exit)
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
