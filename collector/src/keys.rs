//! The collector's Ed25519 key: made from OS randomness on first start, kept in the data folder (mode 0600).

use consent::signature::CollectorKey;
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
}

/// Loads the key of a data folder, creating it on first use.
pub fn load_or_create(data_dir: &Path) -> Result<CollectorKey, KeyError> {
    load_or_create_at(&seed_path(data_dir))
}

/// Loads the key kept in the seed file `path`, creating it on first use (`serve --key-file`: one file shared by
/// every collector of a database, so that what one signs the others check).
pub fn load_or_create_at(path: &Path) -> Result<CollectorKey, KeyError> {
    let path = path.to_owned();
    let io = |source| KeyError::Io { path: path.clone(), source };
    match std::fs::read(&path) {
        Ok(bytes) => {
            let seed: [u8; 32] = bytes.try_into().map_err(|_| KeyError::Corrupt(path.clone()))?;
            Ok(CollectorKey::from_seed(seed))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut seed = [0u8; 32];
            rand::rngs::OsRng.fill_bytes(&mut seed);
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut file = options.open(&path).map_err(io)?;
            file.write_all(&seed).map_err(io)?;
            file.sync_all().map_err(io)?;
            Ok(CollectorKey::from_seed(seed))
        }
        Err(e) => Err(io(e)),
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
