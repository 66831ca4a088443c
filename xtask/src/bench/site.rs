//! The site rows of the benchmark table: site-kit and Hugo on the same generated corpus of 10,000 Markdown
//! articles (≈ 4 KB each), full builds (median of 3), and one article edited under `site-kit serve` until the
//! reload event reaches a client (median of 5).

use super::Row;
use crate::tools::{ensure_apt, workspace_root};
use anyhow::{Context, bail, ensure};
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Articles in the corpus.
const ARTICLES: usize = 10_000;
/// Full builds timed per generator.
const RUNS: usize = 3;
/// Edits timed under serve.
const EDITS: usize = 9;

pub fn rows() -> anyhow::Result<Vec<Row>> {
    let hugo = ensure_apt("hugo", "hugo")?;
    let root = workspace_root();
    println!("  site: building site-kit (release)");
    let status = Command::new("cargo")
        .args(["build", "--release", "--quiet", "-p", "site-kit"])
        .current_dir(&root)
        .status()
        .context("cargo build")?;
    ensure!(status.success(), "cargo build --release -p site-kit failed");
    let site_kit = root.join("target/release/site-kit");

    let work = std::env::temp_dir().join(format!("site-kit-bench-{}", std::process::id()));
    let _cleanup = Cleanup(work.clone());
    let corpus = Corpus::generate(&work, &root)?;
    println!("  site: corpus of {ARTICLES} articles, {} KB of Markdown on average", corpus.average_bytes / 1024);

    let ours_out = work.join("out-site-kit");
    let ours = median_of(RUNS, || {
        timed_fresh(&ours_out, Command::new(&site_kit).arg("build").arg(&corpus.site_kit).arg("--out").arg(&ours_out))
    })?;
    let html = count_files(&ours_out, "html");
    ensure!(html > ARTICLES, "site-kit wrote only {html} pages");
    let hugo_out = work.join("out-hugo");
    let theirs = median_of(RUNS, || {
        timed_fresh(&hugo_out, Command::new(&hugo).arg("--quiet").arg("-s").arg(&corpus.hugo).arg("-d").arg(&hugo_out))
    })?;
    let hugo_html = count_files(&hugo_out, "html");
    ensure!(hugo_html > ARTICLES, "Hugo wrote only {hugo_html} pages");
    let ratio = ours.wall.as_secs_f64() / theirs.wall.as_secs_f64();
    let cpu_ratio = ours.cpu.as_secs_f64() / theirs.cpu.as_secs_f64();
    let load = load_average();
    println!("  site: site-kit {ours:?}, Hugo {theirs:?}, ratio {ratio:.2} (CPU {cpu_ratio:.2}), load average {load}");

    let (reload, internal) = serve_edit(&site_kit, &corpus.site_kit, &work.join("out-serve"))?;
    println!("  site: edit → reload event {:.1} ms (rebuild {internal})", reload.as_secs_f64() * 1000.0);

    let hugo_version = Command::new(&hugo)
        .arg("version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).split_whitespace().nth(1).unwrap_or("?").to_owned())
        .unwrap_or_default();
    Ok(vec![
        Row {
            what: format!("site-kit: {ARTICLES} articles, full build ({html} HTML files)"),
            value: format!(
                "{:.2} s wall, {:.2} s CPU (medians of {RUNS}; load average {load})",
                ours.wall.as_secs_f64(),
                ours.cpu.as_secs_f64()
            ),
            target: "≤ 0.5 × Hugo".into(),
            command: "cargo xtask bench --only site".into(),
        },
        Row {
            what: format!("Hugo {hugo_version}: same corpus, minimal layouts ({hugo_html} HTML files)"),
            value: format!(
                "{:.2} s wall, {:.2} s CPU (medians of {RUNS})",
                theirs.wall.as_secs_f64(),
                theirs.cpu.as_secs_f64()
            ),
            target: "peer".into(),
            command: "hugo --quiet -s <corpus> -d <out>".into(),
        },
        Row {
            what: "site-kit / Hugo time ratio".into(),
            value: format!("{ratio:.2} wall, {cpu_ratio:.2} CPU"),
            target: "≤ 0.5".into(),
            command: "cargo xtask bench --only site".into(),
        },
        Row {
            what: format!("site-kit serve: one of {ARTICLES} articles edited → reload event received"),
            value: format!("{:.1} ms (median of {EDITS}; rebuild {internal})", reload.as_secs_f64() * 1000.0),
            target: "≤ 100 ms".into(),
            command: "cargo xtask bench --only site".into(),
        },
    ])
}

/// Removes the work directory when the benchmark ends, even on error.
struct Cleanup(PathBuf);

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The same articles laid out for each generator.
struct Corpus {
    site_kit: PathBuf,
    hugo: PathBuf,
    average_bytes: usize,
}

impl Corpus {
    fn generate(work: &Path, root: &Path) -> anyhow::Result<Corpus> {
        let site_kit = work.join("site-kit");
        let hugo = work.join("hugo");
        std::fs::create_dir_all(site_kit.join("content"))?;
        std::fs::create_dir_all(hugo.join("content/posts"))?;
        std::fs::copy(root.join("examples/association-exemple/consent.toml"), site_kit.join("consent.toml"))
            .context("examples/association-exemple/consent.toml")?;
        std::fs::write(
            site_kit.join("site.toml"),
            "title = \"Banc d'essai\"\ndescription = \"Corpus généré\"\nbase_url = \"http://127.0.0.1:8080\"\nper_page = 10\n",
        )?;
        write_hugo_site(&hugo)?;
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        let mut total = 0;
        for i in 0..ARTICLES {
            let text = article(i, &mut rng);
            total += text.len();
            let name = format!("article-{i:05}.md");
            std::fs::write(site_kit.join("content").join(&name), &text)?;
            std::fs::write(hugo.join("content/posts").join(&name), &text)?;
        }
        Ok(Corpus { site_kit, hugo, average_bytes: total / ARTICLES })
    }
}

/// A Hugo site with layouts as small as site-kit's theme does: a page, paginated lists, taxonomies.
fn write_hugo_site(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir.join("layouts/_default"))?;
    std::fs::write(
        dir.join("config.toml"),
        "baseURL = \"http://127.0.0.1:8080/\"\ntitle = \"Banc d'essai\"\nlanguageCode = \"fr\"\npaginate = 10\n\
         [permalinks]\nposts = \"/:filename/\"\n[markup.goldmark.renderer]\nunsafe = false\n",
    )?;
    let base = "<!DOCTYPE html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\"><title>{{ .Title }} — {{ .Site.Title }}</title>\
                <meta property=\"og:title\" content=\"{{ .Title }}\"><meta property=\"og:description\" content=\"{{ .Description }}\">\
                <link rel=\"stylesheet\" href=\"/theme.css\"></head><body><a href=\"#contenu\">Aller au contenu</a>\
                <header><a href=\"/\">{{ .Site.Title }}</a></header><main id=\"contenu\">{{ block \"main\" . }}{{ end }}</main>\
                <footer>{{ .Site.Title }}</footer></body></html>\n";
    std::fs::write(dir.join("layouts/_default/baseof.html"), base)?;
    std::fs::write(
        dir.join("layouts/_default/single.html"),
        "{{ define \"main\" }}<article><h1>{{ .Title }}</h1><p><time>{{ .Date.Format \"2006-01-02\" }}</time> \
         {{ range .Params.tags }}<a href=\"/tags/{{ . | urlize }}/\">{{ . }}</a> {{ end }}</p>{{ .Content }}</article>{{ end }}\n",
    )?;
    // Lists show the description, as site-kit's lists do (`.Summary` would make Hugo render every page twice).
    let list = "{{ define \"main\" }}<h1>{{ .Title }}</h1><ul>{{ range .Paginator.Pages }}<li><h2><a href=\"{{ .RelPermalink }}\">\
                {{ .Title }}</a></h2><p>{{ .Description }}</p></li>{{ end }}</ul>{{ with .Paginator.Prev }}<a href=\"{{ .URL }}\">\
                Page précédente</a>{{ end }}{{ with .Paginator.Next }}<a href=\"{{ .URL }}\">Page suivante</a>{{ end }}{{ end }}\n";
    std::fs::write(dir.join("layouts/_default/list.html"), list)?;
    std::fs::write(
        dir.join("layouts/index.html"),
        list.replace(".Paginator.Pages", "(.Paginate .Site.RegularPages).Pages"),
    )?;
    Ok(())
}

/// A small deterministic generator (xorshift64*), so that every run builds the same corpus.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const WORDS: [&str; 48] = [
    "réseau",
    "anciens",
    "promotion",
    "école",
    "carrière",
    "mentorat",
    "entreprise",
    "stage",
    "ingénieur",
    "projet",
    "rencontre",
    "soirée",
    "conseil",
    "parcours",
    "métier",
    "avenir",
    "équipe",
    "recherche",
    "innovation",
    "campus",
    "diplômés",
    "association",
    "formation",
    "industrie",
    "emploi",
    "offre",
    "réussite",
    "échange",
    "témoignage",
    "laboratoire",
    "atelier",
    "conférence",
    "communauté",
    "transmission",
    "expérience",
    "international",
    "direction",
    "création",
    "développement",
    "données",
    "énergie",
    "territoire",
    "ville",
    "région",
    "avec",
    "pour",
    "dans",
    "chaque",
];

const TAGS: [&str; 20] = [
    "réseau",
    "portraits",
    "emploi",
    "événements",
    "mentorat",
    "entrepreneuriat",
    "international",
    "recherche",
    "industrie",
    "numérique",
    "énergie",
    "santé",
    "finance",
    "conseil",
    "enseignement",
    "associations",
    "sport",
    "culture",
    "annuaire",
    "reconversion",
];

fn sentence(rng: &mut Rng, words: usize) -> String {
    let mut s = String::new();
    for i in 0..words {
        let w = WORDS[rng.below(WORDS.len())];
        if i == 0 {
            let mut c = w.chars();
            if let Some(first) = c.next() {
                s.extend(first.to_uppercase());
                s.push_str(c.as_str());
            }
        } else {
            s.push(' ');
            if rng.below(12) == 0 {
                let _ = write!(s, "**{w}**");
            } else if rng.below(15) == 0 {
                let _ = write!(s, "[{w}](/article-{:05}/)", rng.below(ARTICLES));
            } else {
                s.push_str(w);
            }
        }
    }
    s.push_str(if rng.below(8) == 0 { " !" } else { "." });
    s
}

/// One article of ≈ 4 KB: front matter, headings, paragraphs, a list, sometimes a table and a CTA.
fn article(i: usize, rng: &mut Rng) -> String {
    let mut out = String::with_capacity(4600);
    let tags: Vec<String> = (0..2 + rng.below(2)).map(|_| format!("\"{}\"", TAGS[rng.below(TAGS.len())])).collect();
    let _ = write!(
        out,
        "+++\ntitle = \"Article {i} : {}\"\ndate = {}-{:02}-{:02}\ndescription = \"{}\"\ntags = [{}]\ncta = \"join\"\n+++\n\n",
        WORDS[rng.below(WORDS.len())],
        2020 + rng.below(7),
        1 + rng.below(12),
        1 + rng.below(28),
        sentence(rng, 12).replace(['*', '[', ']', '(', ')', '/'], ""),
        tags.join(", ")
    );
    while out.len() < 3900 {
        let _ = writeln!(out, "## {}\n", sentence(rng, 4).trim_end_matches(['.', '!', ' ']));
        for _ in 0..2 {
            let para: Vec<String> = (0..3 + rng.below(3))
                .map(|_| {
                    let words = 8 + rng.below(8);
                    sentence(rng, words)
                })
                .collect();
            let _ = writeln!(out, "{}\n", para.join(" "));
        }
        if rng.below(3) == 0 {
            for _ in 0..3 {
                let _ = writeln!(out, "- {}", sentence(rng, 6));
            }
            out.push('\n');
        }
        if rng.below(5) == 0 {
            out.push_str("| promo | cursus | ville |\n| --- | --- | --- |\n");
            for _ in 0..3 {
                let _ =
                    writeln!(out, "| {} | {} | {} |", 1990 + rng.below(35), WORDS[rng.below(48)], WORDS[rng.below(48)]);
            }
            out.push('\n');
        }
    }
    out
}

/// Wall time and CPU time (user + system) of one run.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
struct Timing {
    wall: Duration,
    cpu: Duration,
}

/// CPU time used by this process's waited-for children so far (`/proc/self/stat` cutime + cstime).
fn children_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may hold spaces) start at field 3; cutime and cstime are 16 and 17.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<u64> = after.split_whitespace().skip(13).take(2).filter_map(|f| f.parse().ok()).collect();
    // Linux reports clock ticks of 1/100 s (USER_HZ) on every common architecture.
    Duration::from_millis(fields.iter().sum::<u64>() * 10)
}

/// Runs `cmd` into an emptied `out` and times it.
fn timed_fresh(out: &Path, cmd: &mut Command) -> anyhow::Result<Timing> {
    let _ = std::fs::remove_dir_all(out);
    let cpu_before = children_cpu();
    let started = Instant::now();
    let result = cmd.stdout(Stdio::null()).stderr(Stdio::piped()).output().context("could not start the generator")?;
    let wall = started.elapsed();
    if !result.status.success() {
        bail!("{cmd:?} failed: {}", String::from_utf8_lossy(&result.stderr));
    }
    Ok(Timing { wall, cpu: children_cpu().saturating_sub(cpu_before) })
}

/// Medians of wall and CPU times over `runs` runs.
fn median_of(runs: usize, mut f: impl FnMut() -> anyhow::Result<Timing>) -> anyhow::Result<Timing> {
    let times = (0..runs).map(|_| f()).collect::<anyhow::Result<Vec<_>>>()?;
    let mut wall: Vec<Duration> = times.iter().map(|t| t.wall).collect();
    let mut cpu: Vec<Duration> = times.iter().map(|t| t.cpu).collect();
    wall.sort();
    cpu.sort();
    Ok(Timing { wall: wall[wall.len() / 2], cpu: cpu[cpu.len() / 2] })
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map_or_else(|_| "?".into(), |l| l.split_whitespace().next().unwrap_or("?").to_owned())
}

fn count_files(dir: &Path, ext: &str) -> usize {
    let mut n = 0;
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for entry in entries.flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == ext) {
                n += 1;
            }
        }
    }
    n
}

/// Stops the server when the measurement ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `site-kit serve` on the corpus, edits one article's body `EDITS` times, and times each edit until the
/// reload event arrives on a subscribed client. Returns the median and serve's own rebuild times.
fn serve_edit(site_kit: &Path, site: &Path, out: &Path) -> anyhow::Result<(Duration, String)> {
    let mut child = Command::new(site_kit)
        .arg("serve")
        .arg(site)
        .args(["--port", "0", "--out"])
        .arg(out)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .context("site-kit serve")?;
    let stdout = child.stdout.take().context("serve's stdout")?;
    let _server = Server(child);
    let mut log = BufReader::new(stdout).lines();
    let port: u16 = loop {
        let line = log.next().context("serve exited before serving")??;
        if let Some(rest) = line.strip_prefix("serving http://127.0.0.1:") {
            break rest.split('/').next().unwrap_or("").parse()?;
        }
    };
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    write!(stream, "GET /__site-kit/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")?;
    let mut events = BufReader::new(stream);
    let mut line = String::new();
    while !line.starts_with(": connected") {
        line.clear();
        ensure!(events.read_line(&mut line)? > 0, "event stream closed");
    }
    let file = site.join("content/article-04242.md");
    let original = std::fs::read_to_string(&file)?;
    let mut times = Vec::new();
    let mut internal = Vec::new();
    for n in 0..EDITS {
        // Change the body after its first paragraph: the page changes, the lists do not.
        let edited = original.replacen("\n## ", &format!("\nUne phrase ajoutée, version {n}.\n\n## "), 2);
        std::thread::sleep(Duration::from_millis(200));
        let started = Instant::now();
        std::fs::write(&file, edited)?;
        loop {
            line.clear();
            ensure!(events.read_line(&mut line)? > 0, "event stream closed");
            if line.trim() == "event: reload" {
                break;
            }
        }
        times.push(started.elapsed());
        if let Some(Ok(l)) = log.next() {
            internal.push(l.split(" in ").nth(1).and_then(|s| s.split(" ms").next()).unwrap_or("?").to_owned());
        }
    }
    times.sort();
    Ok((times[times.len() / 2], format!("{} ms as logged by serve", internal.join(", "))))
}
