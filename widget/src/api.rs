//! The collector's HTTP API as the widget calls it (helper-common "Embedding contract"): config, challenge,
//! submissions and actions. Requests carry no credentials; errors come back as `problem+json`.

use crate::json::{self, FromJson};
use consent::protocol::{FieldError, ProblemType, SignedEnvelope};
use gloo_net::http::{Request, RequestBuilder};
use serde::de::DeserializeOwned;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::RequestCredentials;

/// Why a call failed.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// The collector could not be reached (offline, DNS, CORS refusal, lost response).
    Network,
    /// The collector refused with one of its problem types, and the per-field errors of `invalid-field`.
    Problem(ProblemType, Vec<FieldError>),
    /// Any other answer (an unknown problem type, a proxy error page…), with its HTTP status.
    Unexpected(u16),
}

/// The part of a `consent::protocol::Problem` the widget reads (the texts it shows are its own): its `type`
/// and the per-field `errors`.
struct ProblemBody {
    type_uri: String,
    errors: Vec<FieldError>,
}

impl FromJson for ProblemBody {
    fn from_json(value: &JsValue) -> Option<ProblemBody> {
        Some(ProblemBody { type_uri: json::field(value, "type")?, errors: json::list_or_empty(value, "errors")? })
    }
}

/// `{"token": "...", "exp": unix}` from `GET /v1/challenge`.
#[derive(Debug, Clone)]
pub struct Challenge {
    /// The signed token to put in the payload.
    pub token: String,
}

impl FromJson for Challenge {
    fn from_json(value: &JsValue) -> Option<Challenge> {
        Some(Challenge { token: json::field(value, "token")? })
    }
}

fn url(endpoint: &str, path: &str) -> String {
    let mut url = endpoint.trim_end_matches('/').to_owned();
    url.push_str(path);
    url
}

fn no_credentials(builder: RequestBuilder) -> RequestBuilder {
    // No cookie ever travels to the collector, whatever the host page does.
    builder.credentials(RequestCredentials::Omit)
}

/// Sends `request` and reads the answer: the body on 2xx, the problem otherwise. Not generic, so that the async
/// machinery exists once in the bundle; callers [`parse`] the body.
async fn fetch(request: Result<Request, gloo_net::Error>) -> Result<String, ApiError> {
    let response = request.map_err(|_| ApiError::Unexpected(0))?.send().await.map_err(|_| ApiError::Network)?;
    let status = response.status();
    let text = response.text().await.map_err(|_| ApiError::Network)?;
    checked(status, text)
}

/// The body of a 2xx answer, else the problem it carries.
fn checked(status: u16, body: String) -> Result<String, ApiError> {
    if (200..300).contains(&status) {
        return Ok(body);
    }
    match json::from_str::<ProblemBody>(&body).and_then(|p| Some((ProblemType::from_uri(&p.type_uri)?, p))) {
        Some((kind, problem)) => Err(ApiError::Problem(kind, problem.errors)),
        None => Err(ApiError::Unexpected(status)),
    }
}

/// Reads a 2xx body as `T`.
pub fn parse<T: FromJson>(body: String) -> Result<T, ApiError> {
    json::from_str(&body).ok_or(ApiError::Unexpected(200))
}

/// Interprets a status and body (split out so that tests cover every problem type without a server).
pub fn interpret<T: DeserializeOwned>(status: u16, body: &str) -> Result<T, ApiError> {
    let body = checked(status, body.to_owned())?;
    serde_json::from_str(&body).map_err(|_| ApiError::Unexpected(status))
}

/// `GET` a JSON document (the config, from the collector or a static file): the answer the entry module already
/// asked for when there is one (see [`PREFETCH`]), else a request now.
pub async fn get_json<T: FromJson>(address: &str) -> Result<T, ApiError> {
    if let Some((status, body)) = prefetched(address).await {
        return parse(checked(status, body)?);
    }
    parse(fetch(no_credentials(Request::get(address)).build()).await?)
}

/// The registry (`globalThis[Symbol.for(PREFETCH)]`, a `Map` from address to a promise of `[status, text]` or
/// `null`) where the bundle's entry module puts the config request of each script tag, sent while the wasm
/// downloads and compiles instead of after: start-up is then one round trip shorter. Written by
/// `xtask/src/widget.rs`; the address is built the same way as [`config_url`].
pub const PREFETCH: &str = "alumni-consent.config";

/// Takes the prefetched answer for `address` (once: a later widget asks again); `None` when there is none or it
/// failed, and the caller then sends its own request.
async fn prefetched(address: &str) -> Option<(u16, String)> {
    let registry = js_sys::Reflect::get(&js_sys::global(), &js_sys::Symbol::for_(PREFETCH)).ok()?;
    let registry: js_sys::Map = registry.dyn_into().ok()?;
    let key = JsValue::from_str(address);
    let pending = registry.get(&key);
    registry.delete(&key);
    let pending: js_sys::Promise = pending.dyn_into().ok()?;
    let answer: js_sys::Array = wasm_bindgen_futures::JsFuture::from(pending).await.ok()?.dyn_into().ok()?;
    let status = u16::try_from(answer.get(0).as_f64()? as u32).ok()?;
    Some((status, answer.get(1).as_string()?))
}

/// `GET {endpoint}/v1/sites/{site}/config`'s address.
pub fn config_url(endpoint: &str, site: &str) -> String {
    let mut path = String::from("/v1/sites/");
    path.push_str(&encode(site));
    path.push_str("/config");
    url(endpoint, &path)
}

/// A fresh challenge token for `site`.
pub async fn challenge(endpoint: &str, site: &str) -> Result<Challenge, ApiError> {
    let mut path = String::from("/v1/challenge?site=");
    path.push_str(&encode(site));
    parse(fetch(no_credentials(Request::get(&url(endpoint, &path))).build()).await?)
}

/// `POST` a signed envelope to `path` (`/v1/submissions` or `/v1/actions`); the 2xx body, to [`parse`].
pub async fn post(endpoint: &str, path: &str, envelope: &SignedEnvelope) -> Result<String, ApiError> {
    // The canonical writer is already in the bundle for the payload; any key order is valid JSON for the body.
    let body = consent::canonical::to_canonical_string_integral(envelope).map_err(|_| ApiError::Unexpected(0))?;
    let request =
        no_credentials(Request::post(&url(endpoint, path))).header("content-type", "application/json").body(body);
    fetch(request).await
}

/// Percent-encodes a query or path component (site ids are plain, but the attribute comes from the page).
fn encode(component: &str) -> String {
    String::from(js_sys::encode_uri_component(component))
}
