//! A dudect-style check that verifying a cookie takes the same time wherever its signature is
//! wrong (Reparaz, Balasch, Verbauwhede, "Dude, is my code constant time?", DATE 2017).
//!
//! Three classes of cookie go through the verifier's public entry point
//! ([`Keyring::verify_value`], as `serve` and `verify` call it), interleaved at random: the
//! valid cookie, the same cookie with the signature's first character changed, and with its last
//! character changed. Every change keeps the signature well formed (43 characters of standard
//! base64), so they differ only where the signature comparison looks; a second copy of the valid
//! cookie is a control class, which must come out indistinguishable from the first. Each sample
//! is the mean time of a batch of calls on one class (`std::time::Instant`, whose steps are 10 ns
//! on some VMs: batches of 10 give 1 ns per call); Welch's t-test compares pairs of classes on
//! all samples, on samples cropped at dudect's 100 percentile thresholds, and on the centred
//! squares (dudect's second-order test). The largest |t| must stay under 4.5.
//!
//! Run by `benches/timing` (pinned to one core); directly:
//! `cargo bench --bench timing -- [--per-class 10000000] [--batch 10] [--rounds 1]`.
//! Prints the t values and exits 1 when a |t| reaches 4.5.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

use std::hint::black_box;
use std::process::ExitCode;
use std::time::Instant;

use sio_auth::cookie::{Keyring, Secret};

/// dudect's pass mark: a |t| at or above it means the classes are told apart.
const T_THRESHOLD: f64 = 4.5;
/// Cropping thresholds, as dudect's `prepare_percentiles`.
const PERCENTILES: usize = 100;
/// A cropped test with fewer samples than this per class is not reported (dudect: 10 000).
const ENOUGH: u64 = 10_000;
/// Samples thrown away first, while caches and the branch predictor settle.
const WARM_UP: usize = 20_000;

/// The second valid class is a control: the same value in another allocation, which the test
/// must not tell from the first (else the harness, not the verifier, makes the differences).
const CLASSES: [&str; 4] = ["valid", "valid-copy", "first-byte-off", "last-byte-off"];
const PAIRS: [(u8, u8); 4] = [(0, 1), (0, 2), (0, 3), (2, 3)];

struct Options {
    per_class: usize,
    batch: usize,
    rounds: usize,
}

fn options() -> Result<Options, String> {
    let mut options = Options {
        per_class: 10_000_000,
        batch: 10,
        rounds: 1,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let slot = match arg.as_str() {
            "--per-class" => &mut options.per_class,
            "--batch" => &mut options.batch,
            "--rounds" => &mut options.rounds,
            // `cargo bench` passes --bench to every bench target.
            "--bench" => continue,
            other => return Err(format!("unknown argument {other:?}")),
        };
        let value = args.next().ok_or(format!("{arg} needs a value"))?;
        *slot = value
            .replace('_', "")
            .parse()
            .map_err(|_| format!("{arg}: not a number: {value:?}"))?;
        if *slot == 0 {
            return Err(format!("{arg} must be at least 1"));
        }
    }
    Ok(options)
}

/// Welford's running mean and variance of one class.
#[derive(Clone, Copy, Default)]
struct Moments {
    n: u64,
    mean: f64,
    m2: f64,
}

impl Moments {
    fn push(&mut self, x: f64) {
        self.n += 1;
        #[allow(clippy::cast_precision_loss)]
        let n = self.n as f64;
        let delta = x - self.mean;
        self.mean += delta / n;
        self.m2 += delta * (x - self.mean);
    }

    #[allow(clippy::cast_precision_loss)]
    fn variance(&self) -> f64 {
        self.m2 / (self.n - 1) as f64
    }
}

/// Welch's t statistic of two classes.
#[allow(clippy::cast_precision_loss)]
fn welch(a: &Moments, b: &Moments) -> f64 {
    (a.mean - b.mean) / (a.variance() / a.n as f64 + b.variance() / b.n as f64).sqrt()
}

/// xorshift64*: the class order only has to be unpredictable to the code under test.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

/// A well-formed signature character other than `c`.
fn another_base64(c: u8) -> u8 {
    if c == b'A' { b'B' } else { b'A' }
}

/// The cookie values of the classes, as they arrive raw (`s:` prefix, not percent-encoded).
fn inputs(keyring: &Keyring) -> [String; 4] {
    let valid = keyring.sign("ZSIsGnoUIWbzsLNvrVVa9Z9EDy-0JL7-");
    let dot = valid.rfind('.').unwrap();
    let change = |at: usize| {
        let mut bytes = valid.clone().into_bytes();
        bytes[at] = another_base64(bytes[at]);
        String::from_utf8(bytes).unwrap()
    };
    let copy = String::from_utf8(valid.clone().into_bytes()).unwrap();
    [
        valid.clone(),
        copy,
        change(dot + 1),
        change(valid.len() - 1),
    ]
}

/// The largest |t| of one pair of classes, and the test that gave it.
struct Verdict {
    max_t: f64,
    test: String,
    n: (u64, u64),
    /// Mean of `b` minus mean of `a` in that test, in ns per call.
    delta: f64,
    t_all: f64,
    t_second_order: f64,
}

/// The moments of the samples under each threshold (ascending) of a sorted class.
fn cropped(sorted: &[f64], thresholds: &[f64]) -> Vec<Moments> {
    let mut out = Vec::with_capacity(thresholds.len());
    let mut moments = Moments::default();
    let mut rest = sorted.iter().peekable();
    for &limit in thresholds {
        while let Some(&x) = rest.next_if(|&&x| x < limit) {
            moments.push(x);
        }
        out.push(moments);
    }
    out
}

fn moments(xs: impl Iterator<Item = f64>) -> Moments {
    let mut moments = Moments::default();
    xs.for_each(|x| moments.push(x));
    moments
}

/// Classes `a` and `b` (each sorted) under every test: all samples, the second order, and
/// cropped at each threshold.
fn compare(classes: &[Vec<f64>], thresholds: &[f64], a: usize, b: usize) -> Verdict {
    let (xa, xb) = (&classes[a], &classes[b]);
    let all = [moments(xa.iter().copied()), moments(xb.iter().copied())];
    let second = [
        moments(xa.iter().map(|x| (x - all[0].mean).powi(2))),
        moments(xb.iter().map(|x| (x - all[1].mean).powi(2))),
    ];
    let t_all = welch(&all[0], &all[1]);
    let t_second_order = welch(&second[0], &second[1]);
    let mut verdict = Verdict {
        max_t: t_all,
        test: "all samples".to_owned(),
        n: (all[0].n, all[1].n),
        delta: all[1].mean - all[0].mean,
        t_all,
        t_second_order,
    };
    let n_all = verdict.n;
    let mut consider = |t: f64, test: String, n: (u64, u64), delta: f64| {
        if t.abs() > verdict.max_t.abs() {
            verdict.max_t = t;
            verdict.test = test;
            verdict.n = n;
            verdict.delta = delta;
        }
    };
    consider(t_second_order, "second order".to_owned(), n_all, f64::NAN);
    let (ca, cb) = (cropped(xa, thresholds), cropped(xb, thresholds));
    for (p, ((ma, mb), limit)) in ca.iter().zip(&cb).zip(thresholds).enumerate() {
        if ma.n >= ENOUGH && mb.n >= ENOUGH {
            consider(
                welch(ma, mb),
                format!("cropped at percentile {p} ({limit:.1} ns)"),
                (ma.n, mb.n),
                mb.mean - ma.mean,
            );
        }
    }
    verdict
}

/// dudect's thresholds: 1 - 0.5^(10 (i + 1) / 100) of the sorted samples.
fn thresholds(samples: &[(u8, f64)]) -> Vec<f64> {
    let mut sorted: Vec<f64> = samples.iter().map(|&(_, x)| x).collect();
    sorted.sort_by(f64::total_cmp);
    (0..PERCENTILES)
        .map(|i| {
            #[allow(clippy::cast_precision_loss)]
            let exponent = 10.0 * (i + 1) as f64 / PERCENTILES as f64;
            let q = 1.0 - 0.5f64.powf(exponent);
            #[allow(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                clippy::cast_precision_loss
            )]
            let at = ((sorted.len() as f64 * q) as usize).min(sorted.len() - 1);
            sorted[at]
        })
        .collect()
}

/// One round: `per_class` verifies of each class (in samples of `batch` calls), in random order.
fn measure(
    keyring: &Keyring,
    inputs: &[String; 4],
    options: &Options,
    rng: &mut Rng,
) -> Vec<(u8, f64)> {
    let samples_per_class = options.per_class.div_ceil(options.batch);
    let mut order: Vec<u8> = (0..4u8)
        .flat_map(|c| std::iter::repeat_n(c, samples_per_class))
        .collect();
    // Fisher-Yates; warm-up samples come first and are dropped.
    for i in (1..order.len()).rev() {
        let j = usize::try_from(rng.next() % (i as u64 + 1)).unwrap();
        order.swap(i, j);
    }
    let warm_up: Vec<u8> = (0..WARM_UP).map(|i| u8::try_from(i % 4).unwrap()).collect();
    let mut samples = Vec::with_capacity(order.len());
    // Every class is verified from this one buffer, so that no class gets a luckier address.
    let mut work = String::with_capacity(128);
    for (k, &class) in warm_up.iter().chain(&order).enumerate() {
        work.clear();
        work.push_str(&inputs[usize::from(class)]);
        let input = work.as_str();
        let start = Instant::now();
        for _ in 0..options.batch {
            black_box(keyring.verify_value(black_box(input)).is_ok());
        }
        let elapsed = start.elapsed();
        if k >= WARM_UP {
            #[allow(clippy::cast_precision_loss)]
            samples.push((class, elapsed.as_nanos() as f64 / options.batch as f64));
        }
    }
    samples
}

fn main() -> ExitCode {
    let options = match options() {
        Ok(options) => options,
        Err(e) => {
            eprintln!("timing: {e}");
            return ExitCode::from(2);
        }
    };
    let keyring =
        Keyring::new([Secret::new("timing-check-secret-9f3c1a7e5b2d8064").unwrap()]).unwrap();
    let inputs = inputs(&keyring);
    assert!(inputs[..2].iter().all(|i| keyring.verify_value(i).is_ok()));
    assert!(inputs[2..].iter().all(|i| keyring.verify_value(i).is_err()));
    let mut seed = [0u8; 8];
    getrandom::fill(&mut seed).unwrap();
    let mut rng = Rng(u64::from_le_bytes(seed) | 1);

    println!(
        "dudect-style timing of Keyring::verify_value: {} verifies per class per round, {} per \
         sample, {} round(s), classes interleaved at random; pass: every |t| < {T_THRESHOLD}",
        options.per_class, options.batch, options.rounds
    );
    let mut worst = 0.0f64;
    for round in 1..=options.rounds {
        let samples = measure(&keyring, &inputs, &options, &mut rng);
        let thresholds = thresholds(&samples);
        let mut classes = vec![Vec::new(); CLASSES.len()];
        for &(class, x) in &samples {
            classes[usize::from(class)].push(x);
        }
        drop(samples);
        for class in &mut classes {
            class.sort_by(f64::total_cmp);
        }
        let means: Vec<Moments> = classes.iter().map(|c| moments(c.iter().copied())).collect();
        println!(
            "round {round}: mean ns per verify: {}",
            CLASSES
                .iter()
                .zip(&means)
                .map(|(name, m)| format!("{name} {:.2} (n {})", m.mean, m.n))
                .collect::<Vec<_>>()
                .join(", ")
        );
        for (a, b) in PAIRS {
            let (a, b) = (usize::from(a), usize::from(b));
            let v = compare(&classes, &thresholds, a, b);
            println!(
                "  {} vs {}: max |t| {:.2} ({}, n {} / {}, difference {:+.3} ns); all samples t \
                 {:.2}, second order t {:.2}",
                CLASSES[a],
                CLASSES[b],
                v.max_t.abs(),
                v.test,
                v.n.0,
                v.n.1,
                v.delta,
                v.t_all,
                v.t_second_order
            );
            worst = worst.max(v.max_t.abs());
        }
    }
    if worst < T_THRESHOLD {
        println!("PASS: largest |t| {worst:.2} < {T_THRESHOLD}");
        ExitCode::SUCCESS
    } else {
        println!("FAIL: largest |t| {worst:.2} >= {T_THRESHOLD}: the classes can be told apart");
        ExitCode::from(1)
    }
}
