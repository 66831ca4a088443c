//! The ledger's health page: head hash, events count, the last check of both chains (the consent ledger and
//! the audit log), and a button that runs the check now — the same walk as `collector verify`.

use super::csrf::CsrfForm;
use super::db::StaffPlace;
use super::{Role, Staff, StaffError, audit, layout};
use crate::AppState;
use crate::clock::rfc3339;
use crate::ledger::{VerifyFailure, verify_chain};
use crate::storage::Store;
use crate::storage::postgres::PostgresStore;
use crate::storage::sqlite::SqliteStore;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde_json::json;

/// The outcome of one check of both chains.
#[derive(Debug, Clone)]
pub struct LedgerCheck {
    /// When it ran, Unix ms.
    pub at: i64,
    /// Who ran it.
    pub by: String,
    /// Ledger: events checked and head, or the first broken link.
    pub ledger: Result<(u64, Option<String>), String>,
    /// Audit log: entries checked, or the first broken entry.
    pub audit: Result<u64, String>,
    /// How long it took, ms.
    pub took_ms: u64,
}

/// Walks the consent ledger's chain on a store of its own (a plain thread: a PostgreSQL client may neither run
/// nor be dropped inside tokio).
async fn check_ledger(place: StaffPlace) -> Result<(u64, Option<String>), String> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let store: Result<Box<dyn Store>, _> = match &place {
            StaffPlace::Sqlite(data) => SqliteStore::open(data).map(|s| Box::new(s) as Box<dyn Store>),
            StaffPlace::Postgres(url) => PostgresStore::open_existing(url).map(|s| Box::new(s) as Box<dyn Store>),
        };
        let result = match store {
            Ok(mut store) => match verify_chain(store.as_mut()) {
                Ok(report) => Ok((report.events, report.head)),
                Err(VerifyFailure::Broken(broken)) => Err(broken.to_string()),
                Err(VerifyFailure::Store(e)) => Err(format!("database: {e}")),
            },
            Err(e) => Err(format!("database: {e}")),
        };
        let _ = tx.send(result);
    });
    rx.await.unwrap_or_else(|_| Err("the check stopped".into()))
}

/// The head (`seq`, `hash`) of the consent ledger, read on the console's connection.
async fn head(state: &AppState) -> Result<Option<(u64, String)>, StaffError> {
    let db = state.staff_db.clone().ok_or(StaffError::NotFound)?;
    Ok(db.call(|conn| conn.ledger_head()).await?)
}

/// `GET /staff/health`.
pub async fn show(State(state): State<AppState>, staff: Staff) -> Result<Markup, StaffError> {
    staff.require(Role::Viewer)?;
    let db = state.staff_db.clone().ok_or(StaffError::NotFound)?;
    let head = head(&state).await?;
    let last = db.last_check();
    let s = &staff;
    let title = s.t("Santé du registre", "Ledger health");
    Ok(layout::page(
        Some(&staff),
        title,
        html! {
            h1 { (title) }
            dl {
                dt { (s.t("Événements dans le registre", "Events in the ledger")) }
                dd { (head.as_ref().map_or(0, |(seq, _)| *seq)) }
                dt { (s.t("Empreinte de tête (SHA-256)", "Head hash (SHA-256)")) }
                dd { code { (head.as_ref().map_or("—", |(_, hash)| hash.as_str())) } }
            }
            h2 { (s.t("Dernière vérification", "Last verification")) }
            @match &last {
                None => p { (s.t("Aucune depuis le démarrage du service. La commande `collector verify` fait la même vérification.",
                                 "None since the service started. The `collector verify` command runs the same check.")) },
                Some(check) => {
                    p { (rfc3339(check.at)) " — " (check.by) " — " (check.took_ms) " ms" }
                    @match &check.ledger {
                        Ok((events, head)) => p.notice role="status" {
                            (s.t("Registre intact : ", "Ledger intact: ")) (events) (s.t(" événements, tête ", " events, head "))
                            code { (head.as_deref().unwrap_or("—")) }
                        },
                        Err(broken) => p.notice role="alert" { (s.t("Registre ALTÉRÉ : ", "Ledger BROKEN: ")) (broken) },
                    }
                    @match &check.audit {
                        Ok(entries) => p.notice role="status" { (s.t("Journal d'audit intact : ", "Audit log intact: ")) (entries) (s.t(" entrées.", " entries.")) },
                        Err(broken) => p.notice role="alert" { (s.t("Journal d'audit ALTÉRÉ : ", "Audit log BROKEN: ")) (broken) },
                    }
                }
            }
            @if staff.role >= Role::Staff {
                form method="post" action="/staff/health/verify" {
                    input type="hidden" name="csrf" value=(staff.csrf_token);
                    button type="submit" { (s.t("Vérifier maintenant", "Verify now")) }
                }
            }
        },
    ))
}

/// `POST /staff/health/verify`: walks both chains from their first entry, remembers and audits the outcome.
pub async fn verify(
    State(state): State<AppState>,
    staff: Staff,
    CsrfForm(_form): CsrfForm<serde_json::Value>,
) -> Result<Response, StaffError> {
    staff.require(Role::Staff)?;
    let db = state.staff_db.clone().ok_or(StaffError::NotFound)?;
    let started = std::time::Instant::now();
    let ledger = check_ledger(db.place().clone()).await;
    let audit = db.call(audit::verify).await?;
    let took_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let detail = json!({
        "ledger_ok": ledger.is_ok(),
        "events": ledger.as_ref().map_or(0, |(n, _)| *n),
        "head": ledger.as_ref().ok().and_then(|(_, h)| h.clone()),
        "audit_ok": audit.is_ok(),
    });
    db.set_last_check(LedgerCheck { at: state.now(), by: staff.email.clone(), ledger, audit, took_ms });
    audit::append(&state, &staff, "ledger.verify", detail).await?;
    Ok(Redirect::to("/staff/health").into_response())
}
