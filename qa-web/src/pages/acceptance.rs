//! `/acceptance`: ANSI/ASQ Z1.4 (= ISO 2859-1) acceptance sampling of agents' and teams' calls,
//! lot by lot.
//!
//! The list shows every plan with its state (normal, tightened, reduced, discontinued) and
//! offers QA managers the form to create one. A plan's page shows the state with its counters
//! and why it is what it is (translated from [`Reason`], the machine's own explanation being
//! English), the normal, tightened and reduced plans for a lot size, the calls to inspect from
//! a period's lot (chosen with a seed, so the choice can be repeated), the form to record a lot
//! and the lots so far. The store runs the switching rules; these pages only ask and show.

use askama::Template;
use axum::extract::State;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use earshot_acceptance::{
    plans, Aql, InspectionLevel, Plans, SamplingPlan, Severity, State as Inspection,
};
use earshot_store::qa::{
    AcceptanceDetail, AcceptanceLot, AcceptancePlan, LotSample, LotSource, NewAcceptancePlan,
    NewLot, Reason, ScopeKind,
};
use earshot_store::time::{format_local_minute, local_dates, local_days};
use earshot_store::StoreError;
use serde::Deserialize;

use super::{html, may, PageCtx};
use crate::auth::{Ctx, Principal};
use crate::error::{AppError, AppResult};
use crate::extract::{Form, Path, Query};
use crate::i18n::Texts;
use crate::App;

// ----- words shared with the API ----------------------------------------------------------------

/// A state in the user's language.
pub fn state_text(t: &Texts, s: Inspection) -> &'static str {
    match s {
        Inspection::Normal => t.acc.state_normal,
        Inspection::Tightened => t.acc.state_tightened,
        Inspection::Reduced => t.acc.state_reduced,
        Inspection::Discontinued => t.acc.state_discontinued,
    }
}

pub fn severity_text(t: &Texts, s: Severity) -> &'static str {
    match s {
        Severity::Normal => t.acc.state_normal,
        Severity::Tightened => t.acc.state_tightened,
        Severity::Reduced => t.acc.state_reduced,
    }
}

fn scope_text(t: &Texts, kind: ScopeKind, scope: &str) -> String {
    let kind = match kind {
        ScopeKind::Agent => t.acc.scope_agent,
        ScopeKind::Team => t.acc.scope_team,
    };
    format!("{kind} {scope}")
}

/// Why the state is what it is, in the user's language (ISO 2859-1:1999 clause 9).
pub fn reason_text(t: &Texts, r: &Reason) -> String {
    match *r {
        Reason::Tightened { not_accepted } => t
            .acc
            .reason_tightened
            .replace("{n}", &not_accepted.to_string()),
        Reason::TightenedEnded => t.acc.reason_tightened_ended.to_string(),
        Reason::Discontinued => t.acc.reason_discontinued.to_string(),
        Reason::Reduced { switching_score } => t
            .acc
            .reason_reduced
            .replace("{score}", &switching_score.to_string()),
        Reason::ReducedEnded => t.acc.reason_reduced_ended.to_string(),
        Reason::ReducedEndedIrregular => t.acc.reason_reduced_ended_irregular.to_string(),
        Reason::NormalContinues {
            switching_score,
            not_accepted_in_last_five,
            awaiting_approval,
            production_irregular,
        } => {
            let (text, also) = match (production_irregular, awaiting_approval) {
                (true, true) => (t.acc.reason_irregular_on_normal, t.acc.also_not_approved),
                (true, false) => (t.acc.reason_irregular_on_normal, ""),
                (false, true) => (t.acc.reason_awaiting_approval, ""),
                (false, false) => (t.acc.reason_normal_continues, ""),
            };
            let text = text
                .replace("{score}", &switching_score.to_string())
                .replace("{n}", &not_accepted_in_last_five.to_string());
            format!("{text}{also}")
        }
        Reason::TightenedContinues {
            consecutive_accepted,
            not_accepted,
        } => t
            .acc
            .reason_tightened_continues
            .replace("{c}", &consecutive_accepted.to_string())
            .replace("{n}", &not_accepted.to_string()),
        Reason::ReducedContinues {
            consecutive_accepted,
        } => t
            .acc
            .reason_reduced_continues
            .replace("{c}", &consecutive_accepted.to_string()),
        Reason::Resubmitted { state } => t
            .acc
            .reason_resubmitted
            .replace("{state}", &state_text(t, state).to_lowercase()),
        Reason::Resumed => t.acc.reason_resumed.to_string(),
        Reason::ApprovalGranted { switching_score } => t
            .acc
            .reason_approval_granted
            .replace("{score}", &switching_score.to_string()),
        Reason::ApprovalWithdrawn { ended_reduced } => if ended_reduced {
            t.acc.reason_approval_withdrawn_ended
        } else {
            t.acc.reason_approval_withdrawn
        }
        .to_string(),
    }
}

/// A lot's verdict in the user's language: accepted or not, defects against Ac or Re.
pub fn verdict_text(t: &Texts, lot: &AcceptanceLot) -> String {
    let inspected = if lot.sample_size >= lot.lot_size {
        t.acc
            .inspected_all
            .replace("{n}", &lot.lot_size.to_string())
    } else {
        t.acc.sampled.replace("{n}", &lot.sample_size.to_string())
    };
    let (text, limit) = if lot.accepted {
        (t.acc.verdict_accepted, lot.accept_number)
    } else {
        (t.acc.verdict_not_accepted, lot.reject_number)
    };
    text.replace("{label}", &lot.label)
        .replace("{severity}", severity_text(t, lot.severity))
        .replace("{d}", &lot.defects.to_string())
        .replace("{limit}", &limit.to_string())
        .replace("{inspected}", &inspected)
        .replace("{letter}", &lot.code_letter)
}

/// The last change's explanation: the last lot's verdict and the reason, or the decision taken
/// since (a resumption, an approval).
pub fn last_explanation(t: &Texts, d: &AcceptanceDetail) -> Option<String> {
    let reason = d.last_reason?;
    let because = reason_text(t, &reason);
    match (reason, d.lots.last()) {
        (
            Reason::Resumed | Reason::ApprovalGranted { .. } | Reason::ApprovalWithdrawn { .. },
            _,
        )
        | (_, None) => Some(because),
        (_, Some(lot)) => Some(format!("{}{}{because}", verdict_text(t, lot), t.acc.then)),
    }
}

/// A local date `YYYY-MM-DD` as typed; blank is `None`.
fn local_date(t: &Texts, text: &str) -> Result<Option<NaiveDate>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| t.acc.bad_date.replace("{value}", text))
}

/// The period `[from, to)` in epoch ms for local dates `from` to `to`, both included.
fn period(t: &Texts, from: &str, to: &str, offset: i32) -> Result<Option<(i64, i64)>, String> {
    match (local_date(t, from)?, local_date(t, to)?) {
        (None, None) => Ok(None),
        (Some(from), Some(to)) => local_days(from, to, offset)
            .map(Some)
            .ok_or_else(|| t.acc.bad_date.replace("{value}", &to.to_string())),
        _ => Err(t.acc.period_needs_both.to_string()),
    }
}

fn number<T: std::str::FromStr>(text: &str, message: &str) -> Result<Option<T>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse()
        .map(Some)
        .map_err(|_| message.replace("{value}", text))
}

/// How a refused store call comes back to a form: its status and message; anything else is an
/// error page.
fn refusal(e: StoreError) -> Result<(StatusCode, String), AppError> {
    match e {
        StoreError::Invalid(m) => Ok((StatusCode::BAD_REQUEST, m)),
        StoreError::Conflict(m) => Ok((StatusCode::CONFLICT, m)),
        e => Err(e.into()),
    }
}

// ----- the list and the form to create a plan ----------------------------------------------------

pub struct PlanRow {
    pub id: i64,
    pub name: String,
    pub scope: String,
    pub level: &'static str,
    pub aql: &'static str,
    pub state: &'static str,
    pub state_class: &'static str,
    pub lots: u64,
    pub approved: bool,
    pub updated: String,
}

pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// The create form as typed.
#[derive(Debug, Deserialize)]
pub struct CreateForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    scope_kind: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    aql: String,
    #[serde(default)]
    reduced_approved: Option<String>,
}

impl Default for CreateForm {
    fn default() -> Self {
        CreateForm {
            name: String::new(),
            scope_kind: "agent".into(),
            scope: String::new(),
            level: "II".into(),
            aql: "0.65".into(),
            reduced_approved: None,
        }
    }
}

impl CreateForm {
    fn request(&self, t: &Texts) -> Result<NewAcceptancePlan, String> {
        let scope_kind: ScopeKind = self
            .scope_kind
            .parse()
            .map_err(|_| t.acc.choose_scope.to_string())?;
        let inspection_level: InspectionLevel = self
            .level
            .parse()
            .map_err(|e: earshot_acceptance::Error| e.to_string())?;
        let aql: Aql = self
            .aql
            .parse()
            .map_err(|e: earshot_acceptance::Error| e.to_string())?;
        Ok(NewAcceptancePlan {
            name: self.name.clone(),
            scope_kind,
            scope: self.scope.clone(),
            inspection_level,
            aql,
            reduced_approved: self.reduced_approved.is_some(),
        })
    }
}

#[derive(Template)]
#[template(path = "acceptance.html")]
struct ListPage {
    page: PageCtx,
    rows: Vec<PlanRow>,
    may_create: bool,
    form: CreateForm,
    levels: Vec<Choice>,
    aqls: Vec<Choice>,
    error: Option<String>,
}

pub fn state_class(s: Inspection) -> &'static str {
    match s {
        Inspection::Normal => "state-normal",
        Inspection::Tightened => "state-tightened",
        Inspection::Reduced => "state-reduced",
        Inspection::Discontinued => "state-discontinued",
    }
}

async fn render_list(
    app: &App,
    ctx: &Ctx,
    principal: &Principal,
    form: CreateForm,
    error: Option<(StatusCode, String)>,
) -> AppResult<Response> {
    let t = ctx.lang.texts();
    let offset = app.config.utc_offset_minutes;
    let rows = app
        .store
        .acceptance_plans()
        .await?
        .into_iter()
        .map(|p| PlanRow {
            id: p.id,
            scope: scope_text(t, p.scope_kind, &p.scope),
            level: p.inspection_level.as_str(),
            aql: p.aql.as_str(),
            state: state_text(t, p.state()),
            state_class: state_class(p.state()),
            lots: p.counters.lots_recorded,
            approved: p.reduced_approved,
            updated: format_local_minute(p.updated_at, offset),
            name: p.name,
        })
        .collect();
    let levels = InspectionLevel::ALL
        .iter()
        .map(|l| Choice {
            value: l.as_str().into(),
            label: l.as_str().into(),
            selected: form.level == l.as_str(),
        })
        .collect();
    let aqls = Aql::ALL
        .iter()
        .map(|a| Choice {
            value: a.as_str().into(),
            label: a.as_str().into(),
            selected: form.aql == a.as_str(),
        })
        .collect();
    let status = error.as_ref().map(|e| e.0);
    let mut response = html(&ListPage {
        page: PageCtx::new(ctx, "sampling"),
        rows,
        may_create: may(Some(principal), &Method::POST, "/acceptance"),
        form,
        levels,
        aqls,
        error: error.map(|e| e.1),
    })?;
    if let Some(status) = status {
        *response.status_mut() = status;
    }
    Ok(response)
}

/// `GET /acceptance`
pub async fn list(State(app): State<App>, ctx: Ctx, principal: Principal) -> AppResult<Response> {
    render_list(&app, &ctx, &principal, CreateForm::default(), None).await
}

/// `POST /acceptance`: create a plan; a refused form comes back as typed with the reason
/// (400, or 409 for a taken name).
pub async fn create(
    State(app): State<App>,
    ctx: Ctx,
    principal: Principal,
    Form(form): Form<CreateForm>,
) -> AppResult<Response> {
    let t = ctx.lang.texts();
    let new = match form.request(t) {
        Ok(new) => new,
        Err(m) => {
            return render_list(
                &app,
                &ctx,
                &principal,
                form,
                Some((StatusCode::BAD_REQUEST, m)),
            )
            .await
        }
    };
    match app
        .store
        .create_acceptance_plan(&new, &principal.user)
        .await
    {
        Ok(p) => Ok(Redirect::to(&format!("/acceptance/{}", p.id)).into_response()),
        Err(e) => {
            let refused = refusal(e)?;
            render_list(&app, &ctx, &principal, form, Some(refused)).await
        }
    }
}

// ----- one plan -------------------------------------------------------------------------------------

/// `GET /acceptance/{id}` parameters: a lot size for the plans table, and a period (local
/// dates, both included) with an optional seed for the sample.
#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    #[serde(default)]
    lot_size: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    seed: String,
}

/// The record form as typed.
#[derive(Debug, Default, Deserialize)]
pub struct LotForm {
    #[serde(default)]
    label: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    lot_size: String,
    #[serde(default)]
    defects: String,
    #[serde(default)]
    seed: String,
    #[serde(default)]
    expected_lots: String,
    /// Checkboxes: present when ticked.
    #[serde(default)]
    irregular: Option<String>,
    #[serde(default)]
    resubmitted: Option<String>,
}

impl LotForm {
    fn request(&self, t: &Texts, offset: i32) -> Result<NewLot, String> {
        let defects = number::<u64>(&self.defects, t.acc.bad_defects)?
            .ok_or_else(|| t.acc.bad_defects.replace("{value}", ""))?;
        let seed = number::<u64>(&self.seed, t.acc.bad_seed)?;
        let size = number::<u64>(&self.lot_size, t.acc.bad_lot_size)?;
        let source = match (period(t, &self.from, &self.to, offset)?, size) {
            (Some(_), Some(_)) => return Err(t.acc.period_or_size.to_string()),
            (Some((from, to)), None) => LotSource::Period { from, to },
            (None, Some(n)) => LotSource::Size(n),
            (None, None) => return Err(t.acc.period_or_size.to_string()),
        };
        Ok(NewLot {
            label: self.label.clone(),
            source,
            defects,
            seed,
            expected_lots: number::<u64>(&self.expected_lots, t.acc.bad_lot_size)?,
            irregular: self.irregular.is_some(),
            resubmitted: self.resubmitted.is_some(),
        })
    }
}

pub struct PlanLine {
    pub severity: &'static str,
    pub in_force: bool,
    pub letter: String,
    pub n: u32,
    pub ac: u32,
    pub re: u32,
    pub hundred_percent: bool,
}

pub struct PlansView {
    pub lot_size: u64,
    /// Table 1's code letter.
    pub letter: String,
    pub lines: Vec<PlanLine>,
}

fn plans_view(t: &Texts, lot_size: u64, p: &Plans, state: Inspection) -> PlansView {
    let line = |sp: &SamplingPlan| PlanLine {
        severity: severity_text(t, sp.severity),
        in_force: state.severity() == Some(sp.severity),
        letter: sp.code_letter.to_string(),
        n: sp.sample_size,
        ac: sp.accept,
        re: sp.reject,
        hundred_percent: sp.hundred_percent,
    };
    PlansView {
        lot_size,
        letter: p.code_letter.to_string(),
        lines: vec![line(&p.normal), line(&p.tightened), line(&p.reduced)],
    }
}

pub struct SampleCallLine {
    pub call_id: i64,
    pub agent: String,
    pub started: String,
}

pub struct SampleView {
    pub lot_size: u64,
    pub seed: String,
    pub severity: &'static str,
    pub letter: String,
    pub n: u32,
    pub ac: u32,
    pub re: u32,
    pub inspect: u64,
    pub hundred_percent: bool,
    pub calls: Vec<SampleCallLine>,
    /// The link that draws the same sample again.
    pub href: String,
}

pub struct LotLine {
    pub seq: i64,
    pub label: String,
    pub period: String,
    pub lot_size: i64,
    pub severity: &'static str,
    pub letter: String,
    pub n: i64,
    pub ac: i64,
    pub re: i64,
    pub defects: i64,
    pub accepted: bool,
    pub irregular: bool,
    pub resubmitted: bool,
    pub state_after: &'static str,
    pub state_class: &'static str,
    pub seed: String,
    pub by: String,
    pub when: String,
    pub why: String,
}

/// A resumption or a decision on reduced inspection, as listed under the lots.
pub struct ResumeLine {
    pub text: String,
    pub by: String,
    pub when: String,
}

/// The form that approves reduced inspection or withdraws the approval.
pub struct ApprovalFormView {
    /// The value the form sends: `true` to approve, `false` to withdraw.
    pub approve: bool,
    pub button: &'static str,
    pub hint: &'static str,
}

/// The counters of the state, each with its label.
pub struct CounterLine {
    pub label: &'static str,
    pub value: String,
    pub id: &'static str,
}

/// The record form's values: a refused form as typed, else the sample's period and seed.
#[derive(Default)]
pub struct LotFormView {
    pub label: String,
    pub from: String,
    pub to: String,
    pub lot_size: String,
    pub defects: String,
    pub seed: String,
    pub irregular: bool,
    pub resubmitted: bool,
}

#[derive(Template)]
#[template(path = "acceptance_plan.html")]
struct PlanPage {
    page: PageCtx,
    id: i64,
    name: String,
    scope: String,
    level: &'static str,
    aql: &'static str,
    state: &'static str,
    state_class: &'static str,
    discontinued: bool,
    counters: Vec<CounterLine>,
    explanation: Option<String>,
    lot_size_query: String,
    plans: Option<PlansView>,
    query_from: String,
    query_to: String,
    query_seed: String,
    sample: Option<SampleView>,
    sample_error: Option<String>,
    lots: Vec<LotLine>,
    resumes: Vec<ResumeLine>,
    approval_at_creation: String,
    approvals: Vec<ResumeLine>,
    /// The approval form, for those who may decide.
    approval: Option<ApprovalFormView>,
    expected_lots: u64,
    form: LotFormView,
    may_record: bool,
    may_resume: bool,
    error: Option<String>,
}

fn counters(t: &Texts, p: &AcceptancePlan) -> Vec<CounterLine> {
    let c = &p.counters;
    let mut lines = vec![CounterLine {
        label: t.acc.lots_recorded,
        value: c.lots_recorded.to_string(),
        id: "c-lots",
    }];
    match c.state {
        Inspection::Normal => {
            lines.push(CounterLine {
                label: t.acc.consecutive_accepted,
                value: c.consecutive_accepted.to_string(),
                id: "c-consecutive",
            });
            lines.push(CounterLine {
                label: t.acc.not_accepted_last_five,
                value: format!("{} / 2", c.not_accepted_in_last_five),
                id: "c-last-five",
            });
            lines.push(CounterLine {
                label: t.acc.switching_score,
                value: format!("{} / 30", c.switching_score),
                id: "c-score",
            });
        }
        Inspection::Tightened => {
            lines.push(CounterLine {
                label: t.acc.consecutive_accepted,
                value: format!("{} / 5", c.consecutive_accepted),
                id: "c-consecutive",
            });
            lines.push(CounterLine {
                label: t.acc.not_accepted_on_tightened,
                value: format!("{} / 5", c.not_accepted_on_tightened),
                id: "c-tightened",
            });
        }
        Inspection::Reduced => lines.push(CounterLine {
            label: t.acc.consecutive_accepted,
            value: c.consecutive_accepted.to_string(),
            id: "c-consecutive",
        }),
        Inspection::Discontinued => lines.push(CounterLine {
            label: t.acc.not_accepted_on_tightened,
            value: format!("{} / 5", c.not_accepted_on_tightened),
            id: "c-tightened",
        }),
    }
    lines.push(CounterLine {
        label: t.acc.authority_approval,
        value: if c.reduced_approved {
            t.acc.approved_yes
        } else {
            t.acc.approved_no
        }
        .to_string(),
        id: "c-approval",
    });
    lines
}

struct PageInput {
    query: PageQuery,
    form: Option<LotFormView>,
    error: Option<(StatusCode, String)>,
}

async fn render_plan(
    app: &App,
    ctx: &Ctx,
    principal: &Principal,
    id: i64,
    input: PageInput,
) -> AppResult<Response> {
    let t = ctx.lang.texts();
    let offset = app.config.utc_offset_minutes;
    let detail = app.store.acceptance_detail(id).await?;
    let plan = &detail.plan;
    let q = &input.query;

    // The sample, when a period is asked for.
    let mut sample_error = None;
    let mut sample: Option<LotSample> = None;
    match period(t, &q.from, &q.to, offset) {
        Err(m) => sample_error = Some(m),
        Ok(None) => {}
        Ok(Some((from, to))) => match number::<u64>(&q.seed, t.acc.bad_seed) {
            Err(m) => sample_error = Some(m),
            Ok(seed) => match app.store.acceptance_sample(id, from, to, seed).await {
                Ok(s) => sample = Some(s),
                Err(e) => sample_error = Some(refusal(e)?.1),
            },
        },
    }
    // The plans table: the lot size typed, else the sample's, else the last lot's.
    let typed = number::<u64>(&q.lot_size, t.acc.bad_lot_size).map_err(AppError::BadRequest)?;
    let lot_size = typed
        .or(sample.as_ref().map(|s| s.lot_size))
        .or(detail.lots.last().map(|l| l.lot_size as u64));
    let plans = match lot_size {
        Some(n) => Some(plans_view(
            t,
            n,
            &plans(n, plan.inspection_level, plan.aql)
                .map_err(|e| AppError::BadRequest(e.to_string()))?,
            plan.state(),
        )),
        None => None,
    };
    let sample_view = sample.as_ref().map(|s| SampleView {
        lot_size: s.lot_size,
        seed: s.seed.clone(),
        severity: severity_text(t, s.plan.severity),
        letter: s.plan.code_letter.to_string(),
        n: s.plan.sample_size,
        ac: s.plan.accept,
        re: s.plan.reject,
        inspect: s.plan.units_to_inspect,
        hundred_percent: s.plan.hundred_percent,
        calls: s
            .calls
            .iter()
            .map(|c| SampleCallLine {
                call_id: c.call_id,
                agent: c.agent.clone(),
                started: format_local_minute(c.started_at, offset),
            })
            .collect(),
        href: {
            let (from, to) = local_dates(s.period_from, s.period_to, offset);
            format!("/acceptance/{id}?from={from}&to={to}&seed={}", s.seed)
        },
    });
    let form = input.form.unwrap_or_else(|| match &sample {
        Some(s) => {
            let (from, to) = local_dates(s.period_from, s.period_to, offset);
            LotFormView {
                from,
                to,
                seed: s.seed.clone(),
                ..LotFormView::default()
            }
        }
        None => LotFormView::default(),
    });
    let lots = detail
        .lots
        .iter()
        .rev()
        .map(|l| LotLine {
            seq: l.seq,
            label: l.label.clone(),
            period: match (l.period_from, l.period_to) {
                (Some(from), Some(to)) => {
                    let (from, to) = local_dates(from, to, offset);
                    format!("{from} – {to}")
                }
                _ => "—".into(),
            },
            lot_size: l.lot_size,
            severity: severity_text(t, l.severity),
            letter: l.code_letter.clone(),
            n: l.sample_size,
            ac: l.accept_number,
            re: l.reject_number,
            defects: l.defects,
            accepted: l.accepted,
            irregular: l.irregular,
            resubmitted: l.resubmitted,
            state_after: state_text(t, l.state_after),
            state_class: state_class(l.state_after),
            seed: l.sample_seed.clone().unwrap_or_else(|| "—".into()),
            by: l.recorded_by.clone(),
            when: format_local_minute(l.recorded_at, offset),
            why: reason_text(t, &l.reason),
        })
        .collect();
    let resumes = detail
        .resumes
        .iter()
        .map(|r| ResumeLine {
            text: t.acc.resumed_after.replace("{n}", &r.after_seq.to_string()),
            by: r.resumed_by.clone(),
            when: format_local_minute(r.resumed_at, offset),
        })
        .collect();
    let approvals = detail
        .approvals
        .iter()
        .map(|a| {
            let text = if a.approved {
                t.acc.approval_granted_after
            } else {
                t.acc.approval_withdrawn_after
            }
            .replace("{n}", &a.after_seq.to_string());
            ResumeLine {
                text: if a.ended_reduced {
                    format!("{text}{}", t.acc.approval_ended_reduced)
                } else {
                    text
                },
                by: a.decided_by.clone(),
                when: format_local_minute(a.decided_at, offset),
            }
        })
        .collect();
    let approval_at_creation = t.acc.approval_at_creation.replace(
        "{decision}",
        if detail.approved_at_creation {
            t.acc.approved_yes
        } else {
            t.acc.approved_no
        },
    );
    let approval =
        may(Some(principal), &Method::POST, "/acceptance/{id}/approval").then(|| {
            match (plan.reduced_approved, plan.state()) {
                (false, _) => ApprovalFormView {
                    approve: true,
                    button: t.acc.approve,
                    hint: t.acc.approve_hint,
                },
                (true, Inspection::Reduced) => ApprovalFormView {
                    approve: false,
                    button: t.acc.withdraw,
                    hint: t.acc.withdraw_hint_reduced,
                },
                (true, _) => ApprovalFormView {
                    approve: false,
                    button: t.acc.withdraw,
                    hint: t.acc.withdraw_hint,
                },
            }
        });
    let discontinued = plan.state() == Inspection::Discontinued;
    let status = input.error.as_ref().map(|e| e.0);
    let mut response = html(&PlanPage {
        page: PageCtx::new(ctx, "sampling"),
        id,
        name: plan.name.clone(),
        scope: scope_text(t, plan.scope_kind, &plan.scope),
        level: plan.inspection_level.as_str(),
        aql: plan.aql.as_str(),
        state: state_text(t, plan.state()),
        state_class: state_class(plan.state()),
        discontinued,
        counters: counters(t, plan),
        explanation: last_explanation(t, &detail),
        lot_size_query: q.lot_size.trim().to_string(),
        plans,
        query_from: q.from.trim().to_string(),
        query_to: q.to.trim().to_string(),
        query_seed: q.seed.trim().to_string(),
        sample: sample_view,
        sample_error,
        lots,
        resumes,
        approval_at_creation,
        approvals,
        approval,
        expected_lots: plan.counters.lots_recorded,
        form,
        may_record: !discontinued && may(Some(principal), &Method::POST, "/acceptance/{id}/lots"),
        may_resume: discontinued && may(Some(principal), &Method::POST, "/acceptance/{id}/resume"),
        error: input.error.map(|e| e.1),
    })?;
    if let Some(status) = status {
        *response.status_mut() = status;
    }
    Ok(response)
}

/// `GET /acceptance/{id}`
pub async fn page(
    State(app): State<App>,
    ctx: Ctx,
    principal: Principal,
    Path(id): Path<i64>,
    Query(query): Query<PageQuery>,
) -> AppResult<Response> {
    render_plan(
        &app,
        &ctx,
        &principal,
        id,
        PageInput {
            query,
            form: None,
            error: None,
        },
    )
    .await
}

/// `POST /acceptance/{id}/lots`: record an inspected lot; a refused one comes back as typed
/// with the reason (400 for bad input, 409 while discontinued or when another lot came first).
pub async fn lot(
    State(app): State<App>,
    ctx: Ctx,
    principal: Principal,
    Path(id): Path<i64>,
    Form(f): Form<LotForm>,
) -> AppResult<Response> {
    let t = ctx.lang.texts();
    let offset = app.config.utc_offset_minutes;
    let refused = match f.request(t, offset) {
        Err(m) => (StatusCode::BAD_REQUEST, m),
        Ok(new) => match app
            .store
            .record_acceptance_lot(id, &new, &principal.user)
            .await
        {
            Ok(_) => return Ok(Redirect::to(&format!("/acceptance/{id}")).into_response()),
            Err(e) => refusal(e)?,
        },
    };
    let form = LotFormView {
        label: f.label.trim().to_string(),
        from: f.from.trim().to_string(),
        to: f.to.trim().to_string(),
        lot_size: f.lot_size.trim().to_string(),
        defects: f.defects.trim().to_string(),
        seed: f.seed.trim().to_string(),
        irregular: f.irregular.is_some(),
        resubmitted: f.resubmitted.is_some(),
    };
    render_plan(
        &app,
        &ctx,
        &principal,
        id,
        PageInput {
            query: PageQuery::default(),
            form: Some(form),
            error: Some(refused),
        },
    )
    .await
}

/// `POST /acceptance/{id}/resume`: resume after discontinuation (409 when not discontinued).
pub async fn resume(
    State(app): State<App>,
    ctx: Ctx,
    principal: Principal,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    match app.store.resume_acceptance(id, &principal.user).await {
        Ok(_) => Ok(Redirect::to(&format!("/acceptance/{id}")).into_response()),
        Err(e) => {
            let refused = refusal(e)?;
            render_plan(
                &app,
                &ctx,
                &principal,
                id,
                PageInput {
                    query: PageQuery::default(),
                    form: None,
                    error: Some(refused),
                },
            )
            .await
        }
    }
}

/// The approval form as typed: `approved` is `true` (approve) or `false` (withdraw).
#[derive(Debug, Default, Deserialize)]
pub struct ApprovalForm {
    #[serde(default)]
    approved: String,
}

impl ApprovalForm {
    fn approved(&self, t: &Texts) -> Result<bool, String> {
        match self.approved.trim() {
            "true" => Ok(true),
            "false" => Ok(false),
            other => Err(t.acc.bad_approval.replace("{value}", other)),
        }
    }
}

/// `POST /acceptance/{id}/approval`: the responsible authority approves reduced inspection or
/// withdraws the approval (400 for a value that is neither, 409 for a decision that changes
/// nothing). A withdrawal on reduced inspection returns it to normal at once.
pub async fn approval(
    State(app): State<App>,
    ctx: Ctx,
    principal: Principal,
    Path(id): Path<i64>,
    Form(f): Form<ApprovalForm>,
) -> AppResult<Response> {
    let t = ctx.lang.texts();
    let refused = match f.approved(t) {
        Err(m) => (StatusCode::BAD_REQUEST, m),
        Ok(approved) => match app
            .store
            .set_acceptance_approval(id, approved, &principal.user)
            .await
        {
            Ok(_) => return Ok(Redirect::to(&format!("/acceptance/{id}")).into_response()),
            Err(e) => refusal(e)?,
        },
    };
    render_plan(
        &app,
        &ctx,
        &principal,
        id,
        PageInput {
            query: PageQuery::default(),
            form: None,
            error: Some(refused),
        },
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn periods_are_local_dates_with_the_end_included() {
        let t = Lang::En.texts();
        // 2026-03-02 00:00 +08:00 = 2026-03-01T16:00Z = 1772380800000; one week later.
        let (from, to) = period(t, "2026-03-02", "2026-03-08", 480).unwrap().unwrap();
        assert_eq!(from, 1_772_380_800_000);
        assert_eq!(to - from, 7 * 86_400_000);
        assert_eq!(
            local_dates(from, to, 480),
            ("2026-03-02".into(), "2026-03-08".into())
        );
        assert!(period(t, "2026-03-02", "", 480).is_err());
        assert!(period(t, "yesterday", "2026-03-08", 480)
            .unwrap_err()
            .contains("yesterday"));
        assert_eq!(period(t, " ", "", 480).unwrap(), None);
    }

    #[test]
    fn every_reason_has_words_in_both_languages() {
        let reasons = [
            Reason::Tightened { not_accepted: 2 },
            Reason::TightenedEnded,
            Reason::Discontinued,
            Reason::Reduced {
                switching_score: 30,
            },
            Reason::ReducedEnded,
            Reason::NormalContinues {
                switching_score: 12,
                not_accepted_in_last_five: 1,
                awaiting_approval: false,
                production_irregular: false,
            },
            Reason::NormalContinues {
                switching_score: 33,
                not_accepted_in_last_five: 0,
                awaiting_approval: true,
                production_irregular: false,
            },
            Reason::TightenedContinues {
                consecutive_accepted: 3,
                not_accepted: 1,
            },
            Reason::ReducedContinues {
                consecutive_accepted: 4,
            },
            Reason::Resumed,
            // 10–16: what the lots' irregular and resubmitted marks and the approval add.
            Reason::ReducedEndedIrregular,
            Reason::NormalContinues {
                switching_score: 32,
                not_accepted_in_last_five: 0,
                awaiting_approval: false,
                production_irregular: true,
            },
            Reason::NormalContinues {
                switching_score: 32,
                not_accepted_in_last_five: 0,
                awaiting_approval: true,
                production_irregular: true,
            },
            Reason::Resubmitted {
                state: Inspection::Tightened,
            },
            Reason::ApprovalGranted {
                switching_score: 31,
            },
            Reason::ApprovalWithdrawn {
                ended_reduced: true,
            },
            Reason::ApprovalWithdrawn {
                ended_reduced: false,
            },
        ];
        for lang in Lang::ALL {
            let t = lang.texts();
            for r in &reasons {
                let text = reason_text(t, r);
                assert!(
                    !text.is_empty() && !text.contains('{'),
                    "{lang:?} {r:?}: {text}"
                );
            }
        }
        let en = Lang::En.texts();
        assert!(reason_text(en, &reasons[6]).contains("33"));
        assert!(reason_text(Lang::ZhTw.texts(), &reasons[0]).contains("加嚴檢驗"));

        // Irregular production on reduced inspection: back to normal, in both languages.
        let zh = Lang::ZhTw.texts();
        assert_eq!(
            reason_text(zh, &reasons[10]),
            "減量檢驗中生產不規則或延遲：恢復正常檢驗（9.3.4 c）"
        );
        assert_eq!(
            reason_text(en, &reasons[10]),
            "production irregular or delayed on reduced inspection: normal inspection (9.3.4 c)"
        );
        // Both reasons for staying normal, named.
        assert!(reason_text(en, &reasons[12]).contains("irregular or delayed"));
        assert!(reason_text(en, &reasons[12]).contains("not approved reduced inspection either"));
        assert!(!reason_text(en, &reasons[11]).contains("not approved"));
        // A resubmitted lot names the inspection that goes on, in the sentence's case.
        assert_eq!(
            reason_text(en, &reasons[13]),
            "a resubmitted lot does not count towards switching: tightened inspection continues, \
             counters unchanged (9.3)"
        );
        assert!(reason_text(zh, &reasons[13]).contains("繼續加嚴檢驗"));
        assert!(reason_text(en, &reasons[14]).contains("31 / 30"));
        assert!(reason_text(zh, &reasons[15]).contains("立即恢復正常檢驗"));
        assert!(reason_text(en, &reasons[16]).contains("will not become reduced"));
    }

    #[test]
    fn the_approval_form_says_approve_or_withdraw() {
        for lang in Lang::ALL {
            let t = lang.texts();
            let form = |v: &str| ApprovalForm { approved: v.into() };
            assert_eq!(form("true").approved(t), Ok(true));
            assert_eq!(form(" false ").approved(t), Ok(false));
            for bad in ["", "yes", "on", "1"] {
                let e = form(bad).approved(t).unwrap_err();
                assert!(
                    e.contains(&format!("「{bad}」")) || e.contains(&format!("“{bad}”")),
                    "{e}"
                );
            }
        }
    }
}
