//! The bad-input corpus (DESIGN §12): hostile submissions against the real `collector` binary on loopback.
//!
//! Each one must be refused with its own problem `type` (RFC 9457 `application/problem+json`, the status of that
//! type) and must store nothing: the row counts of every ledger table are the same before and after. A valid
//! submission still succeeds at the end, so the collector survived them all.

mod support;

use consent::canonical::to_canonical_string;
use consent::protocol::{ChallengeClaims, ProblemType, SignedEnvelope, SignedToken, WidgetConfig, b64url_encode};
use consent::signature::CollectorKey;
use serde_json::{Value, json};
use support::{Alumnus, Api, Device, ORIGIN, Server};

/// The corpus's own setup (serialising, signing, reading the examples): a failure there fails the test with what
/// broke, instead of turning a case into `""` that the collector refuses for some other reason.
trait Setup<T> {
    /// The value, or a panic naming `what` at the caller's line.
    fn setup(self, what: &str) -> T;
}

impl<T, E: std::fmt::Display> Setup<T> for Result<T, E> {
    #[track_caller]
    fn setup(self, what: &str) -> T {
        match self {
            Ok(value) => value,
            Err(e) => panic!("test setup failed, {what}: {e}"),
        }
    }
}

impl<T> Setup<T> for Option<T> {
    #[track_caller]
    fn setup(self, what: &str) -> T {
        match self {
            Some(value) => value,
            None => panic!("test setup failed, {what}: nothing there"),
        }
    }
}

/// One hostile request and the refusal it must get.
struct Case {
    name: String,
    body: Vec<u8>,
    origin: Option<&'static str>,
    expect: ProblemType,
}

/// Builds the corpus; valid parts (challenge, notice version, signature) are fresh for each case, so that each
/// case is refused for its own reason only.
struct Corpus<'a> {
    api: &'a Api,
    config: &'a WidgetConfig,
    device: Device,
    n: u64,
    cases: Vec<Case>,
}

fn envelope_bytes(env: &SignedEnvelope) -> Vec<u8> {
    serde_json::to_vec(env).setup("serialising an envelope")
}

impl Corpus<'_> {
    fn challenge(&self) -> String {
        self.api.challenge().unwrap_or_else(|e| panic!("challenge: {e}"))
    }

    /// A valid payload, as JSON, with a fresh challenge.
    fn payload_value(&mut self) -> Value {
        self.n += 1;
        let payload = Alumnus::numbered(self.n).submission(self.config, self.challenge(), &self.device.jwk);
        serde_json::to_value(&payload).setup("serialising the valid payload")
    }

    fn push(&mut self, name: &str, body: Vec<u8>, expect: ProblemType) {
        self.cases.push(Case { name: name.to_owned(), body, origin: Some(ORIGIN), expect });
    }

    fn push_from(&mut self, name: &str, body: Vec<u8>, origin: Option<&'static str>, expect: ProblemType) {
        self.cases.push(Case { name: name.to_owned(), body, origin, expect });
    }

    /// A valid payload changed by `edit`, canonicalised and correctly signed by the key it carries.
    fn signed(&mut self, name: &str, expect: ProblemType, edit: impl FnOnce(&mut Value)) {
        let mut value = self.payload_value();
        edit(&mut value);
        let text = to_canonical_string(&value).unwrap_or_else(|e| panic!("{name}: {e}"));
        let body = envelope_bytes(&self.device.seal_text(text));
        self.push(name, body, expect);
    }

    /// A payload text given as is (canonical or not), correctly signed.
    fn signed_text(&mut self, name: &str, expect: ProblemType, text: String) {
        let body = envelope_bytes(&self.device.seal_text(text));
        self.push(name, body, expect);
    }

    /// A valid, correctly signed envelope whose outer JSON is then edited.
    fn envelope(&mut self, name: &str, expect: ProblemType, edit: impl FnOnce(&mut Value)) {
        let value = self.payload_value();
        let text = to_canonical_string(&value).setup(name);
        let mut env = serde_json::to_value(self.device.seal_text(text)).setup(name);
        edit(&mut env);
        self.push(name, serde_json::to_vec(&env).setup(name), expect);
    }

    /// A valid envelope as bytes (to truncate or wrap).
    fn valid_bytes(&mut self) -> Vec<u8> {
        let value = self.payload_value();
        envelope_bytes(&self.device.seal_text(to_canonical_string(&value).setup("canonical valid payload")))
    }
}

fn build(api: &Api, config: &WidgetConfig) -> Vec<Case> {
    use ProblemType::*;
    let mut c = Corpus { api, config, device: Device::numbered(1), n: 0, cases: Vec::new() };

    // Size.
    let huge_name = "A".repeat(17 * 1024);
    c.signed("huge: a 17 KiB last name", TooLarge, |v| v["subject"]["last_name"] = json!(huge_name));
    // 64 KiB, not more: the collector may answer 413 and close before reading it all, and a body larger than the
    // loopback socket buffers would then fail on the client side instead of reading the answer.
    c.push("huge: 64 KiB of spaces", vec![b' '; 64 * 1024], TooLarge);
    let mut padded = c.valid_bytes();
    padded.extend(vec![b' '; 16 * 1024]);
    c.push("huge: a valid envelope padded past 16 KiB", padded, TooLarge);

    // Truncated and not JSON at all.
    let valid = c.valid_bytes();
    c.push("truncated: empty body", Vec::new(), Malformed);
    c.push("truncated: half an envelope", valid[..valid.len() / 2].to_vec(), Malformed);
    c.push("truncated: last byte missing", valid[..valid.len() - 1].to_vec(), Malformed);
    c.push("not JSON: plain text", b"hello".to_vec(), Malformed);
    c.push("not JSON: a form post", b"payload=x&signature=y".to_vec(), Malformed);
    c.push("wrong type: envelope is an array", b"[]".to_vec(), Malformed);
    c.push("wrong type: envelope is null", b"null".to_vec(), Malformed);
    let mut bom = "\u{feff}".as_bytes().to_vec();
    bom.extend(c.valid_bytes());
    c.push("unicode: byte order mark before the JSON", bom, Malformed);
    let mut latin1 = c.valid_bytes();
    latin1.extend_from_slice(b"\xff\xfe");
    c.push("unicode: invalid UTF-8 after the JSON", latin1, Malformed);

    // Deep nesting, below the size limit: the parser must refuse it without exhausting the stack.
    let depth = 7000;
    c.push(
        "nested: 7000 arrays as the envelope",
        format!("{}{}", "[".repeat(depth), "]".repeat(depth)).into(),
        Malformed,
    );
    let nested = format!("{}1{}", "{\"a\":".repeat(1500), "}".repeat(1500));
    c.envelope("nested: 1500 objects as the payload value", Malformed, |e| e["payload"] = Value::String(nested));
    let nested_text = format!("{{\"subject\":{}\"x\"{},\"v\":1}}", "[".repeat(3000), "]".repeat(3000));
    c.signed_text("nested: 3000 arrays inside the signed payload", Malformed, nested_text);

    // The envelope's own shape.
    c.envelope("wrong type: payload is an object", Malformed, |e| {
        let text = e["payload"].as_str().setup("the envelope's payload").to_owned();
        e["payload"] = serde_json::from_str(&text).setup("the envelope's payload as JSON");
    });
    c.envelope("wrong type: signature is a number", Malformed, |e| e["signature"] = json!(12345));
    c.envelope("shape: signature missing", Malformed, |e| {
        e.as_object_mut().map(|o| o.remove("signature"));
    });
    c.envelope("shape: unknown envelope field", Malformed, |e| e["admin"] = json!(true));
    let valid = String::from_utf8(c.valid_bytes()).setup("a valid envelope as text");
    let dup = valid.replacen("{\"payload\":", "{\"payload\":\"{}\",\"payload\":", 1);
    c.push("duplicate keys: payload twice in the envelope", dup.into_bytes(), Malformed);
    let raw_nul = valid.replacen("\"signature\":\"", "\"signature\":\"\0", 1);
    c.push("unicode: raw NUL inside a JSON string", raw_nul.into_bytes(), Malformed);
    let lone = valid.replacen("{\"payload\":\"", "{\"payload\":\"\\ud800", 1);
    c.push("unicode: lone surrogate escape in the envelope", lone.into_bytes(), Malformed);

    // The honeypot.
    c.envelope("honeypot: filled", Honeypot, |e| e["hp"] = json!("https://spam.example"));

    // The signed payload's shape and version.
    c.signed("version: v = 2", UnsupportedVersion, |v| v["v"] = json!(2));
    c.signed("numbers out of range: v = 2^32 + 1", UnsupportedVersion, |v| v["v"] = json!(4_294_967_297u64));
    c.signed("numbers out of range: v = -1", Malformed, |v| v["v"] = json!(-1));
    c.signed("wrong type: v = \"1\"", Malformed, |v| v["v"] = json!("1"));
    c.signed("wrong type: v = 1.5", Malformed, |v| v["v"] = json!(1.5));
    c.signed("shape: v missing", Malformed, |v| {
        v.as_object_mut().map(|o| o.remove("v"));
    });
    let text =
        to_canonical_string(&c.payload_value()).setup("canonical valid payload").replacen("\"v\":1", "\"v\":1e400", 1);
    c.signed_text("numbers out of range: v = 1e400", Malformed, text);
    c.signed("wrong type: a choice is 1, not true", Malformed, |v| v["choices"]["community"] = json!(1));
    c.signed("wrong type: promo is a number", Malformed, |v| v["subject"]["promo"] = json!(2012));
    c.signed("wrong type: subject is an array", Malformed, |v| v["subject"] = json!(["Curie", "Marie"]));
    c.signed("wrong type: privacy_ack is \"true\"", Malformed, |v| v["privacy_ack"] = json!("true"));
    c.signed("wrong type: locale is \"xx\"", Malformed, |v| v["locale"] = json!("xx"));
    c.signed("shape: unknown payload field", Malformed, |v| v["role"] = json!("admin"));
    c.signed("shape: device_key missing", Malformed, |v| {
        v.as_object_mut().map(|o| o.remove("device_key"));
    });
    let text = to_canonical_string(&c.payload_value()).setup("canonical valid payload");
    c.signed_text("truncated: signed payload cut in half", Malformed, text[..text.len() / 2].to_owned());
    let pretty = serde_json::to_string_pretty(&c.payload_value()).setup("a pretty-printed payload");
    c.signed_text("canonical: pretty-printed payload", Malformed, pretty);
    let text = to_canonical_string(&c.payload_value()).setup("canonical valid payload");
    let reordered = format!("{{\"v\":1,{}", text.trim_start_matches('{').replacen(",\"v\":1}", "}", 1));
    c.signed_text("canonical: keys out of order", Malformed, reordered);
    let text = to_canonical_string(&c.payload_value()).setup("canonical valid payload");
    let doubled = text.replacen("{", "{\"cta\":\"interview\",", 1);
    c.signed_text("duplicate keys: cta twice in the signed payload", Malformed, doubled);
    let text =
        to_canonical_string(&c.payload_value()).setup("canonical valid payload").replacen("Marie", "Mari\\u0065", 1);
    c.signed_text("canonical: needless \\u escape", Malformed, text);
    let text =
        to_canonical_string(&c.payload_value()).setup("canonical valid payload").replacen("Marie", "Marie\\ud800", 1);
    c.signed_text("unicode: lone surrogate escape in the payload", Malformed, text);

    // Site, CTA, origin.
    c.signed("unknown site", UnknownSite, |v| v["site"] = json!("ecole-exemple"));
    c.signed("script injection: site", UnknownSite, |v| v["site"] = json!("<script>alert(1)</script>"));
    c.signed("unknown CTA", UnknownCta, |v| v["cta"] = json!("admin"));
    c.signed("homoglyph: CTA with a Cyrillic о", UnknownCta, |v| v["cta"] = json!("j\u{43e}in"));
    let body = c.valid_bytes();
    c.push_from("wrong origin", body, Some("http://evil.example"), OriginNotAllowed);
    let body = c.valid_bytes();
    c.push_from(
        "wrong origin: allowed origin as a prefix",
        body,
        Some("http://127.0.0.1:8080.evil.example"),
        OriginNotAllowed,
    );
    let body = c.valid_bytes();
    c.push_from("wrong origin: null", body, Some("null"), OriginNotAllowed);
    let body = c.valid_bytes();
    c.push_from("wrong origin: none", body, None, OriginNotAllowed);

    // The challenge.
    c.signed("challenge: garbage", ChallengeInvalid, |v| v["challenge"] = json!("garbage"));
    c.signed("challenge: empty", ChallengeInvalid, |v| v["challenge"] = json!(""));
    c.signed("challenge: 3 KiB", ChallengeInvalid, |v| v["challenge"] = json!("a.".repeat(1500)));
    let token = SignedToken::parse(&c.challenge()).setup("parsing a fresh challenge");
    let mut claims: Value = serde_json::from_slice(&token.claims_json).setup("the challenge's claims");
    claims["exp"] = json!(claims["exp"].as_i64().setup("the challenge's `exp`") + 86_400 * 365);
    let forged_claims =
        SignedToken::encode(to_canonical_string(&claims).setup("the extended claims").as_bytes(), &token.signature);
    c.signed("forged: challenge claims extended by a year", ChallengeInvalid, |v| {
        v["challenge"] = json!(forged_claims)
    });
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).setup("the clock").as_secs() as i64;
    let rogue = CollectorKey::from_seed([0x42; 32])
        .sign_token(&ChallengeClaims {
            site: support::SITE.into(),
            notice_version: config.notice_version.clone(),
            nonce: b64url_encode(&[7u8; 16]),
            iat: now,
            exp: now + 600,
        })
        .setup("signing a challenge with a rogue collector key");
    c.signed("forged: challenge signed by another collector key", ChallengeInvalid, |v| v["challenge"] = json!(rogue));

    // The notice version.
    c.signed("stale notice: unknown version", StaleNotice, |v| v["notice_version"] = json!("0".repeat(64)));
    let ecole = consent::Config::from_toml_str(include_str!("../../examples/ecole-exemple/consent.toml"), "x")
        .map(|cfg| consent::Notice::render(&cfg).version().to_string())
        .setup("the notice version of examples/ecole-exemple");
    assert_ne!(ecole, config.notice_version, "test setup: the other site's notice must differ from this one's");
    c.signed("stale notice: another site's notice", StaleNotice, |v| v["notice_version"] = json!(ecole));

    // Signatures.
    c.envelope("forged: signature not base64url", BadSignature, |e| e["signature"] = json!("!!!!"));
    c.envelope("forged: signature of 63 bytes", BadSignature, |e| e["signature"] = json!(b64url_encode(&[1u8; 63])));
    c.envelope("forged: signature all zeros", BadSignature, |e| e["signature"] = json!(b64url_encode(&[0u8; 64])));
    c.envelope("forged: signature with base64 padding", BadSignature, |e| {
        let s = format!("{}==", e["signature"].as_str().setup("the envelope's signature"));
        e["signature"] = json!(s);
    });
    c.envelope("forged: one payload character changed after signing", BadSignature, |e| {
        let text = e["payload"].as_str().setup("the envelope's payload").replacen("Marie", "Maria", 1);
        e["payload"] = json!(text);
    });
    let other = Device::numbered(2);
    let mut value = c.payload_value();
    let text = to_canonical_string(&value).setup("canonical valid payload");
    c.push(
        "forged: signed by another key than the one carried",
        envelope_bytes(&SignedEnvelope { signature: other.sign(&text), payload: text, hp: None }),
        BadSignature,
    );
    value["device_key"]["x"] = json!(b64url_encode(&[3u8; 32]));
    c.signed_text(
        "forged: device key not on the curve",
        BadSignature,
        to_canonical_string(&value).setup("canonical payload"),
    );
    c.signed("forged: device key on P-384", BadSignature, |v| v["device_key"]["crv"] = json!("P-384"));

    // Fields.
    c.signed("script injection: email", InvalidField, |v| v["subject"]["email"] = json!("<script>@example.org"));
    c.signed("script injection: a field named <script>", InvalidField, |v| v["subject"]["<script>"] = json!("x"));
    c.signed("unicode: NUL in the first name", InvalidField, |v| v["subject"]["first_name"] = json!("Ma\u{0}rie"));
    c.signed("unicode: escape character in the last name", InvalidField, |v| {
        v["subject"]["last_name"] = json!("\u{1b}[31mCurie")
    });
    c.signed("homoglyph: an email key with a Cyrillic е", InvalidField, |v| {
        v["subject"]["\u{435}mail"] = json!("x@example.org")
    });
    c.signed("missing required field: email", InvalidField, |v| {
        v["subject"].as_object_mut().map(|o| o.remove("email"));
    });
    c.signed("too long: 121-character first name", InvalidField, |v| {
        v["subject"]["first_name"] = json!("é".repeat(121))
    });
    c.signed("numbers out of range: promo 1800", InvalidField, |v| v["subject"]["promo"] = json!("1800"));
    c.signed("numbers out of range: promo 99999", InvalidField, |v| v["subject"]["promo"] = json!("99999"));
    c.signed("numbers out of range: promo -2012", InvalidField, |v| v["subject"]["promo"] = json!("-2012"));
    c.signed("unicode: promo in full-width digits", InvalidField, |v| v["subject"]["promo"] = json!("２０１２"));
    c.signed("invalid email: two @", InvalidField, |v| v["subject"]["email"] = json!("a@b@example.org"));
    c.signed("unicode: right-to-left override in a name", InvalidField, |v| {
        v["subject"]["last_name"] = json!("Curie\u{202e}eiruC")
    });
    c.signed("unicode: zero-width space inside the email", InvalidField, |v| {
        v["subject"]["email"] = json!("marie\u{200b}@example.org")
    });
    c.signed("unicode: byte-order mark before a name", InvalidField, |v| {
        v["subject"]["first_name"] = json!("\u{feff}Marie")
    });
    c.signed("script injection: javascript: page_url", Malformed, |v| v["page_url"] = json!("javascript:alert(1)"));
    c.signed("huge: a 10 KB page_url", Malformed, |v| {
        v["page_url"] = json!(format!("https://x.fr/{}", "a".repeat(10_000)))
    });
    c.signed("wrong form: submitted_at of 5,000 characters", Malformed, |v| {
        v["submitted_at"] = json!("2".repeat(5000))
    });

    // Choices.
    c.signed("unknown purpose", UnknownPurpose, |v| v["choices"]["marketing"] = json!(true));
    c.signed("homoglyph: purpose with a Cyrillic о", UnknownPurpose, |v| {
        v["choices"]["c\u{43e}mmunity"] = json!(true)
    });
    c.signed("missing choice: events left out", MissingChoice, |v| {
        v["choices"].as_object_mut().map(|o| o.remove("events"));
    });
    c.signed("nothing consented", NothingConsented, |v| {
        v["choices"] = json!({"community": false, "jobs": false, "events": false})
    });
    c.signed("privacy policy not acknowledged", PrivacyNotAcknowledged, |v| v["privacy_ack"] = json!(false));

    c.cases
}

/// Sends one case; `None` when it got what it must, else what went wrong.
fn run(api: &Api, server: &Server, case: &Case) -> Option<String> {
    let before = server.ledger().counts();
    let answer = match api.post(case.body.clone(), case.origin) {
        Ok(a) => a,
        Err(e) => return Some(format!("{}: no answer ({e})", case.name)),
    };
    let after = server.ledger().counts();
    let mut wrong = Vec::new();
    if answer.problem_type() != Some(case.expect.uri().as_str()) || answer.status != case.expect.status() {
        wrong.push(format!(
            "got {} {} instead of {} {}",
            answer.status,
            answer.problem_type().unwrap_or("(no problem type)"),
            case.expect.status(),
            case.expect.slug()
        ));
    }
    if answer.status >= 400 && !answer.content_type.starts_with("application/problem+json") {
        wrong.push(format!("Content-Type {:?}", answer.content_type));
    }
    if before != after {
        wrong.push(format!("stored something: {before:?} → {after:?}"));
    }
    (!wrong.is_empty()).then(|| format!("{}: {}", case.name, wrong.join("; ")))
}

#[test]
fn hostile_submissions_are_refused_specifically_and_store_nothing() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let server = Server::start(dir.path());
    let api = Api::new(&server.url);
    let config = api.widget_config();
    let cases = build(&api, &config);
    assert!(cases.len() >= 50, "the corpus holds {} cases", cases.len());
    let failures: Vec<String> = cases.iter().filter_map(|case| run(&api, &server, case)).collect();
    assert!(
        failures.is_empty(),
        "{} of {} hostile submissions were mishandled:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    eprintln!("{} hostile submissions refused, each with its own problem type, nothing stored", cases.len());

    // The collector survived and still accepts a valid submission, which stores rows.
    let device = Device::numbered(9);
    let before = server.ledger().counts();
    let challenge = api.challenge().unwrap_or_else(|e| panic!("{e}"));
    let answer = api
        .submit(&device.seal(&Alumnus::numbered(9_999).submission(&config, challenge, &device.jwk)))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(answer.status, 201, "{:?}", answer.json);
    let after = server.ledger().counts();
    assert_eq!(after["events"], before["events"] + 1);
    assert_eq!(after["records"], before["records"] + 1);
}

/// A replayed submission (the same signed envelope twice, then again after a restart, when only the ledger
/// remembers the nonce) is refused as reused and stores nothing.
#[test]
fn replayed_submissions_are_refused_even_after_a_restart() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut server = Server::start(dir.path());
    let api = Api::new(&server.url);
    let config = api.widget_config();
    let device = Device::numbered(3);
    let challenge = api.challenge().unwrap_or_else(|e| panic!("{e}"));
    let envelope = device.seal(&Alumnus::numbered(1).submission(&config, challenge, &device.jwk));
    let first = api.submit(&envelope).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(first.status, 201, "{:?}", first.json);

    let case = Case {
        name: "replayed: same envelope".into(),
        body: serde_json::to_vec(&envelope).setup("serialising the accepted envelope"),
        origin: Some(ORIGIN),
        expect: ProblemType::ChallengeReused,
    };
    assert_eq!(run(&api, &server, &case), None);

    // Same challenge, new content, new key: still the one nonce.
    let other = Device::numbered(4);
    let mut payload = Alumnus::numbered(2).submission(&config, envelope_payload_challenge(&envelope), &other.jwk);
    payload.subject.insert("email".into(), "someone.else@example.org".into());
    let case = Case {
        name: "replayed: the challenge with another payload".into(),
        body: serde_json::to_vec(&other.seal(&payload)).setup("serialising the second envelope"),
        origin: Some(ORIGIN),
        expect: ProblemType::ChallengeReused,
    };
    assert_eq!(run(&api, &server, &case), None);

    server.restart();
    let case = Case {
        name: "replayed: same envelope after a restart".into(),
        body: serde_json::to_vec(&envelope).setup("serialising the accepted envelope"),
        origin: Some(ORIGIN),
        expect: ProblemType::ChallengeReused,
    };
    assert_eq!(run(&api, &server, &case), None);
}

fn envelope_payload_challenge(envelope: &SignedEnvelope) -> String {
    let value: Value = serde_json::from_str(&envelope.payload).setup("the accepted payload as JSON");
    value["challenge"].as_str().setup("the accepted payload's challenge").to_owned()
}
