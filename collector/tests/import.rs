//! `collector import`: a school's graduates list becomes subjects held under soft opt-in (never a consent),
//! consents from before are kept apart, and every bad file is refused at its line with nothing half-imported.

use crate::util::{Collector, write};
use std::path::{Path, PathBuf};

const SCHOOL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/ecole-exemple/consent.toml");
const SOURCE: &str = "Scolarité, export du 2026-09-01";

fn school() -> Collector {
    Collector::start_with_config(Path::new(SCHOOL), &[])
}

/// Runs `collector import FILE --data … ARGS`: (success, stdout, stderr).
fn import(c: &Collector, file: &Path, args: &[&str]) -> (bool, String, String) {
    let data = c.data();
    let mut all = vec!["import", file.to_str().unwrap(), "--data", data.to_str().unwrap(), "--source", SOURCE];
    all.extend_from_slice(args);
    let out = c.command(&all);
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn csv_file(c: &Collector, name: &str, bytes: &[u8]) -> PathBuf {
    let path = c.dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Everything an import could have stored.
fn footprint(c: &Collector) -> (i64, i64, i64, i64) {
    (
        c.events(),
        c.count("SELECT count(*) FROM subjects"),
        c.count("SELECT count(*) FROM records"),
        c.count("SELECT count(*) FROM record_data"),
    )
}

const HEADER: &str = "Nom;Prénom;Courriel;Promotion;Formation\r\n";
const GOOD: &str = "Dupont;Jean;jean.dupont@exemple.fr;2015;Ingénieur\r\nMartin;Léa;lea.martin@exemple.fr;2016;\r\n";

/// A file of good rows with one bad row at line 4, refused by both runs with `expected` at `file:4:`, and
/// nothing stored.
fn refused_at_line_4(bad_row: &str, expected: &str) {
    let c = school();
    let file = csv_file(&c, "diplomes.csv", format!("{HEADER}{GOOD}{bad_row}\r\n").as_bytes());
    let before = footprint(&c);
    for args in [&["--dry-run"][..], &[]] {
        let (ok, out, _) = import(&c, &file, args);
        assert!(!ok, "{args:?} accepted: {out}");
        let located = format!("{}:4: ", file.display());
        assert!(out.lines().any(|l| l.starts_with(&located) && l.contains(expected)), "{args:?}: {out}");
        assert!(out.contains("rien n'a été importé"), "{out}");
        assert_eq!(footprint(&c), before, "{args:?} stored something");
    }
}

#[test]
fn a_school_list_is_imported_under_soft_opt_in_and_verify_passes() {
    let c = school();
    let text = format!(
        "\u{feff}{HEADER}{GOOD}\"Lefèvre\";\"Zoé\";ZOE.Lefevre@Exemple.fr;2018;\"Ingénieur; apprentissage\"\r\n;;;;\r\n"
    );
    let file = csv_file(&c, "diplomes.csv", text.as_bytes());
    let (ok, out, err) = import(&c, &file, &["--dry-run"]);
    assert!(ok, "{out}{err}");
    assert!(out.contains("personnes seraient créées / would be created : 3"), "{out}");
    assert!(out.contains("erreurs / errors : 0"), "{out}");
    assert_eq!(footprint(&c), (0, 0, 0, 0), "the dry run stored something");

    let (ok, out, err) = import(&c, &file, &[]);
    assert!(ok, "{out}{err}");
    assert!(out.contains("personnes créées / created : 3"), "{out}");
    assert_eq!(c.event_kinds(), ["imported", "imported", "imported"]);
    assert_eq!(c.count("SELECT count(*) FROM consents"), 0, "an import is never a consent");
    assert_eq!(c.count("SELECT count(*) FROM records WHERE status = 'imported' AND cta = 'import'"), 3);
    let db = c.db();
    let body: String = db.query_row("SELECT body FROM events WHERE seq = 3", [], |r| r.get(0)).unwrap();
    let event: serde_json::Value = serde_json::from_str(&body).unwrap();
    let sha = collector::ledger::sha256_hex(text.as_bytes());
    assert_eq!(event["detail"]["source"], SOURCE);
    assert_eq!(event["detail"]["file_sha256"], sha.as_str());
    assert_eq!(event["detail"]["line"], 4);
    assert_eq!(event["detail"]["purposes"], serde_json::json!(["network"]));
    assert!(!body.contains("exemple.fr") && !body.contains("Lefèvre"), "personal data in the chain: {body}");
    let data: String = db
        .query_row("SELECT data FROM record_data WHERE record_id = ?1", [event["record_id"].as_str().unwrap()], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(collector::ledger::sha256_hex(data.as_bytes()), event["data_sha256"].as_str().unwrap());
    assert!(
        data.contains(r#""email":"zoe.lefevre@exemple.fr""#) && data.contains("Ingénieur; apprentissage"),
        "{data}"
    );
    let (verified, report) = c.verify();
    assert!(verified && report.contains("personal data of 3 records"), "{report}");

    // Next year's list: only the new graduate is added, the others are left as they are.
    let next = csv_file(
        &c,
        "diplomes-2027.csv",
        format!("{HEADER}{GOOD}Nguyen;Thomas;thomas@exemple.fr;2027;\r\n").as_bytes(),
    );
    let (ok, out, _) = import(&c, &next, &[]);
    assert!(ok && out.contains("already known, left as they are : 2 (lignes / lines 2, 3)"), "{out}");
    assert_eq!(c.count("SELECT count(*) FROM subjects"), 4);
    assert!(c.verify().0);
}

#[test]
fn a_windows_1252_list_with_commas_is_read() {
    let c = school();
    let mut bytes = b"NOM,Pr\xe9nom,Adresse e-mail,Ann\xe9e de dipl\xf4me,T\xe9l\xe9phone\r\n".to_vec();
    bytes.extend_from_slice(b"Lef\xe8vre,Zo\xe9,zoe@exemple.fr,2018,+33 6 00 00 00 00\r\n");
    let file = csv_file(&c, "export-excel.csv", &bytes);
    let (ok, out, err) = import(&c, &file, &[]);
    assert!(ok, "{out}{err}");
    assert!(out.contains("Windows-1252, séparateur « , »"), "{out}");
    assert!(out.contains("colonnes non importées / columns not imported : Téléphone"), "{out}");
    let data: String = c.db().query_row("SELECT data FROM record_data", [], |r| r.get(0)).unwrap();
    assert!(data.contains(r#""first_name":"Zoé","last_name":"Lefèvre","promo":"2018""#), "{data}");
    assert!(!data.contains("+33"), "a column the site does not collect was kept: {data}");
}

#[test]
fn mixed_encodings_are_refused_at_the_first_line_that_is_not_utf8() {
    let c = school();
    let mut bytes = HEADER.as_bytes().to_vec();
    bytes.extend_from_slice(b"Dupont;Jean;jean@exemple.fr;2015;\r\nLef\xe8vre;Zo\xe9;zoe@exemple.fr;2018;\r\n");
    let file = csv_file(&c, "colle.csv", &bytes);
    for args in [&["--dry-run"][..], &[]] {
        let (ok, out, err) = import(&c, &file, args);
        assert!(!ok, "{out}");
        assert!(err.starts_with(&format!("{}:3: encodage mélangé : la ligne 1 est en UTF-8", file.display())), "{err}");
        assert!(err.contains("nothing was imported"), "{err}");
    }
    assert_eq!(footprint(&c), (0, 0, 0, 0));
}

#[test]
fn a_formula_looking_cell_is_refused_at_its_line() {
    refused_at_line_4(
        "\"=HYPERLINK(\"\"http://evil.example\"\";\"\"Dupont\"\")\";Jo;jo@exemple.fr;2010;",
        "colonne « Nom » : « =HYPERLINK(",
    );
}

#[test]
fn an_email_with_a_space_is_refused_at_its_line() {
    refused_at_line_4(
        "Dupont;Jo;jo dupont@exemple.fr;2010;",
        "« jo dupont@exemple.fr » n'est pas une adresse électronique",
    );
}

#[test]
fn an_email_with_two_ats_is_refused_at_its_line() {
    refused_at_line_4(
        "Dupont;Jo;jo@dupont@exemple.fr;2010;",
        "« jo@dupont@exemple.fr » n'est pas une adresse électronique",
    );
}

#[test]
fn a_year_1850_is_refused_at_its_line() {
    refused_at_line_4("Dupont;Jo;jo@exemple.fr;1850;", "(promo) : « 1850 » n'est pas une année de promotion plausible");
}

#[test]
fn a_year_2300_is_refused_at_its_line() {
    refused_at_line_4("Dupont;Jo;jo@exemple.fr;2300;", "(promo) : « 2300 » n'est pas une année de promotion plausible");
}

#[test]
fn addresses_differing_only_by_case_are_a_duplicate() {
    refused_at_line_4("Dupont;Jean;Jean.DUPONT@Exemple.FR;2015;", "« jean.dupont@exemple.fr » figure déjà ligne 2");
}

#[test]
fn the_association_regime_refuses_an_import_without_legacy_consent() {
    // The test site is the autonomous association example.
    let c = Collector::start(&[]);
    let file = csv_file(&c, "anciens.csv", format!("{HEADER}{GOOD}").as_bytes());
    for args in [&["--dry-run"][..], &[]] {
        let (ok, out, err) = import(&c, &file, args);
        assert!(!ok, "{out}");
        let fr = consent::Regime::Association.explain_fr();
        let en = consent::Regime::Association.explain_en();
        let french = err.find(fr).unwrap_or_else(|| panic!("no French explanation: {err}"));
        let english = err.find(en).unwrap_or_else(|| panic!("no English explanation: {err}"));
        assert!(french < english, "French first: {err}");
        assert!(err.starts_with(&format!("{}: le régime du site (« association »)", file.display())), "{err}");
    }
    assert_eq!(footprint(&c), (0, 0, 0, 0));
}

#[test]
fn consents_from_before_are_recorded_apart_with_their_evidence() {
    let c = Collector::start(&[]);
    let file = csv_file(&c, "gala-2016.csv", format!("{HEADER}{GOOD}").as_bytes());
    let evidence = "Formulaire papier, gala 2016";
    // A purpose that does not exist, and no evidence: refused before reading the file.
    let (ok, _, err) = import(&c, &file, &["--legacy-consent", "newsletter", "--evidence", evidence]);
    assert!(!ok && err.contains("le site n'a pas de finalité « newsletter »"), "{err}");
    let (ok, _, err) = import(&c, &file, &["--legacy-consent", "events"]);
    assert!(!ok && err.contains("--evidence"), "{err}");
    assert_eq!(footprint(&c), (0, 0, 0, 0));

    let (ok, out, err) = import(&c, &file, &["--legacy-consent", "events", "--evidence", evidence]);
    assert!(ok, "{out}{err}");
    assert!(out.contains("consents from before, to reconfirm : 2 pour / for « events »"), "{out}");
    assert_eq!(c.event_kinds(), ["imported", "legacy", "imported", "legacy"]);
    let body: String = c.db().query_row("SELECT body FROM events WHERE seq = 2", [], |r| r.get(0)).unwrap();
    let event: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(event["detail"]["evidence"], evidence);
    assert_eq!(event["detail"]["purpose"], "events");
    assert_eq!(event["detail"]["status"], "to_reconfirm");
    // Association: no soft opt-in purpose to hold them under, and no ordinary consent either.
    assert_eq!(event["detail"].get("purposes"), None);
    assert_eq!(c.count("SELECT count(*) FROM consents"), 0);
    assert!(!c.export("events").contains("exemple.fr"), "a legacy consent in the ordinary export");

    let data = c.data();
    let out = c.command(&["export", "--data", data.to_str().unwrap(), "--purpose", "events", "--legacy"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let legacy = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = legacy.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines.len(), 3, "{legacy}");
    assert!(lines[0].ends_with("status;evidence;source;imported_at;record_id"), "{legacy}");
    assert!(
        lines[1].starts_with("Dupont;Jean;") && lines[1].contains(";à reconfirmer;\"Formulaire papier, gala 2016\";"),
        "{legacy}"
    );
    assert!(c.verify().0);
}

#[test]
fn a_legacy_consent_for_a_soft_opt_in_purpose_is_refused() {
    let c = school();
    let file = write(c.dir.path(), "l.csv", &format!("{HEADER}{GOOD}"));
    let (ok, _, err) = import(&c, &file, &["--legacy-consent", "network", "--evidence", "Formulaire papier"]);
    assert!(!ok && err.contains("« network » repose sur le soft opt-in"), "{err}");
    assert_eq!(footprint(&c), (0, 0, 0, 0));
}

#[test]
fn the_school_examples_list_imports_cleanly() {
    let c = school();
    let file = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/ecole-exemple/import/diplomes-2026.csv"));
    let (ok, out, err) = import(&c, file, &["--dry-run"]);
    assert!(ok, "{out}{err}");
    assert!(out.contains("erreurs / errors : 0") && out.contains("would be created : 4"), "{out}");
}

#[test]
fn an_import_into_postgresql_is_all_or_nothing_and_verifies() {
    let pg = crate::util::PgCluster::start();
    pg.create_database("ledger");
    let url = pg.url("ledger");
    let c = Collector::start_with_config(Path::new(SCHOOL), &["--database", &url]);
    let run = |file: &Path| {
        let out = c.command(&["import", file.to_str().unwrap(), "--database", &url, "--source", SOURCE]);
        (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let mut db = pg.client("ledger");
    let mut count = |sql: &str| -> i64 { db.query_one(sql, &[]).unwrap().get(0) };
    let bad = csv_file(&c, "bad.csv", format!("{HEADER}{GOOD}Dupont;Jo;jo@exemple.fr;1850;\r\n").as_bytes());
    let (ok, out) = run(&bad);
    assert!(!ok && out.contains(&format!("{}:4: ", bad.display())), "{out}");
    assert_eq!((count("SELECT count(*) FROM events"), count("SELECT count(*) FROM subjects")), (0, 0));
    let good = csv_file(&c, "good.csv", format!("{HEADER}{GOOD}").as_bytes());
    let (ok, out) = run(&good);
    assert!(ok, "{out}");
    assert_eq!(count("SELECT count(*) FROM records WHERE status = 'imported'"), 2);
    assert_eq!(count("SELECT count(*) FROM events WHERE body LIKE '%\"kind\":\"imported\"%'"), 2);
    let out = c.command(&["verify", "--database", &url]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && stdout.contains("personal data of 2 records"), "{stdout}");
}

/// Posts the console's import form as a browser does (multipart/form-data, same origin).
fn post_import(s: &crate::staff_console::Session, fields: &[(&str, &str)], file: &[u8]) -> (u16, String) {
    let boundary = "----import-test-boundary";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"diplomes.csv\"\r\n\
             Content-Type: text/csv\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let response = s
        .http
        .post(format!("{}/staff/import", s.base))
        .header("Cookie", &s.cookie)
        .header("Sec-Fetch-Site", "same-origin")
        .header("Content-Type", format!("multipart/form-data; boundary={boundary}"))
        .body(body)
        .send()
        .unwrap();
    (response.status().as_u16(), response.text().unwrap())
}

#[test]
fn admins_check_then_import_a_list_from_the_console() {
    let c = school();
    let admin = crate::staff_console::sign_in(&c, "dpo@ecole-exemple.fr", "admin", "ecole-exemple");
    let page = admin.get("/staff/import?site=ecole-exemple").text().unwrap();
    assert!(page.contains("Import des diplômés") && page.contains("enctype=\"multipart/form-data\""), "{page}");
    let csrf = crate::staff_console::field(&page, "csrf");
    let post = |run: &str, file: &str| {
        post_import(
            &admin,
            &[("csrf", &csrf), ("site", "ecole-exemple"), ("source", SOURCE), ("run", run)],
            file.as_bytes(),
        )
    };

    let bad = format!("{HEADER}{GOOD}Dupont;Jo;jo@exemple.fr;1850;\r\n");
    let (status, page) = post("import", &bad);
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Rien n'a été importé") && page.contains("<td>4</td><td>Promotion</td>"), "{page}");
    assert!(page.contains("« 1850 » n'est pas une année de promotion plausible"), "{page}");
    assert_eq!(footprint(&c), (0, 0, 0, 0));

    let good = format!("{HEADER}{GOOD}");
    let (status, page) = post("dry", &good);
    assert!(status == 200 && page.contains("Essai : rien n'a été enregistré."), "{page}");
    assert_eq!(footprint(&c), (0, 0, 0, 0));
    let (status, page) = post("import", &good);
    assert!(status == 200 && page.contains("Importé."), "{page}");
    assert_eq!(c.event_kinds(), ["imported", "imported"]);
    assert!(c.verify().0);
    // The register shows an imported person's row and says what holds them.
    let subject: String = c
        .db()
        .query_row("SELECT subject_id FROM subjects WHERE email = 'jean.dupont@exemple.fr'", [], |r| r.get(0))
        .unwrap();
    let page = admin.get(&format!("/staff/register/ecole-exemple/{subject}")).text().unwrap();
    assert!(page.contains("Dupont") && page.contains("importé (soft opt-in, aucun consentement)"), "{page}");

    // Without the form's token: refused, nothing more stored.
    let (status, _) =
        post_import(&admin, &[("site", "ecole-exemple"), ("source", SOURCE), ("run", "import")], good.as_bytes());
    assert_eq!(status, 403);
    assert_eq!(c.events(), 2);
    // Staff who are not admins do not see the page.
    let staff = crate::staff_console::sign_in(&c, "alumni@ecole-exemple.fr", "staff", "ecole-exemple");
    assert_eq!(staff.get("/staff/import").status().as_u16(), 403);
}

#[test]
fn the_console_offers_an_association_only_consents_from_before_and_says_why() {
    let c = Collector::start(&[]);
    let admin = crate::staff_console::sign_in(&c, "dpo@association-exemple.fr", "admin", crate::util::SITE);
    let page = admin.get("/staff/import").text().unwrap();
    assert!(page.contains("Ce site ne peut pas importer de liste sans consentement préalable"), "{page}");
    assert!(page.contains(&maud::html! { (consent::Regime::Association.explain_fr()) }.into_string()), "{page}");
    assert!(!page.contains("<option value=\"\">"), "the page offers an import without consent: {page}");
    let csrf = crate::staff_console::field(&page, "csrf");
    let file = format!("{HEADER}{GOOD}");
    let (status, page) = post_import(
        &admin,
        &[("csrf", &csrf), ("site", crate::util::SITE), ("source", SOURCE), ("run", "import")],
        file.as_bytes(),
    );
    assert!(status == 200 && page.contains("le régime du site (« association »)"), "{page}");
    assert_eq!(footprint(&c), (0, 0, 0, 0));
    let (status, page) = post_import(
        &admin,
        &[
            ("csrf", &csrf),
            ("site", crate::util::SITE),
            ("source", SOURCE),
            ("legacy", "events"),
            ("evidence", "Formulaire papier, gala 2016"),
            ("run", "import"),
        ],
        file.as_bytes(),
    );
    assert!(status == 200 && page.contains("Importé."), "{page}");
    assert_eq!(c.event_kinds(), ["imported", "legacy", "imported", "legacy"]);
}

#[test]
fn imported_people_are_anonymised_when_the_soft_opt_in_retention_ends() {
    let c = school();
    let file = csv_file(&c, "diplomes.csv", format!("{HEADER}{GOOD}").as_bytes());
    assert!(import(&c, &file, &[]).0);
    let data = c.data();
    let purge = |now: &str| {
        let out = c.command(&["purge", "--data", data.to_str().unwrap(), "--now", now]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    // Within the network purpose's 3 years from the import: kept.
    assert!(purge("2028-06-01T00:00:00Z").contains("0 subjects anonymised"));
    assert_eq!(c.count("SELECT count(*) FROM record_data"), 2);
    let out = purge("2035-01-01T00:00:00Z");
    assert!(out.contains("2 subjects anonymised"), "{out}");
    assert_eq!(c.count("SELECT count(*) FROM record_data"), 0);
    assert_eq!(c.count("SELECT count(*) FROM subjects WHERE email IS NOT NULL"), 0);
    assert_eq!(c.count("SELECT count(*) FROM records WHERE status = 'expired'"), 2, "imported records end as expired");
    assert!(c.verify().0);
}

#[test]
fn stats_count_imported_people_and_consents_from_before_apart_from_consents() {
    let c = school();
    let rows: String = (0..6).map(|i| format!("Dupont;Jean;jean.{i}@exemple.fr;2015;\r\n")).collect();
    let file = csv_file(&c, "gala.csv", format!("{HEADER}{rows}").as_bytes());
    let (ok, out, err) =
        import(&c, &file, &["--legacy-consent", "community", "--evidence", "Formulaire papier, gala 2016"]);
    assert!(ok, "{out}{err}");
    let data = c.data();
    let out = c.command(&["stats", "--data", data.to_str().unwrap(), "--json"]);
    let stats: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(stats["subjects"], "< 5", "no consent in force: {stats}");
    assert_eq!(stats["imported"]["subjects"], "6", "{stats}");
    assert_eq!(stats["imported"]["legacy_to_reconfirm"]["community"], "6", "{stats}");
    let out = c.command(&["stats", "--data", data.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Personnes importées (soft opt-in) / imported subjects: 6"), "{text}");
    assert!(
        text.contains("Consentements antérieurs à reconfirmer / consents from before, to reconfirm\n  community"),
        "{text}"
    );
}

#[test]
fn a_consent_from_before_reaches_people_already_imported_once() {
    let c = school();
    let list = csv_file(&c, "diplomes.csv", format!("{HEADER}{GOOD}").as_bytes());
    assert!(import(&c, &list, &[]).0);
    // The gala's paper forms: one graduate already held, one new.
    let gala = csv_file(
        &c,
        "gala.csv",
        format!("{HEADER}Dupont;Jean;Jean.Dupont@exemple.fr;2015;\r\nNguyen;Thomas;thomas@exemple.fr;2016;\r\n")
            .as_bytes(),
    );
    let legacy = ["--legacy-consent", "community", "--evidence", "Formulaire papier, gala 2016"];
    let (ok, out, _) = import(&c, &gala, &[&legacy[..], &["--dry-run"]].concat());
    assert!(
        ok && out.contains("to reconfirm : 2 pour / for « community »") && out.contains("already held : 1)"),
        "{out}"
    );
    assert!(out.contains("would be created : 1,"), "{out}");
    let (ok, out, _) = import(&c, &gala, &legacy);
    assert!(ok && out.contains("created : 1,") && out.contains("already held : 1)"), "{out}");
    assert_eq!(c.count("SELECT count(*) FROM subjects"), 3);
    assert_eq!(c.event_kinds(), ["imported", "imported", "imported", "legacy", "imported", "legacy"]);
    // Brought once: the same file again adds nothing.
    let (ok, out, _) = import(&c, &gala, &legacy);
    assert!(ok && out.contains("left as they are : 2") && out.contains("to reconfirm : 0"), "{out}");
    assert_eq!(c.events(), 6);
    let data = c.data();
    let out = c.command(&["export", "--data", data.to_str().unwrap(), "--purpose", "community", "--legacy"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).matches("à reconfirmer").count(), 2);
    assert!(c.verify().0);
}
