//! The console's pages about consent, under `/staff/`: the [`dashboard`] (per site and period, with inbound
//! attribution), the [`register`] (find a subject, everything held, the proof bundle), [`exports`] per purpose,
//! the [`requests`] received outside the manage page (access, rectification, erasure, objection,
//! restriction), with their art. 12(3) deadline, the graduates [`import`] and the soft opt-in [`campaigns`].
//!
//! Every page checks the account's role and sites first (another site's data answer 404), and every view of a
//! subject, export, proof download, erasure and request step is written to the audit log before the answer.

pub mod campaigns;
pub mod dashboard;
pub mod exports;
pub mod import;
pub mod insights;
pub mod period;
pub mod register;
pub mod requests;
pub mod store;

pub use insights::Insights;

use crate::AppState;
use crate::sites::Site;
use crate::staff::{Staff, StaffDb, StaffError};
use axum::Router;
use axum::routing::{get, post};
use std::sync::Arc;

/// The console's consent pages (nested under `/staff` with the rest of the console).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/dashboard", get(dashboard::show))
        .route("/register", get(register::search))
        .route("/register/{site}/{subject}", get(register::subject))
        .route("/register/{site}/{subject}/proof", post(register::proof))
        .route("/exports", get(exports::page).post(exports::download))
        .route(
            "/import",
            get(import::page)
                .post(import::upload)
                .layer(axum::extract::DefaultBodyLimit::max(import::MAX_UPLOAD_BYTES)),
        )
        .route(
            "/campaigns",
            get(campaigns::list)
                .post(campaigns::act)
                .layer(axum::extract::DefaultBodyLimit::max(campaigns::MAX_FORM_BYTES)),
        )
        .route("/campaigns/{id}", get(campaigns::show).post(campaigns::resume))
        .route("/requests", get(requests::list).post(requests::create))
        .route("/requests/{id}", get(requests::show).post(requests::act))
}

/// The console's database, or 404 when the console is off.
fn staff_db(state: &AppState) -> Result<StaffDb, StaffError> {
    state.staff_db.clone().ok_or(StaffError::NotFound)
}

/// The site a page is about: the one asked for (404 if out of the account's scope), else its first.
fn chosen_site(staff: &Staff, asked: Option<&str>) -> Result<Arc<Site>, StaffError> {
    match asked.filter(|s| !s.is_empty()) {
        Some(id) => staff.site(id),
        None => staff.visible_sites().into_iter().next().ok_or(StaffError::NotFound),
    }
}

/// The longest text a console form field accepts (an email is at most 254 characters).
const MAX_FIELD: usize = 320;

/// Refuses an oversized field before anything reads it.
fn bounded(text: &str) -> Result<&str, StaffError> {
    if text.len() > MAX_FIELD { Err(StaffError::TooLarge) } else { Ok(text.trim()) }
}
