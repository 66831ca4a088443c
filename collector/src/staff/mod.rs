//! The staff console under `/staff/`: accounts and sign-in ([`auth`], [`session`], [`password`], [`totp`],
//! [`throttle`]), CSRF protection ([`csrf`]), the hash-chained audit log ([`audit`]), the page frame
//! ([`layout`]), the accounts admin and ledger health pages, and the [`console`]'s pages about consent.
//!
//! Every page is server-rendered (maud, escaped), works without script, and answers French first.

pub mod accounts;
pub mod admin;
pub mod audit;
pub mod auth;
pub mod console;
pub mod csrf;
pub mod db;
pub mod health;
pub mod layout;
pub mod mail;
pub mod password;
pub mod session;
pub mod throttle;
pub mod totp;

pub use accounts::Role;
pub use db::{StaffConn, StaffDb};
pub use session::Staff;

use crate::AppState;
use crate::storage::StoreError;
use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use consent::Locale;
use maud::html;

/// The console's routes, to be nested under `/staff`.
pub fn routes() -> Router<AppState> {
    use axum::routing::{get, post};
    Router::new()
        .route("/", get(auth::home))
        .route("/login", get(auth::login_page).post(auth::login))
        .route("/login/totp", get(auth::totp_page).post(auth::totp))
        .route("/logout", post(auth::logout))
        .route("/password/{token}", get(auth::password_page).post(auth::set_password))
        .route("/password-reset", get(auth::reset_page).post(auth::request_reset))
        .route("/account/totp", get(totp::totp_setup_page).post(totp::totp_setup))
        .route("/audit", get(auth::audit_log))
        .route("/accounts", get(admin::list).post(admin::invite))
        .route("/accounts/{id}", post(admin::act))
        .route("/account/sign-out-everywhere", post(admin::sign_out_everywhere))
        .route("/health", get(health::show))
        .route("/health/verify", post(health::verify))
        .merge(console::routes())
}

/// Why a console request was refused; each renders a French-first page (English below it).
#[derive(Debug, thiserror::Error)]
pub enum StaffError {
    /// Not signed in (or the session ended): go to the sign-in page.
    #[error("not signed in")]
    SignIn,
    /// A session cookie came, but its session is over (expired, signed out, unknown): sign in again, told why.
    #[error("session ended")]
    SessionEnded,
    /// The password was right and the TOTP code is awaited: its page.
    #[error("TOTP code awaited")]
    TotpPending,
    /// An admin must set up the second factor first (`serve --staff-require-2fa`).
    #[error("second factor required")]
    TotpSetup,
    /// Nothing here, or nothing this account may know exists (another site's data: never 403).
    #[error("not found")]
    NotFound,
    /// The account's role does not allow this.
    #[error("role too low")]
    Forbidden,
    /// The form did not come from this console (missing or wrong CSRF token, foreign origin).
    #[error("csrf")]
    Csrf,
    /// The input is wrong; the texts say why, in French and English.
    #[error("invalid input")]
    Invalid {
        /// French.
        fr: String,
        /// English.
        en: String,
    },
    /// The request is larger than the console accepts.
    #[error("too large")]
    TooLarge,
    /// Too many attempts; seconds to wait.
    #[error("throttled")]
    Throttled(u64),
    /// The database failed.
    #[error("{0}")]
    Store(#[from] StoreError),
}

impl StaffError {
    /// An input error worded in both languages.
    pub fn invalid(fr: impl Into<String>, en: impl Into<String>) -> StaffError {
        StaffError::Invalid { fr: fr.into(), en: en.into() }
    }

    fn status(&self) -> StatusCode {
        match self {
            StaffError::SignIn | StaffError::SessionEnded | StaffError::TotpPending | StaffError::TotpSetup => {
                StatusCode::SEE_OTHER
            }
            StaffError::NotFound => StatusCode::NOT_FOUND,
            StaffError::Forbidden | StaffError::Csrf => StatusCode::FORBIDDEN,
            StaffError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            StaffError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            StaffError::Throttled(_) => StatusCode::TOO_MANY_REQUESTS,
            StaffError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Title and explanation, French then English.
    fn texts(&self) -> (&'static str, String, &'static str, String) {
        match self {
            StaffError::SignIn | StaffError::SessionEnded | StaffError::TotpPending => {
                ("Connexion requise", String::new(), "Sign-in required", String::new())
            }
            StaffError::TotpSetup => {
                ("Double authentification requise", String::new(), "Two-factor authentication required", String::new())
            }
            StaffError::NotFound => (
                "Page introuvable",
                "Cette page n’existe pas, ou votre compte n’y a pas accès.".into(),
                "Not found",
                "This page does not exist, or your account has no access to it.".into(),
            ),
            StaffError::Forbidden => (
                "Accès refusé",
                "Votre rôle ne permet pas cette action. Demandez à un administrateur.".into(),
                "Access denied",
                "Your role does not allow this. Ask an administrator.".into(),
            ),
            StaffError::Csrf => (
                "Formulaire expiré ou étranger",
                "Ce formulaire ne vient pas de cette console, ou votre session a changé. Rechargez la page et \
                 recommencez : rien n’a été modifié."
                    .into(),
                "Expired or foreign form",
                "This form did not come from this console, or your session changed. Reload the page and try \
                 again: nothing was changed."
                    .into(),
            ),
            StaffError::Invalid { fr, en } => ("Saisie refusée", fr.clone(), "Input refused", en.clone()),
            StaffError::TooLarge => (
                "Saisie trop longue",
                "La demande dépasse la taille acceptée ; rien n’a été modifié.".into(),
                "Input too long",
                "The request is larger than accepted; nothing was changed.".into(),
            ),
            StaffError::Throttled(secs) => (
                "Trop de tentatives",
                format!("Réessayez dans {secs} s."),
                "Too many attempts",
                format!("Try again in {secs} s."),
            ),
            StaffError::Store(_) => (
                "Erreur interne",
                "Le serveur n’a pas pu répondre ; rien n’a été modifié. Réessayez plus tard.".into(),
                "Internal error",
                "The server could not answer; nothing was changed. Try again later.".into(),
            ),
        }
    }
}

impl IntoResponse for StaffError {
    fn into_response(self) -> Response {
        // Logged by kind only: never an address, a token or what was typed.
        match &self {
            StaffError::Store(e) => tracing::error!(error = %e, "staff console: database error"),
            StaffError::SignIn | StaffError::TotpSetup | StaffError::TotpPending => {}
            StaffError::SessionEnded => tracing::info!("staff console: session ended or unknown"),
            other => tracing::info!(refused = %other, "staff console: request refused"),
        }
        match self {
            StaffError::SignIn => return Redirect::to("/staff/login").into_response(),
            StaffError::SessionEnded => return Redirect::to("/staff/login?ended=1").into_response(),
            StaffError::TotpPending => return Redirect::to("/staff/login/totp").into_response(),
            StaffError::TotpSetup => return Redirect::to(session::TOTP_SETUP_PATH).into_response(),
            _ => {}
        }
        let status = self.status();
        let (title_fr, text_fr, title_en, text_en) = self.texts();
        let body = html! {
            h1 { (title_fr) }
            p { (text_fr) }
            div lang="en" {
                h2 { (title_en) }
                p { (text_en) }
            }
            p { a href="/staff/" { "Retour à la console" } " · " span lang="en" { a href="/staff/" { "Back to the console" } } }
        };
        let mut response = (status, layout::page_in(Locale::Fr, None, title_fr, body)).into_response();
        if let StaffError::Throttled(secs) = self
            && let Ok(value) = HeaderValue::from_str(&secs.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}
