//! The TOTP second factor (RFC 6238: SHA-1, 6 digits, 30 s): checking a code with one step of clock drift, and
//! the set-up page — a new secret shown as a QR code of its `otpauth://` URI and as text, confirmed by a first
//! code, whose step is then used up. Replacing an existing factor asks for the current password.

use super::csrf::CsrfForm;
use super::password::{MAX_PASSWORD, dummy_hash, password_matches};
use super::{Staff, StaffError, audit, layout};
use crate::AppState;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::json;

/// The step of `code` for `secret` at `now` (one step either side for clock drift), if it matches.
pub fn totp_step(secret_hex: &str, code: &str, now_ms: i64) -> Option<i64> {
    let secret = hex::decode(secret_hex).ok()?;
    let totp = totp_rs::TOTP::new(totp_rs::Algorithm::SHA1, 6, 0, 30, secret).ok()?;
    let step = now_ms / 30_000;
    (step - 1..=step + 1).find(|s| totp.generate(u64::try_from(s * 30).unwrap_or(0)) == code.trim())
}

/// `GET /staff/account/totp`: set up the second factor (a new secret, confirmed by a first code).
pub async fn totp_setup_page(staff: Staff) -> Markup {
    let mut bytes = [0u8; 20];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
    let secret = hex::encode(bytes);
    let base32 = match totp_rs::Secret::Raw(bytes.to_vec()).to_encoded() {
        totp_rs::Secret::Encoded(s) => s,
        totp_rs::Secret::Raw(_) => String::new(),
    };
    let s = &staff;
    let title = s.t("Double authentification", "Two-factor authentication");
    layout::page(
        Some(&staff),
        title,
        html! {
            h1 { (title) }
            @if staff.has_totp { p.notice { (s.t("Un code est déjà configuré ; en valider un nouveau le remplace (votre mot de passe est alors demandé).", "A code is already set up; confirming a new one replaces it (your password is then asked for).")) } }
            p { (s.t("Ajoutez ce secret à votre application d'authentification (TOTP, 6 chiffres, 30 s), puis saisissez le code affiché.",
                     "Add this secret to your authenticator app (TOTP, 6 digits, 30 s), then type the code it shows.")) }
            @let uri = otpauth_uri(&staff.email, &base32);
            figure {
                @if let Some(svg) = qr_svg(&uri) {
                    div role="img" aria-label=(s.t("Code QR du secret, à scanner avec l'application", "QR code of the secret, to scan with the app")) { (maud::PreEscaped(svg)) }
                }
                figcaption { (s.t("Scannez ce code, ou saisissez le secret : ", "Scan this code, or type the secret: ")) code id="totp-secret" { (base32) } }
            }
            form method="post" action="/staff/account/totp" {
                input type="hidden" name="csrf" value=(staff.csrf_token);
                input type="hidden" name="secret" value=(secret);
                p { label for="code" { (s.t("Code", "Code")) } br;
                    input type="text" id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required; }
                @if staff.has_totp {
                    p { label for="password" { (s.t("Mot de passe actuel", "Current password")) } br;
                        input type="password" id="password" name="password" autocomplete="current-password" required maxlength="256"; }
                }
                button type="submit" { (s.t("Activer", "Turn on")) }
            }
        },
    )
}

/// The `otpauth://` URI that authenticator apps read (from the QR code), RFC 6238 parameters.
fn otpauth_uri(email: &str, base32: &str) -> String {
    let encode = |text: &str| -> String {
        text.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => char::from(b).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    let issuer = encode("Console des consentements");
    format!(
        "otpauth://totp/{issuer}:{}?secret={base32}&issuer={issuer}&algorithm=SHA1&digits=6&period=30",
        encode(email)
    )
}

/// The QR code of `text` as inline SVG (no script, no external reference: allowed by the console's CSP).
fn qr_svg(text: &str) -> Option<String> {
    let code = qrcode::QrCode::new(text.as_bytes()).ok()?;
    let svg = code.render::<qrcode::render::svg::Color<'_>>().min_dimensions(200, 200).quiet_zone(true).build();
    // The XML declaration is not allowed inside an HTML document.
    Some(svg.find("<svg").map_or(svg.clone(), |at| svg[at..].to_owned()))
}

/// The TOTP set-up form (without the token, checked by [`CsrfForm`]).
#[derive(Debug, Deserialize)]
pub struct SetupForm {
    code: String,
    secret: String,
    /// Asked for when a second factor already exists: a stolen session alone cannot replace it.
    #[serde(default)]
    password: String,
}

/// `POST /staff/account/totp`.
pub async fn totp_setup(
    State(state): State<AppState>,
    staff: Staff,
    CsrfForm(form): CsrfForm<SetupForm>,
) -> Result<Response, StaffError> {
    let now = state.now();
    if form.secret.len() != 40 || !form.secret.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(StaffError::invalid("Secret invalide.", "Invalid secret."));
    }
    let Some(step) = totp_step(&form.secret, &form.code, now) else {
        return Err(StaffError::invalid(
            "Code incorrect : vérifiez l'heure de votre appareil.",
            "Wrong code: check your device's clock.",
        ));
    };
    let db = state.staff_db.clone().ok_or(StaffError::NotFound)?;
    if staff.has_totp {
        let lookup = staff.account_id.clone();
        let hash = db.call(move |conn| conn.account_by_id(&lookup)).await?.and_then(|a| a.password_hash);
        let hash = hash.unwrap_or_else(|| dummy_hash().to_owned());
        let password = form.password.clone();
        if form.password.len() > MAX_PASSWORD
            || !tokio::task::spawn_blocking(move || password_matches(&hash, &password)).await.unwrap_or(false)
        {
            tracing::info!("staff TOTP replacement refused: wrong password");
            return Err(StaffError::invalid(
                "Mot de passe actuel incorrect : le code existant est conservé.",
                "Wrong current password: the existing code is kept.",
            ));
        }
    }
    let (id, secret) = (staff.account_id.clone(), form.secret.clone());
    db.call(move |conn| {
        let Some(mut account) = conn.account_by_id(&id)? else { return Ok(()) };
        account.totp_secret = Some(secret);
        account.updated_at = now;
        conn.update_account(&account)?;
        // The set-up code is used up like any other: it cannot open a session afterwards. A new secret starts
        // its own steps, so the old secret's last step must not block it.
        conn.reset_totp_step(&id, step)
    })
    .await?;
    audit::append(&state, &staff, "totp.enabled", json!({})).await?;
    Ok(Redirect::to("/staff/dashboard").into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_authenticator_uri_and_its_qr_code() {
        let uri = otpauth_uri("marie+dpo@example.org", "JBSWY3DPEHPK3PXP");
        assert_eq!(
            uri,
            "otpauth://totp/Console%20des%20consentements:marie%2Bdpo%40example.org?secret=JBSWY3DPEHPK3PXP\
             &issuer=Console%20des%20consentements&algorithm=SHA1&digits=6&period=30"
        );
        let svg = qr_svg(&uri).unwrap();
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>") && !svg.contains("<script"), "{svg}");
    }
}
