//! site-kit: the static-site generator of the alumni consent kit.
//!
//! Marketers write alumni portraits and articles in Markdown with TOML front matter; `consent.toml` (parsed by
//! the [`consent`] crate) gives the privacy-notice page, the widget configuration and the calls to action. The
//! data's way: [`Project`] (consent.toml + site.toml) → [`Site`] (parsed pages and the theme) → outputs written
//! by [`build()`]; [`check()`] lints the same project for the law's requirements; [`serve()`] previews it
//! with live reload.
#![deny(missing_docs)]

mod build;
mod check;
mod content;
mod dates;
mod error;
mod feed;
mod insertion;
mod listing;
mod output;
mod privacy_page;
mod project;
mod robots;
mod scaffold;
mod serve;
mod shortcodes;
mod site;
mod site_config;
mod sitemap;
mod templates;
mod typography;
mod widget_assets;

pub use build::{BuildOptions, BuildReport, build};
pub use check::{Finding, Report, Severity, check};
pub use error::{BuildError, Located};
pub use project::Project;
pub use scaffold::{Archetype, init, new_content};
pub use serve::{ServeOptions, serve};
pub use site::Site;
pub use site_config::SiteConfig;
