//! Validation rules, each with the located, hinted error it must give.

use super::*;

const GOOD: &str = include_str!("../../../examples/association-exemple/consent.toml");
const SCHOOL: &str = include_str!("../../../examples/ecole-exemple/consent.toml");

fn errors(src: &str) -> Vec<Diagnostic> {
    match Config::from_toml_str(src, "consent.toml") {
        Ok(_) => panic!("expected an error for:\n{src}"),
        Err(e) => e.diagnostics,
    }
}

fn line_of(src: &str, needle: &str) -> usize {
    src.lines().position(|l| l.contains(needle)).map(|i| i + 1).unwrap_or_else(|| panic!("{needle} not in source"))
}

#[test]
fn examples_are_valid() {
    let c = Config::from_toml_str(GOOD, "consent.toml").unwrap();
    assert_eq!(c.site().as_str(), "association-exemple");
    assert_eq!(c.controller().regime, Regime::Association);
    let ids: Vec<&str> = c.purposes().iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["community", "jobs", "events", "insertion_stats"]);
    let fields: Vec<&str> = c.fields().iter().map(|f| f.id.as_str()).collect();
    assert_eq!(fields, ["last_name", "first_name", "promo", "programme", "email"]);
    assert_eq!(c.cta("join").unwrap().purposes.len(), 3);
    let school = Config::from_toml_str(SCHOOL, "consent.toml").unwrap();
    assert_eq!(school.purpose("network").unwrap().basis, LegalBasis::SoftOptIn);
    assert_eq!(
        school.fields().iter().find(|f| f.id.as_str() == "programme").unwrap().label.get(Locale::Fr),
        "Cursus (ex. : Ingénieur généraliste)"
    );
}

#[test]
fn default_true_is_refused_with_location_and_hint() {
    let src = GOOD.replacen("id = \"jobs\"", "id = \"jobs\"\ndefault = true", 1);
    let d = &errors(&src)[0];
    assert_eq!(d.line, line_of(&src, "default = true"), "{d}");
    assert_eq!(d.column, 1);
    assert!(d.message.contains("unknown field `default`"), "{d}");
    assert!(d.hint.as_deref().unwrap().contains("never pre-ticked"), "{d}");
    assert!(d.to_string().starts_with(&format!("consent.toml:{}:1: error:", d.line)));
}

#[test]
fn missing_retention_is_named() {
    let src = GOOD.replacen(
        "retention = { years = 2, from = \"last_activity\" }\n\n[[purposes]]\nid = \"events\"",
        "\n[[purposes]]\nid = \"events\"",
        1,
    );
    let ds = errors(&src);
    let d = ds.iter().find(|d| d.message.contains("has no `retention`")).unwrap();
    assert_eq!(d.message, "purpose `jobs` has no `retention`");
    assert!(d.hint.as_deref().unwrap().contains("13(2)(a)"));
    assert!(d.line >= line_of(&src, "id = \"jobs\"") - 1, "{d}");
}

#[test]
fn soft_opt_in_is_refused_for_an_autonomous_association() {
    let src = GOOD.replacen("id = \"jobs\"", "id = \"jobs\"\nbasis = \"soft_opt_in\"", 1);
    let ds = errors(&src);
    let d = ds.iter().find(|d| d.message.contains("soft opt-in")).unwrap();
    assert!(d.message.contains("an association with regime `association` cannot use soft opt-in"), "{d}");
    assert_eq!(d.line, line_of(&src, "basis = \"soft_opt_in\""));
    assert_eq!(d.column, 9, "points at the value");
}

#[test]
fn every_problem_is_reported_not_just_the_first() {
    let src = GOOD
        .replacen("operations = [\"collecte\", \"enregistrement\", \"conservation\", \"utilisation\"]\n", "", 1)
        .replacen("recipients = [\"association\", \"partners\", \"processors\"]", "recipients = []", 1)
        .replacen("email = \"contact@association-exemple.fr\"", "email = \"pas-une-adresse\"", 1)
        .replacen("purposes = [\"community\"]", "purposes = [\"newsletter\"]", 1);
    let ds = errors(&src);
    let text: Vec<String> = ds.iter().map(ToString::to_string).collect();
    let all = text.join("\n");
    assert!(all.contains("purpose `events` has no `operations`"), "{all}");
    assert!(all.contains("purpose `jobs` has an empty `recipients`"), "{all}");
    assert!(all.contains("controller.email `pas-une-adresse` is not an email address"), "{all}");
    assert!(all.contains("CTA `interview` offers unknown purpose `newsletter`"), "{all}");
    assert!(all.contains("declared purposes: community, jobs, events"), "{all}");
    let lines: Vec<usize> = ds.iter().map(|d| d.line).collect();
    assert!(lines.windows(2).all(|w| w[0] <= w[1]), "sorted by line: {lines:?}");
}

#[test]
fn syntax_and_type_errors_are_located() {
    let d = &errors("site = \"x\"\n[controller\n")[0];
    assert_eq!(d.line, 2);
    let src = GOOD.replacen("regime = \"association\"", "regime = \"club\"", 1);
    let d = &errors(&src)[0];
    assert_eq!(d.line, line_of(&src, "regime = \"club\""));
    assert!(d.message.contains("unknown variant `club`"), "{d}");
    let src = GOOD.replacen("\"utilisation\", \"communication\"]", "\"utilisation\", \"vente\"]", 1);
    assert!(errors(&src)[0].message.contains("unknown variant `vente`"));
}

#[test]
fn regime_rules() {
    let src = GOOD.replacen("regime = \"association\"", "regime = \"association-under-school\"", 1);
    let d = &errors(&src)[0];
    assert!(d.message.contains("needs `association`"), "{d}");
    let ok = src.replacen("email = \"contact@", "association = \"Les Anciens\"\nemail = \"contact@", 1);
    let c = Config::from_toml_str(&ok, "consent.toml").unwrap();
    assert!(c.controller().regime.allows_soft_opt_in());
    let soft_box = SCHOOL.replacen("purposes = [\"community\", \"mentoring\"]", "purposes = [\"network\"]", 1);
    assert!(errors(&soft_box)[0].message.contains("soft opt-in purpose `network` as a box"));
}

#[test]
fn fields_rules() {
    let src = format!("{GOOD}\n[[fields]]\nid = \"email\"\nrequired = false\n");
    assert!(errors(&src)[0].message.contains("field `email` must stay a required email"));
    let src = format!("{GOOD}\n[[fields]]\nid = \"linkedin\"\n");
    assert!(errors(&src)[0].message.contains("field `linkedin` has no `label`"));
    let src = format!("{GOOD}\n[[fields]]\nid = \"company\"\nlabel = {{ fr = \"Entreprise\", en = \"Company\" }}\n");
    let c = Config::from_toml_str(&src, "c.toml").unwrap();
    let company = c.fields().last().unwrap();
    assert_eq!((company.id.as_str(), company.required), ("company", false));
}

#[test]
fn missing_controller_contact_and_notice() {
    let src = GOOD.replacen("address = \"12 rue de Paris, 75000 Paris\"\n", "", 1);
    assert!(errors(&src)[0].message.contains("`[controller]` has no `address`"));
    let src = GOOD.replacen("privacy_url = \"/confidentialite/\"\n", "", 1);
    assert!(errors(&src).iter().any(|d| d.message.contains("no `privacy_url`")));
}

#[test]
fn examples_say_only_what_their_forms_collect() {
    for src in [GOOD, SCHOOL] {
        assert_eq!(Config::from_toml_str(src, "consent.toml").unwrap().minimisation(), []);
    }
}

#[test]
fn minimisation_finds_claims_beyond_the_form() {
    let claims =
        GOOD.replacen("data = [\"identity\", \"academic\"]", "data = [\"identity\", \"academic\", \"photo\"]", 1);
    let c = Config::from_toml_str(&claims, "c.toml").unwrap();
    assert_eq!(
        c.minimisation(),
        [Mismatch::UncollectedCategory {
            purpose: PurposeId::from("community"),
            purpose_index: 0,
            category: DataCategory::Photo
        }]
    );
    let own = format!(
        "{GOOD}\n[[fields]]\nid = \"linkedin\"\nlabel = {{ fr = \"Profil\", en = \"Profile\" }}\ndata = \"interests\"\n\
         [[fields]]\nid = \"company\"\nlabel = {{ fr = \"Entreprise\", en = \"Company\" }}\n"
    );
    let c = Config::from_toml_str(&own, "c.toml").unwrap();
    assert_eq!(
        c.minimisation(),
        [
            Mismatch::UndeclaredCategory { field: FieldId::from("linkedin"), category: DataCategory::Interests },
            Mismatch::FieldWithoutCategory { field: FieldId::from("company") },
        ]
    );
}

#[test]
fn service_ctas_require_only_what_the_service_needs() {
    let src = GOOD.replacen("needs = [\"last_name\", \"first_name\", \"promo\", \"email\"]\n", "", 1);
    let missing: Vec<(String, String, bool)> = Config::from_toml_str(&src, "c.toml")
        .unwrap()
        .minimisation()
        .into_iter()
        .filter_map(|m| match m {
            Mismatch::RequiredBeyondService { cta, field, needs_declared, .. } => {
                Some((cta.as_str().to_owned(), field.as_str().to_owned(), needs_declared))
            }
            _ => None,
        })
        .collect();
    let expected: Vec<(String, String, bool)> =
        ["last_name", "first_name", "promo"].iter().map(|f| ("event".to_owned(), (*f).to_owned(), false)).collect();
    assert_eq!(missing, expected, "email is always needed: the confirmation goes there");
    let unknown = GOOD.replacen("\"promo\", \"email\"]", "\"promo\", \"phone\"]", 1);
    let d = &errors(&unknown)[0];
    assert!(d.message.contains("CTA `event` needs unknown field `phone`"), "{d}");
    assert_eq!(d.line, line_of(&unknown, "\"phone\"]"));
    let without_service = GOOD.replacen(
        "purposes = [\"community\", \"jobs\", \"events\"]",
        "purposes = [\"community\", \"jobs\", \"events\"]\nneeds = [\"email\"]",
        1,
    );
    assert!(errors(&without_service)[0].message.contains("CTA `join` has `needs` but no `service`"));
}

#[test]
fn the_time_zone_defaults_to_paris_and_an_unknown_one_is_located() {
    assert_eq!(Config::from_toml_str(GOOD, "consent.toml").unwrap().time_zone().name(), "Europe/Paris");
    let src = GOOD.replacen("default_locale = \"fr\"", "default_locale = \"fr\"\ntime_zone = \"America/Montreal\"", 1);
    assert_eq!(Config::from_toml_str(&src, "consent.toml").unwrap().time_zone().name(), "America/Montreal");
    let src = GOOD.replacen("default_locale = \"fr\"", "default_locale = \"fr\"\ntime_zone = \"Europe/Pariss\"", 1);
    let d = &errors(&src)[0];
    assert_eq!((d.line, d.column), (line_of(&src, "time_zone"), 13), "{d}");
    assert!(d.message.contains("unknown time zone `Europe/Pariss`"), "{d}");
    assert!(d.hint.as_deref().unwrap().contains("Europe/Paris"), "{d}");
}

#[test]
fn a_sites_own_sender_and_relay_are_checked_where_they_are_written() {
    let ok = SCHOOL.replace(
        "[collector]\n",
        "[collector]\nmail_from = \"reseau@ecole-exemple.fr\"\nsmtp = \"smtps://relay.ecole-exemple.fr:465\"\n",
    );
    let c = Config::from_toml_str(&ok, "consent.toml").unwrap();
    assert_eq!(c.collector().mail_from.as_deref(), Some("reseau@ecole-exemple.fr"));
    assert_eq!(c.collector().smtp.as_deref(), Some("smtps://relay.ecole-exemple.fr:465"));

    let src = SCHOOL.replace("[collector]\n", "[collector]\nmail_from = \"reseau ecole\"\n");
    let d = &errors(&src)[0];
    assert_eq!(d.line, line_of(&src, "mail_from"), "{d}");
    assert!(d.message.contains("collector.mail_from `reseau ecole` is not an email address"), "{d}");

    let src =
        SCHOOL.replace("[collector]\n", "[collector]\nsmtp = \"smtp://user:secret@relay.ecole-exemple.fr:587\"\n");
    let d = &errors(&src)[0];
    assert_eq!(d.line, line_of(&src, "smtp ="), "{d}");
    assert!(d.message.contains("must not hold credentials"), "{d}");
    assert!(d.hint.as_deref().unwrap().contains("SMTP_PASSWORD_<SITE>"), "{d}");

    let src = SCHOOL.replace("[collector]\n", "[collector]\nsmtp = \"relay.ecole-exemple.fr\"\n");
    assert!(errors(&src)[0].message.contains("is not an SMTP URL"));
}
