//! The collector row on account enumeration by timing: `POST /v1/access` for an address the ledger holds and for
//! addresses it does not, interleaved on one kept-alive connection. The lookup and the email happen after the
//! answer, so both medians should be the same.

use super::Row;
use super::load::{self, Client, Collector};
use std::path::Path;
use std::time::{Duration, Instant};

/// Requests of each kind, after the warm-up.
const EACH: usize = 1_000;
/// Pairs sent first and not counted (connection, caches, the allocator).
const WARM_UP: usize = 50;

/// The median of `times`, in ms (sorts them).
fn median_ms(times: &mut [Duration]) -> f64 {
    times.sort_unstable();
    times.get(times.len() / 2).map_or(0.0, |d| d.as_secs_f64() * 1e3)
}

/// Posts `/v1/access` for `email` and times it to the full answer, which must be the `202`.
async fn ask(http: &reqwest::Client, url: &str, email: &str) -> anyhow::Result<Duration> {
    let started = Instant::now();
    let response = http
        .post(format!("{url}/v1/access"))
        .header("Origin", load::ORIGIN)
        .json(&serde_json::json!({"site": load::SITE, "email": email}))
        .send()
        .await?;
    let status = response.status();
    response.bytes().await?;
    anyhow::ensure!(status.as_u16() == 202, "/v1/access answered {status}");
    Ok(started.elapsed())
}

/// One known address (submitted first), then `EACH` requests for it and `EACH` for unknown ones, alternating which
/// goes first in each pair so that neither kind always follows the other's after-answer work.
pub(super) fn row(bin: &Path) -> anyhow::Result<Row> {
    let dir = super::collector::scratch("access")?;
    let collector = Collector::start(bin, &dir.join("consent.toml"), &dir, false, None)?;
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    crate::step::say(&format!("collector: {EACH} access requests for a known address, {EACH} for unknown ones"));
    let (mut known, mut unknown) = rt.block_on(async {
        let client = Client::new(&collector.url, 1)?;
        let config = client.widget_config().await?;
        let challenge = client.challenge().await?;
        let submitted = client.submit(load::signed_body(&config, 0, challenge)?, Instant::now()).await;
        anyhow::ensure!(submitted.record_id.is_some(), "the known address's submission: {:?}", submitted.error);
        let known_email = "bench.0@example.org";
        let http = reqwest::Client::builder().pool_max_idle_per_host(1).tcp_nodelay(true).build()?;
        let (mut known, mut unknown) = (Vec::with_capacity(EACH), Vec::with_capacity(EACH));
        for i in 0..WARM_UP + EACH {
            let nobody = format!("nobody.{i}@example.org");
            let (first, second) =
                if i % 2 == 0 { (known_email, nobody.as_str()) } else { (nobody.as_str(), known_email) };
            let a = ask(&http, &collector.url, first).await?;
            let b = ask(&http, &collector.url, second).await?;
            if i >= WARM_UP {
                let (k, u) = if i % 2 == 0 { (a, b) } else { (b, a) };
                known.push(k);
                unknown.push(u);
            }
        }
        Ok((known, unknown))
    })?;
    drop(collector);
    let _ = std::fs::remove_dir_all(&dir);
    let (k, u) = (median_ms(&mut known), median_ms(&mut unknown));
    println!("    known {k:.3} ms, unknown {u:.3} ms");
    Ok(Row {
        what: format!(
            "collector: access known vs unknown, median (`POST /v1/access`, {EACH} requests for an address the ledger \
             holds and {EACH} for addresses it does not, interleaved on one kept-alive loopback connection; release, \
             SQLite)"
        ),
        value: format!("known {k:.3} ms, unknown {u:.3} ms (difference {:+.3} ms)", k - u),
        target: "the same (no enumeration by timing)".into(),
        command: "cargo xtask bench --only collector".into(),
    })
}
