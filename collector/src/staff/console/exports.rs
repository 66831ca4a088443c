//! Exports per purpose from the console: the same file as `collector export` (CSV in UTF-8 with BOM,
//! `;`-separated for French spreadsheets, safe against formula injection; or JSON), of the subjects who
//! confirmed the purpose and did not withdraw it. Each export is an audit entry with its purpose and row count.

use super::chosen_site;
use crate::AppState;
use crate::export::{Format, export};
use crate::staff::csrf::CsrfForm;
use crate::staff::{Role, Staff, StaffError, audit, layout};
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::json;

/// `?site=` of the page.
#[derive(Debug, Default, Deserialize)]
pub struct ExportsQuery {
    site: Option<String>,
}

/// The export form.
#[derive(Debug, Deserialize)]
pub struct ExportForm {
    site: String,
    purpose: String,
    format: String,
}

/// `GET /staff/exports`.
pub async fn page(staff: Staff, Query(q): Query<ExportsQuery>) -> Result<Markup, StaffError> {
    staff.require(Role::Staff)?;
    let site = chosen_site(&staff, q.site.as_deref())?;
    let s = &staff;
    let title = s.t("Exports", "Exports");
    let body = html! {
        h1 { (title) }
        p { (s.t("Les personnes qui ont confirmé une finalité et ne l'ont pas retirée. CSV pour les tableurs français (UTF-8, « ; », protégé contre l'injection de formules) ou JSON. Chaque export est inscrit au journal d'audit.",
                 "The subjects who confirmed a purpose and did not withdraw it. CSV for French spreadsheets (UTF-8, « ; », safe against formula injection) or JSON. Every export is written to the audit log.")) }
        @for other in staff.visible_sites() {
            @if other.config.site() == site.config.site() || q.site.is_none() {
                h2 { (other.config.site()) " — " (other.config.controller().name) }
                @for purpose in other.config.purposes() {
                    @let id = format!("{}-{}", other.config.site(), purpose.id);
                    form method="post" action="/staff/exports" aria-labelledby=(id) {
                        h3 id=(id) { (purpose.label.get(s.locale)) " (" code { (purpose.id) } ")" }
                        input type="hidden" name="csrf" value=(staff.csrf_token);
                        input type="hidden" name="site" value=(other.config.site());
                        input type="hidden" name="purpose" value=(purpose.id);
                        button type="submit" name="format" value="csv" { (s.t("Télécharger en CSV", "Download as CSV")) }
                        " "
                        button type="submit" name="format" value="json" class="secondary" { (s.t("Télécharger en JSON", "Download as JSON")) }
                    }
                }
            }
        }
    };
    Ok(layout::page(Some(&staff), title, body))
}

/// `POST /staff/exports`: the file, as a download.
pub async fn download(
    State(state): State<AppState>,
    staff: Staff,
    CsrfForm(form): CsrfForm<ExportForm>,
) -> Result<Response, StaffError> {
    staff.require(Role::Staff)?;
    let site = staff.site(super::bounded(&form.site)?)?;
    let purpose = super::bounded(&form.purpose)?.to_owned();
    if !site.config.purposes().iter().any(|p| p.id.as_str() == purpose) {
        return Err(StaffError::NotFound);
    }
    let (format, mime, extension) = match form.format.as_str() {
        "json" => (Format::Json, "application/json; charset=utf-8", "json"),
        "csv" => (Format::Csv, "text/csv; charset=utf-8", "csv"),
        _ => return Err(StaffError::invalid("Format inconnu : CSV ou JSON.", "Unknown format: CSV or JSON.")),
    };
    let (exported, p) = (site.clone(), purpose.clone());
    let bytes = state.read(move |ledger| export(ledger, &exported, &p, format)).await.map_err(|e| match e {
        crate::ledger::LedgerError::Store(e) => StaffError::Store(e),
        other => StaffError::Store(crate::storage::StoreError::Database(other.to_string())),
    })?;
    let rows = match format {
        Format::Csv => bytes.windows(2).filter(|w| w == b"\r\n").count().saturating_sub(1),
        Format::Json => serde_json::from_slice::<Vec<serde_json::Value>>(&bytes).map_or(0, |v| v.len()),
    };
    let site_id = site.config.site().as_str();
    audit::append(
        &state,
        &staff,
        "export",
        json!({"site": site_id, "purpose": purpose, "format": extension, "rows": rows}),
    )
    .await?;
    let name = format!("export-{site_id}-{purpose}.{extension}");
    Ok((
        [
            (header::CONTENT_TYPE, mime.to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        bytes,
    )
        .into_response())
}
