//! Dates for people (issue 15.5): the manage page and the emails write them in the page's language and the
//! site's time zone (`time_zone` in consent.toml), never as raw RFC 3339; machine formats stay in JSON and in the
//! `datetime` attribute.

use crate::util::*;
use collector::clock::{DAY_MS, rfc3339};
use consent::Locale;
use consent::dates::Zone;

/// The association example in Auckland: far enough from Paris that no hour is the same.
fn auckland_config(dir: &std::path::Path) -> std::path::PathBuf {
    let text = std::fs::read_to_string(CONFIG).unwrap();
    let text = text.replacen("default_locale = \"fr\"", "default_locale = \"fr\"\ntime_zone = \"Pacific/Auckland\"", 1);
    write(dir, "consent.toml", &text)
}

fn created_at(c: &Collector, email_order: i64) -> i64 {
    c.db()
        .query_row("SELECT created_at FROM records ORDER BY created_at LIMIT 1 OFFSET ?1", [email_order], |r| r.get(0))
        .unwrap()
}

#[test]
fn the_manage_page_and_the_emails_write_dates_in_the_sites_zone_and_the_pages_language() {
    let config_dir = tempfile::tempdir().unwrap();
    let mut sink = SmtpSink::new(free_port());
    sink.start();
    let smtp = format!("smtp://127.0.0.1:{}", sink.port);
    let c = Collector::start_with_config(&auckland_config(config_dir.path()), &["--smtp", &smtp]);
    let zone = Zone::named("Pacific/Auckland").unwrap();
    let paris = Zone::named("Europe/Paris").unwrap();

    for (n, (email, locale)) in
        [("marie@example.org", Locale::Fr), ("ada@example.org", Locale::En)].into_iter().enumerate()
    {
        let device = Device::new(7 + n as u8);
        let mut p = submission(&c, &device, email, "Marie");
        p.locale = locale;
        assert_eq!(c.post_envelope("/v1/submissions", &device.seal(&p)).status().as_u16(), 201);
        let mail = &sink.wait_for(n + 1)[n];
        let at = created_at(&c, n as i64);

        // The confirmation email says until when its link works, as people write it, in Auckland.
        let until = zone.date_time(at + 7 * DAY_MS, locale);
        let sentence = match locale {
            Locale::Fr => format!("valable jusqu'au {until}"),
            Locale::En => format!("valid until {until}"),
        };
        assert!(mail.text.contains(&sentence), "{sentence} not in {}", mail.text);
        assert!(mail.html.contains(&sentence), "{sentence} not in {}", mail.html);
        assert!(!mail.text.contains(&paris.date_time(at + 7 * DAY_MS, locale)), "not in Paris time");

        // The manage page's history: the submission's time for people, the machine time in `datetime`.
        let page = c.client.get(mail.link("/manage/")).send().unwrap().text().unwrap();
        let cell = format!("<time datetime=\"{}\">{}</time>", rfc3339(at), zone.date_time(at, locale));
        assert!(page.contains(&cell), "{cell} not in {page}");
        let month = match locale {
            Locale::Fr => "décembre janvier février mars avril mai juin juillet août septembre octobre novembre",
            Locale::En => "December January February March April May June July August September October November",
        };
        assert!(month.split(' ').any(|m| cell.contains(m)), "a month name in {cell}");
        // The raw RFC 3339 time appears only inside the attribute.
        assert_eq!(page.matches(&rfc3339(at)).count(), 1, "{page}");
    }

    // A new manage link by email says until when it works (90 days from sending).
    let before = now_ms();
    let asked = c.client.post(c.url("/access")).form(&[("site", SITE), ("email", "marie@example.org")]).send();
    assert_eq!(asked.unwrap().status().as_u16(), 200);
    let mail = &sink.wait_for(3)[2];
    let after = now_ms();
    let days = [before, after].map(|t| format!("valable jusqu'au {} à ", zone.date(t + 90 * DAY_MS, Locale::Fr)));
    assert!(days.iter().any(|d| mail.text.contains(d.as_str())), "{days:?} not in {}", mail.text);
}
