//! AMF0, the value encoding of RTMP's commands: what a publishing client writes (numbers,
//! strings, objects, null) and reads back (`_result`, `_error`, `onStatus` and their
//! arguments). Decoding is bounded by the input; anything it does not know ends the value
//! list rather than failing, since a server's extra arguments are never needed.

/// One AMF0 value.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Amf {
    Number(f64),
    Bool(bool),
    String(String),
    /// An object or ECMA array: its properties in order.
    Object(Vec<(String, Amf)>),
    Null,
}

impl Amf {
    /// A string value.
    pub(super) fn str(s: &str) -> Amf {
        Amf::String(s.to_owned())
    }

    /// The property `key` of an object.
    pub(super) fn get(&self, key: &str) -> Option<&Amf> {
        match self {
            Amf::Object(props) => props.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The string, if this is one.
    pub(super) fn as_str(&self) -> Option<&str> {
        match self {
            Amf::String(s) => Some(s),
            _ => None,
        }
    }

    /// The number, if this is one.
    pub(super) fn as_number(&self) -> Option<f64> {
        match self {
            Amf::Number(n) => Some(*n),
            _ => None,
        }
    }

    /// Appends the value's encoding to `out`.
    pub(super) fn write(&self, out: &mut Vec<u8>) {
        match self {
            Amf::Number(n) => {
                out.push(0x00);
                out.extend_from_slice(&n.to_be_bytes());
            }
            Amf::Bool(b) => out.extend_from_slice(&[0x01, u8::from(*b)]),
            Amf::String(s) => {
                out.push(0x02);
                write_key(out, s);
            }
            Amf::Object(props) => {
                out.push(0x03);
                for (k, v) in props {
                    write_key(out, k);
                    v.write(out);
                }
                out.extend_from_slice(&[0, 0, 0x09]);
            }
            Amf::Null => out.push(0x05),
        }
    }
}

/// A UTF-8 string with its 16-bit length (strings are keys and short values here).
fn write_key(out: &mut Vec<u8>, s: &str) {
    let bytes = &s.as_bytes()[..s.len().min(usize::from(u16::MAX))];
    out.extend_from_slice(&u16::try_from(bytes.len()).unwrap_or(u16::MAX).to_be_bytes());
    out.extend_from_slice(bytes);
}

/// Encodes a command: its values one after another.
pub(super) fn encode(values: &[Amf]) -> Vec<u8> {
    let mut out = Vec::new();
    for v in values {
        v.write(&mut out);
    }
    out
}

/// Decodes the values of a command message, stopping at the first it cannot read.
pub(super) fn decode(mut input: &[u8]) -> Vec<Amf> {
    let mut values = Vec::new();
    while let Some((value, rest)) = read(input, 0) {
        values.push(value);
        input = rest;
    }
    values
}

/// Objects nest at most this deep: a hostile server cannot exhaust the stack.
const MAX_DEPTH: usize = 16;

fn take(input: &[u8], n: usize) -> Option<(&[u8], &[u8])> {
    (input.len() >= n).then(|| input.split_at(n))
}

fn read_string(input: &[u8], long: bool) -> Option<(String, &[u8])> {
    let (len, rest) = if long {
        let (b, rest) = take(input, 4)?;
        (u32::from_be_bytes(b.try_into().ok()?) as usize, rest)
    } else {
        let (b, rest) = take(input, 2)?;
        (usize::from(u16::from_be_bytes(b.try_into().ok()?)), rest)
    };
    let (s, rest) = take(rest, len)?;
    Some((String::from_utf8_lossy(s).into_owned(), rest))
}

/// An object's properties.
type Props = Vec<(String, Amf)>;

fn read_props(mut input: &[u8], depth: usize) -> Option<(Props, &[u8])> {
    let mut props = Vec::new();
    loop {
        if input.starts_with(&[0, 0, 0x09]) {
            return Some((props, &input[3..]));
        }
        let (key, rest) = read_string(input, false)?;
        let (value, rest) = read(rest, depth + 1)?;
        props.push((key, value));
        input = rest;
    }
}

fn read(input: &[u8], depth: usize) -> Option<(Amf, &[u8])> {
    if depth > MAX_DEPTH {
        return None;
    }
    let (&marker, rest) = input.split_first()?;
    match marker {
        0x00 => {
            let (b, rest) = take(rest, 8)?;
            Some((Amf::Number(f64::from_be_bytes(b.try_into().ok()?)), rest))
        }
        0x01 => {
            let (b, rest) = take(rest, 1)?;
            Some((Amf::Bool(b[0] != 0), rest))
        }
        0x02 => read_string(rest, false).map(|(s, rest)| (Amf::String(s), rest)),
        0x0C => read_string(rest, true).map(|(s, rest)| (Amf::String(s), rest)),
        0x03 => read_props(rest, depth).map(|(p, rest)| (Amf::Object(p), rest)),
        0x08 => {
            let (_, rest) = take(rest, 4)?;
            read_props(rest, depth).map(|(p, rest)| (Amf::Object(p), rest))
        }
        0x05 | 0x06 => Some((Amf::Null, rest)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_command_round_trips_and_junk_ends_the_list() {
        let values = vec![
            Amf::str("_result"),
            Amf::Number(1.0),
            Amf::Null,
            Amf::Object(vec![
                ("level".into(), Amf::str("status")),
                ("ok".into(), Amf::Bool(true)),
            ]),
        ];
        let mut bytes = encode(&values);
        assert_eq!(decode(&bytes), values);
        bytes.extend_from_slice(&[0x7f, 1, 2]);
        assert_eq!(decode(&bytes), values);
        assert_eq!(values[3].get("level").and_then(Amf::as_str), Some("status"));
        // Truncated: what is whole is kept.
        assert_eq!(decode(&bytes[..bytes.len() - 8]).len(), 3);
    }
}
