//! `site-kit init` (a working site: commented consent.toml, site.toml, three French articles, an empty
//! `templates/`) and `site-kit new` (one article from an archetype).

use crate::content::slug::slugify;
use crate::error::BuildError;
use std::path::{Path, PathBuf};

/// The files `init` writes: (path, contents).
const INIT_FILES: [(&str, &str); 6] = [
    ("consent.toml", include_str!("consent.toml")),
    ("site.toml", include_str!("site.toml")),
    ("content/portrait-camille-martin.md", include_str!("portrait.md")),
    ("content/l-importance-du-reseau.md", include_str!("reseau.md")),
    ("content/l-ecole-recherche-ses-anciens.md", include_str!("recherche.md")),
    ("static/images/portrait.svg", include_str!("portrait.svg")),
];

/// What `new` creates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Archetype {
    /// A portrait of an alumnus or alumna (`new portrait "Prénom Nom"`).
    Portrait,
    /// An article (`new article "Titre"`).
    Article,
}

/// Scaffolds a site in `dir`; refuses to overwrite an existing file. Returns the files written.
pub fn init(dir: &Path) -> Result<Vec<PathBuf>, BuildError> {
    for (rel, _) in INIT_FILES {
        let path = dir.join(rel);
        if path.exists() {
            return Err(BuildError::io(
                &path,
                std::io::Error::new(
                    std::io::ErrorKind::AlreadyExists,
                    "already exists; init writes only into a new site",
                ),
            ));
        }
    }
    let mut written = Vec::new();
    for (rel, text) in INIT_FILES {
        written.push(write_new(&dir.join(rel), text)?);
    }
    let templates = dir.join("templates");
    std::fs::create_dir_all(&templates).map_err(|e| BuildError::io(&templates, e))?;
    written.push(write_new(
        &templates.join("README.md"),
        "Déposez ici base.html, article.html, list.html, tags.html ou privacy.html pour remplacer ceux du thème intégré.\n\
         Put base.html, article.html, list.html, tags.html or privacy.html here to replace the built-in theme's.\n",
    )?);
    Ok(written)
}

/// Writes a new Markdown file in `dir/content/` from an archetype; returns its path.
pub fn new_content(dir: &Path, archetype: Archetype, name: &str) -> Result<PathBuf, BuildError> {
    let (year, month, day) = today();
    let date = format!("{year:04}-{month:02}-{day:02}");
    let (file, text) = match archetype {
        Archetype::Portrait => (
            format!("portrait-{}.md", slugify(name)),
            include_str!("archetype-portrait.md")
                .replace("{title}", &toml_string(&format!("Portrait : {name}")))
                .replace("{alt}", &toml_string(&format!("Portrait de {name}")))
                .replace("{year}", &(year - 10).to_string())
                .replace("{date}", &date),
        ),
        Archetype::Article => (
            format!("{}.md", slugify(name)),
            include_str!("archetype-article.md").replace("{title}", &toml_string(name)).replace("{date}", &date),
        ),
    };
    if slugify(name).is_empty() {
        return Err(BuildError::Content(vec![crate::error::Located {
            file: "(command line)".to_owned(),
            line: 1,
            column: 1,
            message: format!("« {name} » gives an empty file name"),
            hint: Some("use letters or digits in the title".to_owned()),
        }]));
    }
    let path = dir.join("content").join(file);
    if path.exists() {
        return Err(BuildError::io(&path, std::io::Error::new(std::io::ErrorKind::AlreadyExists, "already exists")));
    }
    write_new(&path, &text)
}

fn write_new(path: &Path, text: &str) -> Result<PathBuf, BuildError> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| BuildError::io(parent, e))?;
    }
    std::fs::write(path, text).map_err(|e| BuildError::io(path, e))?;
    Ok(path.to_owned())
}

/// A TOML basic string with everything escaped.
fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

/// Today's UTC date, from the system clock (days since 1970 → civil date, H. Hinnant's algorithm).
fn today() -> (i64, u32, u32) {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let z = (secs / 86_400) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_are_toml_escaped() {
        let quoted = toml_string("Portrait : \"Zoé\" l'an 'x'");
        let back: toml::Table = toml::from_str(&format!("t = {quoted}")).unwrap();
        assert_eq!(back["t"].as_str(), Some("Portrait : \"Zoé\" l'an 'x'"));
        let (y, m, d) = today();
        assert!(y >= 2024 && (1..=12).contains(&m) && (1..=31).contains(&d));
    }
}
