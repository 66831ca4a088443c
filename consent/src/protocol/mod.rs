//! The v1 protocol between widget and collector (DESIGN §6), as types both sides share.
//!
//! 1. `GET /v1/sites/{site}/config` → [`WidgetConfig`];
//! 2. `GET /v1/challenge?site=` → a [`ChallengeClaims`] token signed by the collector;
//! 3. `POST /v1/submissions` ← a [`SignedEnvelope`] over a canonical [`SubmissionPayload`];
//!    `POST /v1/actions` ← a [`SignedEnvelope`] over an [`ActionPayload`] (change, withdraw, status);
//! 4. `201` → a [`Receipt`]; any failure → a [`Problem`].

mod action;
mod challenge;
mod device_key;
mod envelope;
mod problem;
mod receipt;
mod rules;
mod submission;
mod widget_config;

pub use action::{Action, ActionPayload, RecordView};
pub use challenge::{ChallengeClaims, SignedToken, TokenFormatError};
pub use device_key::Jwk;
pub use envelope::{SignedEnvelope, b64url_decode, b64url_encode};
pub use problem::{Problem, ProblemType};
pub use receipt::{Receipt, ReceiptBody, SubmissionAccepted};
pub use rules::{
    FieldError, FieldErrorCode, SubmissionError, check_choices, check_context, check_subject, is_hidden,
    is_plausible_email,
};
pub use submission::SubmissionPayload;
pub use widget_config::{CtaSpec, FieldSpec, PurposeSpec, WidgetConfig};

/// The protocol version carried in every message as `v`.
pub const PROTOCOL_VERSION: u32 = 1;

/// The largest request body the collector reads (16 KiB).
pub const MAX_BODY_BYTES: usize = 16 * 1024;
