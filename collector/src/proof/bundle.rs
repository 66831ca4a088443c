//! Building the ZIP. Every file is written from the stored bytes (submissions, notices, event bodies) or from
//! canonical JSON, so that the same ledger always gives the same bundle, and the manifest names each file's
//! SHA-256 under the collector's signature.

use super::{FORMAT, ProofError, ProofInput, page, readme};
use crate::clock::rfc3339;
use crate::ledger::import::ImportedData;
use crate::ledger::link_consent::LinkConsentData;
use crate::ledger::{Event, EventKind, held_fields, sha256_hex};
use crate::storage::submission_of;
use consent::RecordId;
use consent::protocol::ReceiptBody;
use consent::signature::CollectorKey;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::Write;
use zip::write::SimpleFileOptions;

/// The files of a bundle, by name, before zipping.
pub(super) type Files = BTreeMap<String, Vec<u8>>;

fn pretty(value: &Value) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(value).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// The receipt of each `submitted` event, as the collector signed it when the submission was accepted.
fn receipts(input: &ProofInput, key: &CollectorKey) -> Result<Vec<(String, Value)>, ProofError> {
    let mut out = Vec::new();
    for stored in &input.file.events {
        let Ok(event) = serde_json::from_str::<Event>(&stored.body) else { continue };
        let (EventKind::Submitted, Some(record_id), Some(payload_sha256)) =
            (event.kind, event.record_id, event.payload_sha256)
        else {
            continue;
        };
        let body = ReceiptBody {
            record_id: RecordId(record_id.clone()),
            payload_sha256,
            ledger_seq: event.seq,
            prev_hash: event.prev_hash,
            received_at: event.at,
        };
        let receipt = key.sign_receipt(body)?;
        out.push((record_id, serde_json::to_value(receipt).unwrap_or_default()));
    }
    Ok(out)
}

/// Where a record's held data go in the bundle: a signed submission, a row of an imported list, or a consent
/// given through the personal link (each as first recorded: later corrections are in `subject.json`).
pub(super) fn data_file(record_id: &str, data: &str) -> String {
    if ImportedData::parse(data).is_some() {
        format!("imported/{record_id}.json")
    } else if LinkConsentData::parse(data).is_some() {
        format!("link-consents/{record_id}.json")
    } else {
        format!("submissions/{record_id}.json")
    }
}

/// The data held on the subject, readable: who, current answers, every record with its form, page and notice,
/// where an imported person's row came from.
fn subject_json(input: &ProofInput) -> Value {
    let file = &input.file;
    let submissions: BTreeMap<&str, _> =
        file.data.iter().filter_map(|d| submission_of(&d.data).map(|s| (d.record_id.as_str(), s))).collect();
    let held: BTreeMap<&str, &str> = file.data.iter().map(|d| (d.record_id.as_str(), d.data.as_str())).collect();
    let records: Vec<Value> = file
        .records
        .iter()
        .map(|r| {
            let submission = submissions.get(r.record_id.as_str());
            let data = held.get(r.record_id.as_str()).copied();
            let imported = data.and_then(ImportedData::parse).map(|d| d.imported);
            json!({
                "record_id": r.record_id,
                "cta": r.cta,
                "page_url": submission.map(|s| s.page_url.clone()),
                "notice_version": r.notice_version,
                "status": r.status.as_str(),
                "choices": r.choices,
                "locale": r.locale.tag(),
                "submitted_at": rfc3339(r.created_at),
                "confirmed_at": r.confirmed_at.map(rfc3339),
                "fields": data.and_then(held_fields),
                "signed_submission": submission.map(|_| format!("submissions/{}.json", r.record_id)),
                "held_data": data.map(|d| data_file(&r.record_id, d)),
                "imported": imported,
            })
        })
        .collect();
    let consents: BTreeMap<&str, Value> = file
        .consents
        .iter()
        .map(|c| {
            (
                c.purpose.as_str(),
                json!({"granted": c.granted, "since": rfc3339(c.updated_at), "record_id": c.record_id}),
            )
        })
        .collect();
    json!({
        "subject_id": file.subject.subject_id,
        "events": events_json(input),
        "site": file.subject.site,
        "email": file.subject.email,
        "first_seen": rfc3339(file.subject.created_at),
        "last_activity": rfc3339(file.subject.last_activity_at),
        "personal_data_removed_at": file.subject.anonymised_at.map(rfc3339),
        "choices": consents,
        "records": records,
    })
}

/// The subject's events, readable: what happened, when, to which record, under which notice version (the one
/// the event names, else its record's: see [`Event::notice_version`]).
fn events_json(input: &ProofInput) -> Vec<Value> {
    let record_notice: BTreeMap<&str, &str> =
        input.file.records.iter().map(|r| (r.record_id.as_str(), r.notice_version.as_str())).collect();
    input
        .file
        .events
        .iter()
        .filter_map(|stored| serde_json::from_str::<Event>(&stored.body).ok())
        .map(|e| {
            let record_version = e.record_id.as_deref().and_then(|r| record_notice.get(r).copied());
            json!({
                "seq": e.seq,
                "kind": e.kind.as_str(),
                "at": e.at,
                "record_id": e.record_id,
                "notice_version": e.notice_version_or(record_version),
                "choices": e.detail.get("choices"),
                "via": e.detail.get("via"),
                // No personal data by construction: an import's source, file and line, a legacy consent's
                // evidence, the statement a consent through the link answered.
                "detail": e.detail,
            })
        })
        .collect()
}

/// Every file of the bundle except the manifest and its signature.
pub(super) fn files(input: &ProofInput, key: &CollectorKey) -> Result<Files, ProofError> {
    let mut files = Files::new();
    for data in &input.file.data {
        // As signed (or imported), without later corrections (art. 16): the proof is of what was recorded.
        let original = crate::ledger::signed_data(&data.data);
        files.insert(data_file(&data.record_id, &original), original.into_bytes());
    }
    for (version, canonical) in &input.notices {
        files.insert(format!("notices/{version}.json"), canonical.clone().into_bytes());
    }
    let events: Vec<Value> =
        input.file.events.iter().map(|e| json!({"seq": e.seq, "hash": e.hash, "body": e.body})).collect();
    let successors: Vec<Value> =
        input.successors.iter().map(|e| json!({"seq": e.seq, "hash": e.hash, "body": e.body})).collect();
    files.insert("events.json".into(), pretty(&json!({"events": events, "successors": successors})));
    files.insert("chain.json".into(), pretty(&serde_json::to_value(&input.chain).unwrap_or_default()));
    let receipts = receipts(input, key)?;
    for (record_id, receipt) in &receipts {
        files.insert(format!("receipts/{record_id}.json"), pretty(receipt));
    }
    files.insert("subject.json".into(), pretty(&subject_json(input)));
    files.insert("collector-public-key.txt".into(), format!("{}\n", key.public().to_base64url()).into_bytes());
    files.insert("LISEZMOI-README.txt".into(), readme::text(&input.file.subject.subject_id).into_bytes());
    files.insert("index.html".into(), page::render(input, &receipts).into_string().into_bytes());
    Ok(files)
}

/// The manifest the collector signs: format, subject, time, key and every file's SHA-256.
pub(super) fn manifest(input: &ProofInput, key: &CollectorKey, files: &Files) -> Value {
    let hashes: BTreeMap<&str, String> = files.iter().map(|(name, bytes)| (name.as_str(), sha256_hex(bytes))).collect();
    json!({
        "format": FORMAT,
        "site": input.file.subject.site,
        "subject_id": input.file.subject.subject_id,
        "generated_at": rfc3339(input.generated_at),
        "collector_public_key": key.public().to_base64url(),
        "files": hashes,
    })
}

/// Builds the bundle: the files, `manifest.json` and `manifest.sig`, zipped (deflate).
pub fn build(input: &ProofInput, key: &CollectorKey) -> Result<Vec<u8>, ProofError> {
    let mut files = files(input, key)?;
    let manifest = manifest(input, key, &files);
    let signature = key.sign_token(&manifest)?;
    files.insert("manifest.json".into(), pretty(&manifest));
    files.insert("manifest.sig".into(), format!("{signature}\n").into_bytes());
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let zip_err = |e: zip::result::ZipError| ProofError::Zip(e.to_string());
    for (name, bytes) in &files {
        zip.start_file(name.as_str(), options).map_err(zip_err)?;
        zip.write_all(bytes).map_err(|e| ProofError::Zip(e.to_string()))?;
    }
    Ok(zip.finish().map_err(zip_err)?.into_inner())
}
