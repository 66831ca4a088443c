//! The HTTP surface, one module per resource; [`crate::app`] assembles them.

pub mod access;
pub mod actions;
pub mod challenge;
pub mod config;
pub mod confirm;

pub mod health;

pub mod manage;
pub mod notices;
pub mod objection;
pub mod pages;
pub mod profile;
pub mod profile_reminder;
pub mod submissions;

use crate::state::AppState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

/// The client's IP address, whose network ([`crate::intake::client_network`]: the address, or an IPv6 /64) the
/// per-client rate limit counts: the socket peer, or what a trusted proxy says in `X-Forwarded-For`
/// ([`crate::proxies`]), IPv4-mapped addresses as IPv4; unspecified when the app is driven without a socket.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |ConnectInfo(addr)| addr.ip());
        Ok(ClientIp(state.settings.trusted_proxies.client_ip(peer, &parts.headers)))
    }
}
