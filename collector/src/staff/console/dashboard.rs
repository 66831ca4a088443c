//! `GET /staff/dashboard?site=…&period=7d|30d|12m|custom&from=…&to=…`: submissions, confirmations and their
//! rate, withdrawals, consents in force per purpose over time, and inbound attribution — which page, CTA, promo,
//! programme and notice version brought how many members — as charts with their tables, sortable by query links.
//!
//! Staff see the true counts of their own site. `&publication=1` gives the same tables with every count under
//! k = 5 shown as « < 5 » and no chart, for anything meant to be published.

use super::insights::{Attribution, Dimension, Figures};
use super::period::{Period, day_of_ms, iso, parse_iso};
use super::{chosen_site, staff_db};
use crate::AppState;
use crate::charts::{Bar, BarChart, LineChart, Series, thousands};
use crate::sites::Site;
use crate::staff::{Role, Staff, StaffError, layout};
use crate::stats::shown;
use axum::extract::{Query, State};
use maud::{Markup, html};
use serde::Deserialize;

/// The dashboard's query.
#[derive(Debug, Default, Deserialize)]
pub struct DashboardQuery {
    site: Option<String>,
    period: Option<String>,
    from: Option<String>,
    to: Option<String>,
    sort: Option<String>,
    order: Option<String>,
    publication: Option<String>,
    lang: Option<String>,
}

/// The period asked for, or why it cannot be read.
fn period(q: &DashboardQuery, today: i32) -> Result<(Period, &'static str), StaffError> {
    Ok(match q.period.as_deref().unwrap_or("30d") {
        "7d" => (Period::last_days(today, 7), "7d"),
        "12m" => (Period::last_year(today), "12m"),
        "custom" => {
            let bad = || {
                StaffError::invalid(
                    "Période personnalisée : donnez deux dates (AAAA-MM-JJ), la première avant la seconde, sur dix ans au plus.",
                    "Custom period: give two dates (YYYY-MM-DD), the first before the second, ten years at most.",
                )
            };
            let from = q.from.as_deref().and_then(parse_iso).ok_or_else(bad)?;
            let to = q.to.as_deref().and_then(parse_iso).ok_or_else(bad)?;
            if from > to || to - from > super::period::MAX_DAYS {
                return Err(bad());
            }
            (Period { from, to }, "custom")
        }
        _ => (Period::last_days(today, 30), "30d"),
    })
}

fn purpose_label(site: &Site, staff: &Staff, id: &str) -> String {
    site.config
        .purposes()
        .iter()
        .find(|p| p.id.as_str() == id)
        .map_or(id.to_owned(), |p| p.label.get(staff.locale).to_owned())
}

fn value_label(site: &Site, staff: &Staff, dimension: Dimension, value: &str) -> String {
    if value.is_empty() {
        return staff.t("(non renseigné)", "(not given)").to_owned();
    }
    match dimension {
        Dimension::Cta => {
            site.config.cta(value).map_or(value.to_owned(), |c| format!("{} ({value})", c.label.get(staff.locale)))
        }
        Dimension::Notice => value.get(..12).unwrap_or(value).to_owned(),
        _ => value.to_owned(),
    }
}

fn dimension_title(staff: &Staff, dimension: Dimension) -> &'static str {
    match dimension {
        Dimension::Page => staff.t("Par page d'article", "By article page"),
        Dimension::Cta => staff.t("Par appel à l'action (CTA)", "By call to action (CTA)"),
        Dimension::Promo => staff.t("Par promotion", "By graduation year"),
        Dimension::Programme => staff.t("Par cursus", "By programme"),
        Dimension::Notice => staff.t("Par version de la notice", "By notice version"),
    }
}

/// The query string of this page with `sort`/`order` replaced (the links of the table headers).
fn sort_link(base: &str, sort: &str, order: &str) -> String {
    format!("/staff/dashboard?{base}&sort={sort}&order={order}")
}

struct View<'a> {
    staff: &'a Staff,
    site: &'a Site,
    publication: bool,
    base: String,
    sort: &'a str,
    descending: bool,
}

impl View<'_> {
    fn count(&self, n: u64) -> String {
        if self.publication { shown(usize::try_from(n).unwrap_or(usize::MAX)) } else { thousands(n) }
    }

    fn header(&self, key: &str, text: &str) -> Markup {
        let active = self.sort == key;
        let next = if active && self.descending { "asc" } else { "desc" };
        let aria = match (active, self.descending) {
            (false, _) => None,
            (true, true) => Some("descending"),
            (true, false) => Some("ascending"),
        };
        html! {
            th scope="col" aria-sort=[aria] {
                a href=(sort_link(&self.base, key, next)) {
                    (text)
                    @if active { span aria-hidden="true" { @if self.descending { " ▼" } @else { " ▲" } } }
                }
            }
        }
    }

    fn table(&self, dimension: Dimension, rows: &[Attribution]) -> Markup {
        let s = self.staff;
        html! {
            table {
                caption { (dimension_title(s, dimension)) " — " (s.t("tri par lien d'en-tête", "sort with the header links")) }
                thead { tr {
                    (self.header("label", s.t("Valeur", "Value")))
                    (self.header("members", s.t("Membres confirmés", "Confirmed members")))
                    (self.header("consents", s.t("Consentements donnés", "Consents given")))
                } }
                tbody {
                    @for row in rows { tr {
                        th scope="row" {
                            @if dimension == Dimension::Notice {
                                a href={ "/v1/notices/" (row.value) } { (value_label(self.site, s, dimension, &row.value)) }
                            } @else { (value_label(self.site, s, dimension, &row.value)) }
                        }
                        td { (self.count(row.members)) }
                        td { (self.count(row.consents)) }
                    } }
                    @if rows.is_empty() { tr { td colspan="3" { (s.t("Aucune confirmation sur la période.", "No confirmation in the period.")) } } }
                }
            }
        }
    }

    fn sorted(&self, rows: &[Attribution]) -> Vec<Attribution> {
        let mut rows = rows.to_vec();
        match self.sort {
            "label" => rows.sort_by(|a, b| a.value.cmp(&b.value)),
            "consents" => rows.sort_by(|a, b| a.consents.cmp(&b.consents).then_with(|| b.value.cmp(&a.value))),
            _ => rows.sort_by(|a, b| a.members.cmp(&b.members).then_with(|| b.value.cmp(&a.value))),
        }
        if self.descending {
            rows.reverse();
        }
        rows
    }

    fn attribution(&self, figures: &Figures) -> Markup {
        let s = self.staff;
        html! {
            h2 id="attribution" { (s.t("Attribution : ce qui a amené les membres", "Attribution: what brought members in")) }
            p { (s.t("Enregistrements confirmés sur la période, rattachés à la page, au CTA, à la promotion, au cursus et à la notice de leur soumission.",
                     "Records confirmed in the period, by the page, CTA, graduation year, programme and notice of their submission.")) }
            @for dimension in Dimension::ALL {
                @let rows = self.sorted(figures.attribution.get(&dimension).map_or(&[][..], Vec::as_slice));
                h3 { (dimension_title(s, dimension)) }
                @if !self.publication && matches!(dimension, Dimension::Page | Dimension::Cta) {
                    @let bars: Vec<Bar> = rows.iter().take(15).map(|r| Bar { label: value_label(self.site, s, dimension, &r.value), value: r.members }).collect();
                    @let id = if dimension == Dimension::Page { "chart-pages" } else { "chart-ctas" };
                    (BarChart { id, title: dimension_title(s, dimension),
                        desc: s.t("Membres confirmés par valeur, dans l'ordre du tableau (15 premiers).", "Confirmed members per value, in the table's order (first 15)."),
                        bars: &bars }.render(self.table(dimension, &rows)))
                } @else {
                    (self.table(dimension, &rows))
                }
            }
        }
    }
}

/// `GET /staff/dashboard`.
pub async fn show(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<DashboardQuery>,
) -> Result<Markup, StaffError> {
    staff.require(Role::Viewer)?;
    let site = chosen_site(&staff, q.site.as_deref())?;
    let site_id = site.config.site().as_str().to_owned();
    let today = day_of_ms(state.now());
    let (period, period_key) = period(&q, today)?;
    let db = staff_db(&state)?;
    let (figures, now_in_force) = {
        let model = state.insights.for_view(&db).await?;
        (model.figures(&site_id, period), model.in_force_now(&site_id))
    };
    let publication = q.publication.as_deref() == Some("1");
    let campaigns = if publication { Vec::new() } else { super::campaigns::recent(&state, &site_id).await? };
    let mut base = format!("site={}&period={period_key}", urlencode(&site_id));
    if period_key == "custom" {
        base.push_str(&format!("&from={}&to={}", iso(period.from), iso(period.to)));
    }
    if publication {
        base.push_str("&publication=1");
    }
    if let Some(lang) = q.lang.as_deref().filter(|l| *l == "en" || *l == "fr") {
        base.push_str(&format!("&lang={lang}"));
    }
    let sort = match q.sort.as_deref() {
        Some("label") => "label",
        Some("consents") => "consents",
        _ => "members",
    };
    let view =
        View { staff: &staff, site: &site, publication, base, sort, descending: q.order.as_deref() != Some("asc") };
    let s = &staff;
    let buckets = period.buckets();
    let labels: Vec<String> = buckets.iter().map(|b| b.2.clone()).collect();
    let in_force: Vec<Series> = figures
        .in_force
        .iter()
        .map(|(p, values)| Series { name: purpose_label(&site, s, p), values: values.clone() })
        .collect();
    let activity = vec![
        Series {
            name: s.t("Soumissions", "Submissions").into(),
            values: figures.activity.iter().map(|a| a.0).collect(),
        },
        Series {
            name: s.t("Confirmations", "Confirmations").into(),
            values: figures.activity.iter().map(|a| a.1).collect(),
        },
    ];
    let rate = if figures.submissions == 0 {
        "—".to_owned()
    } else {
        format!("{:.0}\u{a0}%", figures.submissions_confirmed as f64 * 100.0 / figures.submissions as f64)
    };
    let x_header = if labels.len() > 62 || period.grain() == super::period::Grain::Month {
        s.t("Mois", "Month")
    } else {
        s.t("Jour", "Day")
    };
    let title = s.t("Tableau de bord", "Dashboard");
    let body = html! {
        h1 { (title) " — " (site.config.controller().name) }
        form method="get" action="/staff/dashboard" class="filters" {
            @if let Some(lang) = q.lang.as_deref().filter(|l| *l == "en") { input type="hidden" name="lang" value=(lang); }
            @if publication { input type="hidden" name="publication" value="1"; }
            label for="site" { (s.t("Site", "Site")) }
            select id="site" name="site" {
                @for other in staff.visible_sites() {
                    @let id = other.config.site().as_str();
                    option value=(id) selected[id == site_id] { (id) }
                }
            }
            fieldset {
                legend { (s.t("Période", "Period")) }
                @for (key, fr, en) in [("7d", "7 jours", "7 days"), ("30d", "30 jours", "30 days"), ("12m", "12 mois", "12 months"), ("custom", "Personnalisée", "Custom")] {
                    label { input type="radio" name="period" value=(key) checked[key == period_key]; " " (s.t(fr, en)) }
                }
                label for="from" { (s.t("Du", "From")) }
                input type="date" id="from" name="from" value=(iso(period.from));
                label for="to" { (s.t("au", "to")) }
                input type="date" id="to" name="to" value=(iso(period.to));
            }
            button type="submit" { (s.t("Afficher", "Show")) }
        }
        p {
            (s.t("Du ", "From ")) (iso(period.from)) (s.t(" au ", " to ")) (iso(period.to)) ". "
            @if publication {
                strong { (s.t("Version pour publication : chiffres sous 5 masqués (k = 5).", "Publication view: counts under 5 suppressed (k = 5).")) }
                " " a href={ "/staff/dashboard?" (view.base.replace("&publication=1", "")) } { (s.t("Chiffres exacts", "True counts")) }
            } @else {
                (s.t("Chiffres exacts de votre site. ", "True counts of your site. "))
                a href={ "/staff/dashboard?" (view.base) "&publication=1" } { (s.t("Version pour publication (k = 5)", "Publication view (k = 5)")) }
            }
        }
        h2 { (s.t("Chiffres clés", "Key figures")) }
        table.figures {
            caption { (s.t("Sur la période", "In the period")) }
            tbody {
                tr { th scope="row" { (s.t("Soumissions", "Submissions")) } td { (view.count(figures.submissions)) } }
                tr { th scope="row" { (s.t("Confirmations", "Confirmations")) } td { (view.count(figures.confirmations)) } }
                tr { th scope="row" { (s.t("Taux de confirmation (soumissions de la période confirmées)", "Confirmation rate (submissions of the period confirmed)")) }
                     td { @if publication && figures.submissions < 5 { "—" } @else { (rate) } } }
                tr { th scope="row" { (s.t("Retraits (réponses retirées par les personnes)", "Withdrawals (answers withdrawn by subjects)")) } td { (view.count(figures.withdrawals)) } }
                @for (purpose, n) in &now_in_force {
                    tr { th scope="row" { (s.t("En vigueur aujourd'hui : ", "In force today: ")) (purpose_label(&site, s, purpose)) } td { (view.count(*n)) } }
                }
            }
        }
        (super::campaigns::dashboard_block(s, &site, &campaigns))
        @if !publication {
            h2 { (s.t("Évolution", "Over time")) }
            (LineChart { id: "chart-inforce", title: s.t("Consentements en vigueur par finalité", "Consents in force per purpose"),
                desc: s.t("Nombre de consentements en vigueur à la fin de chaque jour ou mois de la période, une ligne par finalité.",
                          "Consents in force at the end of each day or month of the period, one line per purpose."),
                x_header, labels: &labels, series: &in_force }.render())
            (LineChart { id: "chart-activity", title: s.t("Soumissions et confirmations", "Submissions and confirmations"),
                desc: s.t("Soumissions reçues et confirmations par jour ou par mois.", "Submissions received and confirmations per day or month."),
                x_header, labels: &labels, series: &activity }.render())
        }
        (view.attribution(&figures))
    };
    Ok(layout::page(Some(&staff), title, body))
}

/// Percent-encodes a query value (site ids are `[a-z0-9-]`, but nothing here trusts that).
pub(super) fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
