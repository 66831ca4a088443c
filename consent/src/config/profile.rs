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

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::config::{Diagnostic, Mismatch};

    const GOOD: &str = include_str!("../../../examples/association-exemple/consent.toml");
    const SCHOOL: &str = include_str!("../../../examples/ecole-exemple/consent.toml");

    /// The association example with its `[[profile]]` entries replaced by `profile`.
    fn with_profile(profile: &str) -> String {
        let start = GOOD.find("\n[[profile]]").unwrap();
        let end = GOOD.find("\n[notice]").unwrap();
        format!("{}\n{profile}\n{}", &GOOD[..start], &GOOD[end..])
    }

    fn errors(src: &str) -> Vec<Diagnostic> {
        match Config::from_toml_str(src, "consent.toml") {
            Ok(_) => panic!("expected an error for:\n{src}"),
            Err(e) => e.diagnostics,
        }
    }

    fn line_of(src: &str, needle: &str) -> usize {
        src.lines().position(|l| l.contains(needle)).map(|i| i + 1).unwrap()
    }

    #[test]
    fn the_examples_declare_the_fields_the_statistics_count() {
        for src in [GOOD, SCHOOL] {
            let c = Config::from_toml_str(src, "consent.toml").unwrap();
            let ids: Vec<&str> = c.profile().iter().map(|f| f.id.as_str()).collect();
            assert_eq!(ids, ["situation", "job_title", "employer", "sector", "city", "country"]);
            let situation = c.profile_field("situation").unwrap();
            assert_eq!(situation.kind, ProfileKind::Choice);
            let choices: Vec<&str> = situation.choices.iter().map(|c| c.id.as_str()).collect();
            assert_eq!(choices, ["employed", "job_seeking", "studying", "other"]);
            assert_eq!(situation.choice("job_seeking").unwrap().label.get(Locale::Fr), "En recherche d'emploi");
            assert!(c.profile().iter().all(|f| f.data == DataCategory::Career && f.if_omitted.has(Locale::En)));
            assert!(c.purpose("insertion_stats").is_some());
            let covered: Vec<&str> = c.profile_covered_by(&["insertion_stats"]).iter().map(|f| f.id.as_str()).collect();
            assert_eq!(covered.len(), 6, "{covered:?}");
            assert!(c.profile_covered_by(&["community", "events"]).is_empty());
            assert_eq!(c.minimisation(), []);
        }
    }

    #[test]
    fn values_outside_the_list_markup_hidden_characters_and_long_texts_are_refused() {
        let c = Config::from_toml_str(GOOD, "consent.toml").unwrap();
        let situation = c.profile_field("situation").unwrap();
        assert_eq!(situation.check(" employed "), Ok(Some("employed".into())));
        assert_eq!(situation.check("En emploi"), Err(ProfileRefusal::NotAChoice), "the label is not the id");
        assert_eq!(situation.check("retired"), Err(ProfileRefusal::NotAChoice));
        assert_eq!(situation.check("  "), Ok(None), "left out");
        let job = c.profile_field("job_title").unwrap();
        assert_eq!(job.check("Ingénieure <b>R&D</b>"), Err(ProfileRefusal::Markup));
        assert_eq!(job.check("Ingénieure\u{202e}DR"), Err(ProfileRefusal::Control));
        assert_eq!(job.check("Ingénieure\u{7}"), Err(ProfileRefusal::Control));
        assert_eq!(job.check(&"é".repeat(121)), Err(ProfileRefusal::TooLong));
        assert_eq!(job.check(&"é".repeat(120)), Ok(Some("é".repeat(120))));
        assert_eq!(job.display("Ingénieure", Locale::Fr), "Ingénieure");
        assert_eq!(situation.display("studying", Locale::En), "In further study");
        assert!(ProfileRefusal::NotAChoice.message(Locale::Fr).starts_with("Choisissez"));
    }

    #[test]
    fn bad_declarations_are_located_and_hinted() {
        let cases: [(&str, &str, &str); 8] = [
            (
                "[[profile]]\nid = \"situation\"\nkind = \"choice\"\ndata = \"career\"\nlabel = \"Situation\"\n",
                "has no `if_omitted`",
                "what leaving it out changes",
            ),
            (
                "[[profile]]\nid = \"situation\"\nkind = \"choice\"\ndata = \"career\"\nlabel = \"Situation\"\nif_omitted = \"x\"\n",
                "is a choice list without `choices`",
                "choices = [",
            ),
            (
                "[[profile]]\nid = \"job\"\nkind = \"text\"\ndata = \"career\"\nlabel = \"Poste\"\nif_omitted = \"x\"\nchoices = [{ id = \"a\", label = \"A\" }]\n",
                "is free text but lists `choices`",
                "kind = \\\"choice\\\"",
            ),
            (
                "[[profile]]\nid = \"job\"\nkind = \"text\"\ndata = \"career\"\nlabel = \"Poste\"\nif_omitted = \"x\"\nmax_length = 5000\n",
                "`max_length = 5000` is out of range",
                "between 1 and 200",
            ),
            (
                "[[profile]]\nid = \"s\"\nkind = \"choice\"\ndata = \"career\"\nlabel = \"S\"\nif_omitted = \"x\"\nchoices = [{ id = \"a\", label = \"A\" }, { id = \"a\", label = \"B\" }]\n",
                "lists choice `a` twice",
                "",
            ),
            (
                "[[profile]]\nid = \"promo\"\nkind = \"text\"\ndata = \"career\"\nlabel = \"P\"\nif_omitted = \"x\"\n",
                "has the id of a field of the form",
                "another id",
            ),
            (
                "[[profile]]\nid = \"job\"\nkind = \"text\"\nlabel = \"Poste\"\nif_omitted = \"x\"\n",
                "has no `data`",
                "data = \\\"career\\\"",
            ),
            (
                "[[profile]]\nid = \"job\"\nkind = \"text\"\ndata = \"career\"\nlabel = { en = \"Job\" }\nif_omitted = \"x\"\n",
                "label has no French text",
                "fr = ",
            ),
        ];
        for (profile, message, hint) in cases {
            let src = with_profile(profile);
            let found = errors(&src);
            let d =
                found.iter().find(|d| d.message.contains(message)).unwrap_or_else(|| panic!("{message}: {found:?}"));
            assert!(d.hint.as_deref().unwrap_or("").contains(hint.replace("\\\"", "\"").as_str()), "{d}");
            assert!(d.line >= line_of(&src, "[[profile]]"), "{d} is not in the profile entry");
            assert!(d.to_string().starts_with("consent.toml:"), "{d}");
        }
        let unknown = with_profile("[[profile]]\nid = \"job\"\nkind = \"paragraph\"\n");
        let d = &errors(&unknown)[0];
        assert!(d.message.contains("unknown variant `paragraph`"), "{d}");
        assert_eq!(d.line, line_of(&unknown, "kind = \"paragraph\""));
    }

    #[test]
    fn the_profile_counts_as_collecting_its_category() {
        // Only the profile collects `career` here: the purposes' claim is true.
        let c = Config::from_toml_str(GOOD, "consent.toml").unwrap();
        assert!(c.fields().iter().all(|f| f.data != Some(DataCategory::Career)));
        assert_eq!(c.minimisation(), []);
        // Without it, the claim is not.
        let bare = Config::from_toml_str(&with_profile(""), "consent.toml").unwrap();
        assert!(
            bare.minimisation()
                .iter()
                .any(|m| matches!(m, Mismatch::UncollectedCategory { category: DataCategory::Career, .. })),
            "{:?}",
            bare.minimisation()
        );
        // A profile field whose category no purpose declares is data collected for nothing the notice says.
        let photo = with_profile(
            "[[profile]]\nid = \"portrait\"\nkind = \"text\"\ndata = \"photo\"\nlabel = \"Photo\"\nif_omitted = \"x\"\n",
        );
        let c = Config::from_toml_str(&photo, "consent.toml").unwrap();
        assert!(c.minimisation().contains(&Mismatch::UndeclaredCategory {
            field: FieldId::from("portrait"),
            category: DataCategory::Photo
        }));
    }

    #[test]
    fn the_notice_lists_the_profile_with_what_leaving_it_out_changes() {
        let c = Config::from_toml_str(GOOD, "consent.toml").unwrap();
        let n = crate::Notice::render(&c);
        let fr = n.second_layer(Locale::Fr);
        assert!(fr.contains("Vous pouvez aussi compléter un profil, entièrement facultatif"), "{fr}");
        assert!(fr.contains("- Vie professionnelle (poste, employeur), pour « Recevoir des offres"), "{fr}");
        assert!(fr.contains("  - Situation actuelle — Sans votre situation"), "{fr}");
        let en = n.second_layer(Locale::En);
        assert!(en.contains("  - Sector of activity — Without your sector"), "{en}");
        let bare = crate::Notice::render(&Config::from_toml_str(&with_profile(""), "consent.toml").unwrap());
        assert!(!bare.second_layer(Locale::Fr).contains("compléter un profil"));
        assert_ne!(bare.version(), n.version(), "the profile is part of the notice shown");
    }
}
