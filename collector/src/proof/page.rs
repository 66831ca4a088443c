//! `index.html` of a bundle: the same facts as its JSON files, for a reader with a browser (French first, English
//! second). A self-contained page: no script, no external resource.

use super::ProofInput;
use crate::clock::rfc3339;
use crate::ledger::Event;
use maud::{DOCTYPE, Markup, html};
use serde_json::Value;

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;\
line-height:1.5;color:#111827}table{border-collapse:collapse;width:100%;margin:1rem 0}th,td{text-align:left;\
padding:.3rem .5rem;border-bottom:1px solid #d1d5db;vertical-align:top}code,pre{font-size:.85rem;\
word-break:break-all;white-space:pre-wrap}pre{background:#f3f4f6;padding:1rem}";

fn layer<'a>(notice: &'a Value, locale: &str, which: &str) -> &'a str {
    notice.pointer(&format!("/layers/{locale}/{which}")).and_then(Value::as_str).unwrap_or_default()
}

/// The notice version of an event's record (an event that names none stands under it).
fn record_notice<'a>(file: &'a crate::ledger::SubjectFile, event: &Event) -> Option<&'a str> {
    let record = event.record_id.as_deref()?;
    file.records.iter().find(|r| r.record_id == record).map(|r| r.notice_version.as_str())
}

/// What an event says beyond its kind, for people: where an imported row came from (source, line, file), the
/// evidence of a consent from before, the channel.
fn detail(event: &Event) -> Markup {
    let text = |key: &str| event.detail.get(key).and_then(Value::as_str);
    html! {
        @if let Some(source) = text("source") { "Source : " (source) br; }
        @if let Some(line) = event.detail.get("line").and_then(Value::as_u64) { "Ligne / line " (line) br; }
        @if let Some(file) = text("file_sha256") { "Fichier / file " code { (file.get(..12).unwrap_or(file)) } br; }
        @if let Some(evidence) = text("evidence") { "Preuve / evidence : " (evidence) " (à reconfirmer / to reconfirm)" br; }
        @if let Some(via) = text("via") { "Par / via " (via) }
    }
}

/// The page.
pub(super) fn render(input: &ProofInput, receipts: &[(String, Value)]) -> Markup {
    let file = &input.file;
    let events: Vec<Event> = file.events.iter().filter_map(|e| serde_json::from_str(&e.body).ok()).collect();
    html! {
        (DOCTYPE)
        html lang="fr" {
            head {
                meta charset="utf-8";
                title { "Preuve de consentement / proof of consent — " (file.subject.subject_id) }
                style { (STYLE) }
            }
            body { main {
                h1 { "Preuve de consentement " span lang="en" { "/ proof of consent" } }
                p { "Personne / subject " code { (file.subject.subject_id) } " — site " code { (file.subject.site) }
                    " — produit le / generated " (rfc3339(input.generated_at)) }
                p { "Vérifiez ce paquet hors ligne avec " code { "collector proof verify FICHIER.zip --key CLÉ" }
                    " (voir LISEZMOI-README.txt). " span lang="en" { "Verify it offline with the same command (see the README)." } }
                h2 { "Données détenues " span lang="en" { "/ data held" } }
                p { "Courriel / email : " (file.subject.email.as_deref().unwrap_or("(effacé / erased)")) }
                h2 { "Choix par finalité " span lang="en" { "/ choices per purpose" } }
                table {
                    thead { tr { th scope="col" { "Finalité / purpose" } th scope="col" { "Réponse / answer" }
                        th scope="col" { "Depuis / since" } th scope="col" { "Enregistrement / record" } } }
                    tbody { @for c in &file.consents { tr {
                        td { (c.purpose) } td { @if c.granted { "oui / yes" } @else { "non / no" } }
                        td { (rfc3339(c.updated_at)) } td { code { (c.record_id) } }
                    } } }
                }
                h2 { "Enregistrements " span lang="en" { "/ records" } }
                table {
                    thead { tr { th scope="col" { "Enregistrement / record" } th scope="col" { "Formulaire / CTA" }
                        th scope="col" { "État / status" } th scope="col" { "Choix / choices" }
                        th scope="col" { "Notice" } th scope="col" { "Soumis / submitted" } } }
                    tbody { @for r in &file.records { tr {
                        td { code { (r.record_id) } } td { (r.cta) } td { (r.status.as_str()) }
                        td { @for (p, g) in &r.choices { (p) " : " @if *g { "oui" } @else { "non" } br; } }
                        td { code { (r.notice_version.get(..12).unwrap_or(&r.notice_version)) } }
                        td { (rfc3339(r.created_at)) }
                    } } }
                }
                h2 { "Événements du registre " span lang="en" { "/ ledger events" } }
                table {
                    thead { tr { th scope="col" { "N°" } th scope="col" { "Type / kind" } th scope="col" { "Date" }
                        th scope="col" { "Notice" } th scope="col" { "Détail / detail" }
                        th scope="col" { "Empreinte / hash" } th scope="col" { "Précédente / prev_hash" } } }
                    tbody { @for e in &events { tr {
                        td { (e.seq) } td { (e.kind.as_str()) } td { (e.at) }
                        td { @if let Some(v) = e.notice_version_or(record_notice(file, e)) { code { (v.get(..12).unwrap_or(v)) } } }
                        td { (detail(e)) }
                        td { code { (file.events.iter().find(|s| s.seq == e.seq).map_or("", |s| s.hash.as_str())) } }
                        td { code { (e.prev_hash) } }
                    } } }
                }
                h2 { "Vérification de la chaîne " span lang="en" { "/ chain check" } }
                p { "Chaîne vérifiée de l'origine à la tête, événement " (input.chain.head_seq) " (" code { (input.chain.head_hash) } "), le "
                    (input.chain.checked_at) ". " (input.chain.events_checked) " événements recalculés pour ce paquet"
                    @if let Some(c) = &input.chain.checkpoint { ", à la suite de la vérification complète jusqu'à l'événement " (c.seq) " le " (rfc3339(c.at)) } "." }
                p lang="en" { "Chain verified from genesis to head event " (input.chain.head_seq) "; " (input.chain.events_checked)
                    " events recomputed for this bundle" @if let Some(c) = &input.chain.checkpoint { ", continuing the full check up to event " (c.seq) } "." }
                h2 { "Reçus " span lang="en" { "/ receipts" } }
                ul { @for (record_id, receipt) in receipts { li {
                    code { (record_id) } " — événement / event " (receipt.pointer("/body/ledger_seq").and_then(Value::as_u64).unwrap_or(0))
                    " — " (receipt.pointer("/body/received_at").and_then(Value::as_str).unwrap_or_default())
                } } }
                h2 { "Notices montrées " span lang="en" { "/ notices shown" } }
                @for (version, canonical) in &input.notices {
                    @let notice: Value = serde_json::from_str(canonical).unwrap_or_default();
                    h3 { "Version " code { (version) } }
                    h4 { "Première couche (fr)" } pre { (layer(&notice, "fr", "first")) }
                    h4 { "Politique de confidentialité (fr)" } pre { (layer(&notice, "fr", "second")) }
                    h4 lang="en" { "First layer (en)" } pre lang="en" { (layer(&notice, "en", "first")) }
                    h4 lang="en" { "Privacy policy (en)" } pre lang="en" { (layer(&notice, "en", "second")) }
                }
            } }
        }
    }
}
