//! The emails' words: the confirmation (double opt-in) and the manage link, French or English after the
//! submission's locale, plain text and HTML. The HTML part is written with maud: every value spliced into it is
//! escaped. Inline `style` attributes, as mail clients drop `<style>` blocks.

use crate::sites::Site;
use consent::Locale;
use lettre::Message;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use maud::{DOCTYPE, Markup, html};
use std::collections::BTreeMap;
use std::fmt::Write;

/// An email that cannot be built (an address lettre refuses).
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The recipient or sender address is not usable.
    #[error("unusable address")]
    Address,
    /// The message could not be assembled.
    #[error("cannot build the message: {0}")]
    Build(String),
}

/// A multipart (text + HTML) message, RFC 5322 bytes.
pub fn build(from: &str, to: &str, subject: &str, text: String, html: String) -> Result<Vec<u8>, MailError> {
    build_with(from, to, subject, text, html, None)
}

/// A file attached to an email: its name, MIME type and bytes.
#[derive(Debug, Clone)]
pub struct Attached {
    /// File name, as the recipient's mail client shows it.
    pub name: String,
    /// MIME type, e.g. `application/json`.
    pub content_type: &'static str,
    /// Contents.
    pub body: Vec<u8>,
}

/// A text + HTML message, with a file attached when one is given (`multipart/mixed` around the alternative).
pub fn build_with(
    from: &str,
    to: &str,
    subject: &str,
    text: String,
    html: String,
    attached: Option<Attached>,
) -> Result<Vec<u8>, MailError> {
    let from: Mailbox = from.parse().map_err(|_| MailError::Address)?;
    let to_box: Mailbox = to.parse().map_err(|_| MailError::Address)?;
    let part = |kind: ContentType, body: String| {
        // lettre picks the transfer encoding (quoted-printable or base64) that fits the text.
        SinglePart::builder().header(kind).body(body)
    };
    let alternative = MultiPart::alternative()
        .singlepart(part(ContentType::TEXT_PLAIN, text))
        .singlepart(part(ContentType::TEXT_HTML, html));
    let builder = Message::builder().from(from).to(to_box).subject(subject);
    let message = match attached {
        None => builder.multipart(alternative),
        Some(file) => {
            let kind = ContentType::parse(file.content_type).map_err(|e| MailError::Build(e.to_string()))?;
            builder.multipart(
                MultiPart::mixed().multipart(alternative).singlepart(Attachment::new(file.name).body(file.body, kind)),
            )
        }
    }
    .map_err(|e| MailError::Build(e.to_string()))?;
    Ok(message.formatted())
}

fn footer_text(site: &Site, locale: Locale) -> String {
    let c = site.config.controller();
    let line = match locale {
        Locale::Fr => "Responsable de traitement",
        Locale::En => "Data controller",
    };
    format!("--\n{line} : {}\n{}\n{}\n", c.name, c.address, c.email)
}

fn footer_html(site: &Site, locale: Locale) -> Markup {
    let c = site.config.controller();
    let line = match locale {
        Locale::Fr => "Responsable de traitement",
        Locale::En => "Data controller",
    };
    html! {
        hr;
        p style="color:#4b5563" { (line) "\u{a0}: " (c.name) br; (c.address) br; (c.email) }
    }
}

/// The HTML part: the message, then the controller's footer.
fn frame_html(site: &Site, locale: Locale, body: Markup) -> String {
    html! {
        (DOCTYPE)
        html lang=(locale.tag()) {
            head { meta charset="utf-8"; }
            body style="font-family:sans-serif;line-height:1.5;max-width:40rem" { (body) (footer_html(site, locale)) }
        }
    }
    .into_string()
}

/// A paragraph with a line, then a link to `url` showing `url`.
fn link_paragraph(line: &str, url: &str) -> Markup {
    html! { p { (line) br; a href=(url) { (url) } } }
}

/// The confirmation email of a new submission.
#[allow(clippy::too_many_arguments)]
pub fn confirmation(
    site: &Site,
    locale: Locale,
    from: &str,
    to: &str,
    first_name: Option<&str>,
    cta: &str,
    choices: &BTreeMap<String, bool>,
    submitted_at: i64,
    confirm_url: &str,
    manage_url: &str,
) -> Result<Vec<u8>, MailError> {
    let controller = &site.config.controller().name;
    let days = site.config.collector().confirm_within_days;
    // The link expires with the record, `days` after the submission: told as a date in the site's time zone.
    let until = site.config.time_zone().date_time(submitted_at + i64::from(days) * crate::clock::DAY_MS, locale);
    let accepted: Vec<String> = choices
        .iter()
        .filter(|(_, granted)| **granted)
        .filter_map(|(id, _)| site.config.purpose(id))
        .map(|p| p.label.get(locale).to_owned())
        .collect();
    let service = site.config.cta(cta).and_then(|c| c.service.as_ref()).map(|s| s.get(locale).to_owned());
    let (subject, hello, asked, none, confirm, ignore, manage) = match locale {
        Locale::Fr => (
            format!("Confirmez votre demande — {controller}"),
            "Bonjour",
            format!("Vous avez donné votre consentement à {controller} pour\u{a0}:"),
            "Vous n'avez coché aucune finalité.".to_owned(),
            format!("Pour le confirmer, suivez ce lien (valable jusqu'au {until})\u{a0}:"),
            format!(
                "Si vous n'êtes pas à l'origine de cette demande, ignorez ce message\u{a0}: elle sera effacée \
                 dans {days}\u{a0}jours."
            ),
            "Pour voir, modifier ou retirer vos choix, télécharger ou effacer vos données, à tout moment\u{a0}:",
        ),
        Locale::En => (
            format!("Confirm your request — {controller}"),
            "Hello",
            format!("You gave {controller} your consent for:"),
            "You ticked no purpose.".to_owned(),
            format!("To confirm it, follow this link (valid until {until}):"),
            format!("If you did not make this request, ignore this message: it will be deleted in {days} days."),
            "To see, change or withdraw your choices, download or erase your data, at any time:",
        ),
    };
    let greeting = match first_name.map(str::trim).filter(|n| !n.is_empty()) {
        Some(name) => format!("{hello} {name},"),
        None => format!("{hello},"),
    };
    let mut text = format!("{greeting}\n\n");
    if accepted.is_empty() {
        let _ = writeln!(text, "{none}");
    } else {
        let _ = writeln!(text, "{asked}");
        for label in &accepted {
            let _ = writeln!(text, "- {label}");
        }
    }
    if let Some(service) = &service {
        let _ = writeln!(text, "\n{service}.");
    }
    let _ = write!(text, "\n{confirm}\n{confirm_url}\n\n{ignore}\n\n{manage}\n{manage_url}\n\n");
    text.push_str(&footer_text(site, locale));
    let html = html! {
        p { (greeting) }
        @if accepted.is_empty() {
            p { (none) }
        } @else {
            p { (asked) }
            ul { @for label in &accepted { li { (label) } } }
        }
        @if let Some(service) = &service { p { (service) "." } }
        (link_paragraph(&confirm, confirm_url))
        p { (ignore) }
        (link_paragraph(manage, manage_url))
    };
    build(from, to, &subject, text, frame_html(site, locale, html))
}

/// The email to a new address asked for on the manage page: the link that makes it the subject's address,
/// working until `valid_until` (Unix ms); ignoring it changes nothing.
pub fn address_change(
    site: &Site,
    locale: Locale,
    from: &str,
    to: &str,
    address_url: &str,
    valid_until: i64,
) -> Result<Vec<u8>, MailError> {
    let controller = &site.config.controller().name;
    let until = site.config.time_zone().date_time(valid_until, locale);
    let (subject, body, ignore) = match locale {
        Locale::Fr => (
            format!("Confirmez votre nouvelle adresse — {controller}"),
            format!(
                "Vous avez demandé que cette adresse remplace la précédente. Suivez ce lien pour le confirmer \
                 (valable jusqu'au {until})\u{a0}:"
            ),
            "Si vous n'avez rien demandé, ignorez ce message\u{a0}: rien ne sera changé.",
        ),
        Locale::En => (
            format!("Confirm your new address — {controller}"),
            format!(
                "You asked for this address to replace your previous one. Follow this link to confirm (valid until {until}):"
            ),
            "If you did not ask for this, ignore this message: nothing will change.",
        ),
    };
    let text = format!("{body}\n{address_url}\n\n{ignore}\n\n{}", footer_text(site, locale));
    let html = html! { (link_paragraph(&body, address_url)) p { (ignore) } };
    build(from, to, &subject, text, frame_html(site, locale, html))
}

/// The email to the previous address once a new one confirmed: what happened, whom to write to if it was not
/// them, and a manage link (which reaches the data, not the new address).
pub fn address_changed(
    site: &Site,
    locale: Locale,
    from: &str,
    to: &str,
    manage_url: &str,
) -> Result<Vec<u8>, MailError> {
    let controller = site.config.controller();
    let (subject, body, manage) = match locale {
        Locale::Fr => (
            format!("Votre adresse a été changée — {controller_name}", controller_name = controller.name),
            format!(
                "Une nouvelle adresse électronique a été confirmée pour vos données\u{a0}; nos messages n'arriveront \
                 plus ici. Si vous n'êtes pas à l'origine de ce changement, écrivez à {}.",
                controller.email
            ),
            "Vos données et vos consentements\u{a0}:",
        ),
        Locale::En => (
            format!("Your address was changed — {controller_name}", controller_name = controller.name),
            format!(
                "A new email address was confirmed for your data; our messages will no longer come here. If you did \
                 not ask for this, write to {}.",
                controller.email
            ),
            "Your data and your consents:",
        ),
    };
    let text = format!("{body}\n\n{manage}\n{manage_url}\n\n{}", footer_text(site, locale));
    let html = html! { p { (body) } (link_paragraph(manage, manage_url)) };
    build(from, to, &subject, text, frame_html(site, locale, html))
}

/// The email answering `POST /v1/access`: a fresh manage link, working until `valid_until` (Unix ms).
pub fn manage_link(
    site: &Site,
    locale: Locale,
    from: &str,
    to: &str,
    manage_url: &str,
    valid_until: i64,
) -> Result<Vec<u8>, MailError> {
    let controller = &site.config.controller().name;
    let until = site.config.time_zone().date_time(valid_until, locale);
    let (subject, body) = match locale {
        Locale::Fr => (
            format!("Gérer vos données — {controller}"),
            format!(
                "Voici le lien pour voir, modifier ou retirer vos consentements, télécharger ou effacer vos données \
                 (valable jusqu'au {until})\u{a0}:"
            ),
        ),
        Locale::En => (
            format!("Manage your data — {controller}"),
            format!(
                "Here is the link to see, change or withdraw your consents, download or erase your data (valid \
                 until {until}):"
            ),
        ),
    };
    let text = format!("{body}\n{manage_url}\n\n{}", footer_text(site, locale));
    build(from, to, &subject, text, frame_html(site, locale, link_paragraph(&body, manage_url)))
}

/// The answer to an access request (art. 15) sent from the staff console: the summary of everything held in the
/// body, French first then English, and the manage page's JSON download attached.
pub fn access_export(
    site: &Site,
    from: &str,
    to: &str,
    file: &crate::ledger::SubjectFile,
    document: &serde_json::Value,
) -> Result<Vec<u8>, MailError> {
    let (subject, text, body) = crate::subject_data::summary(file, site);
    let text = format!("{text}\n{}", footer_text(site, Locale::Fr));
    let json = serde_json::to_vec_pretty(document).map_err(|e| MailError::Build(e.to_string()))?;
    let attached =
        Attached { name: crate::subject_data::FILE_NAME.to_owned(), content_type: "application/json", body: json };
    build_with(from, to, &subject, text, frame_html(site, Locale::Fr, body), Some(attached))
}
