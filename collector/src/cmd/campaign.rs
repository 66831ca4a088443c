//! `collector campaign send | resume | report`: a school's messages to its graduates (soft opt-in), or to the
//! people whose consent from before is to reconfirm.
//!
//! `send` checks the template and the regime, records the campaign and its recipients in one transaction,
//! prints the campaign's id, then sends from this process. The queue is in the database: if the command is
//! stopped (Ctrl-C finishes what is in flight; a crash or `kill -9` leaves at most `--parallel` messages
//! uncertain, never resent), `campaign resume ID` sends the rest. `collector serve` only answers the links
//! (objection, manage page); it does not send campaigns, so that one process owns a campaign's pace.

use super::{open_data, pick_site};
use crate::cli::{CampaignCommand, CampaignDelivery, CampaignReportArgs, CampaignResumeArgs, CampaignSendArgs};
use anyhow::{Context, bail};
use collector::campaign::audience::{self, Audience};
use collector::campaign::deliver::{NewCampaign, RunSummary, Sender, create, field_names};
use collector::campaign::report::report;
use collector::campaign::smtp::Connections;
use collector::campaign::store::{self, CampaignRow};
use collector::campaign::template::{CONTROLLER, Template};
use collector::campaign::{parse_rate, report as campaign_report};
use collector::clock::{Clock, SystemClock};
use collector::ledger::Ledger;
use collector::mail::MailTransport;
use collector::mail::sender::credential_variables;
use collector::sites::Site;
use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Runs a campaign subcommand.
pub fn run(command: CampaignCommand) -> anyhow::Result<ExitCode> {
    match command {
        CampaignCommand::Send(args) => send(&args),
        CampaignCommand::Resume(args) => resume(&args),
        CampaignCommand::Report(args) => show_report(&args),
    }
}

fn send(args: &CampaignSendArgs) -> anyhow::Result<ExitCode> {
    let file = args.template.display().to_string();
    let source = std::fs::read_to_string(&args.template)
        .with_context(|| format!("--template {file} : lecture impossible — cannot read it"))?;
    let rate = parse_rate(&args.rate).map_err(anyhow::Error::msg)?;
    let (mut ledger, sites) = open_data(&args.ledger)?;
    let site = pick_site(&sites, args.site.as_deref()).or_else(|e| {
        let known: Vec<String> = sites.iter().map(|s| s.config.site().as_str().to_owned()).collect();
        let known = if known.is_empty() { "aucun / none".to_owned() } else { known.join(", ") };
        match args.site.as_deref() {
            Some(name) => bail!(
                "--site « {name} » : ce registre n'a pas ce site (sites : {known}) — this ledger has no site `{name}`"
            ),
            None => bail!("choisissez le site avec --site (sites : {known}) — {e}"),
        }
    })?;
    let Some(audience) = Audience::parse(&args.audience) else {
        bail!(
            "--audience « {0} » : écrivez soft-opt-in (les diplômés importés) ou legacy (les consentements d'avant à \
             reconfirmer) — write soft-opt-in (the imported graduates) or legacy (the consents from before to \
             reconfirm)",
            args.audience
        );
    };
    if let Err(refusal) = audience::purposes(&site, audience) {
        eprintln!("{refusal}");
        eprintln!("rien n'a été envoyé — nothing was sent");
        return Ok(ExitCode::from(1));
    }
    let template = match Template::parse(&source, &field_names(&site)) {
        Ok(template) => template,
        Err(e) => {
            eprintln!("{}", e.located(&file));
            eprintln!("rien n'a été envoyé — nothing was sent");
            return Ok(ExitCode::from(1));
        }
    };
    let now = SystemClock.now_ms();
    if args.dry_run {
        let site_id = site.config.site().as_str().to_owned();
        let selection = audience::select(&mut ledger, &site_id, audience)?;
        print_selection(selection.recipients.len(), selection.objected, selection.undeliverable, true);
        if let Some(first) = selection.recipients.first() {
            let row = store::RecipientRow {
                id: 0,
                campaign_id: String::new(),
                subject_id: first.subject_id.clone(),
                record_id: first.record_id.clone(),
                email_sha256: first.email_sha256.clone(),
                state: "queued".into(),
                attempts: 0,
                next_attempt_at: now,
                lease_until: None,
                outcome: None,
                updated_at: now,
            };
            if let Ok(addressee) = audience::addressee(ledger.store(), &site_id, &row, audience)? {
                let mut values: BTreeMap<String, String> = addressee.fields;
                values.insert(CONTROLLER.to_owned(), site.config.controller().name.clone());
                let rendered = template.render(&values);
                println!(
                    "--- premier message / first message ---\nobjet / subject : {}\n\n{}",
                    rendered.subject, rendered.text
                );
            }
        }
        println!("essai (--dry-run) : rien n'a été enregistré ni envoyé — dry run: nothing was recorded or sent");
        return Ok(ExitCode::SUCCESS);
    }
    let mut delivery = Delivery::open(&args.delivery, &args.ledger, &site)?;
    let new = NewCampaign {
        site: &site,
        audience,
        template: &source,
        subject_line: template.subject_source(),
        rate_per_minute: rate,
        created_by: "cli",
    };
    let (campaign, selection) = create(&mut ledger, &new, now)?;
    println!("campagne / campaign {}", campaign.campaign_id);
    print_selection(selection.recipients.len(), selection.objected, selection.undeliverable, false);
    delivery.run(&mut ledger, site, &campaign, None)
}

fn resume(args: &CampaignResumeArgs) -> anyhow::Result<ExitCode> {
    let rate = args.rate.as_deref().map(parse_rate).transpose().map_err(anyhow::Error::msg)?;
    let (mut ledger, sites) = open_data(&args.ledger)?;
    let Some(campaign) = store::campaign(ledger.store(), &args.id)? else {
        bail!("pas de campagne « {} » dans ce registre / no campaign `{}` in this ledger", args.id, args.id);
    };
    let site = sites
        .get(&campaign.site)
        .map(|s| Arc::clone(&s))
        .with_context(|| format!("site `{}` is no longer stored", campaign.site))?;
    if let Err(refusal) = Audience::parse(&campaign.audience).map(|a| audience::purposes(&site, a)).transpose() {
        eprintln!("{refusal}");
        return Ok(ExitCode::from(1));
    }
    let mut delivery = Delivery::open(&args.delivery, &args.ledger, &site)?;
    println!("campagne / campaign {}", campaign.campaign_id);
    delivery.run(&mut ledger, site, &campaign, rate)
}

fn show_report(args: &CampaignReportArgs) -> anyhow::Result<ExitCode> {
    let (mut ledger, _) = open_data(&args.ledger)?;
    let Some(report) = report(&mut ledger, &args.id, SystemClock.now_ms())? else {
        bail!("pas de campagne « {} » dans ce registre / no campaign `{}` in this ledger", args.id, args.id);
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.text());
    }
    Ok(ExitCode::SUCCESS)
}

fn print_selection(recipients: usize, objected: u64, undeliverable: u64, dry_run: bool) {
    let verb = if dry_run { "seraient écrits / would be written to" } else { "en file / queued" };
    println!(
        "destinataires {verb} : {recipients} ; laissés de côté / left out : {objected} opposition(s) / objected, \
         {undeliverable} adresse(s) refusée(s) / undeliverable"
    );
}

/// The key, transport and runtime a sending run needs.
struct Delivery {
    key: consent::signature::CollectorKey,
    /// Always `Some` until dropped: lettre's connection pool must be dropped inside the runtime.
    transport: Option<MailTransport>,
    /// The campaign's own SMTP connections (`TCP_NODELAY`), unless lettre's transport carries the SMTP part.
    direct: Option<Arc<Connections>>,
    from: String,
    public_url: String,
    runtime: tokio::runtime::Runtime,
    parallel: usize,
    lease_ms: i64,
    stop: Arc<AtomicBool>,
}

impl Delivery {
    fn open(args: &CampaignDelivery, ledger: &crate::cli::LedgerArgs, site: &Site) -> anyhow::Result<Delivery> {
        let key_path = match (&args.key_file, &ledger.data) {
            (Some(file), _) => file.clone(),
            (None, Some(data)) => collector::keys::seed_path(data),
            (None, None) => bail!("--key-file FILE: the key `collector serve` signs links with"),
        };
        // Never a new key: links signed with one that `serve` does not hold would all be refused.
        if !key_path.exists() {
            bail!(
                "{}: pas de clé du collecteur (démarrez `collector serve` d'abord, ou --key-file) — no collector key \
                 (start `collector serve` first, or pass --key-file)",
                key_path.display()
            );
        }
        let key = collector::keys::load_or_create_at(&key_path)?;
        let relay = site.config.collector().smtp.as_deref();
        if args.smtp.is_none() && args.outbox.is_none() && relay.is_none() {
            bail!(
                "dites comment les messages partent : --smtp URL ou --outbox DOSSIER — say how messages leave: --smtp URL or --outbox DIR"
            );
        }
        if !args.public_url.starts_with("https://") {
            eprintln!(
                "attention : --public-url n'est pas en https ; les messageries n'offrent le désabonnement en un clic \
                 (RFC 8058) que pour un lien https — warning: --public-url is not https; mail clients offer one-click \
                 unsubscribe (RFC 8058) only for an https link"
            );
        }
        let from = args.mail_from.clone().unwrap_or_else(|| site.config.controller().email.clone());
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
        // The site's own relay (`[collector] smtp`, credentials SMTP_USERNAME_<SITE>…) wins over --smtp
        // (SMTP_USERNAME…), as for `serve`'s emails.
        let site_id = site.config.site().as_str();
        let (url, (user, password)) = match relay {
            Some(url) => (Some(url), credential_variables(site_id)),
            None => (args.smtp.as_deref(), ("SMTP_USERNAME".to_owned(), "SMTP_PASSWORD".to_owned())),
        };
        let credentials = std::env::var(user).ok().zip(std::env::var(password).ok());
        let direct = match url {
            Some(url) => Connections::from_url(url, credentials).map_err(anyhow::Error::msg)?.map(Arc::new),
            None => None,
        };
        let transport = {
            // lettre's connection pool starts a task of its own: built inside the runtime.
            let _inside = runtime.enter();
            if direct.is_some() {
                MailTransport::new(None, args.outbox.clone(), &from)?
            } else {
                MailTransport::new(args.smtp.as_deref(), args.outbox.clone(), &from)?.for_site(site_id, relay)?
            }
        };
        if let Some(outbox) = &args.outbox {
            std::fs::create_dir_all(outbox).with_context(|| format!("creating {}", outbox.display()))?;
        }
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        runtime.spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                eprintln!("arrêt demandé : les messages en cours finissent — stopping: messages in flight finish");
                flag.store(true, Ordering::SeqCst);
            }
        });
        Ok(Delivery {
            key,
            transport: Some(transport),
            direct,
            from,
            public_url: args.public_url.trim_end_matches('/').to_owned(),
            runtime,
            parallel: usize::from(args.parallel),
            lease_ms: i64::from(args.lease_secs) * 1000,
            stop,
        })
    }

    fn run(
        &mut self,
        ledger: &mut Ledger,
        site: Arc<Site>,
        campaign: &CampaignRow,
        rate: Option<i64>,
    ) -> anyhow::Result<ExitCode> {
        let mut sender = Sender {
            ledger,
            site,
            key: self.key.clone(),
            public_url: self.public_url.clone(),
            from: self.from.clone(),
            transport: self.transport.clone().context("transport")?,
            runtime: &self.runtime,
            parallel: self.parallel,
            lease_ms: self.lease_ms,
            rate_per_minute: rate,
            stop: self.stop.clone(),
            progress: true,
        };
        let summary = sender.run_with(campaign, self.direct.clone())?;
        print_summary(&summary, &campaign.campaign_id);
        let now = SystemClock.now_ms();
        if let Some(report) = campaign_report::report(sender.ledger, &campaign.campaign_id, now)? {
            print!("{}", report.text());
        }
        Ok(if summary.interrupted { ExitCode::from(3) } else { ExitCode::SUCCESS })
    }
}

impl Drop for Delivery {
    fn drop(&mut self) {
        // The pool's drop spawns a task to close its connections; outside a runtime it would panic.
        let _inside = self.runtime.enter();
        self.transport.take();
        self.direct.take();
    }
}

fn print_summary(s: &RunSummary, id: &str) {
    println!(
        "cet envoi / this run : envoyés / sent {}, refusés / bounced {}, non envoyés / skipped {}, abandonnés / failed \
         {}, interrompus trouvés / interrupted found {}",
        s.sent, s.bounced, s.skipped, s.failed, s.uncertain
    );
    if s.interrupted {
        println!("interrompu : reprenez avec / interrupted: resume with `collector campaign resume {id}`");
    }
}
