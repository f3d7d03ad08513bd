//! The live progress line on stderr: on a terminal only, from 2 s into a run, redrawn in place
//! (`\r`) every 500 ms, and cleared when the run ends so that the summary follows on a clean
//! screen. Nothing at all when stderr is not a terminal (a log, a pipe, CI).

use std::io::{IsTerminal as _, Write as _};
use std::time::{Duration, Instant};

/// How long a run goes before the line appears: shorter runs would only flicker.
const FIRST: Duration = Duration::from_secs(2);
const EVERY: Duration = Duration::from_millis(500);

/// A running progress line; [`Progress::finish`] clears it.
#[derive(Debug)]
pub(super) struct Progress {
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl Progress {
    /// Starts drawing `line(elapsed)` when stderr is a terminal; `None` when it is not.
    pub(super) fn start(mut line: impl FnMut(Duration) -> String + Send + 'static) -> Option<Self> {
        if !std::io::stderr().is_terminal() {
            return None;
        }
        let (stop, mut stopped) = tokio::sync::oneshot::channel();
        let started = Instant::now();
        let task = tokio::spawn(async move {
            let mut tick = tokio::time::interval_at((started + FIRST).into(), EVERY);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut drawn = false;
            loop {
                tokio::select! {
                    _ = &mut stopped => break,
                    _ = tick.tick() => {
                        let text = line(started.elapsed());
                        // Nothing to do about a stderr that cannot be written: the summary
                        // goes to stdout all the same.
                        let mut stderr = std::io::stderr().lock();
                        let _ = write!(stderr, "\r{text}\x1b[K");
                        let _ = stderr.flush();
                        drawn = true;
                    }
                }
            }
            if drawn {
                let mut stderr = std::io::stderr().lock();
                let _ = write!(stderr, "\r\x1b[K");
                let _ = stderr.flush();
            }
        });
        Some(Self { stop, task })
    }

    /// Prints a line of its own above the progress line (which the next redraw brings back).
    pub(super) fn note(&self, text: &str) {
        let mut stderr = std::io::stderr().lock();
        let _ = writeln!(stderr, "\r\x1b[K{text}");
        let _ = stderr.flush();
    }

    /// Stops drawing and clears the line.
    pub(super) async fn finish(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}

/// Per second since the last call, from a running count; `last` holds the previous reading.
pub(super) fn rate(last: &mut (Instant, u64), count: u64) -> f64 {
    let now = Instant::now();
    let since = now.duration_since(last.0).as_secs_f64();
    #[allow(clippy::cast_precision_loss)]
    let rate = if since > 0.0 {
        count.saturating_sub(last.1) as f64 / since
    } else {
        0.0
    };
    *last = (now, count);
    rate
}
