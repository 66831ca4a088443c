//! The consent collector: the endpoint that makes consent provable (GDPR art. 7(1)).
//!
//! A browser's signed submission goes through [`intake`] (checks, cheapest first), is appended by the
//! group-commit [`writer`] to the hash-chained [`ledger`] kept by a [`storage`] backend, and is answered with a
//! receipt signed by the collector's key ([`keys`]). The subject confirms by email ([`mail`], [`links`]),
//! manages their consent on a server-rendered page ([`routes::manage`]), and [`retention`] anonymises what has
//! outlived its purpose, keeping only counts. [`proxies`] says whose `X-Forwarded-For` to believe. Staff read
//! [`export`] and [`stats`]; `collector verify` walks the chain.
//!
//! [`app`] builds the HTTP router from an [`AppState`]; the `collector` binary wires it to a socket.
#![deny(missing_docs)]

pub mod after_answer;
pub mod campaign;
pub mod charts;
pub mod clock;
pub mod dimensions;
pub mod export;
pub mod html;
pub mod import;
pub mod intake;
pub mod keys;
pub mod ledger;
pub mod links;
pub mod mail;
pub mod metrics;
pub mod problem;
pub mod proof;
pub mod proxies;
pub mod reader;
pub mod retention;
pub mod routes;
pub mod sites;
pub mod staff;
pub mod state;
pub mod stats;
pub mod storage;
pub mod subject_data;
pub mod writer;

pub use state::{AppState, Settings};

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use consent::protocol::MAX_BODY_BYTES;
use routes::{access, actions, challenge, config, confirm, health, manage, notices, submissions};
use std::time::{Duration, Instant};
use tower_http::cors::{AllowOrigin, CorsLayer};

/// The collector's HTTP application.
pub fn app(state: AppState) -> Router {
    let sites = state.sites.clone();
    let cors = CorsLayer::new()
        .allow_origin(AllowOrigin::predicate(move |origin: &HeaderValue, _| {
            origin.to_str().is_ok_and(|o| sites.any_allows(o))
        }))
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::CONTENT_TYPE, header::ACCEPT_LANGUAGE])
        .expose_headers([HeaderName::from_static("retry-after")])
        .max_age(Duration::from_secs(600));
    let api = Router::new()
        .route("/v1/sites/{site}/config", get(config::site_config))
        .route("/v1/challenge", get(challenge::challenge))
        .route("/v1/submissions", post(submissions::submit))
        .route("/v1/actions", post(actions::act))
        .route("/v1/access", post(access::access))
        .route("/v1/notices/{version}", get(notices::notice))
        .route("/.well-known/consent-receipt-key", get(config::receipt_key))
        .route("/.well-known/consent-receipt-keys", get(config::receipt_keys))
        .layer(cors);
    let pages = Router::new()
        .route("/confirm/{token}", get(confirm::show).post(confirm::confirm))
        .route("/manage/{token}", get(manage::show))
        .route("/manage/{token}/choices", post(manage::change))
        .route("/manage/{token}/withdraw", post(manage::withdraw))
        .route("/manage/{token}/erase", post(manage::erase))
        .route("/manage/{token}/rectify", post(manage::rectify))
        .route("/manage/{token}/profile", post(routes::profile::save))
        .route("/manage/{token}/consent", post(manage::consent_link::give))
        .route("/manage/{token}/legacy", post(manage::consent_link::legacy))
        .route("/address/{token}", get(manage::show_address).post(manage::confirm_address))
        .route("/objection/{token}", get(routes::objection::show).post(routes::objection::object))
        .route("/profile-reminder/{token}", get(routes::profile_reminder::show).post(routes::profile_reminder::stop))
        .route("/manage/{token}/data.json", get(manage::download))
        .route("/access", post(access::access_form))
        .layer(middleware::map_response(page_headers));
    let staff = staff::routes().layer(middleware::map_response(staff_headers));
    Router::new()
        .merge(api)
        .merge(pages)
        .nest("/staff", staff)
        .route("/healthz", get(health::healthz))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn(log_request))
        .with_state(state)
}

/// The pages carry links that act for their holder: no script, no framing, no referrer, no caching.
async fn page_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The staff console: no script at all, its own styles and inline SVG, no framing, no referrer, no caching.
async fn staff_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; form-action 'self'; \
             frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

/// Logs the route template (never the path: manage links carry tokens), status and duration.
async fn log_request(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let route = request.extensions().get::<MatchedPath>().map_or("(unmatched)".to_owned(), |p| p.as_str().to_owned());
    let start = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16();
    let micros = u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX);
    if status >= 500 {
        tracing::warn!(%method, %route, status, micros, "request");
    } else {
        tracing::debug!(%method, %route, status, micros, "request");
    }
    response
}
