//! Sign-in throttling: per account (by the address typed, known or not) and per client network, growing delays
//! after a few failures. Kept in the database (`staff_throttle`), so that every collector of one database counts
//! the same failures: an attacker spreading guesses over several instances behind a load balancer gains nothing.
//!
//! Keys are keyed hashes (HMAC-SHA-256 under a secret derived from the collector's key, which every collector of
//! one database shares): no address is kept in clear, and none can be found by hashing guesses. The same keyed
//! hash names an unknown address typed in the audit log.

use crate::staff::StaffConn;
use crate::storage::StoreError;
use consent::signature::CollectorKey;
use ring::hmac;

/// Failures an account may make before delays start.
const ACCOUNT_FREE: u32 = 3;
/// Failures an address may make before delays start (several staff may share an office's address).
const IP_FREE: u32 = 10;
/// The longest delay, ms.
const MAX_DELAY_MS: i64 = 15 * 60 * 1000;
/// Failures older than this are forgotten, ms.
const FORGET_AFTER_MS: i64 = 60 * 60 * 1000;

/// What is throttled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// One sign-in address.
    Account,
    /// One client network.
    Ip,
}

/// The keyed hash that names what is throttled.
#[derive(Clone)]
pub struct Keys(hmac::Key);

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("throttle::Keys")
    }
}

impl Keys {
    /// The keys of the collector whose signing key is `key` (a secret of their own, derived from it: the signing
    /// key itself never keys anything else).
    pub fn of(key: &CollectorKey) -> Keys {
        let derive = hmac::Key::new(hmac::HMAC_SHA256, &key.to_seed());
        let secret = hmac::sign(&derive, b"alumni-consent staff throttle v1");
        Keys(hmac::Key::new(hmac::HMAC_SHA256, secret.as_ref()))
    }

    /// The key (hex) of `value` in `scope`.
    pub fn key(&self, scope: Scope, value: &str) -> String {
        let tag: &[u8] = match scope {
            Scope::Account => b"account\0",
            Scope::Ip => b"ip\0",
        };
        let mut ctx = hmac::Context::with_key(&self.0);
        ctx.update(tag);
        ctx.update(value.as_bytes());
        hex::encode(ctx.sign().as_ref())
    }
}

/// The delay after `failures` failures in `scope`, ms: none for the free ones, then 1 s doubling with each one,
/// at most [`MAX_DELAY_MS`].
pub fn delay_ms(scope: Scope, failures: u32) -> i64 {
    let free = match scope {
        Scope::Account => ACCOUNT_FREE,
        Scope::Ip => IP_FREE,
    };
    if failures < free {
        return 0;
    }
    (1000_i64 << (failures - free).min(20)).min(MAX_DELAY_MS)
}

/// `Err(seconds)` while `key` must wait before trying again.
pub fn check(conn: &mut StaffConn, key: &str, now: i64) -> Result<Result<(), u64>, StoreError> {
    let until = conn.throttle_blocked_until(key)?;
    Ok(if until > now { Err(((until - now + 999) / 1000).unsigned_abs()) } else { Ok(()) })
}

/// Counts a failure of `key` in `scope`; the delay doubles with each one past the free ones.
pub fn fail(conn: &mut StaffConn, scope: Scope, key: &str, now: i64) -> Result<(), StoreError> {
    let failures = conn.throttle_fail(key, now, FORGET_AFTER_MS)?;
    let delay = delay_ms(scope, failures);
    if delay > 0 {
        conn.throttle_block(key, now + delay)?;
    }
    Ok(())
}

/// Forgets the failures of `key` (after a successful sign-in), and the keys nobody failed for an hour.
pub fn succeed(conn: &mut StaffConn, key: &str, now: i64) -> Result<(), StoreError> {
    conn.throttle_forget(key)?;
    conn.throttle_prune(now - FORGET_AFTER_MS, now)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_start_after_the_free_failures_double_and_are_capped() {
        assert_eq!(delay_ms(Scope::Account, ACCOUNT_FREE - 1), 0);
        assert_eq!(delay_ms(Scope::Account, ACCOUNT_FREE), 1000);
        assert_eq!(delay_ms(Scope::Account, ACCOUNT_FREE + 1), 2000);
        assert_eq!(delay_ms(Scope::Ip, ACCOUNT_FREE), 0, "an office's address gets more free failures");
        assert_eq!(delay_ms(Scope::Ip, 100), MAX_DELAY_MS);
    }

    #[test]
    fn keys_are_keyed_and_apart_per_scope() {
        let one = Keys::of(&CollectorKey::from_seed([1; 32]));
        let two = Keys::of(&CollectorKey::from_seed([2; 32]));
        assert_ne!(one.key(Scope::Account, "a@x"), one.key(Scope::Ip, "a@x"));
        assert_ne!(one.key(Scope::Account, "a@x"), two.key(Scope::Account, "a@x"), "another collector key");
        assert_eq!(one.key(Scope::Account, "a@x"), one.key(Scope::Account, "a@x"));
        assert!(!one.key(Scope::Account, "a@x").contains("a@x"));
    }
}
