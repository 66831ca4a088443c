//! The career profile (`[[profile]]`): optional fields a subject fills in later, on the manage page, for the
//! purposes whose consent covers the field's data category. Never required; each says what leaving it out changes.
//!
//! Declared like the form's fields, checked here (declarations when the file is read, values when a subject
//! sends them), so that the collector and `site-kit check` agree on what a profile may hold.

use super::raw::{RawChoice, RawProfileField};
use super::validate::Check;
use super::{Config, Purpose};
use crate::ids::{FieldId, is_valid_id};
use crate::locale::{Locale, Localized};
use crate::protocol::is_hidden;
use crate::vocabulary::DataCategory;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use toml::Spanned;

/// The longest text a profile field may allow: a job title or an employer, not a CV.
pub const PROFILE_MAX_LENGTH: u32 = 200;

/// Default length of a profile text: as the form's fields.
const DEFAULT_LENGTH: u32 = 120;

/// What a profile field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProfileKind {
    /// One of a declared list (`choices`); the held value is the choice's id.
    Choice,
    /// Free text, one line, at most `max_length` characters.
    Text,
}

/// One entry of a choice list.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProfileChoice {
    /// The id held and counted (`employed`, `job_seeking`…).
    pub id: String,
    /// What people read.
    pub label: Localized,
}

/// One optional profile field.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProfileField {
    /// Identifier, the key in the held profile; distinct from the form's field ids.
    pub id: FieldId,
    /// Choice list or free text.
    pub kind: ProfileKind,
    /// Label.
    pub label: Localized,
    /// What leaving it out changes (every profile field is optional).
    pub if_omitted: Localized,
    /// The data category it collects: the field is offered only under a consent to a purpose declaring it.
    pub data: DataCategory,
    /// For a choice list, the choices in display order; empty for text.
    pub choices: Vec<ProfileChoice>,
    /// For text, the longest value in characters.
    pub max_length: u32,
}

/// Why a profile value was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProfileRefusal {
    /// Not one of the declared choices.
    NotAChoice,
    /// Longer than the field allows.
    TooLong,
    /// Control, bidirectional or zero-width characters.
    Control,
    /// `<` or `>`.
    Markup,
}

impl ProfileRefusal {
    /// The message shown under the field.
    pub fn message(self, locale: Locale) -> &'static str {
        match (self, locale) {
            (ProfileRefusal::NotAChoice, Locale::Fr) => "Choisissez l'une des réponses proposées.",
            (ProfileRefusal::NotAChoice, Locale::En) => "Choose one of the answers offered.",
            (ProfileRefusal::TooLong, Locale::Fr) => "Ce texte est trop long.",
            (ProfileRefusal::TooLong, Locale::En) => "This text is too long.",
            (ProfileRefusal::Control, Locale::Fr) => "Ce texte contient des caractères non autorisés.",
            (ProfileRefusal::Control, Locale::En) => "This text contains characters that are not allowed.",
            (ProfileRefusal::Markup, Locale::Fr) => "Ce texte ne peut pas contenir les caractères < et >.",
            (ProfileRefusal::Markup, Locale::En) => "This text cannot contain the characters < and >.",
        }
    }
}

impl ProfileField {
    /// One choice by id.
    pub fn choice(&self, id: &str) -> Option<&ProfileChoice> {
        self.choices.iter().find(|c| c.id == id)
    }

    /// The value as it is held: `None` for an empty answer (the field is left out), else the trimmed text or the
    /// choice id; refused when outside the declared list, too long, or holding markup or hidden characters.
    pub fn check(&self, value: &str) -> Result<Option<String>, ProfileRefusal> {
        let value = value.trim();
        if value.is_empty() {
            return Ok(None);
        }
        match self.kind {
            ProfileKind::Choice => match self.choice(value) {
                Some(c) => Ok(Some(c.id.clone())),
                None => Err(ProfileRefusal::NotAChoice),
            },
            ProfileKind::Text => {
                if value.chars().any(is_hidden) {
                    Err(ProfileRefusal::Control)
                } else if value.contains(['<', '>']) {
                    Err(ProfileRefusal::Markup)
                } else if value.chars().count() > self.max_length as usize {
                    Err(ProfileRefusal::TooLong)
                } else {
                    Ok(Some(value.to_owned()))
                }
            }
        }
    }

    /// The held value as people read it: a choice's label, or the text itself.
    pub fn display<'a>(&'a self, value: &'a str, locale: Locale) -> &'a str {
        self.choice(value).map_or(value, |c| c.label.get(locale))
    }

    /// Whether a consent to `purpose` covers this field.
    pub fn covered_by(&self, purpose: &Purpose) -> bool {
        purpose.data.contains(&self.data)
    }
}

impl Config {
    /// The profile fields, in file order (`[[profile]]`).
    pub fn profile(&self) -> &[ProfileField] {
        &self.profile
    }

    /// One profile field by id.
    pub fn profile_field(&self, id: &str) -> Option<&ProfileField> {
        self.profile.iter().find(|f| f.id.as_str() == id)
    }

    /// The profile fields a consent to these purposes covers (those whose category one of them declares).
    pub fn profile_covered_by<'a>(&'a self, purposes: &[&str]) -> Vec<&'a ProfileField> {
        let declared: Vec<&Purpose> = purposes.iter().filter_map(|p| self.purpose(p)).collect();
        self.profile.iter().filter(|f| declared.iter().any(|p| f.covered_by(p))).collect()
    }
}

const ID_HINT: &str = "identifiers use lowercase letters, digits, `-` and `_`, and start with a letter";

/// `[[profile]]` → the profile fields; `form` are the form's field ids, which a profile id may not reuse.
pub(super) fn profile(check: &mut Check<'_>, raw: &[Spanned<RawProfileField>], form: &[FieldId]) -> Vec<ProfileField> {
    let mut seen = BTreeSet::new();
    raw.iter().filter_map(|f| field(check, f, form, &mut seen)).collect()
}

fn field(
    check: &mut Check<'_>,
    raw: &Spanned<RawProfileField>,
    form: &[FieldId],
    seen: &mut BTreeSet<String>,
) -> Option<ProfileField> {
    let span = raw.span();
    let r = raw.get_ref();
    let Some(id) = &r.id else {
        check.error(span, "a profile field has no `id`", Some("add e.g. `id = \"situation\"`".into()));
        return None;
    };
    let name = id.get_ref().clone();
    if !check.id("profile field", id) {
        return None;
    }
    if !seen.insert(name.clone()) {
        check.error(
            id.span(),
            format!("profile field `{name}` is declared twice"),
            Some("profile ids must be unique".into()),
        );
    }
    if form.iter().any(|f| f.as_str() == name) {
        check.error(
            id.span(),
            format!("profile field `{name}` has the id of a field of the form"),
            Some("the form's fields are corrected with the rectify form; give the profile field another id".into()),
        );
    }
    let label = match &r.label {
        Some(label) => {
            check.french(&format!("profile field `{name}` label"), label);
            Some(label.get_ref().clone())
        }
        None => {
            check.error(
                span.clone(),
                format!("profile field `{name}` has no `label`"),
                Some("e.g. `label = { fr = \"Situation actuelle\", en = \"Current situation\" }`".into()),
            );
            None
        }
    };
    let if_omitted = match &r.if_omitted {
        Some(text) => {
            check.french(&format!("profile field `{name}` if_omitted"), text);
            Some(text.get_ref().clone())
        }
        None => {
            check.error(
                span.clone(),
                format!("profile field `{name}` has no `if_omitted`"),
                Some(
                    "every profile field is optional: say what leaving it out changes, e.g. `if_omitted = { fr = \
                     \"Sans votre poste, …\", en = \"Without your position, …\" }`"
                        .into(),
                ),
            );
            None
        }
    };
    let data = match &r.data {
        Some(d) => Some(*d.get_ref()),
        None => {
            check.error(
                span.clone(),
                format!("profile field `{name}` has no `data`"),
                Some(format!(
                    "say which data category it collects, e.g. `data = \"career\"` (one of {}); it is offered only \
                     to people whose consent covers that category",
                    DataCategory::ALL.map(DataCategory::key).join(", ")
                )),
            );
            None
        }
    };
    let kind = match &r.kind {
        Some(k) => Some(*k.get_ref()),
        None => {
            check.error(
                span.clone(),
                format!("profile field `{name}` has no `kind`"),
                Some(
                    "`kind = \"choice\"` (with `choices`) or `kind = \"text\"` (with an optional `max_length`)".into(),
                ),
            );
            None
        }
    };
    let choices = match (kind, &r.choices) {
        (Some(ProfileKind::Choice), Some(list)) if list.get_ref().is_empty() => {
            check.error(
                list.span(),
                format!("profile field `{name}` has an empty `choices`"),
                Some(CHOICES_HINT.into()),
            );
            Vec::new()
        }
        (Some(ProfileKind::Choice), Some(list)) => choices(check, &name, list.get_ref()),
        (Some(ProfileKind::Choice), None) => {
            check.error(
                span.clone(),
                format!("profile field `{name}` is a choice list without `choices`"),
                Some(CHOICES_HINT.into()),
            );
            Vec::new()
        }
        (Some(ProfileKind::Text), Some(list)) => {
            check.error(
                list.span(),
                format!("profile field `{name}` is free text but lists `choices`"),
                Some("use `kind = \"choice\"` for a list of answers, or remove `choices`".into()),
            );
            Vec::new()
        }
        _ => Vec::new(),
    };
    let max_length = match (&r.max_length, kind) {
        (Some(m), Some(ProfileKind::Choice)) => {
            check.error(
                m.span(),
                format!("profile field `{name}` is a choice list: `max_length` does not apply"),
                Some("remove `max_length`; a choice holds its id".into()),
            );
            DEFAULT_LENGTH
        }
        (Some(m), _) if !(1..=PROFILE_MAX_LENGTH).contains(m.get_ref()) => {
            check.error(
                m.span(),
                format!("profile field `{name}`: `max_length = {}` is out of range", m.get_ref()),
                Some(format!("between 1 and {PROFILE_MAX_LENGTH} characters: a profile holds a job title, not a CV")),
            );
            DEFAULT_LENGTH
        }
        (Some(m), _) => *m.get_ref(),
        (None, _) => DEFAULT_LENGTH,
    };
    Some(ProfileField {
        id: FieldId(name),
        kind: kind?,
        label: label?,
        if_omitted: if_omitted?,
        data: data?,
        choices,
        max_length,
    })
}

const CHOICES_HINT: &str =
    "list the answers, e.g. `choices = [{ id = \"employed\", label = { fr = \"En emploi\", en = \"Employed\" } }]`";

fn choices(check: &mut Check<'_>, name: &str, raw: &[Spanned<RawChoice>]) -> Vec<ProfileChoice> {
    let mut out: Vec<ProfileChoice> = Vec::new();
    for c in raw {
        let Some(id) = &c.get_ref().id else {
            check.error(c.span(), format!("a choice of profile field `{name}` has no `id`"), Some(CHOICES_HINT.into()));
            continue;
        };
        if !is_valid_id(id.get_ref()) {
            check.error(
                id.span(),
                format!("choice id `{}` is not a valid identifier", id.get_ref()),
                Some(ID_HINT.into()),
            );
            continue;
        }
        if out.iter().any(|known| known.id == *id.get_ref()) {
            check.error(id.span(), format!("profile field `{name}` lists choice `{}` twice", id.get_ref()), None);
            continue;
        }
        let Some(label) = &c.get_ref().label else {
            check.error(
                c.span(),
                format!("choice `{}` of profile field `{name}` has no `label`", id.get_ref()),
                Some("e.g. `label = { fr = \"En emploi\", en = \"Employed\" }`".into()),
            );
            continue;
        };
        check.french(&format!("choice `{}` of profile field `{name}`", id.get_ref()), label);
        out.push(ProfileChoice { id: id.get_ref().clone(), label: label.get_ref().clone() });
    }
    out
}
