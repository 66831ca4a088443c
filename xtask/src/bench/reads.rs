//! The collector row on reads beside writes: submissions at a fixed rate alone, then at the same rate beside a
//! flood of page reads (the notice text and `/healthz`, each a ledger read) four times as many. Reads go to
//! the read pool, not into the writer's queue, so the submissions' p99 should barely move.

use super::Row;
use super::load::{self, Client, Collector};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

/// Submissions per second, in each window.
const RATE: u32 = 500;
/// Seconds of each window.
const SECONDS: usize = 10;
/// Connections that read.
const READERS: usize = 16;
/// Reads per second, all connections together: four times the submissions (a page read costs far less than a
/// verified, durably committed submission; reading as fast as answered would only measure a saturated CPU).
const READ_RATE: u32 = 2_000;

/// Reads the notice text and `/healthz` in turn, each connection at its share of [`READ_RATE`], until `stop`;
/// counts those answered 200.
async fn flood(http: reqwest::Client, url: String, notice: String, stop: Arc<AtomicBool>, count: Arc<AtomicU64>) {
    let paths = [format!("{url}/v1/notices/{notice}"), format!("{url}/healthz")];
    let mut next = tokio::time::Instant::now();
    let period = Duration::from_secs(1) * READERS as u32 / READ_RATE;
    let mut i = 0;
    while !stop.load(Ordering::Relaxed) {
        next += period;
        tokio::time::sleep_until(next).await;
        let ok = match http.get(&paths[i % 2]).send().await {
            Ok(response) => response.status().is_success() && response.bytes().await.is_ok(),
            Err(_) => false,
        };
        if ok {
            count.fetch_add(1, Ordering::Relaxed);
        }
        i += 1;
    }
}

pub(super) fn row(bin: &Path) -> anyhow::Result<Row> {
    let dir = super::collector::scratch("reads")?;
    let collector = Collector::start(bin, &dir.join("consent.toml"), &dir, false, None)?;
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let each = RATE as usize * SECONDS;
    crate::step::say(&format!(
        "collector: {RATE} submissions/s for {SECONDS} s alone, then beside {READ_RATE} page reads/s"
    ));
    let (alone, beside, reads) = rt.block_on(async {
        let client = Client::new(&collector.url, 64)?;
        let config = client.widget_config().await?;
        let challenges = client.challenges(2 * each, 64).await?;
        let mut bodies = load::sign_all(&config, challenges, 1)?;
        let second = bodies.split_off(each);
        let alone = load::fixed_rate(&client, bodies, RATE).await?;

        let (stop, count) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicU64::new(0)));
        let http = reqwest::Client::builder().pool_max_idle_per_host(READERS).build()?;
        let flooders: Vec<_> = (0..READERS)
            .map(|_| {
                let notice = config.notice_version.clone();
                tokio::spawn(flood(http.clone(), collector.url.clone(), notice, stop.clone(), count.clone()))
            })
            .collect();
        // The flood first reaches its pace.
        tokio::time::sleep(Duration::from_millis(500)).await;
        let before = count.load(Ordering::Relaxed);
        let beside = load::fixed_rate(&client, second, RATE).await?;
        let reads = (count.load(Ordering::Relaxed) - before) as f64 / beside.elapsed.as_secs_f64().max(1e-9);
        stop.store(true, Ordering::Relaxed);
        for f in flooders {
            let _ = f.await;
        }
        anyhow::Ok((alone, beside, reads))
    })?;
    drop(collector);
    let _ = std::fs::remove_dir_all(&dir);
    let p99 = |s: &load::Stats| s.quantile_ms(0.99);
    let value = format!(
        "p99 {:.1} ms beside {reads:.0} reads/s vs {:.1} ms alone (× {:.2}); p50 {:.1} vs {:.1} ms; errors {} beside, \
         {} alone",
        p99(&beside),
        p99(&alone),
        p99(&beside) / p99(&alone).max(1e-9),
        beside.quantile_ms(0.5),
        alone.quantile_ms(0.5),
        beside.error_count(),
        alone.error_count()
    );
    println!("    {value}");
    Ok(Row {
        what: format!(
            "collector: submissions at a fixed {RATE}/s for {SECONDS} s beside {READ_RATE} page reads/s on \
             {READERS} connections (notice text, /healthz: ledger reads on the read pool), against the same rate \
             alone (release, SQLite, loopback, same run, same 2 cores)"
        ),
        value,
        target: "p99 ≤ 25 ms".into(),
        command: "cargo xtask bench --only collector".into(),
    })
}
