//! Clipping of client-supplied text quoted in error messages, so that an error never carries a
//! huge payload back to whoever sent it. Depends on nothing: every parser and the server use it.

/// Most characters of a client-supplied value (an id, a method name, a URL) that an error
/// message quotes.
pub const CLIP_CHARS: usize = 64;

/// Most characters of a parser's error text after [`clip_quoted`], a backstop in case a
/// parser quotes input in a way `clip_quoted` does not see.
pub(crate) const CLIP_REASON_CHARS: usize = 512;

/// Keeps a client-supplied value quoted in an error message short (at most [`CLIP_CHARS`]
/// characters, then "…"), so an error never carries a huge payload back.
pub fn clip(s: &str) -> String {
    clip_to(s, CLIP_CHARS)
}

/// [`clip`] to `max_chars` characters.
pub(crate) fn clip_to(s: &str, max_chars: usize) -> String {
    match s.char_indices().nth(max_chars) {
        Some((cut, _)) => format!("{}…", &s[..cut]),
        None => s.to_owned(),
    }
}

/// Keeps a parser's error text short: each part quoted in `"` or `` ` `` (where parsers put the
/// input they choked on) is [`clip`]ped, and the whole text to 512 characters. The rest of
/// the text, such as what was expected, is kept.
pub fn clip_quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(CLIP_REASON_CHARS));
    let mut rest = text;
    while let Some(open) = rest.find(['"', '`']) {
        let quote = rest[open..].chars().next().unwrap_or('"');
        out.push_str(&rest[..=open]);
        let inner = &rest[open + 1..];
        // A `"` quote escapes inner quotes with a backslash (Rust's Debug form).
        let mut escaped = false;
        let close = inner.char_indices().find_map(|(i, c)| {
            let end = c == quote && !escaped;
            escaped = quote == '"' && c == '\\' && !escaped;
            end.then_some(i)
        });
        match close {
            Some(close) => {
                out.push_str(&clip(&inner[..close]));
                out.push(quote);
                rest = &inner[close + 1..];
            }
            None => {
                out.push_str(&clip(inner));
                rest = "";
            }
        }
    }
    out.push_str(rest);
    clip_to(&out, CLIP_REASON_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_quoted_clips_each_quoted_part_and_keeps_the_rest() {
        let long = "y".repeat(100);
        let text = format!(r#"invalid type: string "{long}\"{long}", expected `{long}` or `a`"#);
        let clipped = clip_quoted(&text);
        let y64 = "y".repeat(64);
        assert_eq!(
            clipped,
            format!(r#"invalid type: string "{y64}…", expected `{y64}…` or `a`"#)
        );
        assert_eq!(
            clip_quoted("missing field `roomId`"),
            "missing field `roomId`"
        );
        assert_eq!(
            clip_quoted(&format!("open \"{long}")),
            format!("open \"{y64}…")
        );
    }
}
