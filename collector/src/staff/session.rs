//! Signed-in sessions: a random id in an `HttpOnly`, `SameSite=Strict` cookie (`Secure` when the public URL is
//! https), only its hash stored; idle and absolute expiry; the [`Staff`] extractor every console page takes.

use crate::AppState;
use crate::sites::Site;
use crate::staff::StaffError;
use crate::staff::accounts::Account;
pub use crate::staff::accounts::Role;
use crate::staff::db::SessionRow;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use consent::Locale;
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// A session ends after this long without a request, ms.
pub const IDLE_MS: i64 = 30 * 60 * 1000;
/// A session ends this long after sign-in whatever happens, ms.
pub const ABSOLUTE_MS: i64 = 12 * 60 * 60 * 1000;
/// `last_seen_at` is written at most this often, ms (a page view need not always be a write).
const TOUCH_EVERY_MS: i64 = 60 * 1000;

/// The stage of a session whose password was right and whose TOTP code is awaited.
pub const STAGE_PASSWORD: &str = "password";
/// The stage of a signed-in session.
pub const STAGE_FULL: &str = "full";

/// Where an admin without a second factor is sent when the operator requires one.
pub const TOTP_SETUP_PATH: &str = "/staff/account/totp";

/// What the session cookie leads to.
enum Lookup {
    /// A signed-in session and its account.
    Active(Box<(SessionRow, Account)>),
    /// Password given, TOTP code awaited.
    Pending,
    /// No such session any more.
    Ended,
}

/// A signed-in account, as a handler sees it.
#[derive(Debug, Clone)]
pub struct Staff {
    /// Account id.
    pub account_id: String,
    /// Its sign-in address.
    pub email: String,
    /// Its role.
    pub role: Role,
    /// The sites it sees ([`crate::staff::accounts::ALL_SITES`] for all).
    pub sites: Vec<String>,
    /// The token its forms carry.
    pub csrf_token: String,
    /// Language of the screens (`?lang=` first, then the account's).
    pub locale: Locale,
    /// Whether TOTP is set up.
    pub has_totp: bool,
    /// SHA-256 of the session cookie (to end this session).
    pub session_hash: String,
    served: crate::sites::Sites,
}

impl Staff {
    /// Refuses (403) an account whose role is below `role`.
    pub fn require(&self, role: Role) -> Result<(), StaffError> {
        if self.role >= role { Ok(()) } else { Err(StaffError::Forbidden) }
    }

    /// The site `id` if this account sees it and the collector serves it; otherwise 404, never 403: staff of
    /// one site learn nothing of another, not even that it exists.
    pub fn site(&self, id: &str) -> Result<Arc<Site>, StaffError> {
        let in_scope = self.sites.iter().any(|s| s == crate::staff::accounts::ALL_SITES || s == id);
        match self.served.get(id) {
            Some(site) if in_scope => Ok(site.clone()),
            _ => Err(StaffError::NotFound),
        }
    }

    /// Every served site this account sees, by id.
    pub fn visible_sites(&self) -> Vec<Arc<Site>> {
        self.served.iter().filter(|s| self.site(s.config.site().as_str()).is_ok()).collect()
    }

    /// Picks French or English text for this account's screens.
    pub fn t<'a>(&self, fr: &'a str, en: &'a str) -> &'a str {
        match self.locale {
            Locale::Fr => fr,
            Locale::En => en,
        }
    }
}

/// 32 random bytes, hex: session ids, CSRF tokens, one-time links.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// SHA-256, hex: what is stored of a session id or a link token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Whether cookies must be `Secure`: the collector is reached over https.
pub fn is_https(state: &AppState) -> bool {
    state.settings.public_url.to_ascii_lowercase().starts_with("https://")
}

/// The session cookie's name: with the `__Host-` prefix over https (the browser then refuses it unless Secure,
/// Path=/ and without Domain: no sibling host can plant one).
pub fn cookie_name(state: &AppState) -> &'static str {
    if is_https(state) { "__Host-staff_session" } else { "staff_session" }
}

/// A `Set-Cookie` value for a cookie of the console.
pub fn set_cookie(state: &AppState, name: &str, value: &str, max_age_secs: i64) -> String {
    let secure = if is_https(state) { "; Secure" } else { "" };
    format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_secs}{secure}")
}

/// The `Set-Cookie` value that installs a session.
pub fn session_cookie(state: &AppState, session_id: &str) -> String {
    set_cookie(state, cookie_name(state), session_id, ABSOLUTE_MS / 1000)
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear_session_cookie(state: &AppState) -> String {
    set_cookie(state, cookie_name(state), "", 0)
}

/// A cookie's value from the request (`Cookie: a=1; b=2`).
pub fn read_cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The locale a request asks for with `?lang=fr|en`, if any.
pub fn query_locale(parts: &Parts) -> Option<Locale> {
    let query = parts.uri.query()?;
    query.split('&').find_map(|pair| match pair {
        "lang=en" => Some(Locale::En),
        "lang=fr" => Some(Locale::Fr),
        _ => None,
    })
}

/// A new session for `account` at `stage`: stored, and the cookie value to send. A new id every time, so a
/// session id planted before sign-in is worth nothing after it.
pub fn new_session(account: &Account, stage: &str, now: i64) -> (String, SessionRow) {
    let id = random_token();
    let row = SessionRow {
        session_hash: token_hash(&id),
        account_id: account.account_id.clone(),
        stage: stage.to_owned(),
        csrf_token: random_token(),
        created_at: now,
        last_seen_at: now,
    };
    (id, row)
}

/// Whether a session has run out at `now`.
pub fn expired(session: &SessionRow, now: i64) -> bool {
    now - session.last_seen_at > IDLE_MS || now - session.created_at > ABSOLUTE_MS
}

/// The path as the browser asked for it (inside the `/staff` nest, `parts.uri` has lost its prefix).
fn requested_path(parts: &Parts) -> &str {
    parts.extensions.get::<axum::extract::OriginalUri>().map_or(parts.uri.path(), |uri| uri.0.path())
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = StaffError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Staff, StaffError> {
        if let Some(staff) = parts.extensions.get::<Staff>() {
            return Ok(staff.clone());
        }
        let db = state.staff_db.clone().ok_or(StaffError::NotFound)?;
        let cookie = read_cookie(&parts.headers, cookie_name(state)).ok_or(StaffError::SignIn)?;
        let session_hash = token_hash(cookie);
        let now = state.now();
        let found = db
            .call(move |conn| {
                let Some(session) = conn.session(&session_hash)? else { return Ok(Lookup::Ended) };
                if expired(&session, now) {
                    conn.delete_session(&session.session_hash)?;
                    return Ok(Lookup::Ended);
                }
                if session.stage != STAGE_FULL {
                    return Ok(Lookup::Pending);
                }
                let Some(account) = conn.account_by_id(&session.account_id)? else { return Ok(Lookup::Ended) };
                if account.disabled_at.is_some() {
                    conn.delete_sessions_of(&account.account_id)?;
                    return Ok(Lookup::Ended);
                }
                if now - session.last_seen_at > TOUCH_EVERY_MS {
                    conn.touch_session(&session.session_hash, now)?;
                }
                Ok(Lookup::Active(Box::new((session, account))))
            })
            .await?;
        let (session, account) = match found {
            Lookup::Active(found) => *found,
            // Password given, code awaited: back to the code's page, not to "session ended".
            Lookup::Pending => return Err(StaffError::TotpPending),
            Lookup::Ended => return Err(StaffError::SessionEnded),
        };
        if db.require_2fa()
            && account.role == Role::Admin
            && account.totp_secret.is_none()
            && !requested_path(parts).starts_with(TOTP_SETUP_PATH)
        {
            return Err(StaffError::TotpSetup);
        }
        let staff = Staff {
            account_id: account.account_id,
            email: account.email,
            role: account.role,
            sites: account.sites,
            csrf_token: session.csrf_token,
            locale: query_locale(parts).unwrap_or(account.locale),
            has_totp: account.totp_secret.is_some(),
            session_hash: session.session_hash,
            served: state.sites.clone(),
        };
        parts.extensions.insert(staff.clone());
        Ok(staff)
    }
}
