//! The search: candidates keyed once each ([`Targets::key`]) and tried on every cookie not yet
//! solved, by worker threads fed chunks of whole lines by the thread that reads the wordlist.
//! It stops as soon as every cookie is solved.

use std::io;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use super::wordlist::{Chunk, Wordlist};

/// The cookies of one search, with the keying their signatures need: each candidate is keyed
/// once ([`key`](Self::key)) and then tried on every unsolved cookie.
pub(super) trait Targets: Sync {
    /// A candidate keyed once (its HMAC pad states).
    type Key;
    /// Keys a candidate.
    fn key(&self, candidate: &[u8]) -> Self::Key;
    /// How many cookies.
    fn len(&self) -> usize;
    /// Whether `key` signed cookie `cookie`.
    fn is_signed_by(&self, cookie: usize, key: &Self::Key) -> bool;
}

/// A cookie's secret, and where it was found.
#[derive(Debug)]
pub(super) struct Found {
    /// Which cookie (its index among the targets).
    pub(super) cookie: usize,
    pub(super) secret: Vec<u8>,
    /// `None`: the built-in list; else the wordlist and its line number.
    pub(super) line: Option<(usize, u64)>,
    /// The candidate's position in the whole search, from 1, every wordlist line counted.
    pub(super) tried: u64,
}

/// What the threads share: which cookies are solved, and the counters the progress bar reads.
#[derive(Debug)]
pub(super) struct Shared {
    solved: Vec<AtomicBool>,
    unsolved: AtomicUsize,
    /// Set when the search must end early (stdout went away).
    cancelled: AtomicBool,
    /// Candidates tried (every wordlist line counted, as in [`Found::tried`]).
    pub(super) tried: AtomicU64,
    /// Bytes of the wordlists searched.
    pub(super) bytes: AtomicU64,
    /// Lines that are not UTF-8, tried as their bytes.
    pub(super) not_utf8: AtomicU64,
}

impl Shared {
    pub(super) fn new(cookies: usize) -> Self {
        Self {
            solved: (0..cookies).map(|_| AtomicBool::new(false)).collect(),
            unsolved: AtomicUsize::new(cookies),
            cancelled: AtomicBool::new(false),
            tried: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            not_utf8: AtomicU64::new(0),
        }
    }

    /// Whether the search is over: every cookie solved, or cancelled.
    pub(super) fn done(&self) -> bool {
        self.unsolved.load(Ordering::Relaxed) == 0 || self.cancelled.load(Ordering::Relaxed)
    }

    pub(super) fn is_solved(&self, cookie: usize) -> bool {
        self.solved[cookie].load(Ordering::Relaxed)
    }

    /// Ends the search early.
    pub(super) fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }

    /// Marks a cookie solved; true for the first to solve it.
    fn solve(&self, cookie: usize) -> bool {
        let first = !self.solved[cookie].swap(true, Ordering::Relaxed);
        if first {
            self.unsolved.fetch_sub(1, Ordering::Relaxed);
        }
        first
    }

    /// The cookies not yet solved, into `active`.
    fn unsolved_into(&self, active: &mut Vec<usize>) {
        active.clear();
        active.extend((0..self.solved.len()).filter(|&i| !self.solved[i].load(Ordering::Relaxed)));
    }
}

/// Tries each candidate on every unsolved cookie, in order, on this thread; for the built-in
/// list, whose few hundred candidates are not worth a thread.
pub(super) fn try_all<'a, T: Targets>(
    targets: &T,
    shared: &Shared,
    candidates: impl IntoIterator<Item = &'a [u8]>,
    found: &mpsc::Sender<Found>,
) {
    let mut active = Vec::with_capacity(targets.len());
    shared.unsolved_into(&mut active);
    for candidate in candidates {
        let tried = shared.tried.fetch_add(1, Ordering::Relaxed) + 1;
        if active.is_empty() {
            continue;
        }
        let key = targets.key(candidate);
        active.retain(|&cookie| {
            if targets.is_signed_by(cookie, &key) && shared.solve(cookie) {
                let _ = found.send(Found {
                    cookie,
                    secret: candidate.to_vec(),
                    line: None,
                    tried,
                });
                return false;
            }
            true
        });
    }
}

/// Searches one wordlist with `threads` workers; each cookie solved is sent on `found` as soon
/// as it is. Returns the lines skipped for their length.
pub(super) fn search_wordlist<T: Targets>(
    targets: &T,
    shared: &Shared,
    threads: usize,
    list_index: usize,
    list: Wordlist,
    found: &mpsc::Sender<Found>,
) -> io::Result<u64> {
    // The tried count where this list starts, so each line's position in the whole search is
    // known whichever thread tries it.
    let base = shared.tried.load(Ordering::Relaxed);
    // Few chunks in flight: memory stays at about (2 × threads + 2) chunks whatever the size.
    let (send, receive) = mpsc::sync_channel::<Chunk>(threads);
    let receive = Arc::new(Mutex::new(receive));
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let receive = Arc::clone(&receive);
            let found = found.clone();
            scope.spawn(move || {
                let mut active = Vec::with_capacity(targets.len());
                loop {
                    // The lock is held only while waiting for the next chunk.
                    let next = match receive.lock() {
                        Ok(receive) => receive.recv(),
                        Err(_) => return,
                    };
                    let Ok(chunk) = next else { return };
                    if shared.done() {
                        continue;
                    }
                    shared.unsolved_into(&mut active);
                    search_chunk(
                        targets,
                        shared,
                        &chunk,
                        &mut active,
                        base,
                        list_index,
                        &found,
                    );
                }
            });
        }
        let too_long = list.chunks(|chunk| !shared.done() && send.send(chunk).is_ok());
        drop(send);
        too_long
    })
}

/// One chunk, on one worker.
fn search_chunk<T: Targets>(
    targets: &T,
    shared: &Shared,
    chunk: &Chunk,
    active: &mut Vec<usize>,
    base: u64,
    list_index: usize,
    found: &mpsc::Sender<Found>,
) {
    let mut lines = 0u64;
    let mut not_utf8 = 0u64;
    for (number, line) in chunk.lines() {
        lines = number - chunk.first_line + 1;
        if !line.is_ascii() && std::str::from_utf8(line).is_err() {
            not_utf8 += 1;
        }
        let key = targets.key(line);
        let mut hit = false;
        for &cookie in active.iter() {
            if targets.is_signed_by(cookie, &key) {
                hit = true;
                if shared.solve(cookie) {
                    let _ = found.send(Found {
                        cookie,
                        secret: line.to_vec(),
                        line: Some((list_index, number)),
                        tried: base + number,
                    });
                }
            }
        }
        // Other threads' finds are picked up every 4096 lines, ours at once.
        if hit || number % 4096 == 0 {
            if shared.cancelled.load(Ordering::Relaxed) {
                active.clear();
            } else {
                shared.unsolved_into(active);
            }
            if active.is_empty() {
                break;
            }
        }
    }
    // Every line of the chunk counts, the empty ones too, as in `Found::tried`; a chunk cut
    // short by the last cookie's secret counts up to it.
    let all_lines = if active.is_empty() {
        lines
    } else {
        memchr::memchr_iter(b'\n', &chunk.bytes).count() as u64
            + u64::from(!chunk.bytes.ends_with(b"\n"))
    };
    shared.tried.fetch_add(all_lines, Ordering::Relaxed);
    shared
        .bytes
        .fetch_add(chunk.bytes.len() as u64, Ordering::Relaxed);
    shared.not_utf8.fetch_add(not_utf8, Ordering::Relaxed);
}
