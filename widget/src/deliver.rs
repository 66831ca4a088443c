//! Sending a signed envelope with retries: a network failure keeps the form and tries again after 2, 4, 8
//! and 16 seconds, telling the alumnus each time. The same envelope is re-sent (its challenge is single use,
//! so at most one copy is ever stored).

use crate::api::{self, ApiError};
use consent::protocol::{ProblemType, SignedEnvelope};

/// Seconds to wait before each retry.
pub const BACKOFF_SECONDS: [u32; 4] = [2, 4, 8, 16];

/// The result of a delivery and whether the last answer came on a retry.
pub struct Delivery {
    /// The collector's answer: the 2xx body (to [`api::parse`]) or why it failed.
    pub result: Result<String, ApiError>,
    /// True when at least one earlier attempt was lost: a `challenge-reused` then likely means "already stored".
    pub retried: bool,
}

fn transient(error: &ApiError) -> bool {
    match error {
        ApiError::Network => true,
        ApiError::Problem(kind, _) => matches!(kind, ProblemType::Internal | ProblemType::Busy),
        ApiError::Unexpected(status) => *status >= 500,
    }
}

/// Posts `envelope` to `path`, retrying transient failures; `waiting(seconds)` is called before each pause.
pub async fn post_with_retry(
    endpoint: &str,
    path: &str,
    envelope: &SignedEnvelope,
    mut waiting: impl FnMut(u32),
) -> Delivery {
    let mut retried = false;
    for seconds in BACKOFF_SECONDS {
        let result = api::post(endpoint, path, envelope).await;
        match &result {
            Err(error) if transient(error) => {
                waiting(seconds);
                sleep(seconds * 1000).await;
                retried = true;
            }
            _ => return Delivery { result, retried },
        }
    }
    Delivery { result: api::post(endpoint, path, envelope).await, retried }
}

/// Waits `ms` milliseconds without blocking the page.
pub async fn sleep(ms: u32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms as i32);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}
