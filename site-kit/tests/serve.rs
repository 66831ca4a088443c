//! `site-kit serve` on loopback: it serves the build with the reload script, and an edited article is rebuilt
//! and announced on the event stream.

use crate::support::*;
use std::io::Lines;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::Duration;

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn get(port: u16, path: &str) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").unwrap();
    let mut body = String::new();
    s.read_to_string(&mut body).unwrap();
    body
}

/// Starts `site-kit serve` on a free port: the server, its stdout lines, the port.
fn serve(site: &std::path::Path, out: &std::path::Path, stderr: Stdio) -> (Server, Lines<BufReader<ChildStdout>>, u16) {
    let child = Command::new(env!("CARGO_BIN_EXE_site-kit"))
        .args(["serve", site.to_str().unwrap(), "--port", "0", "--out", out.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .unwrap();
    let mut server = Server(child);
    let mut lines = BufReader::new(server.0.stdout.take().unwrap()).lines();
    let port: u16 = loop {
        let line = lines.next().expect("serve exited").unwrap();
        if let Some(rest) = line.strip_prefix("serving http://127.0.0.1:") {
            break rest.split('/').next().unwrap().parse().unwrap();
        }
    };
    (server, lines, port)
}

#[test]
fn serve_rebuilds_an_edited_article_and_signals_reload() {
    let article = "+++\ntitle = \"Article\"\ncta = \"join\"\n+++\nVersion un.\n";
    let site = site_with(&[("content/a.md", article), ("content/b.md", "+++\ntitle = \"B\"\n+++\nB.\n")]);
    let out = tempfile::tempdir().unwrap();
    let (_server, mut lines, port) = serve(site.path(), out.path(), Stdio::inherit());
    let page = get(port, "/a/");
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(page.contains("<script src=\"/__site-kit/reload.js\" defer></script>"), "reload script injected");
    assert!(page.contains("Version un."));
    assert!(get(port, "/__site-kit/reload.js").contains("EventSource"));

    let mut events = TcpStream::connect(("127.0.0.1", port)).unwrap();
    events.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    write!(events, "GET /__site-kit/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
    let mut events = BufReader::new(events);
    let mut line = String::new();
    while !line.starts_with(": connected") {
        line.clear();
        events.read_line(&mut line).unwrap();
    }
    std::fs::write(site.path().join("content/a.md"), article.replace("Version un.", "Version deux.")).unwrap();
    loop {
        line.clear();
        assert!(events.read_line(&mut line).unwrap() > 0, "event stream closed");
        if line.trim() == "event: reload" {
            break;
        }
    }
    let log = lines.next().unwrap().unwrap();
    assert!(log.starts_with("rebuilt content/a.md in "), "{log}");
    assert!(get(port, "/a/").contains("Version deux."));
}

#[test]
fn serve_keeps_the_last_good_page_when_an_edit_adds_a_dangerous_url() {
    let article = "+++\ntitle = \"Article\"\ncta = \"join\"\n+++\nVersion un.\n";
    let site = site_with(&[("content/a.md", article)]);
    let out = tempfile::tempdir().unwrap();
    let (mut server, mut lines, port) = serve(site.path(), out.path(), Stdio::piped());
    // Whichever comes first, the refusal on stderr or a rebuild on stdout, without waiting forever for either.
    let (tx, rx) = std::sync::mpsc::channel();
    let stderr = BufReader::new(server.0.stderr.take().unwrap());
    let errors = tx.clone();
    std::thread::spawn(move || stderr.lines().map_while(Result::ok).for_each(|l| drop(errors.send(l))));
    std::thread::spawn(move || lines.by_ref().map_while(Result::ok).for_each(|l| drop(tx.send(l))));
    let edit = article.replace("Version un.", "[Clique](JaVaScRiPt:alert(1))");
    std::fs::write(site.path().join("content/a.md"), edit).unwrap();
    let outcome = rx.recv_timeout(Duration::from_secs(60)).expect("serve said nothing about the edit");
    assert_eq!(outcome, "content/a.md:5:1: error: link to a `javascript:` URL");
    let page = get(port, "/a/");
    assert!(page.contains("Version un.") && !page.to_lowercase().contains("javascript:"), "{page}");
}
