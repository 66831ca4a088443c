//! Sign-in throttling: per account (by the address typed, known or not) and per client IP, growing delays
//! after a few failures. Kept in memory: one `serve` runs per database, and a restart forgiving the delays
//! does not let anyone guess faster than the delays allow while it runs.

use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;

/// Failures an account may make before delays start.
const ACCOUNT_FREE: u32 = 3;
/// Failures an address may make before delays start (several staff may share an office's address).
const IP_FREE: u32 = 10;
/// The longest delay, ms.
const MAX_DELAY_MS: i64 = 15 * 60 * 1000;
/// Failures older than this are forgotten, ms.
const FORGET_AFTER_MS: i64 = 60 * 60 * 1000;
/// Past this many keys, forgotten ones are swept (an attacker cycling addresses cannot grow it for ever).
const SWEEP_AT: usize = 10_000;

/// What is throttled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// One sign-in address.
    Account,
    /// One client IP.
    Ip,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    last_failure: i64,
    blocked_until: i64,
}

/// The failures seen, by hashed key (no address is kept in clear).
#[derive(Debug, Default)]
pub struct Throttle {
    entries: Mutex<HashMap<[u8; 32], Entry>>,
}

fn key(scope: Scope, value: &str) -> [u8; 32] {
    let tag: &[u8] = match scope {
        Scope::Account => b"account\0",
        Scope::Ip => b"ip\0",
    };
    Sha256::new().chain_update(tag).chain_update(value.as_bytes()).finalize().into()
}

impl Throttle {
    /// `Err(seconds)` while `value` must wait before trying again.
    pub fn check(&self, scope: Scope, value: &str, now: i64) -> Result<(), u64> {
        let Ok(entries) = self.entries.lock() else { return Ok(()) };
        match entries.get(&key(scope, value)) {
            Some(e) if e.blocked_until > now => Err(((e.blocked_until - now + 999) / 1000).unsigned_abs()),
            _ => Ok(()),
        }
    }

    /// Counts a failure; the delay doubles with each one past the free ones.
    pub fn fail(&self, scope: Scope, value: &str, now: i64) {
        let Ok(mut entries) = self.entries.lock() else { return };
        if entries.len() >= SWEEP_AT {
            entries.retain(|_, e| now - e.last_failure < FORGET_AFTER_MS || e.blocked_until > now);
        }
        let entry =
            entries.entry(key(scope, value)).or_insert(Entry { failures: 0, last_failure: now, blocked_until: 0 });
        if now - entry.last_failure >= FORGET_AFTER_MS {
            entry.failures = 0;
        }
        entry.failures = entry.failures.saturating_add(1);
        entry.last_failure = now;
        let free = match scope {
            Scope::Account => ACCOUNT_FREE,
            Scope::Ip => IP_FREE,
        };
        if entry.failures >= free {
            let doublings = (entry.failures - free).min(20);
            entry.blocked_until = now + (1000_i64 << doublings).min(MAX_DELAY_MS);
        }
    }

    /// Forgets the failures of `value` (after a successful sign-in).
    pub fn succeed(&self, scope: Scope, value: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(&key(scope, value));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_start_after_the_free_failures_and_double() {
        let t = Throttle::default();
        for _ in 0..ACCOUNT_FREE - 1 {
            t.fail(Scope::Account, "a@x", 0);
        }
        assert_eq!(t.check(Scope::Account, "a@x", 0), Ok(()));
        t.fail(Scope::Account, "a@x", 0);
        assert_eq!(t.check(Scope::Account, "a@x", 0), Err(1));
        t.fail(Scope::Account, "a@x", 0);
        assert_eq!(t.check(Scope::Account, "a@x", 0), Err(2));
        assert_eq!(t.check(Scope::Account, "a@x", 2000), Ok(()));
        assert_eq!(t.check(Scope::Ip, "a@x", 0), Ok(()), "scopes are apart");
        t.succeed(Scope::Account, "a@x");
        assert_eq!(t.check(Scope::Account, "a@x", 0), Ok(()));
    }

    #[test]
    fn the_delay_is_capped() {
        let t = Throttle::default();
        for _ in 0..100 {
            t.fail(Scope::Ip, "192.0.2.1", 0);
        }
        assert_eq!(t.check(Scope::Ip, "192.0.2.1", 0), Err(900));
    }
}
