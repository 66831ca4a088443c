//! The staff console's whole path in real headless Chromium (issue 13, "Done when"): an alumna joins through the
//! widget on an article and confirms by email; an admin is bootstrapped with `collector staff add`, sets the
//! password through the one-time link, turns on TOTP and signs in with it; sees the submission on the dashboard,
//! finds the subject in the register, downloads the proof bundle and verifies it with `collector proof verify`
//! (and sees it fail after one byte is changed), exports a purpose, logs and answers an erasure request, and
//! reads each step in the audit log — with axe-core finding no WCAG 2.1 AA violation on any console page.

use e2e::{Browser, Collector, Site, SmtpSink, StaticServer, bin, free_port, wait_until};
use fantoccini::Locator;
use std::process::Command;
use std::time::Duration;

const ARTICLE: &str = "/l-importance-du-reseau/";
const ALUMNA: &str = "ada.lovelace@example.org";
const ADMIN: &str = "dpo@association.example.org";
const PASSWORD: &str = "une phrase de passe assez longue";

async fn axe_clean(browser: &Browser, page: &str) -> anyhow::Result<()> {
    let violations = browser.axe().await?;
    assert!(violations.is_empty(), "axe on {page}: {}", serde_json::to_string_pretty(&violations)?);
    Ok(())
}

async fn fill(browser: &Browser, fields: &[(&str, &str)]) -> anyhow::Result<()> {
    for (id, value) in fields {
        let input = browser.client.find(Locator::Id(id)).await?;
        input.clear().await?;
        input.send_keys(value).await?;
    }
    Ok(())
}

/// Clicks a form's button and waits for the next page (a new document).
async fn submit(browser: &Browser, css: &str) -> anyhow::Result<()> {
    let page = || async {
        browser.client.execute("return performance.timeOrigin;", vec![]).await.ok().and_then(|v| v.as_f64())
    };
    let before = page().await;
    browser.client.find(Locator::Css(css)).await?.click().await?;
    for _ in 0..200 {
        let now = page().await;
        if now.is_some() && now != before {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    anyhow::bail!("no new page after clicking {css}")
}

async fn text(browser: &Browser) -> anyhow::Result<String> {
    Ok(browser.client.find(Locator::Css("main")).await?.text().await?)
}

/// The TOTP code of a hex secret for the time step after the current one (the console accepts one step of
/// drift, and a step is used once: the set-up already used the current one).
fn next_code(secret_hex: &str) -> String {
    let secret =
        (0..secret_hex.len()).step_by(2).map(|i| u8::from_str_radix(&secret_hex[i..i + 2], 16).unwrap()).collect();
    let totp = totp_rs::TOTP::new(totp_rs::Algorithm::SHA1, 6, 0, 30, secret).unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    totp.generate(now + 30)
}

/// Where a ZIP entry's data start: after its local header, name and extra field.
fn data_offset(zip: &[u8], name: &str) -> usize {
    let at = zip.windows(name.len()).position(|w| w == name.as_bytes()).unwrap() - 30;
    let u16_at = |i: usize| usize::from(u16::from_le_bytes([zip[i], zip[i + 1]]));
    at + 30 + u16_at(at + 26) + u16_at(at + 28)
}

#[tokio::test]
async fn an_admin_proves_consent_end_to_end() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let smtp = SmtpSink::start(&tmp.path().join("mail"))?;
    let (collector_port, site_port) = (free_port(), free_port());
    let endpoint = format!("http://127.0.0.1:{collector_port}");
    let origin = format!("http://127.0.0.1:{site_port}");
    let site = Site::build("association-exemple", tmp.path(), &endpoint, &origin)?;
    let data = tmp.path().join("data");
    let collector = Collector::start_on(collector_port, &site.config(), &data, Some(smtp.port))?;
    let _server = StaticServer::start(&site.public, site_port, &[])?;
    let browser = Browser::start().await?;

    // An alumna joins from the article through the widget, then confirms from her email.
    browser.goto(&format!("{origin}{ARTICLE}")).await?;
    let w = browser.widget(0).await?;
    browser.wait_in(&w, "button.cta").await?.click().await?;
    browser.wait_in(&w, "dialog[open]").await?;
    for (id, value) in [("f-last_name", "Lovelace"), ("f-first_name", "Ada"), ("f-promo", "2011"), ("f-email", ALUMNA)]
    {
        let input = browser.wait_in(&w, &format!("#{id}")).await?;
        input.send_keys(value).await?;
    }
    w.find(Locator::Css("#p-community")).await?.click().await?;
    w.find(Locator::Css("#privacy-ack")).await?.click().await?;
    w.find(Locator::Css("button.submit")).await?.click().await?;
    browser.wait_text(&w, ".success", "Vérifiez votre boîte mail").await?;
    let email = smtp.wait_for(1, Duration::from_secs(30)).expect("a confirmation email");
    let confirm = email.links().into_iter().find(|l| l.contains("/confirm/")).expect("a confirmation link");
    browser.goto(&confirm).await?;
    submit(&browser, "form button").await?;
    wait_until(Duration::from_secs(10), || collector.export("community").contains(ALUMNA).then_some(()))
        .expect("the alumna is confirmed");

    // Bootstrap the admin; the one-time link sets the password.
    let out = Command::new(bin("collector"))
        .env_remove("DATABASE_URL")
        .args(["staff", "add", ADMIN, "--role", "admin", "--public-url", &endpoint, "--data"])
        .arg(&data)
        .output()?;
    assert!(out.status.success(), "staff add: {}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let link = stdout.split_whitespace().find(|w| w.contains("/staff/password/")).expect("a one-time link").to_owned();
    browser.goto(&link).await?;
    axe_clean(&browser, "set password").await?;
    fill(&browser, &[("password", PASSWORD), ("confirm", PASSWORD)]).await?;
    submit(&browser, "main form button").await?;
    let url = browser.client.current_url().await?;
    assert!(url.path().ends_with("/staff/login"), "{url}: {}", text(&browser).await?);
    axe_clean(&browser, "sign in").await?;

    // Password sign-in, then TOTP set-up, sign out, and the full sign-in with the second factor.
    fill(&browser, &[("email", ADMIN), ("password", PASSWORD)]).await?;
    submit(&browser, "main form button").await?;
    browser.goto(&format!("{endpoint}/staff/account/totp")).await?;
    axe_clean(&browser, "TOTP set-up").await?;
    let secret = browser.client.find(Locator::Css("input[name=secret]")).await?.attr("value").await?.unwrap();
    let setup_code = {
        let secret_bytes: Vec<u8> =
            (0..secret.len()).step_by(2).map(|i| u8::from_str_radix(&secret[i..i + 2], 16).unwrap()).collect();
        let totp = totp_rs::TOTP::new(totp_rs::Algorithm::SHA1, 6, 0, 30, secret_bytes).unwrap();
        totp.generate_current().unwrap()
    };
    fill(&browser, &[("code", &setup_code)]).await?;
    submit(&browser, "main form button").await?;
    submit(&browser, "header form button").await?;
    fill(&browser, &[("email", ADMIN), ("password", PASSWORD)]).await?;
    submit(&browser, "main form button").await?;
    assert!(browser.client.current_url().await?.path().ends_with("/staff/login/totp"));
    axe_clean(&browser, "TOTP code").await?;
    fill(&browser, &[("code", &next_code(&secret))]).await?;
    submit(&browser, "main form button").await?;

    // The dashboard shows the submission the widget made, attributed to its article and CTA.
    browser.goto(&format!("{endpoint}/staff/dashboard?period=7d")).await?;
    let dashboard = text(&browser).await?;
    assert!(dashboard.contains("Soumissions\n1") || dashboard.contains("Soumissions 1"), "{dashboard}");
    assert!(dashboard.contains(ARTICLE), "the article is in the attribution: {dashboard}");
    assert!(dashboard.contains("Rejoindre la communauté alumni (join)"), "the CTA is in the attribution");
    browser.screenshot("staff-dashboard").await?;
    axe_clean(&browser, "dashboard").await?;
    // The default period (30 days) has tables long enough to scroll: they must be reachable by keyboard.
    browser.goto(&format!("{endpoint}/staff/dashboard")).await?;
    axe_clean(&browser, "dashboard, 30 days").await?;

    // The register finds her by exact email.
    browser.goto(&format!("{endpoint}/staff/register")).await?;
    axe_clean(&browser, "register search").await?;
    fill(&browser, &[("q", ALUMNA)]).await?;
    submit(&browser, "main form button").await?;
    let subject_url = browser.client.current_url().await?.to_string();
    let subject = text(&browser).await?;
    assert!(subject.contains(ALUMNA) && subject.contains("confirmé"), "{subject}");
    browser.screenshot("staff-subject").await?;
    axe_clean(&browser, "subject").await?;

    // The proof bundle, downloaded with the browser's session, verifies offline — and fails once altered.
    let cookie = browser
        .client
        .get_all_cookies()
        .await?
        .into_iter()
        .find(|c| c.name() == "staff_session")
        .map(|c| format!("staff_session={}", c.value()))
        .expect("a session cookie");
    let csrf = browser.client.find(Locator::Css("input[name=csrf]")).await?.attr("value").await?.unwrap();
    let http = reqwest::Client::new();
    let post = |path: String, form: Vec<(&'static str, String)>| {
        http.post(path).header("Cookie", &cookie).header("Origin", &endpoint).form(&form).send()
    };
    let bundle = post(format!("{subject_url}/proof"), vec![("csrf", csrf.clone())]).await?;
    assert_eq!(bundle.status().as_u16(), 200);
    let bundle = bundle.bytes().await?.to_vec();
    let key = reqwest::get(format!("{endpoint}/.well-known/consent-receipt-key")).await?.text().await?;
    let key: String = serde_json::from_str::<serde_json::Value>(&key)
        .ok()
        .and_then(|v| v.get("x").and_then(|k| k.as_str()).map(str::to_owned))
        .expect("the receipt key as a JWK");
    let verify = |bytes: &[u8]| {
        let path = tmp.path().join("bundle.zip");
        std::fs::write(&path, bytes).unwrap();
        Command::new(bin("collector"))
            .args(["proof", "verify"])
            .arg(&path)
            .arg(format!("--key={key}"))
            .output()
            .unwrap()
    };
    let checked = verify(&bundle);
    assert!(checked.status.success(), "{}", String::from_utf8_lossy(&checked.stdout));
    let mut altered = bundle.clone();
    let at = data_offset(&altered, "subject.json") + 5;
    altered[at] ^= 0x01;
    assert!(!verify(&altered).status.success(), "one changed byte must fail the bundle");

    // Export the purpose from the console.
    browser.goto(&format!("{endpoint}/staff/exports")).await?;
    axe_clean(&browser, "exports").await?;
    let csv = post(
        format!("{endpoint}/staff/exports"),
        vec![
            ("csrf", csrf.clone()),
            ("site", "association-exemple".into()),
            ("purpose", "community".into()),
            ("format", "csv".into()),
        ],
    )
    .await?
    .text()
    .await?;
    assert!(csv.starts_with('\u{feff}') && csv.contains(ALUMNA), "{csv}");

    // An erasure request received by letter: logged, acted on, answered.
    browser.goto(&format!("{endpoint}/staff/requests")).await?;
    axe_clean(&browser, "requests").await?;
    browser.client.find(Locator::Css("#kind option[value=erasure]")).await?.click().await?;
    fill(&browser, &[("requester", ALUMNA)]).await?;
    submit(&browser, "form[aria-labelledby=new] button").await?;
    let request = text(&browser).await?;
    assert!(request.contains("jours restants") || request.contains("days left"), "{request}");
    axe_clean(&browser, "request").await?;
    browser.client.find(Locator::Css("form[aria-labelledby=erase] input[name=confirm]")).await?.click().await?;
    submit(&browser, "form[aria-labelledby=erase] button").await?;
    fill(&browser, &[("answer-text", "Vos données ont été effacées le jour même.")]).await?;
    submit(&browser, "form[aria-labelledby=answer] button").await?;
    let answered = text(&browser).await?;
    assert!(answered.contains("erased") && answered.contains("answered"), "{answered}");
    assert!(!collector.export("community").contains(ALUMNA), "erased subjects are no longer exported");

    // Every step is in the audit log, whose chain verifies.
    browser.goto(&format!("{endpoint}/staff/audit")).await?;
    let audit = text(&browser).await?;
    for action in [
        "password.set",
        "totp.enabled",
        "sign_in",
        "register.search",
        "subject.view",
        "proof.download",
        "export",
        "request.logged",
        "request.step",
    ] {
        assert!(audit.contains(action), "audit log lacks {action}: {audit}");
    }
    assert!(audit.contains("Chaîne du journal vérifiée"), "{audit}");
    assert!(!audit.contains(ALUMNA), "no subject's address in the audit log");
    browser.screenshot("staff-audit").await?;
    axe_clean(&browser, "audit log").await?;
    assert!(collector.verify(), "the ledger verifies after the erasure");
    browser.close().await;
    Ok(())
}
