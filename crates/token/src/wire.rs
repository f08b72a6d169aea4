//! Little-endian integers and u16-length-prefixed strings, the token's only encodings.
//!
//! The reader is bounds-checked on every read and reports which field ran out, so that a
//! truncated or forged token yields a precise error instead of a panic.

use crate::error::ParseError;

/// Appends `n` little-endian.
pub(crate) fn put_u16(out: &mut Vec<u8>, n: u16) {
    out.extend_from_slice(&n.to_le_bytes());
}

/// Appends `n` little-endian.
pub(crate) fn put_u32(out: &mut Vec<u8>, n: u32) {
    out.extend_from_slice(&n.to_le_bytes());
}

/// Appends `bytes` behind its u16 length; `None` if it is longer than `u16::MAX`.
#[must_use]
pub(crate) fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) -> Option<()> {
    put_u16(out, u16::try_from(bytes.len()).ok()?);
    out.extend_from_slice(bytes);
    Some(())
}

/// A cursor over a byte slice.
pub(crate) struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        Reader { rest: buf }
    }

    fn take(&mut self, n: usize, field: &'static str) -> Result<&'a [u8], ParseError> {
        if self.rest.len() < n {
            return Err(ParseError::Truncated { field });
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }

    pub(crate) fn u16(&mut self, field: &'static str) -> Result<u16, ParseError> {
        let mut b = [0; 2];
        b.copy_from_slice(self.take(2, field)?);
        Ok(u16::from_le_bytes(b))
    }

    pub(crate) fn u32(&mut self, field: &'static str) -> Result<u32, ParseError> {
        let mut b = [0; 4];
        b.copy_from_slice(self.take(4, field)?);
        Ok(u32::from_le_bytes(b))
    }

    pub(crate) fn bytes(&mut self, field: &'static str) -> Result<&'a [u8], ParseError> {
        let len = self.u16(field)?;
        self.take(usize::from(len), field)
    }

    pub(crate) fn string(&mut self, field: &'static str) -> Result<String, ParseError> {
        let bytes = self.bytes(field)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| ParseError::InvalidUtf8 { field })
    }

    /// Fails if anything is left: a well-formed token has no bytes beyond its last field.
    pub(crate) fn finish(self, after: &'static str) -> Result<(), ParseError> {
        match self.rest.len() {
            0 => Ok(()),
            count => Err(ParseError::TrailingBytes { after, count }),
        }
    }
}
