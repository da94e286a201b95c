//! What dashboards count: submitted evaluations (never drafts), summed per group and per
//! local day in SQL; rates, intervals and weeks/months are made from these sums by the caller.

use serde::Serialize;
use sqlx::Row;

use crate::error::DbContext;
use crate::sql::{bind_all, Bind, Where};
use crate::{Store, StoreResult};

text_enum!(
    /// What a dashboard row stands for.
    GroupBy { Agent = "agent", Team = "team", Queue = "queue", Reviewer = "reviewer" }
);

impl GroupBy {
    fn column(self) -> &'static str {
        match self {
            GroupBy::Agent => "e.agent",
            GroupBy::Team => "e.team",
            GroupBy::Queue => "e.queue",
            GroupBy::Reviewer => "u.username",
        }
    }
}

/// Which evaluations a dashboard counts. Times are the calls' start (epoch ms), `to` exclusive.
#[derive(Debug, Clone, Default)]
pub struct DashboardFilter {
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub scorecard_id: Option<i64>,
    pub agent: Option<String>,
    pub team: Option<String>,
    pub queue: Option<String>,
}

/// Sums over a set of submitted evaluations: enough for means, standard deviations and rates.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Tally {
    pub evaluations: i64,
    /// Evaluations with a score.
    pub scored: i64,
    pub score_sum: f64,
    pub score_sq_sum: f64,
    pub passed: i64,
    pub pass_known: i64,
    /// Per COPC category: evaluations without a critical error, and evaluations where the
    /// category applied.
    pub customer_ok: i64,
    pub customer_n: i64,
    pub business_ok: i64,
    pub business_n: i64,
    pub compliance_ok: i64,
    pub compliance_n: i64,
}

impl Tally {
    pub fn add(&mut self, o: &Tally) {
        self.evaluations += o.evaluations;
        self.scored += o.scored;
        self.score_sum += o.score_sum;
        self.score_sq_sum += o.score_sq_sum;
        self.passed += o.passed;
        self.pass_known += o.pass_known;
        self.customer_ok += o.customer_ok;
        self.customer_n += o.customer_n;
        self.business_ok += o.business_ok;
        self.business_n += o.business_n;
        self.compliance_ok += o.compliance_ok;
        self.compliance_n += o.compliance_n;
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupTally {
    /// The agent, team, queue or reviewer; `None` for evaluations without one.
    pub key: Option<String>,
    pub tally: Tally,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DayTally {
    /// Days since 1970-01-01 in the contact center's local time.
    pub day: i64,
    pub key: Option<String>,
    pub tally: Tally,
}

/// One question over submitted evaluations (followed by key across scorecard versions).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuestionTally {
    pub key: String,
    /// Answers other than N/A.
    pub answered: i64,
    pub not_applicable: i64,
    /// Answers with full marks (yes, the top of the scale, all points).
    pub full_marks: i64,
    pub attainment_sum: f64,
}

const TALLY_COLUMNS: &str = "COUNT(*) AS evaluations, COUNT(e.score) AS scored, \
    COALESCE(SUM(e.score), 0.0) AS score_sum, COALESCE(SUM(e.score * e.score), 0.0) AS score_sq_sum, \
    CAST(COALESCE(SUM(e.passed), 0) AS BIGINT) AS passed, COUNT(e.passed) AS pass_known, \
    CAST(COALESCE(SUM(e.customer_ok), 0) AS BIGINT) AS customer_ok, COUNT(e.customer_ok) AS customer_n, \
    CAST(COALESCE(SUM(e.business_ok), 0) AS BIGINT) AS business_ok, COUNT(e.business_ok) AS business_n, \
    CAST(COALESCE(SUM(e.compliance_ok), 0) AS BIGINT) AS compliance_ok, \
    COUNT(e.compliance_ok) AS compliance_n";

/// `FROM evaluations e`, joined only to what the filter and the grouping need: a dashboard
/// sums every evaluation of its period, and each join is a lookup per evaluation.
fn from_sql(f: &DashboardFilter, group: Option<GroupBy>) -> String {
    let mut from = String::from("FROM evaluations e");
    if f.scorecard_id.is_some() {
        from.push_str(" JOIN scorecard_versions v ON v.id = e.scorecard_version_id");
    }
    if group == Some(GroupBy::Reviewer) {
        from.push_str(" JOIN users u ON u.id = e.reviewer_id");
    }
    from
}

fn tally_from_row(row: &sqlx::any::AnyRow) -> StoreResult<Tally> {
    const CTX: &str = "reading dashboard sums";
    Ok(Tally {
        evaluations: row.try_get("evaluations").ctx(CTX)?,
        scored: row.try_get("scored").ctx(CTX)?,
        score_sum: row.try_get("score_sum").ctx(CTX)?,
        score_sq_sum: row.try_get("score_sq_sum").ctx(CTX)?,
        passed: row.try_get("passed").ctx(CTX)?,
        pass_known: row.try_get("pass_known").ctx(CTX)?,
        customer_ok: row.try_get("customer_ok").ctx(CTX)?,
        customer_n: row.try_get("customer_n").ctx(CTX)?,
        business_ok: row.try_get("business_ok").ctx(CTX)?,
        business_n: row.try_get("business_n").ctx(CTX)?,
        compliance_ok: row.try_get("compliance_ok").ctx(CTX)?,
        compliance_n: row.try_get("compliance_n").ctx(CTX)?,
    })
}

fn dashboard_where(f: &DashboardFilter) -> Where {
    let mut w = Where::default();
    w.push_plain("e.status <> 'draft'");
    if let Some(from) = f.from {
        w.push("e.call_started_at >= ?", Bind::Int(from));
    }
    if let Some(to) = f.to {
        w.push("e.call_started_at < ?", Bind::Int(to));
    }
    if let Some(s) = f.scorecard_id {
        w.push("v.scorecard_id = ?", Bind::Int(s));
    }
    for (column, value) in [
        ("e.agent", &f.agent),
        ("e.team", &f.team),
        ("e.queue", &f.queue),
    ] {
        if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
            w.push(&format!("{column} = ?"), Bind::Text(v.to_string()));
        }
    }
    w
}

const DAY_MS: i64 = 86_400_000;

impl Store {
    /// Sums per agent, team, queue or reviewer.
    pub async fn qa_tallies(
        &self,
        f: &DashboardFilter,
        group: GroupBy,
    ) -> StoreResult<Vec<GroupTally>> {
        let w = dashboard_where(f);
        let col = group.column();
        let sql = format!(
            "SELECT {col} AS k, {TALLY_COLUMNS} {} {} GROUP BY {col} ORDER BY {col}",
            from_sql(f, Some(group)),
            w.sql()
        );
        let rows = bind_all(sqlx::query(&sql), &w.binds)
            .fetch_all(&self.db)
            .await
            .ctx("summing evaluations")?;
        rows.iter()
            .map(|row| {
                Ok(GroupTally {
                    key: row.try_get("k").ctx("reading dashboard sums")?,
                    tally: tally_from_row(row)?,
                })
            })
            .collect()
    }

    /// Sums per local day (and per group, if given), oldest first.
    pub async fn qa_daily(
        &self,
        f: &DashboardFilter,
        group: Option<GroupBy>,
        utc_offset_minutes: i32,
    ) -> StoreResult<Vec<DayTally>> {
        let w = dashboard_where(f);
        let offset_at = w.next();
        let day = format!("(e.call_started_at + ${offset_at}) / {DAY_MS}");
        let (key, group_by) = match group {
            Some(g) => (g.column(), format!("{day}, {}", g.column())),
            None => ("CAST(NULL AS TEXT)", day.clone()),
        };
        let sql = format!(
            "SELECT {day} AS d, {key} AS k, {TALLY_COLUMNS} {} {} \
             GROUP BY {group_by} ORDER BY {day}",
            from_sql(f, group),
            w.sql()
        );
        let rows = bind_all(sqlx::query(&sql), &w.binds)
            .bind(i64::from(utc_offset_minutes) * 60_000)
            .fetch_all(&self.db)
            .await
            .ctx("summing evaluations per day")?;
        rows.iter()
            .map(|row| {
                Ok(DayTally {
                    day: row.try_get("d").ctx("reading dashboard sums")?,
                    key: row.try_get("k").ctx("reading dashboard sums")?,
                    tally: tally_from_row(row)?,
                })
            })
            .collect()
    }

    /// Per question (by key): answers, N/A, full marks and the attainment sum.
    pub async fn qa_question_tallies(
        &self,
        f: &DashboardFilter,
    ) -> StoreResult<Vec<QuestionTally>> {
        let w = dashboard_where(f);
        let sql = format!(
            "SELECT a.question_key AS k, \
                COUNT(a.attainment) AS answered, \
                CAST(COALESCE(SUM(CASE WHEN a.answer = 'na' THEN 1 ELSE 0 END), 0) AS BIGINT) AS na, \
                CAST(COALESCE(SUM(CASE WHEN a.attainment >= 1.0 THEN 1 ELSE 0 END), 0) AS BIGINT) AS full_marks, \
                COALESCE(SUM(a.attainment), 0.0) AS attainment_sum \
             {} JOIN evaluation_answers a ON a.evaluation_id = e.id {} \
             GROUP BY a.question_key ORDER BY a.question_key",
            from_sql(f, None),
            w.sql()
        );
        let rows = bind_all(sqlx::query(&sql), &w.binds)
            .fetch_all(&self.db)
            .await
            .ctx("summing answers per question")?;
        rows.iter()
            .map(|row| {
                const CTX: &str = "reading question sums";
                Ok(QuestionTally {
                    key: row.try_get("k").ctx(CTX)?,
                    answered: row.try_get("answered").ctx(CTX)?,
                    not_applicable: row.try_get("na").ctx(CTX)?,
                    full_marks: row.try_get("full_marks").ctx(CTX)?,
                    attainment_sum: row.try_get("attainment_sum").ctx(CTX)?,
                })
            })
            .collect()
    }
}
