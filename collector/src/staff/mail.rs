//! The console's emails: the one-time link that sets a password (invitation) or chooses a new one (reset),
//! French first, English below. Sent at once through the collector's transport, outside the consent mail
//! queue; without `--smtp` or `--outbox` nothing is sent and the console shows the link instead.

use super::accounts::Account;
use crate::AppState;
use crate::mail::MailTransport;
use crate::mail::compose::build;
use maud::html;

/// The subject, text and HTML of a link email.
pub fn compose(url: &str, purpose: &str) -> (String, String, String) {
    let (subject, fr, en) = if purpose == "invite" {
        (
            "Votre compte sur la console des consentements / Your consent console account",
            "Un compte a été créé pour vous sur la console des consentements. Choisissez votre mot de passe \
             (lien valable 7 jours, à usage unique) :",
            "An account was created for you on the consent console. Choose your password (link valid 7 days, \
             single use):",
        )
    } else {
        (
            "Nouveau mot de passe / New password — console des consentements",
            "Pour choisir un nouveau mot de passe, suivez ce lien (valable une heure, à usage unique). Si vous \
             n’avez rien demandé, ignorez ce message : votre mot de passe reste le même.",
            "To choose a new password, follow this link (valid one hour, single use). If you did not ask, ignore \
             this message: your password stays the same.",
        )
    };
    let text = format!("{fr}\n{url}\n\n{en}\n{url}\n");
    let body = html! {
        p { (fr) br; a href=(url) { (url) } }
        p lang="en" { (en) br; a href=(url) { (url) } }
    };
    let page = html! {
        (maud::DOCTYPE)
        html lang="fr" { head { meta charset="utf-8"; } body style="font-family:sans-serif;line-height:1.5;max-width:40rem" { (body) } }
    };
    (subject.to_owned(), text, page.into_string())
}

/// Sends a link email through `transport`; whether it left.
pub async fn send_with(transport: &MailTransport, from: &str, to: &str, url: &str, purpose: &str) -> bool {
    let (subject, text, html) = compose(url, purpose);
    let message = match build(from, to, &subject, text, html) {
        Ok(message) => message,
        Err(e) => {
            tracing::warn!(error = %e, "staff link email not composed");
            return false;
        }
    };
    match transport.send_now(to, &message).await {
        Ok(()) => true,
        Err(e) => {
            tracing::warn!(error = %e, "staff link email not sent");
            false
        }
    }
}

/// Emails `account` its link when the console has a transport; whether it was sent.
pub async fn send_link(state: &AppState, account: &Account, url: &str, purpose: &str) -> bool {
    let Some((transport, from)) = state.staff_db.as_ref().and_then(|db| db.mailer()) else { return false };
    if !transport.is_configured() {
        return false;
    }
    send_with(transport, from, &account.email, url, purpose).await
}
