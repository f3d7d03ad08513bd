//! What `serve` says at the default log level: a summary every [`EVERY`] instead of a line per
//! handshake (under a flood, a line per handshake was 22 MB of log in 8 s and cost 8–13 % of the
//! handshake rate). Per-handshake lines are at debug level (`RUST_LOG=sio_auth=debug`).

use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// How often the summary is logged (only when something happened).
pub(crate) const EVERY: Duration = Duration::from_secs(10);

/// Counters since the last summary. Refusal reasons are the client-visible texts; the set is
/// small and fixed (plus `Requirement not met: …` per rule), so a short list is enough.
#[derive(Debug, Default)]
pub(crate) struct Stats {
    accepted: AtomicU64,
    refused: Mutex<Vec<(String, u64)>>,
    issued: AtomicU64,
    /// Requests refused by the Engine.IO session guard (a cookie that did not open the session).
    foreign: AtomicU64,
    /// Connections answered 503 at the connection cap.
    over_cap: AtomicU64,
    /// Requests without a valid cookie answered 503: the untrusted lane was full.
    busy: AtomicU64,
    /// Sockets joined to a namespace right now.
    sockets: AtomicUsize,
}

impl Stats {
    pub(crate) fn accepted(&self) {
        self.accepted.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn refused(&self, why: &str) {
        let mut refused = self
            .refused
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((_, n)) = refused.iter_mut().find(|(text, _)| text == why) {
            *n += 1;
        } else if refused.len() < 64 {
            // Bounded: the texts are ours, one per namespace rule at most.
            refused.push((why.to_owned(), 1));
        }
    }

    pub(crate) fn issued(&self) {
        self.issued.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn foreign(&self) {
        self.foreign.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn over_cap(&self) {
        self.over_cap.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn busy(&self) {
        self.busy.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn joined(&self) {
        self.sockets.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn left(&self) {
        self.sockets.fetch_sub(1, Ordering::Relaxed);
    }

    /// The summary of what happened since the last call, or `None` when nothing did.
    pub(crate) fn take_summary(&self, connections: usize) -> Option<String> {
        let accepted = self.accepted.swap(0, Ordering::Relaxed);
        let issued = self.issued.swap(0, Ordering::Relaxed);
        let foreign = self.foreign.swap(0, Ordering::Relaxed);
        let over_cap = self.over_cap.swap(0, Ordering::Relaxed);
        let busy = self.busy.swap(0, Ordering::Relaxed);
        let refused = std::mem::take(
            &mut *self
                .refused
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        let refused_total: u64 = refused.iter().map(|(_, n)| n).sum();
        if accepted + issued + foreign + over_cap + busy + refused_total == 0 {
            return None;
        }
        let mut line = format!("{accepted} handshakes accepted, {refused_total} refused");
        if !refused.is_empty() {
            let reasons: Vec<String> = refused
                .iter()
                .map(|(why, n)| format!("{n} {why:?}"))
                .collect();
            let _ = write!(line, " ({})", reasons.join(", "));
        }
        let _ = write!(line, ", {issued} sessions issued");
        if foreign > 0 {
            let _ = write!(
                line,
                ", {foreign} requests with another session's sid refused"
            );
        }
        if over_cap > 0 {
            let _ = write!(line, ", {over_cap} connections refused at the cap");
        }
        if busy > 0 {
            let _ = write!(
                line,
                ", {busy} requests without a valid cookie refused (their lane was full)"
            );
        }
        let sockets = self.sockets.load(Ordering::Relaxed);
        let _ = write!(line, "; {sockets} sockets, {connections} connections open");
        Some(line)
    }
}

/// Logs accept errors at most once per second, with how many there were.
#[derive(Debug)]
pub(crate) struct AcceptErrors {
    since: Instant,
    count: u64,
    first: bool,
}

impl Default for AcceptErrors {
    fn default() -> Self {
        Self {
            since: Instant::now(),
            count: 0,
            first: true,
        }
    }
}

impl AcceptErrors {
    /// Counts an error; returns the line to log when one is due.
    pub(crate) fn record(&mut self, error: &std::io::Error) -> Option<String> {
        self.count += 1;
        let due = self.first || self.since.elapsed() >= Duration::from_secs(1);
        if !due {
            return None;
        }
        let line = if self.count == 1 {
            format!("accept failed: {error}")
        } else {
            format!(
                "accept failed {} times in the last second: {error}",
                self.count
            )
        };
        let hint = if error.raw_os_error() == Some(24) {
            " (out of file descriptors: lower --max-connections or raise `ulimit -n`)"
        } else {
            ""
        };
        self.first = false;
        self.since = Instant::now();
        self.count = 0;
        Some(line + hint)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_summary_counts_by_reason_and_is_silent_when_idle() {
        let stats = Stats::default();
        assert_eq!(stats.take_summary(0), None);
        stats.accepted();
        stats.accepted();
        stats.refused("Cookie is invalid.");
        stats.refused("No cookie transmitted.");
        stats.refused("Cookie is invalid.");
        stats.issued();
        stats.joined();
        assert_eq!(
            stats.take_summary(3).as_deref(),
            Some(
                "2 handshakes accepted, 3 refused (2 \"Cookie is invalid.\", 1 \"No cookie \
                 transmitted.\"), 1 sessions issued; 1 sockets, 3 connections open"
            )
        );
        assert_eq!(stats.take_summary(3), None, "counts start again");
    }

    #[test]
    fn accept_errors_are_logged_once_a_second_with_a_count() {
        let mut errors = AcceptErrors::default();
        let emfile = std::io::Error::from_raw_os_error(24);
        assert!(
            errors
                .record(&emfile)
                .is_some_and(|l| l.contains("ulimit -n"))
        );
        for _ in 0..100 {
            assert_eq!(errors.record(&emfile), None);
        }
        errors.since -= Duration::from_secs(1);
        let line = errors.record(&emfile).unwrap();
        assert!(line.contains("101 times"), "{line}");
    }
}
