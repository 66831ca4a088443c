//! The one-click unsubscribe headers every message that can be refused carries (campaigns, the profile reminder).

use lettre::message::MessageBuilder;
use lettre::message::header::{HeaderName, HeaderValue};

/// Adds `List-Unsubscribe: <url>` and `List-Unsubscribe-Post: List-Unsubscribe=One-Click` to `message`.
///
/// RFC 2369 + RFC 8058: mail clients show an "unsubscribe" button that POSTs `List-Unsubscribe=One-Click` to the
/// https link, with no cookie and no page in between; a GET of it (a link scanner) must change nothing.
pub fn list_unsubscribe(message: MessageBuilder, url: &str) -> MessageBuilder {
    message
        .raw_header(HeaderValue::new(HeaderName::new_from_ascii_str("List-Unsubscribe"), format!("<{url}>")))
        .raw_header(HeaderValue::new(
            HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
            "List-Unsubscribe=One-Click".to_owned(),
        ))
}

/// Whether a one-click POST came from our own confirmation page's button (`via=page`) rather than a mail client.
pub fn posted_from_page(form: &str) -> bool {
    form.split('&').any(|pair| pair == "via=page")
}
