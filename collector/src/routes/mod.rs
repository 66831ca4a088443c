//! The HTTP surface, one module per resource; [`crate::app`] assembles them.

pub mod access;
pub mod actions;
pub mod challenge;
pub mod config;
pub mod confirm;

pub mod health;

pub mod manage;
pub mod notices;
pub mod pages;
pub mod submissions;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

/// The client's IP address (the socket peer; unspecified when the app is driven without a socket).
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |ConnectInfo(addr)| addr.ip());
        Ok(ClientIp(ip))
    }
}
