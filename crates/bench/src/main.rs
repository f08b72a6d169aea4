//! `chorus-bench`: benchmark programs for the Chorus server.
//!
//! Benchmarks are programs, never timed assertions in tests (docs/benchmarks.md records their
//! figures). Each subcommand prints a progress line on stderr while it runs, its results as
//! plain lines on stdout, and one JSON line at the end for scripts.
//!
//! The clients here speak the signalling protocol over raw WebSockets with the frame types of
//! `chorus-proto`, not through the SDK, so the figures measure the server and nothing else of
//! Chorus.

mod child;
mod client;
mod fds;
mod idle_memory;
mod join_latency;
mod messages;
mod noise;
mod progress;
mod public_stream;
mod rtmp_push;
mod stats;
mod subtitles;
mod tls_joins;

use clap::{Parser, Subcommand};

/// The app every benchmark server hosts.
pub(crate) const APP_ID: &str = "chorusbench0000000000000";
/// Its token signing key.
pub(crate) const APP_KEY: &str = "chorus-bench-app-key";

#[derive(Parser)]
#[command(name = "chorus-bench", about = "Benchmarks for the Chorus server")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Time joinRoom -> result against an in-process server.
    JoinLatency(join_latency::Args),
    /// Resident memory per idle, joined signalling connection of a `chorus serve` child.
    IdleMemory(idle_memory::Args),
    /// Delivered messages per second per server core, and send -> receipt latency.
    Messages(messages::Args),
    /// What a public stream's compositor costs: CPU per 720p30 4-region output, memory per
    /// output, the RTMP push of live transcoding, publisher -> player latency.
    PublicStream(public_stream::Args),
    /// What TLS costs a join: time and server CPU per join, with TLS against without.
    TlsJoins(tls_joins::Args),
    /// Subtitles with the bundled recognizer: speech end -> final subtitle latency, and the
    /// recognizer's CPU per concurrent speaker.
    Subtitles(subtitles::Args),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("chorus-bench: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::JoinLatency(args) => join_latency::run(args).await,
            Command::IdleMemory(args) => idle_memory::run(args).await,
            Command::Messages(args) => messages::run(args).await,
            Command::TlsJoins(args) => tls_joins::run(args).await,
            Command::PublicStream(args) => public_stream::run(args).await,
            Command::Subtitles(args) => subtitles::run(args).await,
        }
    });
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("chorus-bench: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
