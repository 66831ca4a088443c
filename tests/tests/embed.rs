//! The copy-paste snippets of `examples/embed/` work as a webmaster pastes them: loaded in headless Chromium,
//! against the real collector (issue 3, point 9).

use e2e::{Browser, Collector, Engine, Site, SmtpSink, StaticServer, free_port, root};
use fantoccini::Locator;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// What every embed test stands on: a scratch folder, the port the host page will be served on, and a collector
/// for `association-exemple` (with its SMTP sink) that accepts submissions from that page's origin. Tests bind the
/// fields in this order, so the scratch folder is dropped last.
struct Host {
    tmp: tempfile::TempDir,
    page_port: u16,
    origin: String,
    collector: Collector,
    smtp: SmtpSink,
}

impl Host {
    fn new() -> anyhow::Result<Host> {
        let tmp = tempfile::tempdir()?;
        let page_port = free_port();
        let origin = format!("http://127.0.0.1:{page_port}");
        let smtp = SmtpSink::start(&tmp.path().join("mail"))?;
        let port = free_port();
        let site = Site::build("association-exemple", tmp.path(), &format!("http://127.0.0.1:{port}"), &origin)?;
        let collector = Collector::start_on(port, &site.config(), &tmp.path().join("data"), Some(smtp.port))?;
        Ok(Host { tmp, page_port, origin, collector, smtp })
    }
}

fn copy_widget(to: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(root().join("dist/widget"))? {
        let entry = entry?;
        std::fs::copy(entry.path(), to.join(entry.file_name()))?;
    }
    Ok(())
}

/// Serves `plain.html`, pointed at `collector`, with the bundle, on `page_port`.
fn serve_plain_snippet(tmp: &Path, page_port: u16, collector: &Collector) -> anyhow::Result<StaticServer> {
    let dir = tmp.join("plain");
    copy_widget(&dir.join("widget"))?;
    std::fs::write(dir.join("index.html"), snippet("plain.html").replace("http://127.0.0.1:8787", &collector.url))?;
    StaticServer::start(&dir, page_port, &[])
}

fn snippet(path: &str) -> String {
    std::fs::read_to_string(root().join("examples/embed").join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Opens the widget's dialog with its CTA and types `values` (field id, text) like a user.
async fn open_and_fill(
    browser: &Browser,
    w: &fantoccini::elements::ShadowRoot,
    values: &[(&str, &str)],
) -> anyhow::Result<()> {
    w.find(Locator::Css("button.cta")).await?.click().await?;
    browser.wait_in(w, "dialog[open]").await?;
    for (id, value) in values {
        w.find(Locator::Css(&format!("#{id}"))).await?.send_keys(value).await?;
    }
    Ok(())
}

/// Counts the widgets rendered on the page, with a CTA button each.
async fn ctas(browser: &Browser, expected: usize) -> anyhow::Result<Vec<String>> {
    let mut labels = Vec::new();
    for n in 0..expected {
        let w = browser.widget(n).await?;
        labels.push(browser.wait_in(&w, "button.cta").await?.text().await?);
    }
    Ok(labels)
}

#[tokio::test]
async fn plain_html_snippet_under_its_own_csp() -> anyhow::Result<()> {
    let _serial = SERIAL.lock().await;
    let Host { tmp, page_port, origin, collector, smtp } = Host::new()?;
    let _server = serve_plain_snippet(tmp.path(), page_port, &collector)?;

    let browser = Browser::start().await?;
    browser.goto(&format!("{origin}/")).await?;
    let labels = ctas(&browser, 2).await?;
    assert_eq!(labels, ["Rejoindre la communauté alumni", "Participez à cet événement"]);

    // The event CTA is for a service: it submits with no box ticked at all.
    let w = browser.widget(1).await?;
    open_and_fill(
        &browser,
        &w,
        &[("f-last_name", "Hopper"), ("f-first_name", "Grace"), ("f-promo", "1934"), ("f-email", "grace@example.org")],
    )
    .await?;
    w.find(Locator::Css("#privacy-ack")).await?.click().await?;
    w.find(Locator::Css("button.submit")).await?.click().await?;
    browser.wait_text(&w, ".success", "Vérifiez votre boîte mail").await?;
    browser.screenshot("embed-plain").await?;
    assert!(smtp.wait_for(1, Duration::from_secs(30)).is_some(), "the confirmation email is sent");
    assert!(collector.verify());
    browser.close().await;
    Ok(())
}

#[tokio::test]
async fn wordpress_custom_html_block() -> anyhow::Result<()> {
    let _serial = SERIAL.lock().await;
    let Host { tmp, page_port, origin, collector, smtp: _smtp } = Host::new()?;
    let dir = tmp.path().join("wp");
    copy_widget(&dir.join("wp-content/uploads/alumni-consent"))?;
    // What WordPress prints around a Custom HTML block: the block's text, as is, inside the theme's page.
    let block = snippet("wordpress/custom-html-block.html")
        .replace("https://consent.example.org", &collector.url)
        .replace("ecole-exemple", "association-exemple");
    let page = format!(
        "<!doctype html><html lang=\"fr\"><head><meta charset=\"utf-8\"><title>Blog</title></head>\
         <body><main><article><h1>Nos anciens</h1><p>Texte de l'article.</p>{block}</article></main></body></html>"
    );
    std::fs::write(dir.join("index.html"), page)?;
    let _server = StaticServer::start(&dir, page_port, &[])?;
    let browser = Browser::start().await?;
    browser.goto(&format!("{origin}/")).await?;
    assert_eq!(ctas(&browser, 1).await?, ["Rejoindre la communauté alumni"]);
    let configs = "return performance.getEntriesByType('resource').filter(e => e.name.endsWith('/config')).length";
    assert_eq!(browser.client.execute(configs, vec![]).await?, serde_json::json!(1), "the block's preload is reused");
    browser.screenshot("embed-wordpress").await?;
    browser.close().await;
    Ok(())
}

/// What the WordPress shortcode plugin prints (`alumni-consent.php`): a mount point per shortcode, and one
/// script tag without `data-cta` in the footer, which only gives the settings.
#[tokio::test]
async fn wordpress_shortcode_plugin_output() -> anyhow::Result<()> {
    let _serial = SERIAL.lock().await;
    let plugin = snippet("wordpress/alumni-consent.php");
    assert!(
        plugin.contains("<div data-alumni-consent data-cta=\"'")
            && plugin.contains("<script type=\"module\" src=\"%s\" data-endpoint=\"%s\" data-site=\"%s\"></script>")
    );
    let Host { tmp, page_port, origin, collector, smtp: _smtp } = Host::new()?;
    let dir = tmp.path().join("wp");
    copy_widget(&dir.join("wp-content/uploads/alumni-consent"))?;
    let page = format!(
        "<!doctype html><html lang=\"fr\"><head><meta charset=\"utf-8\"><title>Blog</title></head><body><main>\
         <p>[alumni_consent cta=\"join\"] donne :</p><div data-alumni-consent data-cta=\"join\"></div></main>\
         <footer><script type=\"module\" src=\"/wp-content/uploads/alumni-consent/alumni-consent.js\" \
         data-endpoint=\"{}\" data-site=\"association-exemple\"></script></footer></body></html>",
        collector.url
    );
    std::fs::write(dir.join("index.html"), page)?;
    let _server = StaticServer::start(&dir, page_port, &[])?;
    let browser = Browser::start().await?;
    browser.goto(&format!("{origin}/")).await?;
    assert_eq!(ctas(&browser, 1).await?, ["Rejoindre la communauté alumni"]);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let hosts = browser.client.find_all(Locator::Css("div.alumni-consent")).await?;
    assert_eq!(hosts.len(), 1, "the footer tag without data-cta renders no second CTA");
    browser.close().await;
    Ok(())
}

#[tokio::test]
async fn hugo_partial_and_shortcode_in_a_real_hugo_build() -> anyhow::Result<()> {
    let _serial = SERIAL.lock().await;
    let hugo = std::env::var("HUGO").unwrap_or_else(|_| "hugo".into());
    let Host { tmp, page_port, origin, collector, smtp: _smtp } = Host::new()?;
    let site = tmp.path().join("hugo-site");
    let layouts = root().join("examples/embed/hugo/layouts");
    for (from, to) in [
        ("partials/alumni-consent.html", "partials/alumni-consent.html"),
        ("shortcodes/alumni-consent.html", "shortcodes/alumni-consent.html"),
    ] {
        let target = site.join("layouts").join(to);
        std::fs::create_dir_all(target.parent().unwrap_or(&site))?;
        std::fs::copy(layouts.join(from), target)?;
    }
    std::fs::write(
        site.join("layouts/index.html"),
        "<!doctype html><html lang=\"fr\"><head><meta charset=\"utf-8\"><title>{{ .Title }}</title></head>\
         <body><main>{{ .Content }}{{ partial \"alumni-consent.html\" (dict \"cta\" \"join\") }}</main></body></html>",
    )?;
    std::fs::create_dir_all(site.join("content"))?;
    std::fs::write(
        site.join("content/_index.md"),
        "+++\ntitle = \"Les anciens\"\n+++\n\nRetrouvez votre promotion.\n\n{{< alumni-consent cta=\"event\" >}}\n",
    )?;
    std::fs::write(
        site.join("hugo.toml"),
        format!(
            "baseURL = \"{origin}/\"\ntitle = \"Les anciens\"\ndisableKinds = [\"taxonomy\", \"term\", \"RSS\", \"sitemap\", \"robotsTXT\", \"404\"]\n\
             [params.alumniConsent]\nscript = \"/widget/alumni-consent.js\"\nendpoint = \"{}\"\nsite = \"association-exemple\"\n",
            collector.url
        ),
    )?;
    copy_widget(&site.join("static/widget"))?;
    let out = Command::new(&hugo)
        .arg("--source")
        .arg(&site)
        .arg("--destination")
        .arg(site.join("public"))
        .output()
        .map_err(|e| anyhow::anyhow!("{hugo}: {e}; install Debian's hugo (cargo xtask test does)"))?;
    anyhow::ensure!(out.status.success(), "hugo failed: {}", String::from_utf8_lossy(&out.stderr));
    let _server = StaticServer::start(&site.join("public"), page_port, &[])?;
    let browser = Browser::start().await?;
    browser.goto(&format!("{origin}/")).await?;
    let mut labels = ctas(&browser, 2).await?;
    labels.sort();
    assert_eq!(labels, ["Participez à cet événement", "Rejoindre la communauté alumni"]);
    // The partial's preload (twice on the page: partial and shortcode) is the request the loader uses.
    let configs = "return performance.getEntriesByType('resource').filter(e => e.name.endsWith('/config')).length";
    assert_eq!(browser.client.execute(configs, vec![]).await?, serde_json::json!(1), "one config request");
    browser.screenshot("embed-hugo").await?;
    browser.close().await;
    Ok(())
}

/// Counts the connections made to a port nobody should talk to (issue 12, item 1).
struct Trap {
    url: String,
    hits: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl Trap {
    fn start() -> anyhow::Result<Trap> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        let url = format!("http://127.0.0.1:{}", listener.local_addr()?.port());
        let hits = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = hits.clone();
        // Detached: the thread ends with the test process; each connection is counted and dropped unanswered.
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                drop(stream);
            }
        });
        Ok(Trap { url, hits })
    }

    fn hits(&self) -> usize {
        self.hits.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// Markup a comment sanitiser keeps (`data-*` survive DOMPurify's defaults) cannot point the form elsewhere: the
/// endpoint, the site and the config come from the widget's own `<script>` tag — found from the module's
/// `import.meta.url`, also when the tag is `async` and the mount point comes before it — and a mount point only
/// chooses its CTA and language.
#[tokio::test]
async fn a_mount_point_cannot_choose_where_the_form_posts() -> anyhow::Result<()> {
    markup_cannot_redirect_the_form(Engine::Chromium).await
}

/// The same in Firefox ESR, whose module loading (`async`, `import.meta.url`) is its own.
#[tokio::test]
async fn a_mount_point_cannot_choose_where_the_form_posts_in_firefox() -> anyhow::Result<()> {
    markup_cannot_redirect_the_form(Engine::Firefox).await
}

async fn markup_cannot_redirect_the_form(engine: Engine) -> anyhow::Result<()> {
    let _serial = SERIAL.lock().await;
    let Host { tmp, page_port, origin, collector, smtp } = Host::new()?;
    let trap = Trap::start()?;
    let dir = tmp.path().join("forum");
    copy_widget(&dir.join("widget"))?;
    let evil = &trap.url;
    let page = format!(
        "<!doctype html><html lang=\"fr\"><head><meta charset=\"utf-8\"><title>Forum</title></head><body><main>\
         <article class=\"comment\"><p>Inscrivez-vous ici :</p><div data-alumni-consent data-cta=\"event\" \
         data-endpoint=\"{evil}\" data-config=\"{evil}/config.json\" data-site=\"association-exemple\"></div></article>\
         <script type=\"text/plain\" src=\"/widget/alumni-consent.js\" data-endpoint=\"{evil}\" \
         data-config=\"{evil}/other.json\" data-site=\"association-exemple\" data-cta=\"join\"></script>\
         <script type=\"module\" async src=\"/widget/alumni-consent.js\" data-endpoint=\"{}\" \
         data-site=\"association-exemple\" data-cta=\"join\"></script></main></body></html>",
        collector.url
    );
    std::fs::write(dir.join("index.html"), page)?;
    let _server = StaticServer::start(&dir, page_port, &[])?;

    let browser = Browser::start_in(engine).await?;
    browser.goto(&format!("{origin}/")).await?;
    let labels = ctas(&browser, 2).await?;
    assert_eq!(labels, ["Participez à cet événement", "Rejoindre la communauté alumni"], "page order");
    let w = browser.widget(0).await?;
    open_and_fill(
        &browser,
        &w,
        &[("f-last_name", "Lovelace"), ("f-first_name", "Ada"), ("f-promo", "1980"), ("f-email", "ada@example.org")],
    )
    .await?;
    w.find(Locator::Css("#privacy-ack")).await?.click().await?;
    w.find(Locator::Css("button.submit")).await?.click().await?;
    if let Err(e) = browser.wait_text(&w, ".success", "Vérifiez votre boîte mail").await {
        let text = w.find(Locator::Css(".root")).await?.text().await?;
        browser.screenshot("embed-hostile").await?;
        anyhow::bail!("{e}; widget says: {text}; trap hits {}", trap.hits());
    }
    assert!(smtp.wait_for(1, Duration::from_secs(30)).is_some(), "the submission reached the script's collector");
    assert_eq!(trap.hits(), 0, "nothing was sent to the address the page markup named");
    assert!(collector.verify());
    browser.close().await;
    Ok(())
}

/// A bot fills every text input, the hidden trap included: the real collector refuses the submission and nothing
/// is stored or mailed (the trap's name and autocomplete token keep autofill away from it: widget/tests/browser).
#[tokio::test]
async fn a_bot_that_fills_the_trap_is_refused() -> anyhow::Result<()> {
    let _serial = SERIAL.lock().await;
    let Host { tmp, page_port, origin, collector, smtp } = Host::new()?;
    let _server = serve_plain_snippet(tmp.path(), page_port, &collector)?;
    let browser = Browser::start().await?;
    browser.goto(&format!("{origin}/")).await?;
    let w = browser.widget(1).await?;
    open_and_fill(
        &browser,
        &w,
        &[("f-last_name", "Bot"), ("f-first_name", "Spam"), ("f-promo", "1999"), ("f-email", "bot@example.org")],
    )
    .await?;
    // The trap is off-screen, so WebDriver cannot type into it; a bot sets the value as a script does.
    let filled = browser
        .client
        .execute(
            "const trap = document.querySelectorAll('div.alumni-consent')[1].shadowRoot.querySelector('.hp input');
             trap.value = 'https://spam.example'; return trap.name;",
            vec![],
        )
        .await?;
    assert_eq!(filled, "ac-trap");
    w.find(Locator::Css("#privacy-ack")).await?.click().await?;
    w.find(Locator::Css("button.submit")).await?.click().await?;
    browser.wait_text(&w, ".live", "refusée comme automatique").await?;
    assert!(smtp.wait_for(1, Duration::from_secs(2)).is_none(), "no email for a refused submission");
    assert!(collector.verify());
    browser.close().await;
    Ok(())
}

/// The page pays for the CTA only (issue 17): the form's files are not loaded while nobody shows intent, a keyboard
/// focus on the CTA loads them, and a click right after is not lost.
#[tokio::test]
async fn the_form_loads_only_on_intent() -> anyhow::Result<()> {
    form_loads_only_on_intent(Engine::Chromium).await
}

/// The same in Firefox ESR (its preload matching and resource timing are its own).
#[tokio::test]
async fn the_form_loads_only_on_intent_in_firefox() -> anyhow::Result<()> {
    form_loads_only_on_intent(Engine::Firefox).await
}

async fn form_loads_only_on_intent(engine: Engine) -> anyhow::Result<()> {
    let _serial = SERIAL.lock().await;
    let Host { tmp, page_port, origin, collector, smtp: _smtp } = Host::new()?;
    let _server = serve_plain_snippet(tmp.path(), page_port, &collector)?;
    let browser = Browser::start_in(engine).await?;
    browser.goto(&format!("{origin}/")).await?;
    ctas(&browser, 2).await?;
    // A preloaded module may be listed twice (the hint, then the script); it travels once. The browser's own
    // favicon request is not the widget's.
    let loaded = "return [...new Set(performance.getEntriesByType('resource').map(e => new URL(e.name).pathname))]
        .filter(p => p !== '/favicon.ico').sort()";
    // Long enough for an idle callback to have run, had it been asked for.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let files = browser.client.execute(loaded, vec![]).await?;
    assert_eq!(
        files,
        serde_json::json!(["/v1/sites/association-exemple/config", "/widget/alumni-consent.js"]),
        "only the loader and the config before any intent"
    );
    browser
        .client
        .execute("document.querySelector('div.alumni-consent').shadowRoot.querySelector('button.cta').focus()", vec![])
        .await?;
    for _ in 0..100 {
        let files = browser.client.execute(loaded, vec![]).await?;
        if files.as_array().is_some_and(|f| f.iter().any(|f| f == "/widget/alumni-consent_bg.wasm")) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let w = browser.widget(0).await?;
    w.find(Locator::Css("button.cta")).await?.click().await?;
    browser.wait_in(&w, "dialog[open]").await?;
    let files = browser.client.execute(loaded, vec![]).await?;
    assert_eq!(
        files,
        serde_json::json!([
            "/v1/sites/association-exemple/config",
            "/widget/alumni-consent-form.js",
            "/widget/alumni-consent.js",
            "/widget/alumni-consent_bg.wasm"
        ]),
        "focus loaded the form, once; the config was not asked for again"
    );
    let configs = "return performance.getEntriesByType('resource').filter(e => e.name.endsWith('/config')).length";
    assert_eq!(
        browser.client.execute(configs, vec![]).await?,
        serde_json::json!(1),
        "the snippet's preload of the config is the loader's request"
    );
    browser.close().await;
    Ok(())
}
