//! The tick schedule: every authorized socket gets `[event, <epoch ms>]` once per interval.
//!
//! The classic Node server runs one `setInterval` per socket, so each socket ticks at its own
//! phase and the sends are spread over the interval. Here the interval is cut into at most
//! [`MAX_SLOTS`] phases of at least [`MIN_SLOT`]: a socket joins the phase room it connected in,
//! and one shared timer fires each phase in turn with a single namespace broadcast, which
//! socketioxide serializes and encodes once for all the sockets of that phase. Spreading the
//! sends keeps a burst (and the delay of its last socket) to 1/`MAX_SLOTS` of the sockets; the
//! encoding stays once per phase, not once per socket.

use std::time::{Duration, SystemTime};

use socketioxide::SocketIo;
use socketioxide::extract::SocketRef;
use tokio::time::Instant;

/// At most this many phases per interval.
const MAX_SLOTS: u32 = 100;
/// No phase is shorter than this: a short interval gets fewer phases.
const MIN_SLOT: Duration = Duration::from_millis(10);

/// How the interval is cut into phases, and which phase is current.
#[derive(Debug, Clone)]
pub(crate) struct Phases {
    start: Instant,
    slot: Duration,
    /// Room names `tick:0` … `tick:N-1`, made once for the process's life.
    rooms: &'static [&'static str],
}

impl Phases {
    pub(crate) fn new(interval: Duration) -> Self {
        let wanted = interval.as_nanos() / MIN_SLOT.as_nanos();
        let slots = u32::try_from(wanted)
            .unwrap_or(MAX_SLOTS)
            .clamp(1, MAX_SLOTS);
        let names: Vec<&'static str> = (0..slots)
            .map(|i| &*Box::leak(format!("tick:{i}").into_boxed_str()))
            .collect();
        Self {
            start: Instant::now(),
            slot: interval / slots,
            rooms: Box::leak(names.into_boxed_slice()),
        }
    }

    /// How many phase boundaries have passed since the start.
    fn elapsed_slots(&self, now: Instant) -> u64 {
        let n = now.saturating_duration_since(self.start).as_nanos() / self.slot.as_nanos();
        u64::try_from(n).unwrap_or(u64::MAX)
    }

    fn room(&self, n: u64) -> &'static str {
        // `rooms` has at most MAX_SLOTS entries, so both conversions are lossless.
        let len = self.rooms.len() as u64;
        self.rooms[usize::try_from(n % len).unwrap_or(0)]
    }

    fn boundary(&self, n: u64) -> Instant {
        let n = u32::try_from(n).map_or(Duration::MAX, |n| self.slot.saturating_mul(n));
        self.start.checked_add(n).unwrap_or_else(Instant::now)
    }

    /// Puts a newly authorized socket in the phase of the moment it connected: its first tick
    /// comes one interval later (within a phase), as with a per-socket timer.
    pub(crate) fn assign(&self, socket: &SocketRef) {
        socket.join(self.room(self.elapsed_slots(Instant::now())));
    }
}

/// Fires the phases in turn, forever.
pub(crate) async fn run(io: SocketIo, phases: Phases, event: String, namespaces: Vec<String>) {
    let targets: Vec<_> = namespaces.iter().filter_map(|ns| io.of(ns)).collect();
    let slots = phases.rooms.len() as u64;
    // The phase that fires next; the one that is current at start is skipped, since the
    // sockets that will join it connected less than one interval ago.
    let mut next = phases.elapsed_slots(Instant::now()) + 1;
    loop {
        tokio::time::sleep_until(phases.boundary(next)).await;
        let due = phases.elapsed_slots(Instant::now());
        // After a stall (a suspended process, a starved core), each phase fires at most once.
        let first = next.max((due + 1).saturating_sub(slots));
        let ms = crate::clock::epoch_millis(SystemTime::now());
        for n in first..=due {
            let room = phases.room(n);
            // Errors are per socket (buffer full, closing); a slow client must not stop ticks.
            for target in &targets {
                if let Err(e) = target.clone().to(room).emit(event.as_str(), &ms).await {
                    tracing::debug!(%e, "tick not delivered to every socket");
                }
            }
        }
        next = due + 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_interval_gets_the_most_phases_a_short_one_fewer() {
        let p = Phases::new(Duration::from_secs(1));
        assert_eq!(p.rooms.len(), 100);
        assert_eq!(p.slot, Duration::from_millis(10));
        let p = Phases::new(Duration::from_millis(50));
        assert_eq!(p.rooms.len(), 5);
        let p = Phases::new(Duration::from_millis(1));
        assert_eq!((p.rooms.len(), p.slot), (1, Duration::from_millis(1)));
        let p = Phases::new(Duration::from_secs(3600));
        assert_eq!(p.rooms.len(), 100);
        assert_eq!(p.slot, Duration::from_secs(36));
    }

    #[test]
    fn phases_repeat_every_interval() {
        let p = Phases::new(Duration::from_millis(50));
        assert_eq!(p.room(0), "tick:0");
        assert_eq!(p.room(4), "tick:4");
        assert_eq!(p.room(5), "tick:0");
        assert_eq!(p.room(u64::MAX), p.room(u64::MAX % 5));
        assert_eq!(p.boundary(5) - p.start, Duration::from_millis(50));
    }
}
