//! A load generator of our own for the collector: many concurrent HTTP/1.1 connections sending REAL submissions,
//! each signed by its own device key (ECDSA P-256, P1363, as WebCrypto signs) over a fresh challenge.
//!
//! Challenges are fetched and submissions signed before a timed window starts (the client shares the machine's
//! two cores with the collector; signing in the window would measure the client). Latency in the fixed-rate
//! mode is measured from each request's scheduled start, so a slow answer cannot hide the ones queued behind it.

use consent::protocol::{Jwk, SignedEnvelope, SubmissionAccepted, WidgetConfig, b64url_encode};
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use test_kit::{Alumnus, Serve};

/// The association example, the config the benchmark serves, and an origin on its allowlist.
pub use test_kit::{ORIGIN, SITE};

/// The collector under load: the release binary on a loopback port, its own data folder.
pub struct Collector {
    process: Option<Serve>,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// Its `/metrics`, on a listener of its own (`--metrics-listen`).
    pub metrics_url: String,
    /// Its data folder.
    pub data: PathBuf,
    /// The PostgreSQL database holding the ledger, when not the SQLite file in `data`.
    database: Option<String>,
    bin: PathBuf,
}

impl Collector {
    /// Starts `bin serve` on a free port with `config`, data in `dir/data`, no rate limit (every request comes
    /// from 127.0.0.1 and every email is new). With `deliver`, confirmation emails are delivered to `dir/outbox`;
    /// without, they stay in the durable queue.
    /// With `database` (a `postgres://` URL), the ledger lives there instead of in `dir/data`.
    pub fn start(
        bin: &Path,
        config: &Path,
        dir: &Path,
        deliver: bool,
        database: Option<&str>,
    ) -> anyhow::Result<Collector> {
        Collector::start_with(bin, config, dir, deliver, database, &[])
    }

    /// [`Collector::start`] with more options for `serve` (e.g. `--key-file`, shared by collectors on one database).
    pub fn start_with(
        bin: &Path,
        config: &Path,
        dir: &Path,
        deliver: bool,
        database: Option<&str>,
        extra: &[&std::ffi::OsStr],
    ) -> anyhow::Result<Collector> {
        let port = test_kit::free_port();
        let url = format!("http://127.0.0.1:{port}");
        let metrics_port = test_kit::free_port();
        let metrics_url = format!("http://127.0.0.1:{metrics_port}/metrics");
        let data = dir.join("data");
        std::fs::create_dir_all(&data)?;
        let mut command = Command::new(bin);
        command.env_remove("DATABASE_URL");
        command.arg("serve");
        if deliver {
            command.arg("--outbox").arg(dir.join("outbox"));
        }
        if let Some(url) = database {
            command.arg("--database").arg(url);
        }
        command
            .arg("--config")
            .arg(config)
            .arg("--listen")
            .arg(format!("127.0.0.1:{port}"))
            .arg("--metrics-listen")
            .arg(format!("127.0.0.1:{metrics_port}"))
            .arg("--data")
            .arg(&data)
            .arg("--public-url")
            .arg(&url)
            .args(["--ip-rate-limit", "0", "--email-rate-limit", "0"])
            .args(extra)
            .stderr(Stdio::null());
        let process = Serve::spawn(&mut command).map_err(|e| anyhow::anyhow!(e))?;
        Ok(Collector {
            process: Some(process),
            url,
            metrics_url,
            data,
            database: database.map(str::to_owned),
            bin: bin.to_owned(),
        })
    }

    /// Its process id.
    pub fn pid(&self) -> Option<u32> {
        self.process.as_ref().map(Serve::pid)
    }

    /// Its resident set size, KiB, from `/proc`.
    pub fn rss_kib(&self) -> Option<u64> {
        let pid = self.process.as_ref()?.pid();
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
        line.split_whitespace().nth(1)?.parse().ok()
    }

    /// SIGKILL: whatever was acknowledged must already be on disk.
    pub fn kill9(&mut self) {
        if let Some(mut process) = self.process.take() {
            process.kill9();
        }
    }

    /// `collector verify --data DIR` passes.
    pub fn verify(&self) -> anyhow::Result<()> {
        let mut command = Command::new(&self.bin);
        command.env_remove("DATABASE_URL").arg("verify");
        match &self.database {
            Some(url) => command.arg("--database").arg(url),
            None => command.arg("--data").arg(&self.data),
        };
        let out = command.output()?;
        anyhow::ensure!(
            out.status.success(),
            "collector verify failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(())
    }

    /// How many of `ids` are in the ledger's `records` table (read after [`Collector::kill9`]).
    pub fn durable(&self, ids: &[String]) -> anyhow::Result<usize> {
        if let Some(database) = self.database.as_deref().and_then(|url| url.split('?').next()?.rsplit('/').next()) {
            // The local cluster's superuser reads it over the Unix socket.
            let out = Command::new("runuser")
                .args(["-u", "postgres", "--", "psql", "-qAtX", "-d", database, "-c", "SELECT record_id FROM records"])
                .output()?;
            anyhow::ensure!(out.status.success(), "psql: {}", String::from_utf8_lossy(&out.stderr));
            let text = String::from_utf8_lossy(&out.stdout);
            let stored: std::collections::HashSet<&str> = text.lines().collect();
            return Ok(ids.iter().filter(|id| stored.contains(id.as_str())).count());
        }
        let conn = rusqlite::Connection::open_with_flags(
            self.data.join("ledger.sqlite3"),
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )?;
        let mut stmt = conn.prepare("SELECT record_id FROM records")?;
        let stored: std::collections::HashSet<String> =
            stmt.query_map([], |r| r.get::<_, String>(0))?.collect::<Result<_, _>>()?;
        Ok(ids.iter().filter(|id| stored.contains(*id)).count())
    }
}

impl Drop for Collector {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// A fresh device key pair for one submission, made and used with ring (as fast as the collector's own
/// verification; RustCrypto's portable P-256 took ≈ 330 µs a signature, which made the client, not the collector,
/// the limit of the soak). P1363 signatures, like WebCrypto's.
pub fn device(rng: &SystemRandom) -> anyhow::Result<(EcdsaKeyPair, Jwk)> {
    let alg = &ECDSA_P256_SHA256_FIXED_SIGNING;
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(alg, rng).map_err(|_| anyhow::anyhow!("P-256 key generation failed"))?;
    let key = EcdsaKeyPair::from_pkcs8(alg, pkcs8.as_ref(), rng)
        .map_err(|e| anyhow::anyhow!("P-256 key rejected by ring: {e}"))?;
    // Uncompressed point: 0x04 ‖ x (32) ‖ y (32).
    let point = key.public_key().as_ref();
    anyhow::ensure!(point.len() == 65 && point[0] == 4, "unexpected P-256 public key encoding");
    let jwk =
        Jwk { kty: "EC".into(), crv: "P-256".into(), x: b64url_encode(&point[1..33]), y: b64url_encode(&point[33..]) };
    Ok((key, jwk))
}

/// The signed envelope (JSON bytes) of alumnus `n`'s submission to the `join` CTA.
pub fn signed_body(config: &WidgetConfig, n: u64, challenge: String) -> anyhow::Result<Vec<u8>> {
    let rng = SystemRandom::new();
    let (key, jwk) = device(&rng)?;
    let payload = Alumnus::new(&format!("bench.{n}@example.org")).submission(config, challenge, &jwk);
    let text = payload.to_canonical()?;
    let signature = key.sign(&rng, text.as_bytes()).map_err(|_| anyhow::anyhow!("P-256 signing failed"))?;
    let envelope = SignedEnvelope { payload: text, signature: b64url_encode(signature.as_ref()), hp: None };
    Ok(serde_json::to_vec(&envelope)?)
}

/// Signs one submission per challenge on every core (before the timed window), numbering alumni from `first`.
pub fn sign_all(config: &WidgetConfig, challenges: Vec<String>, first: u64) -> anyhow::Result<Vec<Vec<u8>>> {
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let size = challenges.len().div_ceil(threads).max(1);
    let chunks: Vec<Vec<String>> = challenges.chunks(size).map(<[String]>::to_vec).collect();
    std::thread::scope(|scope| {
        let handles: Vec<_> = chunks
            .into_iter()
            .enumerate()
            .map(|(i, chunk)| {
                scope.spawn(move || {
                    let base = first + (i * size) as u64;
                    chunk
                        .into_iter()
                        .enumerate()
                        .map(|(j, c)| signed_body(config, base + j as u64, c))
                        .collect::<anyhow::Result<Vec<_>>>()
                })
            })
            .collect();
        let mut all = Vec::new();
        for h in handles {
            all.extend(h.join().map_err(|_| anyhow::anyhow!("a signing thread panicked"))??);
        }
        Ok(all)
    })
}

/// The HTTP client side.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    url: String,
}

/// The answer to one submission.
pub struct Outcome {
    /// The record id of a `201`.
    pub record_id: Option<String>,
    /// The problem type or transport error otherwise.
    pub error: Option<String>,
    /// From scheduled start (fixed rate) or send (closed loop) to the full answer.
    pub latency: Duration,
}

impl Client {
    /// A client with up to `connections` kept-alive connections to `url`.
    pub fn new(url: &str, connections: usize) -> anyhow::Result<Client> {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(connections)
            .timeout(Duration::from_secs(30))
            .tcp_nodelay(true)
            .build()?;
        Ok(Client { http, url: url.to_owned() })
    }

    /// The site's widget configuration.
    pub async fn widget_config(&self) -> anyhow::Result<WidgetConfig> {
        Ok(self
            .http
            .get(format!("{}/v1/sites/{SITE}/config", self.url))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?)
    }

    /// The collector's `/metrics` counters (at `metrics_url`, see [`Collector::metrics_url`]), by name.
    pub async fn metrics(&self, metrics_url: &str) -> anyhow::Result<BTreeMap<String, f64>> {
        let text = self.http.get(metrics_url).send().await?.error_for_status()?.text().await?;
        Ok(text
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| {
                let (name, value) = l.rsplit_once(' ')?;
                Some((name.to_owned(), value.parse().ok()?))
            })
            .collect())
    }

    /// One fresh challenge token.
    pub async fn challenge(&self) -> anyhow::Result<String> {
        let value: serde_json::Value = self
            .http
            .get(format!("{}/v1/challenge?site={SITE}", self.url))
            .header("Origin", ORIGIN)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        value["token"].as_str().map(str::to_owned).ok_or_else(|| anyhow::anyhow!("no token in {value}"))
    }

    /// `count` fresh challenges, `in_flight` at a time.
    pub async fn challenges(&self, count: usize, in_flight: usize) -> anyhow::Result<Vec<String>> {
        let next = Arc::new(AtomicUsize::new(0));
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..in_flight {
            let (client, next) = (self.clone(), next.clone());
            tasks.spawn(async move {
                let mut got = Vec::new();
                while next.fetch_add(1, Ordering::Relaxed) < count {
                    got.push(client.challenge().await?);
                }
                anyhow::Ok(got)
            });
        }
        let mut all = Vec::with_capacity(count);
        while let Some(done) = tasks.join_next().await {
            all.extend(done??);
        }
        Ok(all)
    }

    /// Posts one signed submission; `since` is when it was due.
    pub async fn submit(&self, body: Vec<u8>, since: Instant) -> Outcome {
        let sent = self
            .http
            .post(format!("{}/v1/submissions", self.url))
            .header("Origin", ORIGIN)
            .header("Content-Type", "application/json")
            .body(body)
            .send()
            .await;
        let outcome = |record_id, error| Outcome { record_id, error, latency: since.elapsed() };
        let response = match sent {
            Ok(r) => r,
            Err(e) => return outcome(None, Some(format!("transport: {e}"))),
        };
        let status = response.status().as_u16();
        let bytes = match response.bytes().await {
            Ok(b) => b,
            Err(e) => return outcome(None, Some(format!("transport: {e}"))),
        };
        if status == 201 {
            match serde_json::from_slice::<SubmissionAccepted>(&bytes) {
                Ok(ok) => outcome(Some(ok.record_id.0), None),
                Err(e) => outcome(None, Some(format!("201 without a receipt: {e}"))),
            }
        } else {
            let kind = serde_json::from_slice::<serde_json::Value>(&bytes)
                .ok()
                .and_then(|v| v["type"].as_str().map(str::to_owned))
                .unwrap_or_default();
            outcome(None, Some(format!("{status} {kind}")))
        }
    }
}

/// What a run measured.
#[derive(Default)]
pub struct Stats {
    /// Record ids of the `201`s.
    pub accepted: Vec<String>,
    /// Every other answer, by cause.
    pub errors: BTreeMap<String, u64>,
    /// Latencies, µs.
    pub latencies_us: Vec<u64>,
    /// Length of the timed window.
    pub elapsed: Duration,
    /// Soak submissions the client could not send within a second of their schedule (it fell behind).
    pub unsent: u64,
    /// Fixed rate: each request's scheduled second of the window, beside `latencies_us`.
    pub due_second: Vec<u32>,
}

impl Stats {
    fn add(&mut self, o: Outcome) {
        self.latencies_us.push(u64::try_from(o.latency.as_micros()).unwrap_or(u64::MAX));
        match (o.record_id, o.error) {
            (Some(id), _) => self.accepted.push(id),
            (None, e) => *self.errors.entry(e.unwrap_or_default()).or_default() += 1,
        }
    }

    /// Error count.
    pub fn error_count(&self) -> u64 {
        self.errors.values().sum()
    }

    /// The `q` quantile of latency, ms.
    pub fn quantile_ms(&self, q: f64) -> f64 {
        let mut sorted = self.latencies_us.clone();
        sorted.sort_unstable();
        if sorted.is_empty() {
            return f64::NAN;
        }
        let at = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len()) - 1;
        sorted[at] as f64 / 1000.0
    }

    /// Fixed rate: how many answers took longer than `ms`, by scheduled second (only the seconds that had one),
    /// to tell one stall from a spread tail.
    pub fn slow_by_second(&self, ms: u64) -> Vec<(u32, usize)> {
        let mut by: BTreeMap<u32, usize> = BTreeMap::new();
        for (&second, &us) in self.due_second.iter().zip(&self.latencies_us) {
            if us > ms * 1000 {
                *by.entry(second).or_default() += 1;
            }
        }
        by.into_iter().collect()
    }

    /// Accepted submissions per second of the window.
    pub fn throughput(&self) -> f64 {
        self.accepted.len() as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// Sends every body as fast as `connections` concurrent clients can (each waits for its answer, then sends the
/// next): the sustained rate, through one or several collectors on one database (connection `i` sends to
/// `clients[i % n]`).
pub async fn closed_loop(clients: &[Client], bodies: Vec<Vec<u8>>, connections: usize) -> anyhow::Result<Stats> {
    anyhow::ensure!(!clients.is_empty(), "no collector to send to");
    let bodies = Arc::new(std::sync::Mutex::new(bodies));
    let start = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..connections {
        let (client, bodies) = (clients[i % clients.len()].clone(), bodies.clone());
        tasks.spawn(async move {
            let mut outcomes = Vec::new();
            loop {
                let next = bodies.lock().ok().and_then(|mut b| b.pop());
                let Some(body) = next else { break };
                outcomes.push(client.submit(body, Instant::now()).await);
            }
            outcomes
        });
    }
    let mut stats = Stats::default();
    while let Some(done) = tasks.join_next().await {
        for o in done? {
            stats.add(o);
        }
    }
    stats.elapsed = start.elapsed();
    Ok(stats)
}

/// Sends one body every `1/rate` s whatever the answers (open loop), latency counted from each scheduled start.
pub async fn fixed_rate(client: &Client, bodies: Vec<Vec<u8>>, rate: u32) -> anyhow::Result<Stats> {
    fixed_rate_across(std::slice::from_ref(client), bodies, rate).await
}

/// [`fixed_rate`] through several collectors (on one database): request `i` goes to `clients[i % n]`.
pub async fn fixed_rate_across(clients: &[Client], bodies: Vec<Vec<u8>>, rate: u32) -> anyhow::Result<Stats> {
    anyhow::ensure!(!clients.is_empty(), "no collector to send to");
    let period = Duration::from_secs(1) / rate.max(1);
    let start = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for (i, body) in bodies.into_iter().enumerate() {
        let offset = period * u32::try_from(i).unwrap_or(u32::MAX);
        let due = start + offset;
        tokio::time::sleep_until(due.into()).await;
        let client = clients[i % clients.len()].clone();
        let second = u32::try_from(offset.as_secs()).unwrap_or(u32::MAX);
        tasks.spawn(async move { (second, client.submit(body, due).await) });
    }
    let mut stats = Stats::default();
    while let Some(done) = tasks.join_next().await {
        let (second, outcome) = done?;
        stats.due_second.push(second);
        stats.add(outcome);
    }
    stats.elapsed = start.elapsed();
    Ok(stats)
}

/// Producer tasks of the soak.
const PRODUCERS: u64 = 4;
/// How late behind its schedule a soak submission may be sent.
const LATE: Duration = Duration::from_secs(1);

/// Holds `rate` submissions/s for `seconds`, fetching a fresh challenge and signing each submission just ahead of
/// its turn (as real browsers would: the challenges are part of the load). Latency runs from each send; what the
/// client could not send within [`LATE`] of its schedule is counted in [`Stats::unsent`]. `sample` is called every
/// `sample_every` with the elapsed time.
pub async fn soak(
    client: &Client,
    config: &WidgetConfig,
    seconds: u64,
    rate: u32,
    sample_every: Duration,
    mut sample: impl FnMut(Duration),
) -> anyhow::Result<Stats> {
    let total = u64::from(rate) * seconds;
    // The producer stays a few seconds ahead: challenges in batches, signed on the blocking pool.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<u8>>(rate as usize * 3);
    // Several producers, each with many challenges in flight: a challenge costs a round trip, and under load
    // that round trip is what limits how many submissions the client can offer.
    let mut producers = tokio::task::JoinSet::new();
    for p in 0..PRODUCERS {
        let (client, config, tx) = (client.clone(), config.clone(), tx.clone());
        let share = total / PRODUCERS + u64::from(p < total % PRODUCERS);
        producers.spawn(async move {
            let mut n = (1u64 << 40) + (p << 32);
            let mut made = 0u64;
            while made < share {
                let batch = 200.min(share - made) as usize;
                let challenges = client.challenges(batch, 64).await?;
                let config = config.clone();
                let first = n;
                let bodies = tokio::task::spawn_blocking(move || {
                    challenges
                        .into_iter()
                        .enumerate()
                        .map(|(i, c)| signed_body(&config, first + i as u64, c))
                        .collect::<anyhow::Result<Vec<Vec<u8>>>>()
                })
                .await??;
                n += batch as u64;
                made += batch as u64;
                for body in bodies {
                    if tx.send(body).await.is_err() {
                        return anyhow::Ok(());
                    }
                }
            }
            anyhow::Ok(())
        });
    }
    drop(tx);
    let period = Duration::from_secs(1) / rate.max(1);
    let start = Instant::now();
    let mut next_sample = sample_every;
    let mut stats = Stats::default();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..total {
        let due = start + period * u32::try_from(i).unwrap_or(u32::MAX);
        tokio::time::sleep_until(due.into()).await;
        if start.elapsed() >= next_sample {
            sample(start.elapsed());
            next_sample += sample_every;
        }
        while let Some(done) = tasks.try_join_next() {
            stats.add(done?);
        }
        let Some(body) = rx.recv().await else { break };
        // A submission more than a second behind its schedule is counted as not sent, so that a client that falls
        // behind cannot pass for one holding the rate.
        if due.elapsed() > LATE {
            stats.unsent += 1;
            continue;
        }
        // From the send, not the schedule: a late body is the client's (signing) delay, not the collector's.
        let sent = Instant::now();
        let client = client.clone();
        tasks.spawn(async move { client.submit(body, sent).await });
    }
    drop(rx);
    while let Some(done) = tasks.join_next().await {
        stats.add(done?);
    }
    stats.elapsed = start.elapsed();
    while let Some(done) = producers.join_next().await {
        done??;
    }
    Ok(stats)
}

/// CPU seconds used so far by every `postgres` process on the machine (the local cluster's backends and helpers;
/// a process that ended in the meantime is not counted, so the bench keeps its connections open).
pub fn postgres_cpu_seconds() -> f64 {
    let Ok(dir) = std::fs::read_dir("/proc") else { return f64::NAN };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|comm| comm.trim_end() == "postgres")
        })
        .map(|pid| cpu_seconds(Some(pid)))
        .filter(|s| s.is_finite())
        .sum()
}

/// CPU time (user + system) a process has used so far, seconds; `None` for this process.
pub fn cpu_seconds(pid: Option<u32>) -> f64 {
    let path = pid.map_or_else(|| "/proc/self/stat".to_owned(), |p| format!("/proc/{p}/stat"));
    let Ok(stat) = std::fs::read_to_string(path) else { return f64::NAN };
    // Fields after the command name (which may hold spaces) start at `) `; utime and stime are 14th and 15th.
    let Some((_, rest)) = stat.rsplit_once(") ") else { return f64::NAN };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(f64::NAN);
    // `rest` starts at field 3 (state): utime is field 14, stime 15. Linux reports them in 1/100 s.
    (ticks(11) + ticks(12)) / 100.0
}
