//! The alumnus' whole way, in real headless Chromium (and Firefox ESR for the main way and the keyboard), against
//! the real collector, a site built by site-kit and a real SMTP server (issue 7). Each test leaves a screenshot of its last state under `target/e2e/`.

use e2e::{Browser, Collector, Engine, Site, SmtpSink, StaticServer, free_port, root, wait_until};
use fantoccini::Locator;
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::elements::ShadowRoot;
use fantoccini::key::Key;
use std::time::Duration;
use tempfile::TempDir;

/// One browser at a time: the machine has two cores, and Chromium timings under contention would make the
/// retry-and-backoff test slow.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

const ARTICLE: &str = "/l-importance-du-reseau/";

/// A site, its collector and a mail server, all on loopback.
struct World {
    tmp: TempDir,
    smtp: SmtpSink,
    collector: Collector,
    site_url: String,
    _site: Site,
    _server: StaticServer,
}

fn world() -> World {
    let tmp = tempfile::tempdir().unwrap();
    let smtp = SmtpSink::start(&tmp.path().join("mail")).unwrap();
    let (collector_port, site_port) = (free_port(), free_port());
    let endpoint = format!("http://127.0.0.1:{collector_port}");
    let origin = format!("http://127.0.0.1:{site_port}");
    let site = Site::build("association-exemple", tmp.path(), &endpoint, &origin).unwrap();
    let collector =
        Collector::start_on(collector_port, &site.config(), &tmp.path().join("data"), Some(smtp.port)).unwrap();
    let server = StaticServer::start(&site.public, site_port, &[]).unwrap();
    World { tmp, smtp, collector, site_url: origin, _site: site, _server: server }
}

async fn fill(browser: &Browser, w: &ShadowRoot, first_name: &str, email: &str) -> anyhow::Result<()> {
    for (id, value) in [("f-last_name", "Curie"), ("f-first_name", first_name), ("f-promo", "2012"), ("f-email", email)]
    {
        let input = browser.wait_in(w, &format!("#{id}")).await?;
        input.clear().await?;
        input.send_keys(value).await?;
    }
    Ok(())
}

async fn is_checked(w: &ShadowRoot, css: &str) -> anyhow::Result<bool> {
    Ok(w.find(Locator::Css(css)).await?.prop("checked").await?.as_deref() == Some("true"))
}

async fn open_form(browser: &Browser, url: &str) -> anyhow::Result<ShadowRoot> {
    browser.goto(url).await?;
    let w = browser.widget(0).await?;
    browser.wait_in(&w, "button.cta").await?.click().await?;
    browser.wait_in(&w, "dialog[open]").await?;
    Ok(w)
}

/// Follows the email's confirmation link and presses « Je confirme » (a GET alone never confirms: mail
/// scanners follow links).
async fn confirm_in_browser(browser: &Browser, link: &str) -> anyhow::Result<()> {
    browser.goto(link).await?;
    browser.client.find(Locator::Css("form button[type='submit'], form button")).await?.click().await?;
    for _ in 0..100 {
        if browser.client.find(Locator::Css("form button")).await.is_err() {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    anyhow::bail!("the confirmation page did not go away after « Je confirme »")
}

fn count_lines(csv: &str, needle: &str) -> usize {
    csv.lines().filter(|l| l.contains(needle)).count()
}

#[tokio::test]
async fn join_confirm_then_withdraw_in_one_click() -> anyhow::Result<()> {
    join_confirm_then_withdraw(Engine::Chromium).await
}

/// The same way in Firefox ESR (issue 17: schools' visitors use it): WebCrypto key kept in IndexedDB, `<dialog>`,
/// focus, the signed `status` on the next visit.
#[tokio::test]
async fn join_confirm_then_withdraw_in_one_click_in_firefox() -> anyhow::Result<()> {
    join_confirm_then_withdraw(Engine::Firefox).await
}

async fn join_confirm_then_withdraw(engine: Engine) -> anyhow::Result<()> {
    let _serial = SERIAL.lock().await;
    let world = world();
    let browser = Browser::start_in(engine).await?;
    let shot = |name: &str| if engine == Engine::Chromium { name.to_owned() } else { format!("{name}-firefox") };
    let w = open_form(&browser, &format!("{}{ARTICLE}", world.site_url)).await?;

    // Every purpose box starts unchecked; a submission with only the privacy box says nothing was consented to.
    for purpose in ["community", "jobs", "events"] {
        assert!(!is_checked(&w, &format!("#p-{purpose}")).await?, "{purpose} must start unchecked");
    }
    fill(&browser, &w, "Marie", "marie.curie@example.org").await?;
    w.find(Locator::Css("#privacy-ack")).await?.click().await?;
    w.find(Locator::Css("button.submit")).await?.click().await?;
    browser.wait_text(&w, "#purposes-error", "rien n'a été enregistré").await?;
    for purpose in ["community", "jobs", "events"] {
        assert!(!is_checked(&w, &format!("#p-{purpose}")).await?, "{purpose} still unchecked after the error");
    }
    assert_eq!(
        w.find(Locator::Css("#f-email")).await?.prop("value").await?.as_deref(),
        Some("marie.curie@example.org"),
        "nothing typed is lost"
    );

    // Tick community only, submit: the success state names the record.
    w.find(Locator::Css("#p-community")).await?.click().await?;
    w.find(Locator::Css("button.submit")).await?.click().await?;
    browser.wait_text(&w, ".success", "Vérifiez votre boîte mail").await?;
    let record_id = w.find(Locator::Css(".success code")).await?.text().await?;
    assert!(!record_id.trim().is_empty(), "the success message shows the record id");
    browser.screenshot(&shot("join-success")).await?;
    assert_eq!(
        count_lines(&world.collector.export("community"), "marie.curie@example.org"),
        0,
        "pending is not exported"
    );

    // The confirmation email arrives over real SMTP; its link confirms.
    let email = world.smtp.wait_for(1, Duration::from_secs(30)).expect("a confirmation email");
    assert_eq!(email.to, ["marie.curie@example.org"]);
    let confirm = email.links().into_iter().find(|l| l.contains("confirm")).expect("a confirmation link");
    confirm_in_browser(&browser, &confirm).await?;
    browser.screenshot(&shot("join-confirmed")).await?;
    let exported = wait_until(Duration::from_secs(10), || {
        let csv = world.collector.export("community");
        (count_lines(&csv, "marie.curie@example.org") == 1).then_some(csv)
    });
    assert!(exported.is_some(), "confirmed alumna exported for community");
    assert_eq!(count_lines(&world.collector.export("jobs"), "marie.curie@example.org"), 0, "jobs was not ticked");

    // Back on the article in the same browser: « Vous avez consenti le … », then withdraw in one click.
    browser.goto(&format!("{}{ARTICLE}", world.site_url)).await?;
    let w = browser.widget(0).await?;
    let summary = browser.wait_text(&w, ".returning", "Vous avez consenti le").await?;
    assert!(summary.contains("accepté") && summary.contains("refusé"), "{summary}");
    browser.wait_in(&w, ".returning button.danger").await?.click().await?;
    browser.wait_text(&w, ".returning", "retiré").await?;
    browser.screenshot(&shot("join-withdrawn")).await?;
    // The next visit asks the collector for the record's status (signed by the same device key): `withdrawn`, with
    // its date.
    browser.goto(&format!("{}{ARTICLE}", world.site_url)).await?;
    let w = browser.widget(0).await?;
    browser.wait_text(&w, ".returning", "Vous avez retiré votre consentement le").await?;
    let gone = wait_until(Duration::from_secs(10), || {
        (count_lines(&world.collector.export("community"), "marie.curie@example.org") == 0).then_some(())
    });
    assert!(gone.is_some(), "withdrawn alumna no longer exported");
    assert!(world.collector.verify(), "the ledger verifies");
    browser.close().await;
    drop(world.tmp);
    Ok(())
}

async fn focused(browser: &Browser) -> anyhow::Result<String> {
    let v = browser
        .client
        .execute(
            "let a = document.activeElement;
             while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;
             const inDialog = !!(a && a.closest && a.closest('dialog'));
             return (a ? (a.id || a.className || a.tagName) : 'none') + (inDialog ? '@dialog' : '');",
            vec![],
        )
        .await?;
    Ok(v.as_str().unwrap_or_default().to_owned())
}

async fn press(browser: &Browser, key: Key) -> anyhow::Result<()> {
    let c: char = key.into();
    let keys = KeyActions::new("keyboard".into()).then(KeyAction::Down { value: c }).then(KeyAction::Up { value: c });
    browser.client.perform_actions(keys).await?;
    Ok(())
}

#[tokio::test]
async fn keyboard_only_dialog() -> anyhow::Result<()> {
    keyboard_only(Engine::Chromium).await
}

/// Focus into the dialog, trapped in it and back to the CTA, in Firefox ESR too.
#[tokio::test]
async fn keyboard_only_dialog_in_firefox() -> anyhow::Result<()> {
    keyboard_only(Engine::Firefox).await
}

async fn keyboard_only(engine: Engine) -> anyhow::Result<()> {
    let _serial = SERIAL.lock().await;
    let world = world();
    let browser = Browser::start_in(engine).await?;
    browser.goto(&format!("{}{ARTICLE}", world.site_url)).await?;
    let w = browser.widget(0).await?;
    browser.wait_in(&w, "button.cta").await?;

    // Tab from the top of the page until the CTA has focus.
    let mut reached = false;
    for _ in 0..60 {
        press(&browser, Key::Tab).await?;
        if focused(&browser).await?.starts_with("cta") {
            reached = true;
            break;
        }
    }
    assert!(reached, "Tab reaches the CTA");
    press(&browser, Key::Enter).await?;
    browser.wait_in(&w, "dialog[open]").await?;
    let first = focused(&browser).await?;
    assert!(first.ends_with("@dialog"), "focus moved into the dialog, got {first}");
    for i in 0..40 {
        press(&browser, Key::Tab).await?;
        let f = focused(&browser).await?;
        assert!(f.ends_with("@dialog"), "Tab #{i} left the dialog: {f}");
    }
    press(&browser, Key::Escape).await?;
    for _ in 0..100 {
        if w.find(Locator::Css("dialog[open]")).await.is_err() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(w.find(Locator::Css("dialog[open]")).await.is_err(), "Esc closes the dialog");
    assert!(focused(&browser).await?.starts_with("cta"), "focus returns to the CTA");
    browser.screenshot(if engine == Engine::Chromium { "keyboard-closed" } else { "keyboard-closed-firefox" }).await?;
    browser.close().await;
    Ok(())
}

#[tokio::test]
async fn collector_down_keeps_the_form_and_delivers_once() -> anyhow::Result<()> {
    let _serial = SERIAL.lock().await;
    let mut world = world();
    let browser = Browser::start().await?;
    let w = open_form(&browser, &format!("{}{ARTICLE}", world.site_url)).await?;
    fill(&browser, &w, "Pierre", "pierre@example.org").await?;
    w.find(Locator::Css("#p-jobs")).await?.click().await?;
    w.find(Locator::Css("#privacy-ack")).await?.click().await?;

    world.collector.stop();
    w.find(Locator::Css("button.submit")).await?.click().await?;
    let said = browser.wait_text(&w, ".success + .live", "conservées").await?;
    assert!(said.contains("essai"), "the widget says it will retry: {said}");
    assert_eq!(
        w.find(Locator::Css("#f-email")).await?.prop("value").await?.as_deref(),
        Some("pierre@example.org"),
        "the form is kept as typed"
    );
    browser.screenshot("offline-retrying").await?;

    world.collector.restart()?;
    browser.wait_text(&w, ".success", "Vérifiez votre boîte mail").await?;
    let email = world.smtp.wait_for(1, Duration::from_secs(30)).expect("one confirmation email");
    let confirm = email.links().into_iter().find(|l| l.contains("confirm")).expect("a confirmation link");
    confirm_in_browser(&browser, &confirm).await?;
    // Give a duplicate every chance to show up, then count.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(world.smtp.messages().len(), 1, "delivered once, not twice");
    let csv = world.collector.export("jobs");
    assert_eq!(count_lines(&csv, "pierre@example.org"), 1, "{csv}");
    assert!(world.collector.verify());
    browser.screenshot("offline-delivered").await?;
    browser.close().await;
    Ok(())
}

const FOREIGN_PAGE: &str = r#"<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Une page étrangère</title>
<link rel="stylesheet" href="/hostile.css"></head>
<body><main><h1>Article d'un site tiers</h1><p>Avec une seule balise&nbsp;:</p>
<script type="module" src="/widget/alumni-consent.js" data-endpoint="ENDPOINT" data-site="association-exemple" data-cta="join"></script>
</main></body></html>"#;

const HOSTILE_CSS: &str = "* { all: unset !important; } html { font-size: 48px !important; } \
    div, button, input, dialog { display: inline !important; font-family: 'Comic Sans MS' !important; } \
    button { visibility: hidden; }";

#[tokio::test]
async fn strict_csp_and_hostile_css_on_a_foreign_page() -> anyhow::Result<()> {
    let _serial = SERIAL.lock().await;
    let tmp = tempfile::tempdir()?;
    let smtp = SmtpSink::start(&tmp.path().join("mail"))?;
    let (collector_port, page_port) = (free_port(), free_port());
    let endpoint = format!("http://127.0.0.1:{collector_port}");
    let origin = format!("http://127.0.0.1:{page_port}");
    // Only the collector's config comes from the example; the page is hand-written, not built by site-kit.
    let site = Site::build("association-exemple", tmp.path(), &endpoint, &origin)?;
    let collector = Collector::start_on(collector_port, &site.config(), &tmp.path().join("data"), Some(smtp.port))?;
    let page = tmp.path().join("foreign");
    std::fs::create_dir_all(page.join("widget"))?;
    for entry in std::fs::read_dir(root().join("dist/widget"))? {
        let entry = entry?;
        std::fs::copy(entry.path(), page.join("widget").join(entry.file_name()))?;
    }
    std::fs::write(page.join("index.html"), FOREIGN_PAGE.replace("ENDPOINT", &endpoint))?;
    std::fs::write(page.join("hostile.css"), HOSTILE_CSS)?;
    let csp = format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self' {endpoint}; style-src 'self'; img-src 'self'"
    );
    let _server = StaticServer::start(&page, page_port, &[("content-security-policy", csp.as_str())])?;

    let browser = Browser::start().await?;
    browser.goto(&format!("{origin}/")).await?;
    browser
        .client
        .execute(
            "window.__violations = []; document.addEventListener('securitypolicyviolation', e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));",
            vec![],
        )
        .await?;
    let w = browser.widget(0).await?;
    let cta = browser.wait_in(&w, "button.cta").await?;
    assert!(cta.is_displayed().await?, "the CTA is visible despite the host page's CSS");
    cta.click().await?;
    browser.wait_in(&w, "dialog[open]").await?;
    // The loader asked for the config to draw the CTA; the form, loaded at the click, took that same answer.
    let configs = browser
        .client
        .execute(
            "const r = globalThis[Symbol.for('alumni-consent.config')];
             return [r instanceof Map ? r.size : -1,
                     performance.getEntriesByType('resource').filter(e => e.name.endsWith('/config')).length]",
            vec![],
        )
        .await?;
    assert_eq!(configs, serde_json::json!([0, 1]), "the prefetched config was taken, not asked for twice");
    fill(&browser, &w, "Ada", "ada@example.org").await?;
    w.find(Locator::Css("#p-events")).await?.click().await?;
    w.find(Locator::Css("#privacy-ack")).await?.click().await?;
    w.find(Locator::Css("button.submit")).await?.click().await?;
    browser.wait_text(&w, ".success", "Vérifiez votre boîte mail").await?;
    let violations = browser.client.execute("return window.__violations", vec![]).await?;
    assert_eq!(violations, serde_json::json!([]), "no CSP violation");
    browser.screenshot("foreign-csp-success").await?;
    assert!(smtp.wait_for(1, Duration::from_secs(30)).is_some());
    assert!(collector.verify());
    browser.close().await;
    Ok(())
}

fn report(page: &str, violations: &[serde_json::Value]) -> String {
    let ids: Vec<String> = violations.iter().map(|v| format!("{} {}", v["id"], v["nodes"])).collect();
    format!("axe on {page}: {} violation(s) {ids:?}", violations.len())
}

#[tokio::test]
async fn axe_finds_no_wcag_21_aa_violation() -> anyhow::Result<()> {
    let _serial = SERIAL.lock().await;
    let world = world();
    let browser = Browser::start().await?;
    let mut results = Vec::new();

    browser.goto(&format!("{}{ARTICLE}", world.site_url)).await?;
    let w = browser.widget(0).await?;
    browser.wait_in(&w, "button.cta").await?;
    results.push(("article", browser.axe().await?));
    browser.goto(&format!("{}/confidentialite/", world.site_url)).await?;
    results.push(("privacy page", browser.axe().await?));

    let w = open_form(&browser, &format!("{}{ARTICLE}", world.site_url)).await?;
    results.push(("open form", browser.axe().await?));
    w.find(Locator::Css("button.submit")).await?.click().await?;
    browser.wait_in(&w, "[aria-invalid='true']").await?;
    results.push(("form with errors", browser.axe().await?));
    browser.screenshot("axe-form-errors").await?;
    fill(&browser, &w, "Marie", "axe@example.org").await?;
    w.find(Locator::Css("#p-community")).await?.click().await?;
    w.find(Locator::Css("#privacy-ack")).await?.click().await?;
    w.find(Locator::Css("button.submit")).await?.click().await?;
    browser.wait_text(&w, ".success", "Vérifiez votre boîte mail").await?;
    results.push(("success state", browser.axe().await?));

    let email = world.smtp.wait_for(1, Duration::from_secs(30)).expect("an email");
    let manage = email.links().into_iter().find(|l| l.contains("/manage/")).expect("a manage link");
    browser.goto(&manage).await?;
    results.push(("manage page", browser.axe().await?));
    browser.screenshot("axe-manage-page").await?;

    let summary: Vec<String> = results.iter().map(|(page, v)| report(page, v)).collect();
    println!("{}", summary.join("\n"));
    for (page, v) in &results {
        assert!(v.is_empty(), "{}", report(page, v));
    }
    browser.close().await;
    Ok(())
}
