//! `chorus join`: the native SDK on the command line. Joins, prints every event as one JSON
//! line, leaves at the end. A failed call prints `{"error": {code, message}}` and exits 1;
//! being removed by the server (kick, dismiss, duplicate login, token expiry) exits 3.

use std::process::ExitCode;
use std::time::Duration;

use chorus_proto::{ErrorCode, Event, RoomConfig, RtcError, UserInfo};
use chorus_sdk::{EngineConfig, EngineEvent, create_engine};
use chorus_token::{AccessToken, Claims, Privilege};
use clap::Args;
use serde_json::json;

#[derive(Args)]
pub(crate) struct JoinArgs {
    /// The server's base URL.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    server: String,
    /// A room token (its app id is read from it).
    #[arg(long, conflicts_with_all = ["app_id", "app_key"])]
    token: Option<String>,
    /// App id, to make a token here (with --app-key).
    #[arg(long, requires = "app_key")]
    app_id: Option<String>,
    /// App key, to make a token here (with --app-id).
    #[arg(long, requires = "app_id")]
    app_key: Option<String>,
    /// The room.
    #[arg(long)]
    room: String,
    /// The user.
    #[arg(long)]
    user: String,
    /// Extra info shown to others.
    #[arg(long)]
    extra_info: Option<String>,
    /// Join invisible to others.
    #[arg(long)]
    invisible: bool,
    /// Leave after this many seconds [default: stay until Ctrl-C].
    #[arg(long)]
    duration: Option<f64>,
}

fn print_error(error: &RtcError) {
    println!(
        "{}",
        json!({ "error": { "code": error.code, "message": error.message } })
    );
}

/// Codes with which the server ends our stay.
const REMOVED: [ErrorCode; 6] = [
    ErrorCode::KickedOut,
    ErrorCode::RoomDismiss,
    ErrorCode::DuplicateLogin,
    ErrorCode::TokenExpired,
    ErrorCode::RoomForbidden,
    ErrorCode::UserForbidden,
];

pub(crate) async fn run(args: JoinArgs) -> ExitCode {
    let (app_id, token) = match (&args.token, &args.app_id, &args.app_key) {
        (Some(token), _, _) => match Claims::parse(token) {
            Ok(claims) => (claims.app_id().to_owned(), token.clone()),
            Err(e) => {
                print_error(&RtcError::new(
                    ErrorCode::InvalidToken,
                    format!("malformed token: {e}"),
                ));
                return ExitCode::FAILURE;
            }
        },
        (None, Some(id), Some(key)) => {
            let made = AccessToken::new(
                id.as_str(),
                key.as_str(),
                args.room.as_str(),
                args.user.as_str(),
            )
            .add_privilege(Privilege::PublishStream, 0)
            .add_privilege(Privilege::SubscribeStream, 0)
            .serialize();
            match made {
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

    let engine = create_engine(&app_id, EngineConfig::new(args.server.as_str()));
    let mut events = engine.events();
    if args.invisible
        && let Err(e) = engine.set_user_visibility(false).await
    {
        print_error(&e);
        return ExitCode::FAILURE;
    }
    let info = UserInfo {
        user_id: args.user.clone(),
        extra_info: args.extra_info.clone(),
    };
    match engine
        .join_room(Some(&token), &args.room, info, RoomConfig::default())
        .await
    {
        Ok(joined) => println!("{}", json!({ "event": "onJoinRoomResult", "data": joined })),
        Err(e) => {
            print_error(&e);
            return ExitCode::FAILURE;
        }
    }

    let until = async {
        match args.duration {
            Some(secs) => tokio::time::sleep(Duration::from_secs_f64(secs.max(0.0))).await,
            None => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    };
    tokio::pin!(until);
    loop {
        tokio::select! {
            () = &mut until => break,
            event = events.next() => {
                let Some(event) = event else { break };
                println!("{}", event.to_json());
                if let EngineEvent::Room(Event::Error(e)) = &event
                    && REMOVED.contains(&e.error_code)
                {
                    return ExitCode::from(3);
                }
            }
        }
    }
    if let Err(e) = engine.leave_room().await {
        print_error(&e);
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
