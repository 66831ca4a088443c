use super::*;

fn answer(programme: &str, promo: &str, situation: Situation, sector: Option<&str>) -> Answer {
    Answer {
        promo: promo.into(),
        programme: programme.into(),
        situation,
        sector: sector.map(str::to_owned),
        months: 30,
    }
}

fn many(n: usize, programme: &str, promo: &str, situation: Situation, sector: Option<&str>) -> Vec<Answer> {
    vec![answer(programme, promo, situation, sector); n]
}

fn sectors() -> Vec<Sector> {
    vec![
        Sector::new("industry", &Localized::new("Industrie", "Industry")),
        Sector::new("services", &Localized::new("Services", "Services")),
    ]
}

/// A published count named by its place (`programme/promo/horizon.situation`), `None` when secret.
type Named = (String, Option<u32>);

/// A sum the published numbers obey, as a reader of the JSON can write it: the parts add up to the total.
type Sum = (Named, Vec<Named>);

/// Every sum the published numbers obey: each row's situations add up to its respondents, its sectors to its
/// employed, each column over the rows to the total's, and the total's situations to its respondents.
fn published_sums(stats: &InsertionStats) -> Vec<Sum> {
    let mut lines: Vec<(String, &Line)> =
        stats.rows.iter().map(|r| (format!("{}/{}/{:?}", r.programme, r.promo, r.horizon), &r.line)).collect();
    lines.push(("total".into(), &stats.total));
    let mut sums = Vec::new();
    let cell = |name: &str, what: &str, v: Option<u32>| (format!("{name}.{what}"), v);
    for (name, line) in &lines {
        let parts = Situation::ALL.iter().map(|s| cell(name, &format!("{s:?}"), line.situations.get(*s))).collect();
        sums.push((cell(name, "respondents", line.respondents), parts));
        if !line.sectors.is_empty() {
            let parts = line.sectors.iter().map(|(id, v)| cell(name, id, *v)).collect();
            sums.push((cell(name, "Employed", line.situations.employed), parts));
        }
    }
    let rows = &lines[..lines.len() - 1];
    let mut columns = vec![Column::Respondents];
    columns.extend(Situation::ALL.map(Column::Situation));
    columns.extend(stats.total.sectors.keys().cloned().map(Column::Sector));
    for column in &columns {
        let parts = rows.iter().map(|(name, l)| cell(name, &column.name(), column.of(l))).collect();
        sums.push((cell("total", &column.name(), column.of(&stats.total)), parts));
    }
    sums
}

/// A column of the published table.
enum Column {
    Respondents,
    Situation(Situation),
    Sector(String),
}

impl Column {
    fn of(&self, line: &Line) -> Option<u32> {
        match self {
            Column::Respondents => line.respondents,
            Column::Situation(s) => line.situations.get(*s),
            Column::Sector(id) => line.sectors.get(id).copied().flatten(),
        }
    }

    fn name(&self) -> String {
        match self {
            Column::Respondents => "respondents".into(),
            Column::Situation(s) => format!("{s:?}"),
            Column::Sector(id) => id.clone(),
        }
    }
}

/// What a reader rebuilds by subtraction: repeatedly, a sum whose total is known and which has one unknown cell
/// left gives that cell. Returns the cells rebuilt.
fn rebuilt_by_subtraction(stats: &InsertionStats) -> Vec<String> {
    let sums = published_sums(stats);
    let mut known: BTreeMap<String, i64> = BTreeMap::new();
    for (total, parts) in &sums {
        for (name, v) in parts.iter().chain([total]) {
            if let Some(v) = v {
                known.insert(name.clone(), i64::from(*v));
            }
        }
    }
    let mut rebuilt = Vec::new();
    loop {
        let mut progress = false;
        for ((total, _), parts) in &sums {
            let unknown: Vec<&String> =
                parts.iter().map(|(n, _)| n).chain([total]).filter(|n| !known.contains_key(*n)).collect();
            let [only] = unknown[..] else { continue };
            let parts_known: i64 = parts.iter().filter_map(|(n, _)| known.get(n)).sum();
            let value = if only == total { parts_known } else { known[total] - parts_known };
            known.insert(only.clone(), value);
            rebuilt.push(format!("{only} = {value}"));
            progress = true;
        }
        if !progress {
            return rebuilt;
        }
    }
}

/// The crafted set: 20 employed, 4 seeking a job, 6 studying, 5 other in one row; 12 employed, 6 studying and
/// 7 other in another. With k-suppression alone the 4 is the only hidden count of its row, and 35 − 20 − 6 − 5
/// gives it back.
fn crafted() -> Vec<Answer> {
    let mut a = many(20, "Ingénieur", "2022", Situation::Employed, Some("industry"));
    a.extend(many(4, "Ingénieur", "2022", Situation::JobSeeking, None));
    a.extend(many(6, "Ingénieur", "2022", Situation::Studying, None));
    a.extend(many(5, "Ingénieur", "2022", Situation::Other, None));
    a.extend(many(12, "Ingénieur", "2023", Situation::Employed, Some("services")));
    a.extend(many(6, "Ingénieur", "2023", Situation::Studying, None));
    a.extend(many(7, "Ingénieur", "2023", Situation::Other, None));
    a
}

#[test]
fn a_cell_of_four_that_subtraction_would_give_back_stays_secret() {
    let stats = InsertionStats::compute("s", "insertion_stats", vec![], &crafted());
    let row = &stats.rows[0];
    assert_eq!((row.promo.as_str(), row.line.respondents), ("2022", Some(35)));
    assert_eq!(row.line.situations.job_seeking, None, "the 4");
    assert_eq!(rebuilt_by_subtraction(&stats), Vec::<String>::new(), "{stats:#?}");
    // The test has teeth: the same numbers with only the counts under 5 hidden give the 4 back.
    let mut k_only = stats.clone();
    let counts = |n: &[u32]| n.iter().map(|v| (*v >= K).then_some(*v)).collect::<Vec<_>>();
    for (line, values) in k_only.rows.iter_mut().map(|r| &mut r.line).zip([[20, 4, 6, 5], [12, 0, 6, 7]]) {
        let shown = counts(&values);
        line.situations = Situations { employed: shown[0], job_seeking: shown[1], studying: shown[2], other: shown[3] };
        line.respondents = Some(values.iter().sum());
    }
    k_only.rows[1].line.situations.job_seeking = Some(0);
    k_only.total = Line {
        respondents: Some(60),
        situations: Situations { employed: Some(32), job_seeking: None, studying: Some(12), other: Some(12) },
        ..Line::default()
    };
    assert!(rebuilt_by_subtraction(&k_only).iter().any(|r| r.ends_with("JobSeeking = 4")), "{k_only:#?}");
}

#[test]
fn the_row_totals_and_the_grand_total_stay_published_when_cells_can_go() {
    let stats = InsertionStats::compute("s", "insertion_stats", vec![], &crafted());
    assert!(stats.rows.iter().all(|r| r.line.respondents.is_some()));
    assert_eq!(stats.total.respondents, Some(60));
    assert_eq!(stats.rows[0].line.situations.employed, Some(20));
}

#[test]
fn a_row_of_fewer_than_five_respondents_shows_nothing_and_its_shares_neither() {
    let mut a = crafted();
    a.extend(many(3, "Ingénieur", "2024", Situation::Employed, None));
    let stats = InsertionStats::compute("s", "insertion_stats", vec![], &a);
    let small = stats.rows.iter().find(|r| r.promo == "2024").unwrap();
    assert_eq!(small.line, Line::default(), "not even its zeros");
    assert_eq!(rebuilt_by_subtraction(&stats), Vec::<String>::new(), "{stats:#?}");
}

#[test]
fn indicators_use_published_counts_only() {
    let stats = InsertionStats::compute("s", "insertion_stats", vec![], &crafted());
    let row = &stats.rows[1].line;
    // 12 employed of 25 respondents, 6 studying: taux d'emploi 12 / 19 = 63 %, part en emploi 48 %.
    if row.situations.studying.is_some() && row.situations.employed.is_some() {
        assert_eq!(row.indicators.employment_rate, Some(63));
        assert_eq!(row.indicators.employed_share, Some(48));
    }
    assert_eq!(stats.rows[0].line.indicators.job_seeking_share, None, "its count is secret");
    for r in &stats.rows {
        let l = &r.line;
        assert_eq!(l.indicators.employed_share.is_some(), l.situations.employed.is_some() && l.respondents.is_some());
        assert_eq!(
            l.indicators.employment_rate.is_some(),
            l.situations.employed.is_some() && l.situations.studying.is_some() && l.respondents.is_some()
        );
    }
}

#[test]
fn sectors_add_up_to_the_employed_and_are_suppressed_with_them() {
    let mut a = many(9, "Master", "2021", Situation::Employed, Some("industry"));
    a.extend(many(2, "Master", "2021", Situation::Employed, Some("services")));
    a.extend(many(6, "Master", "2021", Situation::Employed, None));
    a.extend(many(5, "Master", "2021", Situation::Studying, None));
    a.extend(many(8, "Master", "2020", Situation::Employed, Some("services")));
    a.extend(many(7, "Master", "2020", Situation::Other, None));
    a.push(answer("Master", "2021", Situation::Employed, Some("no-longer-declared")));
    let stats = InsertionStats::compute("s", "insertion_stats", sectors(), &a);
    let r2021 = stats.rows.iter().find(|r| r.promo == "2021").unwrap();
    assert_eq!(r2021.line.sectors.get("services"), Some(&None), "2 people");
    assert_eq!(r2021.line.sectors.len(), 3, "industry, services, not_given");
    assert_eq!(rebuilt_by_subtraction(&stats), Vec::<String>::new(), "{stats:#?}");
}

#[test]
fn answers_before_graduation_are_left_out_and_horizons_are_apart() {
    let mut a = many(6, "Master", "2025", Situation::Employed, None);
    for x in &mut a[..3] {
        x.months = -2;
    }
    a.extend(many(5, "Master", "2025", Situation::Studying, None).into_iter().map(|x| Answer { months: 10, ..x }));
    let stats = InsertionStats::compute("s", "insertion_stats", vec![], &a);
    let horizons: Vec<Horizon> = stats.rows.iter().map(|r| r.horizon).collect();
    assert_eq!(horizons, [Horizon::TwelveMonths, Horizon::Later]);
    assert_eq!(stats.rows[0].line.situations.studying, Some(5));
}

#[test]
fn the_json_reads_back_and_names_secret_counts_null() {
    let stats = InsertionStats::compute("s", "insertion_stats", sectors(), &crafted());
    let json = serde_json::to_string(&stats).unwrap();
    assert!(json.contains("\"job_seeking\":null"), "{json}");
    assert!(json.contains("\"horizon\":\"18_months_or_more\""), "{json}");
    assert_eq!(serde_json::from_str::<InsertionStats>(&json).unwrap(), stats);
}

/// A small deterministic generator (xorshift), so that the property check needs no dependency.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

#[test]
fn no_published_table_lets_a_hidden_count_be_rebuilt_by_subtraction() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let situations = Situation::ALL;
    let sector_ids = [Some("industry"), Some("services"), None];
    let mut hidden_seen = 0;
    for case in 0..300 {
        let mut answers = Vec::new();
        let rows = 1 + rng.below(5);
        for row in 0..rows {
            let programme = if row % 2 == 0 { "A" } else { "B" };
            let promo = format!("{}", 2018 + row);
            for s in situations {
                let small = rng.below(3) == 0;
                let n = rng.below(if small { 5 } else { 14 });
                for _ in 0..n {
                    let sector = sector_ids[rng.below(3) as usize];
                    answers.push(answer(programme, &promo, s, sector));
                }
            }
        }
        let declared = if case % 2 == 0 { sectors() } else { vec![] };
        let stats = InsertionStats::compute("s", "p", declared, &answers);
        let sums = published_sums(&stats);
        hidden_seen += sums.iter().flat_map(|(t, p)| p.iter().chain([t])).filter(|(_, v)| v.is_none()).count();
        assert_eq!(rebuilt_by_subtraction(&stats), Vec::<String>::new(), "case {case}: {stats:#?}");
        // Every count of 1 to 4 is secret.
        for (total, parts) in &sums {
            assert!(parts.iter().chain([total]).all(|(_, v)| v.is_none_or(|v| v == 0 || v >= K)), "case {case}");
        }
    }
    assert!(hidden_seen > 300, "the cases exercise suppression ({hidden_seen} hidden counts)");
}

/// A group of answers alike: situation, sector, how many.
type Group = (Situation, Option<&'static str>, usize);

/// Three programmes × two promos, as a school's page would have them, six sectors of which two nobody works in,
/// and one row of 3 respondents (the Bachelor's first promo).
fn three_programmes() -> (Vec<Sector>, Vec<Answer>) {
    let declared = ["agriculture", "industry", "construction", "information", "finance", "services"]
        .map(|id| Sector::new(id, &Localized::new(id, id)))
        .to_vec();
    let rows: [(&str, &str, &[Group]); 5] = [
        (
            "Ingénieur",
            "2023",
            &[
                (Situation::Employed, Some("industry"), 8),
                (Situation::Employed, Some("information"), 7),
                (Situation::Studying, None, 7),
            ],
        ),
        (
            "Ingénieur",
            "2024",
            &[
                (Situation::Employed, Some("industry"), 6),
                (Situation::Employed, Some("services"), 6),
                (Situation::Studying, None, 6),
            ],
        ),
        (
            "Master",
            "2023",
            &[
                (Situation::Employed, Some("finance"), 5),
                (Situation::Employed, Some("information"), 5),
                (Situation::Studying, None, 5),
            ],
        ),
        ("Master", "2024", &[(Situation::Employed, Some("information"), 7), (Situation::JobSeeking, None, 5)]),
        ("Bachelor", "2024", &[(Situation::Employed, Some("industry"), 2), (Situation::Studying, None, 1)]),
    ];
    let mut answers = Vec::new();
    for (programme, promo, groups) in rows {
        for (situation, sector, n) in groups {
            answers.extend(many(*n, programme, promo, *situation, *sector));
        }
    }
    (declared, answers)
}

#[test]
fn a_small_row_hides_itself_and_only_the_complements_its_secrets_need() {
    let (declared, answers) = three_programmes();
    let stats = InsertionStats::compute("s", "insertion_stats", declared, &answers);
    assert_eq!(rebuilt_by_subtraction(&stats), Vec::<String>::new(), "{stats:#?}");
    let small = &stats.rows.iter().find(|r| r.programme == "Bachelor").unwrap().line;
    // Its counts, and the zeros that say something about the 3 (none seeks a job, though 5 others do), are null.
    assert_eq!((small.respondents, small.situations.employed, small.situations.studying), (None, None, None));
    assert_eq!(small.situations.job_seeking, None);
    for id in ["industry", "information", "finance", "services"] {
        assert_eq!(small.sectors[id], None, "{id}");
    }
    // The zeros that the table's zero totals give away to everyone are no secret: hiding them meant hiding
    // those totals, then the totals beside them, and in the end nearly the whole table (54 counts besides the
    // small row's, before).
    assert_eq!(small.situations.other, Some(0));
    assert_eq!(stats.total.situations.other, Some(0));
    for id in ["agriculture", "construction", NOT_GIVEN] {
        assert_eq!((small.sectors[id], stats.total.sectors[id]), (Some(0), Some(0)), "{id}");
    }
    let hidden: std::collections::BTreeSet<String> = published_sums(&stats)
        .into_iter()
        .flat_map(|(t, p)| p.into_iter().chain([t]))
        .filter(|(name, v)| v.is_none() && !name.starts_with("Bachelor"))
        .map(|(name, _)| name)
        .collect();
    assert!(hidden.len() <= 12, "{} complements: {hidden:#?}", hidden.len());

    // Eight columns need a second hidden count beside the small row's: cells take them, no total is hidden.
    assert!(hidden.iter().all(|name| !name.starts_with("total.")), "{hidden:#?}");
    assert!(stats.rows.iter().any(|r| r.programme == "Ingénieur" && r.line.situations.employed.is_some()));
    assert_eq!(stats.total.respondents, Some(70));
}
