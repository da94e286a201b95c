//! `/dashboard`, `/dashboard.csv` and `/api/v1/dashboard`: submitted evaluations summed per
//! agent, team, queue, reviewer or question, with confidence intervals, SVG charts and a CSV
//! export.
//!
//! The store sums counts, scores and squares in SQL; rates, intervals, weeks and months are made
//! here into one [`Report`], which the page, the CSV and the API all show, so the three never
//! disagree. QA samples are small, so no figure appears without its 95 % interval and its `n`,
//! and groups with fewer than [`MIN_EVALUATIONS`] evaluations are marked as too few to rank.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use askama::Template;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json as JsonResponse;
use chrono::{Datelike, Days, Months, NaiveDate, TimeDelta, Utc};
use earshot_charts::{bar_chart, line_chart, Axis, Bar, Point, Series};
use earshot_stats::{mean_estimate, wilson, Interval, StatsError};
use earshot_store::qa::{
    action, DashboardFilter, DayTally, GroupBy, QuestionTally, ScorecardSummary, Tally,
};
use earshot_store::time::{local_day_start, now_ms, to_local};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{html, PageCtx};
use crate::auth::{Ctx, Principal};
use crate::error::{AppError, AppResult};
use crate::extract::Query;
use crate::i18n::Texts;
use crate::App;

/// Below this many evaluations a figure is marked: its interval is too wide to rank or compare.
pub const MIN_EVALUATIONS: i64 = 10;
/// Confidence level of every interval.
pub const CONFIDENCE: f64 = 0.95;
/// The period shown when no dates are given: the last 90 days, today included.
const DEFAULT_DAYS: u64 = 90;
/// The longest period one request covers; it bounds the periods of the time series.
const MAX_DAYS: i64 = 5 * 366;
/// How a missing group key (a call without agent, team or queue) is written in the CSV.
const CSV_NONE: &str = "(none)";
/// The label of the all-evaluations row in the CSV.
const CSV_ALL: &str = "(all)";

/// The query parameters of the page, the CSV and the API. A blank value means the default,
/// since the page's form sends every field.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DashboardParams {
    /// `agent` (default), `team`, `queue`, `reviewer` or `question`.
    #[serde(default)]
    pub group: String,
    /// Local date `YYYY-MM-DD`; default: 89 days before `to`.
    #[serde(default)]
    pub from: String,
    /// Local date `YYYY-MM-DD`, inclusive; default: today.
    #[serde(default)]
    pub to: String,
    /// Scorecard id; with `group=question` it defaults to the first published scorecard.
    #[serde(default)]
    pub scorecard: String,
    #[serde(default)]
    pub agent: String,
    #[serde(default)]
    pub team: String,
    #[serde(default)]
    pub queue: String,
    /// `week` (from Monday; default) or `month`, for the time series.
    #[serde(default)]
    pub bucket: String,
}

/// What one dashboard row stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grouping {
    Agent,
    Team,
    Queue,
    Reviewer,
    Question,
}

impl Grouping {
    pub const ALL: [Grouping; 5] = [
        Grouping::Agent,
        Grouping::Team,
        Grouping::Queue,
        Grouping::Reviewer,
        Grouping::Question,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Grouping::Agent => "agent",
            Grouping::Team => "team",
            Grouping::Queue => "queue",
            Grouping::Reviewer => "reviewer",
            Grouping::Question => "question",
        }
    }

    fn parse(text: &str) -> Option<Grouping> {
        Grouping::ALL.into_iter().find(|g| g.as_str() == text)
    }

    /// The store's grouping; `None` for questions, which are summed separately.
    fn store(self) -> Option<GroupBy> {
        match self {
            Grouping::Agent => Some(GroupBy::Agent),
            Grouping::Team => Some(GroupBy::Team),
            Grouping::Queue => Some(GroupBy::Queue),
            Grouping::Reviewer => Some(GroupBy::Reviewer),
            Grouping::Question => None,
        }
    }

    fn label(self, t: &Texts) -> &'static str {
        match self {
            Grouping::Agent => t.dash.group_agent,
            Grouping::Team => t.dash.group_team,
            Grouping::Queue => t.dash.group_queue,
            Grouping::Reviewer => t.dash.group_reviewer,
            Grouping::Question => t.dash.group_question,
        }
    }
}

/// The periods of the time series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    /// Weeks starting on Monday (ISO 8601), as contact centers plan them.
    Week,
    /// Calendar months.
    Month,
}

impl Bucket {
    pub const ALL: [Bucket; 2] = [Bucket::Week, Bucket::Month];

    pub fn as_str(self) -> &'static str {
        match self {
            Bucket::Week => "week",
            Bucket::Month => "month",
        }
    }

    fn parse(text: &str) -> Option<Bucket> {
        Bucket::ALL.into_iter().find(|b| b.as_str() == text)
    }

    fn label(self, t: &Texts) -> &'static str {
        match self {
            Bucket::Week => t.dash.bucket_week,
            Bucket::Month => t.dash.bucket_month,
        }
    }

    /// The first day of the period that holds `date`.
    fn start(self, date: NaiveDate) -> Option<NaiveDate> {
        match self {
            Bucket::Week => {
                date.checked_sub_days(Days::new(u64::from(date.weekday().num_days_from_monday())))
            }
            Bucket::Month => date.with_day(1),
        }
    }

    fn next(self, start: NaiveDate) -> Option<NaiveDate> {
        match self {
            Bucket::Week => start.checked_add_days(Days::new(7)),
            Bucket::Month => start.checked_add_months(Months::new(1)),
        }
    }

    /// The name of the period starting on `start`: its Monday (`2026-03-02`) or its month
    /// (`2026-03`).
    fn name(self, start: NaiveDate) -> String {
        match self {
            Bucket::Week => start.format("%Y-%m-%d").to_string(),
            Bucket::Month => start.format("%Y-%m").to_string(),
        }
    }

    /// (first day, last day) of every period that overlaps `from..=to`, oldest first.
    fn periods(self, from: NaiveDate, to: NaiveDate) -> Vec<(NaiveDate, NaiveDate)> {
        let mut periods = Vec::new();
        let mut start = self.start(from);
        while let Some(s) = start.filter(|s| *s <= to) {
            let next = self.next(s);
            let end = next.and_then(|n| n.pred_opt()).unwrap_or(NaiveDate::MAX);
            periods.push((s, end));
            start = next;
        }
        periods
    }
}

/// The parameters, checked, with their defaults filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct Selection {
    pub group: Grouping,
    pub from: NaiveDate,
    /// Inclusive.
    pub to: NaiveDate,
    pub scorecard: Option<i64>,
    pub agent: Option<String>,
    pub team: Option<String>,
    pub queue: Option<String>,
    pub bucket: Bucket,
}

pub(crate) fn bad(message: String) -> AppError {
    AppError::BadRequest(message)
}

/// The period `from`..=`to` as typed (local dates, blank for the default): `to` defaults to
/// `today`, `from` to [`DEFAULT_DAYS`] before `to`; at most [`MAX_DAYS`] long. Shared by the
/// dashboard and the survey metrics, so both read a period the same way.
pub(crate) fn period(from: &str, to: &str, today: NaiveDate) -> AppResult<(NaiveDate, NaiveDate)> {
    let to = local_date(to, "to")?.unwrap_or(today);
    let from = match local_date(from, "from")? {
        Some(from) => from,
        None => to
            .checked_sub_days(Days::new(DEFAULT_DAYS - 1))
            .unwrap_or(to),
    };
    if from > to {
        return Err(bad(format!("from {from} is after to {to}")));
    }
    if (to - from).num_days() >= MAX_DAYS {
        return Err(bad(format!(
            "from {from} to {to} is longer than {MAX_DAYS} days: choose a shorter period"
        )));
    }
    Ok((from, to))
}

/// A local date as the user typed it; blank is `None`.
pub(crate) fn local_date(text: &str, name: &str) -> AppResult<Option<NaiveDate>> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| {
            bad(format!(
                "{name} {text:?} is not a date: use YYYY-MM-DD, such as 2026-03-31"
            ))
        })
}

/// Local midnight at the start of `date`, in epoch milliseconds.
fn day_start_ms(date: NaiveDate, utc_offset_minutes: i32) -> AppResult<i64> {
    local_day_start(date, utc_offset_minutes)
        .ok_or_else(|| bad(format!("the date {date} is out of range")))
}

/// The local date of day number `day` (days since 1970-01-01), as the store counts them.
fn epoch_day(day: i64) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(1970, 1, 1)?.checked_add_signed(TimeDelta::try_days(day)?)
}

fn text_filter(text: &str) -> Option<String> {
    Some(text.trim().to_string()).filter(|t| !t.is_empty())
}

impl DashboardParams {
    /// Check the parameters against today's local date and the scorecards that exist.
    pub fn resolve(
        &self,
        today: NaiveDate,
        scorecards: &[ScorecardSummary],
    ) -> AppResult<Selection> {
        let group = match self.group.trim() {
            "" => Grouping::Agent,
            g => Grouping::parse(g).ok_or_else(|| {
                bad(format!(
                    "group {g:?} is not one of agent, team, queue, reviewer, question"
                ))
            })?,
        };
        let bucket = match self.bucket.trim() {
            "" => Bucket::Week,
            b => Bucket::parse(b)
                .ok_or_else(|| bad(format!("bucket {b:?} is not one of week, month")))?,
        };
        let (from, to) = period(&self.from, &self.to, today)?;
        let scorecard = match self.scorecard.trim() {
            "" => None,
            s => {
                let id: i64 = s.parse().map_err(|_| {
                    bad(format!("scorecard {s:?} is not a scorecard id (a number)"))
                })?;
                if !scorecards.iter().any(|c| c.id == id) {
                    return Err(bad(format!("there is no scorecard {id}")));
                }
                Some(id)
            }
        };
        // Questions belong to one card: without a choice, the first one evaluations can use.
        let scorecard = match (scorecard, group) {
            (None, Grouping::Question) => scorecards
                .iter()
                .find(|c| c.published.is_some())
                .map(|c| c.id),
            (s, _) => s,
        };
        Ok(Selection {
            group,
            from,
            to,
            scorecard,
            agent: text_filter(&self.agent),
            team: text_filter(&self.team),
            queue: text_filter(&self.queue),
            bucket,
        })
    }
}

impl Selection {
    /// The store's filter: call start from local midnight of `from` to local midnight after `to`.
    fn filter(&self, utc_offset_minutes: i32) -> AppResult<DashboardFilter> {
        let after_to = self
            .to
            .succ_opt()
            .ok_or_else(|| bad(format!("the date {} is out of range", self.to)))?;
        Ok(DashboardFilter {
            from: Some(day_start_ms(self.from, utc_offset_minutes)?),
            to: Some(day_start_ms(after_to, utc_offset_minutes)?),
            scorecard_id: self.scorecard,
            agent: self.agent.clone(),
            team: self.team.clone(),
            queue: self.queue.clone(),
        })
    }

    /// Every parameter, defaults included, so that a link shows exactly this selection.
    pub fn query_string(&self) -> String {
        let mut q = form_urlencoded::Serializer::new(String::new());
        q.append_pair("group", self.group.as_str());
        q.append_pair("from", &self.from.format("%Y-%m-%d").to_string());
        q.append_pair("to", &self.to.format("%Y-%m-%d").to_string());
        if let Some(id) = self.scorecard {
            q.append_pair("scorecard", &id.to_string());
        }
        for (k, v) in [
            ("agent", &self.agent),
            ("team", &self.team),
            ("queue", &self.queue),
        ] {
            if let Some(v) = v {
                q.append_pair(k, v);
            }
        }
        q.append_pair("bucket", self.bucket.as_str());
        q.finish()
    }
}

// ----- figures ------------------------------------------------------------------------------

/// An estimate with its confidence interval and the number of evaluations it rests on.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Figure {
    /// A proportion in [0, 1] for rates; points 0–100 for the mean score. `None` without data.
    pub value: Option<f64>,
    /// `None` without data, and for a mean of a single score (its spread is unknown).
    pub interval: Option<Interval>,
    pub n: i64,
}

fn count(n: i64) -> AppResult<u64> {
    u64::try_from(n).map_err(|_| AppError::Internal(format!("negative count {n} in QA sums")))
}

fn stats_error(e: StatsError) -> AppError {
    AppError::Internal(format!("QA dashboard statistics: {e}"))
}

/// `successes` of `n` with its Wilson interval.
fn rate(successes: i64, n: i64) -> AppResult<Figure> {
    let interval = wilson(count(successes)?, count(n)?, CONFIDENCE).map_err(stats_error)?;
    Ok(Figure {
        value: (n > 0).then(|| successes as f64 / n as f64),
        interval,
        n,
    })
}

/// The mean score with its normal-approximation interval, kept within 0–100: scores cannot
/// leave that range, so neither can their mean, whatever `mean ± z·s/√n` says.
fn mean_score(t: &Tally) -> AppResult<Figure> {
    let estimate = mean_estimate(count(t.scored)?, t.score_sum, t.score_sq_sum, CONFIDENCE)
        .map_err(stats_error)?;
    Ok(Figure {
        value: estimate.map(|e| e.mean),
        interval: estimate.and_then(|e| e.interval).map(|i| Interval {
            low: i.low.clamp(0.0, 100.0),
            high: i.high.clamp(0.0, 100.0),
        }),
        n: t.scored,
    })
}

/// The figures of a set of evaluations.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stats {
    pub evaluations: i64,
    /// Fewer than [`MIN_EVALUATIONS`] evaluations.
    pub too_few: bool,
    pub mean_score: Figure,
    /// Passed of those with a pass/fail.
    pub pass_rate: Figure,
    /// COPC accuracy: evaluations without a critical error of the category, of those where the
    /// category applied.
    pub customer_accuracy: Figure,
    pub business_accuracy: Figure,
    pub compliance_accuracy: Figure,
}

impl Stats {
    fn of(t: &Tally) -> AppResult<Stats> {
        Ok(Stats {
            evaluations: t.evaluations,
            too_few: t.evaluations < MIN_EVALUATIONS,
            mean_score: mean_score(t)?,
            pass_rate: rate(t.passed, t.pass_known)?,
            customer_accuracy: rate(t.customer_ok, t.customer_n)?,
            business_accuracy: rate(t.business_ok, t.business_n)?,
            compliance_accuracy: rate(t.compliance_ok, t.compliance_n)?,
        })
    }
}

/// One agent, team, queue or reviewer.
#[derive(Debug, Clone, Serialize)]
pub struct GroupRow {
    /// `None` for evaluations of calls without one.
    pub key: Option<String>,
    #[serde(flatten)]
    pub stats: Stats,
}

/// One question of the scorecard.
#[derive(Debug, Clone, Serialize)]
pub struct QuestionRow {
    pub key: String,
    /// From the newest published version that has the question.
    pub text: String,
    /// Answers other than N/A.
    pub answered: i64,
    pub not_applicable: i64,
    /// Answers with full marks, of those answered.
    pub full_marks: Figure,
    /// Mean attainment in [0, 1] over the answered.
    pub mean_attainment: Option<f64>,
    /// Fewer than [`MIN_EVALUATIONS`] answers.
    pub too_few: bool,
}

/// One week or month of the time series.
#[derive(Debug, Clone, Serialize)]
pub struct SeriesRow {
    /// `2026-03-02` (the Monday) or `2026-03`.
    pub period: String,
    /// First and last day of the period (the data is limited to the selection's dates).
    pub start: String,
    pub end: String,
    #[serde(flatten)]
    pub stats: Stats,
}

#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Rows {
    Groups(Vec<GroupRow>),
    Questions(Vec<QuestionRow>),
}

impl Rows {
    fn len(&self) -> usize {
        match self {
            Rows::Groups(r) => r.len(),
            Rows::Questions(r) => r.len(),
        }
    }
}

/// Everything the page, the CSV and the API show, as the API returns it.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub group: &'static str,
    pub from: String,
    pub to: String,
    pub scorecard: Option<i64>,
    pub agent: Option<String>,
    pub team: Option<String>,
    pub queue: Option<String>,
    pub bucket: &'static str,
    pub confidence: f64,
    pub min_evaluations: i64,
    pub rows: Rows,
    /// All evaluations of the selection.
    pub total: Stats,
    pub series: Vec<SeriesRow>,
}

/// Groups by name as the database sorts them differently (collations, where NULL goes): by
/// code point here, with the group of calls without one last.
fn sort_groups(rows: &mut [GroupRow]) {
    rows.sort_by(|a, b| (a.key.is_none(), &a.key).cmp(&(b.key.is_none(), &b.key)));
}

async fn report(app: &App, sel: &Selection) -> AppResult<Report> {
    let offset = app.config.utc_offset_minutes;
    let filter = sel.filter(offset)?;
    let daily = app.store.qa_daily(&filter, None, offset).await?;
    let mut total = Tally::default();
    for d in &daily {
        total.add(&d.tally);
    }
    let rows = match sel.group.store() {
        Some(by) => {
            let mut rows = app
                .store
                .qa_tallies(&filter, by)
                .await?
                .into_iter()
                .map(|g| {
                    Ok(GroupRow {
                        stats: Stats::of(&g.tally)?,
                        key: g.key,
                    })
                })
                .collect::<AppResult<Vec<_>>>()?;
            sort_groups(&mut rows);
            Rows::Groups(rows)
        }
        None => Rows::Questions(question_rows(app, sel.scorecard, &filter).await?),
    };
    Ok(Report {
        group: sel.group.as_str(),
        from: sel.from.format("%Y-%m-%d").to_string(),
        to: sel.to.format("%Y-%m-%d").to_string(),
        scorecard: sel.scorecard,
        agent: sel.agent.clone(),
        team: sel.team.clone(),
        queue: sel.queue.clone(),
        bucket: sel.bucket.as_str(),
        confidence: CONFIDENCE,
        min_evaluations: MIN_EVALUATIONS,
        rows,
        total: Stats::of(&total)?,
        series: series(sel, &daily)?,
    })
}

/// The card's questions in card order: every question of the newest published version, then
/// questions that only older versions have and that were answered in the period. Drafts are
/// left out: nobody has been evaluated on them, and their texts are still being written.
async fn question_rows(
    app: &App,
    scorecard: Option<i64>,
    filter: &DashboardFilter,
) -> AppResult<Vec<QuestionRow>> {
    let Some(id) = scorecard else {
        return Ok(Vec::new());
    };
    let tallies: BTreeMap<String, QuestionTally> = app
        .store
        .qa_question_tallies(filter)
        .await?
        .into_iter()
        .map(|q| (q.key.clone(), q))
        .collect();
    let versions = app.store.scorecard_versions(id).await?; // newest first
    let mut rows = Vec::new();
    let mut seen = HashSet::new();
    for (i, version) in versions.iter().filter(|v| v.is_published()).enumerate() {
        for q in version.definition.questions() {
            let tally = tallies.get(&q.key);
            if (i == 0 || tally.is_some()) && seen.insert(q.key.clone()) {
                rows.push(question_row(&q.key, &q.text, tally)?);
            }
        }
    }
    for (key, tally) in &tallies {
        if !seen.contains(key) {
            rows.push(question_row(key, key, Some(tally))?);
        }
    }
    Ok(rows)
}

fn question_row(key: &str, text: &str, t: Option<&QuestionTally>) -> AppResult<QuestionRow> {
    let (answered, not_applicable, full, sum) = t.map_or((0, 0, 0, 0.0), |t| {
        (t.answered, t.not_applicable, t.full_marks, t.attainment_sum)
    });
    Ok(QuestionRow {
        key: key.to_string(),
        text: text.to_string(),
        answered,
        not_applicable,
        full_marks: rate(full, answered)?,
        mean_attainment: (answered > 0).then(|| sum / answered as f64),
        too_few: answered < MIN_EVALUATIONS,
    })
}

/// Day sums gathered into weeks or months; periods without evaluations are kept (as gaps).
fn series(sel: &Selection, daily: &[DayTally]) -> AppResult<Vec<SeriesRow>> {
    let mut sums: BTreeMap<NaiveDate, Tally> = BTreeMap::new();
    for d in daily {
        if let Some(start) = epoch_day(d.day).and_then(|date| sel.bucket.start(date)) {
            sums.entry(start).or_default().add(&d.tally);
        }
    }
    sel.bucket
        .periods(sel.from, sel.to)
        .into_iter()
        .map(|(start, end)| {
            Ok(SeriesRow {
                period: sel.bucket.name(start),
                start: start.format("%Y-%m-%d").to_string(),
                end: end.format("%Y-%m-%d").to_string(),
                stats: Stats::of(&sums.get(&start).copied().unwrap_or_default())?,
            })
        })
        .collect()
}

/// Today in the contact center's time zone.
pub(crate) fn today(app: &App) -> NaiveDate {
    to_local(now_ms(), app.config.utc_offset_minutes)
        .map_or_else(|| Utc::now().date_naive(), |t| t.date_naive())
}

/// Dashboards already computed at one generation of the QA data (`Store::qa_generation`).
/// Every change a dashboard could show (an answer, a status, a published scorecard) moves the
/// generation in the transaction that makes it, and a new generation empties the cache: a
/// cached report is always the one the database would give now. Each web node keeps its own.
#[derive(Default)]
pub struct ReportCache {
    state: std::sync::Mutex<CacheState>,
}

#[derive(Default)]
struct CacheState {
    generation: i64,
    scorecards: Option<Arc<Vec<ScorecardSummary>>>,
    reports: HashMap<String, Arc<Report>>,
    /// One computation of a report at a time: when the data changes, the first request of a
    /// selection computes it and the others wait for that instead of all computing it at once.
    turns: HashMap<String, Arc<tokio::sync::Mutex<()>>>,
}

/// Most reports kept at once (each selection of dates and filters is one).
const MAX_CACHED_REPORTS: usize = 256;

impl ReportCache {
    /// The state for `generation`, emptied if the data has moved on since.
    fn at(&self, generation: i64) -> std::sync::MutexGuard<'_, CacheState> {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if state.generation != generation {
            *state = CacheState {
                generation,
                ..CacheState::default()
            };
        }
        state
    }
}

/// The selection the parameters mean, and the scorecards (for its choices).
async fn selection(
    app: &App,
    params: &DashboardParams,
    generation: i64,
) -> AppResult<(Selection, Arc<Vec<ScorecardSummary>>)> {
    let cached = app.dashboards.at(generation).scorecards.clone();
    let scorecards = match cached {
        Some(s) => s,
        None => {
            let s = Arc::new(app.store.scorecards().await?);
            app.dashboards.at(generation).scorecards = Some(s.clone());
            s
        }
    };
    let sel = params.resolve(today(app), &scorecards)?;
    Ok((sel, scorecards))
}

/// The report of the selection the parameters mean, from the cache when the data has not
/// changed since it was computed.
async fn cached_report(
    app: &App,
    params: &DashboardParams,
) -> AppResult<(Selection, Arc<Vec<ScorecardSummary>>, Arc<Report>)> {
    // Read before computing: a change made meanwhile moves the generation past this one, so
    // what is computed now is never served after that change is visible.
    let generation = app.store.qa_generation().await?;
    let (sel, scorecards) = selection(app, params, generation).await?;
    let key = sel.query_string();
    let kept = |app: &App| app.dashboards.at(generation).reports.get(&key).cloned();
    if let Some(r) = kept(app) {
        return Ok((sel, scorecards, r));
    }
    let turn = app
        .dashboards
        .at(generation)
        .turns
        .entry(key.clone())
        .or_default()
        .clone();
    let _turn = turn.lock().await;
    if let Some(r) = kept(app) {
        return Ok((sel, scorecards, r));
    }
    let r = Arc::new(report(app, &sel).await?);
    let mut state = app.dashboards.at(generation);
    if state.reports.len() >= MAX_CACHED_REPORTS {
        state.reports.clear();
        state.turns.clear();
    }
    state.reports.insert(key, r.clone());
    Ok((sel, scorecards, r))
}

// ----- the page -----------------------------------------------------------------------------

/// A figure as the table writes it: `92.0 %`, `[85.1–96.0]`, `n=50`.
pub struct FigureView {
    pub value: String,
    /// Empty without an interval.
    pub interval: String,
    pub n: i64,
}

impl FigureView {
    /// `scale` 100 and unit `" %"` for rates, 1 and `""` for scores.
    fn new(f: &Figure, scale: f64, unit: &str) -> FigureView {
        FigureView {
            value: f
                .value
                .map_or_else(|| "—".into(), |v| format!("{:.1}{unit}", v * scale)),
            interval: f.interval.map_or_else(String::new, |i| {
                format!("[{:.1}–{:.1}]", i.low * scale, i.high * scale)
            }),
            n: f.n,
        }
    }

    fn rate(f: &Figure) -> FigureView {
        FigureView::new(f, 100.0, " %")
    }

    fn score(f: &Figure) -> FigureView {
        FigureView::new(f, 1.0, "")
    }
}

pub struct GroupView {
    pub label: String,
    pub too_few: bool,
    pub evaluations: i64,
    pub score: FigureView,
    pub pass: FigureView,
    pub customer: FigureView,
    pub business: FigureView,
    pub compliance: FigureView,
}

impl GroupView {
    fn new(label: String, s: &Stats) -> GroupView {
        GroupView {
            label,
            too_few: s.too_few,
            evaluations: s.evaluations,
            score: FigureView::score(&s.mean_score),
            pass: FigureView::rate(&s.pass_rate),
            customer: FigureView::rate(&s.customer_accuracy),
            business: FigureView::rate(&s.business_accuracy),
            compliance: FigureView::rate(&s.compliance_accuracy),
        }
    }
}

pub struct QuestionView {
    pub key: String,
    pub text: String,
    pub answered: i64,
    pub not_applicable: i64,
    pub full_marks: FigureView,
    pub mean_attainment: String,
    pub too_few: bool,
}

/// An `<option>`.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    page: PageCtx,
    groups: Vec<Choice>,
    buckets: Vec<Choice>,
    scorecards: Vec<Choice>,
    from: String,
    to: String,
    agent: String,
    team: String,
    queue: String,
    period: String,
    group_label: &'static str,
    is_questions: bool,
    /// Questions were asked for, but no scorecard is published.
    no_scorecard: bool,
    rows: Vec<GroupView>,
    questions: Vec<QuestionView>,
    total: GroupView,
    too_few_note: String,
    bar_title: String,
    bar_svg: String,
    line_svg: String,
    export_href: String,
    /// Survey metrics beside the QA table (`pages::survey_metrics`).
    surveys: super::survey_metrics::DashboardSurveys,
}

/// The label of a group key on the page.
fn key_label(key: Option<&str>) -> String {
    key.unwrap_or("—").to_string()
}

fn score_axis() -> Axis {
    Axis {
        min: 0.0,
        max: 100.0,
        unit: String::new(),
        ticks: 5,
    }
}

fn bar(label: &str, f: &Figure, scale: f64, too_few: bool) -> Bar {
    Bar {
        label: label.to_string(),
        value: f.value.map(|v| v * scale),
        low: f.interval.map(|i| i.low * scale),
        high: f.interval.map(|i| i.high * scale),
        n: u64::try_from(f.n).unwrap_or(0),
        too_few,
    }
}

fn point(label: &str, f: &Figure, scale: f64) -> Point {
    Point {
        label: label.to_string(),
        value: f.value.map(|v| v * scale),
        low: f.interval.map(|i| i.low * scale),
        high: f.interval.map(|i| i.high * scale),
        n: u64::try_from(f.n).unwrap_or(0),
        too_few: f.n < MIN_EVALUATIONS,
    }
}

/// Mean score per group, or full marks per question: (title, SVG).
fn bars_svg(t: &Texts, sel: &Selection, report: &Report) -> (String, String) {
    let (title, axis, bars) = match &report.rows {
        Rows::Groups(rows) => (
            format!("{} · {}", t.dash.chart_score_title, sel.group.label(t)),
            score_axis(),
            rows.iter()
                .map(|r| {
                    let label = key_label(r.key.as_deref());
                    bar(&label, &r.stats.mean_score, 1.0, r.stats.too_few)
                })
                .collect::<Vec<_>>(),
        ),
        Rows::Questions(rows) => (
            t.dash.chart_full_marks_title.to_string(),
            Axis::percent(),
            rows.iter()
                .map(|q| bar(&q.text, &q.full_marks, 100.0, q.too_few))
                .collect(),
        ),
    };
    let desc = if bars.is_empty() {
        t.dash.chart_empty
    } else {
        t.dash.chart_bars_desc
    };
    let svg = bar_chart(&title, desc, &axis, &bars);
    (title, svg)
}

/// Mean score and the three accuracies (in %) per period.
fn line_svg(t: &Texts, report: &Report) -> String {
    let line = |name: &str, figure: fn(&Stats) -> &Figure, scale: f64| Series {
        name: name.to_string(),
        points: report
            .series
            .iter()
            .map(|s| point(&s.period, figure(&s.stats), scale))
            .collect(),
    };
    let series = [
        line(t.dash.series_mean_score, |s| &s.mean_score, 1.0),
        line(t.dash.series_customer, |s| &s.customer_accuracy, 100.0),
        line(t.dash.series_business, |s| &s.business_accuracy, 100.0),
        line(t.dash.series_compliance, |s| &s.compliance_accuracy, 100.0),
    ];
    let desc = if report.total.evaluations == 0 {
        t.dash.chart_empty
    } else {
        t.dash.chart_time_desc
    };
    line_chart(t.dash.chart_time_title, desc, &score_axis(), &series)
}

impl DashboardPage {
    fn new(
        page: PageCtx,
        sel: &Selection,
        report: &Report,
        scorecards: &[ScorecardSummary],
        surveys: super::survey_metrics::DashboardSurveys,
    ) -> DashboardPage {
        let t = page.t;
        let groups = Grouping::ALL
            .iter()
            .map(|g| Choice {
                value: g.as_str().into(),
                label: g.label(t).into(),
                selected: *g == sel.group,
            })
            .collect();
        let buckets = Bucket::ALL
            .iter()
            .map(|b| Choice {
                value: b.as_str().into(),
                label: b.label(t).into(),
                selected: *b == sel.bucket,
            })
            .collect();
        let all = Choice {
            value: String::new(),
            label: t.dash.all_scorecards.into(),
            selected: sel.scorecard.is_none(),
        };
        let scorecards = std::iter::once(all)
            .chain(
                scorecards
                    .iter()
                    .filter(|c| c.published.is_some() || sel.scorecard == Some(c.id))
                    .map(|c| Choice {
                        value: c.id.to_string(),
                        label: c.name.clone(),
                        selected: sel.scorecard == Some(c.id),
                    }),
            )
            .collect();
        let (rows, questions) = match &report.rows {
            Rows::Groups(rows) => (
                rows.iter()
                    .map(|r| GroupView::new(key_label(r.key.as_deref()), &r.stats))
                    .collect(),
                Vec::new(),
            ),
            Rows::Questions(rows) => (
                Vec::new(),
                rows.iter()
                    .map(|q| QuestionView {
                        key: q.key.clone(),
                        text: q.text.clone(),
                        answered: q.answered,
                        not_applicable: q.not_applicable,
                        full_marks: FigureView::rate(&q.full_marks),
                        mean_attainment: q
                            .mean_attainment
                            .map_or_else(|| "—".into(), |a| format!("{:.1} %", a * 100.0)),
                        too_few: q.too_few,
                    })
                    .collect(),
            ),
        };
        let text = |s: &Option<String>| s.clone().unwrap_or_default();
        let (bar_title, bar_svg) = bars_svg(t, sel, report);
        DashboardPage {
            groups,
            buckets,
            scorecards,
            from: report.from.clone(),
            to: report.to.clone(),
            agent: text(&sel.agent),
            team: text(&sel.team),
            queue: text(&sel.queue),
            period: t
                .dash
                .period
                .replace("{from}", &report.from)
                .replace("{to}", &report.to),
            group_label: sel.group.label(t),
            is_questions: sel.group == Grouping::Question,
            no_scorecard: sel.group == Grouping::Question && sel.scorecard.is_none(),
            rows,
            questions,
            total: GroupView::new(t.dash.total.into(), &report.total),
            too_few_note: t
                .dash
                .too_few_note
                .replace("{n}", &MIN_EVALUATIONS.to_string()),
            bar_title,
            bar_svg,
            line_svg: line_svg(t, report),
            export_href: format!("/dashboard.csv?{}", sel.query_string()),
            surveys,
            page,
        }
    }
}

/// `GET /dashboard`.
pub async fn page(
    State(app): State<App>,
    ctx: Ctx,
    Query(params): Query<DashboardParams>,
) -> AppResult<Response> {
    let (sel, scorecards, report) = cached_report(&app, &params).await?;
    let surveys = super::survey_metrics::dashboard_surveys(&app, &ctx, &sel).await;
    let page = PageCtx::new(&ctx, "dashboard");
    html(&DashboardPage::new(
        page,
        &sel,
        &report,
        &scorecards,
        surveys,
    ))
}

// ----- CSV ----------------------------------------------------------------------------------

const GROUP_HEADER: [&str; 22] = [
    "group",
    "evaluations",
    "mean_score",
    "score_low",
    "score_high",
    "pass_rate",
    "pass_low",
    "pass_high",
    "pass_n",
    "customer_accuracy",
    "customer_low",
    "customer_high",
    "customer_n",
    "business_accuracy",
    "business_low",
    "business_high",
    "business_n",
    "compliance_accuracy",
    "compliance_low",
    "compliance_high",
    "compliance_n",
    "too_few",
];

const QUESTION_HEADER: [&str; 9] = [
    "question_key",
    "question",
    "answered",
    "not_applicable",
    "full_marks_rate",
    "full_marks_low",
    "full_marks_high",
    "mean_attainment",
    "too_few",
];

/// One CSV cell. Text a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR first)
/// gets a leading `'`, since group names and question texts are typed by users; then RFC 4180
/// quoting.
pub fn csv_cell(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

fn csv_line(out: &mut String, cells: impl IntoIterator<Item = String>) {
    let cells: Vec<String> = cells.into_iter().map(|c| csv_cell(&c)).collect();
    out.push_str(&cells.join(","));
    out.push_str("\r\n");
}

/// A number with 4 decimals; empty when there is none.
fn decimal(v: Option<f64>) -> String {
    v.map_or_else(String::new, |v| format!("{v:.4}"))
}

fn figure_cells(f: &Figure) -> [String; 3] {
    [
        decimal(f.value),
        decimal(f.interval.map(|i| i.low)),
        decimal(f.interval.map(|i| i.high)),
    ]
}

fn group_cells(label: &str, s: &Stats) -> Vec<String> {
    let mut cells = vec![label.to_string(), s.evaluations.to_string()];
    cells.extend(figure_cells(&s.mean_score));
    for f in [
        &s.pass_rate,
        &s.customer_accuracy,
        &s.business_accuracy,
        &s.compliance_accuracy,
    ] {
        cells.extend(figure_cells(f));
        cells.push(f.n.to_string());
    }
    cells.push(s.too_few.to_string());
    cells
}

/// The report as CSV: UTF-8 with a byte order mark (so that Excel reads Chinese correctly),
/// CRLF line ends, rates as fractions.
pub fn csv_text(report: &Report) -> String {
    let mut out = String::from("\u{feff}");
    match &report.rows {
        Rows::Groups(rows) => {
            csv_line(&mut out, GROUP_HEADER.map(String::from));
            for r in rows {
                csv_line(
                    &mut out,
                    group_cells(r.key.as_deref().unwrap_or(CSV_NONE), &r.stats),
                );
            }
            csv_line(&mut out, group_cells(CSV_ALL, &report.total));
        }
        Rows::Questions(rows) => {
            csv_line(&mut out, QUESTION_HEADER.map(String::from));
            for q in rows {
                let mut cells = vec![
                    q.key.clone(),
                    q.text.clone(),
                    q.answered.to_string(),
                    q.not_applicable.to_string(),
                ];
                cells.extend(figure_cells(&q.full_marks));
                cells.push(decimal(q.mean_attainment));
                cells.push(q.too_few.to_string());
                csv_line(&mut out, cells);
            }
        }
    }
    out
}

/// `GET /dashboard.csv`: the page's table as a file, with an audit entry.
pub async fn csv(
    State(app): State<App>,
    principal: Principal,
    Query(params): Query<DashboardParams>,
) -> AppResult<Response> {
    let (_, _, report) = cached_report(&app, &params).await?;
    let body = csv_text(&report);
    app.store
        .audit(
            &principal.user.username,
            action::DASHBOARD_EXPORT,
            "dashboard",
            json!({
                "group": report.group,
                "from": report.from,
                "to": report.to,
                "scorecard": report.scorecard,
                "agent": report.agent,
                "team": report.team,
                "queue": report.queue,
                "bucket": report.bucket,
                "rows": report.rows.len(),
            }),
        )
        .await?;
    // Group, dates: ASCII only, from the checked selection.
    Ok(csv_attachment(
        &format!(
            "earshot-dashboard-{}-{}-{}.csv",
            report.group, report.from, report.to
        ),
        body,
    ))
}

/// A CSV download named `filename` (ASCII, from a checked selection: it is not escaped).
pub fn csv_attachment(filename: &str, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        body,
    )
        .into_response()
}

// ----- API ----------------------------------------------------------------------------------

/// `GET /api/v1/dashboard`: the [`Report`] as JSON.
pub async fn api(
    State(app): State<App>,
    Query(params): Query<DashboardParams>,
) -> AppResult<Response> {
    let (_, _, report) = cached_report(&app, &params).await?;
    Ok(JsonResponse(&*report).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn weeks_start_on_monday_and_months_on_the_first() {
        // 2026-03-01 is a Sunday: its week began on Monday 2026-02-23.
        assert_eq!(Bucket::Week.start(d("2026-03-01")), Some(d("2026-02-23")));
        assert_eq!(Bucket::Week.start(d("2026-03-02")), Some(d("2026-03-02")));
        assert_eq!(Bucket::Month.start(d("2026-03-31")), Some(d("2026-03-01")));
        let weeks = Bucket::Week.periods(d("2026-03-01"), d("2026-03-10"));
        assert_eq!(
            weeks,
            vec![
                (d("2026-02-23"), d("2026-03-01")),
                (d("2026-03-02"), d("2026-03-08")),
                (d("2026-03-09"), d("2026-03-15")),
            ]
        );
        let months = Bucket::Month.periods(d("2026-01-31"), d("2026-03-01"));
        assert_eq!(months.len(), 3);
        assert_eq!(months[1], (d("2026-02-01"), d("2026-02-28")));
        assert_eq!(Bucket::Month.name(months[1].0), "2026-02");
    }

    #[test]
    fn epoch_days_are_dates() {
        assert_eq!(epoch_day(0), Some(d("1970-01-01")));
        // 2026-03-09 is 56 years and 14 leap days after 1970-01-01: 56·365 + 14 + 31 + 28 + 8.
        assert_eq!(
            epoch_day(56 * 365 + 14 + 31 + 28 + 8),
            Some(d("2026-03-09"))
        );
    }

    #[test]
    fn csv_cells_are_guarded_and_quoted() {
        assert_eq!(csv_cell("=cmd"), "'=cmd");
        assert_eq!(csv_cell("+1"), "'+1");
        assert_eq!(csv_cell("-2"), "'-2");
        assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_cell("\tx"), "'\tx");
        assert_eq!(csv_cell("\rx"), "\"'\rx\"");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("北區"), "北區");
        assert_eq!(csv_cell("0.9231"), "0.9231");
    }

    #[test]
    fn parameters_default_and_refuse_clearly() {
        let today = d("2026-03-31");
        let sel = DashboardParams::default().resolve(today, &[]).unwrap();
        assert_eq!(sel.group, Grouping::Agent);
        assert_eq!(sel.bucket, Bucket::Week);
        assert_eq!(sel.to, today);
        // 90 days, today included: 2026-03-31 back 89 days is 2026-01-01 (31 + 28 + 30 = 89).
        assert_eq!(sel.from, d("2026-01-01"));
        let refuse = |p: DashboardParams| match p.resolve(today, &[]) {
            Err(AppError::BadRequest(m)) => m,
            other => panic!("expected a bad request, got {other:?}"),
        };
        let m = refuse(DashboardParams {
            group: "bogus".into(),
            ..Default::default()
        });
        assert!(m.contains("\"bogus\"") && m.contains("agent, team"), "{m}");
        let m = refuse(DashboardParams {
            from: "yesterday".into(),
            ..Default::default()
        });
        assert!(m.contains("YYYY-MM-DD"), "{m}");
        let m = refuse(DashboardParams {
            from: "2026-04-01".into(),
            ..Default::default()
        });
        assert!(m.contains("after"), "{m}");
        let m = refuse(DashboardParams {
            scorecard: "7".into(),
            ..Default::default()
        });
        assert!(m.contains("no scorecard 7"), "{m}");
        let m = refuse(DashboardParams {
            from: "1990-01-01".into(),
            ..Default::default()
        });
        assert!(m.contains("shorter"), "{m}");
    }

    #[test]
    fn mean_score_interval_stays_within_the_scale() {
        // Scores 100, 100, 40: mean 80, s = √1200 ≈ 34.64, half-width 1.96·34.64/√3 ≈ 39.2.
        let t = Tally {
            evaluations: 3,
            scored: 3,
            score_sum: 240.0,
            score_sq_sum: 21_600.0,
            ..Tally::default()
        };
        let f = mean_score(&t).unwrap();
        assert_eq!(f.value, Some(80.0));
        let i = f.interval.unwrap();
        assert!((i.low - (80.0 - 39.2)).abs() < 0.1, "{i:?}");
        assert_eq!(i.high, 100.0, "119.2 is cut to the top of the scale");
    }

    #[test]
    fn figures_read_with_interval_and_n() {
        let f = rate(46, 50).unwrap();
        let v = FigureView::rate(&f);
        assert_eq!(v.value, "92.0 %");
        assert!(v.interval.starts_with('[') && v.interval.contains('–'));
        assert_eq!(v.n, 50);
        let empty = FigureView::rate(&rate(0, 0).unwrap());
        assert_eq!((empty.value.as_str(), empty.interval.as_str()), ("—", ""));
    }
}
