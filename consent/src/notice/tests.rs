//! The notice: complete, escaped, deterministic.

use super::*;

const GOOD: &str = include_str!("../../../examples/association-exemple/consent.toml");
const SCHOOL: &str = include_str!("../../../examples/ecole-exemple/consent.toml");

fn notice(src: &str) -> Notice {
    Notice::render(&Config::from_toml_str(src, "consent.toml").unwrap())
}

#[test]
fn same_config_same_version_and_any_change_moves_it() {
    let a = notice(GOOD);
    assert_eq!(a, notice(GOOD));
    assert_eq!(a.version().as_str().len(), 64);
    let b = notice(&GOOD.replacen("years = 1", "years = 3", 1));
    assert_ne!(a.version(), b.version());
    assert_eq!(NoticeVersion::of(&a.canonical_bytes()), *a.version());
}

/// A fixed copy of the example config, so that the pinned version only moves when the rendering does.
pub(crate) const PINNED: &str = include_str!("../../tests/data/pinned-consent.toml");

/// Pins the version and the wording: a platform difference, or a wording change, shows up in review.
/// The wasm32 test (`tests/wasm.rs`) checks the same version.
#[test]
fn version_and_wording_are_pinned() {
    let n = notice(PINNED);
    assert_eq!(n.version().as_str(), include_str!("../../tests/data/pinned-version.txt").trim());
    insta::assert_snapshot!("first_layer_fr", n.first_layer(Locale::Fr));
    insta::assert_snapshot!("second_layer_fr", n.second_layer(Locale::Fr));
    insta::assert_snapshot!("second_layer_en", n.second_layer(Locale::En));
}

#[test]
fn first_layer_has_the_practice_sentence() {
    let n = notice(GOOD);
    let fr = n.first_layer(Locale::Fr);
    assert!(fr.starts_with("Association des diplômés de l'École Exemple traite les données recueillies"), "{fr}");
    assert!(fr.contains("animer la communauté alumni"), "{fr}");
    assert!(fr.contains("retirer votre consentement à tout moment"));
    assert!(fr.contains("reportez-vous à la politique de confidentialité"));
    assert!(fr.contains("CNIL"));
    let en = n.first_layer(Locale::En);
    assert!(en.contains("withdraw your consent at any time"), "{en}");
}

#[test]
fn second_layer_covers_article_13() {
    let n = notice(GOOD);
    let fr = n.second_layer(Locale::Fr);
    for item in [
        "Responsable de traitement",
        "12 rue de Paris, 75000 Paris",
        "contact@association-exemple.fr",
        "Délégué à la protection des données",
        "dpo@association-exemple.fr",
        "Finalités et bases légales",
        "votre consentement (RGPD, art. 6.1.a)",
        "Destinataires",
        "Transferts hors de l'Union européenne",
        "Durées de conservation",
        "2 ans à compter de votre dernière activité",
        "droits d'accès",
        "rectification",
        "effacement",
        "limitation",
        "portabilité",
        "opposition",
        "Retrait du consentement",
        "CNIL",
        "Données obligatoires et facultatives",
        "Sans votre cursus",
    ] {
        assert!(fr.contains(item), "missing « {item} » in:\n{fr}");
    }
    assert!(fr.contains("Courriel\u{a0}: contact@"), "French typography: non-breaking space before the colon");
    let en = n.second_layer(Locale::En);
    assert!(en.contains("Privacy policy") && en.contains("right") && en.contains("portability"));
    let school = notice(SCHOOL);
    assert!(school.second_layer(Locale::Fr).contains("CPCE, art. L.34-5"));
}

#[test]
fn configured_values_are_escaped() {
    let src = GOOD.replacen(
        "name = \"Association des diplômés de l'École Exemple\"",
        "name = \"<img src=x onerror=alert(1)> *Asso* [x](javascript:alert(1))\"",
        1,
    );
    let second = notice(&src).second_layer(Locale::Fr).to_owned();
    assert!(second.contains("&lt;img src=x onerror=alert(1)&gt;"), "{second}");
    assert!(!second.contains("<img"));
    assert!(second.contains("\\*Asso\\*") && second.contains("\\[x\\](javascript:alert(1))"));
}
