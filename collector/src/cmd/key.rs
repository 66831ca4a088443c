//! `collector key rotate (--data DIR | --key-file FILE)`: a new signing key; the old public key is kept beside it
//! (`SEED.retired`) so that every collector restarted on this file still checks what the old key signed.

use crate::cli::KeyRotateArgs;
use collector::clock::{Clock, SystemClock, rfc3339};
use collector::keys;
use std::process::ExitCode;

/// Rotates the key of a data folder or of a shared key file.
pub fn rotate(args: &KeyRotateArgs) -> anyhow::Result<ExitCode> {
    let seed = match (&args.key_file, &args.data) {
        (Some(file), _) => file.clone(),
        (None, Some(data)) => keys::seed_path(data),
        (None, None) => anyhow::bail!("say which key: --data DIR or --key-file FILE"),
    };
    let (old, new) = keys::rotate_at(&seed, &rfc3339(SystemClock.now_ms()))?;
    println!("clé actuelle / current key: {} (kid {})", new.to_base64url(), new.kid());
    println!(
        "clé retirée / retired key:  {} (kid {}), kept in {}",
        old.to_base64url(),
        old.kid(),
        keys::retired_path(&seed).display()
    );
    println!(
        "redémarrez chaque collecteur qui utilise cette clé / restart every collector that uses this key \
         (systemctl restart 'alumni-collector@*'): until then they sign with the old key, which stays valid"
    );
    Ok(ExitCode::SUCCESS)
}
