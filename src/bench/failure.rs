//! Why connections failed, counted by cause, and what to tell the user about each cause.

use std::fmt;
use std::time::Duration;

use crate::exit::{Exit, one_line};

/// A step of a handshake that got no answer in time.
#[derive(Debug, thiserror::Error)]
#[error("no answer within {} while {step}", crate::cli::show_duration(*.after))]
pub(crate) struct TimedOut {
    /// What the client was waiting for, e.g. "waiting for the namespace's verdict".
    pub(crate) step: &'static str,
    pub(crate) after: Duration,
}

/// What made a connection fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Cause {
    /// A step got no answer within `--timeout`.
    Timeout,
    /// This process (or the system) ran out of file descriptors: EMFILE or ENFILE.
    OpenFiles,
    /// The server sent something that is not Engine.IO / Socket.IO, or an HTTP error.
    Protocol,
    /// Any other I/O failure: refused, reset, closed.
    Network,
}

impl Cause {
    const ALL: [Self; 4] = [
        Self::Timeout,
        Self::OpenFiles,
        Self::Protocol,
        Self::Network,
    ];

    /// The cause of a failed connection, from its error chain.
    pub(crate) fn of(error: &anyhow::Error) -> Self {
        for e in error.chain() {
            if e.is::<TimedOut>() {
                return Self::Timeout;
            }
            if let Some(io) = e.downcast_ref::<std::io::Error>()
                && is_out_of_descriptors(io)
            {
                return Self::OpenFiles;
            }
            if e.is::<sio_auth::wire::WireError>() || e.is::<HttpStatus>() {
                return Self::Protocol;
            }
        }
        Self::Network
    }

    /// The key in the summary's `errors_by_cause`.
    const fn key(self) -> &'static str {
        match self {
            Self::Timeout => "timeout",
            Self::OpenFiles => "open_files",
            Self::Protocol => "protocol",
            Self::Network => "network",
        }
    }

    /// The exit code of a run this cause spoiled.
    const fn exit(self) -> Exit {
        match self {
            Self::Timeout => Exit::Timeout,
            // Local: the server did nothing wrong.
            Self::OpenFiles => Exit::Io,
            Self::Protocol | Self::Network => Exit::Network,
        }
    }
}

/// An HTTP response other than 200 to a polling request.
#[derive(Debug, thiserror::Error)]
#[error("HTTP {status} from the server: {body}")]
pub(crate) struct HttpStatus {
    pub(crate) status: u16,
    pub(crate) body: sio_auth::wire::Preview,
}

/// EMFILE (this process's limit) or ENFILE (the system's), the same numbers on Linux and the
/// BSDs.
fn is_out_of_descriptors(error: &std::io::Error) -> bool {
    matches!(error.raw_os_error(), Some(23 | 24))
}

/// Failures counted by cause, with the first message of each.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    counts: [u64; Cause::ALL.len()],
    first: [Option<String>; Cause::ALL.len()],
}

impl Tally {
    pub(crate) fn add(&mut self, error: &anyhow::Error) {
        let cause = Cause::of(error) as usize;
        self.counts[cause] += 1;
        self.first[cause].get_or_insert_with(|| one_line(&**error));
    }

    pub(crate) fn merge(&mut self, other: Self) {
        for (i, count) in other.counts.into_iter().enumerate() {
            self.counts[i] += count;
        }
        for (mine, theirs) in self.first.iter_mut().zip(other.first) {
            if mine.is_none() {
                *mine = theirs;
            }
        }
    }

    pub(crate) fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// `{"timeout": n, "open_files": n, "protocol": n, "network": n}` for the summary.
    pub(crate) fn to_json(&self) -> serde_json::Value {
        Cause::ALL
            .iter()
            .map(|&c| (c.key().to_owned(), self.counts[c as usize].into()))
            .collect::<serde_json::Map<_, _>>()
            .into()
    }

    /// The most frequent cause (the first in [`Cause::ALL`] on a tie), if anything failed.
    fn main_cause(&self) -> Option<Cause> {
        Cause::ALL
            .iter()
            .copied()
            .filter(|&c| self.counts[c as usize] > 0)
            .max_by_key(|&c| (self.counts[c as usize], std::cmp::Reverse(c)))
    }

    /// The error that ends a run with failures: counts, the first message of the main cause,
    /// and what to do about it. `None` when nothing failed.
    pub(crate) fn into_error(
        self,
        what: &str,
        attempts: u64,
        clients: u32,
    ) -> Option<anyhow::Error> {
        let cause = self.main_cause()?;
        let report = Report {
            what,
            attempts,
            clients,
            tally: &self,
            cause,
        };
        Some(crate::exit::failure(
            cause.exit(),
            anyhow::anyhow!("{report}"),
        ))
    }
}

struct Report<'a> {
    what: &'a str,
    attempts: u64,
    clients: u32,
    tally: &'a Tally,
    cause: Cause,
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tally = self.tally;
        write!(
            f,
            "{} of {} {} failed (",
            tally.total(),
            self.attempts,
            self.what
        )?;
        let mut sep = "";
        for cause in Cause::ALL {
            let n = tally.counts[cause as usize];
            if n > 0 {
                write!(f, "{sep}{n} {}", cause.key().replace('_', " "))?;
                sep = ", ";
            }
        }
        let first = tally.first[self.cause as usize]
            .as_deref()
            .unwrap_or_default();
        write!(f, "); the first: {first}")?;
        match self.cause {
            Cause::OpenFiles => {
                let limit = open_file_limit()
                    .map(|n| format!(", now {n}"))
                    .unwrap_or_default();
                write!(
                    f,
                    "; raise the open-file limit (ulimit -n{limit}) or lower --clients ({})",
                    self.clients
                )
            }
            Cause::Timeout => f.write_str(
                "; the server is overloaded or not a Socket.IO server (--timeout sets the wait)",
            ),
            Cause::Protocol | Cause::Network => Ok(()),
        }
    }
}

/// This process's soft limit on open files, where the system says (Linux's /proc).
pub(crate) fn open_file_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn io(code: i32) -> anyhow::Error {
        anyhow::Error::new(std::io::Error::from_raw_os_error(code)).context("cannot connect")
    }

    #[test]
    fn causes_from_the_error_chain() {
        let timed_out = anyhow::Error::new(TimedOut {
            step: "connecting",
            after: Duration::from_secs(5),
        });
        assert_eq!(Cause::of(&timed_out), Cause::Timeout);
        assert_eq!(Cause::of(&io(24)), Cause::OpenFiles);
        assert_eq!(Cause::of(&io(23)), Cause::OpenFiles);
        assert_eq!(Cause::of(&io(111)), Cause::Network);
        let tungstenite = anyhow::Error::new(tokio_tungstenite::tungstenite::Error::Io(
            std::io::Error::from_raw_os_error(24),
        ));
        assert_eq!(Cause::of(&tungstenite), Cause::OpenFiles);
        let wire = anyhow::Error::new(sio_auth::wire::WireError::EmptyPacket);
        assert_eq!(Cause::of(&wire), Cause::Protocol);
    }

    #[test]
    fn the_report_names_the_main_cause_and_its_remedy() {
        let mut tally = Tally::default();
        for _ in 0..3 {
            tally.add(&io(24));
        }
        tally.add(&io(111));
        let error = tally.into_error("sockets", 10, 5000).unwrap();
        assert_eq!(crate::exit::exit_for(&error), Exit::Io);
        let text = error.to_string();
        assert!(
            text.starts_with(
                "4 of 10 sockets failed (3 open files, 1 network); the first: cannot connect: "
            ),
            "{text}"
        );
        assert!(
            text.contains("raise the open-file limit (ulimit -n"),
            "{text}"
        );
        assert!(text.ends_with("or lower --clients (5000)"), "{text}");
        assert!(Tally::default().into_error("sockets", 1, 1).is_none());
    }
}
