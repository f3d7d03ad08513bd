//! The head of an HTTP/1.1 response, as much as Engine.IO long-polling needs: the status and a
//! `Content-Length` body. Bounded: a head longer than [`MAX_HEAD`] or a body announced longer
//! than [`MAX_BODY`] is an error, whatever the server streams.

use super::{Preview, WireError};

/// The longest response head read before giving up on finding its end.
pub const MAX_HEAD: usize = 16 * 1024;

/// The longest body accepted: Engine.IO's default `maxPayload` is 1 000 000 bytes.
pub const MAX_BODY: u64 = 1024 * 1024;

/// A response head that was read in full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head {
    /// The status code, e.g. 200.
    pub status: u16,
    /// The body's length in bytes, at most [`MAX_BODY`].
    pub content_length: usize,
    /// The head's length in bytes, its final blank line included: the body starts there.
    pub len: usize,
}

impl Head {
    /// Reads a response head from the start of `buf`: `Ok(None)` while it is incomplete (read
    /// more and call again), the head once its blank line has arrived.
    ///
    /// ```
    /// use sio_auth::wire::http::Head;
    /// let response = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n40";
    /// let head = Head::parse(response).unwrap().unwrap();
    /// assert_eq!((head.status, head.content_length, &response[head.len..]), (200, 2, &b"40"[..]));
    /// assert_eq!(Head::parse(b"HTTP/1.1 200 OK\r\n").unwrap(), None);
    /// assert!(Head::parse(b"SSH-2.0-OpenSSH_9.6\r\n\r\n").is_err());
    /// ```
    ///
    /// # Errors
    /// [`WireError::BadHttp`] for a status line that is not HTTP/1.x or a header line without a
    /// name; [`WireError::HttpHeadTooLong`]; [`WireError::NoContentLength`] for a chunked body, a
    /// missing, malformed or repeated-and-different length; [`WireError::HttpBodyTooLong`].
    pub fn parse(buf: &[u8]) -> Result<Option<Self>, WireError> {
        let window = &buf[..buf.len().min(MAX_HEAD)];
        let Some(end) = window.windows(4).position(|w| w == b"\r\n\r\n") else {
            return if buf.len() >= MAX_HEAD {
                Err(WireError::HttpHeadTooLong)
            } else {
                Ok(None)
            };
        };
        let head = &buf[..end];
        let bad = |why| WireError::BadHttp {
            why,
            text: Preview::of_bytes(head),
        };
        let mut lines = head
            .split(|&b| b == b'\n')
            .map(|l| l.strip_suffix(b"\r").unwrap_or(l));
        let status_line = lines.next().unwrap_or_default();
        let status = status_of(status_line).ok_or_else(|| bad("not an HTTP/1.x status line"))?;
        let mut content_length = None;
        for line in lines {
            let colon = line
                .iter()
                .position(|&b| b == b':')
                .ok_or_else(|| bad("a header line without a colon"))?;
            let (name, value) = (&line[..colon], trim(&line[colon + 1..]));
            if name.eq_ignore_ascii_case(b"transfer-encoding") {
                return Err(WireError::NoContentLength("a chunked or encoded body"));
            }
            if name.eq_ignore_ascii_case(b"content-length") {
                let length = std::str::from_utf8(value)
                    .ok()
                    .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
                    .and_then(|v| v.parse::<u64>().ok())
                    .ok_or(WireError::NoContentLength("a malformed Content-Length"))?;
                if content_length.is_some_and(|seen| seen != length) {
                    return Err(WireError::NoContentLength("two different Content-Lengths"));
                }
                content_length = Some(length);
            }
        }
        let content_length = match (content_length, status) {
            (Some(length), _) => length,
            // No body by definition.
            (None, 204 | 304) => 0,
            (None, _) => return Err(WireError::NoContentLength("none given")),
        };
        if content_length > MAX_BODY {
            return Err(WireError::HttpBodyTooLong(content_length));
        }
        Ok(Some(Self {
            status,
            content_length: usize::try_from(content_length)
                .map_err(|_| WireError::HttpBodyTooLong(content_length))?,
            len: end + 4,
        }))
    }
}

/// `HTTP/1.x NNN reason` → NNN.
fn status_of(line: &[u8]) -> Option<u16> {
    let rest = line.strip_prefix(b"HTTP/1.")?;
    let (&minor, rest) = rest.split_first()?;
    if !minor.is_ascii_digit() {
        return None;
    }
    let rest = rest.strip_prefix(b" ")?;
    let code = rest.get(..3)?;
    if !code.iter().all(u8::is_ascii_digit) || rest.get(3).is_some_and(|&b| b != b' ') {
        return None;
    }
    std::str::from_utf8(code)
        .ok()?
        .parse()
        .ok()
        .filter(|s| (100..600).contains(s))
}

fn trim(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|b| !matches!(b, b' ' | b'\t'))
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !matches!(b, b' ' | b'\t'))
        .map_or(start, |e| e + 1);
    &bytes[start..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(text: &[u8]) -> Result<Option<Head>, WireError> {
        Head::parse(text)
    }

    #[test]
    fn responses_of_engine_io_servers() {
        // hyper (socketioxide) and Node's http module, as captured.
        let hyper = b"HTTP/1.1 200 OK\r\ncontent-type: text/plain; charset=UTF-8\r\ncontent-length: 3\r\ndate: Wed, 02 Dec 2026 07:00:00 GMT\r\n\r\n40{";
        let node = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Length: 1\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\n6";
        assert_eq!(head(hyper).unwrap().unwrap().content_length, 3);
        let node_head = head(node).unwrap().unwrap();
        assert_eq!((node_head.status, &node[node_head.len..]), (200, &b"6"[..]));
        assert_eq!(
            head(b"HTTP/1.0 400 Bad Request\r\nContent-Length:  0 \r\n\r\n")
                .unwrap()
                .unwrap()
                .status,
            400
        );
        assert_eq!(
            head(b"HTTP/1.1 204\r\n\r\n")
                .unwrap()
                .unwrap()
                .content_length,
            0
        );
        // The same length twice is what some proxies send.
        assert!(head(b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n").is_ok());
    }

    #[test]
    fn incomplete_heads_ask_for_more() {
        for partial in [
            &b""[..],
            b"H",
            b"HTTP/1.1 200 OK\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r",
        ] {
            assert_eq!(head(partial), Ok(None), "{partial:?}");
        }
    }

    #[test]
    fn hostile_responses_are_errors() {
        let endless = [b'a'; MAX_HEAD];
        for (response, what) in [
            (&b"\r\n\r\n"[..], "empty status line"),
            (b"HTTP/2 200\r\n\r\n", "HTTP/2"),
            (b"HTTP/1.1 20\r\nContent-Length: 0\r\n\r\n", "short status"),
            (b"HTTP/1.1 2000\r\nContent-Length: 0\r\n\r\n", "long status"),
            (
                b"HTTP/1.1 999 X\r\nContent-Length: 0\r\n\r\n",
                "status out of range",
            ),
            (b"HTTP/1.1 \xc3\xa9\xc3 OK\r\n\r\n", "multibyte status"),
            (b"HTTP/1.1 200 OK\r\n\r\n", "no length"),
            (
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
                "chunked",
            ),
            (
                b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
                "negative length",
            ),
            (
                b"HTTP/1.1 200 OK\r\nContent-Length: +1\r\n\r\n",
                "signed length",
            ),
            (
                b"HTTP/1.1 200 OK\r\nContent-Length: 1, 1\r\n\r\n",
                "list length",
            ),
            (
                b"HTTP/1.1 200 OK\r\nContent-Length: \xc3\xa9\r\n\r\n",
                "multibyte length",
            ),
            (
                b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
                "two lengths",
            ),
            (
                b"HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551615\r\n\r\n",
                "u64::MAX",
            ),
            (
                b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n",
                "overflow",
            ),
            (
                b"HTTP/1.1 200 OK\r\nContent-Length: 1048577\r\n\r\n",
                "too long",
            ),
            (b"HTTP/1.1 200 OK\r\nno colon\r\n\r\n", "no colon"),
            (&endless, "no end"),
        ] {
            let error = head(response).unwrap_err();
            assert!(!error.to_string().contains('\n'), "{what}: {error}");
        }
        assert_eq!(head(&endless), Err(WireError::HttpHeadTooLong));
    }
}
