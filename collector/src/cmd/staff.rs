//! `collector staff add EMAIL --role admin|staff|viewer [--site ID]…`: bootstraps a console account and prints
//! the one-time link that sets its password (valid 7 days).

use crate::cli::StaffAddArgs;
use anyhow::{Context, bail};
use collector::staff::accounts::{ALL_SITES, Account, normalise_email};
use collector::staff::db::{StaffDb, StaffPlace, TokenRow};
use collector::staff::session::{random_token, token_hash};
use std::path::PathBuf;
use std::process::ExitCode;

/// How long the link stays valid, ms.
const LINK_MS: i64 = 7 * 24 * 3600 * 1000;

/// Creates the account and prints its link.
pub fn add(args: &StaffAddArgs) -> anyhow::Result<ExitCode> {
    let email = normalise_email(&args.email);
    if !consent::protocol::is_plausible_email(&email) {
        bail!("« {} » n'est pas une adresse électronique / is not an email address", args.email);
    }
    let data = match (&args.ledger.data, &args.ledger.database) {
        (Some(data), _) => data.clone(),
        (None, Some(_)) => PathBuf::new(),
        (None, None) => bail!("say where the ledger is: --data DIR (SQLite) or --database postgres://… (PostgreSQL)"),
    };
    let db = StaffDb::open(&StaffPlace::new(&data, args.ledger.database.as_deref()), false)
        .context("opening the staff tables")?;
    let now = collector::clock::Clock::now_ms(&collector::clock::SystemClock);
    let account = Account {
        account_id: collector::keys::sortable_id(now),
        email: email.clone(),
        role: args.role.into(),
        sites: if args.sites.is_empty() { vec![ALL_SITES.to_owned()] } else { args.sites.clone() },
        locale: consent::Locale::Fr,
        password_hash: None,
        totp_secret: None,
        totp_last_step: None,
        disabled_at: None,
        created_at: now,
        updated_at: now,
    };
    let token = random_token();
    let row = TokenRow {
        token_hash: token_hash(&token),
        account_id: account.account_id.clone(),
        purpose: "invite".into(),
        expires_at: now + LINK_MS,
    };
    let created = db.call_blocking(move |conn| {
        if !conn.insert_account(&account)? {
            return Ok(false);
        }
        conn.insert_token(&row)?;
        Ok(true)
    })?;
    if !created {
        bail!("un compte existe déjà pour {email} / an account already exists for {email}");
    }
    let base = args.public_url.trim_end_matches('/');
    println!("compte créé / account created: {email} ({})", args.role.as_str());
    println!(
        "lien à usage unique pour choisir le mot de passe (7 jours) / one-time link to set the password (7 days):"
    );
    println!("  {base}/staff/password/{token}");
    Ok(ExitCode::SUCCESS)
}
