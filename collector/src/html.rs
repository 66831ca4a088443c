//! Server-rendered HTML: the page frame shared by the confirmation and manage pages, written with maud, whose
//! `( … )` splices escape every value (text and attributes alike), so escaping is never a per-call decision. No
//! JavaScript; the styles are inline (the pages' CSP allows `style-src 'unsafe-inline'` and nothing else) and
//! follow the widget's CSS custom properties.

use consent::Locale;
use maud::{DOCTYPE, Markup, PreEscaped, html};

/// Escapes text for HTML element content and quoted attribute values (`& < > " '`), for the pages still built
/// from strings ([`page`]).
pub fn escape(text: &str) -> String {
    html_escape::encode_quoted_attribute(text).into_owned()
}

const STYLE: &str = "
:root{--ac-accent:#1d4ed8;--ac-text:#111827;--ac-muted:#4b5563;--ac-bg:#ffffff;--ac-border:#d1d5db;--ac-radius:.5rem}
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;color:var(--ac-text);background:var(--ac-bg);
max-width:42rem;margin:2rem auto;padding:0 1rem;line-height:1.5}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem}
fieldset{border:1px solid var(--ac-border);border-radius:var(--ac-radius);padding:1rem}
label{display:block;margin:.5rem 0}input[type=checkbox]{width:1.2rem;height:1.2rem;margin-right:.5rem}
button{font:inherit;padding:.6rem 1.2rem;border-radius:var(--ac-radius);border:2px solid var(--ac-accent);
background:var(--ac-accent);color:#fff;cursor:pointer;margin:.5rem .5rem .5rem 0}
button.secondary{background:#fff;color:var(--ac-accent)}button.danger{background:#b91c1c;border-color:#b91c1c}
button:focus-visible,a:focus-visible,input:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}
a{color:var(--ac-accent)}.muted{color:var(--ac-muted)}
.notice{border-left:4px solid var(--ac-accent);padding:.5rem 1rem;background:#eff6ff}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.4rem;border-bottom:1px solid var(--ac-border)}
";

/// A full page in `locale`: `title` and `body`.
pub fn frame(locale: Locale, title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(locale.tag()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="robots" content="noindex";
                meta name="referrer" content="no-referrer";
                title { (title) }
                // A constant of this file, not a value: spliced as is.
                style { (PreEscaped(STYLE)) }
            }
            body { main { (body) } }
        }
    }
}

/// A full page around `body`, HTML already escaped by its caller (the pages not yet written with maud).
pub fn page(locale: Locale, title: &str, body: &str) -> String {
    frame(locale, title, PreEscaped(body.to_owned())).into_string()
}

/// The other language of the pages (a message in the page's language is followed by this one's).
pub fn other(locale: Locale) -> Locale {
    match locale {
        Locale::Fr => Locale::En,
        Locale::En => Locale::Fr,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(escape("<img src=x onerror=alert(1)>"), "&lt;img src=x onerror=alert(1)&gt;");
        assert_eq!(escape("a\"b'c&"), "a&quot;b&#x27;c&amp;");
    }

    #[test]
    fn the_frame_escapes_its_title_and_keeps_its_style() {
        let page = frame(Locale::En, "<b>\"x\" & y</b>", html! { p { "<i>" } }).into_string();
        assert!(page.starts_with("<!DOCTYPE html><html lang=\"en\">"), "{page}");
        assert!(page.contains("<title>&lt;b&gt;&quot;x&quot; &amp; y&lt;/b&gt;</title>"), "{page}");
        assert!(page.contains("<p>&lt;i&gt;</p>") && page.contains("font-family:system-ui,-apple-system,'Segoe UI'"));
    }
}
