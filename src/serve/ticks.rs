//! The tick schedule: every authorized socket gets `[event, <epoch ms>]` once per interval.
//!
//! The classic Node server runs one `setInterval` per socket, so each socket ticks at its own
//! phase and the sends are spread over the interval. Here the interval is cut into at most
//! [`MAX_SLOTS`] phases of at least [`MIN_SLOT`]: a socket joins the phase room it connected in,
//! and one shared timer fires each phase in turn with a single namespace broadcast, which
//! socketioxide serializes and encodes once for all the sockets of that phase. Spreading the
//! sends keeps a burst (and the delay of its last socket) to 1/`MAX_SLOTS` of the sockets; the
//! encoding stays once per phase, not once per socket. The timer only wakes for phases that
//! have sockets, and sleeps while there are none.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use socketioxide::SocketIo;
use socketioxide::adapter::Adapter;
use socketioxide::extract::SocketRef;
use socketioxide::operators::BroadcastOperators;
use tokio::sync::Notify;
use tokio::time::Instant;

/// At most this many phases per interval.
const MAX_SLOTS: u32 = 100;
/// No phase is shorter than this: a short interval gets fewer phases.
const MIN_SLOT: Duration = Duration::from_millis(10);

/// How the interval is cut into phases, which phase is current, and who is in each.
#[derive(Debug)]
pub(crate) struct Phases {
    start: Instant,
    slot: Duration,
    /// Room names `tick:0` … `tick:N-1`, made once for the process's life.
    rooms: &'static [&'static str],
    /// How many sockets each phase has.
    members: Box<[AtomicUsize]>,
    /// Wakes the ticker when a phase gets its first socket.
    joined: Notify,
}

/// A socket's place in its phase; dropping it (with the socket's disconnect handler) leaves.
#[derive(Debug)]
pub(crate) struct PhaseMember {
    phases: Arc<Phases>,
    index: usize,
}

impl Drop for PhaseMember {
    fn drop(&mut self) {
        self.phases.members[self.index].fetch_sub(1, Ordering::Relaxed);
    }
}

impl Phases {
    pub(crate) fn new(interval: Duration) -> Arc<Self> {
        let wanted = interval.as_nanos() / MIN_SLOT.as_nanos();
        let slots = u32::try_from(wanted)
            .unwrap_or(MAX_SLOTS)
            .clamp(1, MAX_SLOTS);
        let names: Vec<&'static str> = (0..slots)
            .map(|i| &*Box::leak(format!("tick:{i}").into_boxed_str()))
            .collect();
        Arc::new(Self {
            start: Instant::now(),
            slot: interval / slots,
            rooms: Box::leak(names.into_boxed_slice()),
            members: (0..slots).map(|_| AtomicUsize::new(0)).collect(),
            joined: Notify::new(),
        })
    }

    /// How many phase boundaries have passed since the start.
    fn elapsed_slots(&self, now: Instant) -> u64 {
        let n = now.saturating_duration_since(self.start).as_nanos() / self.slot.as_nanos();
        u64::try_from(n).unwrap_or(u64::MAX)
    }

    fn index(&self, n: u64) -> usize {
        // `rooms` has at most MAX_SLOTS entries, so both conversions are lossless.
        usize::try_from(n % self.rooms.len() as u64).unwrap_or(0)
    }

    fn room(&self, n: u64) -> &'static str {
        self.rooms[self.index(n)]
    }

    fn occupied(&self, n: u64) -> bool {
        self.members[self.index(n)].load(Ordering::Relaxed) > 0
    }

    /// The first phase boundary at or after `n`, within one interval, whose phase has sockets.
    fn next_occupied(&self, n: u64) -> Option<u64> {
        (n..n.saturating_add(self.rooms.len() as u64)).find(|&k| self.occupied(k))
    }

    /// When phase boundary `n` falls. In nanoseconds, so that it is right after years of
    /// uptime too (a u32 count of 1 ms phases would wrap after 49 days).
    fn boundary(&self, n: u64) -> Instant {
        let nanos = self.slot.as_nanos().saturating_mul(u128::from(n));
        u64::try_from(nanos)
            .ok()
            .and_then(|nanos| self.start.checked_add(Duration::from_nanos(nanos)))
            // Past what an Instant can hold: never, in practice.
            .unwrap_or_else(|| Instant::now() + Duration::from_secs(365 * 86_400))
    }

    /// Puts a newly authorized socket in the phase of the moment it connected: its first tick
    /// comes one interval later (within a phase), as with a per-socket timer. Keep the returned
    /// member for the socket's life.
    pub(crate) fn assign<A: Adapter>(self: &Arc<Self>, socket: &SocketRef<A>) -> PhaseMember {
        let index = self.index(self.elapsed_slots(Instant::now()));
        socket.join(self.rooms[index]);
        if self.members[index].fetch_add(1, Ordering::Relaxed) == 0 {
            self.joined.notify_one();
        }
        PhaseMember {
            phases: self.clone(),
            index,
        }
    }
}

/// Fires the phases that have sockets, in turn, forever.
///
/// Ticks stay on this process's own sockets (`local()`): in a cluster every node ticks its own,
/// nothing goes through the adapter.
pub(crate) async fn run<A: Adapter>(
    io: SocketIo<A>,
    phases: Arc<Phases>,
    event: String,
    namespaces: Vec<String>,
) {
    let targets: Vec<_> = namespaces
        .iter()
        .filter_map(|ns| io.of(ns).map(BroadcastOperators::local))
        .collect();
    let slots = phases.rooms.len() as u64;
    // The boundary from which to look for the next phase to fire; the phase that is current
    // now is not fired, since its sockets connected less than one interval ago.
    let mut next = phases.elapsed_slots(Instant::now()) + 1;
    loop {
        let Some(n) = phases.next_occupied(next) else {
            // No socket anywhere: sleep until one joins (a permit is kept if it already has).
            phases.joined.notified().await;
            next = phases.elapsed_slots(Instant::now()) + 1;
            continue;
        };
        // A socket joining meanwhile is due one interval after it joined, never before `n`.
        tokio::time::sleep_until(phases.boundary(n)).await;
        let due = phases.elapsed_slots(Instant::now());
        // After a stall (a suspended process, a starved core), each phase fires at most once.
        let first = n.max((due + 1).saturating_sub(slots));
        let ms = crate::clock::epoch_millis(SystemTime::now());
        for k in (first..=due).filter(|&k| phases.occupied(k)) {
            let room = phases.room(k);
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
        // Five years of 1 ms phases: past a u32 count, still exact.
        let p = Phases::new(Duration::from_millis(1));
        let n = 5 * 365 * 86_400 * 1000;
        assert_eq!(p.boundary(n) - p.start, Duration::from_millis(n));
        assert_eq!(p.boundary(n + 1) - p.boundary(n), Duration::from_millis(1));
    }

    #[test]
    fn only_phases_with_members_are_due() {
        let p = Phases::new(Duration::from_millis(50));
        assert_eq!(p.next_occupied(0), None);
        p.members[3].fetch_add(1, Ordering::Relaxed);
        assert_eq!(p.next_occupied(0), Some(3));
        assert_eq!(p.next_occupied(4), Some(8));
        let member = PhaseMember {
            phases: p.clone(),
            index: 3,
        };
        drop(member);
        assert_eq!(p.next_occupied(0), None);
    }
}
