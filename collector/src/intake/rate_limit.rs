//! Fixed-window rate limits (per client IP, per email) and the in-memory set of recently used nonces.

use std::collections::HashMap;
use std::sync::Mutex;

/// Beyond this many keys, expired windows are swept before inserting.
const SWEEP_AT: usize = 100_000;

/// At most `limit` hits per key per window.
#[derive(Debug)]
pub struct RateLimiter {
    limit: u32,
    window_ms: i64,
    windows: Mutex<HashMap<String, (i64, u32)>>,
}

impl RateLimiter {
    /// A limiter; `limit == 0` lets everything through.
    pub fn new(limit: u32, window_ms: i64) -> RateLimiter {
        RateLimiter { limit, window_ms, windows: Mutex::new(HashMap::new()) }
    }

    /// Counts a hit; `false` when the key is over its limit.
    pub fn allow(&self, key: &str, now_ms: i64) -> bool {
        if self.limit == 0 {
            return true;
        }
        let Ok(mut windows) = self.windows.lock() else { return true };
        if windows.len() >= SWEEP_AT {
            windows.retain(|_, (start, _)| now_ms - *start < self.window_ms);
        }
        let entry = windows.entry(key.to_owned()).or_insert((now_ms, 0));
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
            if set.len() >= SWEEP_AT {
                set.retain(|_, exp| *exp >= now_ms);
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
