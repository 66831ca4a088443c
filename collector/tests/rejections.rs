//! Every cause of refusal answers its own problem type and stores nothing; the collector keeps working after.

use crate::util::*;
use consent::protocol::{ChallengeClaims, SignedEnvelope, SubmissionPayload};
use consent::signature::CollectorKey;

/// Posts a mutated submission and checks the problem type and that nothing was stored.
fn refused(c: &Collector, status: u16, slug: &str, mutate: impl FnOnce(&mut SubmissionPayload, &Device)) {
    let device = Device::new(7);
    let mut payload = submission(c, &device, "marie.curie@example.org", "Marie");
    mutate(&mut payload, &device);
    let before = c.footprint();
    assert_problem(c.post_envelope("/v1/submissions", &device.seal(&payload)), status, slug);
    assert_eq!(c.footprint(), before, "{slug}: nothing stored");
}

#[test]
fn each_bad_submission_gets_its_own_problem_and_stores_nothing() {
    let metrics_port = free_port();
    let c = Collector::start(&["--metrics-listen", &format!("127.0.0.1:{metrics_port}")]);
    refused(&c, 404, "unknown-site", |p, _| p.site = "autre-site".into());
    refused(&c, 422, "unknown-cta", |p, _| p.cta = "nope".into());
    refused(&c, 422, "missing-choice", |p, _| {
        p.choices.remove("events");
    });
    refused(&c, 422, "unknown-purpose", |p, _| {
        p.choices.insert("spam".into(), true);
    });
    refused(&c, 422, "nothing-consented", |p, _| p.choices.values_mut().for_each(|v| *v = false));
    refused(&c, 422, "privacy-not-acknowledged", |p, _| p.privacy_ack = false);
    refused(&c, 409, "stale-notice", |p, _| p.notice_version = "ab".repeat(32));
    refused(&c, 400, "unsupported-version", |p, _| p.v = 2);
    let body = {
        let before = c.footprint();
        let device = Device::new(7);
        let mut p = submission(&c, &device, "not-an-email", "Marie");
        p.subject.insert("promo".into(), "15".into());
        let body = assert_problem(c.post_envelope("/v1/submissions", &device.seal(&p)), 422, "invalid-field");
        assert_eq!(c.footprint(), before);
        body
    };
    let fields: Vec<&str> = body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert!(fields.contains(&"email") && fields.contains(&"promo"), "{body}");

    // Challenges: forged (another key), expired (the collector's own key, past `exp`), for another site.
    let forged_key = CollectorKey::from_seed([9; 32]);
    let claims = |exp_delta: i64, site: &str| {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
        ChallengeClaims {
            site: site.into(),
            notice_version: c.widget_config().notice_version,
            nonce: "AAAAAAAAAAAAAAAAAAAAAA".into(),
            iat: now - 3600,
            exp: now + exp_delta,
        }
    };
    refused(&c, 401, "challenge-invalid", |p, _| p.challenge = forged_key.sign_token(&claims(600, SITE)).unwrap());
    refused(&c, 401, "challenge-expired", |p, _| p.challenge = c.token(&claims(-60, SITE)));
    refused(&c, 401, "challenge-invalid", |p, _| p.challenge = c.token(&claims(600, "autre")));
    refused(&c, 401, "challenge-invalid", |p, _| p.challenge = "not.a-token".into());

    // The device signature: made by another key than the one in the payload.
    let before = c.footprint();
    let device = Device::new(7);
    let payload = submission(&c, &device, "marie.curie@example.org", "Marie");
    let mut envelope = device.seal(&payload);
    envelope.signature = Device::new(8).sign(&envelope.payload);
    assert_problem(c.post_envelope("/v1/submissions", &envelope), 401, "bad-signature");
    // Not canonical (a space), then the honeypot filled.
    let mut spaced = device.seal(&payload);
    spaced.payload = spaced.payload.replacen(':', ": ", 1);
    spaced.signature = device.sign(&spaced.payload);
    assert_problem(c.post_envelope("/v1/submissions", &spaced), 400, "malformed");
    let mut bot = device.seal(&payload);
    bot.hp = Some("https://spam.example".into());
    assert_problem(c.post_envelope("/v1/submissions", &bot), 400, "honeypot");
    // Origins: another site's page, then none at all.
    let good = serde_json::to_vec(&device.seal(&payload)).unwrap();
    assert_problem(
        c.post_raw("/v1/submissions", good.clone(), Some("https://evil.example")),
        403,
        "origin-not-allowed",
    );
    assert_problem(c.post_raw("/v1/submissions", good.clone(), None), 403, "origin-not-allowed");
    // Transport: not JSON, not an envelope, over 16 KiB.
    assert_problem(c.post_raw("/v1/submissions", "{", Some(ORIGIN)), 400, "malformed");
    assert_problem(c.post_raw("/v1/submissions", r#"{"payload":1}"#, Some(ORIGIN)), 400, "malformed");
    let mut big = device.seal(&payload);
    big.hp = Some("x".repeat(17 * 1024));
    assert_problem(c.post_envelope("/v1/submissions", &big), 413, "too-large");
    assert_eq!(c.footprint(), before, "nothing stored");
    assert_eq!(c.events(), 0);

    // And the untouched submission still goes through.
    assert_eq!(c.post_raw("/v1/submissions", good, Some(ORIGIN)).status().as_u16(), 201);
    assert_eq!(c.event_kinds(), ["submitted"]);
    let metrics = c.client.get(format!("http://127.0.0.1:{metrics_port}/metrics")).send().unwrap().text().unwrap();
    assert!(metrics.contains("collector_rejections_total{type=\"bad-signature\"} 1"), "{metrics}");
    assert!(metrics.contains("collector_submissions_accepted_total 1"));
}

#[test]
fn a_replayed_submission_is_refused_even_after_a_restart() {
    let mut c = Collector::start(&[]);
    let device = Device::new(7);
    let envelope: SignedEnvelope = device.seal(&submission(&c, &device, "marie.curie@example.org", "Marie"));
    assert_eq!(c.post_envelope("/v1/submissions", &envelope).status().as_u16(), 201);
    let before = c.footprint();
    assert_problem(c.post_envelope("/v1/submissions", &envelope), 409, "challenge-reused");
    c.restart();
    assert_problem(c.post_envelope("/v1/submissions", &envelope), 409, "challenge-reused");
    assert_eq!(c.footprint(), before);
    assert_eq!(c.event_kinds(), ["submitted"]);
}

#[test]
fn rate_limits_per_ip_and_per_email() {
    let c = Collector::start(&["--email-rate-limit", "2"]);
    let device = Device::new(7);
    for _ in 0..2 {
        let p = submission(&c, &device, "marie.curie@example.org", "Marie");
        assert_eq!(c.post_envelope("/v1/submissions", &device.seal(&p)).status().as_u16(), 201);
    }
    let p = submission(&c, &device, "MARIE.CURIE@example.org", "Marie");
    let response = c.post_envelope("/v1/submissions", &device.seal(&p));
    assert_eq!(response.headers()["retry-after"], "60");
    assert_problem(response, 429, "rate-limited");
    let p = submission(&c, &device, "pierre.curie@example.org", "Pierre");
    assert_eq!(c.post_envelope("/v1/submissions", &device.seal(&p)).status().as_u16(), 201);
    assert_eq!(c.events(), 3);

    // Per IP: 8 requests a minute, challenges included.
    let c = Collector::start(&["--ip-rate-limit", "8"]);
    let p = submission(&c, &device, "marie.curie@example.org", "Marie"); // 1 counted request: the challenge
    for _ in 0..7 {
        c.post_raw("/v1/submissions", "{", Some(ORIGIN));
    }
    assert_problem(c.post_envelope("/v1/submissions", &device.seal(&p)), 429, "rate-limited");
    assert_eq!(c.events(), 0);
}

#[test]
fn a_burst_of_garbage_then_a_valid_submission_succeeds() {
    let c = Collector::start(&[]);
    let device = Device::new(7);
    let payload = submission(&c, &device, "marie.curie@example.org", "Marie");
    let garbage: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"null".to_vec(),
        b"[]".to_vec(),
        vec![0xff, 0xfe, 0x00, 0x01],
        br#"{"payload":"{}","signature":""}"#.to_vec(),
        br#"{"payload":"{\"v\":1}","signature":"AA"}"#.to_vec(),
        "é".repeat(20_000).into_bytes(),
        b"{\"payload\":".repeat(500),
    ];
    for _ in 0..6 {
        for body in &garbage {
            let status = c.post_raw("/v1/submissions", body.clone(), Some(ORIGIN)).status().as_u16();
            assert!((400..500).contains(&status), "{status}");
        }
    }
    assert_eq!(c.get("/healthz").status().as_u16(), 200);
    assert_eq!(c.post_envelope("/v1/submissions", &device.seal(&payload)).status().as_u16(), 201);
    assert_eq!(c.event_kinds(), ["submitted"]);
}

#[test]
fn cors_answers_only_allowed_origins() {
    let c = Collector::start(&[]);
    let preflight = |origin: &str| {
        c.client
            .request(reqwest::Method::OPTIONS, c.url("/v1/submissions"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .send()
            .unwrap()
    };
    let ok = preflight(ORIGIN);
    assert_eq!(ok.headers()["access-control-allow-origin"], ORIGIN);
    assert!(preflight("https://evil.example").headers().get("access-control-allow-origin").is_none());
}
