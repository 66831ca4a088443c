//! The form: boxes never pre-ticked (at render, after a validation error, after a collector error), one box
//! per purpose of the CTA, required fields marked, errors tied to their fields, typed values kept.

use crate::support::{self, config_from, mount, mount_with, settle};
use consent::Locale;
use consent::protocol::ProblemType;
use wasm_bindgen_test::wasm_bindgen_test;
use widget::form_state::Phase;
use widget::records::StoredRecord;
use widget::submit::Outcome;

#[wasm_bindgen_test]
async fn every_cta_shows_one_unticked_box_per_purpose() {
    for cta in ["join", "event", "interview"] {
        let form = mount(cta);
        settle().await;
        let boxes = form.boxes();
        let expected: Vec<String> = form.cta.purposes.iter().map(|p| p.to_string()).collect();
        assert_eq!(boxes.iter().map(|(id, _)| id.clone()).collect::<Vec<_>>(), expected, "{cta}");
        assert!(boxes.iter().all(|(_, ticked)| !ticked), "{cta}: a box is pre-ticked: {boxes:?}");
        assert!(!form.input("#privacy-ack").checked(), "{cta}: privacy box pre-ticked");
        // The privacy box is apart from the purposes, with the link to the notice.
        assert!(form.find("fieldset.purposes #privacy-ack").is_none());
        assert_eq!(form.get(".privacy a").get_attribute("href").as_deref(), Some("/confidentialite/"));
    }
}

#[wasm_bindgen_test]
async fn required_fields_are_marked_and_optional_ones_say_what_omitting_changes() {
    let form = mount("join");
    settle().await;
    let required = form.get("label[for=f-email]").text_content().unwrap();
    assert!(required.contains("obligatoire"), "{required}");
    assert_eq!(form.input("#f-email").get_attribute("aria-required").as_deref(), Some("true"));
    let optional = form.get("label[for=f-programme]").text_content().unwrap();
    assert!(optional.contains("facultatif"), "{optional}");
    let hint = form.get("#f-programme-hint").text_content().unwrap();
    assert!(!hint.is_empty());
    assert_eq!(form.input("#f-programme").get_attribute("aria-describedby").as_deref(), Some("f-programme-hint"));
    // The first layer is under the boxes.
    let first_layer = form.get("#first-layer").text_content().unwrap();
    assert!(first_layer.contains("Association des diplômés"), "{first_layer}");
}

#[wasm_bindgen_test]
async fn a_validation_error_is_tied_to_its_field_and_leaves_the_boxes_as_they_were() {
    let form = mount("join");
    form.click("button.cta");
    form.click("#p-jobs");
    form.type_into("#f-email", "not-an-email");
    form.type_into("#f-first_name", "Marie");
    settle().await;
    form.click("button.submit");
    settle().await;

    let email = form.input("#f-email");
    assert_eq!(email.get_attribute("aria-invalid").as_deref(), Some("true"));
    assert_eq!(email.get_attribute("aria-describedby").as_deref(), Some("f-email-error"));
    let message = form.get("#f-email-error").text_content().unwrap();
    assert!(message.contains("adresse électronique valide"), "{message}");
    assert_eq!(form.input("#f-last_name").get_attribute("aria-invalid").as_deref(), Some("true"));
    assert_eq!(form.input("#f-first_name").get_attribute("aria-invalid").as_deref(), Some("false"));
    assert_eq!(form.announced(), "Certains champs sont à corriger.");
    assert_eq!(form.get("[role=status]").get_attribute("aria-live").as_deref(), Some("polite"));
    // Focus lands on the first field in error.
    assert_eq!(form.focused(), "f-last_name");
    // Nothing typed is lost, nothing is ticked by the widget.
    assert_eq!(email.value(), "not-an-email");
    assert_eq!(form.input("#f-first_name").value(), "Marie");
    assert_eq!(form.boxes(), [("community".into(), false), ("jobs".into(), true), ("events".into(), false)].to_vec());
    assert!(!form.input("#privacy-ack").checked());
    let privacy_error = form.get("#privacy-error");
    assert!(!privacy_error.has_attribute("hidden"));
}

#[wasm_bindgen_test]
async fn nothing_ticked_on_a_community_cta_is_refused_before_sending() {
    let form = mount("join");
    form.open_and_fill().await;
    form.click("#privacy-ack");
    settle().await;
    form.click("button.submit");
    settle().await;
    assert!(!form.get("#purposes-error").has_attribute("hidden"));
    assert_eq!(form.focused(), "p-community");
    assert!(form.boxes().iter().all(|(_, ticked)| !ticked));
    assert_eq!(form.state.phase(), Phase::Editing);
}

#[wasm_bindgen_test]
async fn after_each_collector_refusal_the_boxes_are_still_unticked_and_the_message_is_shown() {
    for locale in [Locale::Fr, Locale::En] {
        let form = mount_with(crate::support::config(), "join", locale);
        form.open_and_fill().await;
        for &kind in ProblemType::ALL {
            form.state.apply(Outcome::Refused(kind, Vec::new()), locale);
            settle().await;
            assert_eq!(form.announced(), kind.message(locale), "{kind:?}");
            assert!(form.boxes().iter().all(|(_, ticked)| !ticked), "{kind:?}: {:?}", form.boxes());
            assert!(!form.get("form").has_attribute("hidden"), "{kind:?}: the form must stay");
            assert_eq!(form.input("#f-email").value(), "marie.curie@example.org");
        }
    }
}

#[wasm_bindgen_test]
async fn collector_field_errors_are_shown_on_their_fields() {
    use consent::protocol::{FieldError, FieldErrorCode};
    let form = mount("join");
    form.open_and_fill().await;
    let errors = vec![FieldError { field: "promo".into(), code: FieldErrorCode::Year }];
    form.state.apply(Outcome::Refused(ProblemType::InvalidField, errors), Locale::Fr);
    settle().await;
    assert_eq!(form.input("#f-promo").get_attribute("aria-invalid").as_deref(), Some("true"));
    assert_eq!(form.get("#f-promo-error").text_content().unwrap(), FieldErrorCode::Year.message(Locale::Fr));
}

#[wasm_bindgen_test]
async fn network_failure_says_it_retries_and_keeps_the_form() {
    let form = mount("join");
    form.open_and_fill().await;
    form.state.waiting(4, Locale::Fr);
    settle().await;
    assert!(form.announced().contains("nouvel essai dans 4 s"), "{}", form.announced());
    form.state.apply(Outcome::Unreachable, Locale::Fr);
    settle().await;
    assert!(form.announced().contains("Vos réponses sont conservées"));
    assert_eq!(form.input("#f-last_name").value(), "Curie");
}

#[wasm_bindgen_test]
async fn success_shows_check_your_mailbox_and_the_record_id() {
    let form = mount("join");
    form.open_and_fill().await;
    let record = widget::records::StoredRecord {
        record_id: "rec_123".into(),
        status: "pending".into(),
        choices: [("community".to_owned(), true)].into(),
        given_at: "2026-11-29T09:00:00Z".into(),
        updated_at: None,
    };
    form.state.apply(Outcome::Accepted(record), Locale::Fr);
    settle().await;
    assert!(form.get("form").has_attribute("hidden"));
    let success = form.get(".success").text_content().unwrap();
    assert!(success.contains("Vérifiez votre boîte mail pour confirmer"), "{success}");
    assert!(success.contains("rec_123"), "{success}");
}

#[wasm_bindgen_test]
async fn markup_in_config_texts_stays_text() {
    let toml = include_str!("../../../examples/association-exemple/consent.toml")
        .replace("Rejoindre la communauté alumni", "<img src=x onerror=alert(1)>");
    let form = mount_with(config_from(&toml), "join", Locale::Fr);
    settle().await;
    assert!(form.find("img").is_none());
    assert_eq!(form.get("button.cta").text_content().unwrap(), "<img src=x onerror=alert(1)>");
}

#[wasm_bindgen_test]
async fn an_unreachable_collector_is_retried_and_the_form_kept() {
    // The support mounts with http://127.0.0.1:9, where nothing listens: the challenge request fails for real.
    let form = mount("join");
    form.open_and_fill().await;
    form.click("#p-community");
    form.click("#privacy-ack");
    settle().await;
    form.click("button.submit");
    let mut announced = String::new();
    for _ in 0..100 {
        settle().await;
        announced = form.announced();
        if announced.contains("nouvel essai") {
            break;
        }
    }
    assert!(announced.contains("Connexion impossible. Vos réponses sont conservées"), "{announced}");
    assert!(announced.contains("nouvel essai dans 2 s"), "{announced}");
    assert_eq!(form.state.phase(), Phase::Sending);
    assert!(form.get("button.submit").has_attribute("disabled"));
    assert_eq!(form.input("#f-email").value(), "marie.curie@example.org");
    assert_eq!(form.boxes(), [("community".into(), true), ("jobs".into(), false), ("events".into(), false)].to_vec());
}

#[wasm_bindgen_test]
async fn a_returning_browser_sees_its_choices_and_can_edit_them() {
    let record = StoredRecord {
        record_id: "r1".into(),
        status: "confirmed".into(),
        choices: [("community".to_owned(), true), ("jobs".to_owned(), false)].into_iter().collect(),
        given_at: "2026-11-29T08:45:13Z".into(),
        updated_at: None,
    };
    let form = support::mount_remembering(support::config(), "join", Locale::Fr, Some(record));
    settle().await;
    let summary = form.get(".returning").text_content().unwrap_or_default();
    assert!(summary.contains("Vous avez consenti le") && summary.contains("accepté") && summary.contains("refusé"));
    assert!(form.get(".returning fieldset").has_attribute("hidden"), "the boxes show only when changing");

    form.click(".returning .actions button:first-child");
    settle().await;
    assert!(!form.get(".returning fieldset").has_attribute("hidden"));
    assert!(form.input("#r-community").checked() && !form.input("#r-jobs").checked(), "the boxes start as recorded");
    form.click("#r-jobs");
    settle().await;
    assert!(form.input("#r-jobs").checked());
    assert_eq!(
        form.get(".returning .actions button:first-child").text_content().as_deref(),
        Some("Enregistrer mes choix")
    );

    form.click(".returning .actions button:nth-child(2)");
    settle().await;
    assert!(form.get(".returning fieldset").has_attribute("hidden"), "cancel closes the boxes");
    let summary = form.get(".returning").text_content().unwrap_or_default();
    assert!(summary.contains("refusé"), "nothing changed without saving: {summary}");
}
