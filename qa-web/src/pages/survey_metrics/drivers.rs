//! `/surveys/drivers` (and the data of `/api/v1/surveys/drivers`): on calls with both a
//! submitted evaluation and a survey answer, how each scorecard question, each COPC accuracy
//! and the total score go with the answer — which QA measures predict satisfaction and which do
//! not.
//!
//! The store pairs the values (`Store::key_driver_rows`: the newest submitted evaluation of a
//! call on the chosen scorecard, any version, beside its answer to the chosen survey question);
//! `earshot_survey::drivers` computes Pearson's r with its interval, Spearman's ρ and the
//! verdict; this module names the drivers (question texts from the newest published version
//! that has them) and orders them strongest first.

use std::collections::{BTreeSet, HashSet};

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use chrono::NaiveDate;
use earshot_charts::{bar_chart, Axis, Bar};
use earshot_scorecard::Category;
use earshot_stats::Interval;
use earshot_store::qa::ScorecardSummary;
use earshot_store::surveys::{DriverRow, SurveyFilter};
use earshot_survey::drivers::{by_strength, driver, Driver, Verdict, MIN_PAIRS};
use earshot_survey::{is_valid_key, Language, QuestionKind};
use serde::{Deserialize, Serialize};

use super::{bad, local_date, period_ms};
use crate::auth::Ctx;
use crate::error::{AppError, AppResult};
use crate::extract::Query;
use crate::i18n::{Lang, Texts};
use crate::pages::dashboard::{Choice, CONFIDENCE};
use crate::pages::{html, PageCtx};
use crate::App;

/// The query parameters of the page and the API. Blank means the default.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DriverParams {
    /// Scorecard id; default: the first published scorecard.
    #[serde(default)]
    pub scorecard: String,
    /// Survey question key; default: the first CSAT question of the surveys' newest published
    /// versions.
    #[serde(default)]
    pub question: String,
    /// Local dates `YYYY-MM-DD` bounding the call dates; default: every call.
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
}

/// A survey question that can be correlated with, for the choice.
#[derive(Debug, Clone, Serialize)]
pub struct SurveyQuestion {
    pub key: String,
    pub kind: QuestionKind,
    pub survey_id: i64,
    pub survey_name: String,
    /// The prompt in the user's language (else the survey's first).
    pub text: String,
}

fn survey_language(lang: Lang) -> Language {
    match lang {
        Lang::ZhTw => Language::ZhTw,
        Lang::En => Language::En,
    }
}

/// The questions of every survey's newest published version, in survey and question order,
/// each key once (dashboards follow a question across surveys and versions by its key).
pub async fn survey_questions(app: &App, lang: Lang) -> AppResult<Vec<SurveyQuestion>> {
    let language = survey_language(lang);
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for s in app.store.surveys().await? {
        let Some(version) = app.store.latest_published_survey(s.id).await? else {
            continue;
        };
        for q in &version.definition.questions {
            if !seen.insert(q.key.clone()) {
                continue;
            }
            let text = q
                .prompts
                .get(&language)
                .or_else(|| q.prompts.values().next())
                .map(|p| p.text.clone())
                .unwrap_or_default();
            out.push(SurveyQuestion {
                key: q.key.clone(),
                kind: q.kind,
                survey_id: s.id,
                survey_name: s.name.clone(),
                text,
            });
        }
    }
    Ok(out)
}

/// The parameters, checked, with their defaults filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct DriverSelection {
    /// `None`: no scorecard is published yet.
    pub scorecard: Option<i64>,
    /// `None`: no survey has a CSAT question and none was chosen.
    pub question: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

impl DriverParams {
    pub fn resolve(
        &self,
        scorecards: &[ScorecardSummary],
        questions: &[SurveyQuestion],
    ) -> AppResult<DriverSelection> {
        let scorecard = match self.scorecard.trim() {
            "" => scorecards
                .iter()
                .find(|c| c.published.is_some())
                .map(|c| c.id),
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
        let question = match self.question.trim() {
            "" => questions
                .iter()
                .find(|q| q.kind == QuestionKind::Csat)
                .map(|q| q.key.clone()),
            // A key of an older version is allowed: answers keep their key.
            k if is_valid_key(k) => Some(k.to_string()),
            k => {
                return Err(bad(format!(
                    "question {k:?} is not a survey question key ([a-z0-9_-], 1 to 64 characters)"
                )))
            }
        };
        let from = local_date(&self.from, "from")?;
        let to = local_date(&self.to, "to")?;
        if let (Some(f), Some(t)) = (from, to) {
            if f > t {
                return Err(bad(format!("from {f} is after to {t}")));
            }
        }
        Ok(DriverSelection {
            scorecard,
            question,
            from,
            to,
        })
    }
}

impl DriverSelection {
    fn filter(&self, utc_offset_minutes: i32) -> AppResult<SurveyFilter> {
        let from = match self.from {
            Some(d) => Some(period_ms(d, d, utc_offset_minutes)?.0),
            None => None,
        };
        let to = match self.to {
            Some(d) => Some(period_ms(d, d, utc_offset_minutes)?.1),
            None => None,
        };
        Ok(SurveyFilter {
            from,
            to,
            ..SurveyFilter::default()
        })
    }

    fn query_string(&self) -> String {
        let mut q = form_urlencoded::Serializer::new(String::new());
        if let Some(id) = self.scorecard {
            q.append_pair("scorecard", &id.to_string());
        }
        if let Some(k) = &self.question {
            q.append_pair("question", k);
        }
        for (k, v) in [("from", self.from), ("to", self.to)] {
            if let Some(d) = v {
                q.append_pair(k, &d.format("%Y-%m-%d").to_string());
            }
        }
        q.finish()
    }
}

/// What a driver is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DriverKind {
    /// A scorecard question: yes 1 / no 0, or its scale or points value.
    Question,
    /// A COPC accuracy: 1 without a critical error of the category, 0 with one.
    Category,
    /// The evaluation's total score (0–100).
    Score,
}

/// One row of the key-driver table.
#[derive(Debug, Clone, Serialize)]
pub struct DriverLine {
    pub kind: DriverKind,
    /// The question key, the category (`customer`, `business`, `compliance`) or `score`.
    pub key: String,
    /// The question's text, or the category's or the score's name in the user's language.
    pub label: String,
    /// Calls with both values.
    pub n: usize,
    /// Pearson's r (the point-biserial correlation for a yes/no question) and its Fisher-z
    /// interval.
    pub r: Option<f64>,
    pub interval: Option<Interval>,
    /// Two-sided p-value of r = 0 (t test).
    pub p_value: Option<f64>,
    /// Spearman's ρ, robust to the short ordinal scales of QA and survey answers.
    pub rho: Option<f64>,
    pub rho_p_value: Option<f64>,
    pub verdict: Verdict,
}

impl DriverLine {
    fn new(kind: DriverKind, key: &str, label: String, d: &Driver) -> DriverLine {
        DriverLine {
            kind,
            key: key.to_string(),
            label,
            n: d.n,
            r: d.r(),
            interval: d.interval(),
            p_value: d.pearson.and_then(|c| c.p_value),
            rho: d.rho(),
            rho_p_value: d.spearman.and_then(|c| c.p_value),
            verdict: d.verdict,
        }
    }
}

/// Everything the page and the API show.
#[derive(Debug, Clone, Serialize)]
pub struct DriverReport {
    pub scorecard: Option<i64>,
    pub question: Option<String>,
    pub question_kind: Option<QuestionKind>,
    pub from: Option<String>,
    pub to: Option<String>,
    /// Calls with both a submitted evaluation on the scorecard and an answer to the question.
    pub calls: usize,
    pub confidence: f64,
    pub min_pairs: usize,
    /// Strongest |r| first; drivers without r last.
    pub drivers: Vec<DriverLine>,
}

pub fn category_label(t: &Texts, c: Category) -> &'static str {
    match c {
        Category::Customer => t.surm.category_customer,
        Category::Business => t.surm.category_business,
        Category::Compliance => t.surm.category_compliance,
    }
}

fn stats_error(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(format!("key drivers: {e}"))
}

/// The correlation of one column of QA values with the survey answers.
fn column(rows: &[DriverRow], value: impl Fn(&DriverRow) -> Option<f64>) -> AppResult<Driver> {
    let (x, y): (Vec<f64>, Vec<f64>) = rows
        .iter()
        .filter_map(|r| value(r).map(|v| (v, r.survey_value)))
        .unzip();
    driver(&x, &y, CONFIDENCE).map_err(stats_error)
}

/// The key drivers of `rows` for `scorecard`: every question of its newest published version
/// (answered or not), questions only older versions have that were answered, the COPC
/// categories that applied to any call, and the total score.
async fn drivers(
    app: &App,
    t: &Texts,
    scorecard: i64,
    rows: &[DriverRow],
) -> AppResult<Vec<DriverLine>> {
    let answered: BTreeSet<&str> = rows
        .iter()
        .flat_map(|r| r.scorecard_values.keys().map(String::as_str))
        .collect();
    let mut questions: Vec<(String, String)> = Vec::new();
    let mut seen = HashSet::new();
    let versions = app.store.scorecard_versions(scorecard).await?; // newest first
    for (i, version) in versions.iter().filter(|v| v.is_published()).enumerate() {
        for q in version.definition.questions() {
            if (i == 0 || answered.contains(q.key.as_str())) && seen.insert(q.key.clone()) {
                questions.push((q.key.clone(), q.text.clone()));
            }
        }
    }
    for k in &answered {
        if seen.insert(k.to_string()) {
            questions.push((k.to_string(), k.to_string()));
        }
    }
    let mut lines = Vec::new();
    for (key, text) in &questions {
        let d = column(rows, |r| r.scorecard_values.get(key).copied())?;
        lines.push((
            DriverLine::new(DriverKind::Question, key, text.clone(), &d),
            d,
        ));
    }
    for c in Category::ALL {
        let value = |r: &DriverRow| match c {
            Category::Customer => r.customer_ok,
            Category::Business => r.business_ok,
            Category::Compliance => r.compliance_ok,
        };
        if rows.iter().any(|r| value(r).is_some()) {
            let d = column(rows, value)?;
            let label = category_label(t, c).to_string();
            lines.push((
                DriverLine::new(DriverKind::Category, c.as_str(), label, &d),
                d,
            ));
        }
    }
    let d = column(rows, |r| r.score)?;
    let label = t.surm.total_score.to_string();
    lines.push((DriverLine::new(DriverKind::Score, "score", label, &d), d));
    // Stable: equal strengths keep card order.
    lines.sort_by(|a, b| by_strength(&a.1, &b.1));
    Ok(lines.into_iter().map(|(line, _)| line).collect())
}

/// The selection the parameters mean, the scorecards and survey questions (for the choices),
/// and the report.
pub async fn resolve_report(
    app: &App,
    t: &Texts,
    lang: Lang,
    params: &DriverParams,
) -> AppResult<(
    DriverSelection,
    Vec<ScorecardSummary>,
    Vec<SurveyQuestion>,
    DriverReport,
)> {
    let scorecards = app.store.scorecards().await?;
    let questions = survey_questions(app, lang).await?;
    let sel = params.resolve(&scorecards, &questions)?;
    let (calls, lines) = match (sel.scorecard, &sel.question) {
        (Some(card), Some(question)) => {
            let filter = sel.filter(app.config.utc_offset_minutes)?;
            let rows = app.store.key_driver_rows(card, question, &filter).await?;
            (rows.len(), drivers(app, t, card, &rows).await?)
        }
        _ => (0, Vec::new()),
    };
    let report = DriverReport {
        scorecard: sel.scorecard,
        question: sel.question.clone(),
        question_kind: sel
            .question
            .as_ref()
            .and_then(|k| questions.iter().find(|q| &q.key == k))
            .map(|q| q.kind),
        from: sel.from.map(|d| d.format("%Y-%m-%d").to_string()),
        to: sel.to.map(|d| d.format("%Y-%m-%d").to_string()),
        calls,
        confidence: CONFIDENCE,
        min_pairs: MIN_PAIRS,
        drivers: lines,
    };
    Ok((sel, scorecards, questions, report))
}

// ----- the page -----------------------------------------------------------------------------

pub fn verdict_text(t: &Texts, v: Verdict) -> &'static str {
    match v {
        Verdict::Predicts => t.surm.verdict_predicts,
        Verdict::WorksAgainst => t.surm.verdict_works_against,
        Verdict::NoEvidence => t.surm.verdict_no_evidence,
        Verdict::TooFew => t.surm.verdict_too_few,
    }
}

fn kind_text(t: &Texts, k: QuestionKind) -> &'static str {
    match k {
        QuestionKind::Csat => "CSAT",
        QuestionKind::Nps => "NPS",
        QuestionKind::Ces => "CES",
        QuestionKind::YesNo => t.surm.kind_yes_no,
    }
}

pub struct DriverView {
    pub kind: &'static str,
    pub key: String,
    pub label: String,
    pub n: usize,
    pub r: String,
    pub interval: String,
    pub rho: String,
    pub p: String,
    pub verdict: &'static str,
    /// `predicts`, `works-against`, `no-evidence`, `too-few`: a CSS class.
    pub verdict_class: &'static str,
}

fn signed(v: Option<f64>) -> String {
    v.map_or_else(|| "—".into(), |v| format!("{v:+.2}"))
}

/// A p-value as journals write it: three decimals, `< 0.001` below that.
fn p_text(p: Option<f64>) -> String {
    match p {
        None => "—".into(),
        Some(p) if p < 0.001 => "< 0.001".into(),
        Some(p) => format!("{p:.3}"),
    }
}

impl DriverView {
    fn new(t: &Texts, l: &DriverLine) -> DriverView {
        DriverView {
            kind: match l.kind {
                DriverKind::Question => t.surm.kind_question,
                DriverKind::Category => t.surm.kind_category,
                DriverKind::Score => t.surm.kind_score,
            },
            key: l.key.clone(),
            label: l.label.clone(),
            n: l.n,
            r: signed(l.r),
            interval: l
                .interval
                .map_or_else(String::new, |i| format!("[{:+.2}, {:+.2}]", i.low, i.high)),
            rho: signed(l.rho),
            p: p_text(l.p_value),
            verdict: verdict_text(t, l.verdict),
            verdict_class: match l.verdict {
                Verdict::Predicts => "predicts",
                Verdict::WorksAgainst => "works-against",
                Verdict::NoEvidence => "no-evidence",
                Verdict::TooFew => "too-few",
            },
        }
    }
}

#[derive(Template)]
#[template(path = "survey_drivers.html")]
struct DriversPage {
    page: PageCtx,
    scorecards: Vec<Choice>,
    questions: Vec<Choice>,
    from: String,
    to: String,
    no_scorecard: bool,
    no_question: bool,
    calls_note: String,
    rows: Vec<DriverView>,
    verdicts_note: String,
    chart_svg: String,
    api_href: String,
}

/// r per driver with its interval as whiskers, on −1 to +1.
fn r_svg(t: &Texts, report: &DriverReport) -> String {
    let bars: Vec<Bar> = report
        .drivers
        .iter()
        .map(|l| Bar {
            label: l.label.clone(),
            value: l.r,
            low: l.interval.map(|i| i.low),
            high: l.interval.map(|i| i.high),
            n: l.n as u64,
            too_few: l.verdict == Verdict::TooFew,
        })
        .collect();
    let axis = Axis {
        min: -1.0,
        max: 1.0,
        unit: String::new(),
        ticks: 5,
    };
    let desc = if report.calls == 0 {
        t.surm.chart_empty
    } else {
        t.surm.chart_r_desc
    };
    bar_chart(t.surm.chart_r_title, desc, &axis, &bars)
}

/// `GET /surveys/drivers`.
pub async fn page(
    State(app): State<App>,
    ctx: Ctx,
    Query(params): Query<DriverParams>,
) -> AppResult<Response> {
    let t = ctx.lang.texts();
    let (sel, scorecards, questions, report) = resolve_report(&app, t, ctx.lang, &params).await?;
    let page = PageCtx::new(&ctx, "surveys");
    let scorecard_choices = scorecards
        .iter()
        .filter(|c| c.published.is_some() || sel.scorecard == Some(c.id))
        .map(|c| Choice {
            value: c.id.to_string(),
            label: c.name.clone(),
            selected: sel.scorecard == Some(c.id),
        })
        .collect();
    let mut question_choices: Vec<Choice> = questions
        .iter()
        .map(|q| Choice {
            value: q.key.clone(),
            label: format!(
                "{} · {} ({}) — {}",
                q.survey_name,
                q.key,
                kind_text(t, q.kind),
                q.text
            ),
            selected: sel.question.as_deref() == Some(q.key.as_str()),
        })
        .collect();
    if let Some(k) = &sel.question {
        if !questions.iter().any(|q| &q.key == k) {
            question_choices.push(Choice {
                value: k.clone(),
                label: k.clone(),
                selected: true,
            });
        }
    }
    let day = |d: Option<NaiveDate>| {
        d.map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default()
    };
    html(&DriversPage {
        scorecards: scorecard_choices,
        questions: question_choices,
        from: day(sel.from),
        to: day(sel.to),
        no_scorecard: sel.scorecard.is_none(),
        no_question: sel.question.is_none(),
        calls_note: t.surm.calls_note.replace("{n}", &report.calls.to_string()),
        rows: report
            .drivers
            .iter()
            .map(|l| DriverView::new(t, l))
            .collect(),
        verdicts_note: t.surm.verdicts_note.replace("{n}", &MIN_PAIRS.to_string()),
        chart_svg: r_svg(t, &report),
        api_href: format!("/api/v1/surveys/drivers?{}", sel.query_string()),
        page,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(id: i64, published: bool) -> ScorecardSummary {
        ScorecardSummary {
            id,
            name: format!("card {id}"),
            published: published.then_some((1, id * 10)),
            draft: None,
            evaluations: 0,
        }
    }

    fn question(key: &str, kind: QuestionKind) -> SurveyQuestion {
        SurveyQuestion {
            key: key.into(),
            kind,
            survey_id: 1,
            survey_name: "s".into(),
            text: key.into(),
        }
    }

    #[test]
    fn defaults_are_the_first_published_card_and_csat_question() {
        let cards = [summary(1, false), summary(2, true), summary(3, true)];
        let qs = [
            question("resolved", QuestionKind::YesNo),
            question("satisfaction", QuestionKind::Csat),
        ];
        let sel = DriverParams::default().resolve(&cards, &qs).unwrap();
        assert_eq!(sel.scorecard, Some(2));
        assert_eq!(sel.question.as_deref(), Some("satisfaction"));
        assert_eq!(sel.query_string(), "scorecard=2&question=satisfaction");
        let none = DriverParams::default()
            .resolve(&[summary(1, false)], &qs[..1])
            .unwrap();
        assert_eq!((none.scorecard, none.question), (None, None));
        let refuse = |p: DriverParams| match p.resolve(&cards, &qs) {
            Err(AppError::BadRequest(m)) => m,
            other => panic!("expected a bad request, got {other:?}"),
        };
        assert!(refuse(DriverParams {
            scorecard: "9".into(),
            ..Default::default()
        })
        .contains("no scorecard 9"));
        assert!(refuse(DriverParams {
            question: "Not A Key".into(),
            ..Default::default()
        })
        .contains("not a survey question key"));
        assert!(refuse(DriverParams {
            from: "2026-03-02".into(),
            to: "2026-03-01".into(),
            ..Default::default()
        })
        .contains("after"));
    }

    #[test]
    fn numbers_read_plainly() {
        assert_eq!(signed(Some(0.4567)), "+0.46");
        assert_eq!(signed(Some(-0.1)), "-0.10");
        assert_eq!(signed(None), "—");
        assert_eq!(p_text(Some(0.0004)), "< 0.001");
        assert_eq!(p_text(Some(0.04321)), "0.043");
    }
}
