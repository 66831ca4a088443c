//! Fixed-window rate limits (per client network, per email) and the in-memory set of recently used nonces.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::Mutex;

/// Beyond this many keys, expired entries are swept (then not again before the map doubles: amortised O(1)).
const SWEEP_AT: usize = 100_000;
/// The recent-nonce set never holds more than this: older replays are still refused by the ledger's durable
/// check, only after the signature work. Keeps memory flat under sustained load.
const NONCE_CAP: usize = 200_000;

/// At most `limit` hits per key per window.
#[derive(Debug)]
pub struct RateLimiter {
    limit: u32,
    window_ms: i64,
    windows: Mutex<Windows>,
}

#[derive(Debug, Default)]
struct Windows {
    map: HashMap<String, (i64, u32)>,
    sweep_at: usize,
}

impl RateLimiter {
    /// A limiter; `limit == 0` lets everything through.
    pub fn new(limit: u32, window_ms: i64) -> RateLimiter {
        RateLimiter { limit, window_ms, windows: Mutex::new(Windows { map: HashMap::new(), sweep_at: SWEEP_AT }) }
    }

    /// Counts a hit; `false` when the key is over its limit.
    pub fn allow(&self, key: &str, now_ms: i64) -> bool {
        if self.limit == 0 {
            return true;
        }
        let Ok(mut windows) = self.windows.lock() else { return true };
        if windows.map.len() >= windows.sweep_at {
            windows.map.retain(|_, (start, _)| now_ms - *start < self.window_ms);
            windows.sweep_at = (windows.map.len() * 2).max(SWEEP_AT);
        }
        let entry = windows.map.entry(key.to_owned()).or_insert((now_ms, 0));
        if now_ms - entry.0 >= self.window_ms {
            *entry = (now_ms, 0);
        }
        entry.1 += 1;
        entry.1 <= self.limit
    }
}

/// The client a per-client limit counts: an IPv4 address itself, an IPv6 address's /64. A /64 is the smallest
/// network a subscriber or a rented server is given, so one attacker holds all 2^64 of its addresses; keyed per
/// address, each would be a fresh bucket. IPv4-mapped IPv6 (`::ffff:a.b.c.d`, what a dual-stack listener sees
/// of an IPv4 peer) is IPv4: masked as IPv6, every IPv4 client would share the bucket `::`.
pub fn client_network(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & (u128::MAX << 64))),
    }
}

/// The per-client limit: at most `limit` requests per [`client_network`] per window.
#[derive(Debug)]
pub struct ClientLimiter(RateLimiter);

impl ClientLimiter {
    /// A limiter; `limit == 0` lets everything through.
    pub fn new(limit: u32, window_ms: i64) -> ClientLimiter {
        ClientLimiter(RateLimiter::new(limit, window_ms))
    }

    /// Counts a request from `ip`; `false` when its network is over the limit.
    pub fn allow(&self, ip: IpAddr, now_ms: i64) -> bool {
        self.0.allow(&client_network(ip).to_string(), now_ms)
    }
}

/// Nonces used since start, until their token expires: refuses a replay before any signature work. The
/// durable check is the ledger's (`used_nonces` table), which also holds across restarts.
#[derive(Debug, Default)]
pub struct UsedNonces(Mutex<HashMap<String, i64>>);

impl UsedNonces {
    /// Whether the nonce was used.
    pub fn contains(&self, nonce: &str) -> bool {
        self.0.lock().is_ok_and(|set| set.contains_key(nonce))
    }

    /// Remembers a used nonce until `exp_ms`.
    pub fn insert(&self, nonce: String, exp_ms: i64, now_ms: i64) {
        if let Ok(mut set) = self.0.lock() {
            if set.len() >= NONCE_CAP {
                set.retain(|_, exp| *exp >= now_ms);
                if set.len() >= NONCE_CAP / 2 {
                    set.clear();
                }
            }
            set.insert(nonce, exp_ms);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_resets() {
        let limiter = RateLimiter::new(2, 1000);
        assert!(limiter.allow("a", 0));
        assert!(limiter.allow("a", 10));
        assert!(!limiter.allow("a", 20));
        assert!(limiter.allow("b", 20));
        assert!(limiter.allow("a", 1000));
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn ipv6_counts_per_64_and_ipv4_per_address() {
        let same = client_network(ip("2001:db8:1:2::1"));
        assert_eq!(same, ip("2001:db8:1:2::"));
        assert_eq!(client_network(ip("2001:db8:1:2:ffff:ffff:ffff:ffff")), same);
        assert_ne!(client_network(ip("2001:db8:1:3::1")), same);
        assert_eq!(client_network(ip("203.0.113.7")), ip("203.0.113.7"));
        assert_eq!(client_network(ip("::ffff:203.0.113.7")), ip("203.0.113.7"), "IPv4-mapped is IPv4");
        assert_ne!(client_network(ip("::ffff:203.0.113.8")), client_network(ip("::ffff:203.0.113.7")));
        assert_eq!(client_network(ip("::1")), ip("::"));
    }

    #[test]
    fn a_64_shares_one_bucket() {
        let limiter = ClientLimiter::new(2, 60_000);
        assert!(limiter.allow(ip("2001:db8::1"), 0));
        assert!(limiter.allow(ip("2001:db8::2"), 0));
        assert!(!limiter.allow(ip("2001:db8::ffff:1"), 0), "a third address of the same /64");
        assert!(limiter.allow(ip("2001:db8:0:1::1"), 0), "the next /64");
        assert!(limiter.allow(ip("192.0.2.1"), 0) && limiter.allow(ip("::ffff:192.0.2.1"), 0));
        assert!(!limiter.allow(ip("192.0.2.1"), 0));
        assert!(limiter.allow(ip("192.0.2.2"), 0));
    }
}
