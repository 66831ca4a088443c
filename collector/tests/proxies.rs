//! The per-IP rate limit behind a reverse proxy: `X-Forwarded-For` names the client only when the socket peer
//! is a trusted proxy (`--trusted-proxy`), and then only its right-most untrusted entry counts.

use crate::util::*;

fn challenge_from(c: &Collector, forwarded_for: &str) -> u16 {
    let url = c.url(&format!("/v1/challenge?site={SITE}"));
    c.client.get(url).header("x-forwarded-for", forwarded_for).send().unwrap().status().as_u16()
}

#[test]
fn a_trusted_proxy_names_the_client_and_nobody_else_can() {
    // The tests reach the collector from 127.0.0.1: trusted here.
    let c = Collector::start(&["--ip-rate-limit", "3", "--trusted-proxy", "127.0.0.0/8"]);
    for _ in 0..3 {
        assert_eq!(challenge_from(&c, "203.0.113.1"), 200);
    }
    assert_eq!(challenge_from(&c, "203.0.113.1"), 429, "the fourth from one client");
    assert_eq!(challenge_from(&c, "203.0.113.2"), 200, "another client behind the same proxy");
    // Entries a client writes to the left prove nothing: the right-most one (the proxy's) counts.
    assert_eq!(challenge_from(&c, "198.51.100.7, 203.0.113.1"), 429);
    // A chain of trusted proxies is skipped from the right.
    assert_eq!(challenge_from(&c, "203.0.113.1, 127.0.0.9"), 429);
    let r = c.client.get(c.url(&format!("/v1/challenge?site={SITE}"))).header("x-forwarded-for", "203.0.113.1");
    let r = r.send().unwrap();
    assert!(r.headers().get("retry-after").is_some());
    assert_problem(r, 429, "rate-limited");

    // Without --trusted-proxy the header is ignored: changing it does not escape the limit.
    let open = Collector::start(&["--ip-rate-limit", "3"]);
    for i in 0..3 {
        assert_eq!(challenge_from(&open, &format!("203.0.113.{i}")), 200);
    }
    assert_eq!(challenge_from(&open, "203.0.113.99"), 429);
    // And a bad network is refused at start.
    let out = open.command(&["serve", "--config", CONFIG, "--data", "/nonexistent", "--trusted-proxy", "10.0.0.0/33"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("CIDR"), "{}", String::from_utf8_lossy(&out.stderr));
}
