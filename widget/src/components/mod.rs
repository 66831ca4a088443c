//! The widget's components, one per file, each with its private helpers.

pub mod consent_dialog;
pub mod consent_form;
pub mod cta_panel;
pub mod first_layer;
pub mod privacy_ack;
pub mod purpose_box;
pub mod returning;
pub mod text_field;
pub mod widget;
