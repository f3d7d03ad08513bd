//! The connection cap: how many TCP connections `serve` holds at once, counted for each
//! connection's whole life (an upgraded WebSocket included), and what a connection past the cap
//! gets: an immediate 503, so a client learns at once instead of timing out while the process
//! has no descriptor left to accept it with.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _, ReadBuf};
use tokio::net::TcpStream;

/// Descriptors kept for everything but client connections: the listener, the runtime's epoll
/// and wake-up descriptors, store connections, logs, and the 503 answers themselves.
pub(crate) const RESERVE: u64 = 64;

/// The default cap: the open-file limit less [`RESERVE`] (a quarter of it under a tiny limit).
/// The soft limit is first raised to the hard one, as most servers do at start.
pub(crate) fn default_cap() -> (usize, u64) {
    let limit = match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => limit,
        Err(_) => rlimit::getrlimit(rlimit::Resource::NOFILE).map_or(1024, |(soft, _)| soft),
    };
    let reserve = RESERVE.min(limit / 4);
    let cap = usize::try_from(limit.saturating_sub(reserve)).unwrap_or(usize::MAX);
    (cap.max(1), limit)
}

/// Counts open connections against the cap.
#[derive(Debug)]
pub(crate) struct Connections {
    open: AtomicUsize,
    cap: usize,
    /// 503 answers being written; bounded so a flood past the cap cannot eat the reserve.
    refusing: AtomicUsize,
}

/// At most this many 503 answers at once; past it, a connection is closed unanswered.
const MAX_REFUSING: usize = 16;

impl Connections {
    pub(crate) fn new(cap: usize) -> Arc<Self> {
        Arc::new(Self {
            open: AtomicUsize::new(0),
            cap,
            refusing: AtomicUsize::new(0),
        })
    }

    /// Counts one more connection, or `None` at the cap.
    pub(crate) fn admit(self: &Arc<Self>) -> Option<Admitted> {
        let admitted = self
            .open
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |open| {
                (open < self.cap).then_some(open + 1)
            })
            .is_ok();
        admitted.then(|| Admitted(self.clone()))
    }

    pub(crate) fn open(&self) -> usize {
        self.open.load(Ordering::Acquire)
    }

    pub(crate) fn cap(&self) -> usize {
        self.cap
    }
}

/// One counted connection; uncounted when dropped.
#[derive(Debug)]
pub(crate) struct Admitted(Arc<Connections>);

impl Drop for Admitted {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A TCP stream that holds its place under the cap until it is dropped, wherever it ends up
/// (hyper's connection, or the WebSocket task after an upgrade).
#[derive(Debug)]
pub(crate) struct CountedStream {
    stream: TcpStream,
    _admitted: Admitted,
}

impl CountedStream {
    pub(crate) fn new(stream: TcpStream, admitted: Admitted) -> Self {
        Self {
            stream,
            _admitted: admitted,
        }
    }
}

impl AsyncRead for CountedStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for CountedStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

const TOO_MANY: &[u8] =
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n\
Content-Length: 22\r\nRetry-After: 1\r\nConnection: close\r\n\r\nToo many connections.\n";

/// Answers a connection past the cap with 503 without reading its request, then lets the
/// client read it before closing (closing on unread bytes would reset the connection and could
/// lose the answer). Bounded: at most 100 ms and 16 KiB read, [`MAX_REFUSING`] at once.
pub(crate) async fn refuse(connections: Arc<Connections>, mut stream: TcpStream) {
    if connections.refusing.fetch_add(1, Ordering::AcqRel) >= MAX_REFUSING {
        connections.refusing.fetch_sub(1, Ordering::AcqRel);
        return;
    }
    let answer = async {
        stream.write_all(TOO_MANY).await?;
        stream.shutdown().await?;
        let mut sink = [0u8; 4096];
        let mut read = 0;
        while read < 16 * 1024 {
            match stream.read(&mut sink).await? {
                0 => break,
                n => read += n,
            }
        }
        io::Result::Ok(())
    };
    // A client sends its request right after connecting; a silent one is closed cleanly.
    let _ = tokio::time::timeout(Duration::from_millis(100), answer).await;
    drop(stream);
    connections.refusing.fetch_sub(1, Ordering::AcqRel);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_counts_each_connection_until_it_is_dropped() {
        let conns = Connections::new(2);
        let a = conns.admit().expect("first");
        let b = conns.admit().expect("second");
        assert!(conns.admit().is_none(), "past the cap");
        assert_eq!(conns.open(), 2);
        drop(a);
        let c = conns.admit().expect("a place freed");
        drop((b, c));
        assert_eq!(conns.open(), 0);
    }

    #[test]
    fn the_503_is_well_formed() {
        let text = std::str::from_utf8(TOO_MANY).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(head.contains(&format!("Content-Length: {}", body.len())));
    }
}
