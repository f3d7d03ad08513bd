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

    // The parts of a verify, to see where its time goes.
    let mut parts = c.benchmark_group("parts");
    parts.throughput(Throughput::Elements(1));
    {
        use hmac::{Hmac, Mac as _};
        let key: Hmac<sha2::Sha256> =
            Hmac::new_from_slice(b"a-bench-secret-of-some-32-bytes!!").unwrap();
        parts.bench_function("hmac_clone_update_finalize", |b| {
            b.iter(|| {
                let mut mac = key.clone();
                mac.update(std::hint::black_box(sid.as_bytes()));
                mac.finalize().into_bytes()
            });
        });
        let padded = sio_auth::cookie::PaddedKey::new(b"a-bench-secret-of-some-32-bytes!!");
        parts.bench_function("padded_key_tag", |b| {
            b.iter(|| padded.tag(std::hint::black_box(sid.as_bytes())));
        });
        parts.bench_function("sha256_of_32_bytes", |b| {
            use sha2::Digest as _;
            b.iter(|| sha2::Sha256::digest(std::hint::black_box([7u8; 32])));
        });
        let tag = [9u8; 32];
        parts.bench_function("base64_encode_slice", |b| {
            use base64::Engine as _;
            b.iter(|| {
                let mut out = [0u8; 43];
                let _ = base64::engine::general_purpose::STANDARD_NO_PAD
                    .encode_slice(std::hint::black_box(&tag), &mut out);
                out
            });
        });
        let x = [b'a'; 43];
        let y = [b'a'; 43];
        parts.bench_function("constant_time_eq_43", |b| {
            b.iter(|| {
                constant_time_eq::constant_time_eq(
                    std::hint::black_box(&x),
                    std::hint::black_box(&y),
                )
            });
        });
    }
    parts.finish();
}

criterion_group!(benches, cookie_core);
criterion_main!(benches);
