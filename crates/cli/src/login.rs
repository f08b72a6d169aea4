//! `chorus login`: messaging outside rooms on the command line. Logs in, sets the business
//! server if asked, sends the messages asked for, prints every event (messages received
//! included) and each call's result as JSON lines, logs out at the end. A failed call prints
//! `{"error": {code, message}}` and exits 1; losing the login (another login as the same
//! user, a refused re-login, no way back to the server) exits 3.

use std::process::ExitCode;

use chorus_proto::{ErrorCode, RtcError};
use chorus_sdk::{ClientTls, EngineConfig, RtcEngine, create_engine};
use chorus_token::{AccessToken, Claims};
use clap::{ArgMatches, Args};
use serde_json::{Value, json};

use crate::join::{
    UserMessage, in_command_line_order, parse_user_message, print_error, print_events_for,
    print_ready_events, print_result,
};

/// What the output looks like, for `--help`.
pub(crate) const OUTPUT_HELP: &str = "\
Output: one JSON object per line.
  Events, as they arrive:     {\"event\": \"onUserMessageReceivedOutsideRoom\", \"data\": {\"userId\": \"bob\", \"message\": \"hi\"}}
                              (binary messages carry base64 in \"message\"; --server-params prints
                              {\"event\": \"onServerParamsSetResult\", \"data\": {\"error\": 200}})
  The result of each call:    {\"event\": \"<method>\", \"data\": {\"ok\": true, ...}}:
                              {\"event\": \"login\", \"data\": {\"ok\": true, \"userId\": \"alice\"}}
                              {\"event\": \"sendUserMessageOutsideRoom\", \"data\": {\"ok\": true, \"userId\": \"bob\", \"message\": \"hi\"}}
                              {\"event\": \"sendServerMessage\", \"data\": {\"ok\": true, \"message\": \"hi\", \"response\": \"<business server's body>\"}}
  A failed call:              {\"error\": {\"code\": \"LOGIN_FAILED\", \"message\": \"...\"}}, then exit 1
Messages (--send-server-message, --send-user-message) are sent once logged in (and the server
params set), one after the other, in the order given on the command line.
Exit status: 0 done; 1 a call failed; 3 the login was lost (onError RTM_DUPLICATE_LOGIN,
RTM_TOKEN_ERROR or RECONNECT_FAILED).";

#[derive(Args)]
pub(crate) struct LoginArgs {
    /// The server's base URL.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    server: String,
    /// Trust the CA certificates in this PEM file, besides the system's, for an
    /// https:// server (a private CA).
    #[arg(long, value_name = "FILE")]
    ca: Option<std::path::PathBuf>,
    /// A login token, made for room "" (its app id is read from it).
    #[arg(long, conflicts_with_all = ["app_id", "app_key"])]
    token: Option<String>,
    /// App id, to make a login token here (with --app-key).
    #[arg(long, requires = "app_key")]
    app_id: Option<String>,
    /// App key, to make a login token here (with --app-id).
    #[arg(long, requires = "app_id")]
    app_key: Option<String>,
    /// The user.
    #[arg(long)]
    user: String,
    /// The business server for --send-server-message: the signature it gets in
    /// X-Chorus-Signature, and its http(s):// URL (the signature cannot contain a comma).
    #[arg(long, value_name = "SIGNATURE,URL", value_parser = parse_server_params)]
    server_params: Option<ServerParams>,
    /// Send TEXT to the business server and print its answer (repeatable).
    #[arg(long, value_name = "TEXT", allow_hyphen_values = true)]
    send_server_message: Vec<String>,
    /// Send TEXT to the logged-in USER (repeatable).
    #[arg(long, value_name = "USER:TEXT", value_parser = parse_user_message, allow_hyphen_values = true)]
    send_user_message: Vec<UserMessage>,
    /// Log out after this many seconds [default: stay until Ctrl-C].
    #[arg(long)]
    duration: Option<f64>,
}

/// A `SIGNATURE,URL` flag value.
#[derive(Debug, Clone)]
pub(crate) struct ServerParams {
    signature: String,
    url: String,
}

fn parse_server_params(spec: &str) -> Result<ServerParams, String> {
    match spec.split_once(',') {
        Some((signature, url)) if !url.is_empty() => Ok(ServerParams {
            signature: signature.to_owned(),
            url: url.to_owned(),
        }),
        _ => Err(format!("expected SIGNATURE,URL, got {spec:?}")),
    }
}

/// Codes with which the login ends.
const LOGGED_OUT: [ErrorCode; 3] = [
    ErrorCode::RtmDuplicateLogin,
    ErrorCode::RtmTokenError,
    ErrorCode::ReconnectFailed,
];

/// A message to send once logged in.
enum Send {
    Server(String),
    User(UserMessage),
}

/// Sends `message`; returns the method and the details to print.
async fn send(engine: &RtcEngine, message: Send) -> Result<(&'static str, Value), RtcError> {
    match message {
        Send::Server(text) => {
            let response = engine.send_server_message(&text).await?;
            Ok((
                "sendServerMessage",
                json!({ "message": text, "response": response }),
            ))
        }
        Send::User(UserMessage { user_id, text }) => {
            engine
                .send_user_message_outside_room(&user_id, &text)
                .await?;
            Ok((
                "sendUserMessageOutsideRoom",
                json!({ "userId": user_id, "message": text }),
            ))
        }
    }
}

pub(crate) async fn run(args: LoginArgs, matches: Option<&ArgMatches>) -> ExitCode {
    let (app_id, token) = match (&args.token, &args.app_id, &args.app_key) {
        (Some(token), _, _) => match Claims::parse(token) {
            Ok(claims) => (claims.app_id().to_owned(), token.clone()),
            Err(e) => {
                print_error(&RtcError::new(
                    ErrorCode::LoginFailed,
                    format!("malformed token: {e}"),
                ));
                return ExitCode::FAILURE;
            }
        },
        (None, Some(id), Some(key)) => {
            match AccessToken::new(id.as_str(), key.as_str(), "", args.user.as_str()).serialize() {
                Ok(token) => (id.clone(), token),
                Err(e) => {
                    print_error(&RtcError::new(ErrorCode::InvalidParams, e.to_string()));
                    return ExitCode::FAILURE;
                }
            }
        }
        _ => {
            print_error(&RtcError::new(
                ErrorCode::InvalidParams,
                "give --token, or --app-id and --app-key",
            ));
            return ExitCode::FAILURE;
        }
    };
    let sends = in_command_line_order(
        matches,
        vec![
            (
                "send_server_message",
                args.send_server_message
                    .into_iter()
                    .map(Send::Server)
                    .collect(),
            ),
            (
                "send_user_message",
                args.send_user_message.into_iter().map(Send::User).collect(),
            ),
        ],
    );

    let mut engine_config = EngineConfig::new(args.server.as_str());
    if let Some(ca) = &args.ca {
        match ClientTls::with_ca_file(ca) {
            Ok(tls) => engine_config.tls = Some(tls),
            Err(e) => {
                print_error(&RtcError::new(
                    ErrorCode::InvalidParams,
                    format!("--ca: {e}"),
                ));
                return ExitCode::FAILURE;
            }
        }
    }
    let engine = create_engine(&app_id, engine_config);
    let mut events = engine.events();
    if let Err(e) = engine.login(&token, &args.user).await {
        print_error(&e);
        return ExitCode::FAILURE;
    }
    print_result("login", json!({ "userId": args.user }));

    if let Some(params) = &args.server_params {
        let result = engine
            .set_server_params(&params.signature, &params.url)
            .await;
        // Prints onServerParamsSetResult, which the engine emits before answering.
        if let Some(code) = print_ready_events(&mut events, &LOGGED_OUT) {
            return code;
        }
        if let Err(e) = result {
            print_error(&e);
            let _ = engine.logout().await;
            return ExitCode::FAILURE;
        }
    }

    for message in sends {
        let result = send(&engine, message).await;
        // What arrived meanwhile comes first, so the output stays in order.
        if let Some(code) = print_ready_events(&mut events, &LOGGED_OUT) {
            return code;
        }
        match result {
            Ok((method, details)) => print_result(method, details),
            Err(e) => {
                print_error(&e);
                let _ = engine.logout().await;
                return ExitCode::FAILURE;
            }
        }
    }

    if let Some(code) = print_events_for(&mut events, args.duration, &LOGGED_OUT).await {
        return code;
    }
    if let Err(e) = engine.logout().await {
        print_error(&e);
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
