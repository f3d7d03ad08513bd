//! The dates of the cookie core: [`http_date`] (a cookie's `Expires`), [`iso_date`] and
//! [`parse_iso_date`] (a session's `cookie.expires` as express-session stores it, read back from
//! a session store that anyone with access to it can write).
//!
//! Input: 8 bytes of milliseconds since 1970 for the formatting half; the whole input as text
//! for the parsing half.
//!
//! Properties: nothing panics; both formats give the calendar date and time the `time` crate
//! gives for the same instant; an ISO date parses back to the same millisecond; a parsed date is
//! after 1970 and, formatted and parsed again, stays the same instant.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cookie::time::OffsetDateTime;
use sio_auth::cookie::{http_date, iso_date, parse_iso_date};

pub fn check(data: &[u8]) {
    let millis = data
        .iter()
        .take(8)
        .fold(0u64, |n, &b| n << 8 | u64::from(b));
    // Up to year 9999, as far as the time crate and four-digit ISO years go.
    check_format(UNIX_EPOCH + Duration::from_millis(millis % 253_402_300_800_000));
    if let Ok(text) = std::str::from_utf8(data) {
        check_parse(text);
    }
}

fn check_format(at: SystemTime) {
    let since = at.duration_since(UNIX_EPOCH).expect("after 1970");
    let secs = i64::try_from(since.as_secs()).expect("before 9999");
    let t = OffsetDateTime::from_unix_timestamp(secs).expect("in range");
    let weekday = &format!("{}", t.weekday())[..3];
    let month = &format!("{}", t.month())[..3];
    let expected_http = format!(
        "{weekday}, {:02} {month} {} {:02}:{:02}:{:02} GMT",
        t.day(),
        t.year(),
        t.hour(),
        t.minute(),
        t.second()
    );
    assert_eq!(http_date(at), expected_http, "{since:?}");
    let iso = iso_date(at);
    let expected_iso = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        since.subsec_millis()
    );
    assert_eq!(iso, expected_iso, "{since:?}");
    let truncated =
        UNIX_EPOCH + Duration::from_millis(u64::try_from(since.as_millis()).expect("ms"));
    assert_eq!(parse_iso_date(&iso), Some(truncated), "{iso}");
}

fn check_parse(text: &str) {
    let Some(at) = parse_iso_date(text) else {
        return;
    };
    let since = at
        .duration_since(UNIX_EPOCH)
        .expect("parsed dates are after 1970");
    let again = iso_date(at);
    if again.len() != "1970-01-01T00:00:00.000Z".len() {
        // 9999-12-31T23:59:60Z is in year 10000, which has no four-digit ISO form.
        return;
    }
    let truncated =
        UNIX_EPOCH + Duration::from_millis(u64::try_from(since.as_millis()).expect("ms"));
    assert_eq!(
        parse_iso_date(&again),
        Some(truncated),
        "{text:?} → {again}"
    );
}
