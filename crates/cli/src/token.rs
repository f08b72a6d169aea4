//! `chorus token create` and `chorus token inspect`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use chorus_token::{AccessToken, Claims, Privilege};
use clap::{Args, Subcommand};
use serde_json::json;

#[derive(Subcommand)]
pub(crate) enum TokenCommand {
    /// Print a new token on stdout.
    Create(CreateArgs),
    /// Print a token's fields as JSON; with --app-key, also whether it is valid.
    /// Exit 0: valid (or parsed, without a key); 1: invalid; 2: unparsable.
    Inspect(InspectArgs),
}

#[derive(Args)]
pub(crate) struct CreateArgs {
    /// The 24-character app id.
    #[arg(long)]
    app_id: String,
    /// The app key that signs the token [env: CHORUS_APP_KEY]; --app-key-file or the
    /// environment keep it out of `ps`.
    #[arg(long)]
    app_key: Option<String>,
    /// Read the app key from this file (its one line).
    #[arg(long, value_name = "PATH", conflicts_with = "app_key")]
    app_key_file: Option<PathBuf>,
    /// The room ("" for an outside-room login token).
    #[arg(long, allow_hyphen_values = true)]
    room: String,
    /// The user.
    #[arg(long)]
    user: String,
    /// When the token expires, unix seconds; `--expire-at 0` makes a token that never expires
    /// [default: 24 hours from now].
    #[arg(long, conflicts_with = "expire_in")]
    expire_at: Option<u32>,
    /// Expire this many seconds from now [default: 86400].
    #[arg(long)]
    expire_in: Option<u32>,
    /// NAME[=UNIX]: publish, publish-audio, publish-video, publish-data or subscribe, with an
    /// optional expiry. None given: publish and subscribe, never expiring.
    #[arg(long = "privilege")]
    privileges: Vec<String>,
    /// Fixed nonce (default random).
    #[arg(long)]
    nonce: Option<u32>,
    /// Fixed issue time, unix seconds (default now).
    #[arg(long)]
    issued_at: Option<u32>,
}

#[derive(Args)]
pub(crate) struct InspectArgs {
    /// The token.
    token: String,
    /// The app key, to check the signature and expiry [env: CHORUS_APP_KEY].
    #[arg(long)]
    app_key: Option<String>,
    /// Read the app key from this file (its one line).
    #[arg(long, value_name = "PATH", conflicts_with = "app_key")]
    app_key_file: Option<PathBuf>,
}

/// How long a token lives when neither --expire-at nor --expire-in is given: a forgotten token
/// should not stay valid forever.
const DEFAULT_EXPIRE_IN_SECS: u32 = 24 * 3600;

/// Where the app key comes from when neither --app-key nor --app-key-file is given.
const APP_KEY_ENV: &str = "CHORUS_APP_KEY";

/// The key from --app-key-file, --app-key or $CHORUS_APP_KEY, in that order.
fn app_key(flag: Option<String>, file: Option<&PathBuf>) -> Result<Option<String>, String> {
    crate::secret::one(file.map(PathBuf::as_path), flag, APP_KEY_ENV)
        .map_err(|e| format!("--app-key-file: {e}"))
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

pub(crate) fn run(command: TokenCommand) -> ExitCode {
    match command {
        TokenCommand::Create(args) => match create(args) {
            Ok(token) => {
                println!("{token}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("chorus token create: {e}");
                ExitCode::from(2)
            }
        },
        TokenCommand::Inspect(args) => inspect(args),
    }
}

fn parse_privilege(spec: &str) -> Result<(Privilege, u32), String> {
    let (name, expiry) = match spec.split_once('=') {
        Some((name, at)) => (
            name,
            at.parse::<u32>()
                .map_err(|_| format!("bad expiry in {spec:?}"))?,
        ),
        None => (spec, 0),
    };
    let privilege = name.parse::<Privilege>().map_err(|e| e.to_string())?;
    Ok((privilege, expiry))
}

fn create(args: CreateArgs) -> Result<String, String> {
    let key = app_key(args.app_key, args.app_key_file.as_ref())?
        .ok_or("give --app-key, --app-key-file or $CHORUS_APP_KEY")?;
    let mut token = AccessToken::new(args.app_id, key, args.room, args.user);
    if let Some(nonce) = args.nonce {
        token = token.with_nonce(nonce);
    }
    if let Some(at) = args.issued_at {
        token = token.with_issued_at(at);
    }
    let expire_at = match args.expire_at {
        Some(at) => at,
        None => {
            let secs = args.expire_in.unwrap_or(DEFAULT_EXPIRE_IN_SECS);
            u32::try_from(now() + u64::from(secs)).map_err(|_| "--expire-in is too far out")?
        }
    };
    token = token.with_expire_at(expire_at);
    let privileges = if args.privileges.is_empty() {
        vec![
            (Privilege::PublishStream, 0),
            (Privilege::SubscribeStream, 0),
        ]
    } else {
        args.privileges
            .iter()
            .map(|p| parse_privilege(p))
            .collect::<Result<_, _>>()?
    };
    for (privilege, expiry) in privileges {
        token = token.add_privilege(privilege, expiry);
    }
    token.serialize().map_err(|e| e.to_string())
}

fn inspect(args: InspectArgs) -> ExitCode {
    let key = match app_key(args.app_key, args.app_key_file.as_ref()) {
        Ok(key) => key,
        Err(e) => {
            eprintln!("chorus token inspect: {e}");
            return ExitCode::from(2);
        }
    };
    let claims = match Claims::parse(&args.token) {
        Ok(claims) => claims,
        Err(e) => {
            println!("{}", json!({ "valid": false, "reason": e.to_string() }));
            return ExitCode::from(2);
        }
    };
    let privileges: serde_json::Map<String, serde_json::Value> = claims
        .privileges()
        .iter()
        .map(|(p, at)| (p.name().to_owned(), json!(at)))
        .collect();
    let mut out = json!({
        "app_id": claims.app_id(),
        "room_id": claims.room_id(),
        "user_id": claims.user_id(),
        "nonce": claims.nonce(),
        "issued_at": claims.issued_at(),
        "expire_at": claims.expire_at(),
        "privileges": privileges,
    });
    let mut code = ExitCode::SUCCESS;
    if let Some(key) = key {
        let verdict = claims.verify(&key, now());
        out["valid"] = json!(verdict.is_ok());
        if let Err(e) = verdict {
            out["reason"] = json!(e.to_string());
            code = ExitCode::from(1);
        }
    }
    println!("{out}");
    code
}
