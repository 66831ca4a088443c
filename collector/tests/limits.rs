//! Limits an attacker cannot walk around: the per-client rate limit counts an IPv6 /64 as one client (one host
//! or one subscriber holds all of it), IPv4 stays per address, IPv4-mapped IPv6 included.

use crate::util::*;
use reqwest::blocking::Client;

/// `GET /v1/challenge` through a trusted proxy that names `client` in `X-Forwarded-For`.
fn challenge_as(c: &Collector, client: &str) -> u16 {
    let url = c.url(&format!("/v1/challenge?site={SITE}"));
    c.client.get(url).header("x-forwarded-for", client).send().unwrap().status().as_u16()
}

#[test]
fn an_ipv6_client_is_limited_per_64() {
    let c = Collector::start(&["--listen", "[::1]:0", "--trusted-proxy", "::1", "--ip-rate-limit", "2"]);
    assert!(c.base.starts_with("http://[::1]:"), "{}", c.base);
    assert_eq!(challenge_as(&c, "2001:db8:1:2::1"), 200);
    assert_eq!(challenge_as(&c, "2001:db8:1:2::2"), 200);
    assert_eq!(challenge_as(&c, "2001:db8:1:2:ffff:ffff:ffff:ffff"), 429, "another address of the same /64");
    let r = c.client.get(c.url(&format!("/v1/challenge?site={SITE}"))).header("x-forwarded-for", "2001:db8:1:2::9");
    assert_problem(r.send().unwrap(), 429, "rate-limited");
    assert_eq!(challenge_as(&c, "2001:db8:1:3::1"), 200, "the next /64 is another client");
    // IPv4 stays per address, whether the proxy writes it plain or IPv4-mapped.
    assert_eq!(challenge_as(&c, "203.0.113.1"), 200);
    assert_eq!(challenge_as(&c, "::ffff:203.0.113.1"), 200);
    assert_eq!(challenge_as(&c, "203.0.113.1"), 429, "the same IPv4 client, mapped or not");
    assert_eq!(challenge_as(&c, "::ffff:203.0.113.2"), 200, "mapped IPv4 addresses share no /64");
}

#[test]
fn ipv4_peers_of_a_dual_stack_listener_stay_per_address() {
    // On `[::]` the IPv4 peers arrive IPv4-mapped (`::ffff:127.0.0.2`): masked to a /64, they would all be `::`.
    let c = Collector::start(&["--listen", "[::]:0", "--ip-rate-limit", "2"]);
    let port = c.base.rsplit(':').next().unwrap().to_owned();
    let from = |local: &str| {
        let client = Client::builder().local_address(local.parse::<std::net::IpAddr>().ok()).build().unwrap();
        let url = format!("http://127.0.0.1:{port}/v1/challenge?site={SITE}");
        client.get(url).send().unwrap().status().as_u16()
    };
    assert_eq!(from("127.0.0.1"), 200);
    assert_eq!(from("127.0.0.1"), 200);
    assert_eq!(from("127.0.0.1"), 429);
    assert_eq!(from("127.0.0.2"), 200, "another IPv4 peer is another client");
}
