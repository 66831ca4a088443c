//! `collector staff add EMAIL --role admin|staff|viewer [--site ID]…`: bootstraps a console account, prints the
//! one-time link that sets its password (valid 7 days) and emails it when `--smtp` or `--outbox` is given.

use crate::cli::StaffAddArgs;
use anyhow::{Context, bail};
use collector::mail::MailTransport;
use collector::staff::accounts::{ALL_SITES, normalise_email};
use collector::staff::admin::{invite_on, invited, link_url};
use collector::staff::db::{StaffDb, StaffPlace};
use std::process::ExitCode;

/// Creates the account and prints (and emails) its link.
pub fn add(args: &StaffAddArgs) -> anyhow::Result<ExitCode> {
    let email = normalise_email(&args.email);
    if !consent::protocol::is_plausible_email(&email) {
        bail!("« {} » n'est pas une adresse électronique / is not an email address", args.email);
    }
    // Opening the ledger creates the tables on a fresh database, and gives the sites to check `--site` against.
    let (_, sites) = super::open_data(&args.ledger)?;
    for site in &args.sites {
        if site != ALL_SITES && sites.get(site).is_none() {
            bail!("ce collecteur ne sert pas de site « {site} » / this collector serves no site `{site}`");
        }
    }
    let data = args.ledger.data.clone().unwrap_or_default();
    let db = StaffDb::open(&StaffPlace::new(&data, args.ledger.database.as_deref()), false)
        .context("opening the staff tables")?;
    let now = collector::clock::Clock::now_ms(&collector::clock::SystemClock);
    let account = invited(
        &email,
        args.role.into(),
        if args.sites.is_empty() { vec![ALL_SITES.to_owned()] } else { args.sites.clone() },
        now,
    );
    let stored = account.clone();
    // The account, its link and its audit entry in one transaction: a failed audit append leaves no account.
    let token = db.call_blocking(move |conn| invite_on(conn, &stored, ("cli", "collector staff add"), now))?;
    let Some(token) = token else {
        bail!("un compte existe déjà pour {email} / an account already exists for {email}");
    };
    let url = link_url(&args.public_url, &token);
    println!("compte créé / account created: {email} ({})", args.role.as_str());
    println!(
        "lien à usage unique pour choisir le mot de passe (7 jours) / one-time link to set the password (7 days):"
    );
    println!("  {url}");
    if args.smtp.is_some() || args.outbox.is_some() {
        let from = match &args.mail_from {
            Some(from) => from.clone(),
            None => sites.iter().next().map(|s| s.config.controller().email.clone()).unwrap_or_default(),
        };
        if let Some(outbox) = &args.outbox {
            std::fs::create_dir_all(outbox).with_context(|| format!("creating {}", outbox.display()))?;
        }
        let transport = MailTransport::new(args.smtp.as_deref(), args.outbox.clone(), &from)?;
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        if runtime.block_on(collector::staff::mail::send_with(&transport, &from, &email, &url, "invite")) {
            println!("lien envoyé par courriel / link emailed to {email}");
        } else {
            println!("le courriel n'a pas pu partir (voir le journal) / the email could not be sent (see the log)");
            return Ok(ExitCode::from(2));
        }
    }
    Ok(ExitCode::SUCCESS)
}
