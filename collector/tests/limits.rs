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

/// What a client sees of an answer: status, headers but `date`, body.
#[derive(Debug, PartialEq)]
struct Seen {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

fn seen(response: reqwest::blocking::Response) -> Seen {
    let status = response.status().as_u16();
    let mut headers: Vec<(String, String)> = response
        .headers()
        .iter()
        .filter(|(name, _)| *name != "date")
        .map(|(name, value)| (name.to_string(), value.to_str().unwrap_or("(binary)").to_owned()))
        .collect();
    headers.sort();
    Seen { status, headers, body: response.text().unwrap() }
}

/// Asks for a manage link, as the widget does (JSON) or as the invalid-link page does (form).
fn ask_access(c: &Collector, email: &str, form: bool) -> Seen {
    let request = if form {
        c.client.post(c.url("/access")).form(&[("site", SITE), ("email", email)])
    } else {
        let body = serde_json::json!({"site": SITE, "email": email});
        c.client.post(c.url("/v1/access")).header("origin", ORIGIN).json(&body)
    };
    seen(request.send().unwrap())
}

#[test]
fn access_answers_the_same_before_looking_the_address_up() {
    let mut sink = SmtpSink::new(free_port());
    sink.start();
    let c = Collector::start(&["--smtp", &format!("smtp://127.0.0.1:{}", sink.port)]);
    let known = "ada.lovelace@example.org";
    let device = Device::new(41);
    let created = c.post_envelope("/v1/submissions", &device.seal(&submission(&c, &device, known, "Ada")));
    assert_eq!(created.status().as_u16(), 201);
    assert_eq!(sink.wait_for(1)[0].to, vec![known.to_owned()], "the confirmation email");

    // While another process holds the ledger's write lock, the lookup cannot run: an answer that waited for it
    // (and so took longer for a known address, which also enqueues an email) would not come until it is freed.
    let ledger = c.db();
    ledger.execute_batch("BEGIN IMMEDIATE").unwrap();
    let (answers, locked) = std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::channel();
        for (email, form) in
            [("nobody@example.org", false), (known, false), ("nobody@example.org", true), (known, true)]
        {
            let tx = tx.clone();
            let c = &c;
            scope.spawn(move || tx.send((email, form, ask_access(c, email, form))).unwrap());
        }
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        let mut answers = Vec::new();
        while answers.len() < 4 {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            let Ok(answer) = rx.recv_timeout(left) else { break };
            answers.push(answer);
        }
        let locked = answers.len();
        ledger.execute_batch("ROLLBACK").unwrap();
        answers.extend(rx.iter().take(4 - locked));
        (answers, locked)
    });
    assert_eq!(locked, 4, "{} of 4 answers came only once the ledger was free", 4 - locked);

    let answer = |email: &str, form: bool| &answers.iter().find(|(e, f, _)| *e == email && *f == form).unwrap().2;
    for form in [false, true] {
        assert_eq!(answer(known, form), answer("nobody@example.org", form), "form: {form}");
    }
    assert_eq!(answer(known, false).status, 202);
    assert_eq!(answer(known, false).body, r#"{"status":"accepted"}"#);
    assert_eq!(answer(known, true).status, 200);

    // The known address still gets its links (one per request), the unknown one nothing.
    sink.wait_for(3);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while c.count("SELECT count(*) FROM mail_queue") > 0 {
        assert!(std::time::Instant::now() < deadline, "the mail queue never emptied");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let mails = sink.messages();
    assert_eq!(mails.len(), 3, "{:?}", mails.iter().map(|m| &m.to).collect::<Vec<_>>());
    for mail in &mails[1..] {
        assert_eq!(mail.to, vec![known.to_owned()]);
        assert!(mail.link("/manage/").contains("/manage/"));
    }
}

#[test]
fn metrics_are_served_only_on_their_own_listener() {
    // Off by default: nobody reads the counters from the public address.
    let public_only = Collector::start(&[]);
    assert_eq!(public_only.get("/metrics").status().as_u16(), 404);

    let port = free_port();
    let c = Collector::start(&["--metrics-listen", &format!("127.0.0.1:{port}"), "--metrics-token", "s3cret-token"]);
    assert_eq!(c.get("/metrics").status().as_u16(), 404, "not on the public listener");
    let device = Device::new(42);
    let created = c.post_envelope("/v1/submissions", &device.seal(&submission(&c, &device, "a@example.org", "Ada")));
    assert_eq!(created.status().as_u16(), 201);

    let metrics = format!("http://127.0.0.1:{port}/metrics");
    let scrape = |token: Option<&str>| {
        let request = c.client.get(&metrics);
        let request = match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        };
        request.send().unwrap()
    };
    let refused = scrape(None);
    assert_eq!(refused.status().as_u16(), 401);
    assert_eq!(refused.headers()["www-authenticate"], "Bearer");
    assert_eq!(scrape(Some("s3cret-tokem")).status().as_u16(), 401, "a wrong token");
    let served = scrape(Some("s3cret-token"));
    assert_eq!(served.status().as_u16(), 200);
    assert!(served.headers()["content-type"].to_str().unwrap().starts_with("text/plain; version=0.0.4"));
    let text = served.text().unwrap();
    assert!(text.contains("collector_submissions_accepted_total 1"), "{text}");
    let other = c.client.get(format!("http://127.0.0.1:{port}/healthz")).bearer_auth("s3cret-token").send().unwrap();
    assert_eq!(other.status().as_u16(), 404, "the metrics listener serves nothing else");

    // A token without a metrics listener would protect nothing: refused at start.
    let out = c.command(&["serve", "--config", CONFIG, "--data", "/nonexistent", "--metrics-token", "t"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--metrics-listen"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
