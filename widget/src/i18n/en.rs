//! The widget's texts in English.

use super::Strings;

/// The English texts.
pub static STRINGS: Strings = Strings {
    required: "required",
    optional: "optional",
    purposes_legend: "I agree that my data be used for:",
    purposes_optional: "These boxes are optional: your request is handled even if you tick none.",
    privacy_ack: "I have read the ",
    privacy_link: "privacy policy",
    submit: "Send",
    close: "Close",
    sending: "Sending…",
    fix_errors: "Some fields need correcting.",
    tick_one: "You ticked no purpose: nothing was recorded. Tick at least one box to continue.",
    check_mailbox: "Check your mailbox to confirm.",
    record_id: "Your request number: ",
    network_retry: "Cannot connect. Your answers are kept; trying again in ",
    network_gave_up: "Cannot connect. Your answers are kept: try again when the connection is back.",
    maybe_received: "Your request was probably received, but we could not confirm it. Check your mailbox.",
    config_failed: "The form could not be loaded. Try again later.",
    no_crypto: "Your browser cannot sign this form (insecure page or outdated browser).",
    consented_on: "You consented on ",
    consented_to: ":",
    withdrawn: "You withdrew your consent.",
    pending: "Waiting for your confirmation by email.",
    change: "Change",
    withdraw: "Withdraw my consent",
    save_changes: "Save my choices",
    cancel: "Cancel",
    changed: "Your choices were saved.",
    withdrawn_done: "Your consent was withdrawn. You will receive no further communication.",
    refused: "refused",
    accepted: "accepted",
    read_more: "Privacy policy",
    your_consent: "Your consent",
};
