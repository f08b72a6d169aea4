//! Secrets (app keys, OpenAPI secret keys, the webhook secret) read from files and the
//! environment, so that they need not be on the command line, where `ps` shows them to every
//! user of the machine.
//!
//! Depends on nothing else in the binary: each command asks for what it needs. Error messages
//! name the file, the variable or the line, never the text in it, since that text is a secret.

use std::fmt;
use std::path::{Path, PathBuf};

/// Where a secret was to come from, and why it could not.
#[derive(Debug)]
pub(crate) enum SecretError {
    /// The file could not be read.
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file, or the variable, holds nothing but whitespace.
    Empty {
        /// The file or variable.
        origin: String,
    },
    /// An entry is not `A:B` with both sides non-empty.
    BadEntry {
        /// The file (with the line) or variable.
        origin: String,
        /// What the entry should look like, e.g. `ID:KEY`.
        form: &'static str,
    },
}

impl fmt::Display for SecretError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretError::Read { path, source } => {
                write!(f, "cannot read {}: {source}", path.display())
            }
            SecretError::Empty { origin } => write!(f, "{origin} is empty"),
            SecretError::BadEntry { origin, form } => {
                write!(f, "{origin} must be {form} (both sides non-empty)")
            }
        }
    }
}

impl std::error::Error for SecretError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SecretError::Read { source, .. } => Some(source),
            _ => None,
        }
    }
}

fn read(path: &Path) -> Result<String, SecretError> {
    std::fs::read_to_string(path).map_err(|source| SecretError::Read {
        path: path.to_owned(),
        source,
    })
}

/// One secret: the whole file, without the line break an editor or `echo` leaves at the end.
pub(crate) fn from_file(path: &Path) -> Result<String, SecretError> {
    let text = read(path)?;
    let secret = text.trim_end_matches(['\n', '\r']);
    if secret.trim().is_empty() {
        return Err(SecretError::Empty {
            origin: path.display().to_string(),
        });
    }
    Ok(secret.to_owned())
}

/// One secret, from the first of: the file named by a `--*-file` flag, the flag itself, the
/// environment variable `var`. The environment is read here rather than by clap so that a
/// variable left exported does not collide with a file given on the command line.
pub(crate) fn one(
    file: Option<&Path>,
    flag: Option<String>,
    var: &str,
) -> Result<Option<String>, SecretError> {
    if let Some(path) = file {
        return from_file(path).map(Some);
    }
    Ok(flag.or_else(|| std::env::var(var).ok()))
}

/// Splits `A:B` at its first colon (so `B` may contain colons); `None` unless both sides are
/// non-empty.
fn split_pair(entry: &str) -> Option<(String, String)> {
    let (a, b) = entry.split_once(':')?;
    (!a.is_empty() && !b.is_empty()).then(|| (a.to_owned(), b.to_owned()))
}

/// `A:B` pairs, one per line; blank lines and lines starting with `#` are skipped. `form`
/// names the pair in errors, e.g. `ID:KEY`.
pub(crate) fn pairs_from_file(
    path: &Path,
    form: &'static str,
) -> Result<Vec<(String, String)>, SecretError> {
    let text = read(path)?;
    let mut pairs = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let pair = split_pair(line).ok_or_else(|| SecretError::BadEntry {
            origin: format!("line {} of {}", index + 1, path.display()),
            form,
        })?;
        pairs.push(pair);
    }
    Ok(pairs)
}

/// `A:B` pairs from the environment variable `var`, separated by commas or whitespace; none if
/// it is unset.
pub(crate) fn pairs_from_env(
    var: &str,
    form: &'static str,
) -> Result<Vec<(String, String)>, SecretError> {
    let Some(value) = std::env::var_os(var) else {
        return Ok(Vec::new());
    };
    let value = value.to_string_lossy();
    value
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|entry| !entry.is_empty())
        .enumerate()
        .map(|(index, entry)| {
            split_pair(entry).ok_or_else(|| SecretError::BadEntry {
                origin: format!("entry {} of ${var}", index + 1),
                form,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pair_splits_at_its_first_colon_and_needs_both_sides() {
        assert_eq!(split_pair("a:b:c"), Some(("a".into(), "b:c".into())));
        assert_eq!(split_pair("a:"), None);
        assert_eq!(split_pair(":b"), None);
        assert_eq!(split_pair("ab"), None);
    }

    #[test]
    fn errors_name_the_line_but_never_its_text() {
        let dir = std::env::temp_dir().join(format!("chorus-secret-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("apps");
        std::fs::write(&path, "# apps\n\nid:key\nsecret-without-colon\n").expect("write");
        let e = pairs_from_file(&path, "ID:KEY").expect_err("line 4 is bad");
        let text = e.to_string();
        assert!(text.contains("line 4 of"), "{text}");
        assert!(!text.contains("secret-without-colon"), "{text}");
        std::fs::write(&path, "key\n").expect("write");
        assert_eq!(from_file(&path).expect("one secret"), "key");
        std::fs::write(&path, "\n").expect("write");
        assert!(matches!(from_file(&path), Err(SecretError::Empty { .. })));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
