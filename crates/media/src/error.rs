//! The crate's one error type. Every fallible call in chorus-media returns [`MediaError`],
//! so callers (server, SDK) wrap a single enum into their own layer's error.

/// Why a media operation failed.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    /// libopus returned this (negative) error code.
    #[error("opus error {0}: {msg}", msg = opus_error_text(*.0))]
    Opus(i32),
    /// The H.264 encoder or decoder failed.
    #[error("h264: {0}")]
    H264(String),
    /// Reading or writing a file failed.
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    /// The input is valid but asks for something this crate does not do.
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// The input could not be decoded (corrupt or not what it claims to be).
    #[error("cannot decode: {0}")]
    Decode(String),
    /// An argument is out of range (wrong frame length, zero size, bad channel count).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// Encoding a PNG failed.
    #[error("png: {0}")]
    Png(String),
}

/// What a libopus error code means (the texts of `opus_strerror`, kept here so this module
/// needs no `unsafe`).
fn opus_error_text(code: i32) -> &'static str {
    match code {
        -1 => "invalid argument",
        -2 => "buffer too small",
        -3 => "internal error",
        -4 => "corrupted stream",
        -5 => "request not implemented",
        -6 => "invalid state",
        -7 => "memory allocation failed",
        _ => "unknown error",
    }
}

/// An I/O error that names the file it happened on, keeping its kind.
pub(crate) fn with_path(e: std::io::Error, path: &std::path::Path) -> MediaError {
    MediaError::Io(std::io::Error::new(
        e.kind(),
        format!("{}: {e}", path.display()),
    ))
}
