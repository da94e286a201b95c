//! What the survey metrics and the key-driver view read: counts and sums per group in SQL
//! (`earshot_survey::metrics` turns them into CSAT, NPS, CES, FCR and response rates with their
//! intervals), with submitted QA evaluations of the same group and period beside them; and per
//! call, the newest submitted evaluation's answers next to one survey answer.
//!
//! Periods are bounds on the call's start, copied onto responses, links and evaluations when
//! they are stored, so a moved agent's history stays where it was.

use std::collections::BTreeMap;

use sqlx::Row;

use super::{DriverRow, SurveyFilter, SurveyGroupBy, SurveyTally};
use crate::error::DbContext;
use crate::sql::{bind_all, Bind, Where};
use crate::{Store, StoreResult};

impl SurveyGroupBy {
    /// The grouped column of a table aliased `alias`; `None` for one row over everything.
    fn column(self, alias: &str) -> Option<String> {
        match self {
            SurveyGroupBy::Agent => Some(format!("{alias}.agent")),
            SurveyGroupBy::Team => Some(format!("{alias}.team")),
            SurveyGroupBy::Queue => Some(format!("{alias}.queue")),
            SurveyGroupBy::All => None,
        }
    }
}

/// `SELECT <group> AS k, <columns> <from> <where> GROUP BY <group>`, or one row for `All`.
fn grouped(group_by: SurveyGroupBy, alias: &str, columns: &str, from: &str, w: &Where) -> String {
    match group_by.column(alias) {
        Some(col) => format!(
            "SELECT {col} AS k, {columns} {from} {} GROUP BY {col}",
            w.sql()
        ),
        None => format!(
            "SELECT CAST(NULL AS TEXT) AS k, {columns} {from} {}",
            w.sql()
        ),
    }
}

/// The filter's period and agent/team/queue on a table aliased `alias` (responses `r`, links
/// `l`, evaluations `e`), and the survey on its version aliased `sv` when `surveyed`.
fn filter_where(f: &SurveyFilter, alias: &str, surveyed: bool) -> Where {
    let mut w = Where::default();
    push_filter(&mut w, f, alias, surveyed);
    w
}

fn push_filter(w: &mut Where, f: &SurveyFilter, alias: &str, surveyed: bool) {
    if let Some(from) = f.from {
        w.push(&format!("{alias}.call_started_at >= ?"), Bind::Int(from));
    }
    if let Some(to) = f.to {
        w.push(&format!("{alias}.call_started_at < ?"), Bind::Int(to));
    }
    for (column, value) in [("agent", &f.agent), ("team", &f.team), ("queue", &f.queue)] {
        if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
            w.push(&format!("{alias}.{column} = ?"), Bind::Text(v.to_string()));
        }
    }
    if surveyed {
        if let Some(s) = f.survey_id {
            w.push("sv.survey_id = ?", Bind::Int(s));
        }
    }
}

fn count(sql_condition: &str) -> String {
    format!("CAST(COALESCE(SUM(CASE WHEN {sql_condition} THEN 1 ELSE 0 END), 0) AS BIGINT)")
}

/// A scorecard answer's text form as a number: yes 1, no 0, a scale or points value as is;
/// N/A (and anything unreadable) has none.
fn scorecard_value(text: &str) -> Option<f64> {
    match text {
        "yes" => Some(1.0),
        "no" => Some(0.0),
        "na" => None,
        other => other.parse::<i64>().ok().map(|v| v as f64),
    }
}

impl Store {
    /// Sums per group (CSAT/NPS/CES/FCR over every survey's questions of that kind; a
    /// `survey_id` in the filter narrows to one survey), with QA beside it. Groups are sorted
    /// by name (calls without one first); `All` gives exactly one row.
    pub async fn survey_tallies(
        &self,
        filter: &SurveyFilter,
        group_by: SurveyGroupBy,
    ) -> StoreResult<Vec<SurveyTally>> {
        const CTX: &str = "summing survey responses";
        let mut tallies: BTreeMap<Option<String>, SurveyTally> = BTreeMap::new();
        if group_by == SurveyGroupBy::All {
            tallies.insert(None, SurveyTally::default());
        }
        let channel = filter.channel.map(|c| c.as_str());

        // Keypad surveys begun (offered) and responses with an answer.
        let mut w = filter_where(filter, "r", true);
        if let Some(c) = channel {
            w.push("r.channel = ?", Bind::Text(c.into()));
        }
        let sql = grouped(
            group_by,
            "r",
            &format!(
                "{} AS keypad, {} AS responses",
                count("r.channel = 'keypad'"),
                count("r.answered_at IS NOT NULL")
            ),
            "FROM survey_responses r JOIN survey_versions sv ON sv.id = r.survey_version_id",
            &w,
        );
        for row in bind_all(sqlx::query(&sql), &w.binds)
            .fetch_all(&self.db)
            .await
            .ctx(CTX)?
        {
            let t = tallies.entry(row.try_get("k").ctx(CTX)?).or_default();
            t.offered += row.try_get::<i64, _>("keypad").ctx(CTX)?;
            t.responses += row.try_get::<i64, _>("responses").ctx(CTX)?;
        }

        // Web links issued (offered), unless only keypad surveys are asked for.
        if filter.channel != Some(super::Channel::Keypad) {
            let w = filter_where(filter, "l", true);
            let sql = grouped(
                group_by,
                "l",
                "CAST(COUNT(*) AS BIGINT) AS links",
                "FROM survey_links l JOIN survey_versions sv ON sv.id = l.survey_version_id",
                &w,
            );
            for row in bind_all(sqlx::query(&sql), &w.binds)
                .fetch_all(&self.db)
                .await
                .ctx(CTX)?
            {
                let t = tallies.entry(row.try_get("k").ctx(CTX)?).or_default();
                t.offered += row.try_get::<i64, _>("links").ctx(CTX)?;
            }
        }

        // The answers, by kind.
        let mut w = filter_where(filter, "r", true);
        w.push_plain("a.value IS NOT NULL");
        if let Some(c) = channel {
            w.push("r.channel = ?", Bind::Text(c.into()));
        }
        let columns = [
            format!("{} AS csat_n", count("a.kind = 'csat'")),
            format!(
                "{} AS csat_satisfied",
                count("a.kind = 'csat' AND a.number >= 4")
            ),
            format!("{} AS nps_n", count("a.kind = 'nps'")),
            format!(
                "{} AS nps_promoters",
                count("a.kind = 'nps' AND a.number >= 9")
            ),
            format!(
                "{} AS nps_detractors",
                count("a.kind = 'nps' AND a.number <= 6")
            ),
            format!("{} AS ces_n", count("a.kind = 'ces'")),
            "COALESCE(SUM(CASE WHEN a.kind = 'ces' THEN a.number ELSE 0.0 END), 0.0) AS ces_sum"
                .to_string(),
            "COALESCE(SUM(CASE WHEN a.kind = 'ces' THEN a.number * a.number ELSE 0.0 END), 0.0) \
             AS ces_sum_sq"
                .to_string(),
            format!("{} AS fcr_n", count("a.fcr = 1")),
            format!("{} AS fcr_yes", count("a.fcr = 1 AND a.value = 'yes'")),
        ]
        .join(", ");
        let sql = grouped(
            group_by,
            "r",
            &columns,
            "FROM survey_answers a JOIN survey_responses r ON r.id = a.response_id \
             JOIN survey_versions sv ON sv.id = r.survey_version_id",
            &w,
        );
        for row in bind_all(sqlx::query(&sql), &w.binds)
            .fetch_all(&self.db)
            .await
            .ctx(CTX)?
        {
            let t = tallies.entry(row.try_get("k").ctx(CTX)?).or_default();
            t.csat_n += row.try_get::<i64, _>("csat_n").ctx(CTX)?;
            t.csat_satisfied += row.try_get::<i64, _>("csat_satisfied").ctx(CTX)?;
            t.nps_n += row.try_get::<i64, _>("nps_n").ctx(CTX)?;
            t.nps_promoters += row.try_get::<i64, _>("nps_promoters").ctx(CTX)?;
            t.nps_detractors += row.try_get::<i64, _>("nps_detractors").ctx(CTX)?;
            t.ces_n += row.try_get::<i64, _>("ces_n").ctx(CTX)?;
            t.ces_sum += row.try_get::<f64, _>("ces_sum").ctx(CTX)?;
            t.ces_sum_sq += row.try_get::<f64, _>("ces_sum_sq").ctx(CTX)?;
            t.fcr_n += row.try_get::<i64, _>("fcr_n").ctx(CTX)?;
            t.fcr_yes += row.try_get::<i64, _>("fcr_yes").ctx(CTX)?;
        }

        // QA beside: submitted evaluations with a score, of the same group and period.
        let mut w = filter_where(filter, "e", false);
        w.push_plain("e.status <> 'draft'");
        w.push_plain("e.score IS NOT NULL");
        let sql = grouped(
            group_by,
            "e",
            "CAST(COUNT(*) AS BIGINT) AS n, COALESCE(SUM(e.score), 0.0) AS score_sum, \
             COALESCE(SUM(e.score * e.score), 0.0) AS score_sum_sq",
            "FROM evaluations e",
            &w,
        );
        for row in bind_all(sqlx::query(&sql), &w.binds)
            .fetch_all(&self.db)
            .await
            .ctx("summing QA scores beside the survey")?
        {
            let t = tallies.entry(row.try_get("k").ctx(CTX)?).or_default();
            t.qa_evaluations += row.try_get::<i64, _>("n").ctx(CTX)?;
            t.qa_score_sum += row.try_get::<f64, _>("score_sum").ctx(CTX)?;
            t.qa_score_sum_sq += row.try_get::<f64, _>("score_sum_sq").ctx(CTX)?;
        }

        Ok(tallies
            .into_iter()
            .map(|(group, mut t)| {
                t.group = group;
                t
            })
            .collect())
    }

    /// Calls with a submitted evaluation on `scorecard_id` (any version; the newest submitted
    /// evaluation per call) and an answer to survey question `question_key` (in the call's
    /// answered response), by call. The filter narrows by the response's period, agent, team,
    /// queue, survey and channel.
    pub async fn key_driver_rows(
        &self,
        scorecard_id: i64,
        question_key: &str,
        filter: &SurveyFilter,
    ) -> StoreResult<Vec<DriverRow>> {
        const CTX: &str = "reading key-driver rows";
        let mut w = Where::default();
        // $1 is used twice: in the outer condition and in the newest-evaluation subquery.
        w.push("v.scorecard_id = ?", Bind::Int(scorecard_id));
        w.push("a.question_key = ?", Bind::Text(question_key.to_string()));
        w.push_plain("a.number IS NOT NULL");
        w.push_plain("r.answered_at IS NOT NULL");
        w.push_plain(
            "e.id = (SELECT e2.id FROM evaluations e2 \
                 JOIN scorecard_versions v2 ON v2.id = e2.scorecard_version_id \
                 WHERE e2.call_id = e.call_id AND v2.scorecard_id = $1 AND e2.status <> 'draft' \
                 ORDER BY e2.submitted_at DESC, e2.id DESC LIMIT 1)",
        );
        push_filter(&mut w, filter, "r", true);
        if let Some(c) = filter.channel {
            w.push("r.channel = ?", Bind::Text(c.as_str().into()));
        }
        let from = "FROM evaluations e \
            JOIN scorecard_versions v ON v.id = e.scorecard_version_id \
            JOIN survey_responses r ON r.call_id = e.call_id \
            JOIN survey_versions sv ON sv.id = r.survey_version_id \
            JOIN survey_answers a ON a.response_id = r.id";
        let sql = format!(
            "SELECT e.id AS evaluation_id, e.call_id, e.score, e.customer_ok, e.business_ok, \
                 e.compliance_ok, a.number AS survey_value {from} {} ORDER BY e.call_id",
            w.sql()
        );
        let mut rows: Vec<DriverRow> = Vec::new();
        let mut index: BTreeMap<i64, usize> = BTreeMap::new();
        let ok = |v: Option<i64>| v.map(|v| if v != 0 { 1.0 } else { 0.0 });
        for row in bind_all(sqlx::query(&sql), &w.binds)
            .fetch_all(&self.db)
            .await
            .ctx(CTX)?
        {
            let evaluation_id: i64 = row.try_get("evaluation_id").ctx(CTX)?;
            index.insert(evaluation_id, rows.len());
            rows.push(DriverRow {
                call_id: row.try_get("call_id").ctx(CTX)?,
                evaluation_id,
                scorecard_values: BTreeMap::new(),
                customer_ok: ok(row.try_get("customer_ok").ctx(CTX)?),
                business_ok: ok(row.try_get("business_ok").ctx(CTX)?),
                compliance_ok: ok(row.try_get("compliance_ok").ctx(CTX)?),
                score: row.try_get("score").ctx(CTX)?,
                survey_value: row.try_get("survey_value").ctx(CTX)?,
            });
        }
        if rows.is_empty() {
            return Ok(rows);
        }
        let sql = format!(
            "SELECT e.id AS evaluation_id, ea.question_key, ea.answer {from} \
             JOIN evaluation_answers ea ON ea.evaluation_id = e.id {}",
            w.sql()
        );
        for row in bind_all(sqlx::query(&sql), &w.binds)
            .fetch_all(&self.db)
            .await
            .ctx(CTX)?
        {
            let evaluation_id: i64 = row.try_get("evaluation_id").ctx(CTX)?;
            let key: String = row.try_get("question_key").ctx(CTX)?;
            let answer: String = row.try_get("answer").ctx(CTX)?;
            if let (Some(&i), Some(value)) = (index.get(&evaluation_id), scorecard_value(&answer)) {
                rows[i].scorecard_values.insert(key, value);
            }
        }
        Ok(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scorecard_answers_as_numbers() {
        assert_eq!(scorecard_value("yes"), Some(1.0));
        assert_eq!(scorecard_value("no"), Some(0.0));
        assert_eq!(scorecard_value("na"), None);
        assert_eq!(scorecard_value("7"), Some(7.0));
        assert_eq!(scorecard_value("x"), None);
    }
}
