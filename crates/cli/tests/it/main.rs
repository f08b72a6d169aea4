//! The `chorus` command's behaviour tests, run with the real binary, one module per
//! behaviour, in one binary (one link instead of one per file); `common` runs the binary.

mod common;

mod join_media;
mod messaging_commands;
mod quick_start;
mod token_command;
