//! The graduates import from the console (admins): the same checks and the same report as `collector import`
//! ([`crate::import`]), the file uploaded in the form. "Vérifier" is the dry run; "Importer" records every row in
//! one operation of the ledger writer (the writer waits for it: for lists of more than a few tens of thousands,
//! the command line is faster, since it has a connection of its own). The regime decides what the page offers:
//! an autonomous association sees only the import of consents from before, and why.

use super::chosen_site;
use crate::AppState;
use crate::import::{ImportOptions, Plan, plan};
use crate::ledger::import::{ImportBatch, ImportOutcome, LegacyConsent};
use crate::sites::Site;
use crate::staff::csrf::{same_origin, verify};
use crate::staff::{Role, Staff, StaffError, audit, layout};
use axum::extract::{Multipart, Query, State};
use axum::http::HeaderMap;
use consent::{LegalBasis, Regime};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;

/// The largest file the console accepts (≈ 400,000 graduates); the command line reads larger ones.
pub const MAX_UPLOAD_BYTES: usize = 32 * 1024 * 1024;

/// `?site=` of the page.
#[derive(Debug, Default, Deserialize)]
pub struct ImportQuery {
    site: Option<String>,
}

/// What the form posts.
#[derive(Debug, Default)]
struct Upload {
    csrf: String,
    site: String,
    source: String,
    map: String,
    legacy: String,
    evidence: String,
    run: String,
    file_name: String,
    file: Vec<u8>,
}

fn store_error(e: impl std::fmt::Display) -> StaffError {
    StaffError::Store(crate::storage::StoreError::Database(e.to_string()))
}

/// `GET /staff/import`.
pub async fn page(staff: Staff, Query(q): Query<ImportQuery>) -> Result<Markup, StaffError> {
    staff.require(Role::Admin)?;
    let site = chosen_site(&staff, q.site.as_deref())?;
    Ok(render(&staff, &site, None))
}

/// `POST /staff/import` (multipart): the dry run or the import, and its report.
pub async fn upload(
    State(state): State<AppState>,
    staff: Staff,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> Result<Markup, StaffError> {
    staff.require(Role::Admin)?;
    if !same_origin(&state, &headers) {
        return Err(StaffError::Csrf);
    }
    let mut form = Upload::default();
    while let Some(field) = multipart.next_field().await.map_err(|_| StaffError::TooLarge)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            form.file_name = field.file_name().unwrap_or("liste.csv").chars().take(120).collect();
            form.file = field.bytes().await.map_err(|_| StaffError::TooLarge)?.to_vec();
            continue;
        }
        let text = field.text().await.map_err(|_| StaffError::TooLarge)?;
        let text = super::bounded(&text)?.to_owned();
        match name.as_str() {
            "csrf" => form.csrf = text,
            "site" => form.site = text,
            "source" => form.source = text,
            "map" => form.map = text,
            "legacy" => form.legacy = text,
            "evidence" => form.evidence = text,
            "run" => form.run = text,
            _ => {}
        }
    }
    verify(&staff, &form.csrf)?;
    let site = staff.site(&form.site)?;
    let dry_run = form.run != "import";
    let legacy = (!form.legacy.is_empty())
        .then(|| LegacyConsent { purpose: form.legacy.clone(), evidence: form.evidence.clone() });
    let options =
        ImportOptions { source: form.source.clone(), map: (!form.map.is_empty()).then(|| form.map.clone()), legacy };
    let (checked, bytes) = (site.clone(), std::mem::take(&mut form.file));
    let planned = tokio::task::spawn_blocking(move || plan(&checked, &bytes, &options)).await.map_err(store_error)?;
    let file = form.file_name.clone();
    let plan = match planned {
        Ok(plan) => plan,
        Err(e) => return Ok(render(&staff, &site, Some(Report::Refused(e.located(&file))))),
    };
    let site_id = site.config.site().to_string();
    let plan = Arc::new(plan);
    let recorded = !(dry_run || plan.has_problems());
    let outcome = if !recorded {
        let (id, p) = (site_id.clone(), plan.clone());
        state.read(move |l| Ok(l.survey(&id, p.people(), p.legacy.as_ref())?)).await.map_err(store_error)?
    } else {
        let (target, p, now) = (site.clone(), plan.clone(), state.now());
        state
            .writer
            .run(move |l| {
                l.import(
                    &ImportBatch {
                        site: target.config.site().as_str(),
                        source: &p.source,
                        file_sha256: &p.file_sha256,
                        notice_version: target.notice.version().as_str(),
                        locale: target.config.default_locale(),
                        purposes: &p.purposes,
                        legacy: p.legacy.as_ref(),
                        people: p.people(),
                    },
                    now,
                )
            })
            .await
            .map_err(store_error)?
    };
    audit::append(
        &state,
        &staff,
        if recorded { "import" } else { "import.dry_run" },
        json!({
            "site": site_id,
            "source": plan.source,
            "file_sha256": plan.file_sha256,
            "rows": plan.rows.rows,
            "errors": plan.rows.problems.len(),
            "known": outcome.known.len(),
            "created": outcome.created,
            "legacy": outcome.legacy,
            "recorded": recorded,
            "legacy_purpose": plan.legacy.as_ref().map(|l| l.purpose.clone()),
        }),
    )
    .await?;
    Ok(render(&staff, &site, Some(Report::Checked { file, plan, outcome, recorded })))
}

/// What a post gives back.
enum Report {
    /// The file cannot be imported at all.
    Refused(String),
    /// The file was read: its problems, or what was (or would be) created.
    Checked { file: String, plan: Arc<Plan>, outcome: ImportOutcome, recorded: bool },
}

fn render(staff: &Staff, site: &Site, report: Option<Report>) -> Markup {
    let s = staff;
    let config = &site.config;
    let regime = config.controller().regime;
    let soft: Vec<&str> =
        config.purposes().iter().filter(|p| p.basis == LegalBasis::SoftOptIn).map(|p| p.id.as_str()).collect();
    let consented: Vec<_> = config.purposes().iter().filter(|p| p.basis == LegalBasis::OptIn).collect();
    let (explain, only_legacy) = match regime {
        Regime::Association => (s.t(regime.explain_fr(), regime.explain_en()), true),
        _ => (s.t(regime.explain_fr(), regime.explain_en()), soft.is_empty()),
    };
    let title = s.t("Import des diplômés", "Graduates import");
    let body = html! {
        h1 { (title) " — " (config.site()) }
        p { (explain) }
        @if only_legacy {
            p role="note" { strong { (s.t(
                "Ce site ne peut pas importer de liste sans consentement préalable : seuls des consentements recueillis avant (formulaire papier, ancien site) peuvent être apportés, avec leur preuve ; ils restent « à reconfirmer ».",
                "This site may not import a list without prior consent: only consents collected before (a paper form, an older site) may be brought in, with their evidence; they stay \"to reconfirm\".")) } }
        } @else {
            p { (s.t("Les personnes importées sont tenues au seul titre du soft opt-in (", "Imported people are held under soft opt-in only (")) code { (soft.join(", ")) } (s.t(") : ce n'est jamais un consentement.", "): it is never a consent.")) }
        }
        @match &report {
            Some(Report::Refused(message)) => {
                div role="alert" { p { strong { (s.t("Rien n'a été importé.", "Nothing was imported.")) } } p { (message) } }
            }
            Some(Report::Checked { file, plan, outcome, recorded }) => { (checked(s, file, plan, outcome, *recorded)) }
            None => {}
        }
        form method="post" action="/staff/import" enctype="multipart/form-data" {
            input type="hidden" name="csrf" value=(staff.csrf_token);
            input type="hidden" name="site" value=(config.site());
            p { label for="file" { (s.t("Fichier CSV (UTF-8 ou Windows-1252, « ; » ou « , », une ligne d'en-tête)", "CSV file (UTF-8 or Windows-1252, \";\" or \",\", a header row)")) } br;
                input type="file" id="file" name="file" accept=".csv,text/csv" required; }
            p { label for="source" { (s.t("Source (sans donnée personnelle, elle entre dans le registre)", "Source (no personal data: it enters the ledger)")) } br;
                input type="text" id="source" name="source" required maxlength="200" placeholder="Scolarité, export du 2026-09-01"; }
            p { label for="map" { (s.t("Correspondance des colonnes (facultatif)", "Column mapping (optional)")) } br;
                input type="text" id="map" name="map" maxlength="300" placeholder="Mail perso=email,Nom usuel=last_name"; }
            @if !consented.is_empty() {
                p { label for="legacy" { (s.t("Consentement recueilli avant, pour la finalité", "Consent collected before, for the purpose")) } br;
                    select id="legacy" name="legacy" required[only_legacy] {
                        @if !only_legacy { option value="" { (s.t("aucun", "none")) } }
                        @for p in &consented { option value=(p.id) { (p.label.get(s.locale)) " (" (p.id) ")" } }
                    } }
                p { label for="evidence" { (s.t("Preuve de ce consentement", "Evidence of that consent")) } br;
                    input type="text" id="evidence" name="evidence" maxlength="200" required[only_legacy] placeholder="Formulaire papier, gala 2016"; }
            }
            button type="submit" name="run" value="dry" { (s.t("Vérifier (rien n'est enregistré)", "Check (nothing is recorded)")) }
            " "
            button type="submit" name="run" value="import" class="secondary" { (s.t("Importer", "Import")) }
        }
    };
    layout::page(Some(staff), title, body)
}

/// The report of a file that was read: as `collector import` prints it, problems in a table.
fn checked(s: &Staff, file: &str, plan: &Plan, outcome: &ImportOutcome, recorded: bool) -> Markup {
    html! {
        section aria-labelledby="report" {
            h2 id="report" { (s.t("Rapport", "Report")) " — " (file) }
            @if plan.has_problems() {
                div role="alert" { p { strong { (s.t("Rien n'a été importé : corrigez les lignes ci-dessous.", "Nothing was imported: fix the lines below.")) } } }
            } @else if recorded {
                p role="status" { strong { (s.t("Importé.", "Imported.")) } " " (outcome.created) " " (s.t("personnes créées", "people created")) }
            } @else {
                p role="status" { (s.t("Essai : rien n'a été enregistré.", "Dry run: nothing was recorded.")) }
            }
            dl {
                dt { (s.t("Encodage, séparateur, SHA-256", "Encoding, delimiter, SHA-256")) }
                dd { (plan.encoding.name()) ", « " (plan.delimiter) " », " code { (plan.file_sha256) } }
                dt { (s.t("Colonnes", "Columns")) }
                dd { @for (_, header, field) in &plan.columns.mapped { (header) " → " code { (field) } "  " } }
                @if !plan.columns.ignored.is_empty() {
                    dt { (s.t("Colonnes non importées", "Columns not imported")) } dd { (plan.columns.ignored.join(", ")) }
                }
                dt { (s.t("Lignes", "Rows")) } dd { (plan.rows.rows) }
                dt { (s.t("Erreurs", "Errors")) } dd { (plan.rows.problems.len()) }
                dt { (s.t("Déjà connus (laissés tels quels)", "Already known (left as they are)")) } dd { (outcome.known.len()) }
                dt { @if recorded { (s.t("Créées", "Created")) } @else { (s.t("Seraient créées", "Would be created")) } }
                dd { (outcome.created) }
                @if let Some(legacy) = &plan.legacy {
                    dt { (s.t("Consentements antérieurs, à reconfirmer", "Consents from before, to reconfirm")) }
                    dd { (outcome.legacy) " — " code { (legacy.purpose) } ", « " (legacy.evidence) " »" }
                }
            }
            @if plan.has_problems() {
                table {
                    caption { (s.t("Lignes refusées", "Refused lines")) }
                    thead { tr { th scope="col" { (s.t("Ligne", "Line")) } th scope="col" { (s.t("Colonne", "Column")) } th scope="col" { (s.t("Problème", "Problem")) } } }
                    tbody {
                        @for problem in &plan.rows.problems {
                            tr { td { (problem.line) } td { (problem.column.as_deref().unwrap_or("—")) } td { (problem.to_string()) } }
                        }
                    }
                }
            }
        }
    }
}
