//! The second layer: the privacy policy, every GDPR art. 13 item, as CommonMark.

use super::markdown::{escape, join_words};
use crate::config::{Config, Purpose};
use crate::locale::Locale;
use crate::regime::{LegalBasis, Regime};
use crate::vocabulary::{DataCategory, Recipient};
use std::collections::BTreeSet;
use std::fmt::Write;

/// The words of one locale, kept together so that a translation is one block.
struct Words {
    title: &'static str,
    controller: &'static str,
    dpo: &'static str,
    no_dpo: &'static str,
    purposes: &'static str,
    basis_consent: &'static str,
    basis_soft: &'static str,
    operations: &'static str,
    data: &'static str,
    recipients: &'static str,
    retention: &'static str,
    basis: &'static str,
    recipients_title: &'static str,
    association_named: &'static str,
    transfers_title: &'static str,
    no_transfer: &'static str,
    hosting: &'static str,
    retention_title: &'static str,
    retention_after: &'static str,
    required_title: &'static str,
    required_intro: &'static str,
    optional_intro: &'static str,
    profile_intro: &'static str,
    profile_for: &'static str,
    boxes_optional: &'static str,
    rights_title: &'static str,
    rights: &'static str,
    withdraw_title: &'static str,
    withdraw: &'static str,
    complaint_title: &'static str,
    complaint: &'static str,
    and: &'static str,
    colon: &'static str,
    list_sep: &'static str,
    email: &'static str,
    phone: &'static str,
}

const FR: Words = Words {
    title: "Politique de confidentialité",
    controller: "Responsable de traitement",
    dpo: "Délégué à la protection des données",
    no_dpo: "Pour toute question sur vos données, écrivez au responsable de traitement à l'adresse ci-dessus.",
    purposes: "Finalités et bases légales",
    basis_consent: "votre consentement (RGPD, art. 6.1.a), que vous pouvez retirer à tout moment",
    basis_soft: "l'intérêt légitime de l'école à informer ses diplômés de services analogues à leur formation (CPCE, art. L.34-5)\u{a0}; vous pouvez vous y opposer à tout moment, sans frais",
    operations: "Opérations",
    data: "Données",
    recipients: "Destinataires",
    retention: "Durée de conservation",
    basis: "Base légale",
    recipients_title: "Destinataires",
    association_named: "L'association suivante reçoit les données en tant que destinataire\u{a0}:",
    transfers_title: "Transferts hors de l'Union européenne",
    no_transfer: "Vos données ne sont pas transférées hors de l'Union européenne.",
    hosting: "Hébergement",
    retention_title: "Durées de conservation",
    retention_after: "À l'issue de ces durées, vos données sont supprimées ou rendues anonymes\u{a0}; seules des statistiques agrégées sont conservées. Une demande non confirmée par courriel est supprimée au bout de",
    required_title: "Données obligatoires et facultatives",
    required_intro: "Les champs suivants sont nécessaires pour traiter votre demande\u{a0}; sans eux, nous ne pouvons pas l'enregistrer\u{a0}:",
    optional_intro: "Les champs suivants sont facultatifs\u{a0}:",
    profile_intro: "Vous pouvez aussi compléter un profil, entièrement facultatif, depuis le lien de gestion présent dans chaque courriel. Il n'est proposé qu'aux personnes dont le consentement couvre la catégorie de données concernée, et n'est utilisé que pour les finalités indiquées ci-dessous. Au plus une fois par an, un courriel vous propose de le mettre à jour\u{a0}; un lien dans ce message suffit pour ne plus le recevoir.",
    profile_for: "pour",
    boxes_optional: "Aucune case de consentement n'est obligatoire ni pré-cochée, et aucun service de l'école ou de l'association (diplôme, attestation, stage) ne dépend de votre réponse.",
    rights_title: "Vos droits",
    rights: "Vous disposez des droits d'accès (art. 15), de rectification (art. 16), d'effacement (art. 17), de limitation du traitement (art. 18), de portabilité (art. 20) et d'opposition (art. 21). Vous pouvez les exercer depuis le lien de gestion présent dans chaque courriel, ou en écrivant à",
    withdraw_title: "Retrait du consentement",
    withdraw: "Vous pouvez retirer votre consentement à tout moment, finalité par finalité ou en une seule fois, aussi simplement que vous l'avez donné. Le retrait ne remet pas en cause la licéité du traitement effectué avant celui-ci.",
    complaint_title: "Réclamation",
    complaint: "Si vous estimez que vos droits ne sont pas respectés, vous pouvez introduire une réclamation auprès de l'autorité de contrôle\u{a0}:",
    and: "et",
    colon: "\u{a0}: ",
    list_sep: "\u{a0}; ",
    email: "Courriel",
    phone: "Téléphone",
};

const EN: Words = Words {
    title: "Privacy policy",
    controller: "Controller",
    dpo: "Data protection officer",
    no_dpo: "For any question about your data, write to the controller at the address above.",
    purposes: "Purposes and legal bases",
    basis_consent: "your consent (GDPR art. 6(1)(a)), which you may withdraw at any time",
    basis_soft: "the school's legitimate interest in informing its graduates about services analogous to their programme (French CPCE art. L.34-5); you may object at any time, free of charge",
    operations: "Operations",
    data: "Data",
    recipients: "Recipients",
    retention: "Retention",
    basis: "Legal basis",
    recipients_title: "Recipients",
    association_named: "The following association receives the data as a recipient:",
    transfers_title: "Transfers outside the European Union",
    no_transfer: "Your data are not transferred outside the European Union.",
    hosting: "Hosting",
    retention_title: "Retention periods",
    retention_after: "After these periods your data are deleted or anonymised; only aggregate statistics remain. A request not confirmed by email is deleted after",
    required_title: "Required and optional data",
    required_intro: "The following fields are needed to process your request; without them we cannot record it:",
    optional_intro: "The following fields are optional:",
    profile_intro: "You may also fill in a profile, entirely optional, through the manage link in every email. It is offered only to people whose consent covers the category of data concerned, and used only for the purposes given below. At most once a year, an email offers to update it; one link in that email is enough to receive it no more.",
    profile_for: "for",
    boxes_optional: "No consent box is required or pre-ticked, and no service of the school or the association (diploma, certificate, internship) depends on your answer.",
    rights_title: "Your rights",
    rights: "You have the rights of access (art. 15), rectification (art. 16), erasure (art. 17), restriction of processing (art. 18), portability (art. 20) and objection (art. 21). You can exercise them through the manage link in every email, or by writing to",
    withdraw_title: "Withdrawing consent",
    withdraw: "You may withdraw your consent at any time, purpose by purpose or all at once, as easily as you gave it. Withdrawal does not affect the lawfulness of processing carried out before it.",
    complaint_title: "Complaints",
    complaint: "If you believe your rights are not respected, you may lodge a complaint with the supervisory authority:",
    and: "and",
    colon: ": ",
    list_sep: "; ",
    email: "Email",
    phone: "Phone",
};

/// CommonMark text of the privacy policy in `locale`.
pub(super) fn render(config: &Config, locale: Locale) -> String {
    let w = if locale == Locale::En { &EN } else { &FR };
    let c = config.controller();
    let colon = w.colon;
    let mut out = String::new();
    // `write!` to a String cannot fail.
    let _ = writeln!(out, "# {}\n", w.title);
    let _ = writeln!(out, "## {}\n", w.controller);
    let _ = writeln!(out, "{}  \n{}  \n{}{colon}{}", escape(&c.name), escape(&c.address), w.email, escape(&c.email));
    if let Some(phone) = &c.phone {
        let _ = writeln!(out, "  \n{}{colon}{}", w.phone, escape(phone));
    }
    let _ = writeln!(
        out,
        "\n{}\n",
        escape(if locale == Locale::En { c.regime.explain_en() } else { c.regime.explain_fr() })
    );

    let _ = writeln!(out, "## {}\n", w.dpo);
    match config.dpo() {
        Some(dpo) => {
            if let Some(name) = &dpo.name {
                let _ = writeln!(out, "{}  ", escape(name));
            }
            let _ = writeln!(out, "{}{colon}{}\n", w.email, escape(&dpo.email));
        }
        None => {
            let _ = writeln!(out, "{}\n", w.no_dpo);
        }
    }

    let _ = writeln!(out, "## {}\n", w.purposes);
    for p in config.purposes() {
        purpose(&mut out, p, w, locale);
    }

    let _ = writeln!(out, "## {}\n", w.recipients_title);
    let recipients: BTreeSet<Recipient> = config.purposes().iter().flat_map(|p| p.recipients.iter().copied()).collect();
    for r in &recipients {
        let _ = writeln!(out, "- {}", r.label(locale));
    }
    if c.regime == Regime::AssociationUnderSchool
        && let Some(association) = &c.association
    {
        let _ = writeln!(out, "\n{} {}", w.association_named, escape(association));
    }
    out.push('\n');

    let _ = writeln!(out, "## {}\n", w.transfers_title);
    match &config.notice().transfers {
        Some(t) => {
            let _ = writeln!(out, "{}", escape(t.get(locale)));
        }
        None => {
            let _ = writeln!(out, "{}", w.no_transfer);
        }
    }
    out.push('\n');
    let _ = writeln!(out, "{}{colon}{}\n", w.hosting, escape(config.notice().hosting.get(locale)));

    let _ = writeln!(out, "## {}\n", w.retention_title);
    for p in config.purposes() {
        let _ = writeln!(out, "- {}{colon}{}", escape(p.label.get(locale)), p.retention.describe(locale));
    }
    let days = config.collector().confirm_within_days;
    let unit = match locale {
        Locale::Fr => format!("{days}\u{a0}jour{}", if days > 1 { "s" } else { "" }),
        Locale::En => format!("{days} day{}", if days > 1 { "s" } else { "" }),
    };
    let _ = writeln!(out, "\n{} {unit}.\n", w.retention_after);

    let _ = writeln!(out, "## {}\n", w.required_title);
    let _ = writeln!(out, "{}\n", w.required_intro);
    for f in config.fields().iter().filter(|f| f.required) {
        let _ = writeln!(out, "- {}", escape(f.label.get(locale)));
    }
    let optional: Vec<_> = config.fields().iter().filter(|f| !f.required).collect();
    if !optional.is_empty() {
        let _ = writeln!(out, "\n{}\n", w.optional_intro);
        for f in optional {
            let why = f.if_omitted.as_ref().map(|t| format!(" — {}", escape(t.get(locale)))).unwrap_or_default();
            let _ = writeln!(out, "- {}{why}", escape(f.label.get(locale)));
        }
    }
    if !config.profile().is_empty() {
        profile(&mut out, config, w, locale);
    }
    let _ = writeln!(out, "\n{}\n", w.boxes_optional);

    let contact = config.dpo().map_or(&c.email, |d| &d.email);
    let _ = writeln!(out, "## {}\n", w.rights_title);
    let _ = writeln!(out, "{} {}.\n", w.rights, escape(contact));
    let _ = writeln!(out, "## {}\n", w.withdraw_title);
    let _ = writeln!(out, "{}\n", w.withdraw);
    let _ = writeln!(out, "## {}\n", w.complaint_title);
    let authority = escape(&config.notice().complaint_authority);
    if config.notice().complaint_authority == "CNIL" {
        let _ = writeln!(
            out,
            "{} {authority}, 3 place de Fontenoy, TSA 80715, 75334 Paris Cedex 07 — https://www.cnil.fr/",
            w.complaint
        );
    } else {
        let _ = writeln!(out, "{} {authority}", w.complaint);
    }
    out
}

fn purpose(out: &mut String, p: &Purpose, w: &Words, locale: Locale) {
    let colon = w.colon;
    let _ = writeln!(out, "### {}\n", escape(p.label.get(locale)));
    if let Some(d) = &p.description {
        let _ = writeln!(out, "{}\n", escape(d.get(locale)));
    }
    let basis = match p.basis {
        LegalBasis::OptIn => w.basis_consent,
        LegalBasis::SoftOptIn => w.basis_soft,
    };
    let operations: Vec<String> = p.operations.iter().map(|o| o.label(locale).to_owned()).collect();
    let data: Vec<String> = p.data.iter().map(|d| d.label(locale).to_owned()).collect();
    let recipients: Vec<String> = p.recipients.iter().map(|r| r.label(locale).to_owned()).collect();
    let _ = writeln!(out, "- {}{colon}{basis}", w.basis);
    let _ = writeln!(out, "- {}{colon}{}", w.operations, join_words(&operations, w.and));
    let _ = writeln!(out, "- {}{colon}{}", w.data, join_words(&data, w.and));
    let _ = writeln!(out, "- {}{colon}{}", w.recipients, recipients.join(w.list_sep));
    let _ = writeln!(out, "- {}{colon}{}\n", w.retention, p.retention.describe(locale));
}

/// The career profile, by data category: the purposes whose consent covers it, then each field and what leaving
/// it out changes.
fn profile(out: &mut String, config: &Config, w: &Words, locale: Locale) {
    let _ = writeln!(out, "\n{}\n", w.profile_intro);
    let categories: BTreeSet<DataCategory> = config.profile().iter().map(|f| f.data).collect();
    for category in categories {
        let purposes: Vec<String> = config
            .purposes()
            .iter()
            .filter(|p| p.data.contains(&category))
            .map(|p| format!("« {} »", escape(p.label.get(locale))))
            .collect();
        let _ = writeln!(
            out,
            "- {}, {} {}{}",
            upper_first(category.label(locale)),
            w.profile_for,
            join_words(&purposes, w.and),
            w.colon.trim_end()
        );
        for f in config.profile().iter().filter(|f| f.data == category) {
            let _ = writeln!(out, "  - {} — {}", escape(f.label.get(locale)), escape(f.if_omitted.get(locale)));
        }
    }
}

fn upper_first(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}
