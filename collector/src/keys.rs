//! The collector's Ed25519 key: made from OS randomness on first start, kept in the data folder (mode 0600), or in
//! the file `--key-file` names. `collector key rotate` replaces it by a new one and keeps the old public key in
//! `SEED.retired` beside it, so that what the old key signed (receipts, links, challenges) still checks.

mod set;

pub use set::KeySet;

use consent::signature::{CollectorKey, CollectorPublicKey};
use rand::RngCore;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The seed file inside a data folder.
pub fn seed_path(data_dir: &Path) -> PathBuf {
    data_dir.join("collector-key.seed")
}

/// Why the key could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// Reading or writing the seed failed.
    #[error("{path}: {source}")]
    Io {
        /// The seed file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The seed file is not 32 bytes.
    #[error("{0}: not a 32-byte seed")]
    Corrupt(PathBuf),
    /// A line of the retired keys' file is not a public key.
    #[error("{path}:{line}: not a base64url Ed25519 public key")]
    Retired {
        /// The retired keys' file.
        path: PathBuf,
        /// The line, from 1.
        line: usize,
    },
}

/// The file beside a seed that lists the keys rotated out, one base64url public key a line, newest last.
pub fn retired_path(seed: &Path) -> PathBuf {
    let mut name = seed.as_os_str().to_owned();
    name.push(".retired");
    PathBuf::from(name)
}

/// The retired public keys listed beside the seed `path` (none when the file does not exist), newest first.
pub fn retired_keys(path: &Path) -> Result<Vec<CollectorPublicKey>, KeyError> {
    let path = retired_path(path);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => return Err(KeyError::Io { path, source }),
    };
    let mut keys = Vec::new();
    for (i, line) in text.lines().enumerate() {
        // A line may say when and why after the key: `KEY # kid …, retired …`.
        let key = line.split('#').next().unwrap_or_default().trim();
        if key.is_empty() {
            continue;
        }
        let key = CollectorPublicKey::from_base64url(key)
            .map_err(|_| KeyError::Retired { path: path.clone(), line: i + 1 })?;
        keys.push(key);
    }
    keys.reverse();
    Ok(keys)
}

/// The key kept in the seed file `path` (made on first use) and the set that checks with it and the retired keys.
pub fn load_set_at(path: &Path) -> Result<(CollectorKey, KeySet), KeyError> {
    let key = load_or_create_at(path)?;
    let set = KeySet::new(key.public(), retired_keys(path)?);
    Ok((key, set))
}

/// Replaces the key in the seed file `path` by a new one; the old public key is appended to the retired keys'
/// file first (and synced), so that a crash between the two steps loses no key. Returns the old and the new key.
pub fn rotate_at(path: &Path, now: &str) -> Result<(CollectorPublicKey, CollectorPublicKey), KeyError> {
    let old = load_existing_at(path)?.public();
    let retired = retired_path(path);
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| KeyError::Io { path, source }
    };
    let mut file = std::fs::OpenOptions::new().append(true).create(true).open(&retired).map_err(io(&retired))?;
    writeln!(file, "{} # kid {}, retired {now}", old.to_base64url(), old.kid()).map_err(io(&retired))?;
    file.sync_all().map_err(io(&retired))?;
    // The new seed goes to a temporary file renamed over the old one: a reader sees the old seed or the new.
    let fresh = path.with_extension("seed.new");
    let _ = std::fs::remove_file(&fresh);
    let new = write_new_seed(&fresh)?;
    std::fs::rename(&fresh, path).map_err(io(path))?;
    Ok((old, new.public()))
}

/// The key in the seed file `path`, which must exist.
fn load_existing_at(path: &Path) -> Result<CollectorKey, KeyError> {
    let bytes = std::fs::read(path).map_err(|source| KeyError::Io { path: path.to_owned(), source })?;
    let seed: [u8; 32] = bytes.try_into().map_err(|_| KeyError::Corrupt(path.to_owned()))?;
    Ok(CollectorKey::from_seed(seed))
}

/// A new key from OS randomness, written to the new file `path` (mode 0600) and synced.
fn write_new_seed(path: &Path) -> Result<CollectorKey, KeyError> {
    let io = |source| KeyError::Io { path: path.to_owned(), source };
    let mut seed = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut seed);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(io)?;
    file.write_all(&seed).map_err(io)?;
    file.sync_all().map_err(io)?;
    Ok(CollectorKey::from_seed(seed))
}

/// Loads the key of a data folder, creating it on first use.
pub fn load_or_create(data_dir: &Path) -> Result<CollectorKey, KeyError> {
    load_or_create_at(&seed_path(data_dir))
}

/// Loads the key kept in the seed file `path`, creating it on first use (`serve --key-file`: one file shared by
/// every collector of a database, so that what one signs the others check).
pub fn load_or_create_at(path: &Path) -> Result<CollectorKey, KeyError> {
    match load_existing_at(path) {
        Err(KeyError::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => write_new_seed(path),
        loaded => loaded,
    }
}

/// A random identifier: 128 bits, base64url.
pub fn random_id() -> String {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    consent::protocol::b64url_encode(&bytes)
}

/// An identifier that sorts by creation time: 48 bits of Unix milliseconds in hex, then 80 random bits in
/// base64url. New rows then land at the end of the database's B-trees instead of on random pages, which keeps
/// each group commit's writes small; the time it reveals is in the receipt anyway.
pub fn sortable_id(now_ms: i64) -> String {
    let mut bytes = [0u8; 10];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let millis = u64::try_from(now_ms).unwrap_or(0) & 0xffff_ffff_ffff;
    format!("{millis:012x}{}", consent::protocol::b64url_encode(&bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sortable_ids_sort_by_time_and_differ() {
        let a = sortable_id(1_795_939_200_000);
        let b = sortable_id(1_795_939_200_001);
        assert!(a < b && a.len() == 26 && b.len() == 26);
        assert_ne!(sortable_id(5), sortable_id(5));
    }
}
