//! `chorus`: the one binary. `serve` runs the server; `token` makes and reads access tokens;
//! `api` signs and sends OpenAPI requests; `join`, `login` and `play` are the native SDK on the
//! command line; `loadtest` measures the SFU; `soak` churns clients for hours and checks the
//! server stays flat.

mod api;
mod join;
mod loadtest;
mod loadtest_client;
mod loadtest_cluster;
mod loadtest_janus;
mod loadtest_janus_client;
mod loadtest_report;
mod loadtest_span;
mod loadtest_stats;
mod loadtest_threads;
mod loadtest_transit;
mod loadtest_url;
mod loadtest_yardstick;
mod login;
mod play;
mod secret;
mod serve;
mod soak;
mod soak_client;
mod soak_growth;
mod tls;
mod token;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "chorus",
    version,
    about = "Self-hostable real-time audio/video, veRTC compatible"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
// Parsed once at start-up: the variants' sizes cost nothing worth boxing for.
#[allow(clippy::large_enum_variant)]
enum Command {
    /// Run the server (signalling, rooms, OpenAPI).
    Serve(serve::ServeArgs),
    /// Create or inspect "001" access tokens.
    #[command(subcommand)]
    Token(token::TokenCommand),
    /// Sign and send one OpenAPI request; print the response.
    Api(api::ApiArgs),
    /// Join a room, send messages, and print every event as a JSON line.
    #[command(after_help = join::OUTPUT_HELP)]
    Join(join::JoinArgs),
    /// Log in to messaging outside rooms, send messages (to users or the business server),
    /// and print every event as a JSON line.
    #[command(after_help = login::OUTPUT_HELP)]
    Login(login::LoginArgs),
    /// Play a public stream without joining a room; keep a snapshot, a wav and a y4m file.
    Play(play::PlayArgs),
    /// Measure the SFU: forwarded packets per second per CPU core, in-SFU latency, loss.
    Loadtest(loadtest::LoadtestArgs),
    /// Churn many clients (join, publish, message, stall, leave) and check that the server's
    /// memory, descriptors, threads and tasks stay flat; exit code 1 when one keeps growing.
    Soak(soak::SoakArgs),
}

fn main() -> std::process::ExitCode {
    // The matches too: repeatable flags are carried out in command-line order.
    let matches = Cli::command().get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let result = match cli.command {
        Command::Token(command) => return token::run(command),
        Command::Serve(args) => runtime().and_then(|rt| rt.block_on(serve::run(args))),
        Command::Loadtest(args) => loadtest::main(args),
        Command::Soak(args) => match soak::main(args) {
            Ok(true) => return std::process::ExitCode::SUCCESS,
            Ok(false) => return std::process::ExitCode::FAILURE,
            Err(e) => Err(e),
        },
        Command::Api(args) => {
            return runtime().map_or(std::process::ExitCode::from(2), |rt| {
                rt.block_on(api::run(args))
            });
        }
        Command::Join(args) => {
            let matches = matches.subcommand_matches("join");
            return runtime().map_or(std::process::ExitCode::from(2), |rt| {
                rt.block_on(join::run(args, matches))
            });
        }
        Command::Play(args) => {
            return runtime().map_or(std::process::ExitCode::from(2), |rt| {
                rt.block_on(play::run(args))
            });
        }
        Command::Login(args) => {
            let matches = matches.subcommand_matches("login");
            return runtime().map_or(std::process::ExitCode::from(2), |rt| {
                rt.block_on(login::run(args, matches))
            });
        }
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("chorus: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}
