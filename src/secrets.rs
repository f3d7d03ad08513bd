//! Resolving the secret options (`--secret`, `--secret-file`, `SIO_AUTH_SECRET`, the default
//! secret file) into a keyring. Weak secrets (see [`sio_auth::cookie::weakness`]) get a warning
//! from the one-shot commands, which must work with other people's secrets, and are refused by
//! `serve` unless `--allow-weak-secret`; so is a secret file of ours that group or others can
//! read or change, as ssh refuses such a private key.
//!
//! A secret is one line of text, whatever its source: a trailing line break (`\n` or `\r\n`)
//! is not part of it (a file's lines, `echo secret |`, an environment variable filled from
//! a file), and a line break anywhere else is refused (in a file, it separates two secrets).
//! So the same text gives the same secret from every source.

use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, anyhow, bail};
use sio_auth::cookie::{Algorithm, Keygrip, Keyring, Secret, random_token};

use crate::cli::SecretArgs;
use crate::exit::{Exit, failure, read_named_file};

/// The environment variable holding one secret.
pub(crate) const SECRET_ENV: &str = "SIO_AUTH_SECRET";

/// Where a secret came from, for messages that must not show the secret itself.
#[derive(Debug, Clone)]
enum Origin {
    Flag(usize),
    Env,
    File(PathBuf, usize),
    Stdin(usize),
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Flag(n) => write!(f, "--secret #{n}"),
            Self::Env => write!(f, "{SECRET_ENV}"),
            Self::File(path, line) => write!(f, "{} line {line}", path.display()),
            Self::Stdin(line) => write!(f, "stdin line {line}"),
        }
    }
}

/// `--secret-file -`: the secrets come from stdin.
pub(crate) fn reads_stdin(args: &SecretArgs) -> bool {
    args.secret_file.as_deref() == Some(Path::new("-"))
}

/// One secret given whole (`--secret`, the environment): without its trailing line break, and
/// refused when it has another one.
fn one_line(text: &str, origin: &Origin) -> anyhow::Result<Secret> {
    let line = text
        .strip_suffix('\n')
        .map_or(text, |t| t.strip_suffix('\r').unwrap_or(t));
    if line.contains(['\n', '\r']) {
        bail!(
            "{origin}: a secret is one line, and this one has a line break inside (a trailing \
             one is dropped; for several secrets, use a secret file with one per line)"
        );
    }
    Secret::new(line).map_err(|e| anyhow!("{origin}: {e}"))
}

/// Who the secrets are for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Use {
    /// `sign`, `verify`, `revoke`, `bench`: weak secrets and open secret files get a warning.
    Client,
    /// `serve`: both are refused, weak secrets unless allowed.
    Server { allow_weak: bool },
}

/// The keyring the options ask for; weak secrets and secret files others can read get a warning
/// on stderr.
pub(crate) fn keyring(args: &SecretArgs) -> anyhow::Result<Keyring> {
    Ok(Keyring::new(build(args, Use::Client)?)?)
}

/// The keygrip key list the options ask for (cookie-session's `keys`), with the same warnings
/// as [`keyring`].
pub(crate) fn keygrip(args: &SecretArgs, algorithm: Algorithm) -> anyhow::Result<Keygrip> {
    Ok(Keygrip::new(build(args, Use::Client)?, algorithm)?)
}

/// The keyring of a server: a weak secret is refused unless `allow_weak` (then it gets a
/// warning), and so, always, is a secret file of ours that group or others can read or change.
pub(crate) fn server_keyring(args: &SecretArgs, allow_weak: bool) -> anyhow::Result<Keyring> {
    Ok(Keyring::new(build(args, Use::Server { allow_weak })?)?)
}

fn build(args: &SecretArgs, used: Use) -> anyhow::Result<Vec<Secret>> {
    let mut secrets: Vec<(Origin, Secret)> = Vec::new();
    for (i, s) in args.secrets.iter().enumerate() {
        let origin = Origin::Flag(i + 1);
        secrets.push((origin.clone(), one_line(s.expose(), &origin)?));
    }
    if reads_stdin(args) {
        secrets.extend(read_secret_stdin()?);
    } else if let Some(path) = &args.secret_file {
        secrets.extend(read_secret_file(path, used)?);
    }
    if secrets.is_empty() {
        match std::env::var(SECRET_ENV) {
            Ok(value) => secrets.push((Origin::Env, one_line(&value, &Origin::Env)?)),
            Err(std::env::VarError::NotUnicode(_)) => bail!("{SECRET_ENV} is not valid UTF-8"),
            Err(std::env::VarError::NotPresent) => {
                let path = default_secret_path()?;
                ensure_default_secret(&path)?;
                secrets.extend(read_secret_file(&path, used)?);
            }
        }
    }
    for (origin, secret) in &secrets {
        let Some(weakness) = secret.weakness() else {
            continue;
        };
        if used == (Use::Server { allow_weak: false }) {
            // Every secret of the keyring verifies: a weak old one lets forgeries in too.
            return Err(failure(
                Exit::Usage,
                anyhow!(
                    "the secret from {origin} {weakness}; serve refuses weak secrets: use a long \
                     random one (leave out the secret options for a generated one, or e.g. \
                     `openssl rand -base64 32`), or pass --allow-weak-secret"
                ),
            ));
        }
        eprintln!("sio-auth: warning: the secret from {origin} {weakness}");
    }
    Ok(secrets.into_iter().map(|(_, s)| s).collect())
}

/// Reads one secret per line; the line break (`\n` or `\r\n`) is not part of the secret and
/// blank lines are skipped.
fn read_secret_file(path: &Path, used: Use) -> anyhow::Result<Vec<(Origin, Secret)>> {
    let shown = path.display();
    let bytes = read_named_file(path, "secret file")?;
    let secrets = secret_lines(bytes, |line| Origin::File(path.to_owned(), line))
        .map_err(|why| anyhow!("secret file {shown} {why}"))?;
    if let Ok(meta) = fs::metadata(path) {
        check_mode(path, &meta, used)?;
    }
    Ok(secrets)
}

/// `--secret-file -`: the lines of stdin, as a secret file's. Never from a terminal, where the
/// secret would be on screen as it is typed.
fn read_secret_stdin() -> anyhow::Result<Vec<(Origin, Secret)>> {
    use std::io::Read as _;
    let mut stdin = io::stdin().lock();
    if io::IsTerminal::is_terminal(&stdin) {
        bail!(
            "--secret-file - reads the secret from stdin, which is a terminal (it would be shown \
             as it is typed): pipe it in, e.g. `--secret-file - < FILE`"
        );
    }
    let mut bytes = Vec::new();
    stdin
        .read_to_end(&mut bytes)
        .context("cannot read the secret from stdin")?;
    secret_lines(bytes, Origin::Stdin).map_err(|why| anyhow!("--secret-file - (stdin) {why}"))
}

/// The secrets of a secret file's text, one per non-blank line; the error completes a sentence
/// about the file.
fn secret_lines(
    bytes: Vec<u8>,
    origin: impl Fn(usize) -> Origin,
) -> Result<Vec<(Origin, Secret)>, &'static str> {
    let text = String::from_utf8(bytes).map_err(|_| "is not UTF-8 text")?;
    let mut secrets = Vec::new();
    for (i, line) in text.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.contains('\r') {
            return Err("has a line with a carriage return inside (one secret per line expected)");
        }
        if let Ok(secret) = Secret::new(line) {
            secrets.push((origin(i + 1), secret));
        }
    }
    if secrets.is_empty() {
        return Err("holds no secret (one per line expected)");
    }
    Ok(secrets)
}

/// A secret file that group or others may read or change (any of the mode bits 077, as ssh
/// checks a private key): `serve` refuses it when it is ours, since we can fix it; otherwise a
/// warning.
#[cfg(unix)]
fn check_mode(path: &Path, meta: &fs::Metadata, used: Use) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = meta.permissions().mode() & 0o7777;
    if mode & 0o077 == 0 {
        return Ok(());
    }
    let shown = path.display();
    let problem =
        format!("secret file {shown} has mode {mode:04o}: group or others can read or change it");
    if matches!(used, Use::Server { .. }) && owned_by_us(meta) {
        return Err(failure(
            Exit::Usage,
            anyhow!(
                "{problem}, and serve refuses such a file as ssh refuses such a private key: \
                 run `chmod 600 {shown}`"
            ),
        ));
    }
    eprintln!("sio-auth: warning: {problem} (chmod 600 it)");
    Ok(())
}

#[cfg(not(unix))]
fn check_mode(_: &Path, _: &fs::Metadata, _: Use) -> anyhow::Result<()> {
    Ok(())
}

/// Whether the file belongs to the user we run as: the owner of `/proc/self` is our effective
/// uid. Without procfs every file counts as ours.
#[cfg(unix)]
fn owned_by_us(meta: &fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt as _;
    fs::metadata("/proc/self").map_or(true, |me| me.uid() == meta.uid())
}

/// `$XDG_DATA_HOME/sio-auth/secret`, or `~/.local/share/sio-auth/secret`.
fn default_secret_path() -> anyhow::Result<PathBuf> {
    let data = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .ok_or_else(|| {
            anyhow!("no secret given and no home directory for a default one: use --secret-file")
        })?;
    Ok(data.join("sio-auth").join("secret"))
}

/// Creates the default secret file unless it exists: 32 random bytes as base64url, mode 0600.
/// Written aside and linked into place, so a concurrent first run never reads a partial file.
fn ensure_default_secret(path: &Path) -> anyhow::Result<()> {
    if path.exists() {
        return Ok(());
    }
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    create_private_dir(dir)
        .with_context(|| format!("cannot create directory {} for the secret", dir.display()))?;
    let token = random_token(32)?;
    let staging = dir.join(format!(".secret.{}", std::process::id()));
    let result = write_private(&staging, format!("{token}\n").as_bytes())
        .and_then(|()| fs::hard_link(&staging, path));
    let _ = fs::remove_file(&staging);
    match result {
        Ok(()) => {
            eprintln!("sio-auth: created a new secret in {}", path.display());
            Ok(())
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e).with_context(|| format!("cannot create secret file {}", path.display())),
    }
}

fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

fn write_private(path: &Path, contents: &[u8]) -> io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(contents)?;
    file.sync_all()
}
