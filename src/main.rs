//! `sio-auth`: Express-style session cookies and Socket.IO connections authorized by them.

mod audit;
mod bench;
mod cli;
mod clock;
mod completions;
mod connect;
mod emit;
mod exit;
mod kind;
mod revoke;
mod runtime;
mod secrets;
mod serve;
mod sign;
mod store;
mod verify;

use std::process::ExitCode;

use crate::cli::Command;
use crate::exit::Exit;

/// jemalloc, with background threads that return freed memory to the system after its decay
/// time (10 s): under glibc's malloc, RSS stayed at its peak after a flood of handshakes (e.g.
/// 312 MB after 50 000 abandoned polling handshakes, 8 MB before); jemalloc gives it back within
/// 30 s, at the same handshake rate and CPU (BENCHMARKS.md, "Floods").
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    let cli = cli::parse();
    let outcome = match &cli.command {
        Command::Sign(args) => sign::run(args),
        Command::Verify(args) => verify::run(args),
        Command::Audit(args) => audit::run(args),
        Command::Bench(args) => bench::run(args),
        Command::Completions(args) => completions::run(args),
        Command::Help(args) => completions::help(args),
        Command::Man(args) => completions::man(args),
        Command::Serve(args) => {
            init_logging("info");
            serve::run(args)
        }
        Command::Connect(args) => connect::run(args),
        Command::Revoke(args) => revoke::run(args),
        Command::Emit(args) => emit::run(args),
    };
    // A consumer that stops reading (`sio-auth verify | head`) ends a data stream quietly; a
    // server that cannot say where it listens must not pretend to be serving.
    let streams_data = !matches!(cli.command, Command::Serve(_));
    match outcome {
        Ok(exit) => exit.into(),
        Err(error) if streams_data && exit::is_broken_pipe(&error) => Exit::Success.into(),
        Err(error) => {
            let exit = exit::exit_for(&error);
            // A negative answer is a result, not a failure of the tool.
            let label = if exit == Exit::Negative {
                "refused"
            } else {
                "error"
            };
            eprintln!("sio-auth: {label}: {error:#}");
            exit.into()
        }
    }
}

/// Logs go to stderr; `RUST_LOG` overrides the default level.
fn init_logging(default: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(format!("sio_auth={default},warn")));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .try_init();
}
