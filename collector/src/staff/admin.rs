//! The accounts page (admins): list, invite, change role and sites, disable and enable, send a new password
//! link, end an account's sessions; and, for everyone, "sign out everywhere". An admin manages only accounts
//! whose sites are all within their own, grants no site beyond them, and cannot lock themselves out.

use super::accounts::{ALL_SITES, Account, normalise_email};
use super::csrf::CsrfForm;
use super::db::{StaffConn, TokenRow};
use super::session::{clear_session_cookie, random_token, token_hash};
use super::{Role, Staff, StaffError, audit, layout, mail};
use crate::AppState;
use crate::storage::StoreError;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::json;

/// How long an invitation link stays valid, ms.
pub const INVITE_MS: i64 = 7 * 24 * 3600 * 1000;
/// How long a password reset link stays valid, ms.
pub const RESET_MS: i64 = 60 * 60 * 1000;

/// A new account, invited (no password yet).
pub fn invited(email: &str, role: Role, sites: Vec<String>, now: i64) -> Account {
    Account {
        account_id: crate::keys::sortable_id(now),
        email: email.to_owned(),
        role,
        sites,
        locale: consent::Locale::Fr,
        password_hash: None,
        totp_secret: None,
        totp_last_step: None,
        disabled_at: None,
        created_at: now,
        updated_at: now,
    }
}

/// Stores a new one-time link for `account_id` (voiding its earlier ones of the purpose); the token to send.
pub fn issue_link(conn: &mut StaffConn, account_id: &str, purpose: &str, now: i64) -> Result<String, StoreError> {
    let token = random_token();
    let ttl = if purpose == "invite" { INVITE_MS } else { RESET_MS };
    conn.insert_token(&TokenRow {
        token_hash: token_hash(&token),
        account_id: account_id.to_owned(),
        purpose: purpose.to_owned(),
        expires_at: now + ttl,
    })?;
    Ok(token)
}

/// Stores `account`, its invitation link and the audit entry naming who invited (`by`: account id and email) in
/// one transaction; the token to send, or `None` (nothing stored) when the address has an account already.
pub fn invite_on(
    conn: &mut StaffConn,
    account: &Account,
    (by_id, by_email): (&str, &str),
    now: i64,
) -> Result<Option<String>, StoreError> {
    let token = random_token();
    let row = TokenRow {
        token_hash: token_hash(&token),
        account_id: account.account_id.clone(),
        purpose: "invite".into(),
        expires_at: now + INVITE_MS,
    };
    let detail = json!({"account_id": account.account_id, "role": account.role.as_str(), "sites": account.sites});
    let seal = audit::seal(by_id, by_email, "account.invite", detail, now);
    Ok(conn.invite_account(account, &row, seal)?.then_some(token))
}

/// The page a one-time link opens.
pub fn link_url(public_url: &str, token: &str) -> String {
    format!("{}/staff/password/{token}", public_url.trim_end_matches('/'))
}

/// Reads the typed site list (`a, b` or one a line), refusing what the admin may not grant.
fn granted_sites(admin: &Staff, typed: &str) -> Result<Vec<String>, StaffError> {
    let mut sites: Vec<String> =
        typed.split([',', '\n', ' ']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect();
    sites.sort();
    sites.dedup();
    if sites.is_empty() {
        return Err(StaffError::invalid(
            "Indiquez au moins un site (ou * pour tous les sites).",
            "Name at least one site (or * for every site).",
        ));
    }
    let admin_all = admin.sites.iter().any(|s| s == ALL_SITES);
    for site in &sites {
        if site == ALL_SITES {
            if admin_all {
                continue;
            }
            return Err(StaffError::invalid(
                "Seul un administrateur de tous les sites peut donner accès à tous les sites.",
                "Only an admin of every site can grant every site.",
            ));
        }
        if admin.site(site).is_ok() {
            continue;
        }
        // An admin of every site learns nothing from being told the site is not served; any other admin is
        // told nothing more than about a site they do not see.
        if admin_all {
            return Err(StaffError::invalid(
                "Un des sites indiqués n’est pas servi par ce collecteur.",
                "One of the sites given is not served by this collector.",
            ));
        }
        return Err(StaffError::NotFound);
    }
    Ok(sites)
}

/// Whether `admin` may manage `account`: all its sites are within the admin's.
fn manages(admin: &Staff, account: &Account) -> bool {
    admin.sites.iter().any(|s| s == ALL_SITES)
        || account.sites.iter().all(|s| s != ALL_SITES && admin.sites.iter().any(|a| a == s))
}

fn status_of(staff: &Staff, account: &Account) -> &'static str {
    if account.disabled_at.is_some() {
        staff.t("désactivé", "disabled")
    } else if account.password_hash.is_none() {
        staff.t("invité (mot de passe à choisir)", "invited (password not set)")
    } else {
        staff.t("actif", "active")
    }
}

fn db(state: &AppState) -> Result<super::StaffDb, StaffError> {
    state.staff_db.clone().ok_or(StaffError::NotFound)
}

/// `GET /staff/accounts`.
pub async fn list(State(state): State<AppState>, staff: Staff) -> Result<Markup, StaffError> {
    staff.require(Role::Admin)?;
    let accounts = db(&state)?.call(|conn| conn.accounts()).await?;
    Ok(accounts_page(&staff, &accounts, None))
}

fn accounts_page(staff: &Staff, accounts: &[Account], notice: Option<Markup>) -> Markup {
    let s = staff;
    let title = s.t("Comptes", "Accounts");
    let role_select = |id: &str, current: Role| {
        html! {
            select id=(id) name="role" {
                @for role in Role::ALL { option value=(role.as_str()) selected[role == current] { (role.label(s.locale)) } }
            }
        }
    };
    layout::page(
        Some(staff),
        title,
        html! {
            h1 { (title) }
            @if let Some(notice) = notice { div.notice role="status" { (notice) } }
            table {
                caption { (s.t("Comptes de la console", "Console accounts")) }
                thead { tr {
                    th scope="col" { (s.t("Adresse", "Address")) }
                    th scope="col" { (s.t("Rôle et sites", "Role and sites")) }
                    th scope="col" { (s.t("État", "Status")) }
                    th scope="col" { (s.t("Double authentification", "Two-factor")) }
                    th scope="col" { (s.t("Actions", "Actions")) }
                } }
                tbody { @for a in accounts.iter().filter(|a| manages(staff, a)) {
                    @let me = a.account_id == staff.account_id;
                    tr {
                        th scope="row" { (a.email) }
                        td {
                            form method="post" action={ "/staff/accounts/" (a.account_id) } {
                                input type="hidden" name="csrf" value=(staff.csrf_token);
                                input type="hidden" name="action" value="update";
                                label for={ "role-" (a.account_id) } { (s.t("Rôle", "Role")) }
                                (role_select(&format!("role-{}", a.account_id), a.role))
                                label for={ "sites-" (a.account_id) } { (s.t("Sites", "Sites")) }
                                input type="text" id={ "sites-" (a.account_id) } name="sites" value=(a.sites.join(", ")) maxlength="1000" size="24";
                                button.secondary type="submit" disabled[me] { (s.t("Enregistrer", "Save")) }
                            }
                        }
                        td { (status_of(staff, a)) }
                        td { @if a.totp_secret.is_some() { (s.t("oui", "yes")) } @else { (s.t("non", "no")) } }
                        td {
                            @for (action, fr, en) in [
                                ("link", "Nouveau lien de mot de passe", "New password link"),
                                ("sign_out", "Fermer ses sessions", "End their sessions"),
                                (if a.disabled_at.is_some() { "enable" } else { "disable" },
                                 if a.disabled_at.is_some() { "Réactiver" } else { "Désactiver" },
                                 if a.disabled_at.is_some() { "Enable" } else { "Disable" }),
                            ] {
                                @if !(me && action == "disable") {
                                    form method="post" action={ "/staff/accounts/" (a.account_id) } {
                                        input type="hidden" name="csrf" value=(staff.csrf_token);
                                        input type="hidden" name="action" value=(action);
                                        button class=(if action == "disable" { "danger" } else { "secondary" }) type="submit" { (s.t(fr, en)) }
                                    }
                                }
                            }
                        }
                    }
                } }
            }
            h2 { (s.t("Inviter un compte", "Invite an account")) }
            form method="post" action="/staff/accounts" {
                input type="hidden" name="csrf" value=(staff.csrf_token);
                p { label for="invite-email" { (s.t("Adresse électronique", "Email address")) } br;
                    input type="email" id="invite-email" name="email" required maxlength="254" autocomplete="off"; }
                p { label for="invite-role" { (s.t("Rôle", "Role")) } br; (role_select("invite-role", Role::Viewer)) }
                p { label for="invite-sites" { (s.t("Sites (séparés par des virgules ; * pour tous)", "Sites (comma-separated; * for all)")) } br;
                    input type="text" id="invite-sites" name="sites" required maxlength="1000"
                        value=(staff.visible_sites().first().map(|s| s.config.site().to_string()).unwrap_or_default()); }
                button type="submit" { (s.t("Inviter", "Invite")) }
            }
        },
    )
}

/// The invitation form (the token is checked by [`CsrfForm`]).
#[derive(Debug, Deserialize)]
pub struct InviteForm {
    email: String,
    role: String,
    sites: String,
}

fn role_of(text: &str) -> Result<Role, StaffError> {
    Role::parse(text).ok_or_else(|| StaffError::invalid("Rôle inconnu.", "Unknown role."))
}

/// Sends a password link by email when mail is configured; the notice says what happened to it.
async fn deliver_link(state: &AppState, account: &Account, token: &str, purpose: &str) -> Markup {
    let url = link_url(&state.settings.public_url, token);
    let sent = mail::send_link(state, account, &url, purpose).await;
    html! {
        @if sent {
            p { "Lien envoyé par courriel à " (account.email) "." }
            p lang="en" { "Link emailed to " (account.email) "." }
        } @else {
            p { "Aucun envoi de courriel n’est configuré : transmettez ce lien à usage unique à " (account.email) " :" }
            p lang="en" { "No email sending is configured: pass this one-time link on to " (account.email) ":" }
        }
        p { code { (url) } }
    }
}

/// `POST /staff/accounts`: invites an account.
pub async fn invite(
    State(state): State<AppState>,
    staff: Staff,
    CsrfForm(form): CsrfForm<InviteForm>,
) -> Result<Markup, StaffError> {
    staff.require(Role::Admin)?;
    if form.email.len() > 254 || form.sites.len() > 1000 {
        return Err(StaffError::TooLarge);
    }
    let email = normalise_email(&form.email);
    if !consent::protocol::is_plausible_email(&email) {
        return Err(StaffError::invalid(
            "Cette adresse électronique n’est pas valable.",
            "This is not a valid email address.",
        ));
    }
    let role = role_of(&form.role)?;
    let sites = granted_sites(&staff, &form.sites)?;
    let now = state.now();
    let account = invited(&email, role, sites, now);
    let db = db(&state)?;
    let (stored, by) = (account.clone(), (staff.account_id.clone(), staff.email.clone()));
    let token = db.call(move |conn| invite_on(conn, &stored, (&by.0, &by.1), now)).await?.ok_or_else(|| {
        StaffError::invalid("Un compte existe déjà pour cette adresse.", "An account already exists for this address.")
    })?;
    let notice = deliver_link(&state, &account, &token, "invite").await;
    let accounts = db.call(|conn| conn.accounts()).await?;
    Ok(accounts_page(&staff, &accounts, Some(notice)))
}

/// An action on one account.
#[derive(Debug, Deserialize)]
pub struct AccountForm {
    action: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    sites: String,
}

/// `POST /staff/accounts/{id}`: `update` (role, sites), `disable`, `enable`, `link`, `sign_out`.
pub async fn act(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<AccountForm>,
) -> Result<Markup, StaffError> {
    staff.require(Role::Admin)?;
    if id.len() > 64 || form.sites.len() > 1000 {
        return Err(StaffError::TooLarge);
    }
    let db = db(&state)?;
    let lookup = id.clone();
    let mut account = db.call(move |conn| conn.account_by_id(&lookup)).await?.ok_or(StaffError::NotFound)?;
    if !manages(&staff, &account) {
        return Err(StaffError::NotFound);
    }
    let me = account.account_id == staff.account_id;
    let now = state.now();
    let mut notice = None;
    let detail = match form.action.as_str() {
        "update" => {
            if me {
                return Err(StaffError::invalid(
                    "Vous ne pouvez pas changer votre propre rôle ni vos sites : demandez à un autre administrateur.",
                    "You cannot change your own role or sites: ask another admin.",
                ));
            }
            account.role = role_of(&form.role)?;
            account.sites = granted_sites(&staff, &form.sites)?;
            json!({"role": account.role.as_str(), "sites": account.sites})
        }
        "disable" if me => {
            return Err(StaffError::invalid(
                "Vous ne pouvez pas désactiver votre propre compte.",
                "You cannot disable your own account.",
            ));
        }
        "disable" => {
            account.disabled_at = Some(now);
            json!({})
        }
        "enable" => {
            account.disabled_at = None;
            json!({})
        }
        "link" | "sign_out" => json!({}),
        _ => return Err(StaffError::invalid("Action inconnue.", "Unknown action.")),
    };
    account.updated_at = now;
    let action = form.action.clone();
    let stored = account.clone();
    let token = db
        .call(move |conn| {
            match action.as_str() {
                "update" | "disable" | "enable" => conn.update_account(&stored)?,
                _ => {}
            }
            // A changed role, fewer sites or a disabled account take effect now, not at the next sign-in.
            if action != "enable" && action != "link" {
                conn.delete_sessions_of(&stored.account_id)?;
            }
            if action == "link" {
                let purpose = if stored.password_hash.is_none() { "invite" } else { "reset" };
                return issue_link(conn, &stored.account_id, purpose, now).map(|t| Some((t, purpose)));
            }
            Ok(None)
        })
        .await?;
    let mut detail = detail;
    detail["account_id"] = json!(account.account_id);
    audit::append(&state, &staff, &format!("account.{}", form.action), detail).await?;
    if let Some((token, purpose)) = token {
        notice = Some(deliver_link(&state, &account, &token, purpose).await);
    }
    let accounts = db.call(|conn| conn.accounts()).await?;
    Ok(accounts_page(&staff, &accounts, notice))
}

/// `POST /staff/account/sign-out-everywhere`: ends every session of the signed-in account, this one included.
pub async fn sign_out_everywhere(
    State(state): State<AppState>,
    staff: Staff,
    CsrfForm(_form): CsrfForm<serde_json::Value>,
) -> Result<Response, StaffError> {
    let db = db(&state)?;
    let id = staff.account_id.clone();
    let ended = db.call(move |conn| conn.delete_sessions_of(&id)).await?;
    audit::append(&state, &staff, "sign_out_everywhere", json!({"sessions": ended})).await?;
    let mut response = Redirect::to("/staff/login").into_response();
    if let Ok(value) = clear_session_cookie(&state).parse() {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    Ok(response)
}
