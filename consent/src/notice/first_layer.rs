//! The first layer: the short mention under the boxes (WP260 §36), in the wording of French practice.

use super::markdown::join_words;
use crate::config::Config;
use crate::locale::Locale;
use crate::regime::LegalBasis;
use crate::vocabulary::DataCategory;
use std::collections::BTreeSet;

/// Plain text; the widget shows it as is, escaped.
pub(super) fn render(config: &Config, locale: Locale) -> String {
    let controller = &config.controller().name;
    let consented: Vec<_> = config.purposes().iter().filter(|p| p.basis == LegalBasis::OptIn).collect();
    let purposes: Vec<String> = consented.iter().map(|p| lower_first(p.label.get(locale))).collect();
    let data: BTreeSet<DataCategory> = consented.iter().flat_map(|p| p.data.iter().copied()).collect();
    let data: Vec<String> = data.iter().map(|d| d.label(locale).to_owned()).collect();
    match locale {
        Locale::Fr => format!(
            "{controller} traite les données recueillies ({data}) pour les finalités que vous cochez\u{a0}: {purposes}. \
             Chaque case est facultative et vous pouvez retirer votre consentement à tout moment, aussi simplement \
             que vous l'avez donné, grâce au lien présent dans chaque courriel.\n\n\
             Vous disposez d'un droit d'accès, de rectification, d'effacement, de limitation, d'opposition et de \
             portabilité, et du droit d'introduire une réclamation auprès de la {authority}. Pour en savoir plus sur \
             la gestion de vos données personnelles et pour exercer vos droits, reportez-vous à la politique de \
             confidentialité.",
            data = join_words(&data, "et"),
            purposes = join_words(&purposes, "et"),
            authority = config.notice().complaint_authority,
        ),
        Locale::En => format!(
            "{controller} processes the data collected ({data}) for the purposes you tick: {purposes}. \
             Every box is optional and you may withdraw your consent at any time, as easily as you gave it, \
             through the link in every email.\n\n\
             You have the rights of access, rectification, erasure, restriction, objection and portability, and \
             the right to lodge a complaint with the {authority}. To learn more about how your personal data are \
             handled and to exercise your rights, see the privacy policy.",
            data = join_words(&data, "and"),
            purposes = join_words(&purposes, "and"),
            authority = config.notice().complaint_authority,
        ),
    }
}

fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}
