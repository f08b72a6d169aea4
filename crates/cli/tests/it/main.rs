//! The `chorus` command's behaviour tests, run with the real binary, one module per
//! behaviour, in one binary (one link instead of one per file); `common` runs the binary.

mod common;

mod cluster_failover;
mod cluster_node_death;
mod cluster_span_failover;
mod deploy_guide;
mod join_media;
mod loadtest_cross_room;
mod loadtest_janus;
mod loadtest_over_tls;
mod loadtest_yardstick_and_stamps;
mod messaging_commands;
mod play_public_stream;
mod quick_start;
mod secrets_outside_argv;
mod self_signed_tls;
mod serve_refuses_clashing_apps;
mod soak_runs;
mod token_command;
mod token_default_expiry;
