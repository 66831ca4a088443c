//! Passwords: Argon2id hashes (PHC strings, random salt, the crate's default cost), the rules a new password
//! must meet (length, not a common password nor one with digits or symbols stuck on), and a dummy hash that
//! unknown accounts are checked against so that they cost the same work as known ones.

use super::StaffError;
use crate::storage::StoreError;
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};
use std::collections::HashSet;
use std::sync::OnceLock;

/// The shortest password accepted, in characters.
pub const MIN_PASSWORD: usize = 12;
/// The longest, in bytes (Argon2 hashes anything, but nobody types more).
pub const MAX_PASSWORD: usize = 256;

/// The most common passwords of the public breach lists (see the file's header for its source).
const COMMON_LIST: &str = include_str!("../../data/common-passwords.txt");

fn common() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| COMMON_LIST.lines().filter(|l| !l.starts_with('#') && !l.is_empty()).collect())
}

/// Hashes a password with Argon2id and a random salt (PHC string).
pub fn hash_password(password: &str) -> Result<String, StaffError> {
    Argon2::default()
        .hash_password(password.as_bytes(), &SaltString::generate(&mut OsRng))
        .map(|h| h.to_string())
        .map_err(|e| StaffError::Store(StoreError::Database(format!("argon2: {e}"))))
}

/// Whether `password` matches the PHC string `hash`.
pub fn password_matches(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// A hash no password matches, checked for unknown accounts so that they take as long as known ones.
pub fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_password(&super::session::random_token()).unwrap_or_default())
}

/// Whether a password is, or is built on, a common one: as is, with digits and symbols added at either end,
/// or one repeated (`password1234!`, `2024motdepasse`, `azertyazerty`).
pub fn is_common(password: &str) -> bool {
    let lower = password.to_lowercase();
    let set = common();
    if set.contains(lower.as_str()) {
        return true;
    }
    let core = lower.trim_matches(|c: char| !c.is_alphabetic());
    if core.chars().count() >= 4 && set.contains(core) {
        return true;
    }
    let chars: Vec<char> = lower.chars().collect();
    let distinct: HashSet<&char> = chars.iter().collect();
    if distinct.len() <= 2 {
        return true;
    }
    // A short pattern repeated: `abcabcabcabc`, `azertyazerty`.
    (1..=chars.len() / 2).any(|n| chars.len().is_multiple_of(n) && chars.chunks(n).all(|c| c == &chars[..n]))
}

/// Why a new password is refused, in French and English (`None`: accepted).
pub fn password_problem(password: &str, confirm: &str, email: &str) -> Option<StaffError> {
    if password.len() > MAX_PASSWORD {
        return Some(StaffError::TooLarge);
    }
    if password != confirm {
        return Some(StaffError::invalid("Les deux mots de passe diffèrent.", "The two passwords differ."));
    }
    if password.chars().count() < MIN_PASSWORD {
        return Some(StaffError::invalid(
            format!("Le mot de passe doit compter au moins {MIN_PASSWORD} caractères."),
            format!("The password must be at least {MIN_PASSWORD} characters long."),
        ));
    }
    let local = email.split('@').next().unwrap_or_default().to_lowercase();
    if is_common(password) || (local.chars().count() >= 4 && password.to_lowercase().contains(&local)) {
        return Some(StaffError::invalid(
            "Ce mot de passe est trop courant ou trop facile à deviner : choisissez une phrase de plusieurs mots.",
            "This password is too common or too easy to guess: choose a phrase of several words.",
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_passwords_and_their_variants_are_refused() {
        assert!(common().len() > 19_000);
        for weak in ["password1234", "Password1234!", "2024motdepasse", "qwertyuiop12", "azertyazerty", "aaaaaaaaaaaa"]
        {
            assert!(is_common(weak), "{weak} passed");
        }
        for strong in ["cheval agrafe pile correcte", "Lune-rousse-sur-Brest-42"] {
            assert!(!is_common(strong), "{strong} refused");
        }
    }

    #[test]
    fn rules_for_a_new_password() {
        let refused = |p: &str| password_problem(p, p, "marie.dupont@example.org").is_some();
        assert!(refused("court"), "too short");
        assert!(refused("marie.dupont-2026"), "holds the address");
        assert!(refused(&"x".repeat(MAX_PASSWORD + 1)), "too long");
        assert!(!refused("cheval agrafe pile correcte"));
        assert!(password_problem("cheval agrafe pile correcte", "cheval agrafe pile", "a@b").is_some(), "differ");
    }

    #[test]
    fn hashes_are_argon2id_and_check() {
        let hash = hash_password("cheval agrafe pile correcte").unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(password_matches(&hash, "cheval agrafe pile correcte"));
        assert!(!password_matches(&hash, "cheval agrafe pile correctE"));
        assert!(!password_matches(dummy_hash(), ""));
    }
}
