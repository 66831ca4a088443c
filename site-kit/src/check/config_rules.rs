//! Rules on `consent.toml`: its validation errors, explained, and what validation accepts but practice advises
//! against.

use super::toml_place::{Places, Step};
use super::{Finding, Severity};
use consent::config::Mismatch;
use consent::vocabulary::DataCategory;
use consent::{Config, ConfigError, Locale, Regime};

/// One finding per diagnostic of a failed validation, classified by rule.
pub fn from_error(err: &ConfigError) -> Vec<Finding> {
    err.diagnostics
        .iter()
        .map(|d| {
            let (rule, law) = classify(&d.message);
            Finding {
                severity: Severity::Error,
                rule,
                file: d.file.clone(),
                line: d.line,
                column: d.column,
                message: d.message.clone(),
                law: law.to_owned(),
                fix: d.hint.clone().unwrap_or_else(|| "see consent.schema.json for the expected shape".to_owned()),
            }
        })
        .collect()
}

fn classify(message: &str) -> (&'static str, &'static str) {
    if message.contains("unknown field `default`") {
        (
            "pre-ticked",
            "GDPR art. 4(11) and 7, CJEU C-673/17 Planet49: consent is a positive act; a pre-ticked box is not consent",
        )
    } else if message.contains("soft opt-in") || message.contains("regime") {
        (
            "regime",
            "CPCE art. L.34-5: only a school (or an association it mainly funds) may write to its graduates about \
             analogous services without consent; an autonomous association needs prior opt-in for every purpose",
        )
    } else if message.starts_with("purpose") || message.contains("[[purposes]]") {
        (
            "purpose",
            "GDPR art. 5(1)(b) and (e), 13(1)(c) and (e), 13(2)(a): each purpose states its operations, data, \
             recipients and retention period",
        )
    } else if message.starts_with("CTA") || message.contains("[[ctas]]") {
        ("cta", "GDPR art. 4(11): consent is specific; a call to action may only offer declared purposes, one box each")
    } else if message.contains("[controller]") || message.contains("controller.") || message.contains("[dpo]") {
        (
            "controller",
            "GDPR art. 13(1)(a) and (b): the notice gives the controller's identity and contact details, and the DPO's",
        )
    } else {
        ("config", "the notice (GDPR art. 13) and the widget are rendered from consent.toml, which must be valid")
    }
}

/// 1-based line of the first line of `src` that starts with `prefix` (after spaces), or 1.
pub fn line_of(src: &str, prefix: &str) -> usize {
    src.lines().position(|l| l.trim_start().starts_with(prefix)).map_or(1, |i| i + 1)
}

/// Lints a valid configuration.
pub fn lint(config: &Config, src: &str, file: &str) -> Vec<Finding> {
    let mut out = Vec::new();
    let regime = config.controller().regime;
    out.push(Finding {
        severity: Severity::Info,
        rule: "regime",
        file: file.to_owned(),
        line: line_of(src, "regime"),
        column: 1,
        message: format!("regime `{}`: {}", regime_key(regime), regime.explain_fr()),
        law: regime.explain_en().to_owned(),
        fix: "nothing to fix; change `regime` if this does not describe who collects the data".to_owned(),
    });
    if config.dpo().is_none() {
        let public = regime.school_is_controller();
        out.push(Finding {
            severity: Severity::Warning,
            rule: "dpo",
            file: file.to_owned(),
            line: line_of(src, "[controller]"),
            column: 1,
            message: "no `[dpo]`: the privacy page gives no data protection officer".to_owned(),
            law: if public {
                "GDPR art. 37(1)(a): a public school must designate a DPO, and art. 13(1)(b) asks for their contact".to_owned()
            } else {
                "GDPR art. 13(1)(b): when a DPO is designated, the notice gives their contact; CNIL advises associations to name a referent".to_owned()
            },
            fix: "add `[dpo]` with `name` and `email`".to_owned(),
        });
    }
    if !config.notice().privacy_url.starts_with('/') {
        out.push(Finding {
            severity: Severity::Warning,
            rule: "privacy-url",
            file: file.to_owned(),
            line: line_of(src, "privacy_url"),
            column: 1,
            message: format!(
                "`privacy_url = \"{}\"` is not a page of this site: site-kit writes the notice to /confidentialite/",
                config.notice().privacy_url
            ),
            law: "GDPR art. 12(1): the notice is easily accessible; the first layer links to the page that holds it"
                .to_owned(),
            fix: "use a site path such as `privacy_url = \"/confidentialite/\"`".to_owned(),
        });
    }
    for p in config.purposes() {
        if !p.label.has(Locale::En) {
            out.push(english(file, line_of(src, &format!("id = \"{}\"", p.id)), &format!("purpose `{}`", p.id)));
        }
    }
    for c in config.ctas() {
        if !c.label.has(Locale::En) {
            out.push(english(file, line_of(src, &format!("id = \"{}\"", c.id)), &format!("CTA `{}`", c.id)));
        }
    }
    let places = Places::new(src);
    out.extend(config.minimisation().iter().map(|m| minimisation(m, &places, src, file)));
    out
}

const MINIMISATION_LAW: &str = "GDPR art. 5(1)(c) and 13(1)(c): only the data a purpose needs are collected, and the notice lists, for each purpose, the data actually collected";

/// A gap between the notice and the form, located in `consent.toml`.
fn minimisation(m: &Mismatch, places: &Places<'_>, src: &str, file: &str) -> Finding {
    let described = |c: &DataCategory| format!("`{}` ({})", c.key(), c.label(Locale::Fr));
    let field_place = |id: &str, key: &'static str| match places.index_of("fields", id) {
        Some(i) => places.at(&[Step::Key("fields"), Step::Index(i), Step::Key(key)]),
        // One of the five default fields, not written in the file: point at the purposes.
        None => (line_of(src, "[[purposes]]"), 1),
    };
    let (severity, rule, (line, column), message, law, fix) = match m {
        Mismatch::UncollectedCategory { purpose, purpose_index, category } => (
            Severity::Error,
            "minimisation",
            places.at(&[
                Step::Key("purposes"),
                Step::Index(*purpose_index),
                Step::Key("data"),
                Step::Item(category.key()),
            ]),
            format!(
                "purpose `{purpose}` declares {}, but no field of the form collects it: the notice claims data you do not collect",
                described(category)
            ),
            MINIMISATION_LAW.to_owned(),
            format!(
                "remove `{key}` from the `data` of purpose `{purpose}`, or collect it: `[[fields]]` with `id`, `label` and `data = \"{key}\"`",
                key = category.key()
            ),
        ),
        Mismatch::UndeclaredCategory { field, category } => (
            Severity::Error,
            "minimisation",
            field_place(field.as_str(), "data"),
            format!(
                "field `{field}` collects {}, but no purpose declares it: the notice does not say why it is collected",
                described(category)
            ),
            MINIMISATION_LAW.to_owned(),
            format!(
                "add `{}` to the `data` of the purposes that use it, or remove the field `{field}`",
                category.key()
            ),
        ),
        Mismatch::FieldWithoutCategory { field } => (
            Severity::Error,
            "minimisation",
            field_place(field.as_str(), "id"),
            format!(
                "field `{field}` does not say which data category it collects: the notice cannot be checked against it"
            ),
            MINIMISATION_LAW.to_owned(),
            format!(
                "add e.g. `data = \"career\"` to the field (one of {})",
                DataCategory::ALL.map(DataCategory::key).join(", ")
            ),
        ),
        Mismatch::RequiredBeyondService { cta, cta_index, field, needs_declared } => {
            let key = if *needs_declared { "needs" } else { "service" };
            let message = if *needs_declared {
                format!("CTA `{cta}` (a service) requires the field `{field}`, which its `needs` does not list")
            } else {
                format!(
                    "CTA `{cta}` (a service) requires the field `{field}` but does not say which fields its service needs"
                )
            };
            (
                Severity::Warning,
                "service-fields",
                places.at(&[Step::Key("ctas"), Step::Index(*cta_index), Step::Key(key)]),
                message,
                "GDPR art. 5(1)(c) and 7(4): the boxes of a service CTA are optional, so only the service can justify a required field; requiring more makes the service conditional on data it does not need".to_owned(),
                format!(
                    "if the service needs it, list it: `needs = [\"{field}\", \"email\", …]` under the CTA; otherwise make it optional: `[[fields]]` with `id = \"{field}\"` and `required = false`"
                ),
            )
        }
    };
    Finding { severity, rule, file: file.to_owned(), line, column, message, law, fix }
}

fn english(file: &str, line: usize, what: &str) -> Finding {
    Finding {
        severity: Severity::Warning,
        rule: "english",
        file: file.to_owned(),
        line,
        column: 1,
        message: format!("{what} has no English label: English readers see the French text"),
        law: "GDPR art. 12(1): information in clear and plain language the reader understands; the kit shows French first, English second".to_owned(),
        fix: "write the label as `{ fr = \"…\", en = \"…\" }`".to_owned(),
    }
}

fn regime_key(regime: Regime) -> &'static str {
    match regime {
        Regime::School => "school",
        Regime::AssociationUnderSchool => "association-under-school",
        Regime::Association => "association",
    }
}
