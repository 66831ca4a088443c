//! CSRF protection for every state-changing request of the console, in two independent checks: the browser
//! says where the form came from (`Sec-Fetch-Site` must be `same-origin` or `none`; `Origin`, when sent, must be
//! the collector's own), and the form carries the session's token. The session cookie is `SameSite=Strict` too.

use crate::AppState;
use crate::staff::{Staff, StaffError};
use axum::Form;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{HeaderMap, header};
use serde::de::DeserializeOwned;

/// The origin of a URL: `scheme://host[:port]`.
fn origin_of(url: &str) -> &str {
    let start = url.find("://").map_or(0, |i| i + 3);
    url[start..].find('/').map_or(url, |end| &url[..start + end])
}

/// Whether the request's provenance headers say it came from this console.
pub fn same_origin(state: &AppState, headers: &HeaderMap) -> bool {
    let text = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    // Browsers that send Sec-Fetch-Site say it all; under the console's `Referrer-Policy: no-referrer` their
    // `Origin` on a form post is `null`, so it is read only from clients that do not send the former.
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return site == "same-origin" || site == "none";
    }
    match text(header::ORIGIN) {
        None => true,
        Some(origin) => {
            let own = origin_of(&state.settings.public_url);
            let host = text(header::HOST).map(|h| format!("http://{h}"));
            origin.eq_ignore_ascii_case(own) || host.is_some_and(|h| origin.eq_ignore_ascii_case(&h))
        }
    }
}

/// Compares two tokens in time independent of where they differ.
fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Checks a form's token against the session's.
pub fn verify(staff: &Staff, token: &str) -> Result<(), StaffError> {
    if !token.is_empty() && same_token(token, &staff.csrf_token) { Ok(()) } else { Err(StaffError::Csrf) }
}

/// A form posted by a signed-in account from this console: provenance and token checked, then the fields
/// (every one but `csrf`) read into `T`.
#[derive(Debug)]
pub struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = StaffError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, StaffError> {
        if !same_origin(state, request.headers()) {
            return Err(StaffError::Csrf);
        }
        let (mut parts, body) = request.into_parts();
        let staff = Staff::from_request_parts(&mut parts, state).await?;
        let request = Request::from_parts(parts, body);
        let Form(pairs) = Form::<Vec<(String, String)>>::from_request(request, state).await.map_err(|e| {
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                StaffError::TooLarge
            } else {
                StaffError::Csrf
            }
        })?;
        let token = pairs.iter().find(|(k, _)| k == "csrf").map_or("", |(_, v)| v.as_str());
        verify(&staff, token)?;
        let fields: serde_json::Map<String, serde_json::Value> =
            pairs.into_iter().filter(|(k, _)| k != "csrf").map(|(k, v)| (k, serde_json::Value::String(v))).collect();
        let value = serde_json::from_value(serde_json::Value::Object(fields))
            .map_err(|_| StaffError::invalid("Formulaire incomplet ou mal formé.", "Incomplete or malformed form."))?;
        Ok(CsrfForm(value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_and_tokens() {
        assert_eq!(origin_of("https://consent.example.org/staff/"), "https://consent.example.org");
        assert_eq!(origin_of("http://127.0.0.1:8787"), "http://127.0.0.1:8787");
        assert!(same_token("abc", "abc"));
        assert!(!same_token("abc", "abd"));
        assert!(!same_token("abc", "abcd"));
    }
}

/// A form posted before any session (sign-in, password links): its refusals are console pages too (413 for an
/// oversized body, 422 for a malformed one), never the framework's plain text.
#[derive(Debug)]
pub struct PlainForm<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequest<S> for PlainForm<T> {
    type Rejection = StaffError;

    async fn from_request(request: Request, state: &S) -> Result<Self, StaffError> {
        match Form::<T>::from_request(request, state).await {
            Ok(Form(value)) => Ok(PlainForm(value)),
            Err(e) if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => Err(StaffError::TooLarge),
            Err(_) => Err(StaffError::invalid("Formulaire incomplet ou mal formé.", "Incomplete or malformed form.")),
        }
    }
}
