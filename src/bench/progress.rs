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

    /// Stops drawing and clears the line.
    pub(super) async fn finish(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}
