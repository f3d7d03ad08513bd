//! The committed completion scripts and man page must be what the binary generates now.

use std::path::Path;

use crate::util::Sandbox;

const GENERATED: &[(&[&str], &str)] = &[
    (&["completions", "bash"], "sio-auth.bash"),
    (&["completions", "zsh"], "_sio-auth"),
    (&["completions", "fish"], "sio-auth.fish"),
    (&["completions", "elvish"], "sio-auth.elv"),
    (&["completions", "powershell"], "_sio-auth.ps1"),
    (&["man"], "sio-auth.1"),
    (&["man", "serve"], "sio-auth-serve.1"),
    (&["man", "sign"], "sio-auth-sign.1"),
    (&["man", "verify"], "sio-auth-verify.1"),
    (&["man", "audit"], "sio-auth-audit.1"),
    (&["man", "connect"], "sio-auth-connect.1"),
    (&["man", "revoke"], "sio-auth-revoke.1"),
    (&["man", "emit"], "sio-auth-emit.1"),
    (&["man", "bench"], "sio-auth-bench.1"),
    (&["man", "completions"], "sio-auth-completions.1"),
    (&["man", "help"], "sio-auth-help.1"),
];

/// sio-auth(1) lists its commands as `sio-auth-serve(1)` and so on: each such page is committed
/// (and, through GENERATED, kept equal to what the binary renders), and shows that command.
#[test]
fn every_page_the_man_page_refers_to_exists() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("completions");
    let main = std::fs::read_to_string(dir.join("sio-auth.1")).unwrap();
    let referred: Vec<String> = main
        .split("sio\\-auth\\-")
        .skip(1)
        .filter_map(|rest| {
            rest.split_once("(1)")
                .map(|(name, _)| name.replace("\\-", "-"))
        })
        .collect();
    assert!(referred.len() >= 7, "references found: {referred:?}");
    for name in &referred {
        let file = format!("sio-auth-{name}.1");
        assert!(
            GENERATED.iter().any(|(_, f)| *f == file),
            "sio-auth.1 refers to {file}, which is not generated"
        );
        let page = std::fs::read_to_string(dir.join(&file)).unwrap_or_default();
        assert!(
            page.contains(&format!(".TH sio-auth-{name} 1")),
            "completions/{file} is not the page of sio-auth {name}"
        );
    }
}

#[test]
fn help_prints_each_commands_help_and_has_its_own() {
    let sb = Sandbox::new();
    for (args, expect) in [
        (&["help", "--help"][..], "Usage: sio-auth help [COMMAND]"),
        (&["help"][..], "Usage: sio-auth <COMMAND>"),
        (&["help", "serve"][..], "Usage: sio-auth serve [OPTIONS]"),
        (
            &["help", "verify"][..],
            "Usage: sio-auth verify [OPTIONS] [COOKIE]...",
        ),
    ] {
        let out = sb.cmd().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains(expect), "{args:?}: {text}");
    }
    // The same text as --help.
    let via_help = sb.cmd().args(["help", "bench"]).output().unwrap().stdout;
    let via_flag = sb.cmd().args(["bench", "--help"]).output().unwrap().stdout;
    assert_eq!(
        String::from_utf8_lossy(&via_help),
        String::from_utf8_lossy(&via_flag)
    );
    let out = sb.cmd().args(["help", "nonsense"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("possible values: serve"));
}

#[test]
fn committed_completions_match_the_cli() {
    let sb = Sandbox::new();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("completions");
    let mut stale = Vec::new();
    for (args, file) in GENERATED {
        let out = sb.cmd().args(*args).output().unwrap();
        assert!(out.status.success(), "{args:?}");
        assert!(!out.stdout.is_empty(), "{args:?}");
        let committed = std::fs::read(dir.join(file)).unwrap_or_default();
        if committed != out.stdout {
            if std::env::var_os("SIO_AUTH_BLESS").is_some() {
                std::fs::write(dir.join(file), &out.stdout).unwrap();
            } else {
                stale.push(*file);
            }
        }
    }
    assert!(
        stale.is_empty(),
        "completions/{stale:?} differ from the CLI; regenerate with SIO_AUTH_BLESS=1 cargo test completions"
    );
}

#[test]
fn completions_know_every_subcommand() {
    let sb = Sandbox::new();
    let out = sb.cmd().args(["completions", "bash"]).output().unwrap();
    let script = String::from_utf8(out.stdout).unwrap();
    for sub in ["serve", "sign", "verify", "connect", "completions"] {
        assert!(script.contains(sub), "{sub}");
    }
    sb.cmd().args(["completions", "tcsh"]).assert().code(2);
}

/// What each shell offers at a point of the command line, and some of what it must offer.
const OFFERS: &[(&str, &[&str])] = &[
    (
        "sio-auth ",
        &["serve", "sign", "verify", "connect", "completions"],
    ),
    (
        "sio-auth serve --",
        &["--interval", "--max-connections", "--secret-file"],
    ),
    (
        "sio-auth sign --format ",
        &["pair", "value", "set-cookie", "raw", "json"],
    ),
    // The possible values' help must not hold a double quote: in the zsh script one closed
    // the quoted description, and the `>` after it redirected to a file.
    (
        "sio-auth verify --kind ",
        &["express-session", "cookie-session"],
    ),
    (
        "sio-auth audit --algorithm ",
        &["sha1", "sha256", "sha384", "sha512"],
    ),
    (
        "sio-auth connect --transport ",
        &["websocket", "polling", "auto"],
    ),
    (
        "sio-auth completions ",
        &["bash", "zsh", "fish", "elvish", "powershell"],
    ),
];

/// Asks bash for its completions of `line` through the function the committed script registers.
fn bash_offers(dir: &Path, line: &str) -> String {
    let script = r#"
        source "$1/sio-auth.bash"
        complete_fn=$(complete -p sio-auth | sed -E 's/.* -F ([^ ]+) .*/\1/')
        read -r -a COMP_WORDS <<< "$2"
        [[ "$2" == *" " ]] && COMP_WORDS+=("")
        COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
        COMP_LINE=$2
        COMP_POINT=${#COMP_LINE}
        "$complete_fn" sio-auth "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
        printf '%s\n' "${COMPREPLY[@]}"
    "#;
    shell_output(
        "bash",
        &["--norc", "--noprofile", "-c", script, "bash"],
        dir,
        line,
    )
}

/// Asks fish, which completes a whole command line with `complete -C`.
fn fish_offers(dir: &Path, line: &str) -> String {
    let script = r#"source $argv[1]/sio-auth.fish; complete -C $argv[2]"#;
    shell_output("fish", &["--no-config", "-c", script], dir, line)
}

/// Types `line` into an interactive zsh (on a pseudo-terminal, through zsh/zpty) with the
/// committed `_sio-auth` on its fpath and compinit loaded, then asks ZLE to list the choices.
fn zsh_offers(dir: &Path, line: &str) -> String {
    let script = r#"
        zmodload zsh/zpty || exit 3
        zpty z zsh -f -i
        zpty -w z "PS1='> '; fpath=($1 \$fpath); autoload -Uz compinit; compinit -u -D; zstyle ':completion:*' list-prompt ''; zstyle ':completion:*' menu no; LISTMAX=10000; bindkey '^T' list-choices; print READY-\$((6*7))"
        out=
        integer tries=0
        while [[ $out != *READY-42* ]] && (( tries++ < 200 )); do
            if zpty -r -t z chunk; then out+=$chunk; else sleep 0.05; fi
        done
        [[ $out == *READY-42* ]] || { print -u2 "zsh did not start: $out"; exit 4 }
        zpty -w -n z "$2"$'\x14'
        out=
        integer quiet=0
        while (( quiet < 20 )); do
            if zpty -r -t z chunk; then out+=$chunk; quiet=0; else sleep 0.1; (( quiet++ )); fi
        done
        zpty -d z
        print -r -- "$out"
    "#;
    shell_output("zsh", &["-f", "-c", script, "zsh"], dir, line)
}

fn shell_output(shell: &str, args: &[&str], dir: &Path, line: &str) -> String {
    let out = std::process::Command::new(shell)
        .args(args)
        .arg(dir)
        .arg(line)
        .output()
        .unwrap_or_else(|e| panic!("{shell}: {e}"));
    assert!(
        out.status.success(),
        "{shell} failed on {line:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

// Regression: the bash script completed only the subcommand (`sio-auth serve --<TAB>` gave
// nothing): clap_complete labels its states differently from the ones it builds when the
// command's name has a hyphen (clap-rs/clap#6421). Each shell is driven for real.
#[test]
fn every_shell_completes_options_and_values() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("completions");
    for (shell, offers) in [
        ("bash", bash_offers as fn(&Path, &str) -> String),
        ("zsh", zsh_offers),
        ("fish", fish_offers),
    ] {
        let test = format!("every_shell_completes_options_and_values ({shell})");
        if std::process::Command::new(shell)
            .arg("-c")
            .arg("exit 0")
            .output()
            .is_err()
        {
            crate::util::missing_peer(&test, &format!("no {shell} on PATH"));
            continue;
        }
        for (line, expected) in OFFERS {
            let offered = without_escapes(&offers(&dir, line));
            for word in *expected {
                assert!(
                    offered
                        .split(|c: char| c.is_whitespace() || c.is_control())
                        .any(|w| w == *word),
                    "{shell} offers {word:?} for {line:?}; it offered:\n{offered}"
                );
            }
        }
    }
}

/// The text of a terminal's output without its CSI escape sequences (`ESC [ … final`).
fn without_escapes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            chars.next();
            for c in chars.by_ref() {
                if ('@'..='~').contains(&c) {
                    break;
                }
            }
            out.push(' ');
        } else {
            out.push(c);
        }
    }
    out
}
