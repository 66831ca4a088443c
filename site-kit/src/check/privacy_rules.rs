//! `art13`: the built privacy page must hold every GDPR art. 13 item of the notice, with the configured values.
//! The notice itself is complete by construction; what can lose items is a `templates/privacy.html` override
//! (or `base.html`) that leaves the notice out.

use super::{Finding, Severity};
use crate::project::{CONSENT_FILE, Project};
use crate::site::Site;
use consent::Locale;

/// Lints the rendered privacy page of `project`; `notice_line` is the line of `[notice]` in consent.toml.
pub fn lint(project: &Project, notice_line: usize) -> Vec<Finding> {
    let own = project.dir.join("templates").join("privacy.html");
    let file =
        if own.is_file() { "templates/privacy.html".to_owned() } else { "(built-in theme) privacy.html".to_owned() };
    let finding = |message: String, law: &str| Finding {
        severity: Severity::Error,
        rule: "art13",
        file: file.clone(),
        line: 1,
        column: 1,
        message,
        law: law.to_owned(),
        fix:
            "render `{{ n.html }}` for each of `notices` and `{{ version }}` in templates/privacy.html, or delete the \
              file to use the built-in one"
                .to_owned(),
    };
    let site = match Site::load(&project.dir, false) {
        Ok(site) => site,
        // Content and template errors are reported by the content rules and by `build`.
        Err(_) => return Vec::new(),
    };
    let html = match site.render_privacy() {
        Ok(out) => String::from_utf8_lossy(&out.bytes).into_owned(),
        Err(e) => return vec![finding(format!("the privacy page cannot be rendered: {e}"), "GDPR art. 13 and 12(1)")],
    };
    let text = visible_text(&html);
    let mut out = Vec::new();
    for locale in Locale::ALL {
        for heading in project.notice.second_layer(locale).lines().filter_map(|l| l.strip_prefix("## ")) {
            if !text.contains(heading.trim()) {
                out.push(finding(
                    format!("the privacy page lacks the section « {} » ({locale})", heading.trim()),
                    article_of(heading),
                ));
            }
        }
    }
    let c = project.config.controller();
    let mut values = vec![("controller name", c.name.clone()), ("controller email", c.email.clone())];
    if let Some(dpo) = project.config.dpo() {
        values.push(("DPO email", dpo.email.clone()));
    }
    values.push(("complaint authority", project.config.notice().complaint_authority.clone()));
    for p in project.config.purposes() {
        values.push(("purpose", p.label.get(Locale::Fr).to_owned()));
    }
    for (what, value) in values {
        if !text.contains(value.trim()) {
            out.push(finding(
                format!("the privacy page does not show the {what} « {value} »"),
                "GDPR art. 13(1) and (2)",
            ));
        }
    }
    out.extend(super::manage_rights::lint(&text, CONSENT_FILE, notice_line, &c.email));
    let version = project.notice.version().to_string();
    if !text.contains(&version) {
        out.push(finding(
            "the privacy page does not show the notice version".to_owned(),
            "GDPR art. 7(1), EDPB 05/2020 §108: the controller shows which text each consent was given on",
        ));
    }
    out
}

fn article_of(heading: &str) -> &'static str {
    let h = heading.to_lowercase();
    let pairs: [(&str, &str); 11] = [
        ("responsable", "GDPR art. 13(1)(a): identity and contact details of the controller"),
        ("controller", "GDPR art. 13(1)(a): identity and contact details of the controller"),
        ("délégué", "GDPR art. 13(1)(b): contact details of the DPO"),
        ("data protection officer", "GDPR art. 13(1)(b): contact details of the DPO"),
        ("finalités", "GDPR art. 13(1)(c): purposes and legal basis"),
        ("purposes", "GDPR art. 13(1)(c): purposes and legal basis"),
        ("destinataires", "GDPR art. 13(1)(e): recipients"),
        ("transfer", "GDPR art. 13(1)(f): transfers outside the EU"),
        ("conservation", "GDPR art. 13(2)(a): retention periods"),
        ("droits", "GDPR art. 13(2)(b): the data subject's rights"),
        ("retrait", "GDPR art. 13(2)(c): the right to withdraw consent"),
    ];
    pairs.iter().find(|(k, _)| h.contains(k)).map_or("GDPR art. 13: every item of the notice", |(_, law)| law)
}

/// The text of an HTML page: tags removed, common entities decoded.
pub fn visible_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}
