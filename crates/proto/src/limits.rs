//! Limits the contract sets on what clients send; the server enforces them, the SDKs check
//! them early so a caller learns at once.

/// Longest room or user id, in characters.
pub const MAX_ID_LEN: usize = 128;
/// Largest `extraInfo`, in bytes.
pub const MAX_EXTRA_INFO_BYTES: usize = 200;
/// Largest user, room or server message, in bytes.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;
/// Most source streams in one public stream.
pub const MAX_PUBLIC_STREAM_REGIONS: usize = 17;
/// Largest signalling frame the server reads: a 64 KB message whose every byte JSON escapes
/// to `\u00XX` (six bytes), plus its envelope. Anything larger closes the connection with
/// "message too big".
pub const MAX_FRAME_BYTES: usize = 6 * MAX_MESSAGE_BYTES + 16 * 1024;

/// The characters an id may hold besides ASCII letters and digits. With [`MAX_ID_LEN`] this
/// is the whole id rule: [`is_valid_id`], [`id_pattern`] and [`id_rule`] all read it here.
pub const ID_PUNCTUATION: &str = "_@-.";

/// Whether `id` is a valid room or user id: `[a-zA-Z0-9_@\-\.]{1,128}`.
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || ID_PUNCTUATION.as_bytes().contains(&b))
}

/// The id rule as an anchored regular expression (JavaScript and most other dialects):
/// `^[a-zA-Z0-9_@\-.]{1,128}$`.
pub fn id_pattern() -> String {
    let mut class = String::from("a-zA-Z0-9");
    for c in ID_PUNCTUATION.chars() {
        // Inside a character class only these need escaping.
        if matches!(c, '\\' | ']' | '^' | '-') {
            class.push('\\');
        }
        class.push(c);
    }
    format!("^[{class}]{{1,{MAX_ID_LEN}}}$")
}

/// The id rule in words, for error messages: `1 to 128 of a-z A-Z 0-9 _ @ - .`.
pub fn id_rule() -> String {
    let mut rule = format!("1 to {MAX_ID_LEN} of a-z A-Z 0-9");
    for c in ID_PUNCTUATION.chars() {
        rule.push(' ');
        rule.push(c);
    }
    rule
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_follow_the_contract_pattern() {
        assert!(is_valid_id("room-1_a@b.c"));
        assert!(is_valid_id(&"a".repeat(128)));
        assert!(!is_valid_id(&"a".repeat(129)));
        assert!(!is_valid_id(""));
        assert!(!is_valid_id("has space"));
        assert!(!is_valid_id("ünï"));
        assert!(!is_valid_id("a/b"));
    }

    #[test]
    fn the_id_rule_reads_the_same_in_every_form() {
        assert_eq!(id_pattern(), r"^[a-zA-Z0-9_@\-.]{1,128}$");
        assert_eq!(id_rule(), "1 to 128 of a-z A-Z 0-9 _ @ - .");
    }
}
