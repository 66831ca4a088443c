//! The dashboard's read model: daily counts per site, built by reading the ledger's events in order, once, and
//! then only the events added since the last page view. A dashboard over a year of a million events sums a few
//! hundred days instead of scanning the chain.
//!
//! It follows the ledger's own rules for the subject's answer per purpose (see [`crate::ledger::Ledger`]): a
//! confirmation sets the record's choices unless a later answer stands; a change or withdrawal applies once a
//! record is confirmed; erasure and anonymisation at the end of retention end everything. An erasure also takes
//! the subject out of the attribution counts (art. 17: counts included), as `stats` does. Promo and programme
//! are personal data: they are forgotten when the subject's data are.
//!
//! Kept in memory (rebuilt after a restart from the chain): nothing here is a record of anything, only counts.

use super::period::{Period, day_of_ms};
use crate::clock::parse_rfc3339;
use crate::ledger::{Event, EventKind};
use crate::staff::StaffDb;
use crate::storage::StoreError;
use crate::storage::submission_of;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Events read per database round trip while catching up.
const BATCH: usize = 5000;

/// What inbound content is measured by: the article page, the CTA, the subject's promo and programme, the
/// notice version shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dimension {
    /// The page the form was on (path only).
    Page,
    /// The CTA.
    Cta,
    /// Graduation year.
    Promo,
    /// Programme.
    Programme,
    /// Notice version.
    Notice,
}

impl Dimension {
    /// Every dimension, in the dashboard's order.
    pub const ALL: [Dimension; 5] =
        [Dimension::Page, Dimension::Cta, Dimension::Promo, Dimension::Programme, Dimension::Notice];

    fn index(self) -> usize {
        self as usize
    }
}

/// Counts of one day of one site.
#[derive(Debug, Clone, Default)]
struct Day {
    submissions: u64,
    /// Submissions of this day that were confirmed (at any time): the confirmation rate's numerator.
    submissions_confirmed: u64,
    confirmations: u64,
    /// Answers turned from yes to no by the subject (change or withdrawal).
    withdrawals: u64,
    /// Change of the consents in force, per purpose.
    in_force: HashMap<String, i64>,
    /// Confirmed records (members) and consents they gave, per dimension and value.
    attribution: HashMap<(Dimension, u32), (u64, u64)>,
}

#[derive(Debug, Clone)]
struct RecordFact {
    site: String,
    created_ms: i64,
    created_day: i32,
    confirmed_day: Option<i32>,
    /// Interned values, by [`Dimension::index`].
    dims: [u32; 5],
    /// Purposes the record's confirmation gave (what it counts for in the attribution).
    counted: u64,
    choices: BTreeMap<String, bool>,
}

#[derive(Debug, Clone, Default)]
struct SubjectFact {
    records: Vec<String>,
    any_confirmed: bool,
    /// Purpose → (granted, since: the time the answer counts from, as the ledger orders them).
    answers: BTreeMap<String, (bool, i64)>,
}

/// The model itself.
#[derive(Debug, Default)]
pub struct Model {
    cursor: u64,
    days: HashMap<String, BTreeMap<i32, Day>>,
    records: HashMap<String, RecordFact>,
    subjects: HashMap<String, SubjectFact>,
    values: Vec<String>,
    value_ids: HashMap<String, u32>,
}

/// One row of an attribution table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribution {
    /// The page, CTA, promo, programme or notice version.
    pub value: String,
    /// Confirmed records (people who joined through it).
    pub members: u64,
    /// Consents those records gave.
    pub consents: u64,
}

/// The dashboard's figures for one site and period.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Figures {
    /// Submissions received.
    pub submissions: u64,
    /// Of those, confirmed.
    pub submissions_confirmed: u64,
    /// Confirmations received (of submissions of any date).
    pub confirmations: u64,
    /// Answers withdrawn by subjects.
    pub withdrawals: u64,
    /// Consents in force at the end of each bucket, per purpose.
    pub in_force: BTreeMap<String, Vec<u64>>,
    /// Submissions and confirmations per bucket.
    pub activity: Vec<(u64, u64)>,
    /// Per dimension, the rows (unsorted).
    pub attribution: BTreeMap<Dimension, Vec<Attribution>>,
}

/// Parses what an event holds; `None` for a body that is not an event (verify reports those).
fn parse(body: &str) -> Option<(Event, i64)> {
    let event: Event = serde_json::from_str(body).ok()?;
    let ms = parse_rfc3339(&event.at)?;
    Some((event, ms))
}

fn choices(event: &Event) -> BTreeMap<String, bool> {
    event
        .detail
        .get("choices")
        .and_then(|c| c.as_object())
        .map(|o| o.iter().filter_map(|(k, v)| v.as_bool().map(|b| (k.clone(), b))).collect())
        .unwrap_or_default()
}

impl Model {
    fn intern(&mut self, value: &str) -> u32 {
        if let Some(id) = self.value_ids.get(value) {
            return *id;
        }
        let id = u32::try_from(self.values.len()).unwrap_or(u32::MAX);
        self.values.push(value.to_owned());
        self.value_ids.insert(value.to_owned(), id);
        id
    }

    fn day(&mut self, site: &str, day: i32) -> &mut Day {
        self.days.entry(site.to_owned()).or_default().entry(day).or_default()
    }

    /// Sets one answer, counting the change in force (and a withdrawal when the subject said no).
    fn answer(
        &mut self,
        site: &str,
        subject: &str,
        purpose: &str,
        granted: bool,
        (since, day): (i64, i32),
        by_subject: bool,
    ) {
        let Some(fact) = self.subjects.get_mut(subject) else { return };
        let before = fact.answers.get(purpose).is_some_and(|a| a.0);
        fact.answers.insert(purpose.to_owned(), (granted, since));
        if before != granted {
            let d = self.day(site, day);
            *d.in_force.entry(purpose.to_owned()).or_default() += if granted { 1 } else { -1 };
            if !granted && by_subject {
                d.withdrawals += 1;
            }
        }
    }

    /// Ends every answer of a subject (erasure, anonymisation).
    fn end_all(&mut self, site: &str, subject: &str, day: i32) {
        let granted: Vec<String> = self
            .subjects
            .get(subject)
            .map(|s| s.answers.iter().filter(|(_, a)| a.0).map(|(p, _)| p.clone()).collect())
            .unwrap_or_default();
        for purpose in granted {
            self.answer(site, subject, &purpose, false, (0, day), false);
        }
        if let Some(s) = self.subjects.get_mut(subject) {
            s.answers.clear();
        }
    }

    /// Applies one event (and, for a submission, its signed data when still held).
    pub fn apply(&mut self, seq: u64, body: &str, data: Option<&str>) {
        self.cursor = self.cursor.max(seq);
        let Some((event, ms)) = parse(body) else { return };
        let day = day_of_ms(ms);
        let site = event.site.clone();
        let subject = event.subject_id.clone();
        let record_id = event.record_id.clone().unwrap_or_default();
        match event.kind {
            EventKind::Submitted => {
                let submission = data.and_then(submission_of);
                let text = |key: &str| event.detail.get(key).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
                let mut values = [String::new(), text("cta"), String::new(), String::new(), text("notice_version")];
                if let Some(s) = &submission {
                    for (dimension, value) in crate::dimensions::dimensions("", Some(s)) {
                        match dimension {
                            "page" => values[Dimension::Page.index()] = value,
                            "promo" => values[Dimension::Promo.index()] = value,
                            "programme" => values[Dimension::Programme.index()] = value,
                            _ => {}
                        }
                    }
                }
                let dims = values.map(|v| self.intern(&v));
                self.records.insert(
                    record_id.clone(),
                    RecordFact {
                        site: site.clone(),
                        created_ms: ms,
                        created_day: day,
                        confirmed_day: None,
                        dims,
                        counted: 0,
                        choices: choices(&event),
                    },
                );
                self.subjects.entry(subject).or_default().records.push(record_id);
                self.day(&site, day).submissions += 1;
            }
            EventKind::Confirmed => {
                let Some(fact) = self.records.get_mut(&record_id) else { return };
                if fact.confirmed_day.is_some() {
                    return;
                }
                fact.confirmed_day = Some(day);
                let given = choices(&event);
                let counted = given.values().filter(|g| **g).count() as u64;
                fact.counted = counted;
                let (created_ms, created_day, dims) = (fact.created_ms, fact.created_day, fact.dims);
                self.day(&site, created_day).submissions_confirmed += 1;
                let d = self.day(&site, day);
                d.confirmations += 1;
                if counted > 0 {
                    for (dimension, value) in Dimension::ALL.iter().zip(dims) {
                        let cell = d.attribution.entry((*dimension, value)).or_default();
                        cell.0 += 1;
                        cell.1 += counted;
                    }
                }
                if let Some(s) = self.subjects.get_mut(&subject) {
                    s.any_confirmed = true;
                }
                for (purpose, granted) in given {
                    let later = self
                        .subjects
                        .get(&subject)
                        .and_then(|s| s.answers.get(&purpose))
                        .is_some_and(|a| a.1 > created_ms);
                    if !later {
                        self.answer(&site, &subject, &purpose, granted, (created_ms, day), false);
                    }
                }
            }
            EventKind::Changed | EventKind::Withdrawn => {
                let by_device = event.detail.get("via").and_then(|v| v.as_str()) == Some("device");
                let applies = if by_device {
                    self.records.get(&record_id).is_some_and(|r| r.confirmed_day.is_some())
                } else {
                    self.subjects.get(&subject).is_some_and(|s| s.any_confirmed)
                };
                let changes = choices(&event);
                if let Some(r) = self.records.get_mut(&record_id) {
                    for (purpose, granted) in &changes {
                        if let Some(choice) = r.choices.get_mut(purpose) {
                            *choice = *granted;
                        }
                    }
                }
                if applies {
                    for (purpose, granted) in changes {
                        self.answer(&site, &subject, &purpose, granted, (ms, day), true);
                    }
                }
            }
            EventKind::Erased => {
                self.end_all(&site, &subject, day);
                let records = self.subjects.remove(&subject).map(|s| s.records).unwrap_or_default();
                for id in records {
                    let Some(fact) = self.records.remove(&id) else { continue };
                    if let (Some(confirmed), true) = (fact.confirmed_day, fact.counted > 0) {
                        let d = self.day(&fact.site, confirmed);
                        for (dimension, value) in Dimension::ALL.iter().zip(fact.dims) {
                            if let Some(cell) = d.attribution.get_mut(&(*dimension, value)) {
                                cell.0 = cell.0.saturating_sub(1);
                                cell.1 = cell.1.saturating_sub(fact.counted);
                            }
                        }
                    }
                }
            }
            EventKind::Expired => {
                if event.detail.get("reason").and_then(|v| v.as_str()) != Some("retention") {
                    return;
                }
                let ended: Vec<String> = event
                    .detail
                    .get("purposes")
                    .and_then(|p| p.as_array())
                    .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
                    .unwrap_or_default();
                for purpose in ended {
                    self.answer(&site, &subject, &purpose, false, (ms, day), false);
                }
                if event.detail.get("anonymised").and_then(serde_json::Value::as_bool) == Some(true) {
                    self.end_all(&site, &subject, day);
                    self.forget_personal(&subject);
                }
            }
            // The dashboard counts consents: an imported person gives none, and a consent from before stays apart
            // until reconfirmed (collector::import::legacy).
            // An objection ends messages of a basis that is not consent (soft opt-in): no consent count moves.
            EventKind::Imported | EventKind::Legacy | EventKind::Rectified | EventKind::Objected => {}
        }
    }

    /// Promo and programme are the subject's data: once those are removed, their records count under "".
    fn forget_personal(&mut self, subject: &str) {
        let blank = self.intern("");
        let records = self.subjects.get(subject).map(|s| s.records.clone()).unwrap_or_default();
        for id in records {
            if let Some(fact) = self.records.get_mut(&id) {
                fact.dims[Dimension::Promo.index()] = blank;
                fact.dims[Dimension::Programme.index()] = blank;
            }
        }
    }

    /// The figures of `site` over `period`, in the period's buckets.
    pub fn figures(&self, site: &str, period: Period) -> Figures {
        let mut figures = Figures::default();
        let Some(days) = self.days.get(site) else { return figures };
        let mut in_force: BTreeMap<String, i64> = BTreeMap::new();
        for day in days.range(..period.from).map(|(_, d)| d) {
            for (purpose, delta) in &day.in_force {
                *in_force.entry(purpose.clone()).or_default() += delta;
            }
        }
        let mut cells: HashMap<(Dimension, u32), (u64, u64)> = HashMap::new();
        let buckets = period.buckets();
        let mut series: BTreeMap<String, Vec<u64>> = in_force.keys().map(|p| (p.clone(), Vec::new())).collect();
        for (from, to, _) in &buckets {
            let (mut submitted, mut confirmed) = (0, 0);
            for day in days.range(*from..=*to).map(|(_, d)| d) {
                submitted += day.submissions;
                confirmed += day.confirmations;
                figures.submissions_confirmed += day.submissions_confirmed;
                figures.withdrawals += day.withdrawals;
                for (purpose, delta) in &day.in_force {
                    *in_force.entry(purpose.clone()).or_default() += delta;
                }
                for (key, (members, consents)) in &day.attribution {
                    let cell = cells.entry(*key).or_default();
                    cell.0 += members;
                    cell.1 += consents;
                }
            }
            figures.submissions += submitted;
            figures.confirmations += confirmed;
            figures.activity.push((submitted, confirmed));
            let done = figures.activity.len();
            for (purpose, count) in &in_force {
                let line = series.entry(purpose.clone()).or_insert_with(|| vec![0; done - 1]);
                line.push(u64::try_from(*count).unwrap_or(0));
            }
        }
        figures.in_force = series;
        for ((dimension, value), (members, consents)) in cells {
            if members == 0 {
                continue;
            }
            let value = self.values.get(value as usize).cloned().unwrap_or_default();
            figures.attribution.entry(dimension).or_default().push(Attribution { value, members, consents });
        }
        figures
    }

    /// Consents in force now on `site`, per purpose.
    pub fn in_force_now(&self, site: &str) -> BTreeMap<String, u64> {
        let mut totals: BTreeMap<String, i64> = BTreeMap::new();
        for day in self.days.get(site).into_iter().flat_map(|d| d.values()) {
            for (purpose, delta) in &day.in_force {
                *totals.entry(purpose.clone()).or_default() += delta;
            }
        }
        totals.into_iter().map(|(p, n)| (p, u64::try_from(n).unwrap_or(0))).collect()
    }
}

/// How long after a dashboard view the model is kept up every second.
const WATCHED: Duration = Duration::from_secs(10 * 60);
/// How often the model is kept up while nobody has viewed the dashboard for [`WATCHED`].
const IDLE_PASS: Duration = Duration::from_secs(5 * 60);

/// The shared model (cheap to clone).
#[derive(Debug, Clone, Default)]
pub struct Insights {
    model: Arc<tokio::sync::Mutex<Model>>,
    /// When a dashboard was last shown by this process.
    viewed: Arc<std::sync::Mutex<Option<Instant>>>,
}

impl Insights {
    /// [`Insights::current`] for a page view, which keeps the model folded every second for [`WATCHED`].
    pub async fn for_view(&self, db: &StaffDb) -> Result<tokio::sync::MutexGuard<'_, Model>, StoreError> {
        if let Ok(mut viewed) = self.viewed.lock() {
            *viewed = Some(Instant::now());
        }
        self.current(db).await
    }

    /// Reads the events added since the last call, then hands the model over.
    pub async fn current(&self, db: &StaffDb) -> Result<tokio::sync::MutexGuard<'_, Model>, StoreError> {
        let mut guard = self.model.lock().await;
        loop {
            // Folded on the staff database's thread, not on a runtime worker: a burst of submissions leaves
            // thousands of events to parse, and folding them on a worker stalled the requests queued behind it
            // (the bench's fixed 1,000/s window had every answer over 25 ms in the seconds this pass ran). Taken
            // out of the mutex meanwhile; lost only if the job itself is, and then rebuilt from the chain's start.
            let mut model = std::mem::take(&mut *guard);
            let (model, read) = db
                .call(move |conn| {
                    let read = super::store::events_with_data(conn, model.cursor, BATCH).map(|batch| {
                        for (event, data) in &batch {
                            model.apply(event.seq, &event.body, data.as_deref());
                        }
                        batch.len()
                    });
                    Ok((model, read))
                })
                .await?;
            *guard = model;
            if read? < BATCH {
                break;
            }
        }
        Ok(guard)
    }

    /// Whether [`keep_up`] folds now: every second while a dashboard was viewed in the last [`WATCHED`],
    /// otherwise every [`IDLE_PASS`].
    fn due(&self, last_pass: Instant, now: Instant) -> bool {
        let viewed = self.viewed.lock().ok().and_then(|v| *v);
        pass_due(viewed, last_pass, now)
    }
}

/// [`Insights::due`] on its facts.
fn pass_due(viewed: Option<Instant>, last_pass: Instant, now: Instant) -> bool {
    viewed.is_some_and(|v| now.saturating_duration_since(v) < WATCHED)
        || now.saturating_duration_since(last_pass) >= IDLE_PASS
}

/// Keeps the model close to the chain in `serve`, so that a page view rarely has more than a few seconds of
/// events to read, and a submission's page and promo are read while its data are still held.
///
/// Every event folded costs each instance ≈ 12 µs of its own CPU and as much of the database's (measured under
/// the bench's sustained load, two instances on PostgreSQL: a tenth of the machine). While nobody looks at the
/// dashboard the passes are spaced to [`IDLE_PASS`]: a view still catches up before it answers, so its figures are
/// exact, and it waits at most for those minutes of events.
pub async fn keep_up(state: crate::AppState) {
    let Some(db) = state.staff_db.clone() else { return };
    let started = Instant::now();
    let mut ready = false;
    let mut last_pass = started;
    loop {
        if !ready || state.insights.due(last_pass, Instant::now()) {
            last_pass = Instant::now();
            match state.insights.current(&db).await {
                Ok(model) if !ready => {
                    ready = true;
                    let ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
                    tracing::info!(events = model.cursor, ms, "dashboard model read from the chain");
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "dashboard model: cannot read the chain"),
            }
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::{IDLE_PASS, WATCHED, pass_due};
    use std::time::{Duration, Instant};

    #[test]
    fn the_model_is_kept_up_every_second_only_while_the_dashboard_is_watched() {
        let start = Instant::now();
        let at = |s: u64| start + Duration::from_secs(s);
        // Viewed a minute ago, folded a second ago: fold again.
        assert!(pass_due(Some(at(0)), at(59), at(60)));
        // Never viewed, or not for longer than WATCHED: only once IDLE_PASS has gone by since the last pass.
        assert!(!pass_due(None, at(59), at(60)));
        let later = WATCHED.as_secs() + 1;
        assert!(!pass_due(Some(at(0)), at(later - 1), at(later)));
        assert!(!pass_due(None, at(0), at(IDLE_PASS.as_secs() - 1)));
        assert!(pass_due(None, at(0), at(IDLE_PASS.as_secs())));
        assert!(pass_due(Some(at(0)), at(later), at(later + IDLE_PASS.as_secs())));
    }
}
