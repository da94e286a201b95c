//! `/sampling`: sampling plans (how many calls per agent, stratified how, oversampling what),
//! drawing a period's sample onto reviewers' worklists, and each draw with its weighted
//! estimates. The plan form is plain HTML: a fixed number of rule rows, all numbers as typed,
//! so that a wrong one is shown back beside its field.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, NaiveDate};
use earshot_sampling::{needed, Condition, Plan, Problem, Rule, Stratification, Target};
use earshot_store::qa::{
    draw_estimates, DrawEstimates, DrawItem, DrawRecord, PlanDefinition, Replay, SamplingPlanRecord,
};
use earshot_store::time::{format_local, local_dates, local_days, now_ms, to_local};
use serde::Deserialize;

use super::{html, PageCtx};
use crate::auth::{Ctx, Principal};
use crate::error::{AppError, AppResult};
use crate::extract::{Form, Path, Query};
use crate::i18n::SampTexts;
use crate::App;

/// Rule rows the plan form offers.
pub const RULE_ROWS: usize = 4;

// ----- periods -------------------------------------------------------------------------------

/// `[from, to]` as local dates (both days included) → `[start, end)` in epoch milliseconds.
pub fn period_ms(from: &str, to: &str, utc_offset_minutes: i32) -> AppResult<(i64, i64)> {
    let date = |name: &str, text: &str| {
        NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
            AppError::BadRequest(format!(
                "{name} {text:?} is not a date: use YYYY-MM-DD, such as 2026-03-31"
            ))
        })
    };
    let from = date("from", from)?;
    let to = date("to", to)?;
    if to < from {
        return Err(AppError::BadRequest(format!(
            "the period ends ({to}) before it starts ({from})"
        )));
    }
    local_days(from, to, utc_offset_minutes)
        .ok_or_else(|| AppError::BadRequest(format!("the period {from} – {to} is out of range")))
}

/// The last full calendar month, the period a plan is usually drawn for.
fn last_month(offset: i32) -> (String, String) {
    let today = to_local(now_ms(), offset)
        .map(|d| d.date_naive())
        .unwrap_or_default();
    let first_this = today.with_day0(0).unwrap_or(today);
    let last_prev = first_this.pred_opt().unwrap_or(first_this);
    let first_prev = last_prev.with_day0(0).unwrap_or(last_prev);
    (
        first_prev.format("%Y-%m-%d").to_string(),
        last_prev.format("%Y-%m-%d").to_string(),
    )
}

// ----- the plan as a form ----------------------------------------------------------------------

/// One rule row: which condition, its number (seconds or weeks), the factor.
#[derive(Debug, Clone, Default)]
pub struct RuleForm {
    pub kind: String,
    pub param: String,
    pub factor: String,
    /// A problem names this row (shown highlighted).
    pub invalid: bool,
}

/// The plan's fields as typed.
#[derive(Debug, Clone, Default)]
pub struct PlanForm {
    pub name: String,
    pub scorecard: String,
    /// `precision` or `quota`.
    pub target: String,
    /// Percent.
    pub confidence: String,
    pub margin: String,
    pub expected: String,
    pub quota: String,
    pub by_queue: bool,
    pub by_call_type: bool,
    /// Seconds, comma-separated.
    pub duration_edges: String,
    pub rules: Vec<RuleForm>,
    /// One per line.
    pub phrases: String,
}

fn num(v: f64) -> String {
    let s = format!("{v:.4}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

impl PlanForm {
    pub fn of(record: &SamplingPlanRecord) -> PlanForm {
        let def = &record.definition;
        let mut f = PlanForm {
            name: record.name.clone(),
            scorecard: record.scorecard_id.to_string(),
            by_queue: def.plan.strata.by_queue,
            by_call_type: def.plan.strata.by_call_type,
            duration_edges: def
                .plan
                .strata
                .duration_edges_s
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            phrases: def.compliance_phrases.join("\n"),
            confidence: "95".into(),
            margin: "10".into(),
            expected: "80".into(),
            quota: "4".into(),
            ..PlanForm::default()
        };
        match def.plan.target {
            Target::Precision {
                confidence,
                margin,
                expected_rate,
            } => {
                f.target = "precision".into();
                f.confidence = num(confidence * 100.0);
                f.margin = num(margin * 100.0);
                f.expected = num(expected_rate * 100.0);
            }
            Target::Quota { per_agent } => {
                f.target = "quota".into();
                f.quota = per_agent.to_string();
            }
        }
        f.rules = def
            .plan
            .rules
            .iter()
            .map(|r| {
                let (kind, param) = match r.when {
                    Condition::LongerThan { seconds } => ("longer_than", seconds.to_string()),
                    Condition::LowSurvey => ("low_survey", String::new()),
                    Condition::ComplianceHit => ("compliance_hit", String::new()),
                    Condition::AgentFirstWeeks { weeks } => ("first_weeks", weeks.to_string()),
                };
                RuleForm {
                    kind: kind.into(),
                    param,
                    factor: num(r.factor),
                    invalid: false,
                }
            })
            .collect();
        f.pad_rules();
        f
    }

    fn pad_rules(&mut self) {
        while self.rules.len() < RULE_ROWS {
            self.rules.push(RuleForm {
                factor: "2".into(),
                ..RuleForm::default()
            });
        }
    }

    /// Read the posted fields (`rule0_kind`, …) as typed.
    fn from_fields(fields: &[(String, String)]) -> PlanForm {
        let map: BTreeMap<&str, &str> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let get = |k: &str| map.get(k).map(|v| v.to_string()).unwrap_or_default();
        let mut f = PlanForm {
            name: get("name"),
            scorecard: get("scorecard"),
            target: get("target"),
            confidence: get("confidence"),
            margin: get("margin"),
            expected: get("expected"),
            quota: get("quota"),
            by_queue: map.contains_key("by_queue"),
            by_call_type: map.contains_key("by_call_type"),
            duration_edges: get("duration_edges"),
            phrases: get("phrases"),
            rules: (0..RULE_ROWS)
                .map(|i| RuleForm {
                    kind: get(&format!("rule{i}_kind")),
                    param: get(&format!("rule{i}_param")),
                    factor: get(&format!("rule{i}_factor")),
                    invalid: false,
                })
                .collect(),
        };
        f.pad_rules();
        f
    }

    /// The definition, or every problem with the field it belongs to.
    fn parse(&self, t: &SampTexts) -> Result<(i64, PlanDefinition), Vec<(String, String)>> {
        let mut problems = Vec::new();
        let mut number = |field: &str, text: &str| -> Option<f64> {
            match text.trim().parse::<f64>() {
                Ok(v) if v.is_finite() => Some(v),
                _ => {
                    problems.push((field.to_string(), format!("{}: {text:?}", t.not_a_number)));
                    None
                }
            }
        };
        let scorecard = number("scorecard", &self.scorecard).map(|v| v as i64);
        let target = if self.target == "quota" {
            number("quota", &self.quota).map(|q| Target::Quota {
                per_agent: q.clamp(0.0, f64::from(u32::MAX)) as u32,
            })
        } else {
            let c = number("confidence", &self.confidence);
            let m = number("margin", &self.margin);
            let e = number("expected", &self.expected);
            match (c, m, e) {
                (Some(c), Some(m), Some(e)) => Some(Target::Precision {
                    confidence: c / 100.0,
                    margin: m / 100.0,
                    expected_rate: e / 100.0,
                }),
                _ => None,
            }
        };
        let mut edges = Vec::new();
        for part in self
            .duration_edges
            .split([',', '，', ' '])
            .filter(|p| !p.trim().is_empty())
        {
            match part.trim().parse::<u32>() {
                Ok(v) => edges.push(v),
                Err(_) => problems.push((
                    "duration_edges".into(),
                    format!("{}: {part:?}", t.not_a_number),
                )),
            }
        }
        let mut rules = Vec::new();
        for (i, r) in self.rules.iter().enumerate() {
            if r.kind.is_empty() {
                continue;
            }
            let field = format!("rule{i}");
            let factor = match r.factor.trim().parse::<f64>() {
                Ok(f) => f,
                Err(_) => {
                    problems.push((field.clone(), format!("{}: {:?}", t.not_a_number, r.factor)));
                    continue;
                }
            };
            let param = || r.param.trim().parse::<u32>();
            let when = match r.kind.as_str() {
                "longer_than" => param().map(|seconds| Condition::LongerThan { seconds }),
                "first_weeks" => param().map(|weeks| Condition::AgentFirstWeeks { weeks }),
                "low_survey" => Ok(Condition::LowSurvey),
                "compliance_hit" => Ok(Condition::ComplianceHit),
                other => {
                    problems.push((field.clone(), format!("{other:?}")));
                    continue;
                }
            };
            match when {
                Ok(when) => rules.push(Rule { when, factor }),
                Err(_) => problems.push((field, format!("{}: {:?}", t.not_a_number, r.param))),
            }
        }
        let phrases: Vec<String> = self
            .phrases
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect();
        let (Some(scorecard), Some(target)) = (scorecard, target) else {
            return Err(problems);
        };
        if !problems.is_empty() {
            return Err(problems);
        }
        let def = PlanDefinition {
            plan: Plan {
                target,
                strata: Stratification {
                    by_queue: self.by_queue,
                    by_call_type: self.by_call_type,
                    duration_edges_s: edges,
                },
                rules,
            },
            compliance_phrases: phrases,
        };
        def.validate().map_err(|ps| {
            ps.into_iter()
                .map(|p: Problem| (p.path, p.message))
                .collect::<Vec<_>>()
        })?;
        Ok((scorecard, def))
    }
}

/// A short description of a plan, for the list.
pub fn plan_summary(t: &SampTexts, def: &PlanDefinition) -> String {
    let mut parts = vec![match def.plan.target {
        Target::Precision {
            confidence,
            margin,
            expected_rate,
        } => t
            .summary_precision
            .replace("{margin}", &num(margin * 100.0))
            .replace("{confidence}", &num(confidence * 100.0))
            .replace("{expected}", &num(expected_rate * 100.0)),
        Target::Quota { per_agent } => t.summary_quota.replace("{n}", &per_agent.to_string()),
    }];
    let s = &def.plan.strata;
    let mut strata = Vec::new();
    if s.by_queue {
        strata.push(t.by_queue);
    }
    if s.by_call_type {
        strata.push(t.by_call_type);
    }
    if !s.duration_edges_s.is_empty() {
        strata.push(t.by_duration);
    }
    if !strata.is_empty() {
        parts.push(format!("{}{}", t.strata, strata.join("、")));
    }
    for r in &def.plan.rules {
        parts.push(format!("{} ×{}", condition_text(t, &r.when), num(r.factor)));
    }
    parts.join(" · ")
}

pub fn condition_text(t: &SampTexts, c: &Condition) -> String {
    match c {
        Condition::LongerThan { seconds } => {
            t.rule_longer_than.replace("{n}", &seconds.to_string())
        }
        Condition::LowSurvey => t.rule_low_survey.to_string(),
        Condition::ComplianceHit => t.rule_compliance_hit.to_string(),
        Condition::AgentFirstWeeks { weeks } => {
            t.rule_first_weeks.replace("{n}", &weeks.to_string())
        }
    }
}

// ----- the list --------------------------------------------------------------------------------

pub struct PlanRow {
    pub id: i64,
    pub name: String,
    pub scorecard: String,
    pub summary: String,
}

#[derive(Template)]
#[template(path = "sampling.html")]
struct ListPage {
    page: PageCtx,
    plans: Vec<PlanRow>,
    scorecards: Vec<(i64, String)>,
    may_edit: bool,
    error: Option<String>,
}

fn may_edit(principal: &Principal) -> bool {
    super::may(Some(principal), &axum::http::Method::POST, "/sampling")
}

async fn list_page(
    app: &App,
    ctx: &Ctx,
    principal: &Principal,
    error: Option<String>,
) -> AppResult<ListPage> {
    let t = ctx.lang.texts().samp;
    let plans = app
        .store
        .sampling_plans()
        .await?
        .into_iter()
        .map(|p| PlanRow {
            summary: plan_summary(t, &p.definition),
            id: p.id,
            name: p.name,
            scorecard: p.scorecard_name,
        })
        .collect();
    Ok(ListPage {
        page: PageCtx::new(ctx, "sampling"),
        plans,
        scorecards: app.store.scorecard_names().await?,
        may_edit: may_edit(principal),
        error,
    })
}

pub async fn list(State(app): State<App>, ctx: Ctx, principal: Principal) -> AppResult<Response> {
    html(&list_page(&app, &ctx, &principal, None).await?)
}

#[derive(Debug, Deserialize)]
pub struct CreateForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    scorecard: String,
}

/// `POST /sampling`: a new plan with a sensible start (4 calls per agent, by queue), to be
/// adjusted on its page.
pub async fn create(
    State(app): State<App>,
    ctx: Ctx,
    principal: Principal,
    Form(f): Form<CreateForm>,
) -> AppResult<Response> {
    let Ok(scorecard) = f.scorecard.trim().parse::<i64>() else {
        let t = ctx.lang.texts().samp;
        let page = list_page(&app, &ctx, &principal, Some(t.choose_scorecard.into())).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)?).into_response());
    };
    let def = PlanDefinition {
        plan: Plan {
            target: Target::Quota { per_agent: 4 },
            strata: Stratification {
                by_queue: true,
                ..Stratification::default()
            },
            rules: Vec::new(),
        },
        compliance_phrases: Vec::new(),
    };
    match app
        .store
        .save_sampling_plan(None, &f.name, scorecard, &def, &principal.user)
        .await
    {
        Ok(p) => Ok(Redirect::to(&format!("/sampling/{}", p.id)).into_response()),
        Err(
            e @ (earshot_store::StoreError::Invalid(_) | earshot_store::StoreError::Conflict(_)),
        ) => {
            let page = list_page(&app, &ctx, &principal, Some(e.to_string())).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

// ----- one plan --------------------------------------------------------------------------------

pub struct AgentPreview {
    pub agent: String,
    pub population: u64,
    pub needed: String,
}

pub struct DrawRow {
    pub id: i64,
    pub period: String,
    pub seed: String,
    pub population: i64,
    pub drawn: u32,
    pub drawn_by: String,
    pub drawn_at: String,
}

#[derive(Template)]
#[template(path = "sampling_plan.html")]
struct PlanPage {
    page: PageCtx,
    id: i64,
    form: PlanForm,
    problems: Vec<(String, String)>,
    saved: bool,
    scorecards: Vec<(i64, String)>,
    rule_kinds: Vec<(&'static str, &'static str)>,
    may_edit: bool,
    from: String,
    to: String,
    preview: Vec<AgentPreview>,
    preview_total: (u64, u64),
    draws: Vec<DrawRow>,
}

impl PlanPage {
    fn problem(&self, field: &str) -> Option<&str> {
        self.problems
            .iter()
            .find(|(f, _)| f == field || f.ends_with(&format!(".{field}")))
            .map(|(_, m)| m.as_str())
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct PlanParams {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    saved: Option<String>,
}

fn rule_kinds(t: &SampTexts) -> Vec<(&'static str, &'static str)> {
    vec![
        ("", t.rule_none),
        ("longer_than", t.rule_kind_longer_than),
        ("compliance_hit", t.rule_compliance_hit),
        ("low_survey", t.rule_low_survey),
        ("first_weeks", t.rule_kind_first_weeks),
    ]
}

#[allow(clippy::too_many_arguments)]
async fn plan_page(
    app: &App,
    ctx: &Ctx,
    principal: &Principal,
    record: &SamplingPlanRecord,
    form: PlanForm,
    problems: Vec<(String, String)>,
    params: &PlanParams,
) -> AppResult<PlanPage> {
    let t = ctx.lang.texts().samp;
    let mut form = form;
    for (i, r) in form.rules.iter_mut().enumerate() {
        let (row, rule) = (format!("rule{i}"), format!("rules[{i}]"));
        r.invalid = problems
            .iter()
            .any(|(f, _)| *f == row || f.starts_with(&rule));
    }
    let offset = app.config.utc_offset_minutes;
    let (from, to) = if params.from.is_empty() || params.to.is_empty() {
        last_month(offset)
    } else {
        (params.from.clone(), params.to.clone())
    };
    let (start, end) = period_ms(&from, &to, offset)?;
    // What the plan asks of each agent in the period (before any draw).
    let units = app
        .store
        .sampling_population(start, end, &record.definition.compliance_phrases)
        .await?;
    let mut per_agent: BTreeMap<&str, u64> = BTreeMap::new();
    for u in &units {
        *per_agent.entry(u.agent.as_str()).or_default() += 1;
    }
    let mut total = (0, 0);
    let preview = per_agent
        .into_iter()
        .map(|(agent, n)| {
            let needed = needed(&record.definition.plan.target, n);
            total.0 += n;
            total.1 += needed.as_ref().map_or(0, |v| u64::from(*v));
            AgentPreview {
                agent: agent.to_string(),
                population: n,
                needed: match needed {
                    Ok(v) => v.to_string(),
                    Err(e) => e.to_string(),
                },
            }
        })
        .collect();
    let draws = app
        .store
        .sampling_draws(record.id)
        .await?
        .into_iter()
        .map(|d| draw_row(&d, offset))
        .collect();
    Ok(PlanPage {
        page: PageCtx::new(ctx, "sampling"),
        id: record.id,
        form,
        problems,
        saved: params.saved.is_some(),
        scorecards: app.store.scorecard_names().await?,
        rule_kinds: rule_kinds(t),
        may_edit: may_edit(principal),
        from,
        to,
        preview,
        preview_total: total,
        draws,
    })
}

fn draw_row(d: &DrawRecord, offset: i32) -> DrawRow {
    let (from, to) = local_dates(d.period_from, d.period_to, offset);
    DrawRow {
        id: d.id,
        period: format!("{from} – {to}"),
        seed: d.seed.clone(),
        population: d.population,
        drawn: d.per_agent.iter().map(|a| a.drawn).sum(),
        drawn_by: d.drawn_by.clone(),
        drawn_at: format_local(d.drawn_at, offset),
    }
}

pub async fn plan(
    State(app): State<App>,
    ctx: Ctx,
    principal: Principal,
    Path(id): Path<i64>,
    Query(params): Query<PlanParams>,
) -> AppResult<Response> {
    let record = app.store.sampling_plan(id).await?;
    let form = PlanForm::of(&record);
    html(&plan_page(&app, &ctx, &principal, &record, form, Vec::new(), &params).await?)
}

/// `POST /sampling/{id}`: save the plan; problems come back beside their fields (422).
pub async fn save(
    State(app): State<App>,
    ctx: Ctx,
    principal: Principal,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let t = ctx.lang.texts().samp;
    let record = app.store.sampling_plan(id).await?;
    let form = PlanForm::from_fields(&fields);
    let problems = match form.parse(t) {
        Ok((scorecard, def)) => {
            match app
                .store
                .save_sampling_plan(Some(id), &form.name, scorecard, &def, &principal.user)
                .await
            {
                Ok(_) => {
                    return Ok(Redirect::to(&format!("/sampling/{id}?saved=1")).into_response())
                }
                Err(
                    e @ (earshot_store::StoreError::Invalid(_)
                    | earshot_store::StoreError::Conflict(_)
                    | earshot_store::StoreError::NotFound { .. }),
                ) => vec![("name".to_string(), e.to_string())],
                Err(e) => return Err(e.into()),
            }
        }
        Err(problems) => problems,
    };
    let page = plan_page(
        &app,
        &ctx,
        &principal,
        &record,
        form,
        problems,
        &PlanParams::default(),
    )
    .await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, html(&page)?).into_response())
}

#[derive(Debug, Deserialize)]
pub struct DrawForm {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    /// Blank for a fresh random seed.
    #[serde(default)]
    seed: String,
}

/// Parse a seed as typed: blank is none (a random one is drawn), else a u64.
pub fn parse_seed(text: &str) -> AppResult<Option<u64>> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse().map(Some).map_err(|_| {
        AppError::BadRequest(format!(
            "the seed {text:?} is not a whole number from 0 to 18446744073709551615"
        ))
    })
}

/// `POST /sampling/{id}/draws`
pub async fn draw(
    State(app): State<App>,
    principal: Principal,
    Path(id): Path<i64>,
    Form(f): Form<DrawForm>,
) -> AppResult<Response> {
    let (start, end) = period_ms(&f.from, &f.to, app.config.utc_offset_minutes)?;
    let seed = parse_seed(&f.seed)?;
    let d = app
        .store
        .draw_sample(id, start, end, seed, &principal.user)
        .await?;
    Ok(Redirect::to(&format!("/sampling/draws/{}", d.id)).into_response())
}

// ----- one draw --------------------------------------------------------------------------------

pub struct EstimateRow {
    pub group: String,
    pub n: u64,
    pub weighted: String,
    pub unweighted: String,
    pub effective_n: String,
    pub interval: String,
}

fn pct(x: f64) -> String {
    format!("{:.1} %", x * 100.0)
}

fn estimate_row(group: &str, e: &earshot_sampling::RateEstimate) -> EstimateRow {
    EstimateRow {
        group: group.to_string(),
        n: e.n,
        weighted: pct(e.weighted_rate),
        unweighted: pct(e.unweighted_rate),
        effective_n: format!("{:.1}", e.effective_n),
        interval: e
            .interval
            .map(|i| format!("{} – {}", pct(i.low), pct(i.high)))
            .unwrap_or_else(|| "—".into()),
    }
}

pub struct ItemRow {
    pub call_id: i64,
    pub agent: String,
    pub team: String,
    pub stratum: String,
    pub probability: String,
    pub weight: String,
    pub reasons: String,
    pub reviewer: String,
    pub evaluation_id: Option<i64>,
    pub outcome: &'static str,
}

#[derive(Template)]
#[template(path = "sampling_draw.html")]
struct DrawPage {
    page: PageCtx,
    draw: DrawRecord,
    plan: SamplingPlanRecord,
    period: String,
    drawn_at: String,
    summary: String,
    items: Vec<ItemRow>,
    estimates: DrawEstimates,
    center: Option<EstimateRow>,
    teams: Vec<EstimateRow>,
    agents: Vec<EstimateRow>,
    replay: Option<Replay>,
}

impl DrawPage {
    fn stratum(&self, key: &str) -> String {
        stratum_text(self.page.t.samp, key)
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct DrawParams {
    /// Draw again from the same calls and compare.
    #[serde(default)]
    replay: Option<String>,
}

pub async fn draw_page(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(params): Query<DrawParams>,
) -> AppResult<Response> {
    let t = ctx.lang.texts();
    let offset = app.config.utc_offset_minutes;
    let draw = app.store.sampling_draw(id).await?;
    let plan = app.store.sampling_plan(draw.plan_id).await?;
    let items = app.store.draw_items(id).await?;
    let estimates = draw_estimates(&items, 0.95)?;
    let replay = match params.replay {
        Some(_) => Some(app.store.replay_draw(id).await?),
        None => None,
    };
    let (from, to) = local_dates(draw.period_from, draw.period_to, offset);
    let rows = items
        .iter()
        .map(|i| item_row(t.samp, &draw.definition, i))
        .collect();
    Ok(html(&DrawPage {
        page: PageCtx::new(&ctx, "sampling"),
        period: format!("{from} – {to}"),
        drawn_at: format_local(draw.drawn_at, offset),
        summary: plan_summary(t.samp, &draw.definition),
        items: rows,
        center: estimates
            .center
            .as_ref()
            .map(|c| estimate_row(t.samp.center, c)),
        teams: estimates
            .teams
            .iter()
            .map(|g| estimate_row(if g.group.is_empty() { "—" } else { &g.group }, &g.estimate))
            .collect(),
        agents: estimates
            .agents
            .iter()
            .map(|g| estimate_row(&g.group, &g.estimate))
            .collect(),
        estimates,
        draw,
        plan,
        replay,
    })?
    .into_response())
}

/// A stratum's key as the sampler writes it (`queue=billing, call_type=inbound,
/// duration=<120 s`, or `all calls`), in the page's language.
pub fn stratum_text(t: &SampTexts, key: &str) -> String {
    if key == "all calls" {
        return t.all_calls.to_string();
    }
    key.split(", ")
        .map(|part| match part.split_once('=') {
            Some(("queue", q)) => format!("{}{q}", t.stratum_queue),
            Some(("call_type", c)) => {
                let c = match c {
                    "inbound" => t.inbound,
                    "outbound" => t.outbound,
                    "internal" => t.internal,
                    other => other,
                };
                format!("{}{c}", t.stratum_call_type)
            }
            Some(("duration", d)) => format!("{}{d}", t.stratum_duration),
            _ => part.to_string(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Why a call was oversampled, as the sampler writes it (`rules[1]: …`), in the page's
/// language: the plan's rule at that index.
fn reason_text(t: &SampTexts, def: &PlanDefinition, reason: &str) -> String {
    let rule = reason
        .strip_prefix("rules[")
        .and_then(|rest| rest.split_once(']'))
        .and_then(|(i, _)| i.parse::<usize>().ok())
        .and_then(|i| def.plan.rules.get(i));
    match rule {
        Some(r) => format!("{} ×{}", condition_text(t, &r.when), num(r.factor)),
        None => reason.to_string(),
    }
}

fn item_row(t: &SampTexts, def: &PlanDefinition, i: &DrawItem) -> ItemRow {
    ItemRow {
        call_id: i.call_id,
        agent: i.agent.clone(),
        team: i.team.clone().unwrap_or_else(|| "—".into()),
        stratum: stratum_text(t, &i.stratum),
        probability: format!("{:.3}", i.inclusion_probability),
        weight: format!("{:.2}", i.weight),
        reasons: i
            .reasons
            .iter()
            .map(|r| reason_text(t, def, r))
            .collect::<Vec<_>>()
            .join("; "),
        reviewer: i.reviewer.clone().unwrap_or_else(|| "—".into()),
        evaluation_id: i.evaluation_id,
        outcome: match i.passed {
            Some(true) => t.passed,
            Some(false) => t.failed,
            None => t.not_evaluated,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn strata_and_reasons_in_both_languages() {
        let zh = Lang::ZhTw.texts().samp;
        let en = Lang::En.texts().samp;
        let key = "queue=cards, call_type=outbound, duration=120–600 s";
        assert_eq!(stratum_text(zh, key), "佇列 cards, 外撥, 長度 120–600 s");
        assert_eq!(
            stratum_text(en, key),
            "queue cards, outbound, duration 120–600 s"
        );
        assert_eq!(stratum_text(zh, "all calls"), "全部通話");
        let def: PlanDefinition = serde_json::from_value(serde_json::json!({"plan": {
            "target": {"kind": "quota", "per_agent": 2},
            "rules": [{"when": {"kind": "agent_first_weeks", "weeks": 4}, "factor": 2.5}]}}))
        .unwrap();
        assert_eq!(
            reason_text(zh, &def, "rules[0]: agent's first 4 weeks (×2.5)"),
            "客服人員前 4 週 ×2.5"
        );
        // A reason the plan does not explain is shown as the sampler wrote it.
        assert_eq!(reason_text(zh, &def, "rules[7]: x"), "rules[7]: x");
    }

    #[test]
    fn periods_include_both_days() {
        // 2026-03-01 00:00 at UTC+8 is 2026-02-28 16:00 UTC; the period ends at the start of
        // 2026-04-01 local.
        let (start, end) = period_ms("2026-03-01", "2026-03-31", 480).unwrap();
        assert_eq!(start, 1_772_294_400_000);
        assert_eq!(end - start, 31 * 86_400_000);
        assert_eq!(
            local_dates(start, end, 480),
            ("2026-03-01".to_string(), "2026-03-31".to_string())
        );
        assert!(period_ms("2026-03-31", "2026-03-01", 480).is_err());
        assert!(period_ms("31/03/2026", "2026-04-01", 480).is_err());
        assert_eq!(parse_seed(" ").unwrap(), None);
        assert_eq!(parse_seed("18446744073709551615").unwrap(), Some(u64::MAX));
        assert!(parse_seed("-1").is_err());
    }
}
