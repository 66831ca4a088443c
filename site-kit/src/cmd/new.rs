//! `site-kit new portrait "Prénom Nom"` / `site-kit new article "Titre"`.

use crate::cli::NewKind;
use site_kit::Archetype;
use std::path::Path;
use std::process::ExitCode;

pub fn run(kind: NewKind, name: &str, dir: &Path) -> anyhow::Result<ExitCode> {
    let archetype = match kind {
        NewKind::Portrait => Archetype::Portrait,
        NewKind::Article => Archetype::Article,
    };
    let path = site_kit::new_content(dir, archetype, name)?;
    println!("created {} (draft = true: remove it to publish)", path.display());
    Ok(ExitCode::SUCCESS)
}
