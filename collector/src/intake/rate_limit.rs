//! Fixed-window rate limits (per client IP, per email) and the in-memory set of recently used nonces.

use std::collections::HashMap;
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
}
