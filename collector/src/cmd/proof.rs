//! `collector proof verify FILE [--key KEY]`: check a proof bundle offline, as an auditor would.

use crate::cli::ProofVerifyArgs;
use anyhow::Context;
use consent::signature::CollectorPublicKey;
use std::process::ExitCode;

/// Verifies the bundle and prints what it proves, or the first thing that does not hold (exit 1).
pub fn run(args: &ProofVerifyArgs) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let trusted = match &args.key {
        Some(key) => Some(CollectorPublicKey::from_base64url(key).context("--key is not a base64url Ed25519 key")?),
        None => None,
    };
    match collector::proof::verify(&bytes, trusted.as_ref()) {
        Ok(report) => {
            println!("preuve VALIDE / proof OK: personne / subject {} (site {})", report.subject_id, report.site);
            println!(
                "  {} fichiers / files, {} soumissions signées / signed submissions, {} notices, {} événements / \
                 events, {} reçus / receipts",
                report.files, report.submissions, report.notices, report.events, report.receipts
            );
            if report.imported + report.link_consents > 0 {
                println!(
                    "  {} lignes importées / imported rows, {} consentements par le lien personnel / consents given \
                     through the personal link",
                    report.imported, report.link_consents
                );
            }
            println!(
                "  chaîne vérifiée jusqu'à l'événement / chain checked up to event {} ({}) le / at {}",
                report.chain.head_seq, report.chain.head_hash, report.chain.checked_at
            );
            println!("  signé par / signed by {} le / at {}", report.collector_key, report.generated_at);
            if trusted.is_none() {
                println!(
                    "note : vérifié avec la clé contenue dans le paquet ; comparez-la à la clé publiée du collecteur \
                     (--key) / checked against the key inside the bundle; compare it with the collector's published \
                     key (--key)"
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            println!("preuve INVALIDE / proof INVALID: {e}");
            Ok(ExitCode::from(1))
        }
    }
}
