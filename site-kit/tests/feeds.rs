//! atom.xml, sitemap.xml and robots.txt: they parse and list every article.

use crate::support::*;

#[test]
fn atom_and_sitemap_parse_and_list_every_article() {
    for name in EXAMPLES {
        let site = example(name);
        let (out, report) = build(&site);
        let slugs = article_slugs(&site);
        assert_eq!(slugs.len(), report.articles);
        assert!(slugs.len() >= 5, "{name}: 5+ articles");

        let atom = page(out.path(), "/atom.xml");
        let doc = roxmltree::Document::parse(&atom).unwrap();
        let ns = "http://www.w3.org/2005/Atom";
        assert_eq!(doc.root_element().tag_name().namespace(), Some(ns));
        let ids: Vec<&str> = doc
            .descendants()
            .filter(|n| n.has_tag_name((ns, "entry")))
            .filter_map(|e| e.children().find(|c| c.has_tag_name((ns, "id"))).and_then(|c| c.text()))
            .collect();
        assert_eq!(ids.len(), slugs.len(), "{name}: one entry per article");
        for slug in &slugs {
            assert!(ids.contains(&format!("http://127.0.0.1:8080/{slug}/").as_str()), "{name}: {slug} in atom");
        }
        let updated: Vec<&str> =
            doc.descendants().filter(|n| n.has_tag_name((ns, "updated"))).filter_map(|n| n.text()).collect();
        assert!(updated.iter().all(|u| u.len() >= 20 && u.contains('T')), "RFC 3339: {updated:?}");

        let sitemap = page(out.path(), "/sitemap.xml");
        let doc = roxmltree::Document::parse(&sitemap).unwrap();
        let sm = "http://www.sitemaps.org/schemas/sitemap/0.9";
        let locs: Vec<&str> =
            doc.descendants().filter(|n| n.has_tag_name((sm, "loc"))).filter_map(|n| n.text()).collect();
        for slug in &slugs {
            assert!(locs.contains(&format!("http://127.0.0.1:8080/{slug}/").as_str()), "{name}: {slug} in sitemap");
        }
        assert!(locs.contains(&"http://127.0.0.1:8080/confidentialite/"), "{name}: privacy page in sitemap");

        let robots = page(out.path(), "/robots.txt");
        assert!(robots.contains("Sitemap: http://127.0.0.1:8080/sitemap.xml"), "{robots}");
    }
}
