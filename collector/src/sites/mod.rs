//! The sites a collector serves: each one's validated configuration, rendered notice and widget configuration.

use crate::clock::DAY_MS;
use crate::ledger::{RetentionRule, RetentionTable};
use consent::protocol::WidgetConfig;
use consent::vocabulary::RetentionStart;
use consent::{Config, ConfigError, Notice};
use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

pub mod folder;

/// One site, ready to serve.
#[derive(Debug)]
pub struct Site {
    /// The validated configuration.
    pub config: Config,
    /// The rendered notice and its version.
    pub notice: Notice,
    /// The widget configuration, with the receipt key.
    pub widget: WidgetConfig,
    /// `widget` as JSON, served as is.
    pub widget_json: String,
    /// The configuration file's text, kept in the database for staff commands.
    pub toml: String,
}

impl Site {
    /// Loads a site from its `consent.toml` text.
    pub fn load(toml: &str, file_name: &str, receipt_key: &str, public_url: Option<&str>) -> Result<Site, ConfigError> {
        let config = Config::from_toml_str(toml, file_name)?;
        let notice = Notice::render(&config);
        let mut widget = WidgetConfig::from_config(&config, &notice);
        widget.receipt_key = Some(receipt_key.to_owned());
        if let Some(url) = public_url {
            widget.endpoint = Some(url.to_owned());
        }
        let widget_json = serde_json::to_string(&widget).unwrap_or_default();
        Ok(Site { config, notice, widget, widget_json, toml: toml.to_owned() })
    }

    /// The sender of this site's emails: its own `[collector] mail_from`, else the collector's `--mail-from`, else
    /// the controller's address (the envelope and the header then name the controller the notice names).
    pub fn mail_from(&self, collector_default: Option<&str>) -> String {
        let own = self.config.collector().mail_from.as_deref();
        own.or(collector_default).map_or_else(|| self.config.controller().email.clone(), str::to_owned)
    }

    /// Whether a browser origin may submit to this site.
    pub fn allows_origin(&self, origin: &str) -> bool {
        self.config.collector().allowed_origins.iter().any(|o| o.trim_end_matches('/') == origin)
    }
}

/// Every site served, by id: a shared, live handle. Clones see the same sites, and a reload (`--sites DIR` and
/// SIGHUP, see [`folder`]) swaps one site for its new version under every clone at once; a request already
/// holding the old `Arc<Site>` finishes with it.
#[derive(Debug, Default, Clone)]
pub struct Sites(Arc<RwLock<BTreeMap<String, Arc<Site>>>>);

impl Sites {
    /// Sites from loaded entries.
    pub fn new(sites: impl IntoIterator<Item = Site>) -> Sites {
        let map = sites.into_iter().map(|s| (s.config.site().to_string(), Arc::new(s))).collect();
        Sites(Arc::new(RwLock::new(map)))
    }

    /// The map, readable even if a writer panicked (the map is replaced whole per site, never left half-written).
    fn read(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<String, Arc<Site>>> {
        self.0.read().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// One site, as served now.
    pub fn get(&self, id: &str) -> Option<Arc<Site>> {
        self.read().get(id).cloned()
    }

    /// Every site, as served now, by id.
    pub fn iter(&self) -> std::vec::IntoIter<Arc<Site>> {
        self.read().values().cloned().collect::<Vec<_>>().into_iter()
    }

    /// Serves `site` from now on, in place of the version with its id if there was one.
    pub fn install(&self, site: Site) {
        let mut map = self.0.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        map.insert(site.config.site().to_string(), Arc::new(site));
    }

    /// Whether any site allows this origin (CORS preflight, before the body names the site).
    pub fn any_allows(&self, origin: &str) -> bool {
        self.read().values().any(|s| s.allows_origin(origin))
    }

    /// Each site's confirmation delay, ms.
    pub fn confirm_within_ms(&self) -> BTreeMap<String, i64> {
        self.read()
            .iter()
            .map(|(id, s)| (id.clone(), i64::from(s.config.collector().confirm_within_days) * DAY_MS))
            .collect()
    }

    /// Each site's retention rules.
    pub fn retention(&self) -> RetentionTable {
        self.read()
            .iter()
            .map(|(id, s)| {
                let rules = s
                    .config
                    .purposes()
                    .iter()
                    .map(|p| {
                        let rule = RetentionRule {
                            period_ms: p.retention.seconds() * 1000,
                            from_consent: p.retention.from == RetentionStart::Consent,
                        };
                        (p.id.to_string(), rule)
                    })
                    .collect();
                (id.clone(), rules)
            })
            .collect()
    }
}

/// Why the stored sites could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum StoredSitesError {
    /// The database failed.
    #[error(transparent)]
    Store(#[from] crate::storage::StoreError),
    /// A stored configuration no longer validates.
    #[error("stored configuration of site `{site}`: {error}")]
    Config {
        /// The site.
        site: String,
        /// The diagnostics.
        error: ConfigError,
    },
}

/// The sites as `serve` last stored them (staff commands need only the data folder).
pub fn stored_sites(store: &mut dyn crate::storage::Store, receipt_key: &str) -> Result<Sites, StoredSitesError> {
    let mut loaded = Vec::new();
    for (site, toml) in store.sites()? {
        let file = format!("{site}/consent.toml");
        loaded.push(
            Site::load(&toml, &file, receipt_key, None).map_err(|error| StoredSitesError::Config { site, error })?,
        );
    }
    Ok(Sites::new(loaded))
}
