//! Every text the widget itself shows (texts from `consent.toml` come with the config), one file per locale.

mod en;
mod fr;

use consent::Locale;

/// The widget's own texts in one locale.
pub struct Strings {
    /// Marks a required field (after its label).
    pub required: &'static str,
    /// Marks an optional field.
    pub optional: &'static str,
    /// The legend above the purpose boxes.
    pub purposes_legend: &'static str,
    /// Says that no purpose box is needed for a CTA that serves a request.
    pub purposes_optional: &'static str,
    /// The privacy box's text before the link.
    pub privacy_ack: &'static str,
    /// The privacy link's text.
    pub privacy_link: &'static str,
    /// The submit button.
    pub submit: &'static str,
    /// The close button's accessible name.
    pub close: &'static str,
    /// Shown while the form is sent.
    pub sending: &'static str,
    /// The form has errors to correct.
    pub fix_errors: &'static str,
    /// Tick at least one purpose.
    pub tick_one: &'static str,
    /// Success title.
    pub check_mailbox: &'static str,
    /// Before the record id on success.
    pub record_id: &'static str,
    /// Network failure, before the retry countdown.
    pub network_retry: &'static str,
    /// Network failure after every retry.
    pub network_gave_up: &'static str,
    /// The retried request may have gone through; nothing could confirm it.
    pub maybe_received: &'static str,
    /// The config could not be loaded.
    pub config_failed: &'static str,
    /// The browser lacks WebCrypto or IndexedDB.
    pub no_crypto: &'static str,
    /// « Vous avez consenti le ».
    pub consented_on: &'static str,
    /// After the date, before the list of purposes.
    pub consented_to: &'static str,
    /// « Votre demande du », before the date of a record waiting for its email confirmation.
    pub pending_on: &'static str,
    /// After that date: « est en attente de confirmation par courriel ».
    pub pending_to: &'static str,
    /// « Vous avez retiré votre consentement le », before the withdrawal's date.
    pub withdrawn_on: &'static str,
    /// « Vos données ont été effacées le », before the erasure's date.
    pub erased_on: &'static str,
    /// A record never confirmed in time (nothing was kept).
    pub expired: &'static str,
    /// Read out after a link opening in a new tab (visually hidden).
    pub new_tab: &'static str,
    /// The *modifier* button.
    pub change: &'static str,
    /// The *retirer* button.
    pub withdraw: &'static str,
    /// Saves changed choices.
    pub save_changes: &'static str,
    /// Cancels a change.
    pub cancel: &'static str,
    /// After a change was saved.
    pub changed: &'static str,
    /// After a withdrawal.
    pub withdrawn_done: &'static str,
    /// A purpose refused, in the summary.
    pub refused: &'static str,
    /// A purpose accepted, in the summary.
    pub accepted: &'static str,
    /// The second-layer link in the first-layer notice.
    pub read_more: &'static str,
    /// Title of the returning view.
    pub your_consent: &'static str,
}

/// The texts of `locale`.
pub fn strings(locale: Locale) -> &'static Strings {
    match locale {
        Locale::Fr => &fr::STRINGS,
        Locale::En => &en::STRINGS,
    }
}
