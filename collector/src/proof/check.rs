//! Checking a bundle offline, with nothing but the file (and, ideally, the collector's published key):
//!
//! 1. the manifest is signed by the collector's key, and every file is in it with its SHA-256 — no more, no less;
//! 2. every event hashes to its stored hash; consecutive events are linked, and each successor points at it;
//! 3. every signed submission's device signature verifies, its payload is the one its `submitted` event hashed,
//!    its stored bytes are the ones the event's `data_sha256` covers, and the notice it names is in the bundle,
//!    its text hashing to that very version;
//! 4. every imported row (`imported/ID.json`: a person brought in from a school's list, no consent) is the one
//!    its `imported` event hashed, and names the same source, file SHA-256 and line as the event; every consent
//!    given through the personal link (`link-consents/ID.json`) is the one its `confirmed` event hashed, the
//!    posted form hashes to the event's `payload_sha256`, the statement shown to its `shown_sha256`, the
//!    choices recorded are exactly the boxes the form ticked among those shown, and its notice is in the bundle;
//! 5. every receipt is signed by the collector and names its event (sequence, previous hash, payload);
//! 6. every notice version an event names (a change made on the manage page names the notice it was shown
//!    under) is in the bundle, its text hashing to that version. An event that names none (older `changed`
//!    events, device changes, withdrawals) stands under its record's notice, checked in step 3.

use super::{ChainCheck, FORMAT, ProofError, broken};
use crate::ledger::import::ImportedData;
use crate::ledger::link_consent::LinkConsentData;
use crate::ledger::{Event, EventKind, sha256_hex};
use consent::NoticeVersion;
use consent::protocol::{Receipt, SignedEnvelope, SubmissionPayload};
use consent::signature::{CollectorPublicKey, open_envelope};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Read;

/// What a bundle that verifies proves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProofReport {
    /// The site.
    pub site: String,
    /// The subject.
    pub subject_id: String,
    /// The collector key that signed the bundle.
    pub collector_key: String,
    /// When the bundle was made.
    pub generated_at: String,
    /// Files checked against the manifest.
    pub files: usize,
    /// Signed submissions whose device signatures verified.
    pub submissions: usize,
    /// Imported rows matching their `imported` events.
    pub imported: usize,
    /// Consents given through the personal link matching their `confirmed` events.
    pub link_consents: usize,
    /// Notice versions whose full text hashes to their version.
    pub notices: usize,
    /// Ledger events checked.
    pub events: usize,
    /// Receipts checked.
    pub receipts: usize,
    /// The chain check the bundle states.
    pub chain: ChainCheck,
}

#[derive(serde::Deserialize)]
struct StoredEventJson {
    seq: u64,
    hash: String,
    body: String,
}

#[derive(serde::Deserialize)]
struct EventsFile {
    events: Vec<StoredEventJson>,
    successors: Vec<StoredEventJson>,
}

fn unzip(bytes: &[u8]) -> Result<BTreeMap<String, Vec<u8>>, ProofError> {
    let zip_err = |e: zip::result::ZipError| ProofError::Zip(e.to_string());
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(zip_err)?;
    let mut files = BTreeMap::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).map_err(zip_err)?;
        let name = file.name().map_err(zip_err)?.into_owned();
        let mut content = Vec::new();
        // Reading to the end checks the entry's CRC-32: a changed byte in the compressed data fails here.
        file.read_to_end(&mut content).map_err(|e| ProofError::Zip(e.to_string()))?;
        if files.insert(name.clone(), content).is_some() {
            return Err(ProofError::Manifest(format!("fichier en double / duplicate file: {name}")));
        }
    }
    Ok(files)
}

fn text<'a>(files: &'a BTreeMap<String, Vec<u8>>, name: &str) -> Result<&'a str, ProofError> {
    let bytes =
        files.get(name).ok_or_else(|| ProofError::Manifest(format!("fichier manquant / missing file: {name}")))?;
    std::str::from_utf8(bytes).map_err(|_| ProofError::Manifest(format!("{name}: pas de l'UTF-8 / not UTF-8")))
}

fn json<T: serde::de::DeserializeOwned>(files: &BTreeMap<String, Vec<u8>>, name: &str) -> Result<T, ProofError> {
    serde_json::from_str(text(files, name)?)
        .map_err(|e| ProofError::Manifest(format!("{name}: JSON invalide / invalid JSON ({e})")))
}

/// Step 1: the signature over the manifest, then every file against it.
fn check_manifest(
    files: &BTreeMap<String, Vec<u8>>,
    trusted: Option<&CollectorPublicKey>,
) -> Result<(Value, CollectorPublicKey), ProofError> {
    let in_bundle = CollectorPublicKey::from_base64url(text(files, "collector-public-key.txt")?)
        .map_err(|e| ProofError::Signature(e.to_string()))?;
    if let Some(trusted) = trusted
        && *trusted != in_bundle
    {
        return Err(ProofError::Signature(
            "la clé du paquet n'est pas celle fournie (--key) / the bundle's key is not the one given (--key)".into(),
        ));
    }
    let signed: Value = in_bundle
        .verify_token(text(files, "manifest.sig")?.trim())
        .map_err(|e| ProofError::Signature(e.to_string()))?;
    let written: Value = json(files, "manifest.json")?;
    if written != signed {
        return Err(ProofError::Manifest(
            "manifest.json diffère du manifeste signé / manifest.json differs from the signed manifest".into(),
        ));
    }
    if signed.get("format").and_then(Value::as_str) != Some(FORMAT) {
        return Err(ProofError::Manifest(format!("format inconnu / unknown format (attendu / expected {FORMAT})")));
    }
    if signed.get("collector_public_key").and_then(Value::as_str) != Some(in_bundle.to_base64url().as_str()) {
        return Err(ProofError::Signature("le manifeste nomme une autre clé / the manifest names another key".into()));
    }
    let listed = signed.get("files").and_then(Value::as_object).cloned().unwrap_or_default();
    for (name, bytes) in files {
        if name == "manifest.json" || name == "manifest.sig" {
            continue;
        }
        let Some(hash) = listed.get(name).and_then(Value::as_str) else {
            return Err(ProofError::Manifest(format!(
                "fichier absent du manifeste / file not in the manifest: {name}"
            )));
        };
        if sha256_hex(bytes) != hash {
            return Err(ProofError::Manifest(format!(
                "{name} : contenu modifié (empreinte différente du manifeste) / {name}: content changed (hash differs \
                 from the manifest)"
            )));
        }
    }
    if let Some(missing) = listed.keys().find(|name| !files.contains_key(*name)) {
        return Err(ProofError::Manifest(format!("fichier manquant / missing file: {missing}")));
    }
    Ok((signed, in_bundle))
}

fn unlinked(seq: u64) -> ProofError {
    broken(
        &format!("l'événement {seq} ne suit pas l'événement précédent"),
        &format!("event {seq} does not follow the event before it"),
    )
}

/// Step 2: the events and their links; returns them parsed, by sequence number.
fn check_events(files: &BTreeMap<String, Vec<u8>>, subject_id: &str) -> Result<BTreeMap<u64, Event>, ProofError> {
    let file: EventsFile = json(files, "events.json")?;
    let mut events = BTreeMap::new();
    let mut hashes = BTreeMap::new();
    for stored in file.events.iter().chain(&file.successors) {
        if sha256_hex(stored.body.as_bytes()) != stored.hash {
            return Err(broken(
                &format!("événement {} : contenu différent de son empreinte", stored.seq),
                &format!("event {}: content does not match its hash", stored.seq),
            ));
        }
        let event: Event = serde_json::from_str(&stored.body).map_err(|e| {
            broken(&format!("événement {} mal formé", stored.seq), &format!("event {} malformed ({e})", stored.seq))
        })?;
        if event.seq != stored.seq {
            return Err(broken("numéro d'événement incohérent", "event sequence number mismatch"));
        }
        hashes.insert(event.seq, stored.hash.clone());
        if file.events.iter().any(|e| e.seq == stored.seq) {
            if event.subject_id != subject_id {
                return Err(broken("un événement concerne une autre personne", "an event is about another subject"));
            }
            events.insert(event.seq, event);
        } else if let Some(prev) = hashes.get(&event.seq.saturating_sub(1))
            && *prev != event.prev_hash
        {
            return Err(unlinked(event.seq));
        }
    }
    for event in events.values() {
        if let Some(prev) = hashes.get(&event.seq.saturating_sub(1))
            && *prev != event.prev_hash
        {
            return Err(unlinked(event.seq));
        }
    }
    Ok(events)
}

/// Step 3: submissions, their events and notices.
fn check_submissions(files: &BTreeMap<String, Vec<u8>>, events: &BTreeMap<u64, Event>) -> Result<usize, ProofError> {
    let mut count = 0;
    for (name, bytes) in files.iter().filter(|(n, _)| n.starts_with("submissions/")) {
        let record_id = name.trim_start_matches("submissions/").trim_end_matches(".json");
        let envelope: SignedEnvelope = json(files, name)?;
        let verified = open_envelope::<SubmissionPayload>(&envelope).map_err(|e| {
            broken(
                &format!("{name} : la signature de l'appareil ne vérifie pas"),
                &format!("{name}: the device signature does not verify ({e})"),
            )
        })?;
        let event = events
            .values()
            .find(|e| e.kind == EventKind::Submitted && e.record_id.as_deref() == Some(record_id))
            .ok_or_else(|| broken(&format!("{name} : aucun événement"), &format!("{name}: no submitted event")))?;
        if event.payload_sha256.as_deref() != Some(sha256_hex(&verified.bytes).as_str())
            || event.data_sha256.as_deref() != Some(sha256_hex(bytes).as_str())
        {
            return Err(broken(
                &format!("{name} : ce n'est pas la soumission enregistrée dans le registre"),
                &format!("{name}: not the submission the ledger recorded"),
            ));
        }
        check_notice(files, &verified.payload.notice_version)?;
        count += 1;
    }
    Ok(count)
}

/// The event of `kind` about `record_id` that hashed its data, or a failure naming the file.
fn data_event<'a>(
    events: &'a BTreeMap<u64, Event>,
    kind: EventKind,
    name: &str,
    record_id: &str,
    bytes: &[u8],
) -> Result<&'a Event, ProofError> {
    let event = events
        .values()
        .find(|e| e.kind == kind && e.record_id.as_deref() == Some(record_id) && e.data_sha256.is_some())
        .ok_or_else(|| broken(&format!("{name} : aucun événement"), &format!("{name}: no {} event", kind.as_str())))?;
    if event.data_sha256.as_deref() != Some(sha256_hex(bytes).as_str()) {
        return Err(broken(
            &format!("{name} : ce ne sont pas les données enregistrées dans le registre"),
            &format!("{name}: not the data the ledger recorded"),
        ));
    }
    Ok(event)
}

/// Step 3b: imported rows and consents given through the personal link. Returns how many of each.
fn check_held_rows(
    files: &BTreeMap<String, Vec<u8>>,
    events: &BTreeMap<u64, Event>,
) -> Result<(usize, usize), ProofError> {
    let mut imported = 0;
    for name in files.keys().filter(|n| n.starts_with("imported/")) {
        let record_id = name.trim_start_matches("imported/").trim_end_matches(".json");
        let row: ImportedData = json(files, name)?;
        let event = data_event(events, EventKind::Imported, name, record_id, text(files, name)?.as_bytes())?;
        let detail = |key: &str| event.detail.get(key).cloned().unwrap_or_default();
        if detail("source") != row.imported.source.as_str()
            || detail("file_sha256") != row.imported.file_sha256.as_str()
            || detail("line") != row.imported.line
        {
            return Err(broken(
                &format!("{name} : la source, le fichier ou la ligne diffèrent de l'événement « imported »"),
                &format!("{name}: source, file or line differ from the imported event"),
            ));
        }
        imported += 1;
    }
    let mut given = 0;
    for name in files.keys().filter(|n| n.starts_with("link-consents/")) {
        let record_id = name.trim_start_matches("link-consents/").trim_end_matches(".json");
        let data: LinkConsentData = json(files, name)?;
        let event = data_event(events, EventKind::Confirmed, name, record_id, text(files, name)?.as_bytes())?;
        let origin = &data.link_consent;
        let ticked: Vec<String> = form_urlencoded::parse(origin.posted.as_bytes())
            .filter(|(k, _)| k == "purpose")
            .map(|(_, v)| v.into_owned())
            .collect();
        let ticked: Vec<&str> = ticked.iter().map(String::as_str).collect();
        let choices = serde_json::to_value(origin.shown.choices(&ticked)).unwrap_or_default();
        let shown = origin.shown.sha256()?;
        if event.payload_sha256.as_deref() != Some(sha256_hex(origin.posted.as_bytes()).as_str())
            || event.detail.get("shown_sha256").and_then(Value::as_str) != Some(shown.as_str())
            || event.detail.get("choices") != Some(&choices)
            || event.notice_version() != Some(origin.shown.notice_version.as_str())
        {
            return Err(broken(
                &format!("{name} : le formulaire, le texte montré ou les choix diffèrent de l'événement « confirmed »"),
                &format!("{name}: the form, the statement shown or the choices differ from the confirmed event"),
            ));
        }
        check_notice(files, &origin.shown.notice_version)?;
        given += 1;
    }
    Ok((imported, given))
}

/// A notice version's text is in the bundle and hashes to that version.
fn check_notice(files: &BTreeMap<String, Vec<u8>>, version: &str) -> Result<(), ProofError> {
    let notice = files.get(&format!("notices/{version}.json")).ok_or_else(|| {
        broken(&format!("texte de la notice {version} manquant"), &format!("notice {version} text missing"))
    })?;
    if NoticeVersion::of(notice).as_str() != version {
        return Err(broken(
            &format!("le texte de la notice {version} ne correspond pas à sa version"),
            &format!("the text of notice {version} does not hash to its version"),
        ));
    }
    Ok(())
}

/// Step 5: the notice named by each event other than a submission (whose notice step 3 checks with the signed
/// submission itself).
fn check_event_notices(files: &BTreeMap<String, Vec<u8>>, events: &BTreeMap<u64, Event>) -> Result<(), ProofError> {
    events
        .values()
        .filter(|e| e.kind != EventKind::Submitted)
        .filter_map(Event::notice_version)
        .try_for_each(|version| check_notice(files, version))
}

/// Step 4: the receipts.
fn check_receipts(
    files: &BTreeMap<String, Vec<u8>>,
    events: &BTreeMap<u64, Event>,
    key: &CollectorPublicKey,
) -> Result<usize, ProofError> {
    let mut count = 0;
    for name in files.keys().filter(|n| n.starts_with("receipts/")) {
        let receipt: Receipt = json(files, name)?;
        key.verify_receipt(&receipt).map_err(|e| {
            broken(&format!("{name} : reçu non signé par le collecteur"), &format!("{name}: receipt not signed ({e})"))
        })?;
        let body = &receipt.body;
        let matches = events.get(&body.ledger_seq).is_some_and(|e| {
            e.kind == EventKind::Submitted
                && e.record_id.as_deref() == Some(body.record_id.as_str())
                && e.prev_hash == body.prev_hash
                && e.payload_sha256.as_deref() == Some(body.payload_sha256.as_str())
        });
        if !matches {
            return Err(broken(
                &format!("{name} : le reçu ne nomme pas l'événement du registre"),
                &format!("{name}: the receipt does not name the ledger event"),
            ));
        }
        count += 1;
    }
    Ok(count)
}

/// Verifies a bundle; `trusted` is the collector key the auditor got elsewhere (its published key).
pub fn verify(bytes: &[u8], trusted: Option<&CollectorPublicKey>) -> Result<ProofReport, ProofError> {
    let files = unzip(bytes)?;
    let (manifest, key) = check_manifest(&files, trusted)?;
    let field = |name: &str| manifest.get(name).and_then(Value::as_str).unwrap_or_default().to_owned();
    let subject_id = field("subject_id");
    let events = check_events(&files, &subject_id)?;
    let submissions = check_submissions(&files, &events)?;
    let (imported, link_consents) = check_held_rows(&files, &events)?;
    let receipts = check_receipts(&files, &events, &key)?;
    check_event_notices(&files, &events)?;
    let chain: ChainCheck = json(&files, "chain.json")?;
    if let Some(last) = events.keys().last()
        && *last > chain.head_seq
    {
        return Err(broken("un événement est après la tête vérifiée", "an event lies beyond the checked head"));
    }
    Ok(ProofReport {
        site: field("site"),
        subject_id,
        collector_key: key.to_base64url(),
        generated_at: field("generated_at"),
        files: files.len(),
        submissions,
        imported,
        link_consents,
        notices: files.keys().filter(|n| n.starts_with("notices/")).count(),
        events: events.len(),
        receipts,
        chain,
    })
}
