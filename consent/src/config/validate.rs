//! Raw file → [`Config`]: every rule of DESIGN §4, every failure located and hinted.

use super::defaults::{MAX_LENGTH, default_fields};
use super::diagnostic::{ConfigError, Diagnostic, Locator};
use super::raw::{RawConfig, RawCta, RawField, RawPurpose};
use super::{CollectorSettings, Config, Controller, Cta, Dpo, Field, NoticeSettings, Purpose};
use crate::dates::Zone;
use crate::ids::{CtaId, FieldId, PurposeId, SiteId, is_valid_id};
use crate::locale::{Locale, Localized};
use crate::regime::{LegalBasis, Regime};
use crate::vocabulary::{FieldKind, Retention, RetentionStart};
use std::collections::BTreeSet;
use std::ops::Range;
use toml::Spanned;

const ID_HINT: &str = "identifiers use lowercase letters, digits, `-` and `_`, and start with a letter";

/// Collects diagnostics while building the config.
pub(super) struct Check<'a> {
    at: Locator<'a>,
    found: Vec<Diagnostic>,
}

impl Check<'_> {
    pub(super) fn error(&mut self, span: Range<usize>, message: impl Into<String>, hint: impl Into<Option<String>>) {
        let d = self.at.at(span, message, hint.into());
        self.found.push(d);
    }

    pub(super) fn id(&mut self, what: &str, id: &Spanned<String>) -> bool {
        if is_valid_id(id.get_ref()) {
            return true;
        }
        self.error(id.span(), format!("{what} id `{}` is not a valid identifier", id.get_ref()), Some(ID_HINT.into()));
        false
    }

    /// A per-site SMTP relay: a URL the collector can use, and never a password (it would be published with the
    /// site's configuration; credentials come from the collector's environment).
    fn smtp_url(&mut self, url: &Spanned<String>) {
        let text = url.get_ref();
        let scheme_ok = ["smtp://", "smtps://"].iter().any(|s| text.starts_with(s));
        let authority = text.split_once("://").map_or("", |(_, rest)| rest.split(['/', '?']).next().unwrap_or(""));
        if !scheme_ok || authority.is_empty() {
            self.error(
                url.span(),
                format!("collector.smtp `{text}` is not an SMTP URL"),
                Some("write smtp://host:port?tls=required (STARTTLS) or smtps://host:port".into()),
            );
        } else if authority.contains('@') {
            self.error(
                url.span(),
                "collector.smtp must not hold credentials",
                Some("give them to the collector as SMTP_USERNAME_<SITE> and SMTP_PASSWORD_<SITE>".into()),
            );
        }
    }

    fn email(&mut self, what: &str, email: &Spanned<String>) {
        if !crate::protocol::is_plausible_email(email.get_ref()) {
            self.error(email.span(), format!("{what} `{}` is not an email address", email.get_ref()), None);
        }
    }

    pub(super) fn french(&mut self, what: &str, text: &Spanned<Localized>) {
        if !text.get_ref().has(Locale::Fr) {
            self.error(
                text.span(),
                format!("{what} has no French text"),
                Some("French is the first language of every screen: add `fr = \"…\"`".into()),
            );
        }
    }
}

/// Turns a serde/TOML error into a diagnostic with a hint for the mistakes people actually make.
fn syntax(at: &Locator<'_>, src: &str, err: &toml::de::Error) -> Diagnostic {
    let span = err.span().unwrap_or(0..0);
    let message = err.message().trim().to_owned();
    let hint = if message.contains("unknown field `default`") {
        Some(
            "a purpose box is never pre-ticked (GDPR art. 4(11), CJEU Planet49): remove `default`; alumni tick \
             the boxes themselves"
                .to_owned(),
        )
    } else if message.contains("unknown field") {
        Some(format!("check the spelling; {}", expected_keys(&message)))
    } else if message.contains("unknown variant") {
        Some("use one of the values listed above".to_owned())
    } else if message.contains("missing field") {
        Some("add the missing key".to_owned())
    } else {
        None
    };
    let _ = src;
    at.at(span, message.lines().next().unwrap_or("invalid TOML").to_owned(), hint)
}

fn expected_keys(message: &str) -> String {
    match message.split_once("expected") {
        Some((_, rest)) => format!("known keys: {}", rest.trim()),
        None => "see consent.schema.json for the known keys".to_owned(),
    }
}

pub(super) fn parse(src: &str, file: &str) -> Result<Config, ConfigError> {
    let at = Locator::new(file, src);
    let raw: RawConfig = match toml::from_str(src) {
        Ok(raw) => raw,
        Err(err) => return Err(ConfigError { diagnostics: vec![syntax(&at, src, &err)] }),
    };
    let mut check = Check { at, found: Vec::new() };
    let config = build(&mut check, raw);
    if check.found.is_empty() {
        config.ok_or_else(|| ConfigError { diagnostics: Vec::new() })
    } else {
        check.found.sort_by_key(|d| (d.line, d.column));
        Err(ConfigError { diagnostics: check.found })
    }
}

fn build(check: &mut Check<'_>, raw: RawConfig) -> Option<Config> {
    let top = 0..0;
    let site = match &raw.site {
        Some(site) => {
            check.id("site", site);
            SiteId(site.get_ref().clone())
        }
        None => {
            check.error(top.clone(), "missing `site`", Some("add `site = \"ecole-exemple\"` at the top".into()));
            SiteId(String::new())
        }
    };
    let time_zone = time_zone(check, raw.time_zone.as_ref());
    let controller = controller(check, &raw);
    let regime = controller.as_ref().map_or(Regime::Association, |c| c.regime);
    let dpo = raw.dpo.as_ref().and_then(|dpo| {
        let span = dpo.span();
        let dpo = dpo.get_ref();
        match &dpo.email {
            Some(email) => {
                check.email("dpo.email", email);
                Some(Dpo { name: dpo.name.clone(), email: email.get_ref().clone() })
            }
            None => {
                check.error(span, "`[dpo]` has no `email`", Some("the notice must give the DPO's contact".into()));
                None
            }
        }
    });

    if raw.purposes.is_empty() {
        check.error(
            top.clone(),
            "no `[[purposes]]`",
            Some("declare at least one purpose: id, label, operations, data, recipients, retention".into()),
        );
    }
    let mut purpose_ids = BTreeSet::new();
    let purposes: Vec<Purpose> =
        raw.purposes.iter().filter_map(|p| purpose(check, p, regime, &mut purpose_ids)).collect();

    let fields = fields(check, &raw.fields);
    let form: Vec<_> = fields.iter().map(|f| f.id.clone()).collect();
    let profile = super::profile::profile(check, &raw.profile, &form);

    if raw.ctas.is_empty() {
        check.error(
            top.clone(),
            "no `[[ctas]]`",
            Some("add a call to action, e.g. `[[ctas]]` with `id = \"join\"`, a label and its purposes".into()),
        );
    }
    let mut cta_ids = BTreeSet::new();
    let ctas: Vec<Cta> = raw.ctas.iter().filter_map(|c| cta(check, c, &purposes, &fields, &mut cta_ids)).collect();

    let notice = match &raw.notice {
        Some(notice) => {
            let n = notice.get_ref();
            let privacy_url = match &n.privacy_url {
                Some(url) if !url.get_ref().trim().is_empty() => url.get_ref().clone(),
                _ => {
                    check.error(
                        notice.span(),
                        "`[notice]` has no `privacy_url`",
                        Some("the first layer must link to the full privacy policy, e.g. `privacy_url = \"/confidentialite/\"`".into()),
                    );
                    String::new()
                }
            };
            NoticeSettings {
                privacy_url,
                hosting: n.hosting.clone().unwrap_or_else(|| Localized::new("Union européenne", "European Union")),
                complaint_authority: n.complaint_authority.clone().unwrap_or_else(|| "CNIL".to_owned()),
                transfers: n.transfers.clone(),
            }
        }
        None => {
            check.error(
                top,
                "missing `[notice]`",
                Some("add `[notice]` with `privacy_url = \"/confidentialite/\"`".into()),
            );
            NoticeSettings {
                privacy_url: String::new(),
                hosting: Localized::default(),
                complaint_authority: String::new(),
                transfers: None,
            }
        }
    };
    let collector = match raw.collector {
        Some(c) => {
            if let Some(from) = &c.mail_from {
                check.email("collector.mail_from", from);
            }
            if let Some(smtp) = &c.smtp {
                check.smtp_url(smtp);
            }
            CollectorSettings {
                endpoint: c.endpoint,
                allowed_origins: c.allowed_origins.unwrap_or_default(),
                confirm_within_days: c.confirm_within_days.unwrap_or(7),
                mail_from: c.mail_from.map(Spanned::into_inner),
                smtp: c.smtp.map(Spanned::into_inner),
            }
        }
        None => CollectorSettings {
            endpoint: None,
            allowed_origins: Vec::new(),
            confirm_within_days: 7,
            mail_from: None,
            smtp: None,
        },
    };
    Some(Config {
        site,
        default_locale: raw.default_locale.unwrap_or(Locale::Fr),
        time_zone: time_zone?,
        controller: controller?,
        dpo,
        purposes,
        fields,
        ctas,
        profile,
        notice,
        collector,
    })
}

/// `time_zone`: an IANA name the compiled-in database knows; Europe/Paris when absent.
fn time_zone(check: &mut Check<'_>, name: Option<&Spanned<String>>) -> Option<Zone> {
    let Some(name) = name else { return Some(Zone::default()) };
    match Zone::named(name.get_ref()) {
        Ok(zone) => Some(zone),
        Err(e) => {
            check.error(
                name.span(),
                e.to_string(),
                Some(
                    "use an IANA time-zone name such as \"Europe/Paris\", \"America/Montreal\" or \"Indian/Reunion\""
                        .into(),
                ),
            );
            None
        }
    }
}

fn controller(check: &mut Check<'_>, raw: &RawConfig) -> Option<Controller> {
    let Some(c) = &raw.controller else {
        check.error(
            0..0,
            "missing `[controller]`",
            Some("the notice must name the controller: add `[controller]` with regime, name, address, email".into()),
        );
        return None;
    };
    let span = c.span();
    let c = c.get_ref();
    let mut required = |key: &str, value: &Option<Spanned<String>>, hint: &str| -> String {
        match value {
            Some(v) if !v.get_ref().trim().is_empty() => v.get_ref().clone(),
            _ => {
                check.error(span.clone(), format!("`[controller]` has no `{key}`"), Some(hint.to_owned()));
                String::new()
            }
        }
    };
    let name = required("name", &c.name, "GDPR art. 13(1)(a): the notice gives the controller's identity");
    let address =
        required("address", &c.address, "GDPR art. 13(1)(a): the notice gives the controller's contact details");
    let email = required("email", &c.email, "alumni need an address to exercise their rights");
    if let Some(e) = &c.email {
        check.email("controller.email", e);
    }
    let regime = match &c.regime {
        Some(r) => *r.get_ref(),
        None => {
            check.error(
                span.clone(),
                "`[controller]` has no `regime`",
                Some("`regime = \"school\"`, `\"association\"` (autonomous) or `\"association-under-school\"`".into()),
            );
            Regime::Association
        }
    };
    if regime == Regime::AssociationUnderSchool && c.association.as_deref().is_none_or(|a| a.trim().is_empty()) {
        check.error(
            span,
            "regime `association-under-school` needs `association`, the association's name",
            Some("the school is the controller; its notice must name the association as a recipient".into()),
        );
    }
    Some(Controller { regime, name, address, email, phone: c.phone.clone(), association: c.association.clone() })
}

fn purpose(
    check: &mut Check<'_>,
    raw: &Spanned<RawPurpose>,
    regime: Regime,
    seen: &mut BTreeSet<String>,
) -> Option<Purpose> {
    let span = raw.span();
    let p = raw.get_ref();
    let Some(id) = &p.id else {
        check.error(span, "a purpose has no `id`", Some("add `id = \"community\"` (used in submissions)".into()));
        return None;
    };
    let name = id.get_ref().clone();
    if check.id("purpose", id) && !seen.insert(name.clone()) {
        check.error(
            id.span(),
            format!("purpose `{name}` is declared twice"),
            Some("purpose ids must be unique".into()),
        );
    }
    let label = match &p.label {
        Some(label) => {
            check.french(&format!("purpose `{name}` label"), label);
            label.get_ref().clone()
        }
        None => {
            check.error(
                span.clone(),
                format!("purpose `{name}` has no `label`"),
                Some("the label is the box's text: `label = { fr = \"…\", en = \"…\" }`".into()),
            );
            Localized::default()
        }
    };
    let basis = p.basis.as_ref().map_or(LegalBasis::OptIn, |b| *b.get_ref());
    if basis == LegalBasis::SoftOptIn && !regime.allows_soft_opt_in() {
        let at = p.basis.as_ref().map_or(span.clone(), |b| b.span());
        check.error(
            at,
            format!("purpose `{name}`: an association with regime `association` cannot use soft opt-in"),
            Some(
                "an autonomous association is the controller and needs consent for every purpose: remove \
                 `basis = \"soft_opt_in\"`; only a school (or an association it mainly funds, regime \
                 `association-under-school`) may rely on CPCE L.34-5"
                    .into(),
            ),
        );
    }
    let mut non_empty = |key: &str, len: Option<(usize, Range<usize>)>, hint: &str| match len {
        Some((0, at)) => check.error(at, format!("purpose `{name}` has an empty `{key}`"), Some(hint.to_owned())),
        None => check.error(span.clone(), format!("purpose `{name}` has no `{key}`"), Some(hint.to_owned())),
        Some(_) => {}
    };
    non_empty(
        "operations",
        p.operations.as_ref().map(|o| (o.get_ref().len(), o.span())),
        "list what is done with the data, e.g. `operations = [\"collecte\", \"enregistrement\", \"utilisation\"]`",
    );
    non_empty(
        "data",
        p.data.as_ref().map(|o| (o.get_ref().len(), o.span())),
        "list the data categories, e.g. `data = [\"identity\", \"academic\"]`",
    );
    non_empty(
        "recipients",
        p.recipients.as_ref().map(|o| (o.get_ref().len(), o.span())),
        "GDPR art. 13(1)(e): list who receives the data, e.g. `recipients = [\"association\", \"processors\"]`",
    );
    let retention = match &p.retention {
        Some(r) => {
            let raw = r.get_ref();
            let months = match (raw.years, raw.months) {
                (Some(y), None) => y.checked_mul(12),
                (None, Some(m)) => Some(m),
                _ => None,
            };
            match months {
                Some(months) if (1..=120).contains(&months) => {
                    Some(Retention { months, from: raw.from.unwrap_or(RetentionStart::LastActivity) })
                }
                _ => {
                    check.error(
                        r.span(),
                        format!("purpose `{name}` has an invalid `retention`"),
                        Some("give either `years` or `months`, between one month and ten years, e.g. `retention = { years = 2, from = \"last_activity\" }`".into()),
                    );
                    None
                }
            }
        }
        None => {
            check.error(
                span.clone(),
                format!("purpose `{name}` has no `retention`"),
                Some(
                    "GDPR art. 13(2)(a): say how long the data are kept, e.g. `retention = { years = 2, from = \"last_activity\" }`"
                        .into(),
                ),
            );
            None
        }
    };
    Some(Purpose {
        id: PurposeId(name),
        label,
        description: p.description.clone(),
        basis,
        operations: p.operations.as_ref().map(|o| o.get_ref().clone()).unwrap_or_default(),
        data: p.data.as_ref().map(|o| o.get_ref().clone()).unwrap_or_default(),
        recipients: p.recipients.as_ref().map(|o| o.get_ref().clone()).unwrap_or_default(),
        retention: retention?,
    })
}

fn fields(check: &mut Check<'_>, raw: &[Spanned<RawField>]) -> Vec<Field> {
    let mut fields = default_fields();
    let mut seen = BTreeSet::new();
    for f in raw {
        let span = f.span();
        let r = f.get_ref();
        let Some(id) = &r.id else {
            check.error(span, "a field has no `id`", Some("add `id = \"promo\"`".into()));
            continue;
        };
        if !check.id("field", id) {
            continue;
        }
        if !seen.insert(id.get_ref().clone()) {
            check.error(id.span(), format!("field `{}` is declared twice", id.get_ref()), None);
            continue;
        }
        let position = fields.iter().position(|d| d.id.as_str() == id.get_ref());
        let base = match position {
            Some(i) => fields[i].clone(),
            None => {
                let Some(label) = &r.label else {
                    check.error(
                        span,
                        format!("field `{}` has no `label`", id.get_ref()),
                        Some("a field of your own needs `label = { fr = \"…\", en = \"…\" }`".into()),
                    );
                    continue;
                };
                Field {
                    id: FieldId(id.get_ref().clone()),
                    kind: FieldKind::Text,
                    label: label.clone(),
                    required: false,
                    if_omitted: None,
                    min: None,
                    max: None,
                    max_length: MAX_LENGTH,
                    data: None,
                }
            }
        };
        let kind = r.kind.unwrap_or(base.kind);
        let (dmin, dmax) = if kind == FieldKind::Year { (Some(1900), Some(2100)) } else { (None, None) };
        let field = Field {
            kind,
            label: r.label.clone().unwrap_or(base.label),
            required: r.required.unwrap_or(base.required),
            if_omitted: r.if_omitted.clone().or(base.if_omitted),
            min: r.min.or(base.min).or(dmin),
            max: r.max.or(base.max).or(dmax),
            max_length: r.max_length.unwrap_or(base.max_length),
            data: r.data.or(base.data),
            ..base
        };
        if let (Some(min), Some(max)) = (field.min, field.max)
            && min > max
        {
            check.error(span.clone(), format!("field `{}`: `min` is above `max`", id.get_ref()), None);
        }
        if field.id.as_str() == "email" && (field.kind != FieldKind::Email || !field.required) {
            check.error(
                span,
                "field `email` must stay a required email",
                Some("the confirmation email (double opt-in) and the manage link need it".into()),
            );
        }
        match position {
            Some(i) => fields[i] = field,
            None => fields.push(field),
        }
    }
    fields
}

fn cta(
    check: &mut Check<'_>,
    raw: &Spanned<RawCta>,
    purposes: &[Purpose],
    fields: &[Field],
    seen: &mut BTreeSet<String>,
) -> Option<Cta> {
    let span = raw.span();
    let c = raw.get_ref();
    let Some(id) = &c.id else {
        check.error(span, "a CTA has no `id`", Some("add `id = \"join\"` (used as `data-cta=\"join\"`)".into()));
        return None;
    };
    let name = id.get_ref().clone();
    if check.id("CTA", id) && !seen.insert(name.clone()) {
        check.error(id.span(), format!("CTA `{name}` is declared twice"), None);
    }
    let label = match &c.label {
        Some(l) => {
            check.french(&format!("CTA `{name}` label"), l);
            l.get_ref().clone()
        }
        None => {
            check.error(
                span.clone(),
                format!("CTA `{name}` has no `label`"),
                Some(
                    "e.g. `label = { fr = \"Rejoindre la communauté alumni\", en = \"Join the alumni community\" }`"
                        .into(),
                ),
            );
            Localized::default()
        }
    };
    let mut ids = Vec::new();
    match &c.purposes {
        Some(list) if !list.get_ref().is_empty() => {
            for p in list.get_ref() {
                match purposes.iter().find(|known| known.id.as_str() == p.get_ref()) {
                    None => {
                        let known: Vec<&str> = purposes.iter().map(|k| k.id.as_str()).collect();
                        check.error(
                            p.span(),
                            format!("CTA `{name}` offers unknown purpose `{}`", p.get_ref()),
                            Some(format!("declared purposes: {}", known.join(", "))),
                        );
                    }
                    Some(known) if known.basis == LegalBasis::SoftOptIn => check.error(
                        p.span(),
                        format!("CTA `{name}` offers soft opt-in purpose `{}` as a box", p.get_ref()),
                        Some(
                            "a soft opt-in purpose needs no consent box; the notice tells alumni how to object".into(),
                        ),
                    ),
                    Some(_) if ids.iter().any(|i: &PurposeId| i.as_str() == p.get_ref()) => {
                        check.error(p.span(), format!("CTA `{name}` lists purpose `{}` twice", p.get_ref()), None)
                    }
                    Some(known) => ids.push(known.id.clone()),
                }
            }
        }
        Some(list) => check.error(
            list.span(),
            format!("CTA `{name}` offers no purpose"),
            Some("list at least one purpose id".into()),
        ),
        None => check.error(
            span,
            format!("CTA `{name}` has no `purposes`"),
            Some("list the purposes its form offers, e.g. `purposes = [\"community\"]`".into()),
        ),
    }
    let needs = service_needs(check, &name, c, fields);
    Some(Cta { id: CtaId(name), label, purposes: ids, service: c.service.clone(), needs })
}

/// `needs`: only with a `service`, and only known fields.
fn service_needs(check: &mut Check<'_>, name: &str, c: &RawCta, fields: &[Field]) -> Option<Vec<FieldId>> {
    let list = c.needs.as_ref()?;
    if c.service.is_none() {
        check.error(
            list.span(),
            format!("CTA `{name}` has `needs` but no `service`"),
            Some("`needs` lists the fields a service (an event, an interview) needs; add `service = { fr = \"…\" }` or remove `needs`".into()),
        );
    }
    let mut needs = Vec::new();
    for f in list.get_ref() {
        match fields.iter().find(|known| known.id.as_str() == f.get_ref()) {
            Some(known) => needs.push(known.id.clone()),
            None => {
                let known: Vec<&str> = fields.iter().map(|k| k.id.as_str()).collect();
                check.error(
                    f.span(),
                    format!("CTA `{name}` needs unknown field `{}`", f.get_ref()),
                    Some(format!("the form's fields: {}", known.join(", "))),
                );
            }
        }
    }
    Some(needs)
}
