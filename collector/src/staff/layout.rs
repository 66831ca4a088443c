//! The console's page frame: skip link, header with the navigation, main landmark, sign-out, language switch;
//! French first, English with `?lang=en` or the account's locale. Styles inline (the console's CSP allows
//! `style-src 'unsafe-inline'`, no script at all), AA contrast, visible focus, usable with the keyboard alone.

use crate::staff::{Role, Staff};
use consent::Locale;
use maud::{DOCTYPE, Markup, html};

const STYLE: &str = "
:root{--accent:#1d4ed8;--text:#111827;--muted:#4b5563;--border:#d1d5db;--bg:#fff}
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;color:var(--text);background:var(--bg);margin:0;line-height:1.5}
.skip{position:absolute;left:-999px;top:0;background:#fff;padding:.5rem 1rem;z-index:10}
.skip:focus{left:1rem;top:1rem}
header{border-bottom:1px solid var(--border);padding:.5rem 1rem;display:flex;flex-wrap:wrap;gap:1rem;align-items:center}
header nav ul{list-style:none;display:flex;flex-wrap:wrap;gap:.25rem 1rem;margin:0;padding:0}
header .who{margin-left:auto;display:flex;gap:1rem;align-items:center;color:var(--muted)}
main{max-width:72rem;margin:1.5rem auto;padding:0 1rem}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem}h3{font-size:1.05rem}
a{color:var(--accent)}a[aria-current=page]{font-weight:700;text-decoration-thickness:3px}
a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,textarea:focus-visible,summary:focus-visible
{outline:3px solid #b45309;outline-offset:2px}
button{font:inherit;padding:.45rem 1rem;border-radius:.4rem;border:2px solid var(--accent);background:var(--accent);color:#fff;cursor:pointer}
button.secondary,header button{background:#fff;color:var(--accent)}button.danger{background:#b91c1c;border-color:#b91c1c}
input,select,textarea{font:inherit;padding:.35rem;border:1px solid #6b7280;border-radius:.3rem;margin:.2rem .5rem .2rem 0}
label{margin-right:.25rem}fieldset{border:1px solid var(--border);border-radius:.4rem;margin:.5rem 0}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}caption{text-align:left;font-weight:600;padding:.25rem 0}
th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid var(--border);vertical-align:top}
code{font-size:.9em;word-break:break-all}
.chart svg{max-width:48rem;height:auto;display:block}.chart figcaption{font-weight:600}
.chart-data{max-height:24rem;overflow:auto}
.notice{border-left:4px solid var(--accent);padding:.5rem 1rem;background:#eff6ff}
.overdue{color:#b91c1c}
";

/// The navigation, each entry with the least role that sees it.
const NAV: [(&str, &str, &str, Role); 9] = [
    ("/staff/dashboard", "Tableau de bord", "Dashboard", Role::Viewer),
    ("/staff/register", "Registre", "Register", Role::Staff),
    ("/staff/exports", "Exports", "Exports", Role::Staff),
    ("/staff/requests", "Demandes", "Requests", Role::Admin),
    ("/staff/import", "Import des diplômés", "Graduates import", Role::Admin),
    ("/staff/campaigns", "Campagnes", "Campaigns", Role::Staff),
    ("/staff/audit", "Journal d'audit", "Audit log", Role::Admin),
    ("/staff/accounts", "Comptes", "Accounts", Role::Admin),
    ("/staff/health", "Santé du registre", "Ledger health", Role::Viewer),
];

/// A console page in the account's locale (French without an account).
pub fn page(staff: Option<&Staff>, title: &str, body: Markup) -> Markup {
    page_in(staff.map_or(Locale::Fr, |s| s.locale), staff, title, body)
}

/// A console page in `locale`.
pub fn page_in(locale: Locale, staff: Option<&Staff>, title: &str, body: Markup) -> Markup {
    let t = |fr: &'static str, en: &'static str| if locale == Locale::En { en } else { fr };
    let (other, other_label) = if locale == Locale::En { ("fr", "Français") } else { ("en", "English") };
    html! {
        (DOCTYPE)
        html lang=(locale.tag()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="robots" content="noindex";
                title { (title) " — " (t("Console du registre des consentements", "Consent ledger console")) }
                style { (STYLE) }
            }
            body {
                a.skip href="#main" { (t("Aller au contenu", "Skip to content")) }
                header {
                    strong { (t("Console des consentements", "Consent console")) }
                    @if let Some(staff) = staff {
                        nav aria-label=(t("Console", "Console")) {
                            ul { @for (href, fr, en, role) in NAV { @if staff.role >= role {
                                li { a href=(href) aria-current=[(title == t(fr, en)).then_some("page")] { (t(fr, en)) } }
                            } } }
                        }
                        div.who {
                            span { (staff.email) " (" (staff.role.label(locale)) ")" }
                            a href={ "?lang=" (other) } lang=(other) { (other_label) }
                            form method="post" action="/staff/logout" {
                                input type="hidden" name="csrf" value=(staff.csrf_token);
                                button type="submit" { (t("Se déconnecter", "Sign out")) }
                            }
                            form method="post" action="/staff/account/sign-out-everywhere" {
                                input type="hidden" name="csrf" value=(staff.csrf_token);
                                button type="submit" { (t("Se déconnecter partout", "Sign out everywhere")) }
                            }
                        }
                    } @else {
                        div.who { a href={ "?lang=" (other) } lang=(other) { (other_label) } }
                    }
                }
                main id="main" tabindex="-1" { (body) }
            }
        }
    }
}
