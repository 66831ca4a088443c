//! What users of the widget saw go wrong (issue 17, item 3), each tried as a new user would.

use crate::support::{self, mount, settle};
use consent::Locale;
use wasm_bindgen_test::wasm_bindgen_test;
use widget::records::StoredRecord;
use widget::submit::Outcome;

fn record(status: &str) -> StoredRecord {
    StoredRecord {
        record_id: "r1".into(),
        status: status.into(),
        choices: [("community".to_owned(), true), ("jobs".to_owned(), false)].into_iter().collect(),
        given_at: "2026-12-02T08:45:13Z".into(),
        updated_at: Some("2026-12-03T10:00:00Z".into()),
    }
}

/// The text a sighted user sees in `element`: what is not inside a `hidden` element.
fn visible_text(element: &web_sys::Element) -> String {
    let script = "const out = []; const walk = (n) => { if (n.nodeType === 3) out.push(n.data); \
        else if (n.nodeType === 1 && !n.hidden && getComputedStyle(n).display !== 'none') n.childNodes.forEach(walk); }; \
        walk(arguments[0]); return out.join('');";
    let f = js_sys::Function::new_with_args("", &script.replace("arguments[0]", "this"));
    f.call0(element).unwrap().as_string().unwrap()
}

#[wasm_bindgen_test]
async fn the_success_text_is_shown_once() {
    let form = mount("join");
    form.open_and_fill().await;
    form.state.apply(Outcome::Accepted(record("pending")), Locale::Fr);
    settle().await;
    let shown = visible_text(&form.get("dialog"));
    assert_eq!(shown.matches("Vérifiez votre boîte mail").count(), 1, "{shown}");
    assert!(shown.contains("r1"), "{shown}");
}

#[wasm_bindgen_test]
async fn a_pending_record_is_said_to_wait_for_the_email_confirmation() {
    let form = support::mount_remembering(support::config(), "join", Locale::Fr, Some(record("pending")));
    settle().await;
    let summary = visible_text(&form.get(".returning"));
    assert!(!summary.contains("Vous avez consenti"), "not consented yet: {summary}");
    assert!(summary.contains("en attente de confirmation par courriel"), "{summary}");
    assert!(summary.contains("2 décembre 2026"), "{summary}");

    let form = support::mount_remembering(support::config(), "join", Locale::Fr, Some(record("confirmed")));
    settle().await;
    let summary = visible_text(&form.get(".returning"));
    assert!(summary.contains("Vous avez consenti le 2 décembre 2026"), "{summary}");
    assert!(!summary.contains("attente"), "{summary}");
}

#[wasm_bindgen_test]
fn the_privacy_link_says_it_opens_a_new_tab() {
    let form = mount("join");
    for (selector, locale_text) in [(".privacy a", "nouvel onglet"), ("#first-layer a", "nouvel onglet")] {
        let Some(link) = form.find(selector) else { continue };
        assert_eq!(link.get_attribute("target").as_deref(), Some("_blank"));
        let said = link.text_content().unwrap_or_default();
        assert!(said.contains(locale_text), "{selector}: « {said} »");
        let hint = link.query_selector(".vh").unwrap().expect("the new-tab words are in a visually hidden span");
        let style = web_sys::window().unwrap().get_computed_style(&hint).unwrap().unwrap();
        assert_eq!(style.get_property_value("position").unwrap(), "absolute", "visually hidden, still read out");
        assert_eq!(style.get_property_value("width").unwrap(), "1px");
    }
    assert!(form.find(".privacy a").is_some());
}

/// Autofill ignores `autocomplete=off` (Chromium and Firefox fill such fields anyway) and picks fields by the
/// words in their name, id, label and placeholder. The trap has none of those words, and an autocomplete token
/// that is not an autofill field name, which Chromium's autofill never fills; a bot filling it is still seen.
#[wasm_bindgen_test]
async fn the_honeypot_is_a_field_autofill_never_targets() {
    let form = mount("join");
    form.click("button.cta");
    let traps = form.all(".hp input");
    assert_eq!(traps.len(), 1);
    let trap = &traps[0];
    let autocomplete = trap.get_attribute("autocomplete").unwrap_or_default().to_ascii_lowercase();
    // The autofill field names of the HTML standard (§ 4.10.18.7.1), plus on/off: autofill acts on every one.
    const AUTOFILL_NAMES: &[&str] = &[
        "",
        "on",
        "off",
        "name",
        "honorific-prefix",
        "given-name",
        "additional-name",
        "family-name",
        "honorific-suffix",
        "nickname",
        "username",
        "new-password",
        "current-password",
        "one-time-code",
        "organization-title",
        "organization",
        "street-address",
        "address-line1",
        "address-line2",
        "address-line3",
        "address-level4",
        "address-level3",
        "address-level2",
        "address-level1",
        "country",
        "country-name",
        "postal-code",
        "cc-name",
        "cc-given-name",
        "cc-additional-name",
        "cc-family-name",
        "cc-number",
        "cc-exp",
        "cc-exp-month",
        "cc-exp-year",
        "cc-csc",
        "cc-type",
        "transaction-currency",
        "transaction-amount",
        "language",
        "bday",
        "bday-day",
        "bday-month",
        "bday-year",
        "sex",
        "url",
        "photo",
        "tel",
        "tel-country-code",
        "tel-national",
        "tel-area-code",
        "tel-local",
        "tel-extension",
        "email",
        "impp",
        "webauthn",
    ];
    assert!(
        !AUTOFILL_NAMES.contains(&autocomplete.as_str()),
        "autocomplete=« {autocomplete} » is one autofill acts on"
    );
    // Words of Chromium's and Firefox's field-type heuristics (English and French), none of which may appear.
    const HEURISTIC_WORDS: &[&str] = &[
        "name",
        "nom",
        "mail",
        "courriel",
        "phone",
        "tel",
        "address",
        "adresse",
        "addr",
        "street",
        "rue",
        "city",
        "ville",
        "zip",
        "postal",
        "country",
        "pays",
        "company",
        "entreprise",
        "organi",
        "url",
        "web",
        "site",
        "user",
        "login",
        "pass",
        "card",
        "birth",
        "naissance",
        "search",
        "title",
        "titre",
        "field",
    ];
    let label = form.get(".hp label").text_content().unwrap_or_default();
    for (what, value) in [
        ("name", trap.get_attribute("name").unwrap_or_default()),
        ("id", trap.id()),
        ("label", label),
        ("placeholder", trap.get_attribute("placeholder").unwrap_or_default()),
    ] {
        let value = value.to_lowercase();
        for word in HEURISTIC_WORDS {
            assert!(!value.contains(word), "the trap's {what} « {value} » contains « {word} », which autofill matches");
        }
    }
    assert!(!trap.get_attribute("name").unwrap_or_default().is_empty(), "a name, so no heuristic falls back to the id");
    assert_eq!(trap.get_attribute("tabindex").as_deref(), Some("-1"), "never reached by keyboard");

    // A bot fills it: the form sends it, and the collector refuses it (tests/tests/embed.rs shows the refusal).
    let selector = format!("#{}", trap.id());
    form.type_into(&selector, "https://spam.example");
    assert_eq!(form.state.honeypot(), "https://spam.example");
}

#[wasm_bindgen_test]
async fn a_withdrawn_record_says_when_and_offers_no_action() {
    let form = support::mount_remembering(support::config(), "join", Locale::Fr, Some(record("withdrawn")));
    settle().await;
    let summary = visible_text(&form.get(".returning"));
    assert!(summary.contains("Vous avez retiré votre consentement le 3 décembre 2026."), "{summary}");
    assert!(!summary.contains("Modifier") && !summary.contains("accepté"), "{summary}");
}
