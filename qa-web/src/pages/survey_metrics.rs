//! Survey metrics beside QA scores: `/surveys/metrics`, `/surveys/metrics.csv`,
//! `/api/v1/surveys/metrics` and the survey table of `/dashboard`; the key-driver view
//! ([`drivers`]) and low-answer alerts ([`alerts`]).
//!
//! The store sums answers per agent, team or queue in SQL (`Store::survey_tallies`); every
//! figure and its interval is made here with `earshot_survey::metrics` into one
//! [`SurveyReport`], which the page, the dashboard, the CSV and the API all show, so the four
//! never disagree:
//!
//! | figure | from | interval |
//! |---|---|---|
//! | response rate | responses / surveys offered | Wilson |
//! | CSAT | CSAT answers of 4 or 5 / CSAT answers | Wilson |
//! | NPS | (promoters − detractors) / NPS answers, in `[−1, 1]` | Rocks' adjusted Wald |
//! | CES | mean of the 1–7 answers | normal, `mean ± z·s/√n` |
//! | FCR | yes answers / answers to the resolution question | Wilson |
//! | QA mean score | submitted evaluations of the same group and period | normal, within 0–100 |
//!
//! Groups with fewer than [`MIN_RESPONSES`] responses are marked as too few, as the QA table
//! marks groups with few evaluations. The figures are computed on each request (a handful of
//! grouped queries), apart from the QA dashboard's report cache.

pub mod alerts;
pub mod drivers;

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use chrono::NaiveDate;
use earshot_charts::{bar_chart, Axis, Bar};
use earshot_stats::{mean_estimate, Interval};
use earshot_store::surveys::{
    action, Channel, SurveyFilter, SurveyGroupBy, SurveySummary, SurveyTally,
};
use earshot_store::time::local_days;
use earshot_survey::{MetricError, Share};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::dashboard::{csv_cell, Choice, Figure, Grouping, Selection, CONFIDENCE};
use super::{html, may, PageCtx};
use crate::auth::{Ctx, Principal};
use crate::error::{AppError, AppResult};
use crate::extract::Query;
use crate::i18n::Texts;
use crate::App;

/// Below this many responses a group's figures are marked: their intervals are too wide to rank
/// agents or teams on.
pub const MIN_RESPONSES: i64 = 10;
/// How a missing group key (a call without agent, team or queue) is written in the CSV.
const CSV_NONE: &str = "(none)";
/// The label of the whole-selection row in the CSV.
const CSV_ALL: &str = "(all)";

pub(crate) use super::dashboard::{bad, local_date, today};

// ----- parameters ---------------------------------------------------------------------------

/// The query parameters of the page, the CSV and the API. A blank value means the default,
/// since the page's form sends every field.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct MetricsParams {
    /// `agent` (default), `team`, `queue` or `all`.
    #[serde(default)]
    pub group: String,
    /// Local date `YYYY-MM-DD`; default: 89 days before `to`.
    #[serde(default)]
    pub from: String,
    /// Local date `YYYY-MM-DD`, inclusive; default: today.
    #[serde(default)]
    pub to: String,
    /// Survey id; default: every survey.
    #[serde(default)]
    pub survey: String,
    #[serde(default)]
    pub agent: String,
    #[serde(default)]
    pub team: String,
    #[serde(default)]
    pub queue: String,
    /// `keypad` or `web`; default both.
    #[serde(default)]
    pub channel: String,
}

pub const GROUPS: [SurveyGroupBy; 4] = [
    SurveyGroupBy::Agent,
    SurveyGroupBy::Team,
    SurveyGroupBy::Queue,
    SurveyGroupBy::All,
];

pub fn group_name(g: SurveyGroupBy) -> &'static str {
    match g {
        SurveyGroupBy::Agent => "agent",
        SurveyGroupBy::Team => "team",
        SurveyGroupBy::Queue => "queue",
        SurveyGroupBy::All => "all",
    }
}

fn group_label(t: &Texts, g: SurveyGroupBy) -> &'static str {
    match g {
        SurveyGroupBy::Agent => t.dash.group_agent,
        SurveyGroupBy::Team => t.dash.group_team,
        SurveyGroupBy::Queue => t.dash.group_queue,
        SurveyGroupBy::All => t.surm.group_all,
    }
}

pub fn channel_name(c: Channel) -> &'static str {
    match c {
        Channel::Keypad => "keypad",
        Channel::Web => "web",
    }
}

pub fn channel_label(t: &Texts, c: Channel) -> &'static str {
    match c {
        Channel::Keypad => t.surm.channel_keypad,
        Channel::Web => t.surm.channel_web,
    }
}

/// `[from, to]` as the store's epoch-ms bounds `[local midnight of from, local midnight after
/// to)`.
pub(crate) fn period_ms(
    from: NaiveDate,
    to: NaiveDate,
    utc_offset_minutes: i32,
) -> AppResult<(i64, i64)> {
    local_days(from, to, utc_offset_minutes)
        .ok_or_else(|| bad(format!("the period {from} to {to} is out of range")))
}

fn text_filter(text: &str) -> Option<String> {
    Some(text.trim().to_string()).filter(|t| !t.is_empty())
}

/// The parameters, checked, with their defaults filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricsSelection {
    pub group: SurveyGroupBy,
    pub from: NaiveDate,
    /// Inclusive.
    pub to: NaiveDate,
    pub survey: Option<i64>,
    pub agent: Option<String>,
    pub team: Option<String>,
    pub queue: Option<String>,
    pub channel: Option<Channel>,
}

impl MetricsParams {
    /// Check the parameters against today's local date and the surveys that exist.
    pub fn resolve(
        &self,
        today: NaiveDate,
        surveys: &[SurveySummary],
    ) -> AppResult<MetricsSelection> {
        let group = match self.group.trim() {
            "" => SurveyGroupBy::Agent,
            g => GROUPS
                .into_iter()
                .find(|x| group_name(*x) == g)
                .ok_or_else(|| bad(format!("group {g:?} is not one of agent, team, queue, all")))?,
        };
        let channel = match self.channel.trim() {
            "" => None,
            "keypad" => Some(Channel::Keypad),
            "web" => Some(Channel::Web),
            c => return Err(bad(format!("channel {c:?} is not one of keypad, web"))),
        };
        let (from, to) = super::dashboard::period(&self.from, &self.to, today)?;
        let survey = match self.survey.trim() {
            "" => None,
            s => {
                let id: i64 = s
                    .parse()
                    .map_err(|_| bad(format!("survey {s:?} is not a survey id (a number)")))?;
                if !surveys.iter().any(|x| x.id == id) {
                    return Err(bad(format!("there is no survey {id}")));
                }
                Some(id)
            }
        };
        Ok(MetricsSelection {
            group,
            from,
            to,
            survey,
            agent: text_filter(&self.agent),
            team: text_filter(&self.team),
            queue: text_filter(&self.queue),
            channel,
        })
    }
}

impl MetricsSelection {
    /// The survey table beside the QA dashboard's: its period and filters, grouped as the QA
    /// table where surveys can be (agent, team, queue); by reviewer or question, one row for
    /// the whole selection (customers do not answer about reviewers or scorecard questions).
    pub fn beside(sel: &Selection) -> MetricsSelection {
        MetricsSelection {
            group: match sel.group {
                Grouping::Agent => SurveyGroupBy::Agent,
                Grouping::Team => SurveyGroupBy::Team,
                Grouping::Queue => SurveyGroupBy::Queue,
                Grouping::Reviewer | Grouping::Question => SurveyGroupBy::All,
            },
            from: sel.from,
            to: sel.to,
            survey: None,
            agent: sel.agent.clone(),
            team: sel.team.clone(),
            queue: sel.queue.clone(),
            channel: None,
        }
    }

    /// The store's filter: call start from local midnight of `from` to local midnight after
    /// `to`.
    pub fn filter(&self, utc_offset_minutes: i32) -> AppResult<SurveyFilter> {
        let (from, to) = period_ms(self.from, self.to, utc_offset_minutes)?;
        Ok(SurveyFilter {
            from: Some(from),
            to: Some(to),
            survey_id: self.survey,
            agent: self.agent.clone(),
            team: self.team.clone(),
            queue: self.queue.clone(),
            channel: self.channel,
        })
    }

    /// Every parameter, defaults included, so that a link shows exactly this selection.
    pub fn query_string(&self) -> String {
        let mut q = form_urlencoded::Serializer::new(String::new());
        q.append_pair("group", group_name(self.group));
        q.append_pair("from", &self.from.format("%Y-%m-%d").to_string());
        q.append_pair("to", &self.to.format("%Y-%m-%d").to_string());
        if let Some(id) = self.survey {
            q.append_pair("survey", &id.to_string());
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
        if let Some(c) = self.channel {
            q.append_pair("channel", channel_name(c));
        }
        q.finish()
    }
}

// ----- figures ------------------------------------------------------------------------------

/// The NPS with its interval and the counts it comes from. `value` and the interval are
/// fractions in `[−1, 1]` (the page multiplies by 100, as NPS is usually written).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct NetFigure {
    pub value: Option<f64>,
    pub interval: Option<Interval>,
    pub n: i64,
    pub promoters: i64,
    pub passives: i64,
    pub detractors: i64,
}

/// The figures of a set of survey responses, with QA beside them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SurveyStats {
    /// Surveys offered: keypad surveys begun plus web links issued.
    pub offered: i64,
    /// Responses with at least one answer.
    pub responses: i64,
    /// Fewer than [`MIN_RESPONSES`] responses.
    pub too_few: bool,
    /// Responses of those offered.
    pub response_rate: Figure,
    /// CSAT answers of 4 or 5, of CSAT answers.
    pub csat: Figure,
    pub nps: NetFigure,
    /// Mean CES (1–7).
    pub ces: Figure,
    /// First-contact resolution: yes answers to the resolution question, of its answers.
    pub fcr: Figure,
    /// The mean QA score (0–100) of the group's submitted evaluations in the period.
    pub qa_mean_score: Figure,
}

fn internal(what: &str, e: impl std::fmt::Display) -> AppError {
    AppError::Internal(format!("survey metrics, {what}: {e}"))
}

fn count(n: i64, what: &str) -> AppResult<u64> {
    u64::try_from(n).map_err(|_| internal(what, format!("negative count {n}")))
}

/// A sum of whole answers (CES) as the integer it must be.
fn whole(v: f64, what: &str) -> AppResult<u64> {
    if v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v <= u64::MAX as f64 {
        Ok(v as u64)
    } else {
        Err(internal(what, format!("{v} is not a sum of whole answers")))
    }
}

fn share_figure(
    share: Result<Option<Share>, MetricError>,
    n: i64,
    what: &str,
) -> AppResult<Figure> {
    let share = share.map_err(|e| internal(what, e))?;
    Ok(Figure {
        value: share.map(|s| s.share),
        interval: share.map(|s| s.interval),
        n,
    })
}

impl SurveyStats {
    pub fn of(t: &SurveyTally) -> AppResult<SurveyStats> {
        let c = |n: i64, what: &str| count(n, what);
        let response_rate = share_figure(
            earshot_survey::response_rate(
                c(t.responses, "responses")?,
                c(t.offered, "offered")?,
                CONFIDENCE,
            ),
            t.offered,
            "response rate",
        )?;
        let csat = share_figure(
            earshot_survey::csat(
                c(t.csat_satisfied, "CSAT")?,
                c(t.csat_n, "CSAT")?,
                CONFIDENCE,
            ),
            t.csat_n,
            "CSAT",
        )?;
        let fcr = share_figure(
            earshot_survey::fcr(c(t.fcr_yes, "FCR")?, c(t.fcr_n, "FCR")?, CONFIDENCE),
            t.fcr_n,
            "FCR",
        )?;
        let net = earshot_survey::nps(
            c(t.nps_promoters, "NPS")?,
            c(t.nps_detractors, "NPS")?,
            c(t.nps_n, "NPS")?,
            CONFIDENCE,
        )
        .map_err(|e| internal("NPS", e))?;
        let nps = NetFigure {
            value: net.map(|s| s.score),
            interval: net.map(|s| s.interval),
            n: t.nps_n,
            promoters: t.nps_promoters,
            passives: net.map_or(0, |s| s.passives as i64),
            detractors: t.nps_detractors,
        };
        let ces_estimate = earshot_survey::ces(
            c(t.ces_n, "CES")?,
            whole(t.ces_sum, "CES sum")?,
            whole(t.ces_sum_sq, "CES sum of squares")?,
            CONFIDENCE,
        )
        .map_err(|e| internal("CES", e))?;
        let ces = Figure {
            value: ces_estimate.map(|e| e.mean),
            interval: ces_estimate.and_then(|e| e.interval),
            n: t.ces_n,
        };
        let qa = mean_estimate(
            c(t.qa_evaluations, "QA")?,
            t.qa_score_sum,
            t.qa_score_sum_sq,
            CONFIDENCE,
        )
        .map_err(|e| internal("QA mean score", e))?;
        // Scores cannot leave 0–100, so neither can their mean, whatever mean ± z·s/√n says.
        let qa_mean_score = Figure {
            value: qa.map(|e| e.mean),
            interval: qa.and_then(|e| e.interval).map(|i| Interval {
                low: i.low.clamp(0.0, 100.0),
                high: i.high.clamp(0.0, 100.0),
            }),
            n: t.qa_evaluations,
        };
        Ok(SurveyStats {
            offered: t.offered,
            responses: t.responses,
            too_few: t.responses < MIN_RESPONSES,
            response_rate,
            csat,
            nps,
            ces,
            fcr,
            qa_mean_score,
        })
    }
}

/// One agent, team or queue.
#[derive(Debug, Clone, Serialize)]
pub struct SurveyRow {
    /// `None` for calls without one (and the one row of `group=all`).
    pub key: Option<String>,
    #[serde(flatten)]
    pub stats: SurveyStats,
}

/// Everything the page, the dashboard table, the CSV and the API show, as the API returns it.
#[derive(Debug, Clone, Serialize)]
pub struct SurveyReport {
    pub group: &'static str,
    pub from: String,
    pub to: String,
    pub survey: Option<i64>,
    pub agent: Option<String>,
    pub team: Option<String>,
    pub queue: Option<String>,
    pub channel: Option<&'static str>,
    pub confidence: f64,
    pub min_responses: i64,
    pub rows: Vec<SurveyRow>,
    /// The whole selection.
    pub total: SurveyStats,
}

/// The report of a selection, from the store's sums.
/// Survey reports of the dashboard, kept per generation of the QA data like the dashboard's
/// own (every survey write moves the generation), so the busiest page does not sum the
/// surveys again on every request.
#[derive(Default)]
pub struct SurveyReportCache {
    state: std::sync::Mutex<(
        i64,
        std::collections::HashMap<String, std::sync::Arc<SurveyReport>>,
    )>,
}

/// Most survey reports kept at once (each selection is one).
const MAX_KEPT_SURVEY_REPORTS: usize = 256;

/// [`survey_report`], from [`SurveyReportCache`] when the QA data has not changed since.
async fn kept_survey_report(
    app: &App,
    sel: &MetricsSelection,
) -> AppResult<std::sync::Arc<SurveyReport>> {
    // Read before computing: a change made meanwhile moves the generation past this one.
    let generation = app.store.qa_generation().await?;
    let key = sel.query_string();
    {
        let mut state = app
            .survey_reports
            .state
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if state.0 != generation {
            *state = (generation, Default::default());
        }
        if let Some(r) = state.1.get(&key) {
            return Ok(r.clone());
        }
    }
    let report = std::sync::Arc::new(survey_report(app, sel).await?);
    let mut state = app
        .survey_reports
        .state
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    if state.0 == generation {
        if state.1.len() >= MAX_KEPT_SURVEY_REPORTS {
            state.1.clear();
        }
        state.1.insert(key, report.clone());
    }
    Ok(report)
}

pub async fn survey_report(app: &App, sel: &MetricsSelection) -> AppResult<SurveyReport> {
    let filter = sel.filter(app.config.utc_offset_minutes)?;
    let total = app
        .store
        .survey_tallies(&filter, SurveyGroupBy::All)
        .await?
        .into_iter()
        .next()
        .unwrap_or_default();
    let tallies = if sel.group == SurveyGroupBy::All {
        vec![total.clone()]
    } else {
        app.store.survey_tallies(&filter, sel.group).await?
    };
    let mut rows = tallies
        .into_iter()
        .map(|t| {
            Ok(SurveyRow {
                stats: SurveyStats::of(&t)?,
                key: if sel.group == SurveyGroupBy::All {
                    None
                } else {
                    t.group
                },
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    // By code point, calls without a group last: databases sort names (and NULL) differently.
    rows.sort_by(|a, b| (a.key.is_none(), &a.key).cmp(&(b.key.is_none(), &b.key)));
    Ok(SurveyReport {
        group: group_name(sel.group),
        from: sel.from.format("%Y-%m-%d").to_string(),
        to: sel.to.format("%Y-%m-%d").to_string(),
        survey: sel.survey,
        agent: sel.agent.clone(),
        team: sel.team.clone(),
        queue: sel.queue.clone(),
        channel: sel.channel.map(channel_name),
        confidence: CONFIDENCE,
        min_responses: MIN_RESPONSES,
        rows,
        total: SurveyStats::of(&total)?,
    })
}

/// The selection the parameters mean, the surveys (for its choices), and its report.
pub async fn resolve_report(
    app: &App,
    params: &MetricsParams,
) -> AppResult<(MetricsSelection, Vec<SurveySummary>, SurveyReport)> {
    let surveys = app.store.surveys().await?;
    let sel = params.resolve(today(app), &surveys)?;
    let report = survey_report(app, &sel).await?;
    Ok((sel, surveys, report))
}

// ----- the table, on this page and on the dashboard -----------------------------------------

/// A figure as the table writes it: `62.5 %`, `[45.1–77.2]`, `n=40`.
pub struct Shown {
    pub value: String,
    /// Empty without an interval.
    pub interval: String,
    pub n: i64,
}

impl Shown {
    fn new(
        value: Option<f64>,
        interval: Option<Interval>,
        n: i64,
        fmt: impl Fn(f64) -> String,
    ) -> Shown {
        Shown {
            value: value.map_or_else(|| "—".into(), &fmt),
            interval: interval
                .map_or_else(String::new, |i| format!("[{}–{}]", fmt(i.low), fmt(i.high))),
            n,
        }
    }

    fn rate(f: &Figure) -> Shown {
        Shown::new(f.value, f.interval, f.n, |v| format!("{:.1}", v * 100.0)).percent()
    }

    /// `%` after the value only, so that the interval stays short.
    fn percent(mut self) -> Shown {
        if self.value != "—" {
            self.value.push_str(" %");
        }
        self
    }

    fn mean(f: &Figure, decimals: usize) -> Shown {
        Shown::new(f.value, f.interval, f.n, |v| format!("{v:.decimals$}"))
    }

    /// NPS as points from −100 to +100, signed.
    fn net(f: &NetFigure) -> Shown {
        Shown::new(f.value, f.interval, f.n, |v| format!("{:+.1}", v * 100.0))
    }
}

pub struct SurveyRowView {
    pub label: String,
    pub too_few: bool,
    pub responses: i64,
    /// Responses of those offered; its `n` is the surveys offered.
    pub rate: Shown,
    pub csat: Shown,
    pub nps: Shown,
    pub ces: Shown,
    pub fcr: Shown,
    pub qa: Shown,
}

impl SurveyRowView {
    fn new(label: String, s: &SurveyStats) -> SurveyRowView {
        SurveyRowView {
            label,
            too_few: s.too_few,
            responses: s.responses,
            rate: Shown::rate(&s.response_rate),
            csat: Shown::rate(&s.csat),
            nps: Shown::net(&s.nps),
            ces: Shown::mean(&s.ces, 2),
            fcr: Shown::rate(&s.fcr),
            qa: Shown::mean(&s.qa_mean_score, 1),
        }
    }
}

/// What `survey_metrics_table.html` shows.
pub struct SurveyTable {
    pub group_label: &'static str,
    /// One row per group; empty for `group=all`, whose one row is the total.
    pub rows: Vec<SurveyRowView>,
    pub total: SurveyRowView,
    /// No survey was offered or answered in the selection.
    pub empty: bool,
    pub too_few_note: String,
}

impl SurveyTable {
    pub fn new(t: &Texts, report: &SurveyReport, group: SurveyGroupBy) -> SurveyTable {
        let rows = if group == SurveyGroupBy::All {
            Vec::new()
        } else {
            report
                .rows
                .iter()
                .map(|r| SurveyRowView::new(key_label(r.key.as_deref()), &r.stats))
                .collect()
        };
        SurveyTable {
            group_label: group_label(t, group),
            rows,
            total: SurveyRowView::new(t.dash.total.into(), &report.total),
            empty: report.total.offered == 0 && report.total.responses == 0,
            too_few_note: t
                .surm
                .too_few_note
                .replace("{n}", &MIN_RESPONSES.to_string()),
        }
    }
}

fn key_label(key: Option<&str>) -> String {
    key.unwrap_or("—").to_string()
}

/// The survey part of `/dashboard`.
pub struct DashboardSurveys {
    /// `None` when the figures could not be computed (logged; the QA table still shows).
    pub table: Option<SurveyTable>,
    /// This selection on `/surveys/metrics`.
    pub href: String,
    /// "3 open low-answer alerts", for those who acknowledge them; `None` for others.
    pub open_alerts: Option<String>,
}

/// The survey table for the dashboard's selection. A failure is logged and leaves the table out
/// rather than failing the QA dashboard.
pub async fn dashboard_surveys(app: &App, ctx: &Ctx, sel: &Selection) -> DashboardSurveys {
    let t = ctx.lang.texts();
    let msel = MetricsSelection::beside(sel);
    let table = match kept_survey_report(app, &msel).await {
        Ok(report) => Some(SurveyTable::new(t, &report, msel.group)),
        Err(e) => {
            tracing::error!(error = %e, "survey figures for the dashboard");
            None
        }
    };
    let open_alerts = if alerts::may_acknowledge(ctx.principal.as_ref()) {
        match alerts::open_count(app).await {
            Ok((n, capped)) => {
                let n = if capped {
                    format!("{n}+")
                } else {
                    n.to_string()
                };
                Some(t.surm.open_alerts.replace("{n}", &n))
            }
            Err(e) => {
                tracing::error!(error = %e, "open survey alerts for the dashboard");
                None
            }
        }
    } else {
        None
    };
    DashboardSurveys {
        table,
        href: format!("/surveys/metrics?{}", msel.query_string()),
        open_alerts,
    }
}

// ----- the page -----------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "survey_metrics.html")]
struct MetricsPage {
    page: PageCtx,
    groups: Vec<Choice>,
    surveys: Vec<Choice>,
    channels: Vec<Choice>,
    from: String,
    to: String,
    agent: String,
    team: String,
    queue: String,
    period: String,
    survey: SurveyTable,
    chart_svg: String,
    export_href: String,
    show_drivers: bool,
    show_alerts: bool,
}

/// CSAT per group (or the whole selection) with its Wilson whiskers, in %.
fn csat_svg(t: &Texts, report: &SurveyReport, group: SurveyGroupBy) -> String {
    let bar = |label: String, s: &SurveyStats| Bar {
        label,
        value: s.csat.value.map(|v| v * 100.0),
        low: s.csat.interval.map(|i| i.low * 100.0),
        high: s.csat.interval.map(|i| i.high * 100.0),
        n: u64::try_from(s.csat.n).unwrap_or(0),
        too_few: s.too_few,
    };
    let bars: Vec<Bar> = if group == SurveyGroupBy::All {
        vec![bar(t.dash.total.into(), &report.total)]
    } else {
        report
            .rows
            .iter()
            .map(|r| bar(key_label(r.key.as_deref()), &r.stats))
            .collect()
    };
    let desc = if report.total.csat.n == 0 {
        t.surm.chart_empty
    } else {
        t.surm.chart_csat_desc
    };
    bar_chart(t.surm.chart_csat_title, desc, &Axis::percent(), &bars)
}

fn survey_choices(t: &Texts, surveys: &[SurveySummary], selected: Option<i64>) -> Vec<Choice> {
    std::iter::once(Choice {
        value: String::new(),
        label: t.surm.all_surveys.into(),
        selected: selected.is_none(),
    })
    .chain(surveys.iter().map(|s| Choice {
        value: s.id.to_string(),
        label: s.name.clone(),
        selected: selected == Some(s.id),
    }))
    .collect()
}

/// `GET /surveys/metrics`.
pub async fn page(
    State(app): State<App>,
    ctx: Ctx,
    Query(params): Query<MetricsParams>,
) -> AppResult<Response> {
    let (sel, surveys, report) = resolve_report(&app, &params).await?;
    let page = PageCtx::new(&ctx, "surveys");
    let t = page.t;
    let groups = GROUPS
        .iter()
        .map(|g| Choice {
            value: group_name(*g).into(),
            label: group_label(t, *g).into(),
            selected: *g == sel.group,
        })
        .collect();
    let channels = [None, Some(Channel::Keypad), Some(Channel::Web)]
        .into_iter()
        .map(|c| Choice {
            value: c.map_or("", channel_name).into(),
            label: c
                .map_or(t.surm.all_channels, |c| channel_label(t, c))
                .into(),
            selected: c == sel.channel,
        })
        .collect();
    let text = |s: &Option<String>| s.clone().unwrap_or_default();
    let principal = ctx.principal.as_ref();
    html(&MetricsPage {
        groups,
        surveys: survey_choices(t, &surveys, sel.survey),
        channels,
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
        survey: SurveyTable::new(t, &report, sel.group),
        chart_svg: csat_svg(t, &report, sel.group),
        export_href: format!("/surveys/metrics.csv?{}", sel.query_string()),
        show_drivers: may(principal, &axum::http::Method::GET, "/surveys/drivers"),
        show_alerts: may(principal, &axum::http::Method::GET, "/surveys/alerts"),
        page,
    })
}

// ----- CSV ----------------------------------------------------------------------------------

const HEADER: [&str; 31] = [
    "group",
    "offered",
    "responses",
    "response_rate",
    "response_rate_low",
    "response_rate_high",
    "csat",
    "csat_low",
    "csat_high",
    "csat_n",
    "nps",
    "nps_low",
    "nps_high",
    "nps_n",
    "nps_promoters",
    "nps_passives",
    "nps_detractors",
    "ces",
    "ces_low",
    "ces_high",
    "ces_n",
    "fcr",
    "fcr_low",
    "fcr_high",
    "fcr_n",
    "qa_mean_score",
    "qa_score_low",
    "qa_score_high",
    "qa_evaluations",
    "too_few",
    "min_responses",
];

/// A number with 4 decimals; empty when there is none.
fn decimal(v: Option<f64>) -> String {
    v.map_or_else(String::new, |v| format!("{v:.4}"))
}

fn figure_cells(value: Option<f64>, interval: Option<Interval>) -> [String; 3] {
    [
        decimal(value),
        decimal(interval.map(|i| i.low)),
        decimal(interval.map(|i| i.high)),
    ]
}

fn csv_row(label: &str, s: &SurveyStats) -> Vec<String> {
    let mut cells = vec![
        label.to_string(),
        s.offered.to_string(),
        s.responses.to_string(),
    ];
    cells.extend(figure_cells(
        s.response_rate.value,
        s.response_rate.interval,
    ));
    cells.extend(figure_cells(s.csat.value, s.csat.interval));
    cells.push(s.csat.n.to_string());
    cells.extend(figure_cells(s.nps.value, s.nps.interval));
    cells.extend([
        s.nps.n.to_string(),
        s.nps.promoters.to_string(),
        s.nps.passives.to_string(),
        s.nps.detractors.to_string(),
    ]);
    cells.extend(figure_cells(s.ces.value, s.ces.interval));
    cells.push(s.ces.n.to_string());
    cells.extend(figure_cells(s.fcr.value, s.fcr.interval));
    cells.push(s.fcr.n.to_string());
    cells.extend(figure_cells(
        s.qa_mean_score.value,
        s.qa_mean_score.interval,
    ));
    cells.push(s.qa_mean_score.n.to_string());
    cells.push(s.too_few.to_string());
    cells.push(MIN_RESPONSES.to_string());
    cells
}

fn csv_line(out: &mut String, cells: impl IntoIterator<Item = String>) {
    let cells: Vec<String> = cells.into_iter().map(|c| csv_cell(&c)).collect();
    out.push_str(&cells.join(","));
    out.push_str("\r\n");
}

/// The report as CSV: UTF-8 with a byte order mark (so that Excel reads Chinese correctly),
/// CRLF line ends, shares as fractions, NPS as a fraction in `[−1, 1]`; group names typed by
/// users are guarded against running as spreadsheet formulas ([`csv_cell`]).
pub fn csv_text(report: &SurveyReport) -> String {
    let mut out = String::from("\u{feff}");
    csv_line(&mut out, HEADER.map(String::from));
    if report.group != group_name(SurveyGroupBy::All) {
        for r in &report.rows {
            csv_line(
                &mut out,
                csv_row(r.key.as_deref().unwrap_or(CSV_NONE), &r.stats),
            );
        }
    }
    csv_line(&mut out, csv_row(CSV_ALL, &report.total));
    out
}

/// `GET /surveys/metrics.csv`: the page's table as a file, with an audit entry.
pub async fn csv(
    State(app): State<App>,
    principal: Principal,
    Query(params): Query<MetricsParams>,
) -> AppResult<Response> {
    let (_, _, report) = resolve_report(&app, &params).await?;
    let body = csv_text(&report);
    app.store
        .audit(
            &principal.user.username,
            action::SURVEY_METRICS_EXPORT,
            "survey_metrics",
            json!({
                "group": report.group,
                "from": report.from,
                "to": report.to,
                "survey": report.survey,
                "agent": report.agent,
                "team": report.team,
                "queue": report.queue,
                "channel": report.channel,
                "rows": report.rows.len(),
            }),
        )
        .await?;
    // Group and dates: ASCII only, from the checked selection.
    Ok(super::dashboard::csv_attachment(
        &format!(
            "earshot-survey-metrics-{}-{}-{}.csv",
            report.group, report.from, report.to
        ),
        body,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn parameters_default_and_refuse_clearly() {
        let today = d("2026-03-31");
        let sel = MetricsParams::default().resolve(today, &[]).unwrap();
        assert_eq!(sel.group, SurveyGroupBy::Agent);
        // 90 days, today included: 2026-03-31 back 89 days is 2026-01-01.
        assert_eq!((sel.from, sel.to), (d("2026-01-01"), today));
        assert_eq!(sel.channel, None);
        let refuse = |p: MetricsParams| match p.resolve(today, &[]) {
            Err(AppError::BadRequest(m)) => m,
            other => panic!("expected a bad request, got {other:?}"),
        };
        let m = refuse(MetricsParams {
            group: "reviewer".into(),
            ..Default::default()
        });
        assert!(
            m.contains("\"reviewer\"") && m.contains("agent, team"),
            "{m}"
        );
        let m = refuse(MetricsParams {
            channel: "sms".into(),
            ..Default::default()
        });
        assert!(m.contains("keypad, web"), "{m}");
        let m = refuse(MetricsParams {
            survey: "3".into(),
            ..Default::default()
        });
        assert!(m.contains("no survey 3"), "{m}");
        let m = refuse(MetricsParams {
            from: "2026-04-01".into(),
            ..Default::default()
        });
        assert!(m.contains("after"), "{m}");
        let sel = MetricsParams {
            group: "all".into(),
            channel: "web".into(),
            agent: " amy ".into(),
            ..Default::default()
        }
        .resolve(today, &[])
        .unwrap();
        assert_eq!(
            sel.query_string(),
            "group=all&from=2026-01-01&to=2026-03-31&agent=amy&channel=web"
        );
    }

    #[test]
    fn figures_from_sums() {
        // 40 offered, 25 responded; CSAT 15 of 20 satisfied; NPS 10 promoters, 4 detractors of
        // 20; CES answers 5, 6, 7: n 3, sum 18, squares 25 + 36 + 49 = 110, mean 6, s = 1;
        // FCR 12 of 16; QA 100 and 80: mean 90.
        let t = SurveyTally {
            offered: 40,
            responses: 25,
            csat_n: 20,
            csat_satisfied: 15,
            nps_n: 20,
            nps_promoters: 10,
            nps_detractors: 4,
            ces_n: 3,
            ces_sum: 18.0,
            ces_sum_sq: 110.0,
            fcr_n: 16,
            fcr_yes: 12,
            qa_evaluations: 2,
            qa_score_sum: 180.0,
            qa_score_sum_sq: 16_400.0,
            ..SurveyTally::default()
        };
        let s = SurveyStats::of(&t).unwrap();
        assert_eq!(s.response_rate.value, Some(25.0 / 40.0));
        assert_eq!(s.csat.value, Some(0.75));
        assert_eq!(s.nps.value, Some(0.3));
        assert_eq!((s.nps.passives, s.nps.n), (6, 20));
        assert_eq!(s.ces.value, Some(6.0));
        // 6 ± 1.96·1/√3 = 6 ± 1.1316.
        let i = s.ces.interval.unwrap();
        assert!((i.high - 6.0 - 1.959_963_984_540_054 / 3f64.sqrt()).abs() < 1e-9);
        assert_eq!(s.fcr.value, Some(0.75));
        assert_eq!(s.qa_mean_score.value, Some(90.0));
        assert!(!s.too_few);
        let v = SurveyRowView::new("a".into(), &s);
        assert_eq!(v.nps.value, "+30.0");
        assert_eq!(v.csat.value, "75.0 %");
        assert_eq!(v.ces.value, "6.00");
        // No answers at all: no figures, and too few.
        let empty = SurveyStats::of(&SurveyTally::default()).unwrap();
        assert!(empty.too_few && empty.csat.value.is_none() && empty.nps.value.is_none());
        assert_eq!(SurveyRowView::new("x".into(), &empty).csat.value, "—");
        // A sum no set of answers gives is the store's bug, reported.
        let broken = SurveyTally {
            ces_n: 2,
            ces_sum: 20.0,
            ces_sum_sq: 200.0,
            ..SurveyTally::default()
        };
        assert!(SurveyStats::of(&broken).is_err());
        assert!(whole(2.5, "x").is_err() && whole(-1.0, "x").is_err());
    }

    #[test]
    fn csv_guards_and_marks() {
        let s = SurveyStats::of(&SurveyTally::default()).unwrap();
        let report = SurveyReport {
            group: "agent",
            from: "2026-03-01".into(),
            to: "2026-03-31".into(),
            survey: None,
            agent: None,
            team: None,
            queue: None,
            channel: None,
            confidence: CONFIDENCE,
            min_responses: MIN_RESPONSES,
            rows: vec![
                SurveyRow {
                    key: Some("=HYPERLINK(\"x\")".into()),
                    stats: s.clone(),
                },
                SurveyRow {
                    key: None,
                    stats: s.clone(),
                },
            ],
            total: s,
        };
        let text = csv_text(&report);
        assert!(text.starts_with("\u{feff}group,offered,responses,"));
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert!(
            lines[1].starts_with("\"'=HYPERLINK(\"\"x\"\")\",0,0,"),
            "{}",
            lines[1]
        );
        assert!(lines[2].starts_with("(none),"));
        assert!(lines[3].starts_with("(all),"));
        assert_eq!(lines[1].split(',').count(), HEADER.len(), "{}", lines[1]);
    }
}
