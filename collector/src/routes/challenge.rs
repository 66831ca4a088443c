//! `GET /v1/challenge?site=`: a single-use token signed by the collector.

use crate::keys::random_id;
use crate::problem::{ApiError, Lang};
use crate::routes::ClientIp;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, header};
use axum::response::IntoResponse;
use consent::SiteId;
use consent::protocol::{ChallengeClaims, ProblemType};
use serde::{Deserialize, Serialize};

/// The query.
#[derive(Debug, Deserialize)]
pub struct ChallengeQuery {
    site: String,
}

/// The answer.
#[derive(Debug, Serialize, Deserialize)]
pub struct ChallengeAnswer {
    /// `base64url(claims).base64url(signature)`.
    pub token: String,
    /// Expiry, Unix seconds.
    pub exp: i64,
}

/// Issues a challenge.
pub async fn challenge(
    State(state): State<AppState>,
    Lang(locale): Lang,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    query: Result<Query<ChallengeQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let now = state.now();
    if !state.ip_limit.allow(ip, now) {
        return Err(ApiError::new(ProblemType::RateLimited, locale));
    }
    let Query(query) = query.map_err(|_| ApiError::new(ProblemType::Malformed, locale))?;
    let site = state.sites.get(&query.site).ok_or(ApiError::new(ProblemType::UnknownSite, locale))?;
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok())
        && !site.allows_origin(origin)
    {
        return Err(ApiError::new(ProblemType::OriginNotAllowed, locale));
    }
    let iat = now / 1000;
    let claims = ChallengeClaims {
        site: SiteId(query.site),
        notice_version: site.notice.version().to_string(),
        nonce: random_id(),
        iat,
        exp: iat + state.settings.challenge_ttl_secs,
    };
    let token = state.key.sign_token(&claims).map_err(|e| ApiError::internal(&e, locale))?;
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(ChallengeAnswer { token, exp: claims.exp })))
}
