//! `site-kit notice DIR [--layer first|second --lang fr|en]`: the layer's text, then the notice version on the
//! last line.

use crate::cli::{Lang, Layer};
use consent::{Config, Locale, Notice};
use site_kit::Project;
use std::path::Path;
use std::process::ExitCode;

pub fn run(dir: &Path, layer: Option<Layer>, lang: Lang) -> anyhow::Result<ExitCode> {
    let (src, file) = Project::read_consent(dir)?;
    let config = match Config::from_toml_str(&src, &file) {
        Ok(config) => config,
        Err(err) => {
            eprintln!("{err}");
            return Ok(ExitCode::FAILURE);
        }
    };
    let notice = Notice::render(&config);
    let locale = match lang {
        Lang::Fr => Locale::Fr,
        Lang::En => Locale::En,
    };
    match layer {
        Some(Layer::First) => println!("{}\n", notice.first_layer(locale)),
        Some(Layer::Second) => println!("{}", notice.second_layer(locale)),
        None => {}
    }
    println!("{}", notice.version());
    Ok(ExitCode::SUCCESS)
}
