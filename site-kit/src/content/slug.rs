//! URL slugs: « L'école recherche ses anciens » → `l-ecole-recherche-ses-anciens`.

/// A lowercase ASCII slug of `text`: accents folded, everything else a single `-`.
pub fn slugify(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut dash = false;
    for c in text.chars().flat_map(char::to_lowercase) {
        let folded = fold(c);
        for f in folded.chars() {
            if f.is_ascii_alphanumeric() {
                if dash && !out.is_empty() {
                    out.push('-');
                }
                dash = false;
                out.push(f);
            } else {
                dash = true;
            }
        }
    }
    out
}

fn fold(c: char) -> &'static str {
    match c {
        'à' | 'á' | 'â' | 'ä' | 'ã' | 'å' => "a",
        'ç' => "c",
        'è' | 'é' | 'ê' | 'ë' => "e",
        'ì' | 'í' | 'î' | 'ï' => "i",
        'ñ' => "n",
        'ò' | 'ó' | 'ô' | 'ö' | 'õ' => "o",
        'ù' | 'ú' | 'û' | 'ü' => "u",
        'ý' | 'ÿ' => "y",
        'æ' => "ae",
        'œ' => "oe",
        'ß' => "ss",
        c if c.is_ascii_alphanumeric() => ascii(c),
        _ => " ",
    }
}

fn ascii(c: char) -> &'static str {
    const TABLE: &str = "0123456789abcdefghijklmnopqrstuvwxyz";
    match TABLE.find(c) {
        Some(i) => &TABLE[i..i + 1],
        None => " ",
    }
}

/// Whether `slug` is already a valid slug.
pub fn is_slug(slug: &str) -> bool {
    !slug.is_empty() && slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_titles_fold() {
        assert_eq!(slugify("L'école recherche ses anciens"), "l-ecole-recherche-ses-anciens");
        assert_eq!(slugify("  Portrait : Zoé Œuvray — promo 2012 !"), "portrait-zoe-oeuvray-promo-2012");
        assert!(is_slug("a-b-2"));
        assert!(!is_slug("A b"));
    }
}
