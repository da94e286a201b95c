//! Sampling plans: which calls of a period QA evaluates. A plan ([`earshot_sampling::Plan`])
//! says how many per agent (a precision target or a quota), how to stratify and what to
//! oversample; a draw applies it to the period's calls with a seed, records every drawn call
//! with its design weight, and puts the calls on reviewers' worklists (balanced by load, never
//! a reviewer's own calls). Weighted estimates from the evaluated draws keep team and center
//! rates unbiased despite the oversampling.
//!
//! A draw is reproducible: the plan and seed are stored with a digest of the population, and
//! [`Store::replay_draw`] draws again from the same calls and compares.

use std::collections::BTreeMap;

use earshot_sampling::{Observation, Plan, Reviewer, Unit};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::action;
use crate::error::DbContext;
use crate::time::now_ms;
use crate::users::{Role, User};
use crate::{Store, StoreError, StoreResult};

/// A plan as stored: the sampling design plus what the store needs to flag calls.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanDefinition {
    pub plan: Plan,
    /// A call whose transcript contains one of these (case-insensitive) is a compliance-search
    /// hit, which a plan's rule may oversample.
    #[serde(default)]
    pub compliance_phrases: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SamplingPlanRecord {
    pub id: i64,
    pub name: String,
    pub scorecard_id: i64,
    pub scorecard_name: String,
    pub definition: PlanDefinition,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct DrawRecord {
    pub id: i64,
    pub plan_id: i64,
    pub definition: PlanDefinition,
    /// A u64; kept as text because databases have no unsigned 64-bit integers.
    pub seed: String,
    pub period_from: i64,
    pub period_to: i64,
    pub population: i64,
    pub population_sha256: String,
    pub per_agent: Vec<earshot_sampling::AgentDraw>,
    pub drawn_by: String,
    pub drawn_at: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct DrawItem {
    pub call_id: i64,
    pub agent: String,
    pub team: Option<String>,
    pub stratum: String,
    pub inclusion_probability: f64,
    pub weight: f64,
    pub reasons: Vec<String>,
    pub reviewer: Option<String>,
    /// The newest submitted evaluation of the call on the plan's scorecard, if any.
    pub evaluation_id: Option<i64>,
    pub passed: Option<bool>,
}

/// A drawn call waiting on a reviewer's worklist.
#[derive(Debug, Clone, Serialize)]
pub struct WorkItem {
    pub draw_id: i64,
    pub plan: String,
    pub call_id: i64,
    pub agent: String,
    pub started_at: i64,
    pub scorecard_id: i64,
    /// The newest published version of the plan's scorecard, to evaluate on.
    pub version_id: Option<i64>,
    /// The reviewer's draft of it, if they have started.
    pub draft_id: Option<i64>,
}

/// Weighted pass rates from a draw's evaluated calls, per agent, per team and for the center.
#[derive(Debug, Clone, Serialize)]
pub struct DrawEstimates {
    pub evaluated: usize,
    pub agents: Vec<earshot_sampling::GroupEstimate>,
    pub teams: Vec<earshot_sampling::GroupEstimate>,
    pub center: Option<earshot_sampling::RateEstimate>,
}

/// Whether drawing again from the same calls gave the same sample.
#[derive(Debug, Clone, Serialize)]
pub struct Replay {
    pub same_population: bool,
    pub same_sample: bool,
    pub population: i64,
    pub population_sha256: String,
}

const MAX_PHRASES: usize = 50;

fn may_manage(role: Role) -> bool {
    matches!(role, Role::QaManager | Role::Admin)
}

impl PlanDefinition {
    /// Every problem at once, with its path.
    pub fn validate(&self) -> Result<(), Vec<earshot_sampling::Problem>> {
        let mut problems = match self.plan.validate() {
            Ok(()) => Vec::new(),
            Err(p) => p,
        };
        if self.compliance_phrases.len() > MAX_PHRASES {
            problems.push(earshot_sampling::Problem {
                path: "compliance_phrases".into(),
                message: format!("at most {MAX_PHRASES} phrases"),
            });
        }
        for (i, p) in self.compliance_phrases.iter().enumerate() {
            if p.trim().is_empty() || p.chars().count() > 200 {
                problems.push(earshot_sampling::Problem {
                    path: format!("compliance_phrases[{i}]"),
                    message: "a phrase is 1 to 200 characters".into(),
                });
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }
}

fn problems_text(problems: &[earshot_sampling::Problem]) -> String {
    problems
        .iter()
        .map(|p| format!("{}: {}", p.path, p.message))
        .collect::<Vec<_>>()
        .join("; ")
}

type PlanRow = (i64, String, i64, String, String, String, i64, i64);

fn plan_from_row(r: PlanRow) -> StoreResult<SamplingPlanRecord> {
    let definition = serde_json::from_str(&r.4).map_err(|e| StoreError::Corrupt {
        table: "sampling_plans",
        reason: format!("plan {}: {e}", r.0),
    })?;
    Ok(SamplingPlanRecord {
        id: r.0,
        name: r.1,
        scorecard_id: r.2,
        scorecard_name: r.3,
        definition,
        created_by: r.5,
        created_at: r.6,
        updated_at: r.7,
    })
}

const PLAN_SELECT: &str = "SELECT p.id, p.name, p.scorecard_id, s.name, p.definition, \
    p.created_by, p.created_at, p.updated_at \
    FROM sampling_plans p JOIN scorecards s ON s.id = p.scorecard_id";

type DrawRow = (
    i64,
    i64,
    String,
    String,
    i64,
    i64,
    i64,
    String,
    String,
    String,
    i64,
);

fn draw_from_row(r: DrawRow) -> StoreResult<DrawRecord> {
    let corrupt = |e: serde_json::Error| StoreError::Corrupt {
        table: "sampling_draws",
        reason: format!("draw {}: {e}", r.0),
    };
    Ok(DrawRecord {
        id: r.0,
        plan_id: r.1,
        definition: serde_json::from_str(&r.2).map_err(corrupt)?,
        seed: r.3,
        period_from: r.4,
        period_to: r.5,
        population: r.6,
        population_sha256: r.7,
        per_agent: serde_json::from_str(&r.8).map_err(corrupt)?,
        drawn_by: r.9,
        drawn_at: r.10,
    })
}

const DRAW_SELECT: &str = "SELECT id, plan_id, definition, seed, period_from, period_to, \
    population, population_sha256, summary, drawn_by, drawn_at FROM sampling_draws";

/// A digest of the population as the draw saw it (sorted by call), so a replay can tell
/// whether it drew from the same calls.
fn population_digest(units: &[Unit]) -> String {
    let mut sorted: Vec<&Unit> = units.iter().collect();
    sorted.sort_by_key(|u| u.call_id);
    let mut h = Sha256::new();
    for u in sorted {
        h.update(serde_json::to_vec(u).unwrap_or_default());
        h.update(b"\n");
    }
    hex::encode(h.finalize())
}

/// `%phrase%` for LIKE, with the pattern characters escaped.
fn like_pattern(phrase: &str) -> String {
    let mut p = String::from("%");
    for ch in phrase.trim().to_lowercase().chars() {
        if matches!(ch, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(ch);
    }
    p.push('%');
    p
}

impl Store {
    pub async fn save_sampling_plan(
        &self,
        id: Option<i64>,
        name: &str,
        scorecard_id: i64,
        definition: &PlanDefinition,
        by: &User,
    ) -> StoreResult<SamplingPlanRecord> {
        if !may_manage(by.role) {
            return Err(StoreError::Forbidden(
                "only QA managers change sampling plans".into(),
            ));
        }
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(StoreError::Invalid(
                "a plan's name is 1 to 200 characters".into(),
            ));
        }
        definition
            .validate()
            .map_err(|p| StoreError::Invalid(problems_text(&p)))?;
        if !self
            .scorecard_names()
            .await?
            .iter()
            .any(|(s, _)| *s == scorecard_id)
        {
            return Err(StoreError::NotFound {
                what: "scorecard",
                id: scorecard_id.to_string(),
            });
        }
        let json = serde_json::to_string(definition).expect("a plan serializes");
        let now = now_ms();
        let result = match id {
            None => {
                sqlx::query_scalar(
                    "INSERT INTO sampling_plans (name, scorecard_id, definition, created_by, \
                     created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
                )
                .bind(name)
                .bind(scorecard_id)
                .bind(&json)
                .bind(&by.username)
                .bind(now)
                .fetch_one(&self.db)
                .await
            }
            Some(id) => sqlx::query_scalar(
                "UPDATE sampling_plans SET name = $1, scorecard_id = $2, definition = $3, \
                     updated_at = $4 WHERE id = $5 RETURNING id",
            )
            .bind(name)
            .bind(scorecard_id)
            .bind(&json)
            .bind(now)
            .bind(id)
            .fetch_optional(&self.db)
            .await
            .and_then(|r| r.ok_or(sqlx::Error::RowNotFound)),
        };
        let id: i64 = match result {
            Ok(id) => id,
            Err(sqlx::Error::RowNotFound) => {
                return Err(StoreError::NotFound {
                    what: "sampling plan",
                    id: id.map(|i| i.to_string()).unwrap_or_default(),
                })
            }
            Err(e) if is_unique_violation(&e) => {
                return Err(StoreError::Conflict(format!(
                    "a sampling plan named {name:?} exists already"
                )))
            }
            Err(e) => return Err(e).ctx("saving a sampling plan"),
        };
        self.audit(
            &by.username,
            action::SAMPLING_PLAN_SAVE,
            &format!("sampling_plan:{id}"),
            serde_json::json!({ "name": name, "scorecard_id": scorecard_id, "definition": definition }),
        )
        .await?;
        self.sampling_plan(id).await
    }

    pub async fn sampling_plan(&self, id: i64) -> StoreResult<SamplingPlanRecord> {
        let row: Option<PlanRow> = sqlx::query_as(&format!("{PLAN_SELECT} WHERE p.id = $1"))
            .bind(id)
            .fetch_optional(&self.db)
            .await
            .ctx("reading a sampling plan")?;
        plan_from_row(row.ok_or_else(|| StoreError::NotFound {
            what: "sampling plan",
            id: id.to_string(),
        })?)
    }

    pub async fn sampling_plans(&self) -> StoreResult<Vec<SamplingPlanRecord>> {
        let rows: Vec<PlanRow> = sqlx::query_as(&format!("{PLAN_SELECT} ORDER BY p.name"))
            .fetch_all(&self.db)
            .await
            .ctx("listing sampling plans")?;
        rows.into_iter().map(plan_from_row).collect()
    }

    /// The answered calls of `[from, to)` that have an agent, as sampling units: their team
    /// (the agent's now), queue, direction as the call type, talk time, whether the transcript
    /// hits a compliance phrase, whether the caller gave a low survey answer, and how many days
    /// after the agent's first call they came.
    pub async fn sampling_population(
        &self,
        from: i64,
        to: i64,
        compliance_phrases: &[String],
    ) -> StoreResult<Vec<Unit>> {
        const CTX: &str = "reading the calls to sample from";
        type Row = (
            i64,
            String,
            Option<String>,
            Option<String>,
            String,
            i64,
            i64,
            i64,
        );
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT c.id, c.agent, a.team, c.queue, c.direction, \
                 COALESCE(c.ended_at, c.started_at) - COALESCE(c.answered_at, c.started_at), \
                 c.started_at, f.first_call \
             FROM calls c \
             LEFT JOIN agents a ON a.username = c.agent \
             JOIN (SELECT agent, MIN(started_at) AS first_call FROM calls \
                   WHERE agent IS NOT NULL GROUP BY agent) f ON f.agent = c.agent \
             WHERE c.agent IS NOT NULL AND c.disposition = 'answered' \
               AND c.started_at >= $1 AND c.started_at < $2 \
             ORDER BY c.id",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&self.db)
        .await
        .ctx(CTX)?;
        let mut hits = std::collections::BTreeSet::new();
        if !compliance_phrases.is_empty() && !rows.is_empty() {
            let mut sql = String::from(
                "SELECT DISTINCT s.call_id FROM transcript_segments s JOIN calls c ON c.id = s.call_id \
                 WHERE c.started_at >= $1 AND c.started_at < $2 AND (",
            );
            for i in 0..compliance_phrases.len() {
                if i > 0 {
                    sql.push_str(" OR ");
                }
                sql.push_str(&format!("LOWER(s.text) LIKE ${} ESCAPE '\\'", i + 3));
            }
            sql.push(')');
            let mut q = sqlx::query_scalar::<_, i64>(&sql).bind(from).bind(to);
            for p in compliance_phrases {
                q = q.bind(like_pattern(p));
            }
            hits.extend(q.fetch_all(&self.db).await.ctx(CTX)?);
        }
        let low: std::collections::BTreeSet<i64> = self
            .calls_with_low_answers(from, to)
            .await?
            .into_iter()
            .collect();
        Ok(rows
            .into_iter()
            .map(
                |(call_id, agent, team, queue, direction, talk_ms, started_at, first_call)| Unit {
                    call_id,
                    agent,
                    team,
                    queue,
                    call_type: Some(direction),
                    duration_s: u32::try_from(talk_ms.max(0) / 1000).unwrap_or(u32::MAX),
                    // A low post-call survey answer (keypad or web) on the call.
                    survey_low: low.contains(&call_id),
                    compliance_hit: hits.contains(&call_id),
                    agent_tenure_days: u32::try_from((started_at - first_call).max(0) / 86_400_000)
                        .ok(),
                },
            )
            .collect())
    }

    /// Draw a sample for `[from, to)` with `seed` (a fresh random one when `None`), record it,
    /// and put every drawn call on a reviewer's worklist.
    pub async fn draw_sample(
        &self,
        plan_id: i64,
        from: i64,
        to: i64,
        seed: Option<u64>,
        by: &User,
    ) -> StoreResult<DrawRecord> {
        if !may_manage(by.role) {
            return Err(StoreError::Forbidden(
                "only QA managers draw samples".into(),
            ));
        }
        if to <= from {
            return Err(StoreError::Invalid(
                "the period must end after it starts".into(),
            ));
        }
        let plan = self.sampling_plan(plan_id).await?;
        let seed = seed.unwrap_or_else(rand::random);
        let units = self
            .sampling_population(from, to, &plan.definition.compliance_phrases)
            .await?;
        let draw = earshot_sampling::draw(&plan.definition.plan, &units, seed)
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        let reviewers = self.reviewer_loads().await?;
        let items: Vec<earshot_sampling::WorkItem> = draw.items.iter().map(Into::into).collect();
        let assignments = earshot_sampling::assign(&items, &reviewers)
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        let reviewer_of: BTreeMap<i64, &str> = assignments
            .iter()
            .map(|a| (a.call_id, a.reviewer.as_str()))
            .collect();
        let ids: BTreeMap<String, i64> =
            sqlx::query_as::<_, (String, i64)>("SELECT username, id FROM users")
                .fetch_all(&self.db)
                .await
                .ctx("reading reviewers")?
                .into_iter()
                .collect();
        let digest = population_digest(&units);
        let now = now_ms();
        let mut tx = self.db.begin().await.ctx("recording a draw")?;
        let draw_id: i64 = sqlx::query_scalar(
            "INSERT INTO sampling_draws (plan_id, definition, seed, period_from, period_to, \
                 population, population_sha256, summary, drawn_by, drawn_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(plan_id)
        .bind(serde_json::to_string(&plan.definition).expect("a plan serializes"))
        .bind(seed.to_string())
        .bind(from)
        .bind(to)
        .bind(units.len() as i64)
        .bind(&digest)
        .bind(serde_json::to_string(&draw.per_agent).expect("a draw serializes"))
        .bind(&by.username)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .ctx("recording a draw")?;
        for item in &draw.items {
            let reviewer = reviewer_of
                .get(&item.call_id)
                .and_then(|name| ids.get(*name))
                .copied();
            sqlx::query(
                "INSERT INTO sampling_items (draw_id, call_id, agent, team, stratum, \
                     inclusion_probability, weight, reasons, reviewer_id) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(draw_id)
            .bind(item.call_id)
            .bind(&item.agent)
            .bind(&item.team)
            .bind(&item.stratum)
            .bind(item.inclusion_probability)
            .bind(item.weight)
            .bind(serde_json::to_string(&item.reasons).expect("strings serialize"))
            .bind(reviewer)
            .execute(&mut *tx)
            .await
            .ctx("recording a drawn call")?;
        }
        tx.commit().await.ctx("recording a draw")?;
        self.audit(
            &by.username,
            action::SAMPLING_DRAW,
            &format!("sampling_draw:{draw_id}"),
            serde_json::json!({
                "plan_id": plan_id, "seed": seed.to_string(), "from": from, "to": to,
                "population": units.len(), "population_sha256": digest,
                "drawn": draw.items.len(),
            }),
        )
        .await?;
        self.sampling_draw(draw_id).await
    }

    /// Draw again with a recorded draw's plan and seed from the same period, and say whether
    /// the calls and the sample are the same (they are, unless calls of the period changed).
    pub async fn replay_draw(&self, draw_id: i64) -> StoreResult<Replay> {
        let d = self.sampling_draw(draw_id).await?;
        let seed: u64 = d.seed.parse().map_err(|_| StoreError::Corrupt {
            table: "sampling_draws",
            reason: format!("draw {draw_id}: seed {:?}", d.seed),
        })?;
        let units = self
            .sampling_population(d.period_from, d.period_to, &d.definition.compliance_phrases)
            .await?;
        let digest = population_digest(&units);
        let again = earshot_sampling::draw(&d.definition.plan, &units, seed)
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        let mut drawn: Vec<i64> = again.items.iter().map(|i| i.call_id).collect();
        drawn.sort_unstable();
        let recorded: Vec<i64> = sqlx::query_scalar(
            "SELECT call_id FROM sampling_items WHERE draw_id = $1 ORDER BY call_id",
        )
        .bind(draw_id)
        .fetch_all(&self.db)
        .await
        .ctx("reading a draw's calls")?;
        Ok(Replay {
            same_population: digest == d.population_sha256,
            same_sample: drawn == recorded,
            population: units.len() as i64,
            population_sha256: digest,
        })
    }

    pub async fn sampling_draw(&self, id: i64) -> StoreResult<DrawRecord> {
        let row: Option<DrawRow> = sqlx::query_as(&format!("{DRAW_SELECT} WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.db)
            .await
            .ctx("reading a draw")?;
        draw_from_row(row.ok_or_else(|| StoreError::NotFound {
            what: "sampling draw",
            id: id.to_string(),
        })?)
    }

    pub async fn sampling_draws(&self, plan_id: i64) -> StoreResult<Vec<DrawRecord>> {
        let rows: Vec<DrawRow> = sqlx::query_as(&format!(
            "{DRAW_SELECT} WHERE plan_id = $1 ORDER BY drawn_at DESC, id DESC"
        ))
        .bind(plan_id)
        .fetch_all(&self.db)
        .await
        .ctx("listing draws")?;
        rows.into_iter().map(draw_from_row).collect()
    }

    /// A draw's calls with their reviewer and, where evaluated, the outcome.
    pub async fn draw_items(&self, draw_id: i64) -> StoreResult<Vec<DrawItem>> {
        let draw = self.sampling_draw(draw_id).await?;
        let plan = self.sampling_plan(draw.plan_id).await?;
        type Row = (
            i64,
            String,
            Option<String>,
            String,
            f64,
            f64,
            String,
            Option<String>,
        );
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT i.call_id, i.agent, i.team, i.stratum, i.inclusion_probability, i.weight, \
                 i.reasons, u.username \
             FROM sampling_items i LEFT JOIN users u ON u.id = i.reviewer_id \
             WHERE i.draw_id = $1 ORDER BY i.agent, i.call_id",
        )
        .bind(draw_id)
        .fetch_all(&self.db)
        .await
        .ctx("reading a draw's calls")?;
        // The newest submitted evaluation of each drawn call on the plan's scorecard.
        let outcomes: BTreeMap<i64, (i64, Option<i64>)> =
            sqlx::query_as::<_, (i64, i64, Option<i64>)>(
                "SELECT e.call_id, e.id, e.passed FROM evaluations e \
             JOIN scorecard_versions v ON v.id = e.scorecard_version_id \
             JOIN sampling_items i ON i.call_id = e.call_id AND i.draw_id = $1 \
             WHERE v.scorecard_id = $2 AND e.status <> 'draft' ORDER BY e.id",
            )
            .bind(draw_id)
            .bind(plan.scorecard_id)
            .fetch_all(&self.db)
            .await
            .ctx("reading the evaluations of a draw")?
            .into_iter()
            .map(|(call, id, passed)| (call, (id, passed)))
            .collect();
        rows.into_iter()
            .map(
                |(call_id, agent, team, stratum, p, weight, reasons, reviewer)| {
                    let outcome = outcomes.get(&call_id);
                    Ok(DrawItem {
                        call_id,
                        agent,
                        team,
                        stratum,
                        inclusion_probability: p,
                        weight,
                        reasons: serde_json::from_str(&reasons).map_err(|e| {
                            StoreError::Corrupt {
                                table: "sampling_items",
                                reason: format!("draw {draw_id}, call {call_id}: {e}"),
                            }
                        })?,
                        reviewer,
                        evaluation_id: outcome.map(|o| o.0),
                        passed: outcome.and_then(|o| o.1).map(|p| p != 0),
                    })
                },
            )
            .collect()
    }

    /// The drawn calls on a reviewer's worklist that they have not evaluated yet.
    pub async fn worklist(&self, reviewer_id: i64) -> StoreResult<Vec<WorkItem>> {
        type Row = (i64, String, i64, String, i64, i64, Option<i64>, Option<i64>);
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT i.draw_id, p.name, i.call_id, i.agent, c.started_at, p.scorecard_id, \
                 (SELECT MAX(v.id) FROM scorecard_versions v \
                    WHERE v.scorecard_id = p.scorecard_id AND v.published_at IS NOT NULL), \
                 (SELECT MAX(e.id) FROM evaluations e WHERE e.call_id = i.call_id \
                    AND e.reviewer_id = i.reviewer_id AND e.status = 'draft') \
             FROM sampling_items i \
             JOIN sampling_draws d ON d.id = i.draw_id \
             JOIN sampling_plans p ON p.id = d.plan_id \
             JOIN calls c ON c.id = i.call_id \
             WHERE i.reviewer_id = $1 AND NOT EXISTS ( \
                 SELECT 1 FROM evaluations e WHERE e.call_id = i.call_id \
                 AND e.reviewer_id = i.reviewer_id AND e.status <> 'draft') \
             ORDER BY d.drawn_at, i.call_id LIMIT 1000",
        )
        .bind(reviewer_id)
        .fetch_all(&self.db)
        .await
        .ctx("reading a worklist")?;
        Ok(rows
            .into_iter()
            .map(
                |(
                    draw_id,
                    plan,
                    call_id,
                    agent,
                    started_at,
                    scorecard_id,
                    version_id,
                    draft_id,
                )| {
                    WorkItem {
                        draw_id,
                        plan,
                        call_id,
                        agent,
                        started_at,
                        scorecard_id,
                        version_id,
                        draft_id,
                    }
                },
            )
            .collect())
    }

    /// Everyone who reviews (active reviewers; QA managers only when there are no reviewers),
    /// with what is open on their desk: drawn calls not yet evaluated and drafts.
    async fn reviewer_loads(&self) -> StoreResult<Vec<Reviewer>> {
        let users: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT id, username, role FROM users WHERE disabled = 0 \
               AND role IN ('reviewer', 'qa_manager') ORDER BY username",
        )
        .fetch_all(&self.db)
        .await
        .ctx("reading reviewers")?;
        let has_reviewers = users.iter().any(|u| u.2 == "reviewer");
        let mut out = Vec::new();
        for (id, username, role) in users {
            if has_reviewers && role != "reviewer" {
                continue;
            }
            let open: i64 = sqlx::query_scalar(
                "SELECT CAST(COUNT(*) AS BIGINT) FROM sampling_items i WHERE i.reviewer_id = $1 \
                 AND NOT EXISTS (SELECT 1 FROM evaluations e WHERE e.call_id = i.call_id \
                     AND e.reviewer_id = i.reviewer_id AND e.status <> 'draft')",
            )
            .bind(id)
            .fetch_one(&self.db)
            .await
            .ctx("counting a reviewer's open work")?;
            let user = self.user(id).await?;
            out.push(Reviewer {
                identities: self.agent_identities(&user).await?,
                name: username,
                open_load: u32::try_from(open).unwrap_or(u32::MAX),
            });
        }
        Ok(out)
    }
}

/// Weighted pass rates from a draw's evaluated calls (Hájek estimator with the design
/// weights): per agent, per team and for the whole center.
pub fn draw_estimates(items: &[DrawItem], confidence: f64) -> StoreResult<DrawEstimates> {
    let evaluated: Vec<&DrawItem> = items.iter().filter(|i| i.passed.is_some()).collect();
    let observations = |group: &dyn Fn(&DrawItem) -> String| -> Vec<Observation> {
        evaluated
            .iter()
            .map(|i| Observation {
                weight: i.weight,
                group: group(i),
                passed: i.passed == Some(true),
            })
            .collect()
    };
    let invalid = |e: earshot_sampling::SamplingError| StoreError::Invalid(e.to_string());
    let agents = earshot_sampling::estimate(&observations(&|i| i.agent.clone()), confidence)
        .map_err(invalid)?;
    let teams = earshot_sampling::estimate(
        &observations(&|i| i.team.clone().unwrap_or_default()),
        confidence,
    )
    .map_err(invalid)?;
    Ok(DrawEstimates {
        evaluated: evaluated.len(),
        center: agents.overall,
        agents: agents.groups,
        teams: teams.groups,
    })
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}
