//! The whole submission of DESIGN §6 from the browser's side: device key, challenge, canonical payload,
//! signature, delivery with retries, and the reading of the answer into an [`Outcome`].

use crate::api::{self, ApiError};
use crate::deliver::{BACKOFF_SECONDS, post_with_retry, sleep};
use crate::device::DeviceKey;
use crate::json::{self, FromJson};
use crate::records::{self, StoredRecord};
use crate::seal::{self, Answers, Context};
use consent::protocol::{Action, FieldError, ProblemType};
use wasm_bindgen::JsValue;

/// The part of `consent::protocol::SubmissionAccepted` the widget uses. The receipt is for offline checks; not
/// deserialising it keeps its code out of the bundle.
struct Accepted {
    record_id: String,
    status: String,
}

impl FromJson for Accepted {
    fn from_json(value: &JsValue) -> Option<Accepted> {
        Some(Accepted { record_id: json::field(value, "record_id")?, status: json::field(value, "status")? })
    }
}

/// How a submission or an action ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Stored; the record id to show.
    Accepted(StoredRecord),
    /// A retried request was refused as already received and no `status` could confirm it.
    MaybeReceived,
    /// Refused by the collector, with the per-field errors of `invalid-field`.
    Refused(ProblemType, Vec<FieldError>),
    /// The collector stayed unreachable after every retry.
    Unreachable,
    /// An answer that is not part of the protocol.
    Unexpected,
    /// No WebCrypto or IndexedDB here (insecure context, old browser, private mode restrictions).
    NoCrypto,
}

impl From<ApiError> for Outcome {
    fn from(error: ApiError) -> Self {
        match error {
            ApiError::Network => Outcome::Unreachable,
            ApiError::Problem(kind, errors) => Outcome::Refused(kind, errors),
            ApiError::Unexpected(_) => Outcome::Unexpected,
        }
    }
}

/// Signs and sends `answers`; `waiting(seconds)` is told before each retry.
pub async fn submit(
    endpoint: &str,
    context: &Context,
    answers: Answers,
    honeypot: Option<String>,
    mut waiting: impl FnMut(u32),
) -> Outcome {
    let Ok(key) = DeviceKey::load_or_create().await else { return Outcome::NoCrypto };
    let challenge = match challenge_with_retry(endpoint, &context.site, &mut waiting).await {
        Ok(token) => token,
        Err(error) => return error.into(),
    };
    let payload = seal::submission(context, answers, challenge, &key);
    let Ok(mut envelope) = seal::seal(&payload, &key).await else { return Outcome::NoCrypto };
    envelope.hp = honeypot.filter(|h| !h.is_empty());
    let delivery = post_with_retry(endpoint, "/v1/submissions", &envelope, &mut waiting).await;
    let outcome = match delivery.result.and_then(api::parse::<Accepted>) {
        Ok(accepted) => Outcome::Accepted(StoredRecord {
            record_id: accepted.record_id,
            status: accepted.status,
            choices: payload.choices,
            given_at: payload.submitted_at,
            updated_at: None,
        }),
        // The lost first attempt went through: confirm it with a signed status before saying so.
        Err(ApiError::Problem(ProblemType::ChallengeReused, _)) if delivery.retried => {
            match act(endpoint, &context.site, None, Action::Status).await {
                Ok(view) if view.choices == payload.choices => Outcome::Accepted(view),
                _ => Outcome::MaybeReceived,
            }
        }
        Err(error) => error.into(),
    };
    if let Outcome::Accepted(record) = &outcome {
        // Losing the local copy only costs the "returning browser" view; the record is stored anyway.
        let _ = records::save(&context.site, record).await;
    }
    outcome
}

/// A challenge token, retried like the submission when the collector cannot be reached.
async fn challenge_with_retry(endpoint: &str, site: &str, waiting: &mut impl FnMut(u32)) -> Result<String, ApiError> {
    for seconds in BACKOFF_SECONDS {
        match api::challenge(endpoint, site).await {
            Err(ApiError::Network) => {
                waiting(seconds);
                sleep(seconds * 1000).await;
            }
            other => return other.map(|c| c.token),
        }
    }
    api::challenge(endpoint, site).await.map(|c| c.token)
}

/// Sends a signed action (`status`, `change`, `withdraw`) on `record_id` and returns the record's new state. The
/// collector's `RecordView` is read straight into a [`StoredRecord`] (its other fields are skipped), so that only
/// one record type has deserialising code in the bundle.
pub async fn act(endpoint: &str, site: &str, record_id: Option<&str>, action: Action) -> Result<StoredRecord, Outcome> {
    let key = DeviceKey::load_or_create().await.map_err(|_| Outcome::NoCrypto)?;
    let challenge = api::challenge(endpoint, site).await.map_err(Outcome::from)?.token;
    let payload = seal::action(site, record_id, action, challenge, &key);
    let envelope = seal::seal(&payload, &key).await.map_err(|_| Outcome::NoCrypto)?;
    let delivery = post_with_retry(endpoint, "/v1/actions", &envelope, |_| ()).await;
    delivery.result.and_then(api::parse::<StoredRecord>).map_err(Outcome::from)
}
