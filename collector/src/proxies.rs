//! Trusted reverse proxies: behind one, every request comes from the proxy's address, and the per-IP rate limit
//! would throttle everyone together. The client's address is then read from `X-Forwarded-For`, but only when
//! the socket peer is a proxy the operator named (`--trusted-proxy CIDR`); anyone else could write that header.

use axum::http::HeaderMap;
use std::net::IpAddr;
use std::str::FromStr;

/// A network in CIDR notation (`10.0.0.0/8`, `::1/128`; a bare address is a single host).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

/// A CIDR that does not parse.
#[derive(Debug, thiserror::Error)]
#[error("`{0}` is not an address or a network in CIDR notation (e.g. 10.0.0.0/8, 127.0.0.1, ::1/128)")]
pub struct CidrError(String);

impl FromStr for Cidr {
    type Err = CidrError;

    fn from_str(text: &str) -> Result<Cidr, CidrError> {
        let error = || CidrError(text.to_owned());
        let (address, prefix) = match text.trim().split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text.trim(), None),
        };
        let network = IpAddr::from_str(address).map_err(|_| error())?.to_canonical();
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(error)?,
            None => max,
        };
        Ok(Cidr { network, prefix })
    }
}

impl Cidr {
    /// Whether `ip` lies in this network (IPv4-mapped IPv6 addresses count as IPv4).
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.prefix)).unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(self.prefix)).unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// The proxies whose `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(pub Vec<Cidr>);

impl TrustedProxies {
    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(ip))
    }

    /// The client's address: the peer's, unless the peer is a trusted proxy; then the right-most
    /// `X-Forwarded-For` entry that is not itself a trusted proxy (entries further left were written by the
    /// client and prove nothing). A missing or unreadable header leaves the peer's address.
    /// IPv4-mapped IPv6 addresses (a dual-stack listener's IPv4 peers) come out as IPv4.
    pub fn client_ip(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = peer.to_canonical();
        if !self.trusts(peer) {
            return peer;
        }
        // Several headers are one list, in order (RFC 9110 §5.3).
        let entries: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        for entry in entries.iter().rev() {
            let Ok(ip) = IpAddr::from_str(entry) else { return peer };
            let ip = ip.to_canonical();
            if !self.trusts(ip) {
                return ip;
            }
        }
        peer
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append("x-forwarded-for", HeaderValue::from_str(v).unwrap());
        }
        headers
    }

    #[test]
    fn cidrs_parse_and_match() {
        let net: Cidr = "10.1.0.0/16".parse().unwrap();
        assert!(net.contains(ip("10.1.200.3")) && !net.contains(ip("10.2.0.1")));
        assert!(net.contains(ip("::ffff:10.1.0.9")));
        let host: Cidr = "127.0.0.1".parse().unwrap();
        assert!(host.contains(ip("127.0.0.1")) && !host.contains(ip("127.0.0.2")));
        let all: Cidr = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains(ip("203.0.113.7")) && !all.contains(ip("::2")));
        let v6: Cidr = "fd00::/8".parse().unwrap();
        assert!(v6.contains(ip("fd12::1")) && !v6.contains(ip("fe80::1")));
        for bad in ["10.0.0.0/33", "::/129", "nope", "10.0.0/8", "10.0.0.0/x"] {
            assert!(bad.parse::<Cidr>().is_err(), "{bad}");
        }
    }

    #[test]
    fn only_a_trusted_peer_is_believed() {
        let proxies = TrustedProxies(vec!["127.0.0.1".parse().unwrap(), "10.0.0.0/8".parse().unwrap()]);
        let spoofed = forwarded(&["198.51.100.1, 203.0.113.9"]);
        assert_eq!(proxies.client_ip(ip("192.0.2.5"), &spoofed), ip("192.0.2.5"), "untrusted peer");
        assert_eq!(proxies.client_ip(ip("127.0.0.1"), &spoofed), ip("203.0.113.9"), "right-most entry");
        let chained = forwarded(&["198.51.100.1", "203.0.113.9, 10.0.0.2"]);
        assert_eq!(proxies.client_ip(ip("127.0.0.1"), &chained), ip("203.0.113.9"), "skips trusted hops");
        assert_eq!(proxies.client_ip(ip("127.0.0.1"), &HeaderMap::new()), ip("127.0.0.1"), "no header");
        assert_eq!(proxies.client_ip(ip("127.0.0.1"), &forwarded(&["unknown"])), ip("127.0.0.1"), "garbage");
        assert_eq!(TrustedProxies::default().client_ip(ip("127.0.0.1"), &spoofed), ip("127.0.0.1"), "none trusted");
        assert_eq!(TrustedProxies::default().client_ip(ip("::ffff:192.0.2.5"), &spoofed), ip("192.0.2.5"), "mapped");
    }
}
