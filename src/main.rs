//! `sio-auth`: Express-style session cookies and Socket.IO connections authorized by them.

mod cli;
mod completions;
mod connect;
mod exit;
mod secrets;
mod sign;
mod verify;

use std::process::ExitCode;

use clap::Parser as _;

use crate::cli::{Cli, Command};
use crate::exit::Exit;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match &cli.command {
        Command::Sign(args) => sign::run(args),
        Command::Verify(args) => verify::run(args),
        Command::Completions(args) => completions::run(args),
        Command::Man => completions::man(),
        Command::Serve(_) => Err(anyhow::anyhow!("serve is not built yet")),
        Command::Connect(args) => connect::run(args),
    };
    match outcome {
        Ok(exit) => exit.into(),
        Err(error) if exit::is_broken_pipe(&error) => Exit::Success.into(),
        Err(error) => {
            eprintln!("sio-auth: error: {error:#}");
            exit::exit_for(&error).into()
        }
    }
}
