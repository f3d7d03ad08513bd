//! `sio-auth completions SHELL` and the hidden `sio-auth man`: generated from the clap
//! definitions, so they cannot drift (a test compares them with the committed copies).

use std::io::{self, Write as _};

use anyhow::Context as _;
use clap::CommandFactory as _;
use clap_complete::Shell as Target;

use crate::cli::{Cli, CompletionsArgs, Shell};
use crate::exit::Exit;

pub(crate) fn run(args: &CompletionsArgs) -> anyhow::Result<Exit> {
    let target = match args.shell {
        Shell::Bash => Target::Bash,
        Shell::Zsh => Target::Zsh,
        Shell::Fish => Target::Fish,
        Shell::Elvish => Target::Elvish,
        Shell::Powershell => Target::PowerShell,
    };
    let mut buf = Vec::new();
    clap_complete::generate(target, &mut Cli::command(), "sio-auth", &mut buf);
    write_stdout(&buf)
}

pub(crate) fn man() -> anyhow::Result<Exit> {
    let mut buf = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut buf)
        .context("cannot render the man page")?;
    write_stdout(&buf)
}

fn write_stdout(bytes: &[u8]) -> anyhow::Result<Exit> {
    let mut out = io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .context("cannot write to stdout")?;
    Ok(Exit::Success)
}
