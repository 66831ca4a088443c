//! The command-line types.

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Static sites of alumni portraits and articles, with the privacy notice and the consent widget.
#[derive(Debug, Parser)]
#[command(name = "site-kit", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a working site: consent.toml, site.toml, three example articles, templates/.
    Init {
        /// The new site's directory.
        dir: PathBuf,
    },
    /// Add an article or a portrait from an archetype.
    New {
        /// `portrait` or `article`.
        kind: NewKind,
        /// « Prénom Nom » for a portrait, the title for an article.
        name: String,
        /// The site directory.
        #[arg(long, default_value = ".")]
        dir: PathBuf,
    },
    /// Build the site into `public/`.
    Build {
        /// The site directory.
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Output directory.
        #[arg(long)]
        out: Option<PathBuf>,
        /// The widget bundle's directory (default: `dist/widget` found above the site).
        #[arg(long)]
        widget_dir: Option<PathBuf>,
    },
    /// Build, serve on 127.0.0.1 and rebuild on change, with live reload.
    Serve {
        /// The site directory.
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Port.
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// Output directory.
        #[arg(long)]
        out: Option<PathBuf>,
        /// The widget bundle's directory.
        #[arg(long)]
        widget_dir: Option<PathBuf>,
    },
    /// Lint the configuration and the articles for the law's requirements; exit 1 on errors.
    Check {
        /// The site directory (or a consent.toml file).
        #[arg(default_value = ".")]
        dir: PathBuf,
    },
    /// Print the notice version (last line), and a layer of the notice with `--layer`.
    Notice {
        /// The site directory (or a consent.toml file).
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Print this layer before the version.
        #[arg(long)]
        layer: Option<Layer>,
        /// The layer's language.
        #[arg(long, default_value = "fr")]
        lang: Lang,
    },
}

/// What `new` creates.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum NewKind {
    /// A portrait.
    Portrait,
    /// An article.
    Article,
}

/// A notice layer.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Layer {
    /// The short mention under the boxes.
    First,
    /// The privacy policy.
    Second,
}

/// A language.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Lang {
    /// Français.
    Fr,
    /// English.
    En,
}
