//! Campaigns from the staff console, against the real binary and a real SMTP server on loopback: an admin of
//! the school imports its graduates, composes (an unknown placeholder shown at its line and column), previews
//! for a real recipient (markup in a name stays text), sends a test to their own address only, confirms and
//! sends; the report is on the campaign's page and the dashboard. Roles, other sites, a missing token and the
//! association's regime are refused.

use crate::staff_console::{Session, field, sign_in};
use crate::util::*;
use std::path::Path;

const SCHOOL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/ecole-exemple/consent.toml");
const ADMIN: &str = "alumni-admin@ecole-exemple.fr";
const SUBJECT: &str = "Le réseau alumni vous attend, {{ first_name }}";
const BODY: &str = "Bonjour **{{ first_name }}**,\r\n\r\nLa promotion {{ promo }} se retrouve le 12 juin.\r\n";

/// Three graduates whose names carry markup.
const LIST: &str = "Nom;Prénom;Courriel;Promotion;Formation\r\n\
    <img src=x onerror=alert(1)>;<i>Jean</i>;jean.dupont@exemple.fr;2015;Ingénieur\r\n\
    <img src=x onerror=alert(2)>;<i>Léa</i>;lea.martin@exemple.fr;2016;\r\n\
    <img src=x onerror=alert(3)>;<i>Zoé</i>;zoe.lefevre@exemple.fr;2019;Master\r\n";

fn compose(admin: &Session, step: &str, body: &str) -> reqwest::blocking::Response {
    let form = [
        ("csrf", admin.csrf.as_str()),
        ("site", "ecole-exemple"),
        ("audience", "soft_opt_in"),
        ("subject", SUBJECT),
        ("body", body),
        ("rate", "0"),
        ("step", step),
    ];
    admin.post("/staff/campaigns", &form, "same-origin")
}

fn campaigns(c: &Collector) -> i64 {
    c.count("SELECT count(*) FROM campaigns")
}

/// `collector import FILE ARGS… --data` on `c`'s ledger, which must succeed.
fn import(c: &Collector, file: &std::path::Path, args: &[&str]) {
    let data = c.data();
    let mut command = vec!["import", file.to_str().unwrap()];
    command.extend_from_slice(args);
    command.extend_from_slice(&["--data", data.to_str().unwrap()]);
    let out = c.command(&command);
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
}

/// The school's collector mailing through `sink`, its three graduates imported, and an admin signed in.
fn school_with_graduates(sink: &SmtpSink) -> (Collector, Session) {
    let smtp = format!("smtp://127.0.0.1:{}", sink.port);
    let c = Collector::start(&["--config", SCHOOL, "--smtp", &smtp]);
    let file = write(c.dir.path(), "diplomes.csv", LIST);
    import(&c, &file, &["--site", "ecole-exemple", "--source", "Scolarité, export du 2026-09-01"]);
    let admin = sign_in(&c, ADMIN, "admin", "ecole-exemple");
    (c, admin)
}

/// A figure of the campaign's report.
fn figure(page: &str, label: &str) -> u64 {
    let marker = format!("{label}</th><td>");
    let at = page.find(&marker).unwrap_or_else(|| panic!("no {label}: {page}")) + marker.len();
    page[at..].split('<').next().unwrap().parse().unwrap()
}

/// Reloads the campaign's page until it shows `what` (at most 30 s).
fn report_showing(admin: &Session, campaign: &str, what: &str) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let page = admin.get(campaign).text().unwrap();
        if page.contains(what) {
            return page;
        }
        assert!(std::time::Instant::now() < deadline, "{what}: {page}");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}

#[test]
fn an_admin_previews_tests_and_sends_a_campaign_from_the_console() {
    let mut sink = SmtpSink::new(free_port());
    sink.start();
    let (c, admin) = school_with_graduates(&sink);
    let page = admin.get("/staff/campaigns?site=ecole-exemple").text().unwrap();
    assert!(page.contains("Nouvelle campagne") && page.contains("name=\"body\""), "{page}");

    // An unknown placeholder: its place in the message, the names that exist, nothing recorded or sent.
    let typo = "Bonjour {{ first_name }},\r\n\r\nVotre promo {{ promotion }} vous attend.\r\n";
    let refused = compose(&admin, "preview", typo);
    assert_eq!(refused.status().as_u16(), 422);
    let page = refused.text().unwrap();
    assert!(page.contains("Message, ligne 3, colonne 16") && page.contains("champ inconnu « promotion »"), "{page}");
    assert!(page.contains("{{ promo }}"), "the hint names the right placeholder: {page}");

    // The preview is one real recipient's message; the markup of their name is text.
    let preview = compose(&admin, "preview", BODY);
    assert_eq!(preview.status().as_u16(), 200);
    let page = preview.text().unwrap();
    assert!(page.contains("Destinataires : <strong>3</strong>"), "{page}");
    assert!(page.contains("<strong>&lt;i&gt;"), "{page}");
    assert!(!page.contains("<i>") && !page.contains("<img"), "markup of a name reached the page: {page}");
    assert!(page.contains("La promotion 20"), "{page}");

    // The test goes to the signed-in admin only, once.
    let test = compose(&admin, "test", BODY);
    assert_eq!(test.status().as_u16(), 200);
    assert!(test.text().unwrap().contains(&format!("Essai envoyé à {ADMIN}")));
    let mails = sink.wait_for(1);
    std::thread::sleep(std::time::Duration::from_millis(500));
    let mails_now = sink.messages();
    assert_eq!(mails_now.len(), 1, "{mails:?}");
    assert_eq!(mails_now[0].to, [ADMIN]);
    assert!(mails_now[0].subject.starts_with("[Essai / Test] Le réseau alumni vous attend, <i>"), "{:?}", mails_now[0]);
    assert_eq!(campaigns(&c), 0, "a test records no campaign");

    // The confirmation step says how many; only the send records and sends.
    let confirm = compose(&admin, "confirm", BODY).text().unwrap();
    assert!(confirm.contains("Envoyer à 3 personnes"), "{confirm}");
    assert_eq!(campaigns(&c), 0);
    let sent = compose(&admin, "send", BODY);
    assert_eq!(sent.status().as_u16(), 303, "{}", sent.text().unwrap());
    let location = sent.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("/staff/campaigns/"), "{location}");
    let mails = sink.wait_for(4);
    let mut to: Vec<String> = mails[1..].iter().map(|m| m.to.join(",")).collect();
    to.sort();
    assert_eq!(to, ["jean.dupont@exemple.fr", "lea.martin@exemple.fr", "zoe.lefevre@exemple.fr"]);
    let jean = mails.iter().find(|m| m.to == ["jean.dupont@exemple.fr"]).unwrap();
    assert_eq!(jean.subject, "Le réseau alumni vous attend, <i>Jean</i>");
    assert!(jean.html.contains("<strong>&lt;i&gt;Jean&lt;/i&gt;</strong>"), "{}", jean.html);
    assert!(jean.text.contains("/objection/") && jean.text.contains("/manage/"), "{}", jean.text);

    // The report, on the campaign's page and on the dashboard; an objection by the one-click POST (no cookie)
    // is in it at once.
    report_showing(&admin, &location, "Envoyés</th><td>3</td>");
    let objection = jean.text.split_whitespace().find(|w| w.contains("/objection/")).unwrap();
    let one_click = reqwest::blocking::Client::new()
        .post(objection)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .unwrap();
    assert_eq!(one_click.status().as_u16(), 200);
    report_showing(&admin, &location, "Oppositions</th><td>1</td>");
    // Another gives consent for the community through the personal link of her message.
    let manage = mails.iter().find(|m| m.to == ["lea.martin@exemple.fr"]).unwrap().link("/manage/");
    let page = c.client.get(&manage).send().unwrap().text().unwrap();
    let (notice, shown) = (field(&page, "notice_version"), field(&page, "shown_sha256"));
    let form = [("notice_version", notice.as_str()), ("shown_sha256", shown.as_str()), ("purpose", "community")];
    let given = c.client.post(format!("{manage}/consent")).header("Sec-Fetch-Site", "same-origin").form(&form);
    assert_eq!(given.send().unwrap().status().as_u16(), 200);
    let community = "Animer la communauté alumni, y compris les communications ciblées liées aux carrières\u{a0}: 1";
    let report = report_showing(&admin, &location, community);
    assert!(report.contains("En file</th><td>3</td>") && report.contains("Envoyés</th><td>3</td>"), "{report}");
    let dashboard = admin.get("/staff/dashboard?site=ecole-exemple").text().unwrap();
    assert!(
        dashboard.contains("Dernières campagnes") && dashboard.contains("Le réseau alumni vous attend"),
        "{dashboard}"
    );
    // Queued, sent, bounced, objected, consents since, pending.
    let figures = format!("<td>3</td><td>3</td><td>0</td><td>1</td><td>{community}<br></td><td>0</td>");
    assert!(dashboard.contains(&figures), "{dashboard}");
    let audit = admin.get("/staff/audit").text().unwrap();
    assert!(audit.contains("campaign.test") && audit.contains("campaign.send"), "{audit}");
    let messages = sink.messages().len();
    // A second click on « Envoyer » (or the form posted again) leads to the same campaign: nobody gets two.
    let again = compose(&admin, "send", BODY);
    assert_eq!((again.status().as_u16(), again.headers()["location"].to_str().unwrap()), (303, location.as_str()));

    // Without the form's token: refused, nothing recorded or sent.
    let no_token = [("site", "ecole-exemple"), ("audience", "soft_opt_in"), ("subject", SUBJECT), ("body", BODY)];
    let no_token: Vec<(&str, &str)> = no_token.into_iter().chain([("step", "send")]).collect();
    assert_eq!(admin.post("/staff/campaigns", &no_token, "same-origin").status().as_u16(), 403);
    assert_eq!(compose(&Session { csrf: "0".repeat(64), ..clone(&admin) }, "send", BODY).status().as_u16(), 403);
    // Staff read the reports but neither compose nor send; viewers see neither.
    let staff = sign_in(&c, "secretariat@ecole-exemple.fr", "staff", "ecole-exemple");
    let page = staff.get("/staff/campaigns?site=ecole-exemple").text().unwrap();
    assert!(page.contains("Le réseau alumni vous attend") && !page.contains("name=\"body\""), "{page}");
    assert_eq!(compose(&staff, "send", BODY).status().as_u16(), 403);
    let viewer = sign_in(&c, "direction@ecole-exemple.fr", "viewer", "ecole-exemple");
    assert_eq!(viewer.get("/staff/campaigns").status().as_u16(), 403);
    assert_eq!(viewer.get(&location).status().as_u16(), 403);
    // Staff of another site: the school's campaigns do not exist for them.
    let other = sign_in(&c, "dpo@association.example.org", "admin", SITE);
    assert_eq!(other.get("/staff/campaigns?site=ecole-exemple").status().as_u16(), 404);
    assert_eq!(other.get(&location).status().as_u16(), 404);
    let forged = [("csrf", other.csrf.as_str()), ("site", "ecole-exemple"), ("audience", "soft_opt_in")];
    let forged: Vec<(&str, &str)> =
        forged.into_iter().chain([("subject", SUBJECT), ("body", BODY), ("step", "send")]).collect();
    assert_eq!(other.post("/staff/campaigns", &forged, "same-origin").status().as_u16(), 404);
    assert_eq!(campaigns(&c), 1);
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert_eq!(sink.messages().len(), messages, "a refused request sent something");
    let (ok, out) = c.verify();
    assert!(ok, "{out}");
}

fn clone(s: &Session) -> Session {
    Session { base: s.base.clone(), cookie: s.cookie.clone(), csrf: s.csrf.clone(), http: s.http.clone() }
}

#[test]
fn an_association_is_told_why_it_may_not_send_and_a_forged_post_is_refused() {
    let mut sink = SmtpSink::new(free_port());
    sink.start();
    let smtp = format!("smtp://127.0.0.1:{}", sink.port);
    let c = Collector::start_with_config(Path::new(CONFIG), &["--smtp", &smtp]);
    let admin = sign_in(&c, "dpo@association.example.org", "admin", SITE);
    let page = admin.get("/staff/campaigns").text().unwrap();
    assert!(page.contains(&maud::html! { (consent::Regime::Association.explain_fr()) }.into_string()), "{page}");
    assert!(page.contains("Ce site ne peut pas envoyer de campagne à des personnes qui n'ont pas consenti"), "{page}");
    assert!(!page.contains("name=\"body\""), "a compose form is offered: {page}");
    let form = [
        ("csrf", admin.csrf.as_str()),
        ("site", SITE),
        ("audience", "soft_opt_in"),
        ("subject", "Rejoignez-nous"),
        ("body", "Bonjour {{ first_name }}"),
        ("step", "send"),
    ];
    let refused = admin.post("/staff/campaigns", &form, "same-origin");
    assert_eq!(refused.status().as_u16(), 422);
    let page = refused.text().unwrap();
    assert!(page.contains("le régime du site (« association ») interdit d'écrire"), "{page}");
    assert_eq!(campaigns(&c), 0);
    assert!(sink.messages().is_empty());

    // Consents from before (paper forms) may be reconfirmed: then the form offers only that audience.
    let file = write(
        c.dir.path(),
        "gala.csv",
        "Nom;Prénom;Courriel;Promotion\r\nCurie;Marie;marie.curie@example.org;2016\r\n",
    );
    import(
        &c,
        &file,
        &[
            "--source",
            "Formulaires papier du gala 2016",
            "--legacy-consent",
            "events",
            "--evidence",
            "Formulaire papier, gala 2016",
        ],
    );
    let page = admin.get("/staff/campaigns").text().unwrap();
    assert!(page.contains("name=\"body\"") && page.contains("<option value=\"legacy\""), "{page}");
    assert!(!page.contains("value=\"soft_opt_in\""), "a soft opt-in campaign is offered: {page}");
    let form = [
        ("csrf", admin.csrf.as_str()),
        ("site", SITE),
        ("audience", "legacy"),
        ("subject", "Confirmez-vous votre inscription ?"),
        ("body", "Bonjour {{ first_name }}, vous vous étiez inscrite au gala."),
        ("step", "preview"),
    ];
    let preview = admin.post("/staff/campaigns", &form, "same-origin").text().unwrap();
    assert!(preview.contains("Destinataires : <strong>1</strong>") && preview.contains("Bonjour Marie"), "{preview}");
    // Its test message says which consent from before it asks to reconfirm, and goes to the admin alone.
    let mut test = form.to_vec();
    test.retain(|(k, _)| *k != "step");
    test.push(("step", "test"));
    assert_eq!(admin.post("/staff/campaigns", &test, "same-origin").status().as_u16(), 200);
    let mails = sink.wait_for(1);
    assert_eq!(mails[0].to, ["dpo@association.example.org"]);
    assert!(mails[0].text.contains("(Formulaire papier, gala 2016)"), "{}", mails[0].text);
}

#[test]
fn a_campaign_stopped_by_a_restart_is_resumed_from_the_console_without_a_second_copy() {
    let mut sink = SmtpSink::new(free_port());
    sink.start();
    let (mut c, admin) = school_with_graduates(&sink);
    let form = [
        ("csrf", admin.csrf.as_str()),
        ("site", "ecole-exemple"),
        ("audience", "soft_opt_in"),
        ("subject", SUBJECT),
        ("body", BODY),
        ("rate", "1/min"),
        ("step", "send"),
    ];
    let sent = admin.post("/staff/campaigns", &form, "same-origin");
    assert_eq!(sent.status().as_u16(), 303, "{}", sent.text().unwrap());
    let location = sent.headers()["location"].to_str().unwrap().to_owned();
    // One a minute: the first are sent and recorded, the others wait in the queue when the collector dies.
    sink.wait_for(1);
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let sent_before = sink.messages().len() as u64;
    let page = report_showing(&admin, &location, &format!("Envoyés</th><td>{sent_before}</td>"));
    assert!(figure(&page, "En attente") >= 1, "the pace was not kept: {page}");
    c.restart();
    let admin = sign_in(&c, "dpo@ecole-exemple.fr", "admin", "ecole-exemple");
    let page = admin.get(&location).text().unwrap();
    assert!(page.contains("Reprendre l'envoi") && figure(&page, "En attente") == 3 - sent_before, "{page}");
    // Staff may not resume; an admin does, faster.
    let staff = sign_in(&c, "secretariat@ecole-exemple.fr", "staff", "ecole-exemple");
    assert_eq!(staff.post(&location, &[("csrf", staff.csrf.as_str())], "same-origin").status().as_u16(), 403);
    let resumed = admin.post(&location, &[("csrf", admin.csrf.as_str()), ("rate", "0")], "same-origin");
    assert_eq!(resumed.status().as_u16(), 303);
    report_showing(&admin, &location, "Envoyés</th><td>3</td>");
    std::thread::sleep(std::time::Duration::from_millis(500));
    let mut to: Vec<String> = sink.messages().iter().map(|m| m.to.join(",")).collect();
    to.sort();
    assert_eq!(to, ["jean.dupont@exemple.fr", "lea.martin@exemple.fr", "zoe.lefevre@exemple.fr"], "one copy each");
    assert!(admin.get("/staff/audit").text().unwrap().contains("campaign.resume"));
}
