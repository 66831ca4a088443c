//! Markup in what people type and in what the site's configuration says is shown as text on every page and in
//! every email's HTML part: the pages and emails are written with maud, whose splices escape each value.

use crate::util::*;
use consent::protocol::SubmissionAccepted;

/// A first name a person could type.
const NAME: &str = "<script>alert(\"prénom\")</script> & 'Marie'";

/// The association example whose controller and first purpose carry markup.
fn hostile_config(dir: &std::path::Path) -> std::path::PathBuf {
    let text = std::fs::read_to_string(CONFIG).unwrap();
    let name = "name = \"Association des diplômés de l'École Exemple\"";
    let label =
        "label = { fr = \"Animer la communauté alumni, y compris les communications ciblées liées aux carrières\"";
    assert!(text.contains(name) && text.contains(label));
    let text = text
        .replace(name, "name = 'Association <script>alert(\"nom\")</script> & \"Cie\"'")
        .replace(label, "label = { fr = 'Animer <script>alert(\"finalité\")</script> & \"la\" communauté'");
    write(dir, "consent.toml", &text)
}

/// Neither markup runs: every `<script>` is text, quotes and ampersands escaped.
fn assert_escaped(what: &str, html: &str, values: &[&str]) {
    assert!(!html.contains("<script"), "{what}: raw <script>: {html}");
    for value in values {
        assert!(html.contains(value), "{what}: {value} missing: {html}");
    }
}

#[test]
fn markup_in_records_and_configuration_is_text_on_pages_and_in_emails() {
    let config_dir = tempfile::tempdir().unwrap();
    let config = hostile_config(config_dir.path());
    let mut sink = SmtpSink::new(free_port());
    sink.start();
    let smtp = format!("smtp://127.0.0.1:{}", sink.port);
    let c = Collector::start_with_config(&config, &["--smtp", &smtp, "--mail-from", "contact@association-exemple.fr"]);
    let device = Device::new(7);
    let mut payload = submission(&c, &device, "marie.curie@example.org", NAME);
    payload.subject.insert("last_name".into(), "Curie & <b onmouseover=\"x()\">Fils</b>".into());
    let response = c.post_envelope("/v1/submissions", &device.seal(&payload));
    assert_eq!(response.status().as_u16(), 201);
    response.json::<SubmissionAccepted>().unwrap();

    let controller = "Association &lt;script&gt;alert(&quot;nom&quot;)&lt;/script&gt; &amp; &quot;Cie&quot;";
    let purpose = "Animer &lt;script&gt;alert(&quot;finalité&quot;)&lt;/script&gt; &amp; &quot;la&quot; communauté";
    let name = "&lt;script&gt;alert(&quot;prénom&quot;)&lt;/script&gt; &amp; 'Marie'";

    // The email's HTML part: the greeting, the purposes and the controller's footer; the text part as typed.
    let mail = &sink.wait_for(1)[0];
    assert_escaped("email", &mail.html, &[&format!("Bonjour {name},"), purpose, controller]);
    assert!(mail.text.contains(&format!("Bonjour {NAME},")), "{}", mail.text);

    // The confirmation page (before and after the button) and the manage page.
    let confirm = mail.link("/confirm/");
    let page = c.client.get(&confirm).send().unwrap().text().unwrap();
    assert_escaped("confirmation page", &page, &[controller, purpose]);
    let done = c.client.post(&confirm).send().unwrap();
    assert_eq!(done.status().as_u16(), 200);
    assert_escaped("confirmed page", &done.text().unwrap(), &[]);
    let manage = c.client.get(mail.link("/manage/")).send().unwrap().text().unwrap();
    let last_name = "Curie &amp; &lt;b onmouseover=&quot;x()&quot;&gt;Fils&lt;/b&gt;";
    assert_escaped("manage page", &manage, &[controller, purpose, name, last_name]);
    assert!(!manage.contains("<b "), "{manage}");

    // The readable notice names the controller and the purpose too.
    let version = c.widget_config().notice_version;
    let notice = c.client.get(c.url(&format!("/v1/notices/{version}"))).header("accept", "text/html").send().unwrap();
    assert_escaped("notice page", &notice.text().unwrap(), &["Association &lt;script&gt;alert(&quot;nom&quot;)"]);
}
