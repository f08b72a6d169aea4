//! Checks the engine makes before anything goes to the server, mirroring the server's own so
//! an app learns at once (and without a connection) that a call cannot succeed. Only the
//! contract's fixed limits live here; everything that depends on room state is the server's
//! to decide.

use chorus_proto::{
    ErrorCode, MAX_EXTRA_INFO_BYTES, MAX_MESSAGE_BYTES, RtcError, UserInfo, is_valid_id,
};

fn invalid(message: impl Into<String>) -> RtcError {
    RtcError::new(ErrorCode::InvalidParams, message)
}

/// The room id, user id and extra info of a join.
pub(crate) fn check_join(room_id: &str, user_info: &UserInfo) -> Result<(), RtcError> {
    if !is_valid_id(room_id) {
        return Err(invalid(format!(
            "roomId must be {}",
            chorus_proto::id_rule()
        )));
    }
    if !is_valid_id(&user_info.user_id) {
        return Err(invalid(format!(
            "userId must be {}",
            chorus_proto::id_rule()
        )));
    }
    if let Some(extra) = &user_info.extra_info
        && extra.len() > MAX_EXTRA_INFO_BYTES
    {
        return Err(invalid(format!(
            "extraInfo is {} bytes, longer than {MAX_EXTRA_INFO_BYTES} bytes",
            extra.len()
        )));
    }
    Ok(())
}

/// The user id of a login.
pub(crate) fn check_user_id(user_id: &str) -> Result<(), RtcError> {
    if !is_valid_id(user_id) {
        return Err(invalid(format!(
            "userId must be {}",
            chorus_proto::id_rule()
        )));
    }
    Ok(())
}

/// A message of `len` bytes (the text, or the bytes before base64).
pub(crate) fn check_message(len: usize) -> Result<(), RtcError> {
    if len > MAX_MESSAGE_BYTES {
        return Err(invalid(format!(
            "the message is {len} bytes; the limit is {MAX_MESSAGE_BYTES}"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: &str, extra: Option<String>) -> UserInfo {
        UserInfo {
            user_id: id.into(),
            extra_info: extra,
        }
    }

    #[test]
    fn ids_and_extra_info_follow_the_contract() {
        assert!(check_join("room-1", &user("alice", Some("x".repeat(200)))).is_ok());
        let e = check_join("bad room", &user("alice", None)).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidParams);
        assert!(e.message.contains("roomId"));
        assert!(
            check_join("r", &user("", None))
                .unwrap_err()
                .message
                .contains("userId")
        );
        let e = check_join("r", &user("a", Some("é".repeat(101)))).unwrap_err();
        assert!(e.message.contains("extraInfo is 202 bytes"), "{e}");
    }

    #[test]
    fn messages_up_to_64_kb_pass() {
        assert!(check_message(MAX_MESSAGE_BYTES).is_ok());
        let e = check_message(MAX_MESSAGE_BYTES + 1).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidParams);
        assert_eq!(e.message, "the message is 65537 bytes; the limit is 65536");
        assert!(check_user_id("alice").is_ok());
        assert_eq!(
            check_user_id("al ice").unwrap_err().code,
            ErrorCode::InvalidParams
        );
    }
}
