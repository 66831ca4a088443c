//! A campaign's template: Markdown, its subject line in a front matter (`---` / `subject: …` / `---`) or as the
//! first `# ` heading, and placeholders `{{ first_name }}`, `{{ last_name }}`, `{{ promo }}`, `{{ programme }}`
//! (any field of the site) and `{{ controller }}`.
//!
//! Placeholders are checked once, when the template is read: an unknown one is an error at its line and column,
//! with the names that exist. A value is spliced into the parsed Markdown's *text* only, never into its source:
//! the placeholders become private-use sentinels before parsing, so a name written `*Zoé* <b>` or `[x](y)` is
//! shown as typed, escaped by the HTML writer, and cannot add markup, links or emphasis. Raw HTML in the
//! template is shown as text too (the message's HTML is Markdown's own, nothing else).

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag};
use std::collections::BTreeMap;
use std::fmt;

/// Placeholders other than the site's fields.
pub const CONTROLLER: &str = "controller";

/// The sentinels a placeholder becomes while the Markdown is parsed (Unicode private use: no Markdown meaning).
const OPEN: char = '\u{E000}';
const CLOSE: char = '\u{E001}';

/// A template that cannot be used, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column (in characters).
    pub column: usize,
    /// What is wrong, French then English.
    pub message: String,
    /// What to do.
    pub hint: String,
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}\n  aide / hint: {}", self.message, self.hint)
    }
}

impl std::error::Error for TemplateError {}

impl TemplateError {
    /// `FILE:LINE:COL: message`, as compilers write it.
    pub fn located(&self, file: &str) -> String {
        format!("{file}:{}:{}: {self}", self.line, self.column)
    }
}

/// A checked template, parsed once, rendered per recipient.
#[derive(Debug, Clone)]
pub struct Template {
    /// The subject line, placeholders unresolved.
    subject: Vec<Piece>,
    /// The body's Markdown source, placeholders unresolved (the text part).
    body: Vec<Piece>,
    /// The body parsed, placeholders as sentinels (the HTML part).
    events: Vec<Event<'static>>,
    /// The placeholder names, by sentinel index.
    names: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Placeholder(usize),
}

/// One recipient's message, rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The subject line.
    pub subject: String,
    /// The body as text (the Markdown, values spliced).
    pub text: String,
    /// The body as HTML (values escaped).
    pub html: String,
}

fn position(source: &str, offset: usize) -> (usize, usize) {
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// The known name nearest to `name` (a typo's likely intent), if any is close.
fn nearest<'a>(name: &str, known: &'a [String]) -> Option<&'a str> {
    fn distance(a: &str, b: &str) -> usize {
        let b: Vec<char> = b.chars().collect();
        let mut row: Vec<usize> = (0..=b.len()).collect();
        for (i, ca) in a.chars().enumerate() {
            let mut prev = row[0];
            row[0] = i + 1;
            for (j, cb) in b.iter().enumerate() {
                let here = row[j + 1];
                row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(here + 1);
                prev = here;
            }
        }
        row[b.len()]
    }
    // A typo (`fist_name`), or a longer or shorter word for the same field (`promotion`, `prog`).
    let close = |k: &str| {
        distance(name, k) <= 2 || (k.len() >= 4 && name.starts_with(k)) || (name.len() >= 4 && k.starts_with(name))
    };
    known.iter().filter(|k| close(k)).min_by_key(|k| distance(name, k)).map(String::as_str)
}

/// Splits `text` (which starts at `base` in `source`) into text and placeholders, checking each name.
fn pieces(
    source: &str,
    base: usize,
    text: &str,
    known: &[String],
    names: &mut Vec<String>,
) -> Result<Vec<Piece>, TemplateError> {
    let mut out = Vec::new();
    let mut rest = text;
    let mut at = base;
    while let Some(open) = rest.find("{{") {
        if open > 0 {
            out.push(Piece::Text(rest[..open].to_owned()));
        }
        let inner_start = open + 2;
        let Some(close) = rest[inner_start..].find("}}") else {
            let (line, column) = position(source, at + open);
            return Err(TemplateError {
                line,
                column,
                message: "« {{ » sans « }} » — `{{` without `}}`".into(),
                hint: "écrivez {{ first_name }} / write {{ first_name }}".into(),
            });
        };
        let raw = &rest[inner_start..inner_start + close];
        let name = raw.trim();
        if !known.iter().any(|k| k == name) {
            let offset = at + inner_start + (raw.len() - raw.trim_start().len());
            let (line, column) = position(source, offset);
            let suggestion = nearest(name, known).map(|k| format!("vouliez-vous / did you mean {{{{ {k} }}}} ? "));
            return Err(TemplateError {
                line,
                column,
                message: format!("champ inconnu « {name} » — unknown placeholder `{name}`"),
                hint: format!(
                    "{}champs possibles / known placeholders: {}",
                    suggestion.unwrap_or_default(),
                    known.join(", ")
                ),
            });
        }
        let index = match names.iter().position(|n| n == name) {
            Some(i) => i,
            None => {
                names.push(name.to_owned());
                names.len() - 1
            }
        };
        out.push(Piece::Placeholder(index));
        let consumed = inner_start + close + 2;
        at += consumed;
        rest = &rest[consumed..];
    }
    if !rest.is_empty() {
        out.push(Piece::Text(rest.to_owned()));
    }
    Ok(out)
}

fn sentinel(index: usize) -> String {
    format!("{OPEN}{index}{CLOSE}")
}

fn with_sentinels(pieces: &[Piece]) -> String {
    pieces
        .iter()
        .map(|p| match p {
            Piece::Text(t) => t.clone(),
            Piece::Placeholder(i) => sentinel(*i),
        })
        .collect()
}

impl Template {
    /// Reads a template; `fields` are the site's field ids (each a placeholder).
    pub fn parse(source: &str, fields: &[String]) -> Result<Template, TemplateError> {
        let mut known: Vec<String> = fields.to_vec();
        known.push(CONTROLLER.to_owned());
        let source = source.strip_prefix('\u{feff}').unwrap_or(source);
        let (subject_at, subject_text, body_at) = split_subject(source)?;
        let mut names = Vec::new();
        let subject = pieces(source, subject_at, subject_text, &known, &mut names)?;
        let body_text = &source[body_at..];
        let body = pieces(source, body_at, body_text, &known, &mut names)?;
        if body.iter().all(|p| matches!(p, Piece::Text(t) if t.trim().is_empty())) {
            let (line, column) = position(source, body_at);
            return Err(TemplateError {
                line,
                column,
                message: "le message est vide — the message is empty".into(),
                hint: "écrivez le texte sous la ligne d'objet / write the text below the subject line".into(),
            });
        }
        let marked = with_sentinels(&body);
        let mut events = Vec::new();
        for (event, range) in Parser::new_ext(&marked, Options::ENABLE_STRIKETHROUGH).into_offset_iter() {
            if let Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) = &event
                && dest_url.contains(OPEN)
            {
                // Where in the source: the sentinel's offset in `marked` maps back through the pieces before it.
                let (line, column) = position(source, body_at + source_offset(&body, range.start));
                return Err(TemplateError {
                    line,
                    column,
                    message: "un champ ne peut pas entrer dans l'adresse d'un lien — a placeholder cannot be part of \
                              a link's address"
                        .into(),
                    hint: "mettez-le dans le texte du lien, pas dans (…) / put it in the link's text, not in (…)"
                        .into(),
                });
            }
            events.push(match event {
                // Raw HTML in a template is shown as what it is.
                Event::Html(html) | Event::InlineHtml(html) => Event::Text(html),
                other => other,
            });
        }
        let events = events.into_iter().map(Event::into_static).collect();
        Ok(Template { subject, body, events, names })
    }

    /// The placeholders the template uses.
    pub fn placeholders(&self) -> &[String] {
        &self.names
    }

    /// The subject line as written (placeholders unresolved), for the campaign list.
    pub fn subject_source(&self) -> String {
        self.subject
            .iter()
            .map(|p| match p {
                Piece::Text(t) => t.clone(),
                Piece::Placeholder(i) => format!("{{{{ {} }}}}", self.names[*i]),
            })
            .collect()
    }

    /// One recipient's message; `values` by placeholder name (a missing one is empty).
    pub fn render(&self, values: &BTreeMap<String, String>) -> Rendered {
        let value = |i: usize| values.get(&self.names[i]).map_or("", String::as_str);
        let splice = |pieces: &[Piece], one_line: bool| -> String {
            pieces
                .iter()
                .map(|p| match p {
                    Piece::Text(t) => t.clone(),
                    // A subject is one header line: a value's line breaks would end it.
                    Piece::Placeholder(i) if one_line => value(*i).replace(['\r', '\n'], " "),
                    Piece::Placeholder(i) => value(*i).to_owned(),
                })
                .collect()
        };
        let events = self.events.iter().cloned().map(|event| match event {
            Event::Text(text) if text.contains(OPEN) => Event::Text(CowStr::from(self.resolve(&text, &value))),
            Event::Code(text) if text.contains(OPEN) => Event::Code(CowStr::from(self.resolve(&text, &value))),
            other => other,
        });
        let mut html = String::new();
        pulldown_cmark::html::push_html(&mut html, events);
        Rendered {
            subject: splice(&self.subject, true).trim().to_owned(),
            text: splice(&self.body, false).trim().to_owned(),
            html,
        }
    }

    /// `text` with each sentinel replaced by its value (as text: the HTML writer escapes it).
    fn resolve<'v>(&self, text: &str, value: &impl Fn(usize) -> &'v str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(open) = rest.find(OPEN) {
            out.push_str(&rest[..open]);
            let after = &rest[open + OPEN.len_utf8()..];
            match after.find(CLOSE).and_then(|close| Some((close, after[..close].parse::<usize>().ok()?))) {
                Some((close, index)) if index < self.names.len() => {
                    out.push_str(value(index));
                    rest = &after[close + CLOSE.len_utf8()..];
                }
                _ => {
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        out
    }
}

/// The offset in the body source of the byte at `marked_offset` in its sentinel form.
fn source_offset(body: &[Piece], marked_offset: usize) -> usize {
    let (mut marked, mut source) = (0, 0);
    for piece in body {
        let (m, s) = match piece {
            Piece::Text(t) => (t.len(), t.len()),
            Piece::Placeholder(i) => (sentinel(*i).len(), 0),
        };
        if marked + m > marked_offset {
            return source + (marked_offset - marked).min(s);
        }
        marked += m;
        source += s;
    }
    source
}

/// Finds the subject line: `subject:` in a front matter, else the first `# ` heading (removed from the body).
/// Returns where the subject's text starts, the text, and where the body starts.
fn split_subject(source: &str) -> Result<(usize, &str, usize), TemplateError> {
    let missing = || TemplateError {
        line: 1,
        column: 1,
        message: "pas d'objet : le modèle commence par un en-tête `---` / `subject: …` / `---` ou par un titre `# …` \
                  — no subject line: start the template with a `---` / `subject: …` / `---` front matter or a `# …` \
                  heading"
            .into(),
        hint: "par exemple / for example: `# Le réseau alumni vous attend, {{ first_name }}`".into(),
    };
    let mut lines = Vec::new();
    let mut offset = 0;
    for line in source.split_inclusive('\n') {
        lines.push((offset, line));
        offset += line.len();
    }
    let first = lines.iter().position(|(_, l)| !l.trim().is_empty()).ok_or_else(missing)?;
    let (start, line) = lines[first];
    if line.trim_end() == "---" {
        let mut subject = None;
        for &(at, l) in &lines[first + 1..] {
            if l.trim_end() == "---" {
                let body = at + l.len();
                let (s_at, s) =
                    subject.ok_or_else(|| TemplateError { line: position(source, start).0, column: 1, ..missing() })?;
                return Ok((s_at, s, body));
            }
            let trimmed = l.trim_start();
            if let Some(value) = trimmed.strip_prefix("subject:").or_else(|| trimmed.strip_prefix("objet:")) {
                let value_at = at + (l.len() - trimmed.len()) + (trimmed.len() - value.len());
                let lead = value.len() - value.trim_start().len();
                subject = Some((value_at + lead, value.trim()));
            } else if !trimmed.trim().is_empty() {
                let (line, column) = position(source, at + (l.len() - trimmed.len()));
                return Err(TemplateError {
                    line,
                    column,
                    message: format!(
                        "clé inconnue dans l'en-tête : « {} » — unknown front-matter key",
                        trimmed.trim().split(':').next().unwrap_or("")
                    ),
                    hint: "seule `subject:` (ou `objet:`) est lue / only `subject:` (or `objet:`) is read".into(),
                });
            }
        }
        let (line, column) = position(source, start);
        return Err(TemplateError {
            line,
            column,
            message: "en-tête `---` non fermé — unclosed `---` front matter".into(),
            hint: "fermez-le par une ligne `---` / close it with a `---` line".into(),
        });
    }
    if let Some(title) = line.strip_prefix("# ") {
        return Ok((start + 2, title.trim_end(), start + line.len()));
    }
    let (line, column) = position(source, start);
    Err(TemplateError { line, column, ..missing() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> Vec<String> {
        ["last_name", "first_name", "promo", "programme", "email"].map(String::from).to_vec()
    }

    #[test]
    fn an_unknown_placeholder_is_located_with_a_suggestion() {
        let source = "# Bonjour\n\nCher {{ first_name }},\nvotre promo {{ promotion }} vous attend.\n";
        let e = Template::parse(source, &fields()).unwrap_err();
        assert_eq!((e.line, e.column), (4, 16), "{e}");
        assert!(e.message.contains("promotion"), "{e}");
        assert!(e.hint.contains("{{ promo }}"), "{e}");
        assert!(e.located("t.md").starts_with("t.md:4:16: "));
    }

    #[test]
    fn markup_in_a_name_is_inert() {
        let t = Template::parse("# Salut {{ first_name }}\n\nBonjour **{{ first_name }}** !\n", &fields()).unwrap();
        let values = BTreeMap::from([(
            "first_name".to_owned(),
            "<img src=x onerror=alert(1)> *Zoé* [x](http://evil)".to_owned(),
        )]);
        let r = t.render(&values);
        assert!(
            r.html.contains("<strong>&lt;img src=x onerror=alert(1)&gt; *Zoé* [x](http://evil)</strong>"),
            "{}",
            r.html
        );
        assert!(!r.html.contains("<img") && !r.html.contains("<em>") && !r.html.contains("href"), "{}", r.html);
        assert_eq!(r.subject, "Salut <img src=x onerror=alert(1)> *Zoé* [x](http://evil)");
    }

    #[test]
    fn front_matter_or_heading_gives_the_subject() {
        let t = Template::parse("---\nsubject: Le réseau, {{ promo }}\n---\nTexte.\n", &fields()).unwrap();
        assert_eq!(t.render(&BTreeMap::from([("promo".into(), "2015".into())])).subject, "Le réseau, 2015");
        let e = Template::parse("Pas d'objet\n", &fields()).unwrap_err();
        assert_eq!((e.line, e.column), (1, 1));
        let e = Template::parse("# Objet\n\nVoir [ici](https://x/{{ promo }})\n", &fields()).unwrap_err();
        assert_eq!(e.line, 3, "{e}");
        let t = Template::parse("# A\n\n<script>x</script> ok\n", &fields()).unwrap();
        assert!(t.render(&BTreeMap::new()).html.contains("&lt;script&gt;"));
    }
}
