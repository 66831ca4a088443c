//! The browser harness itself: a test that ends early (an error, a panic) drops its session without `close`; the
//! browser must not outlive it.

use e2e::{Browser, Engine};
use std::time::{Duration, Instant};

/// Processes other than this one whose command line names `needle`.
fn running_with(needle: &str) -> usize {
    let me = std::process::id().to_string();
    std::fs::read_dir("/proc")
        .map(|dir| {
            dir.filter_map(Result::ok)
                .filter(|e| e.file_name().to_str().is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()) && n != me))
                .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
                .filter(|cmdline| String::from_utf8_lossy(cmdline).contains(needle))
                .count()
        })
        .unwrap_or(0)
}

async fn dropped_session_leaves_nothing(engine: Engine) -> anyhow::Result<()> {
    let browser = Browser::start_in(engine).await?;
    browser.goto("about:blank").await?;
    let profile = browser.profile().display().to_string();
    assert!(running_with(&profile) > 0, "{engine:?} runs on its own profile {profile}");
    drop(browser);
    let deadline = Instant::now() + Duration::from_secs(10);
    while running_with(&profile) > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(running_with(&profile), 0, "{engine:?} processes left running on {profile}");
    Ok(())
}

#[tokio::test]
async fn a_chromium_session_dropped_without_close_leaves_no_browser_running() -> anyhow::Result<()> {
    dropped_session_leaves_nothing(Engine::Chromium).await
}

#[tokio::test]
async fn a_firefox_session_dropped_without_close_leaves_no_browser_running() -> anyhow::Result<()> {
    dropped_session_leaves_nothing(Engine::Firefox).await
}
