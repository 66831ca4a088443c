//! The theme: minijinja templates compiled once per build. The built-in theme is embedded in the binary; a file
//! of the same name in the site's `templates/` folder replaces it.

use crate::error::BuildError;
use minijinja::Environment;
use std::path::Path;

/// Built-in templates: (name, source).
const BUILT_IN: [(&str, &str); 6] = [
    ("base.html", include_str!("base.html")),
    ("article.html", include_str!("article.html")),
    ("list.html", include_str!("list.html")),
    ("tags.html", include_str!("tags.html")),
    ("privacy.html", include_str!("privacy.html")),
    ("insertion.html", include_str!("insertion.html")),
];

/// The built-in style sheet, written to `/theme.css` (a `static/theme.css` replaces it).
pub const THEME_CSS: &str = include_str!("theme.css");

/// Compiled templates.
#[derive(Debug)]
pub struct Theme {
    env: Environment<'static>,
}

impl Theme {
    /// Compiles the built-in templates, replaced by those found in `templates_dir`.
    pub fn load(templates_dir: &Path) -> Result<Theme, BuildError> {
        let mut env = Environment::new();
        // HTML-escape every value in `.html` templates (the default callback does that by extension).
        env.set_auto_escape_callback(minijinja::default_auto_escape_callback);
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
        env.set_formatter(html_formatter);
        for (name, source) in BUILT_IN {
            let path = templates_dir.join(name);
            let result = match std::fs::read_to_string(&path) {
                Ok(own) => env.add_template_owned(name.to_owned(), own),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => env.add_template(name, source),
                Err(e) => return Err(BuildError::io(path, e)),
            };
            result.map_err(|e| BuildError::template(&format!("templates/{name}"), &e))?;
        }
        Ok(Theme { env })
    }

    /// Renders template `name` with `ctx`.
    pub fn render(&self, name: &str, ctx: minijinja::Value) -> Result<String, BuildError> {
        let template = self.env.get_template(name).map_err(|e| BuildError::template(name, &e))?;
        template.render(ctx).map_err(|e| BuildError::template(name, &e))
    }
}

/// minijinja's HTML escaping also escapes `/`, which makes every URL unreadable in the source; this escapes what
/// HTML needs (`& < > " '`) and leaves the rest to the default formatter.
fn html_formatter(
    out: &mut minijinja::Output<'_>,
    state: &minijinja::State<'_, '_>,
    value: &minijinja::Value,
) -> Result<(), minijinja::Error> {
    match (state.auto_escape(), value.as_str()) {
        (minijinja::AutoEscape::Html, Some(text)) if !value.is_safe() => out
            .write_str(&crate::shortcodes::escape_attr(text))
            .map_err(|e| minijinja::Error::new(minijinja::ErrorKind::WriteFailure, e.to_string())),
        _ => minijinja::escape_formatter(out, state, value),
    }
}
