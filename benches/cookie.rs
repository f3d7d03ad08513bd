//! Throughput of the cookie core: signing, verifying a value, verifying a whole header.
//! Compared with Node's cookie-signature by `benches/run-cookie` (see BENCHMARKS.md).
#![allow(clippy::unwrap_used)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sio_auth::cookie::{Keyring, Secret};

fn keyring() -> Keyring {
    Keyring::new([Secret::new("a-bench-secret-of-some-32-bytes!!").unwrap()]).unwrap()
}

fn cookie_core(c: &mut Criterion) {
    let keyring = keyring();
    let sid = "ZSIsGnoUIWbzsLNvrVVa9Z9EDy-0JL7-";
    let raw = keyring.sign(sid);
    let encoded = sio_auth::cookie::encode_uri_component(&raw).into_owned();
    let header = format!("theme=dark; express.sid={encoded}; lang=en");

    let mut group = c.benchmark_group("cookie");
    group.throughput(Throughput::Elements(1));
    group.bench_function("sign", |b| {
        b.iter(|| keyring.sign(std::hint::black_box(sid)));
    });
    group.bench_function("unsign_raw", |b| {
        b.iter(|| keyring.unsign(std::hint::black_box(&raw)).is_ok());
    });
    group.bench_function("verify_encoded_value", |b| {
        b.iter(|| keyring.verify_value(std::hint::black_box(&encoded)).is_ok());
    });
    group.bench_function("verify_header", |b| {
        b.iter(|| {
            keyring
                .verify_header(std::hint::black_box(&header), "express.sid")
                .is_ok()
        });
    });
    group.finish();
}

criterion_group!(benches, cookie_core);
criterion_main!(benches);
