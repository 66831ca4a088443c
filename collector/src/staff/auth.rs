//! Signing in and out: password (Argon2id, checked against a dummy hash for unknown accounts so that both answer
//! alike), then the TOTP code when the account has one (a code is accepted once: its time step is stored), a
//! new session id at each stage; the one-time link that sets a password and the emailed reset; the audit log
//! page. The second factor's set-up is in [`super::totp`].
//!
//! Pre-session forms carry a double-submit token (a cookie and a field that must match) on top of the
//! `Origin`/`Sec-Fetch-Site` check; signed-in forms carry the session's token ([`super::csrf`]).

use super::accounts::normalise_email;
use super::csrf::{CsrfForm, PlainForm, same_origin};
use super::password::{MAX_PASSWORD, dummy_hash, hash_password, password_matches, password_problem};
use super::session::{
    STAGE_FULL, STAGE_PASSWORD, clear_session_cookie, cookie_name, new_session, random_token, read_cookie,
    session_cookie, set_cookie, token_hash,
};
use super::throttle::{self, Keys, Scope};
use super::totp::totp_step;
use super::{Role, Staff, StaffError, audit, layout};
use crate::AppState;
use crate::after_answer;
use crate::intake::client_network;
use crate::routes::ClientIp;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use consent::Locale;
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::json;

const LOGIN_COOKIE: &str = "staff_login";

fn db(state: &AppState) -> Result<super::StaffDb, StaffError> {
    state.staff_db.clone().ok_or(StaffError::NotFound)
}

fn locale_of(headers: &HeaderMap, uri: &axum::http::Uri) -> Locale {
    let _ = headers;
    if uri.query().is_some_and(|q| q.contains("lang=en")) { Locale::En } else { Locale::Fr }
}

fn t(locale: Locale, fr: &'static str, en: &'static str) -> &'static str {
    if locale == Locale::En { en } else { fr }
}

/// A pre-session form's token: the cookie's if it has one, else a new one (and its `Set-Cookie`).
fn login_token(state: &AppState, headers: &HeaderMap) -> (String, Option<String>) {
    match read_cookie(headers, LOGIN_COOKIE) {
        Some(token) if token.len() == 64 => (token.to_owned(), None),
        _ => {
            let token = random_token();
            let cookie = set_cookie(state, LOGIN_COOKIE, &token, 3600);
            (token, Some(cookie))
        }
    }
}

fn check_login_token(state: &AppState, headers: &HeaderMap, field: &str) -> Result<(), StaffError> {
    let cookie = read_cookie(headers, LOGIN_COOKIE).unwrap_or_default();
    if same_origin(state, headers) && !cookie.is_empty() && cookie == field { Ok(()) } else { Err(StaffError::Csrf) }
}

fn with_cookie(body: Markup, cookie: Option<String>) -> Response {
    let mut response = body.into_response();
    if let Some(cookie) = cookie
        && let Ok(value) = cookie.parse()
    {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// `GET /staff/`: the dashboard.
pub async fn home() -> Redirect {
    Redirect::to("/staff/dashboard")
}

/// `GET /staff/login`.
pub async fn login_page(State(state): State<AppState>, headers: HeaderMap, uri: axum::http::Uri) -> Response {
    let locale = locale_of(&headers, &uri);
    let (token, cookie) = login_token(&state, &headers);
    let title = t(locale, "Connexion", "Sign in");
    let ended = uri.query().is_some_and(|q| q.split('&').any(|p| p == "ended=1"));
    let body = html! {
        h1 { (title) }
        @if ended {
            p.notice role="status" { (t(locale, "Votre session a pris fin (inactivité de 30 minutes, 12 heures écoulées, ou déconnexion) : connectez-vous à nouveau.",
                                       "Your session ended (30 minutes idle, 12 hours passed, or signed out): sign in again.")) }
        }
        form method="post" action="/staff/login" {
            input type="hidden" name="csrf" value=(token);
            p { label for="email" { (t(locale, "Adresse électronique", "Email address")) } br;
                input type="email" id="email" name="email" autocomplete="username" required maxlength="254"; }
            p { label for="password" { (t(locale, "Mot de passe", "Password")) } br;
                input type="password" id="password" name="password" autocomplete="current-password" required maxlength="256"; }
            button type="submit" { (t(locale, "Se connecter", "Sign in")) }
        }
        p { a href={ "/staff/password-reset" @if locale == Locale::En { "?lang=en" } } { (t(locale, "Mot de passe oublié ?", "Forgot your password?")) } }
    };
    with_cookie(layout::page_in(locale, None, title, body), cookie)
}

/// The sign-in form.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    csrf: String,
    email: String,
    password: String,
}

fn refused() -> StaffError {
    StaffError::invalid(
        "Adresse ou mot de passe incorrect, ou compte désactivé.",
        "Wrong address or password, or account disabled.",
    )
}

/// The first 16 hex digits of a throttle key: enough for an admin to tell repeated attempts apart in the audit log.
fn short(key: &str) -> &str {
    key.get(..16).unwrap_or(key)
}

/// Audits a refused sign-in attempt on `conn`: the account when the address typed is one's, else no account
/// (only the keyed hash of what was typed); the client's network as a keyed hash; why, which the sign-in page
/// never tells (unknown address and wrong password answer alike).
fn audit_refusal(
    conn: &mut super::StaffConn,
    account: Option<&super::accounts::Account>,
    (stage, reason): (&str, &str),
    (account_key, ip_key): (&str, &str),
    now: i64,
) -> Result<(), crate::storage::StoreError> {
    let mut detail = json!({"stage": stage, "reason": reason, "network": short(ip_key)});
    if account.is_none() {
        detail["typed"] = json!(short(account_key));
    }
    let (id, email) = account.map_or(("", ""), |a| (a.account_id.as_str(), a.email.as_str()));
    audit::append_on(conn, id, email, "sign_in.refused", detail, now).map(drop)
}

/// `POST /staff/login`. Every outcome is an audit entry; an unknown address and a wrong password do the same
/// work (an Argon2 check against a dummy hash, two throttle writes, one audit entry) and get the same answer.
pub async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    PlainForm(form): PlainForm<LoginForm>,
) -> Result<Response, StaffError> {
    check_login_token(&state, &headers, &form.csrf)?;
    if form.email.len() > 254 || form.password.len() > MAX_PASSWORD {
        return Err(StaffError::TooLarge);
    }
    let db = db(&state)?;
    let now = state.now();
    let email = normalise_email(&form.email);
    let keys = Keys::of(&state.key);
    let account_key = keys.key(Scope::Account, &email);
    let ip_key = keys.key(Scope::Ip, &client_network(ip).to_string());
    let (ak, ik) = (account_key.clone(), ip_key.clone());
    let (wait, account) = db
        .call(move |conn| {
            let wait = throttle::check(conn, &ak, now)?.and(throttle::check(conn, &ik, now)?);
            let account = conn.account_by_email(&email)?;
            if wait.is_err() {
                audit_refusal(conn, account.as_ref(), ("password", "throttled"), (&ak, &ik), now)?;
            }
            Ok((wait, account))
        })
        .await?;
    wait.map_err(StaffError::Throttled)?;
    let hash = account.as_ref().and_then(|a| a.password_hash.clone()).unwrap_or_else(|| dummy_hash().to_owned());
    let password = form.password.clone();
    let matches = tokio::task::spawn_blocking(move || password_matches(&hash, &password)).await.unwrap_or(false);
    let reason = match &account {
        None => Some("unknown_account"),
        Some(a) if a.password_hash.is_none() => Some("no_password"),
        Some(_) if !matches => Some("wrong_password"),
        Some(a) if a.disabled_at.is_some() => Some("disabled"),
        Some(_) => None,
    };
    let (Some(account), None) = (account.clone(), reason) else {
        let (ak, ik) = (account_key.clone(), ip_key.clone());
        db.call(move |conn| {
            throttle::fail(conn, Scope::Account, &ak, now)?;
            throttle::fail(conn, Scope::Ip, &ik, now)?;
            audit_refusal(conn, account.as_ref(), ("password", reason.unwrap_or_default()), (&ak, &ik), now)
        })
        .await?;
        tracing::info!("staff sign-in refused");
        return Err(refused());
    };
    let stage = if account.totp_secret.is_some() { STAGE_PASSWORD } else { STAGE_FULL };
    let (id, row) = new_session(&account, stage, now);
    let (audited, network) = (account.clone(), short(&ip_key).to_owned());
    db.call(move |conn| {
        throttle::succeed(conn, &account_key, now)?;
        // Abandoned sessions are swept here: each sign-in removes every session past its idle or absolute end.
        conn.prune_sessions(now - super::session::IDLE_MS, now - super::session::ABSOLUTE_MS)?;
        conn.insert_session(&row)?;
        let (action, detail) = if stage == STAGE_FULL {
            ("sign_in", json!({"second_factor": false, "network": network}))
        } else {
            ("sign_in.code_awaited", json!({"network": network}))
        };
        audit::append_on(conn, &audited.account_id, &audited.email, action, detail, now).map(drop)
    })
    .await?;
    let to = if stage == STAGE_FULL { "/staff/dashboard" } else { "/staff/login/totp" };
    let mut response = Redirect::to(to).into_response();
    if let Ok(value) = session_cookie(&state, &id).parse() {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    Ok(response)
}

/// The session of the request in the password stage, and its account.
async fn half_session(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<(super::db::SessionRow, super::accounts::Account), StaffError> {
    let db = db(state)?;
    let cookie = read_cookie(headers, cookie_name(state)).ok_or(StaffError::SignIn)?;
    let hash = token_hash(cookie);
    let now = state.now();
    db.call(move |conn| {
        let Some(session) = conn.session(&hash)? else { return Ok(None) };
        if session.stage != STAGE_PASSWORD || super::session::expired(&session, now) {
            return Ok(None);
        }
        Ok(conn.account_by_id(&session.account_id)?.map(|a| (session, a)))
    })
    .await?
    .ok_or(StaffError::SignIn)
}

/// `GET /staff/login/totp`.
pub async fn totp_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: axum::http::Uri,
) -> Result<Markup, StaffError> {
    let locale = locale_of(&headers, &uri);
    let (session, _) = half_session(&state, &headers).await?;
    let title = t(locale, "Code de vérification", "Verification code");
    Ok(layout::page_in(
        locale,
        None,
        title,
        html! {
            h1 { (title) }
            form method="post" action="/staff/login/totp" {
                input type="hidden" name="csrf" value=(session.csrf_token);
                p { label for="code" { (t(locale, "Code à 6 chiffres de votre application d'authentification", "6-digit code from your authenticator app")) } br;
                    input type="text" id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required; }
                button type="submit" { (t(locale, "Valider", "Verify")) }
            }
        },
    ))
}

/// The TOTP form.
#[derive(Debug, Deserialize)]
pub struct CodeForm {
    csrf: String,
    code: String,
}

/// `POST /staff/login/totp`: the second factor; a code already used is refused (replay).
pub async fn totp(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    PlainForm(form): PlainForm<CodeForm>,
) -> Result<Response, StaffError> {
    let (session, account) = half_session(&state, &headers).await?;
    if !same_origin(&state, &headers) || form.csrf != session.csrf_token {
        return Err(StaffError::Csrf);
    }
    let db = db(&state)?;
    let now = state.now();
    let keys = Keys::of(&state.key);
    let account_key = keys.key(Scope::Account, &account.email);
    let ip_key = keys.key(Scope::Ip, &client_network(ip).to_string());
    let step = account.totp_secret.as_deref().and_then(|s| totp_step(s, &form.code, now));
    let (ak, ik, holder) = (account_key.clone(), ip_key.clone(), account.clone());
    let outcome = db
        .call(move |conn| {
            let refusal = if let Err(secs) = throttle::check(conn, &ak, now)? {
                Some(("throttled", StaffError::Throttled(secs)))
            } else {
                let code_refused =
                    || StaffError::invalid("Code incorrect ou déjà utilisé.", "Wrong or already used code.");
                match step {
                    None => Some(("wrong_code", code_refused())),
                    // A valid code whose time step is used already: a replay.
                    Some(step) if !conn.accept_totp_step(&holder.account_id, step)? => {
                        Some(("code_replayed", code_refused()))
                    }
                    Some(_) => None,
                }
            };
            let Some((reason, error)) = refusal else { return Ok(Ok(())) };
            if reason != "throttled" {
                throttle::fail(conn, Scope::Account, &ak, now)?;
            }
            audit_refusal(conn, Some(&holder), ("second_factor", reason), (&ak, &ik), now)?;
            Ok(Err(error))
        })
        .await?;
    if let Err(error) = outcome {
        tracing::info!("staff TOTP code refused");
        return Err(error);
    }
    // A new session id for the signed-in stage: the half-signed-in one is worth nothing any more.
    let (new_id, row) = new_session(&account, STAGE_FULL, now);
    let old = session.session_hash.clone();
    db.call(move |conn| {
        conn.delete_session(&old)?;
        conn.insert_session(&row)
    })
    .await?;
    let detail = json!({"second_factor": true, "network": short(&ip_key)});
    audit::append_as(&state, &account.account_id, &account.email, "sign_in", detail).await?;
    let mut response = Redirect::to("/staff/dashboard").into_response();
    if let Ok(value) = session_cookie(&state, &new_id).parse() {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    Ok(response)
}

/// `POST /staff/logout`.
pub async fn logout(
    State(state): State<AppState>,
    staff: Staff,
    CsrfForm(_form): CsrfForm<serde_json::Value>,
) -> Result<Response, StaffError> {
    let db = db(&state)?;
    let hash = staff.session_hash.clone();
    db.call(move |conn| conn.delete_session(&hash)).await?;
    audit::append(&state, &staff, "sign_out", json!({})).await?;
    let mut response = Redirect::to("/staff/login").into_response();
    if let Ok(value) = clear_session_cookie(&state).parse() {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    Ok(response)
}

/// `GET /staff/password/{token}`: the form of a one-time link (invitation or reset).
pub async fn password_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: axum::http::Uri,
    Path(token): Path<String>,
) -> Result<Response, StaffError> {
    let locale = locale_of(&headers, &uri);
    let db = db(&state)?;
    let hash = token_hash(&token);
    let now = state.now();
    let valid = db
        .call(move |conn| Ok(conn.peek_token(&hash, "invite", now)?.or(conn.peek_token(&hash, "reset", now)?)))
        .await?;
    if valid.is_none() {
        return Err(link_refused());
    }
    let (csrf, cookie) = login_token(&state, &headers);
    let title = t(locale, "Choisir votre mot de passe", "Choose your password");
    let body = html! {
        h1 { (title) }
        p { (t(locale, "Au moins 12 caractères ; une phrase de plusieurs mots est idéale.", "At least 12 characters; a phrase of several words is best.")) }
        form method="post" {
            input type="hidden" name="csrf" value=(csrf);
            p { label for="password" { (t(locale, "Nouveau mot de passe", "New password")) } br;
                input type="password" id="password" name="password" autocomplete="new-password" required minlength="12" maxlength="256"; }
            p { label for="confirm" { (t(locale, "Encore une fois", "Once more")) } br;
                input type="password" id="confirm" name="confirm" autocomplete="new-password" required minlength="12" maxlength="256"; }
            button type="submit" { (t(locale, "Enregistrer", "Save")) }
        }
    };
    Ok(with_cookie(layout::page_in(locale, None, title, body), cookie))
}

fn link_refused() -> StaffError {
    StaffError::invalid(
        "Ce lien est inconnu, expiré ou déjà utilisé.",
        "This link is unknown, expired or already used.",
    )
}

/// The new password form.
#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    csrf: String,
    password: String,
    confirm: String,
}

/// `POST /staff/password/{token}`: sets the password, ends every session of the account.
pub async fn set_password(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
    PlainForm(form): PlainForm<PasswordForm>,
) -> Result<Response, StaffError> {
    check_login_token(&state, &headers, &form.csrf)?;
    let db = db(&state)?;
    let token = token_hash(&token);
    let now = state.now();
    let lookup = token.clone();
    let holder = db
        .call(move |conn| {
            let Some(id) = conn.peek_token(&lookup, "invite", now)?.or(conn.peek_token(&lookup, "reset", now)?) else {
                return Ok(None);
            };
            conn.account_by_id(&id)
        })
        .await?
        .ok_or_else(link_refused)?;
    if let Some(problem) = password_problem(&form.password, &form.confirm, &holder.email) {
        return Err(problem);
    }
    let password = form.password.clone();
    let hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| StaffError::Store(crate::storage::StoreError::Database(e.to_string())))??;
    let account = db
        .call(move |conn| {
            let Some(id) = conn.take_token(&token, "invite", now)?.or(conn.take_token(&token, "reset", now)?) else {
                return Ok(None);
            };
            let Some(mut account) = conn.account_by_id(&id)? else { return Ok(None) };
            account.password_hash = Some(hash);
            account.updated_at = now;
            conn.update_account(&account)?;
            conn.delete_sessions_of(&account.account_id)?;
            Ok(Some(account))
        })
        .await?
        .ok_or_else(link_refused)?;
    audit::append_as(&state, &account.account_id, &account.email, "password.set", json!({})).await?;
    Ok(Redirect::to("/staff/login").into_response())
}

/// Entries per page of the audit log.
const AUDIT_PAGE: usize = 100;

/// `?before=SEQ`: the page of entries older than `SEQ`.
#[derive(Debug, Default, Deserialize)]
pub struct AuditPage {
    before: Option<u64>,
}

/// `GET /staff/audit`: the audit log, newest first, with the check of its chain.
pub async fn audit_log(
    State(state): State<AppState>,
    staff: Staff,
    axum::extract::Query(page): axum::extract::Query<AuditPage>,
) -> Result<Markup, StaffError> {
    staff.require(Role::Admin)?;
    let db = db(&state)?;
    let before = page.before.unwrap_or(u64::MAX >> 1);
    let (entries, check) = db
        .call(move |conn| {
            let check = audit::verify(conn)?;
            Ok((conn.audit_before(before, AUDIT_PAGE)?, check))
        })
        .await?;
    let older = entries.last().map(|(seq, _, _)| *seq).filter(|seq| *seq > 1);
    let s = &staff;
    let title = s.t("Journal d'audit", "Audit log");
    Ok(layout::page(
        Some(&staff),
        title,
        html! {
            h1 { (title) }
            @match &check {
                Ok(n) => p.notice role="status" { (s.t("Chaîne du journal vérifiée : ", "Audit chain verified: ")) (n) (s.t(" entrées.", " entries.")) },
                Err(e) => p.notice role="alert" { (s.t("Journal altéré : ", "Audit log altered: ")) (e) },
            }
            table {
                caption { (s.t("Entrées, des plus récentes aux plus anciennes", "Entries, newest first")) }
                thead { tr { th scope="col" { "N°" } th scope="col" { (s.t("Date", "Date")) } th scope="col" { (s.t("Compte", "Account")) }
                    th scope="col" { (s.t("Action", "Action")) } th scope="col" { (s.t("Détail", "Detail")) } th scope="col" { (s.t("Empreinte", "Hash")) } } }
                tbody { @for (seq, hash, body) in &entries {
                    @let v: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
                    tr {
                        th scope="row" { (seq) }
                        td { (v["at"].as_str().unwrap_or_default()) }
                        td { @match v["account"].as_str().filter(|a| !a.is_empty()) {
                            Some(account) => (account),
                            None => em { (s.t("(adresse sans compte)", "(address with no account)")) },
                        } }
                        td { code { (v["action"].as_str().unwrap_or_default()) } }
                        td { code { (v["detail"].to_string()) } }
                        td { code { (hash.get(..16).unwrap_or(hash)) "…" } }
                    }
                } }
            }
            @if let Some(seq) = older {
                p { a href={ "/staff/audit?before=" (seq) } { (s.t("Entrées plus anciennes", "Older entries")) } }
            }
        },
    ))
}

/// `GET /staff/password-reset`: asks for the address to send a reset link to.
pub async fn reset_page(State(state): State<AppState>, headers: HeaderMap, uri: axum::http::Uri) -> Response {
    let locale = locale_of(&headers, &uri);
    let (token, cookie) = login_token(&state, &headers);
    let title = t(locale, "Mot de passe oublié", "Forgotten password");
    let body = html! {
        h1 { (title) }
        p { (t(locale, "Indiquez l’adresse de votre compte : un lien pour choisir un nouveau mot de passe vous sera envoyé (valable une heure).",
               "Give your account's address: a link to choose a new password will be sent to it (valid one hour).")) }
        form method="post" action="/staff/password-reset" {
            input type="hidden" name="csrf" value=(token);
            p { label for="email" { (t(locale, "Adresse électronique", "Email address")) } br;
                input type="email" id="email" name="email" autocomplete="username" required maxlength="254"; }
            button type="submit" { (t(locale, "Envoyer le lien", "Send the link")) }
        }
    };
    with_cookie(layout::page_in(locale, None, title, body), cookie)
}

/// The reset form.
#[derive(Debug, Deserialize)]
pub struct ResetForm {
    csrf: String,
    email: String,
}

/// Issues, audits and emails a reset link when `email` names an active account with a password.
async fn send_reset(state: &AppState, db: super::StaffDb, email: String, now: i64) -> Result<(), StaffError> {
    let issued = db
        .call(move |conn| {
            let Some(account) = conn.account_by_email(&email)? else { return Ok(None) };
            if account.disabled_at.is_some() || account.password_hash.is_none() {
                return Ok(None);
            }
            let token = super::admin::issue_link(conn, &account.account_id, "reset", now)?;
            Ok(Some((account, token)))
        })
        .await?;
    let Some((account, token)) = issued else { return Ok(()) };
    audit::append_as(state, &account.account_id, &account.email, "password.reset_asked", json!({})).await?;
    let url = super::admin::link_url(&state.settings.public_url, &token);
    if !super::mail::send_link(state, &account, &url, "reset").await {
        tracing::warn!("staff password reset asked but no email could be sent (no --smtp nor --outbox)");
    }
    Ok(())
}

/// `POST /staff/password-reset`: emails a reset link to an active account. The answer is the same whether the
/// address has an account or not (nobody learns who has one), and asking is throttled like signing in.
pub async fn request_reset(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    PlainForm(form): PlainForm<ResetForm>,
) -> Result<Markup, StaffError> {
    check_login_token(&state, &headers, &form.csrf)?;
    if form.email.len() > 254 {
        return Err(StaffError::TooLarge);
    }
    let db = db(&state)?;
    let now = state.now();
    let email = normalise_email(&form.email);
    let ip_key = Keys::of(&state.key).key(Scope::Ip, &client_network(ip).to_string());
    // Each request counts as a failure: a few resets are fine, a flood of them waits.
    db.call(move |conn| {
        let wait = throttle::check(conn, &ip_key, now)?;
        if wait.is_ok() {
            throttle::fail(conn, Scope::Ip, &ip_key, now)?;
        }
        Ok(wait)
    })
    .await?
    .map_err(StaffError::Throttled)?;
    // All the work happens after the answer, which is thus the same, in content and in time, whether the address
    // has an account or not (a database write or the mail server's delay would tell).
    let worker = state.clone();
    after_answer::spawn("staff password reset not sent", async move { send_reset(&worker, db, email, now).await });
    let title = "Lien envoyé";
    Ok(layout::page_in(
        Locale::Fr,
        None,
        title,
        html! {
            h1 { (title) }
            p { "Si un compte actif existe pour cette adresse, un lien pour choisir un nouveau mot de passe vient de lui être envoyé (valable une heure)." }
            p lang="en" { "If an active account exists for this address, a link to choose a new password was just sent to it (valid one hour)." }
            p { a href="/staff/login" { "Connexion" } " · " span lang="en" { a href="/staff/login?lang=en" { "Sign in" } } }
        },
    ))
}
