//! `sio-auth completions SHELL` and the hidden `sio-auth man`: generated from the clap
//! definitions, so they cannot drift (a test compares them with the committed copies).

use std::io::{self, Write as _};

use anyhow::Context as _;
use clap::CommandFactory as _;
use clap_complete::Shell;

use crate::cli::{Cli, CompletionsArgs, HelpArgs, ManArgs};
use crate::exit::Exit;

pub(crate) fn run(args: &CompletionsArgs) -> anyhow::Result<Exit> {
    let target = args.shell;
    let mut buf = Vec::new();
    clap_complete::generate(target, &mut Cli::command(), "sio-auth", &mut buf);
    match target {
        Shell::Bash => buf = fix_bash_states(&buf),
        Shell::Fish => buf.extend_from_slice(fish_positionals(&Cli::command()).as_bytes()),
        _ => {}
    }
    write_stdout(&buf)
}

/// clap_complete's fish generator knows only options, not positional arguments
/// (`sio-auth completions <TAB>` offered files): one `complete` line per subcommand's
/// positional with a fixed set of values, in the style of the generated ones.
fn fish_positionals(cli: &clap::Command) -> String {
    let mut lines = String::new();
    for sub in cli.get_subcommands() {
        for arg in sub.get_positionals() {
            let values: Vec<String> = arg
                .get_possible_values()
                .iter()
                .filter(|v| !v.is_hide_set())
                .map(|v| match v.get_help() {
                    Some(help) => format!(
                        "{}\t'{}'",
                        v.get_name(),
                        help.to_string().replace('\'', "\\'")
                    ),
                    None => v.get_name().to_owned(),
                })
                .collect();
            if !values.is_empty() {
                lines.push_str(&format!(
                    "complete -c sio-auth -n \"__fish_sio_auth_using_subcommand {}\" -f -a \"{}\"\n",
                    sub.get_name(),
                    values.join(" ")
                ));
            }
        }
    }
    lines
}

/// clap_complete's bash script tracks the subcommand in a state named after the command with
/// `-` turned into `__` (`sio__auth__subcmd__serve`), but it labels each state's `case` branch
/// with `-` turned into `__subcmd__` (`sio__subcmd__auth__subcmd__serve`), so with a hyphen in
/// the command's name no branch but the top one ever matches: `sio-auth serve --<TAB>` gave
/// nothing (clap-rs/clap#6421). The labels are renamed to the states the script builds.
fn fix_bash_states(script: &[u8]) -> Vec<u8> {
    String::from_utf8_lossy(script)
        .replace("sio__subcmd__auth__subcmd__", "sio__auth__subcmd__")
        .into_bytes()
}

/// The command a page or a help is about: sio-auth itself or one of its subcommands, built so
/// that a subcommand is named as its page is (`sio-auth-serve`) and usage lines are complete.
fn command_named(name: Option<&str>) -> clap::Command {
    let mut cli = Cli::command();
    cli.build();
    match name.and_then(|name| cli.find_subcommand(name)) {
        Some(sub) => sub.clone(),
        None => cli,
    }
}

/// `sio-auth man [COMMAND]`: sio-auth(1), or the sio-auth-COMMAND(1) page it refers to.
pub(crate) fn man(args: &ManArgs) -> anyhow::Result<Exit> {
    let mut buf = Vec::new();
    clap_mangen::Man::new(command_named(args.command.as_deref()))
        .render(&mut buf)
        .context("cannot render the man page")?;
    write_stdout(&buf)
}

/// `sio-auth help [COMMAND]`: what `sio-auth [COMMAND] --help` prints.
pub(crate) fn help(args: &HelpArgs) -> anyhow::Result<Exit> {
    let mut command = command_named(args.command.as_deref());
    let help = if io::IsTerminal::is_terminal(&io::stdout()) {
        command.render_long_help().ansi().to_string()
    } else {
        command.render_long_help().to_string()
    };
    write_stdout(help.as_bytes())
}

fn write_stdout(bytes: &[u8]) -> anyhow::Result<Exit> {
    let mut out = io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .context("cannot write to stdout")?;
    Ok(Exit::Success)
}
