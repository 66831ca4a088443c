//! The five default fields of the form (last name, first name, promo, programme, email).

use super::Field;
use crate::ids::FieldId;
use crate::locale::Localized;
use crate::vocabulary::{DataCategory, FieldKind};

/// The default text length limit: long enough for any real name, short enough to refuse pasted junk.
pub(crate) const MAX_LENGTH: u32 = 120;

fn field(id: &str, kind: FieldKind, label: Localized, required: bool, if_omitted: Option<Localized>) -> Field {
    let (min, max) = if kind == FieldKind::Year { (Some(1900), Some(2100)) } else { (None, None) };
    let data = Some(if matches!(id, "promo" | "programme") { DataCategory::Academic } else { DataCategory::Identity });
    Field { id: FieldId::from(id), kind, label, required, if_omitted, min, max, max_length: MAX_LENGTH, data }
}

/// The fields used when `consent.toml` lists none, and the base a `[[fields]]` entry with the same id refines.
pub(crate) fn default_fields() -> Vec<Field> {
    vec![
        field("last_name", FieldKind::Text, Localized::new("Nom", "Last name"), true, None),
        field("first_name", FieldKind::Text, Localized::new("Prénom", "First name"), true, None),
        field(
            "promo",
            FieldKind::Year,
            Localized::new("Promo (année de diplôme)", "Class year (graduation)"),
            true,
            None,
        ),
        field(
            "programme",
            FieldKind::Text,
            Localized::new("Cursus", "Programme"),
            false,
            Some(Localized::new(
                "Sans votre cursus, nous ne pourrons pas vous signaler ce qui concerne votre filière.",
                "Without your programme, we cannot tell you about what concerns your field.",
            )),
        ),
        field("email", FieldKind::Email, Localized::new("Adresse électronique", "Email address"), true, None),
    ]
}
