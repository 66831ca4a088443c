//! The command line: `collector serve | verify | receipt verify | export | stats | purge`.

use clap::{Parser, Subcommand, ValueEnum};
use std::net::SocketAddr;
use std::path::PathBuf;

/// The alumni consent collector.
#[derive(Debug, Parser)]
#[command(name = "collector", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the v1 API, the confirmation and manage pages.
    Serve(ServeArgs),
    /// Recompute the ledger's hash chain; name the first broken link (exit 1).
    Verify(LedgerArgs),
    /// Receipts.
    Receipt {
        /// What to do with a receipt.
        #[command(subcommand)]
        command: ReceiptCommand,
    },
    /// Proof bundles (the per-subject ZIP the staff console downloads).
    Proof {
        /// What to do with a proof bundle.
        #[command(subcommand)]
        command: ProofCommand,
    },
    /// Staff console accounts.
    Staff {
        /// What to do.
        #[command(subcommand)]
        command: StaffCommand,
    },
    /// Export the subjects who confirmed a purpose and did not withdraw it.
    Export(ExportArgs),
    /// Counts by purpose, promo, programme, CTA and page (cells under 5 suppressed).
    Stats(StatsArgs),
    /// Expire unconfirmed records, end consents past retention, anonymise what is left.
    Purge(PurgeArgs),
    /// Import a school's graduates list (CSV) under the site's soft opt-in purposes, or consents from before.
    Import(ImportArgs),
    /// Campaigns: messages to a school's graduates under soft opt-in, or to reconfirm consents from before.
    Campaign {
        /// What to do.
        #[command(subcommand)]
        command: CampaignCommand,
    },
    /// The collector's signing key (receipts, links, challenges).
    Key {
        /// What to do.
        #[command(subcommand)]
        command: KeyCommand,
    },
}

/// `collector key …`.
#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Make a new signing key; the old one keeps checking what it signed (its public key is kept in SEED.retired).
    Rotate(KeyRotateArgs),
}

/// `collector key rotate`.
#[derive(Debug, clap::Args)]
pub struct KeyRotateArgs {
    /// The data folder whose collector-key.seed `serve --data` uses.
    #[arg(long, required_unless_present = "key_file", conflicts_with = "key_file")]
    pub data: Option<PathBuf>,
    /// The seed file every collector of a database shares (`serve --key-file`).
    #[arg(long, value_name = "FILE")]
    pub key_file: Option<PathBuf>,
}

/// `collector campaign …`.
#[derive(Debug, Subcommand)]
pub enum CampaignCommand {
    /// Queue a campaign and send it; if interrupted, `campaign resume ID` sends the rest, no one twice.
    Send(CampaignSendArgs),
    /// Send what an interrupted campaign has not sent yet.
    Resume(CampaignResumeArgs),
    /// What a campaign did: queued, sent, bounced, objected, consents given since.
    Report(CampaignReportArgs),
}

/// How campaign messages leave, and what their links point to.
#[derive(Debug, clap::Args)]
pub struct CampaignDelivery {
    /// SMTP server, as `serve --smtp` (credentials from SMTP_USERNAME and SMTP_PASSWORD, a private CA from
    /// SMTP_CA_FILE).
    #[arg(long)]
    pub smtp: Option<String>,
    /// Also write every message as an .eml file here.
    #[arg(long)]
    pub outbox: Option<PathBuf>,
    /// Sender address (default: the site's controller email).
    #[arg(long)]
    pub mail_from: Option<String>,
    /// The public base URL of `collector serve` (https://…), where the objection and manage links go.
    #[arg(long, env = "COLLECTOR_PUBLIC_URL")]
    pub public_url: String,
    /// The collector's signing key, as `serve --key-file` (default: DATA/collector-key.seed).
    #[arg(long, value_name = "FILE", env = "COLLECTOR_KEY_FILE")]
    pub key_file: Option<PathBuf>,
    /// Messages in flight at once (also the most that an interruption can leave uncertain; never resent).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub parallel: u16,
    /// Seconds a claimed message stays this sender's (tests shorten it).
    #[arg(long, default_value_t = 120, hide = true)]
    pub lease_secs: u32,
}

/// `collector campaign send`.
#[derive(Debug, clap::Args)]
pub struct CampaignSendArgs {
    /// Where the ledger is.
    #[command(flatten)]
    pub ledger: LedgerArgs,
    /// Site id (needed only when the collector serves several).
    #[arg(long)]
    pub site: Option<String>,
    /// The message: Markdown, its subject in a `---`/`subject: …`/`---` front matter or a first `# ` heading,
    /// placeholders such as {{ first_name }}.
    #[arg(long)]
    pub template: PathBuf,
    /// Who: the imported graduates (soft opt-in), or the people whose consent from before is to reconfirm.
    /// (Checked by the command, to answer in French first.)
    #[arg(long, value_name = "soft-opt-in|legacy")]
    pub audience: String,
    /// Check the template and count the recipients; show the first message; record and send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// At most this many messages: N/min, N/s or N/h (0: as fast as the server takes them).
    #[arg(long, default_value = "60/min")]
    pub rate: String,
    /// How messages leave.
    #[command(flatten)]
    pub delivery: CampaignDelivery,
}

/// `collector campaign resume`.
#[derive(Debug, clap::Args)]
pub struct CampaignResumeArgs {
    /// The campaign's id (printed by `campaign send`).
    pub id: String,
    /// Where the ledger is.
    #[command(flatten)]
    pub ledger: LedgerArgs,
    /// Another pace than the campaign's (N/min, N/s, N/h; 0: unthrottled).
    #[arg(long)]
    pub rate: Option<String>,
    /// How messages leave.
    #[command(flatten)]
    pub delivery: CampaignDelivery,
}

/// `collector campaign report`.
#[derive(Debug, clap::Args)]
pub struct CampaignReportArgs {
    /// The campaign's id.
    pub id: String,
    /// Where the ledger is.
    #[command(flatten)]
    pub ledger: LedgerArgs,
    /// JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `collector serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// A site's consent.toml (repeat for several sites).
    #[arg(long, required_unless_present = "sites")]
    pub config: Vec<PathBuf>,
    /// A folder of sites, one sub-folder each with its consent.toml (`DIR/*/consent.toml`). On SIGHUP every file is
    /// read again: a changed or added site is served at once, an invalid one is refused and its previous version
    /// stays in service.
    #[arg(long, value_name = "DIR")]
    pub sites: Option<PathBuf>,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8787")]
    pub listen: SocketAddr,
    /// Data folder (collector key, and the SQLite ledger unless --database is given).
    #[arg(long)]
    pub data: PathBuf,
    /// The collector's signing key (a 32-byte Ed25519 seed, created mode 0600 if missing) instead of
    /// DATA/collector-key.seed. Collectors sharing one database must share this file: challenges, email links and
    /// receipts signed by one are checked by the others.
    #[arg(long, value_name = "FILE", env = "COLLECTOR_KEY_FILE")]
    pub key_file: Option<PathBuf>,
    /// Keep the ledger in PostgreSQL instead of SQLite: postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE (or
    /// postgresql://…; `?host=/run/postgresql` for a Unix socket). The tables are created on first start.
    #[arg(long, value_name = "URL", env = "DATABASE_URL", hide_env_values = true)]
    pub database: Option<String>,
    /// Also write every email as an .eml file here (an erasure removes the subject's files).
    #[arg(long)]
    pub outbox: Option<PathBuf>,
    /// Demo only: log each email's confirm and manage links (bearer credentials) at `info`.
    #[arg(long)]
    pub demo_log_links: bool,
    /// SMTP server: smtp://host:port (plain), smtp://host:port?tls=required (STARTTLS), smtps://host:port.
    /// Credentials from SMTP_USERNAME and SMTP_PASSWORD; a relay's private CA (PEM) from SMTP_CA_FILE.
    #[arg(long)]
    pub smtp: Option<String>,
    /// The collector's public base URL, for links in emails (default: http://LISTEN).
    #[arg(long)]
    pub public_url: Option<String>,
    /// Sender address of every email (default: each site's emails come from its own controller's address).
    #[arg(long)]
    pub mail_from: Option<String>,
    /// Requests per minute per client IP (0: unlimited).
    #[arg(long, default_value_t = 120)]
    pub ip_rate_limit: u32,
    /// Submissions and access requests per hour per email (0: unlimited).
    #[arg(long, default_value_t = 10)]
    pub email_rate_limit: u32,
    /// A reverse proxy (address or CIDR network, repeatable) whose `X-Forwarded-For` names the client for the
    /// per-IP rate limit: the right-most entry that is not itself a trusted proxy. Without it the header is
    /// ignored (anyone could write it).
    #[arg(long = "trusted-proxy", value_name = "CIDR")]
    pub trusted_proxies: Vec<collector::proxies::Cidr>,
    /// Serve the Prometheus `/metrics` on this address of its own (e.g. 127.0.0.1:9187); without it, no metrics
    /// are served at all (never on --listen).
    #[arg(long, value_name = "ADDR")]
    pub metrics_listen: Option<SocketAddr>,
    /// Ask scrapers of --metrics-listen for `Authorization: Bearer TOKEN` (Prometheus: `authorization:
    /// credentials_file`); for a metrics address other machines can reach.
    #[arg(long, value_name = "TOKEN", env = "COLLECTOR_METRICS_TOKEN", hide_env_values = true,
          requires = "metrics_listen", value_parser = clap::builder::NonEmptyStringValueParser::new())]
    pub metrics_token: Option<String>,
    /// Seconds between two retention passes.
    #[arg(long, default_value_t = 3600)]
    pub purge_every: u64,
    /// Admins of the staff console must set up a TOTP second factor before anything else.
    #[arg(long)]
    pub staff_require_2fa: bool,
}

/// Where a staff command finds the ledger: the SQLite file of a data folder, or a PostgreSQL database.
#[derive(Debug, clap::Args)]
pub struct LedgerArgs {
    /// Data folder of `collector serve` (its SQLite ledger, and its key).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// The PostgreSQL database `collector serve --database` writes to (postgres://… or postgresql://…).
    #[arg(long, value_name = "URL", env = "DATABASE_URL", hide_env_values = true)]
    pub database: Option<String>,
}

/// `collector receipt …`.
#[derive(Debug, Subcommand)]
pub enum ReceiptCommand {
    /// Check a receipt offline (the `receipt` object or the whole 201 answer).
    Verify(ReceiptVerifyArgs),
}

/// `collector receipt verify`.
#[derive(Debug, clap::Args)]
pub struct ReceiptVerifyArgs {
    /// The receipt JSON file.
    pub file: PathBuf,
    /// The collector's public key (base64url) you trust; without it, the key inside the receipt is used and
    /// printed for you to compare.
    // base64url keys may start with `-` (one in 64 does): without this, clap takes such a key for a flag.
    #[arg(long, allow_hyphen_values = true, conflicts_with = "keys")]
    pub key: Option<String>,
    /// The collector's key set you trust: a JWK Set file, as `/.well-known/consent-receipt-keys` serves it (the
    /// receipt's `kid` picks its key; a receipt signed before a rotation verifies against the retired key).
    #[arg(long, value_name = "FILE")]
    pub keys: Option<PathBuf>,
    /// Also check that the ledger in this data folder holds the event the receipt names.
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Also check that the ledger in this PostgreSQL database (postgres://…) holds the event the receipt names.
    #[arg(long, value_name = "URL")]
    pub database: Option<String>,
}

/// `collector proof …`.
#[derive(Debug, Subcommand)]
pub enum ProofCommand {
    /// Check a proof bundle offline: signatures, hashes, chain links, notices, receipts (exit 1 if any fails).
    Verify(ProofVerifyArgs),
}

/// `collector proof verify`.
#[derive(Debug, clap::Args)]
pub struct ProofVerifyArgs {
    /// The bundle (ZIP) downloaded from the staff console.
    pub file: PathBuf,
    /// The collector's public key (base64url) you trust; without it, the key inside the bundle is used and
    /// printed for you to compare.
    #[arg(long, allow_hyphen_values = true)]
    pub key: Option<String>,
}

/// `collector staff …`.
#[derive(Debug, Subcommand)]
pub enum StaffCommand {
    /// Create a console account and print the one-time link that sets its password.
    Add(StaffAddArgs),
}

/// A console role.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RoleArg {
    /// Dashboards.
    Viewer,
    /// + register, proof bundles, exports.
    Staff,
    /// + accounts, rights requests, erasure, audit log.
    Admin,
}

impl RoleArg {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        collector::staff::Role::from(self).as_str()
    }
}

impl From<RoleArg> for collector::staff::Role {
    fn from(role: RoleArg) -> Self {
        match role {
            RoleArg::Viewer => collector::staff::Role::Viewer,
            RoleArg::Staff => collector::staff::Role::Staff,
            RoleArg::Admin => collector::staff::Role::Admin,
        }
    }
}

/// `collector staff add`.
#[derive(Debug, clap::Args)]
pub struct StaffAddArgs {
    /// The account's sign-in address.
    pub email: String,
    /// Its role.
    #[arg(long, value_enum)]
    pub role: RoleArg,
    /// A site it sees (repeatable); all sites without it.
    #[arg(long = "site")]
    pub sites: Vec<String>,
    /// Where the ledger is.
    #[command(flatten)]
    pub ledger: LedgerArgs,
    /// The collector's public base URL, for the link.
    #[arg(long, default_value = "http://127.0.0.1:8787")]
    pub public_url: String,
    /// Also email the link through this SMTP server (as `serve --smtp`).
    #[arg(long)]
    pub smtp: Option<String>,
    /// Also write the email as an .eml file here (as `serve --outbox`).
    #[arg(long)]
    pub outbox: Option<PathBuf>,
    /// Sender address of the email (default: the first stored site's controller email).
    #[arg(long)]
    pub mail_from: Option<String>,
}

/// Export formats.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ExportFormat {
    /// CSV, UTF-8 with BOM, `;`-separated.
    Csv,
    /// JSON array.
    Json,
}

/// `collector export`.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// Where the ledger is.
    #[command(flatten)]
    pub ledger: LedgerArgs,
    /// Purpose id.
    #[arg(long)]
    pub purpose: String,
    /// Site id (needed only when the collector serves several).
    #[arg(long)]
    pub site: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "csv")]
    pub format: ExportFormat,
    /// Write here instead of standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Export instead the consents from before (`import --legacy-consent`) still to reconfirm, apart.
    #[arg(long)]
    pub legacy: bool,
}

/// `collector stats`.
#[derive(Debug, clap::Args)]
pub struct StatsArgs {
    /// Where the ledger is.
    #[command(flatten)]
    pub ledger: LedgerArgs,
    /// Site id (needed only when the collector serves several).
    #[arg(long)]
    pub site: Option<String>,
    /// JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// The insertion statistics instead (per promo × programme: respondents, situations, sectors, k = 5 and
    /// complementary suppression), from the career profiles; with --json, the file site-kit reads as
    /// `data/insertion.json`.
    #[arg(long)]
    pub insertion: bool,
    /// With --insertion: the consent purpose whose subjects are counted (default `insertion_stats`).
    #[arg(long, requires = "insertion")]
    pub purpose: Option<String>,
}

/// `collector import`.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// The CSV file: UTF-8 or Windows-1252, `;` or `,`, a header row (Nom;Prénom;Courriel;Promotion;Formation…).
    pub file: PathBuf,
    /// Where the ledger is.
    #[command(flatten)]
    pub ledger: LedgerArgs,
    /// Site id (needed only when the collector serves several).
    #[arg(long)]
    pub site: Option<String>,
    /// Where the list comes from, e.g. "Scolarité, export du 2026-09-01" (kept in the ledger: no personal data).
    #[arg(long)]
    pub source: String,
    /// Read and check everything, report, record nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Header → field, e.g. "Nom=last_name,Mail perso=email" (overrides the French defaults).
    #[arg(long)]
    pub map: Option<String>,
    /// The list records consents given before, for this purpose (kept apart, "à reconfirmer").
    #[arg(long, value_name = "PURPOSE", requires = "evidence")]
    pub legacy_consent: Option<String>,
    /// How those consents were collected, e.g. "Formulaire papier, gala 2016".
    #[arg(long, requires = "legacy_consent")]
    pub evidence: Option<String>,
}

/// `collector purge`.
#[derive(Debug, clap::Args)]
pub struct PurgeArgs {
    /// Where the ledger is.
    #[command(flatten)]
    pub ledger: LedgerArgs,
    /// Act as if it were this instant (RFC 3339), e.g. to check what a purge will do, or in tests.
    #[arg(long)]
    pub now: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[test]
    fn a_receipt_key_starting_with_a_hyphen_is_a_value() {
        let cli = Cli::try_parse_from(["collector", "receipt", "verify", "r.json", "--key", "-Ab_9", "--data", "d"]);
        let Ok(Cli { command: Command::Receipt { command: ReceiptCommand::Verify(args) }, .. }) = cli else {
            panic!("not parsed as receipt verify: {cli:?}");
        };
        assert_eq!(args.key.as_deref(), Some("-Ab_9"));
    }
}
