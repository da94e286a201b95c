//! Survey responses: the keypad survey stored with its call, the web answers stored through a
//! link (`links.rs` calls [`insert_response_on`]), and reading them back.
//!
//! Each response copies the call's agent, queue and start and the agent's team when it is
//! stored, like evaluations, so that metrics keep the team an agent had then. Every answer keeps
//! whether it was low and whether it answers the first-contact-resolution question, so that the
//! metrics and alerts never have to read a definition again.

use std::collections::{BTreeMap, BTreeSet};

use earshot_survey::{Answer, Definition, Language};
use sqlx::AnyConnection;

use super::{
    bump_generation, is_unique_violation, parse_kind, parse_language, real_placeholder, Channel,
    NewKeypadResponse, OfferReason, StoredAnswer, SurveyResponse, SurveyVersion,
};
use crate::error::DbContext;
use crate::time::now_ms;
use crate::{Store, StoreError, StoreResult};

/// One question's outcome as it is stored.
pub(super) struct AnswerRow {
    pub key: String,
    pub answer: Option<Answer>,
    pub invalid: u32,
    pub timeouts: u32,
}

/// A response about to be stored, its answers checked against `definition`.
pub(super) struct NewResponse<'a> {
    pub call_id: i64,
    pub version_id: i64,
    pub definition: &'a Definition,
    pub channel: Channel,
    pub reason: Option<OfferReason>,
    pub language: Language,
    pub started_at: i64,
    pub answered_at: Option<i64>,
    pub survey_ms: Option<i64>,
    pub link_id: Option<i64>,
    pub answers: Vec<AnswerRow>,
}

/// What a stored call contributes to a response: agent, team (the agent's now), queue, start.
pub(super) struct CallFacts {
    pub agent: Option<String>,
    pub team: Option<String>,
    pub queue: Option<String>,
    pub started_at: i64,
}

pub(super) async fn call_facts_on(
    conn: &mut AnyConnection,
    call_id: i64,
) -> StoreResult<CallFacts> {
    const CTX: &str = "reading the surveyed call";
    let row: Option<(Option<String>, Option<String>, i64)> =
        sqlx::query_as("SELECT agent, queue, started_at FROM calls WHERE id = $1")
            .bind(call_id)
            .fetch_optional(&mut *conn)
            .await
            .ctx(CTX)?;
    let Some((agent, queue, started_at)) = row else {
        return Err(StoreError::NotFound {
            what: "call",
            id: call_id.to_string(),
        });
    };
    let team: Option<String> = match agent.as_deref() {
        Some(agent) => sqlx::query_scalar("SELECT team FROM agents WHERE username = $1")
            .bind(agent)
            .fetch_optional(&mut *conn)
            .await
            .ctx(CTX)?
            .flatten(),
        None => None,
    };
    Ok(CallFacts {
        agent,
        team,
        queue,
        started_at,
    })
}

/// A published survey version read inside a transaction; a draft has no respondents.
pub(super) async fn published_version_on(
    conn: &mut AnyConnection,
    version_id: i64,
) -> StoreResult<SurveyVersion> {
    let row = sqlx::query_as::<_, super::definitions::VersionRow>(&format!(
        "SELECT {} FROM survey_versions WHERE id = $1",
        super::definitions::VERSION_COLUMNS
    ))
    .bind(version_id)
    .fetch_optional(&mut *conn)
    .await
    .ctx("reading a survey version")?
    .ok_or_else(|| StoreError::NotFound {
        what: "survey version",
        id: version_id.to_string(),
    })?;
    let version: SurveyVersion = row.try_into()?;
    if !version.is_published() {
        return Err(StoreError::Invalid(format!(
            "survey version {version_id} is a draft: only published versions are answered"
        )));
    }
    Ok(version)
}

/// Check answers against their questions: every key on the survey, once, each answer fitting
/// its question. The error names the question.
pub(super) fn check_answers(def: &Definition, answers: &[AnswerRow]) -> StoreResult<()> {
    let mut seen = BTreeSet::new();
    for a in answers {
        let question = def.question(&a.key).ok_or_else(|| {
            StoreError::Invalid(format!("the survey has no question {:?}", a.key))
        })?;
        if !seen.insert(a.key.as_str()) {
            return Err(StoreError::Invalid(format!(
                "question {:?} is answered twice",
                a.key
            )));
        }
        if let Some(answer) = a.answer {
            answer
                .check(question.kind)
                .map_err(|e| StoreError::Invalid(format!("question {:?}: {e}", a.key)))?;
        }
    }
    Ok(())
}

/// Store a response with its answers (and an alert when an answer is low and the call's queue
/// wants alerts, or has no assignment); the caller bumps the dashboards' generation in the same
/// transaction. `Ok(None)`: the
/// call already has an answered response (the partial unique index refused this one; the
/// caller must roll back).
pub(super) async fn insert_response_on(
    conn: &mut AnyConnection,
    r: &NewResponse<'_>,
    call: &CallFacts,
) -> StoreResult<Option<i64>> {
    const CTX: &str = "storing a survey response";
    check_answers(r.definition, &r.answers)?;
    let now = now_ms();
    let inserted = sqlx::query_scalar::<_, i64>(
        "INSERT INTO survey_responses (call_id, survey_version_id, channel, reason, language, \
             agent, team, queue, call_started_at, started_at, answered_at, survey_ms, link_id, \
             created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
    )
    .bind(r.call_id)
    .bind(r.version_id)
    .bind(r.channel.as_str())
    .bind(r.reason.map(OfferReason::as_str))
    .bind(r.language.tag())
    .bind(&call.agent)
    .bind(&call.team)
    .bind(&call.queue)
    .bind(call.started_at)
    .bind(r.started_at)
    .bind(r.answered_at)
    .bind(r.survey_ms)
    .bind(r.link_id)
    .bind(now)
    .fetch_one(&mut *conn)
    .await;
    let response_id = match inserted {
        Ok(id) => id,
        Err(e) if is_unique_violation(&e) => return Ok(None),
        Err(e) => return Err(e).ctx(CTX),
    };
    let mut low = Vec::new();
    for a in &r.answers {
        // check_answers found every key.
        let Some(question) = r.definition.question(&a.key) else {
            continue;
        };
        let is_low = a.answer.is_some_and(|answer| question.is_low(answer));
        if let (true, Some(answer)) = (is_low, a.answer) {
            low.push(format!("{}={answer}", a.key));
        }
        let number = a.answer.map(Answer::value);
        let sql = format!(
            "INSERT INTO survey_answers (response_id, question_key, kind, value, low, fcr, \
                 invalid, timeouts, number) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, {})",
            real_placeholder(number, 9)
        );
        let mut query = sqlx::query(&sql)
            .bind(response_id)
            .bind(&a.key)
            .bind(question.kind.as_str())
            .bind(a.answer.map(|x| x.to_string()))
            .bind(i64::from(is_low))
            .bind(i64::from(question.first_contact_resolution))
            .bind(i64::from(a.invalid))
            .bind(i64::from(a.timeouts));
        if let Some(number) = number {
            query = query.bind(number);
        }
        query.execute(&mut *conn).await.ctx(CTX)?;
    }
    if !low.is_empty() && wants_alerts_on(conn, call.queue.as_deref()).await? {
        sqlx::query(
            "INSERT INTO survey_alerts (response_id, call_id, agent, team, queue, channel, \
                 low_answers, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(response_id)
        .bind(r.call_id)
        .bind(&call.agent)
        .bind(&call.team)
        .bind(&call.queue)
        .bind(r.channel.as_str())
        .bind(low.join(", "))
        .bind(now)
        .execute(&mut *conn)
        .await
        .ctx("raising a survey alert")?;
        tracing::info!(
            call_id = r.call_id,
            response_id,
            low = %low.join(", "),
            "low survey answer: supervisor alert raised"
        );
    }
    Ok(Some(response_id))
}

/// Whether low answers of this queue's calls raise alerts: as its assignment says, and always
/// for a call without a queue or of a queue without one (nobody chose silence for it).
async fn wants_alerts_on(conn: &mut AnyConnection, queue: Option<&str>) -> StoreResult<bool> {
    let Some(queue) = queue else {
        return Ok(true);
    };
    let flag: Option<i64> =
        sqlx::query_scalar("SELECT alert_on_low FROM survey_assignments WHERE queue = $1")
            .bind(queue)
            .fetch_optional(&mut *conn)
            .await
            .ctx("reading whether a queue wants survey alerts")?;
    Ok(flag.is_none_or(|f| f != 0))
}

/// Store a keypad response with the call (inside `insert_routed_call`'s transaction): the
/// response, its answers, and an alert when an answer is low and the queue wants alerts.
/// `answered_at` is the survey's end when at least one question was answered, else `NULL`.
pub(crate) async fn insert_keypad_response_on(
    conn: &mut AnyConnection,
    call_id: i64,
    survey: &NewKeypadResponse,
) -> StoreResult<()> {
    if survey.ended_at < survey.started_at {
        return Err(StoreError::Invalid(format!(
            "the keypad survey of call {call_id} ends ({}) before it starts ({})",
            survey.ended_at, survey.started_at
        )));
    }
    let version = published_version_on(conn, survey.survey_version_id).await?;
    let call = call_facts_on(conn, call_id).await?;
    let answered = survey.answers.iter().any(|a| a.answer.is_some());
    let response = NewResponse {
        call_id,
        version_id: version.id,
        definition: &version.definition,
        channel: Channel::Keypad,
        reason: Some(survey.reason),
        language: survey.language,
        started_at: survey.started_at,
        answered_at: answered.then_some(survey.ended_at),
        survey_ms: Some(survey.ended_at - survey.started_at),
        link_id: None,
        answers: survey
            .answers
            .iter()
            .map(|a| AnswerRow {
                key: a.question_key.clone(),
                answer: a.answer,
                invalid: a.invalid,
                timeouts: a.timeouts,
            })
            .collect(),
    };
    bump_generation(&mut *conn).await?;
    match insert_response_on(conn, &response, &call).await? {
        Some(_) => Ok(()),
        None => Err(StoreError::Conflict(format!(
            "call {call_id} already has an answered survey"
        ))),
    }
}

type ResponseRow = (
    i64,
    i64,
    i64,
    i64,
    String,
    String,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    i64,
    Option<i64>,
    Option<i64>,
);

type AnswerDbRow = (i64, String, String, Option<String>, i64, i64, i64);

impl Store {
    /// The survey responses of a call (at most one answered), newest first.
    pub async fn call_survey_responses(&self, call_id: i64) -> StoreResult<Vec<SurveyResponse>> {
        let rows: Vec<ResponseRow> = sqlx::query_as(
            "SELECT r.id, r.call_id, v.survey_id, r.survey_version_id, s.name, r.channel, \
                 r.reason, r.language, r.agent, r.team, r.queue, r.started_at, r.answered_at, \
                 r.survey_ms \
             FROM survey_responses r \
             JOIN survey_versions v ON v.id = r.survey_version_id \
             JOIN surveys s ON s.id = v.survey_id \
             WHERE r.call_id = $1 ORDER BY r.started_at DESC, r.id DESC",
        )
        .bind(call_id)
        .fetch_all(&self.db)
        .await
        .ctx("reading a call's survey responses")?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let answer_rows: Vec<AnswerDbRow> = sqlx::query_as(
            "SELECT a.response_id, a.question_key, a.kind, a.value, a.low, a.invalid, a.timeouts \
             FROM survey_answers a JOIN survey_responses r ON r.id = a.response_id \
             WHERE r.call_id = $1",
        )
        .bind(call_id)
        .fetch_all(&self.db)
        .await
        .ctx("reading a call's survey answers")?;
        let mut answers: BTreeMap<i64, Vec<StoredAnswer>> = BTreeMap::new();
        for (response_id, key, kind, value, low, invalid, timeouts) in answer_rows {
            let kind = parse_kind(&kind)?;
            let answer = value
                .map(|v| {
                    Answer::from_web(kind, &v).map_err(|e| StoreError::Corrupt {
                        table: "survey_answers",
                        reason: format!("response {response_id}, {key}: {e}"),
                    })
                })
                .transpose()?;
            answers.entry(response_id).or_default().push(StoredAnswer {
                question_key: key,
                kind,
                answer,
                low: low != 0,
                invalid: u32::try_from(invalid).unwrap_or(0),
                timeouts: u32::try_from(timeouts).unwrap_or(0),
            });
        }
        let mut versions: BTreeMap<i64, SurveyVersion> = BTreeMap::new();
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let v = match versions.entry(r.3) {
                std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::btree_map::Entry::Vacant(e) => {
                    e.insert(self.survey_version(r.3).await?)
                }
            };
            let mut list = answers.remove(&r.0).unwrap_or_default();
            // In the survey's question order.
            let position = |key: &str| {
                v.definition
                    .questions
                    .iter()
                    .position(|q| q.key == key)
                    .unwrap_or(usize::MAX)
            };
            list.sort_by_key(|a| position(&a.question_key));
            out.push(SurveyResponse {
                id: r.0,
                call_id: r.1,
                survey_id: r.2,
                survey_version_id: r.3,
                survey_name: r.4,
                channel: Channel::parse(&r.5, "survey_responses")?,
                reason: r.6.as_deref().map(OfferReason::parse).transpose()?,
                language: parse_language(&r.7, "survey_responses")?,
                agent: r.8,
                team: r.9,
                queue: r.10,
                started_at: r.11,
                answered_at: r.12,
                survey_ms: r.13,
                answers: list,
            });
        }
        Ok(out)
    }

    /// Ids of calls started in `[from, to)` with at least one low answer (for sampling's
    /// `survey_low`), ascending.
    pub async fn calls_with_low_answers(&self, from: i64, to: i64) -> StoreResult<Vec<i64>> {
        sqlx::query_scalar(
            "SELECT DISTINCT r.call_id FROM survey_responses r \
             JOIN survey_answers a ON a.response_id = r.id \
             WHERE a.low = 1 AND r.call_started_at >= $1 AND r.call_started_at < $2 \
             ORDER BY r.call_id",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&self.db)
        .await
        .ctx("finding calls with low survey answers")
    }
}
