//! The staff console's own pages in real headless Chromium: sign-in, the accounts page (invite a viewer by email,
//! change their role), ledger health (run the check), the forgotten-password page — axe-core finds no WCAG 2.1
//! AA violation on any of them, and the invitation reaches the invitee through real SMTP.

use e2e::{Browser, Collector, Site, SmtpSink, bin, free_port};
use fantoccini::Locator;
use std::process::Command;
use std::time::Duration;

const ADMIN: &str = "secretariat@association.example.org";
const INVITEE: &str = "lecture@association.example.org";
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

/// Clicks a button and waits for the next page (a new document).
async fn click(browser: &Browser, css: &str) -> anyhow::Result<()> {
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

async fn main_text(browser: &Browser) -> anyhow::Result<String> {
    Ok(browser.client.find(Locator::Css("main")).await?.text().await?)
}

#[tokio::test]
async fn an_admin_invites_a_viewer_and_checks_the_ledger() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let smtp = SmtpSink::start(&tmp.path().join("mail"))?;
    let port = free_port();
    let endpoint = format!("http://127.0.0.1:{port}");
    let site = Site::build("association-exemple", tmp.path(), &endpoint, "http://127.0.0.1:9")?;
    let data = tmp.path().join("data");
    let _collector = Collector::start_on(port, &site.config(), &data, Some(smtp.port))?;
    let browser = Browser::start().await?;

    let out = Command::new(bin("collector"))
        .env_remove("DATABASE_URL")
        .args(["staff", "add", ADMIN, "--role", "admin", "--public-url", &endpoint, "--data"])
        .arg(&data)
        .output()?;
    assert!(out.status.success(), "staff add: {}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let link = stdout.split_whitespace().find(|w| w.contains("/staff/password/")).expect("a link").to_owned();
    browser.goto(&link).await?;
    fill(&browser, &[("password", PASSWORD), ("confirm", PASSWORD)]).await?;
    click(&browser, "main form button").await?;
    fill(&browser, &[("email", ADMIN), ("password", PASSWORD)]).await?;
    click(&browser, "main form button").await?;

    // Accounts: invite a viewer; the link goes out by email.
    browser.goto(&format!("{endpoint}/staff/accounts")).await?;
    axe_clean(&browser, "accounts").await?;
    fill(&browser, &[("invite-email", INVITEE)]).await?;
    click(&browser, "form[action='/staff/accounts'] button").await?;
    let text = main_text(&browser).await?;
    assert!(text.contains(&format!("Lien envoyé par courriel à {INVITEE}")), "{text}");
    assert!(text.contains(INVITEE), "{text}");
    axe_clean(&browser, "accounts after an invitation").await?;
    let mail = smtp.wait_for(1, Duration::from_secs(30)).expect("the invitation email");
    assert_eq!(mail.to, [INVITEE]);
    assert!(mail.text.contains(&format!("{endpoint}/staff/password/")), "{}", mail.text);

    // Ledger health: run the check.
    browser.goto(&format!("{endpoint}/staff/health")).await?;
    axe_clean(&browser, "ledger health").await?;
    click(&browser, "form[action='/staff/health/verify'] button").await?;
    let text = main_text(&browser).await?;
    assert!(text.contains("Registre intact") && text.contains("Journal d'audit intact"), "{text}");
    axe_clean(&browser, "ledger health after a check").await?;

    // The keyboard alone: the skip link is the first stop and leads to the content.
    browser.client.execute("document.activeElement.blur(); window.scrollTo(0, 0);", vec![]).await?;
    browser.client.find(Locator::Css("body")).await?.send_keys("\u{e004}").await?;
    let focused = browser.client.execute("return document.activeElement.getAttribute('href');", vec![]).await?;
    assert_eq!(focused.as_str(), Some("#main"));

    // The second factor's set-up, with its QR code.
    browser.goto(&format!("{endpoint}/staff/account/totp")).await?;
    assert!(browser.client.find(Locator::Css("figure svg")).await.is_ok());
    axe_clean(&browser, "TOTP set-up").await?;

    // Signed out, the forgotten-password page.
    click(&browser, "form[action='/staff/logout'] button").await?;
    browser.goto(&format!("{endpoint}/staff/password-reset")).await?;
    axe_clean(&browser, "forgotten password").await?;
    browser.goto(&format!("{endpoint}/staff/login?lang=en")).await?;
    axe_clean(&browser, "sign in, English").await?;
    browser.close().await;
    Ok(())
}
