//! Which URLs an article may link to or show: `http`, `https`, `mailto`, `tel`, relative and fragment URLs, and
//! for images also `data:` raster images. Everything else (`javascript:`, `vbscript:`, `data:text/html`, `file:`,
//! …) is refused: the widget sits in an open shadow root on the same page, so a script run from an article could
//! tick its boxes.
//!
//! The scheme is read the way a browser reads it (WHATWG URL parsing): leading and trailing controls and spaces
//! are dropped and tabs and newlines removed anywhere, case is ignored. Character references
//! (`&#106;avascript:`) are already decoded by the Markdown parser.

/// Where a URL is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlUse {
    /// `href` of a link.
    Link,
    /// `src` of an image.
    Image,
}

const SCHEMES: [&str; 4] = ["http", "https", "mailto", "tel"];

/// `data:` images a browser shows without running anything. SVG is left out: opened on its own, it is a document
/// that can hold scripts.
const DATA_IMAGES: [&str; 6] = ["image/png", "image/jpeg", "image/gif", "image/webp", "image/avif", "image/bmp"];

/// The scheme (lowercase) that makes `url` refused for `usage`, or `None` when the URL is allowed.
pub fn refused_scheme(url: &str, usage: UrlUse) -> Option<String> {
    let cleaned: String =
        url.trim_matches(|c: char| c <= ' ').chars().filter(|c| !matches!(c, '\t' | '\n' | '\r')).collect();
    let scheme = scheme_of(&cleaned)?;
    if SCHEMES.contains(&scheme.as_str()) {
        return None;
    }
    if scheme == "data" && usage == UrlUse::Image {
        let rest = &cleaned[scheme.len() + 1..];
        let mime = rest.split([';', ',']).next().unwrap_or("").trim().to_ascii_lowercase();
        if DATA_IMAGES.contains(&mime.as_str()) {
            return None;
        }
    }
    Some(scheme)
}

/// A URL's scheme, lowercase: an ASCII letter, then letters, digits, `+`, `-` or `.`, up to `:`. `None` for a
/// relative URL (a `/`, `?` or `#` or any other character comes first).
fn scheme_of(url: &str) -> Option<String> {
    let (head, _) = url.split_once(':')?;
    let mut chars = head.chars();
    let first = chars.next()?;
    let valid = first.is_ascii_alphabetic() && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    valid.then(|| head.to_ascii_lowercase())
}

/// The fix to suggest for a refused URL.
pub fn hint(usage: UrlUse) -> &'static str {
    match usage {
        UrlUse::Link => {
            "link to a page (`https://…`, `/slug/`, `#section`), an address (`mailto:…`) or a number (`tel:…`); \
             to offer a script, ship it in the theme, not in an article"
        }
        UrlUse::Image => {
            "show an image of static/ (`/images/x.jpg`) or an `https://` address; `data:` is accepted only for \
             PNG, JPEG, GIF, WebP, AVIF and BMP images"
        }
    }
}

/// What the refused URL is, for the message: ``link to a `javascript:` URL``.
pub fn describe(scheme: &str, usage: UrlUse) -> String {
    let what = match usage {
        UrlUse::Link => "link to",
        UrlUse::Image => "image from",
    };
    format!("{what} a `{scheme}:` URL")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_scheme_like_a_browser() {
        for url in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            " \u{1}javascript:alert(1)",
            "java\tscr\nipt:alert(1)",
            "\u{0}javascript:x",
        ] {
            assert_eq!(refused_scheme(url, UrlUse::Link).as_deref(), Some("javascript"), "{url:?}");
        }
        assert_eq!(refused_scheme("vbscript:x", UrlUse::Image).as_deref(), Some("vbscript"));
        assert_eq!(refused_scheme("data:text/html,x", UrlUse::Image).as_deref(), Some("data"));
        assert_eq!(refused_scheme("data:image/png;base64,x", UrlUse::Link).as_deref(), Some("data"));
        assert_eq!(refused_scheme("data: Image/PNG ;base64,x", UrlUse::Image), None);
        assert_eq!(refused_scheme("data:image/svg+xml,x", UrlUse::Image).as_deref(), Some("data"));
        for url in
            ["https://a.fr/", "HTTP://a.fr", "mailto:a@b.fr", "tel:+33", "/a/", "../b:c", "#x", "?a=b:c", "//a.fr"]
        {
            assert_eq!(refused_scheme(url, UrlUse::Link), None, "{url:?}");
        }
        // Not a scheme for a browser either: these are relative paths.
        assert_eq!(refused_scheme("java%73cript:x", UrlUse::Link), None);
        assert_eq!(refused_scheme("\u{a0}javascript:x", UrlUse::Link), None);
        assert_eq!(refused_scheme("1javascript:x", UrlUse::Link), None);
    }
}
