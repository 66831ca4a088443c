//! Issue 15's way in a real browser (Chromium, and Firefox ESR): an alumna joins through the widget on the example
//! site, confirms from the email, then on the manage page corrects her last name, moves her address (the new one
//! confirms by link, the old one is told) and fills her career profile; every page says what changed, the ledger
//! holds `rectified` events naming the fields (never the values) and `collector verify` passes; links that were
//! used or superseded change nothing. The collector, site-kit's build and the SMTP server are real, on loopback.

use e2e::{Browser, Collector, Email, Engine, Site, SmtpSink, StaticServer, free_port};
use fantoccini::Locator;
use fantoccini::elements::Element;
use std::time::Duration;

/// One browser at a time (two cores).
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

const OLD: &str = "marie.curie@example.org";
const NEW: &str = "marie@curie.example.org";
const THIRD: &str = "m.curie@institut.example.org";

#[tokio::test]
async fn an_alumna_corrects_her_name_moves_her_address_and_fills_her_profile() -> anyhow::Result<()> {
    rectify_and_profile(Engine::Chromium).await
}

/// The same way in Firefox ESR: plain HTML forms, posted by the browser.
#[tokio::test]
async fn an_alumna_corrects_her_name_moves_her_address_and_fills_her_profile_in_firefox() -> anyhow::Result<()> {
    rectify_and_profile(Engine::Firefox).await
}

/// The page's visible text, once it contains `needle` (forms post and redirect: the next page takes a moment).
async fn page_with(browser: &Browser, needle: &str) -> anyhow::Result<String> {
    let mut text = String::new();
    for _ in 0..200 {
        if let Ok(body) = browser.client.find(Locator::Css("body")).await {
            text = body.text().await.unwrap_or_default();
            if text.contains(needle) {
                return Ok(text);
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    anyhow::bail!("« {needle} » never appeared on {}; the page says:\n{text}", browser.client.current_url().await?)
}

async fn find(browser: &Browser, css: &str) -> anyhow::Result<Element> {
    Ok(browser.client.find(Locator::Css(css)).await?)
}

/// Replaces what an input of the page holds by `value`.
async fn type_into(browser: &Browser, css: &str, value: &str) -> anyhow::Result<()> {
    let input = find(browser, css).await?;
    input.clear().await?;
    input.send_keys(value).await?;
    Ok(())
}

/// The first message to `to` whose subject contains `subject`.
fn mail_to(smtp: &SmtpSink, to: &str, subject: &str) -> Email {
    e2e::wait_until(Duration::from_secs(30), || {
        smtp.messages().into_iter().find(|m| m.to.iter().any(|t| t == to) && m.subject.contains(subject))
    })
    .unwrap_or_else(|| panic!("no « {subject} » email to {to}; received: {:?}", subjects(smtp)))
}

fn subjects(smtp: &SmtpSink) -> Vec<(Vec<String>, String)> {
    smtp.messages().into_iter().map(|m| (m.to, m.subject)).collect()
}

fn link(mail: &Email, path: &str) -> String {
    mail.links().into_iter().find(|l| l.contains(path)).unwrap_or_else(|| panic!("no {path} link in {}", mail.text))
}

/// The ledger's events, as JSON, oldest first.
fn events(collector: &Collector) -> Vec<serde_json::Value> {
    let db = rusqlite::Connection::open(collector.data.join("ledger.sqlite3")).expect("the ledger's SQLite file");
    let mut query = db.prepare("SELECT body FROM events ORDER BY seq").expect("events table");
    let bodies = query.query_map([], |r| r.get::<_, String>(0)).expect("events");
    bodies.map(|b| serde_json::from_str(&b.expect("an event body")).expect("an event is JSON")).collect()
}

/// The fields each `rectified` event names, in chain order.
fn rectified(events: &[serde_json::Value]) -> Vec<Vec<String>> {
    events
        .iter()
        .filter(|e| e["kind"] == "rectified")
        .map(|e| serde_json::from_value(e["detail"]["fields"].clone()).unwrap_or_default())
        .collect()
}

async fn rectify_and_profile(engine: Engine) -> anyhow::Result<()> {
    let _serial = SERIAL.lock().await;
    let tmp = tempfile::tempdir()?;
    let smtp = SmtpSink::start(&tmp.path().join("mail"))?;
    let (collector_port, site_port) = (free_port(), free_port());
    let endpoint = format!("http://127.0.0.1:{collector_port}");
    let origin = format!("http://127.0.0.1:{site_port}");
    let site = Site::build("association-exemple", tmp.path(), &endpoint, &origin)?;
    let collector = Collector::start_on(collector_port, &site.config(), &tmp.path().join("data"), Some(smtp.port))?;
    let _server = StaticServer::start(&site.public, site_port, &[])?;
    let browser = Browser::start_in(engine).await?;
    let shot = |name: &str| if engine == Engine::Chromium { name.to_owned() } else { format!("{name}-firefox") };

    // The widget on the example article: community and jobs (jobs covers the career category).
    browser.goto(&format!("{origin}/l-importance-du-reseau/")).await?;
    let w = browser.widget(0).await?;
    browser.wait_in(&w, "button.cta").await?.click().await?;
    browser.wait_in(&w, "dialog[open]").await?;
    for css in ["#p-community", "#p-jobs", "#privacy-ack"] {
        browser.wait_in(&w, css).await?.click().await?;
    }
    let typed = [("f-last_name", "Sklodowska"), ("f-first_name", "Marie"), ("f-promo", "2012"), ("f-email", OLD)];
    for (id, value) in typed {
        browser.wait_in(&w, &format!("#{id}")).await?.send_keys(value).await?;
    }
    w.find(Locator::Css("button.submit")).await?.click().await?;
    browser.wait_text(&w, ".success", "Vérifiez votre boîte mail").await?;

    // The confirmation email: « Je confirme » in the browser, then the manage link of the same email.
    let welcome = smtp.wait_for(1, Duration::from_secs(30)).expect("a confirmation email");
    assert_eq!(welcome.to, [OLD]);
    browser.goto(&link(&welcome, "/confirm/")).await?;
    find(&browser, "form button").await?.click().await?;
    page_with(&browser, "votre consentement est confirmé").await?;
    browser.client.find(Locator::LinkText("Gérer mes données")).await?.click().await?;
    let page = page_with(&browser, "Corriger mes informations").await?;
    assert!(page.contains("Sklodowska") && page.contains(OLD), "the manage page shows what is held: {page}");
    assert!(page.contains("Mon profil professionnel"), "jobs covers the career profile: {page}");
    let manage = browser.client.current_url().await?.to_string();
    assert!(manage.contains("/manage/"), "{manage}");
    let before = events(&collector).len();

    // Markup in a name is refused, the form kept as typed, nothing stored.
    type_into(&browser, "#f-last_name", "<b>Curie</b>").await?;
    find(&browser, "form[action$='/rectify'] button[type='submit']").await?.click().await?;
    let page = page_with(&browser, "Vos corrections n'ont pas été enregistrées").await?;
    assert!(page.contains("Ce texte ne peut pas contenir les caractères < et >."), "{page}");
    assert_eq!(find(&browser, "#f-last_name").await?.prop("value").await?.as_deref(), Some("<b>Curie</b>"));
    assert_eq!(find(&browser, "#f-last_name").await?.attr("aria-invalid").await?.as_deref(), Some("true"));
    assert_eq!(events(&collector).len(), before, "a refused correction records nothing");

    // The last name corrected: the page says so and shows it.
    type_into(&browser, "#f-last_name", "Curie").await?;
    find(&browser, "form[action$='/rectify'] button[type='submit']").await?.click().await?;
    let page = page_with(&browser, "Vos informations sont corrigées.").await?;
    assert!(page.contains("Curie") && !page.contains("Sklodowska"), "the corrected name is shown: {page}");
    assert_eq!(rectified(&events(&collector)), [["last_name"]]);
    browser.screenshot(&shot("rectify-name")).await?;

    // A new address: nothing changes until the link sent to it is followed.
    type_into(&browser, "#f-email", NEW).await?;
    find(&browser, "form[action$='/rectify'] button[type='submit']").await?.click().await?;
    let page = page_with(&browser, "Un lien de confirmation a été envoyé à la nouvelle adresse").await?;
    assert!(page.contains(OLD), "the current address stays until the new one confirms: {page}");
    let asked = mail_to(&smtp, NEW, "Confirmez votre nouvelle adresse");
    let address_link = link(&asked, "/address/");
    assert_eq!(rectified(&events(&collector)).len(), 1, "nothing recorded before the new address confirms");

    // Opening the link shows a button (mail scanners fetch links); pressing it moves the address.
    browser.goto(&address_link).await?;
    page_with(&browser, "Utiliser cette adresse").await?;
    assert_eq!(rectified(&events(&collector)).len(), 1, "a GET changes nothing");
    find(&browser, "form button[type='submit']").await?.click().await?;
    page_with(&browser, "Votre nouvelle adresse est enregistrée.").await?;
    browser.screenshot(&shot("address-moved")).await?;
    assert_eq!(rectified(&events(&collector)), [vec!["last_name"], vec!["email"]]);
    let told = mail_to(&smtp, OLD, "Votre adresse a été changée");
    assert!(!told.decoded().contains(NEW), "the old address is told, without the new one: {}", told.text);
    browser.goto(&manage).await?;
    let page = page_with(&browser, "Corriger mes informations").await?;
    assert!(page.contains(NEW) && !page.contains(OLD), "the manage page shows the new address: {page}");

    // The career profile: a situation and a sector from their lists, a job title; leaving the rest out is fine.
    let hint = find(&browser, "#h-situation").await?.text().await?;
    assert!(hint.contains("statistiques d'insertion"), "each field says what leaving it out changes: {hint}");
    find(&browser, "#pf-situation option[value='employed']").await?.click().await?;
    type_into(&browser, "#pf-job_title", "Physicienne").await?;
    find(&browser, "#pf-sector option[value='information_communication']").await?.click().await?;
    find(&browser, "form[action$='/profile'] button[type='submit']").await?.click().await?;
    page_with(&browser, "Votre profil est enregistré.").await?;
    browser.screenshot(&shot("profile-saved")).await?;
    assert_eq!(find(&browser, "#pf-job_title").await?.prop("value").await?.as_deref(), Some("Physicienne"));
    assert_eq!(find(&browser, "#pf-situation").await?.prop("value").await?.as_deref(), Some("employed"));
    assert_eq!(find(&browser, "#pf-sector").await?.prop("value").await?.as_deref(), Some("information_communication"));

    // The chain: `rectified` events for the name, the address and the profile fields, no personal value in
    // them, and `collector verify` passes.
    let chain = events(&collector);
    let fields = rectified(&chain);
    println!("rectified events' fields: {fields:?}");
    assert!(fields.len() >= 3, "name, address, profile: {fields:?}");
    assert_eq!(fields[..2], [vec!["last_name"], vec!["email"]]);
    let profile: Vec<&String> = fields[2..].iter().flatten().collect();
    for id in ["situation", "job_title", "sector"] {
        assert!(profile.iter().any(|f| f.contains(id)), "a rectified event names {id}: {fields:?}");
    }
    let text = serde_json::to_string(&chain)?;
    for personal in ["Curie", "Sklodowska", "Physicienne", OLD, NEW] {
        assert!(!text.contains(personal), "no personal data in the chain ({personal})");
    }
    assert!(collector.verify(), "the ledger verifies after the corrections");

    // A used address link changes nothing more.
    let settled = chain.len();
    browser.goto(&address_link).await?;
    if let Ok(button) = find(&browser, "form button[type='submit']").await {
        button.click().await?;
        page_with(&browser, "adresse").await?;
    }
    assert_eq!(events(&collector).len(), settled, "a replayed address link records nothing");
    // A manage link is not an address link.
    let token = manage.rsplit('/').next().unwrap_or_default();
    browser.goto(&format!("{endpoint}/address/{token}")).await?;
    let page = page_with(&browser, "Ce lien est invalide ou a expiré").await?;
    assert!(!page.contains("Utiliser cette adresse"), "a manage token opens no address form: {page}");
    assert_eq!(events(&collector).len(), settled);

    // The address moves once more; the first link, used then superseded, must not move it back.
    browser.goto(&manage).await?;
    page_with(&browser, "Corriger mes informations").await?;
    type_into(&browser, "#f-email", THIRD).await?;
    find(&browser, "form[action$='/rectify'] button[type='submit']").await?.click().await?;
    page_with(&browser, "Un lien de confirmation a été envoyé à la nouvelle adresse").await?;
    browser.goto(&link(&mail_to(&smtp, THIRD, "Confirmez votre nouvelle adresse"), "/address/")).await?;
    find(&browser, "form button[type='submit']").await?.click().await?;
    page_with(&browser, "Votre nouvelle adresse est enregistrée.").await?;
    let settled = events(&collector).len();
    browser.goto(&address_link).await?;
    if let Ok(button) = find(&browser, "form button[type='submit']").await {
        button.click().await?;
    }
    let page = page_with(&browser, "Ce lien n'est plus valable").await?;
    assert!(page.contains("changée depuis son envoi"), "{page}");
    browser.screenshot(&shot("address-link-superseded")).await?;
    assert_eq!(events(&collector).len(), settled, "a superseded address link records nothing");
    browser.goto(&manage).await?;
    let page = page_with(&browser, "Corriger mes informations").await?;
    assert!(page.contains(THIRD) && !page.contains(NEW), "the address stays the latest confirmed: {page}");

    // A tampered manage link is refused; the page it shows sends a fresh link to the address in force only.
    let tampered = format!("{}A", manage.trim_end_matches(|c: char| c != '.'));
    browser.goto(&tampered).await?;
    page_with(&browser, "Ce lien est invalide ou a expiré").await?;
    assert!(!browser.client.source().await?.contains("/rectify"), "a tampered link opens no form");
    for address in [OLD, THIRD] {
        browser.goto(&tampered).await?;
        type_into(&browser, "#email", address).await?;
        find(&browser, "form[action='/access'] button[type='submit']").await?.click().await?;
        // The answer follows the browser's Accept-Language (headless Chromium asks for English).
        let said = browser.client.wait().for_element(Locator::Css("p[role='status']")).await?.text().await?;
        assert!(said.contains("adresse est connue") || said.contains("address is known"), "{said}");
    }
    let fresh = link(&mail_to(&smtp, THIRD, "Gérer vos données"), "/manage/");
    let stale =
        smtp.messages().into_iter().filter(|m| m.to == [OLD] && m.subject.contains("Gérer vos données")).count();
    assert_eq!(stale, 0, "the old address gets no manage link any more");
    browser.goto(&fresh).await?;
    let page = page_with(&browser, "Corriger mes informations").await?;
    assert!(page.contains(THIRD) && page.contains("Curie"), "the fresh link opens the corrected file: {page}");
    assert_eq!(events(&collector).len(), settled, "refused links recorded nothing");
    assert!(collector.verify());
    browser.close().await;
    Ok(())
}
