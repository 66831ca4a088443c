//! French typography: a non-breaking space before « : » and a narrow one before « ; ! ? », and non-breaking
//! spaces inside guillemets, so that punctuation never starts a line.

/// Non-breaking space, before a colon and inside guillemets.
const NBSP: char = '\u{a0}';
/// Narrow non-breaking space, before `;`, `!` and `?`.
const NNBSP: char = '\u{202f}';

/// Applies French spacing to a text (not to code or URLs: callers pass only prose).
pub fn french(text: &str) -> String {
    if !text.bytes().any(|b| matches!(b, b':' | b';' | b'!' | b'?')) && !text.contains(['«', '»']) {
        return text.to_owned();
    }
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + 8);
    for (i, &c) in chars.iter().enumerate() {
        let next = chars.get(i + 1).copied();
        let prev = if i > 0 { chars.get(i - 1).copied() } else { None };
        match c {
            ' ' if matches!(next, Some(':')) => {
                // Keep "http ://" out of it: a colon followed by `//` is a URL, not punctuation.
                if chars.get(i + 2) == Some(&'/') { out.push(' ') } else { out.push(NBSP) }
            }
            ' ' if matches!(next, Some(';' | '!' | '?')) => out.push(NNBSP),
            ' ' if matches!(next, Some('»')) => out.push(NBSP),
            ' ' if matches!(prev, Some('«')) => out.push(NBSP),
            '«' if next.is_some_and(|n| !n.is_whitespace()) => {
                out.push('«');
                out.push(NBSP);
            }
            '»' if prev.is_some_and(|p| !p.is_whitespace()) => {
                out.push(NBSP);
                out.push('»');
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spaces_become_non_breaking() {
        assert_eq!(french("Rejoignez-nous !"), "Rejoignez-nous\u{202f}!");
        assert_eq!(
            french("Pourquoi ? Parce que : voilà ; fin"),
            "Pourquoi\u{202f}? Parce que\u{a0}: voilà\u{202f}; fin"
        );
        assert_eq!(french("« Le réseau »"), "«\u{a0}Le réseau\u{a0}»");
        assert_eq!(french("«Le réseau»"), "«\u{a0}Le réseau\u{a0}»");
        assert_eq!(french("voir https://a.fr/x?y=1"), "voir https://a.fr/x?y=1");
        assert_eq!(french("Heure: 18h"), "Heure: 18h", "no space, nothing added");
    }
}
