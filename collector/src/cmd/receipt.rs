//! `collector receipt verify FILE [--key KEY | --keys JWKS] [--data DIR | --database URL]`: check a receipt
//! offline, and optionally against the ledger.

use crate::cli::{LedgerArgs, ReceiptVerifyArgs};
use anyhow::Context;
use collector::keys::KeySet;
use collector::ledger::Event;
use consent::protocol::Receipt;
use consent::signature::{CollectorPublicKey, verify_receipt_self_contained};
use std::process::ExitCode;

/// Checks a receipt's signature, and optionally its place in a ledger.
pub fn run(args: &ReceiptVerifyArgs) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let value: serde_json::Value = serde_json::from_str(&text).context("the file is not JSON")?;
    let receipt_value = value.get("receipt").cloned().unwrap_or(value);
    let receipt: Receipt = serde_json::from_value(receipt_value).context("the file holds no receipt")?;
    let signed = match &args.key {
        Some(key) => {
            let key = CollectorPublicKey::from_base64url(key).context("--key is not a base64url Ed25519 key")?;
            key.verify_receipt(&receipt)
        }
        None => match &args.keys {
            Some(file) => key_set(file)?.verify_receipt(&receipt),
            None => verify_receipt_self_contained(&receipt),
        },
    };
    if let Err(e) = signed {
        println!("receipt INVALID: {e}");
        return Ok(ExitCode::from(1));
    }
    println!(
        "receipt OK: record {} at ledger event {} ({}), signed by {}",
        receipt.body.record_id, receipt.body.ledger_seq, receipt.body.received_at, receipt.public_key
    );
    if args.key.is_none() && args.keys.is_none() {
        println!("note: checked against the key inside the receipt; compare it with the collector's published key");
    }
    if args.data.is_some() || args.database.is_some() {
        let mut ledger = super::open_ledger(&LedgerArgs { data: args.data.clone(), database: args.database.clone() })?;
        let seq = receipt.body.ledger_seq;
        let stored = ledger.store().events_after(seq.saturating_sub(1), 1)?.into_iter().find(|e| e.seq == seq);
        let matches = stored.and_then(|s| serde_json::from_str::<Event>(&s.body).ok()).is_some_and(|event| {
            event.prev_hash == receipt.body.prev_hash
                && event.record_id.as_deref() == Some(receipt.body.record_id.as_str())
                && event.payload_sha256.as_deref() == Some(receipt.body.payload_sha256.as_str())
        });
        if !matches {
            println!("ledger MISMATCH: event {seq} is not the one this receipt names");
            return Ok(ExitCode::from(1));
        }
        println!("ledger OK: event {seq} is the one this receipt names");
    }
    Ok(ExitCode::SUCCESS)
}

/// The keys of a JWK Set file (`/.well-known/consent-receipt-keys`), the first one as the current key.
fn key_set(file: &std::path::Path) -> anyhow::Result<KeySet> {
    let text = std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let jwks: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", file.display()))?;
    let mut keys = Vec::new();
    for jwk in jwks.get("keys").and_then(|k| k.as_array()).into_iter().flatten() {
        let x = jwk.get("x").and_then(|x| x.as_str()).unwrap_or_default();
        let key = CollectorPublicKey::from_base64url(x)
            .with_context(|| format!("{}: a key's `x` is not a base64url Ed25519 key", file.display()))?;
        if let Some(kid) = jwk.get("kid").and_then(|k| k.as_str())
            && kid != key.kid()
        {
            anyhow::bail!("{}: the key `{x}` is listed under kid `{kid}`, not its own `{}`", file.display(), key.kid());
        }
        keys.push(key);
    }
    let mut keys = keys.into_iter();
    let current =
        keys.next().with_context(|| format!("{}: no keys (a JWK Set: {{\"keys\": [...]}})", file.display()))?;
    Ok(KeySet::new(current, keys))
}
