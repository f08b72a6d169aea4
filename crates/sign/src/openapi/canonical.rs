//! The canonical request: the one byte string both signer and verifier hash.
//!
//! Its rules are those the vendor SDKs share (volc-sdk-golang `normuri`/`normquery`, the Python
//! and Java `norm_query`, the Node `uriEscape`): query pairs are decoded, sorted by name in byte
//! order (pairs with the same name keep their order), and re-encoded; every byte outside
//! `A-Z a-z 0-9 - _ . ~` becomes `%XX` with uppercase hex, so a space is `%20`, never `+`.
//! Because the query is decoded first, however a client spelled it on the wire (`+` or `%20`,
//! `%7e` or `~`), it canonicalizes the same.

/// Builds the canonical request. `headers` are the signed headers in `signed_headers` order.
pub(super) fn request<'a>(
    method: &str,
    path: &str,
    query: &str,
    headers: impl Iterator<Item = (&'a str, &'a str)>,
    signed_headers: &str,
    payload_hash: &str,
) -> String {
    let mut out = String::with_capacity(256);
    out.push_str(method);
    out.push('\n');
    push_path(&mut out, path);
    out.push('\n');
    push_query(&mut out, query);
    out.push('\n');
    for (name, value) in headers {
        out.push_str(name);
        out.push(':');
        out.push_str(header_value(name, value));
        out.push('\n');
    }
    // The header block ends with its own '\n', and one more separates it from the name list.
    out.push('\n');
    out.push_str(signed_headers);
    out.push('\n');
    out.push_str(payload_hash);
    out
}

/// A header's canonical value: trimmed, and for `host` without a default port, which the SDKs
/// drop (they split on ':' and drop the second field when it is 80 or 443).
fn header_value<'a>(name: &str, value: &'a str) -> &'a str {
    let value = value.trim();
    if !name.eq_ignore_ascii_case("host") {
        return value;
    }
    let mut fields = value.split(':');
    match (fields.next(), fields.next()) {
        (Some(host), Some("80" | "443")) => host,
        _ => value,
    }
}

/// The path, decoded then re-encoded segment by segment; empty means `/`.
fn push_path(out: &mut String, raw: &str) {
    if raw.is_empty() {
        out.push('/');
        return;
    }
    for &b in &percent_decode(raw, false) {
        if b == b'/' {
            out.push('/');
        } else {
            push_encoded(out, b);
        }
    }
}

fn push_query(out: &mut String, raw: &str) {
    let raw = raw.strip_prefix('?').unwrap_or(raw);
    let mut pairs: Vec<(Vec<u8>, Vec<u8>)> = raw
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(name, true), percent_decode(value, true))
        })
        .collect();
    // Stable, so repeated names keep their request order, as the vendor's docs require.
    pairs.sort_by(|a, b| a.0.cmp(&b.0));
    for (i, (name, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        name.iter().for_each(|&b| push_encoded(out, b));
        out.push('=');
        value.iter().for_each(|&b| push_encoded(out, b));
    }
}

fn push_encoded(out: &mut String, b: u8) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
        out.push(char::from(b));
    } else {
        out.push('%');
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0x0f)]));
    }
}

/// Percent-decodes `s`; with `plus_is_space` (query strings), `+` is a space. An invalid escape
/// is kept literally rather than rejected: the signature check settles such requests.
fn percent_decode(s: &str, plus_is_space: bool) -> Vec<u8> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let escaped = match (b, bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&hi), Some(&lo)) => {
                hex_digit(hi).zip(hex_digit(lo)).map(|(h, l)| h << 4 | l)
            }
            _ => None,
        };
        match escaped {
            Some(decoded) => {
                out.push(decoded);
                i += 3;
            }
            None => {
                out.push(if plus_is_space && b == b'+' { b' ' } else { b });
                i += 1;
            }
        }
    }
    out
}

fn hex_digit(b: u8) -> Option<u8> {
    char::from(b)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(raw: &str) -> String {
        let mut out = String::new();
        push_query(&mut out, raw);
        out
    }

    fn path(raw: &str) -> String {
        let mut out = String::new();
        push_path(&mut out, raw);
        out
    }

    #[test]
    fn query_is_sorted_by_name_and_keeps_order_of_repeats() {
        assert_eq!(query("b=2&a=1&b=1"), "a=1&b=2&b=1");
        assert_eq!(
            query("Version=2020-12-01&Action=KickUser"),
            "Action=KickUser&Version=2020-12-01"
        );
    }

    #[test]
    fn query_spaces_become_percent_20_and_unreserved_stay() {
        assert_eq!(query("k=a+b%20c"), "k=a%20b%20c");
        assert_eq!(query("k=~-_.%7e"), "k=~-_.~");
        assert_eq!(query("k=*%2B/"), "k=%2A%2B%2F");
        assert_eq!(query("k=%c3%a9"), "k=%C3%A9");
    }

    #[test]
    fn query_bare_names_get_empty_values_and_empty_pieces_vanish() {
        assert_eq!(query("?a&&b="), "a=&b=");
        assert_eq!(query(""), "");
    }

    #[test]
    fn invalid_escapes_stay_literal() {
        assert_eq!(query("k=%zz%4"), "k=%25zz%254");
    }

    #[test]
    fn path_is_reencoded_per_segment() {
        assert_eq!(path(""), "/");
        assert_eq!(path("/"), "/");
        assert_eq!(path("/a b/%7Ec"), "/a%20b/~c");
        assert_eq!(path("/a+b"), "/a%2Bb");
    }

    #[test]
    fn host_drops_default_ports_only() {
        assert_eq!(
            header_value("Host", " rtc.example.com:443 "),
            "rtc.example.com"
        );
        assert_eq!(
            header_value("host", "rtc.example.com:80"),
            "rtc.example.com"
        );
        assert_eq!(
            header_value("host", "rtc.example.com:8443"),
            "rtc.example.com:8443"
        );
        assert_eq!(header_value("x-other", "v:443"), "v:443");
        assert_eq!(header_value("host", "[::1]:443"), "[::1]:443");
    }
}
