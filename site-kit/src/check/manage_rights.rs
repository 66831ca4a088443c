//! `rights`: every right the privacy page says alumni can exercise "through the manage link" must be offered on
//! the collector's manage page. The page (collector/src/routes/manage.rs) shows the data held and the history
//! (access, art. 15), corrects the subject's details (rectification, art. 16), changes each purpose and withdraws
//! everything (objection, art. 21, and withdrawal, art. 7(3)), downloads everything as JSON (portability, art. 20)
//! and erases (art. 17). [`MANAGE_PAGE_OFFERS`] says so in one place: when the manage page gains a right, add its
//! article here.

use super::{Finding, Severity};

/// GDPR articles of the rights the manage page offers.
pub const MANAGE_PAGE_OFFERS: [u32; 5] = [15, 16, 17, 20, 21];

/// The data subject's rights of GDPR chapter III, by article, as the messages name them.
const RIGHTS: [(u32, &str); 6] = [
    (15, "the right of access"),
    (16, "the right of rectification"),
    (17, "the right to erasure"),
    (18, "the right to restriction of processing"),
    (20, "the right to data portability"),
    (21, "the right to object"),
];

/// What marks the sentence that sends alumni to the manage link, in each language of the notice.
const MANAGE_LINK: [&str; 2] = ["lien de gestion", "manage link"];

/// Findings for the visible text of the built privacy page; `file` and `line` point at the notice settings.
pub fn lint(text: &str, file: &str, line: usize, controller_email: &str) -> Vec<Finding> {
    let mut promised: Vec<u32> = Vec::new();
    for paragraph in text.lines() {
        let lower = paragraph.to_lowercase();
        if !MANAGE_LINK.iter().any(|m| lower.contains(m)) {
            continue;
        }
        for article in articles(&lower) {
            if !promised.contains(&article) {
                promised.push(article);
            }
        }
    }
    promised.sort_unstable();
    promised
        .into_iter()
        .filter(|a| !MANAGE_PAGE_OFFERS.contains(a))
        .filter_map(|a| RIGHTS.iter().find(|(n, _)| *n == a))
        .map(|(article, right)| Finding {
            severity: Severity::Warning,
            rule: "rights",
            file: file.to_owned(),
            line,
            column: 1,
            message: format!(
                "the privacy page promises {} (art. {article}) through the manage link, which does not offer it",
                right
            ),
            law: format!(
                "GDPR art. 12(1) and 13(2)(b): the notice tells alumni truthfully how to exercise each right; art. 12(3): a request is answered within one month — until the manage page offers art. {article}, requests come by email"
            ),
            fix: format!(
                "answer requests under art. {article} written to {controller_email} within one month; the rights paragraph is the kit's wording, not consent.toml's: nothing to change there"
            ),
        })
        .collect()
}

/// The article numbers written `art. N` in `text`.
fn articles(text: &str) -> Vec<u32> {
    text.match_indices("art. ")
        .filter_map(|(at, m)| {
            let digits: String = text[at + m.len()..].chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_manage_link_sentence_counts() {
        let text = "Vous disposez des droits d'accès (art. 15) et à la limitation (art. 18). Vous pouvez les exercer \
                    depuis le lien de gestion.\nSur demande écrite : opposition (art. 21).";
        let found = lint(text, "consent.toml", 3, "a@b.fr");
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            found[0].message,
            "the privacy page promises the right to restriction of processing (art. 18) through the manage link, which does not offer it"
        );
        assert!(lint("You can exercise them through the manage link (art. 15, art. 20).", "c", 1, "a").is_empty());
    }
}
