//! Calibration sessions: several reviewers (and perhaps an expert, whose answers are the
//! benchmark) score the same calls on the same published scorecard version, blind to each
//! other until they submit; the report ([`super::calibration_report`]) then shows how far
//! they agree.
//!
//! Blindness is enforced here, not only on the page: a participant who has not submitted gets
//! [`StoreError::Forbidden`] for the others' answers, and a participant's answers are frozen
//! by the schema's triggers once they have submitted (so nobody adjusts after seeing the
//! others).

use std::collections::{BTreeMap, BTreeSet};

use earshot_scorecard::Answer;
use serde::Serialize;

use super::calibration_report::{calibration_report, CalibrationReport, Rater};
use super::scorecards::ScorecardVersion;
use super::{action, note};
use crate::error::DbContext;
use crate::time::now_ms;
use crate::users::{Role, User};
use crate::{Store, StoreError, StoreResult};

/// Most calls in one session: calibration is a meeting's worth of calls, not a sample.
pub const MAX_CALIBRATION_CALLS: usize = 50;
/// Most participants in one session.
pub const MAX_CALIBRATION_PARTICIPANTS: usize = 50;

#[derive(Debug, Clone, Serialize)]
pub struct CalibrationSession {
    pub id: i64,
    pub title: String,
    pub scorecard_version_id: i64,
    pub scorecard_name: String,
    pub version: i64,
    pub expert_id: Option<i64>,
    pub created_by: String,
    pub created_at: i64,
    pub closed_at: Option<i64>,
}

/// A session as the list shows it, from one user's point of view.
#[derive(Debug, Clone, Serialize)]
pub struct CalibrationSummary {
    pub session: CalibrationSession,
    pub calls: i64,
    pub participants: i64,
    pub submitted: i64,
    /// Whether the viewing user takes part, and whether they have submitted.
    pub mine: Option<bool>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Participant {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub is_expert: bool,
    pub submitted_at: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CalibrationCall {
    pub call_id: i64,
    pub position: i64,
    pub started_at: i64,
    pub agent: Option<String>,
    pub queue: Option<String>,
}

/// A session with its card, calls and participants (no answers: see
/// [`Store::calibration_answers`]).
#[derive(Debug, Clone, Serialize)]
pub struct CalibrationDetail {
    pub session: CalibrationSession,
    pub version: ScorecardVersion,
    pub calls: Vec<CalibrationCall>,
    pub participants: Vec<Participant>,
}

impl CalibrationDetail {
    pub fn participant(&self, user_id: i64) -> Option<&Participant> {
        self.participants.iter().find(|p| p.user_id == user_id)
    }

    /// Whether `viewer` may see the others' answers and the report: never agents; a
    /// participant once they have submitted (or the session is closed); QA managers,
    /// administrators, auditors and supervisors who do not take part, at any time.
    pub fn check_may_see_results(&self, viewer: &User) -> StoreResult<()> {
        if viewer.role == Role::Agent {
            return Err(StoreError::Forbidden(
                "calibration results are for QA staff".into(),
            ));
        }
        match self.participant(viewer.id) {
            Some(p) if p.submitted_at.is_none() && self.session.closed_at.is_none() => {
                Err(StoreError::Forbidden(format!(
                    "scoring is blind: {} sees the others' answers after submitting",
                    viewer.username
                )))
            }
            Some(_) => Ok(()),
            None if matches!(
                viewer.role,
                Role::QaManager | Role::Admin | Role::Auditor | Role::Supervisor
            ) =>
            {
                Ok(())
            }
            None => Err(StoreError::Forbidden(format!(
                "{} is not taking part in calibration session {}",
                viewer.username, self.session.id
            ))),
        }
    }
}

/// What a QA manager asks for when opening a session.
#[derive(Debug, Clone)]
pub struct NewCalibration {
    pub title: String,
    pub scorecard_version_id: i64,
    pub call_ids: Vec<i64>,
    pub reviewer_ids: Vec<i64>,
    /// Scores too; their answers are the benchmark of the report.
    pub expert_id: Option<i64>,
}

/// Answers by participant, then call, then question.
pub type CalibrationAnswers = BTreeMap<i64, BTreeMap<i64, BTreeMap<String, Answer>>>;

const SESSION_SELECT: &str = "SELECT c.id, c.title, c.scorecard_version_id, s.name, v.version, \
        c.expert_id, c.created_by, c.created_at, c.closed_at \
    FROM calibration_sessions c \
    JOIN scorecard_versions v ON v.id = c.scorecard_version_id \
    JOIN scorecards s ON s.id = v.scorecard_id";

type SessionRow = (
    i64,
    String,
    i64,
    String,
    i64,
    Option<i64>,
    String,
    i64,
    Option<i64>,
);

fn session_from_row(r: SessionRow) -> CalibrationSession {
    CalibrationSession {
        id: r.0,
        title: r.1,
        scorecard_version_id: r.2,
        scorecard_name: r.3,
        version: r.4,
        expert_id: r.5,
        created_by: r.6,
        created_at: r.7,
        closed_at: r.8,
    }
}

/// Whether a role may score in a calibration session: everyone who evaluates calls.
fn may_score(role: Role) -> bool {
    matches!(
        role,
        Role::QaManager | Role::Reviewer | Role::Supervisor | Role::Admin
    )
}

fn may_manage(role: Role) -> bool {
    matches!(role, Role::QaManager | Role::Admin)
}

impl Store {
    /// Open a session. Only QA managers (and admins); the version must be published; every
    /// participant must be someone who evaluates calls.
    pub async fn create_calibration(
        &self,
        new: &NewCalibration,
        by: &User,
    ) -> StoreResult<CalibrationSession> {
        if !may_manage(by.role) {
            return Err(StoreError::Forbidden(
                "only QA managers open calibration sessions".into(),
            ));
        }
        let title = note(&new.title, "the title")?;
        let version = self.scorecard_version(new.scorecard_version_id).await?;
        if !version.is_published() {
            return Err(StoreError::Conflict(format!(
                "version {} of {:?} is a draft: publish it before calibrating on it",
                version.version, version.definition.name
            )));
        }
        let calls: Vec<i64> = dedup(&new.call_ids);
        if calls.is_empty() {
            return Err(StoreError::Invalid("choose at least one call".into()));
        }
        if calls.len() > MAX_CALIBRATION_CALLS {
            return Err(StoreError::Invalid(format!(
                "a session takes at most {MAX_CALIBRATION_CALLS} calls, not {}",
                calls.len()
            )));
        }
        for &c in &calls {
            self.call(c).await?;
        }
        let mut people = dedup(&new.reviewer_ids);
        if let Some(e) = new.expert_id {
            if !people.contains(&e) {
                people.push(e);
            }
        }
        if people.len() < 2 {
            return Err(StoreError::Invalid(
                "agreement needs at least two people scoring: invite more reviewers".into(),
            ));
        }
        if people.len() > MAX_CALIBRATION_PARTICIPANTS {
            return Err(StoreError::Invalid(format!(
                "a session takes at most {MAX_CALIBRATION_PARTICIPANTS} participants"
            )));
        }
        for &p in &people {
            let u = self.user(p).await?;
            if !may_score(u.role) || u.disabled {
                return Err(StoreError::Invalid(format!(
                    "{} ({}) does not evaluate calls and cannot take part",
                    u.username, u.role
                )));
            }
        }
        let now = now_ms();
        let mut tx = self.db.begin().await.ctx("opening a calibration session")?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO calibration_sessions (title, scorecard_version_id, expert_id, \
                 created_by, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(&title)
        .bind(version.id)
        .bind(new.expert_id)
        .bind(&by.username)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .ctx("opening a calibration session")?;
        for (i, c) in calls.iter().enumerate() {
            sqlx::query(
                "INSERT INTO calibration_calls (session_id, call_id, position) VALUES ($1, $2, $3)",
            )
            .bind(id)
            .bind(c)
            .bind(i as i64 + 1)
            .execute(&mut *tx)
            .await
            .ctx("adding a call to a calibration session")?;
        }
        for p in &people {
            sqlx::query(
                "INSERT INTO calibration_participants (session_id, user_id) VALUES ($1, $2)",
            )
            .bind(id)
            .bind(p)
            .execute(&mut *tx)
            .await
            .ctx("inviting to a calibration session")?;
        }
        tx.commit().await.ctx("opening a calibration session")?;
        self.audit(
            &by.username,
            action::CALIBRATION_CREATE,
            &format!("calibration:{id}"),
            serde_json::json!({
                "title": title, "scorecard_version_id": version.id, "calls": calls,
                "participants": people, "expert_id": new.expert_id,
            }),
        )
        .await?;
        self.calibration_session(id).await
    }

    pub async fn calibration_session(&self, id: i64) -> StoreResult<CalibrationSession> {
        let row: Option<SessionRow> = sqlx::query_as(&format!("{SESSION_SELECT} WHERE c.id = $1"))
            .bind(id)
            .fetch_optional(&self.db)
            .await
            .ctx("reading a calibration session")?;
        row.map(session_from_row)
            .ok_or_else(|| StoreError::NotFound {
                what: "calibration session",
                id: id.to_string(),
            })
    }

    /// Sessions, newest first, with how far each has come; `mine` from `viewer`'s side.
    pub async fn calibration_sessions(&self, viewer: i64) -> StoreResult<Vec<CalibrationSummary>> {
        let rows: Vec<SessionRow> = sqlx::query_as(&format!(
            "{SESSION_SELECT} ORDER BY c.created_at DESC, c.id DESC LIMIT 500"
        ))
        .fetch_all(&self.db)
        .await
        .ctx("listing calibration sessions")?;
        let counts: Vec<(i64, i64, i64)> = sqlx::query_as(
            "SELECT session_id, CAST(COUNT(*) AS BIGINT), \
                 CAST(SUM(CASE WHEN submitted_at IS NULL THEN 0 ELSE 1 END) AS BIGINT) \
             FROM calibration_participants GROUP BY session_id",
        )
        .fetch_all(&self.db)
        .await
        .ctx("counting calibration participants")?;
        let calls: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT session_id, CAST(COUNT(*) AS BIGINT) FROM calibration_calls GROUP BY session_id",
        )
        .fetch_all(&self.db)
        .await
        .ctx("counting calibration calls")?;
        let mine: Vec<(i64, Option<i64>)> = sqlx::query_as(
            "SELECT session_id, submitted_at FROM calibration_participants WHERE user_id = $1",
        )
        .bind(viewer)
        .fetch_all(&self.db)
        .await
        .ctx("reading one's calibration sessions")?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let session = session_from_row(r);
                let (participants, submitted) = counts
                    .iter()
                    .find(|c| c.0 == session.id)
                    .map_or((0, 0), |c| (c.1, c.2));
                CalibrationSummary {
                    calls: calls.iter().find(|c| c.0 == session.id).map_or(0, |c| c.1),
                    participants,
                    submitted,
                    mine: mine
                        .iter()
                        .find(|m| m.0 == session.id)
                        .map(|m| m.1.is_some()),
                    session,
                }
            })
            .collect())
    }

    pub async fn calibration(&self, id: i64) -> StoreResult<CalibrationDetail> {
        let session = self.calibration_session(id).await?;
        let version = self.scorecard_version(session.scorecard_version_id).await?;
        let calls = sqlx::query_as::<_, (i64, i64, i64, Option<String>, Option<String>)>(
            "SELECT k.call_id, k.position, c.started_at, c.agent, c.queue \
             FROM calibration_calls k JOIN calls c ON c.id = k.call_id \
             WHERE k.session_id = $1 ORDER BY k.position",
        )
        .bind(id)
        .fetch_all(&self.db)
        .await
        .ctx("reading a calibration session's calls")?
        .into_iter()
        .map(
            |(call_id, position, started_at, agent, queue)| CalibrationCall {
                call_id,
                position,
                started_at,
                agent,
                queue,
            },
        )
        .collect();
        let participants = sqlx::query_as::<_, (i64, String, String, Option<i64>)>(
            "SELECT p.user_id, u.username, u.display_name, p.submitted_at \
             FROM calibration_participants p JOIN users u ON u.id = p.user_id \
             WHERE p.session_id = $1 ORDER BY u.username",
        )
        .bind(id)
        .fetch_all(&self.db)
        .await
        .ctx("reading a calibration session's participants")?
        .into_iter()
        .map(
            |(user_id, username, display_name, submitted_at)| Participant {
                is_expert: session.expert_id == Some(user_id),
                user_id,
                username,
                display_name,
                submitted_at,
            },
        )
        .collect();
        Ok(CalibrationDetail {
            session,
            version,
            calls,
            participants,
        })
    }

    /// Save one participant's answers to one call (blank = unanswered). Only before they
    /// submit, only while the session is open.
    pub async fn save_calibration_answers(
        &self,
        id: i64,
        call_id: i64,
        user: &User,
        answer_texts: &BTreeMap<String, String>,
    ) -> StoreResult<BTreeMap<String, Answer>> {
        let detail = self.calibration(id).await?;
        let me = self.check_open_participant(&detail, user)?;
        if !detail.calls.iter().any(|c| c.call_id == call_id) {
            return Err(StoreError::NotFound {
                what: "call in this calibration session",
                id: call_id.to_string(),
            });
        }
        let def = &detail.version.definition;
        let mut answers = BTreeMap::new();
        for (key, text) in answer_texts {
            let q = def.question(key).ok_or_else(|| {
                StoreError::Invalid(format!("the scorecard has no question {key:?}"))
            })?;
            if text.trim().is_empty() {
                continue;
            }
            let a = q
                .parse_answer(text)
                .map_err(|e| StoreError::Invalid(format!("{}: {e}", q.text)))?;
            answers.insert(key.clone(), a);
        }
        let mut tx = self.db.begin().await.ctx("saving calibration answers")?;
        sqlx::query(
            "DELETE FROM calibration_answers WHERE session_id = $1 AND user_id = $2 AND call_id = $3",
        )
        .bind(id)
        .bind(me.user_id)
        .bind(call_id)
        .execute(&mut *tx)
        .await
        .ctx("saving calibration answers")?;
        for (key, a) in &answers {
            sqlx::query(
                "INSERT INTO calibration_answers (session_id, user_id, call_id, question_key, answer) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id)
            .bind(me.user_id)
            .bind(call_id)
            .bind(key)
            .bind(a.as_text())
            .execute(&mut *tx)
            .await
            .ctx("saving calibration answers")?;
        }
        tx.commit().await.ctx("saving calibration answers")?;
        Ok(answers)
    }

    /// One participant's own answers, by call. Anyone may read their own.
    pub async fn own_calibration_answers(
        &self,
        id: i64,
        user_id: i64,
    ) -> StoreResult<BTreeMap<i64, BTreeMap<String, Answer>>> {
        let detail = self.calibration(id).await?;
        let mut all = self
            .read_calibration_answers(&detail, Some(user_id))
            .await?;
        Ok(all.remove(&user_id).unwrap_or_default())
    }

    /// Hand in: every question of every call must be answered (N/A where it does not apply).
    /// From now on the participant sees the others' answers and theirs are frozen.
    pub async fn submit_calibration(&self, id: i64, user: &User) -> StoreResult<()> {
        let detail = self.calibration(id).await?;
        let me = self.check_open_participant(&detail, user)?.clone();
        let mine = self.own_calibration_answers(id, me.user_id).await?;
        let def = &detail.version.definition;
        let mut gaps = Vec::new();
        for c in &detail.calls {
            let answers = mine.get(&c.call_id);
            let missing: Vec<&str> = def
                .questions()
                .filter(|q| answers.is_none_or(|a| !a.contains_key(&q.key)))
                .map(|q| q.text.as_str())
                .collect();
            if !missing.is_empty() {
                gaps.push(format!("call {}: {}", c.call_id, missing.join(" · ")));
            }
        }
        if !gaps.is_empty() {
            return Err(StoreError::Invalid(format!(
                "answer every question of every call before submitting (N/A where it does not \
                 apply); unanswered: {}",
                gaps.join("; ")
            )));
        }
        let done = sqlx::query(
            "UPDATE calibration_participants SET submitted_at = $1 \
             WHERE session_id = $2 AND user_id = $3 AND submitted_at IS NULL",
        )
        .bind(now_ms())
        .bind(id)
        .bind(me.user_id)
        .execute(&self.db)
        .await
        .ctx("submitting calibration answers")?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict(format!(
                "{} has already submitted in calibration session {id}",
                user.username
            )));
        }
        self.audit(
            &user.username,
            action::CALIBRATION_SUBMIT,
            &format!("calibration:{id}"),
            serde_json::json!({ "calls": detail.calls.len() }),
        )
        .await?;
        Ok(())
    }

    /// Close a session: nobody hands in any more; the report stays.
    pub async fn close_calibration(&self, id: i64, by: &User) -> StoreResult<()> {
        if !may_manage(by.role) {
            return Err(StoreError::Forbidden(
                "only QA managers close calibration sessions".into(),
            ));
        }
        let done = sqlx::query(
            "UPDATE calibration_sessions SET closed_at = $1 WHERE id = $2 AND closed_at IS NULL",
        )
        .bind(now_ms())
        .bind(id)
        .execute(&self.db)
        .await
        .ctx("closing a calibration session")?;
        if done.rows_affected() != 1 {
            self.calibration_session(id).await?;
            return Err(StoreError::Conflict(format!(
                "calibration session {id} is already closed"
            )));
        }
        self.audit(
            &by.username,
            action::CALIBRATION_CLOSE,
            &format!("calibration:{id}"),
            serde_json::json!({}),
        )
        .await?;
        Ok(())
    }

    /// The submitted participants' answers: what the report is computed from. A participant
    /// who has not submitted yet may not see them (blind scoring); agents never.
    pub async fn calibration_answers(
        &self,
        detail: &CalibrationDetail,
        viewer: &User,
    ) -> StoreResult<CalibrationAnswers> {
        detail.check_may_see_results(viewer)?;
        let mut all = self.read_calibration_answers(detail, None).await?;
        let submitted: BTreeSet<i64> = detail
            .participants
            .iter()
            .filter(|p| p.submitted_at.is_some())
            .map(|p| p.user_id)
            .collect();
        all.retain(|user, _| submitted.contains(user));
        Ok(all)
    }

    /// The session's report (agreement per question, ICC on total scores, deviations), for a
    /// viewer allowed to see the results.
    pub async fn calibration_report(
        &self,
        id: i64,
        viewer: &User,
    ) -> StoreResult<(CalibrationDetail, CalibrationReport)> {
        let detail = self.calibration(id).await?;
        let answers = self.calibration_answers(&detail, viewer).await?;
        let report = report_of(&detail, &answers);
        Ok((detail, report))
    }

    /// Each rater's deviation over successive sessions (oldest first), for the trend chart:
    /// from the expert where a session has one, else from the group mean.
    pub async fn calibration_trend(
        &self,
        viewer: &User,
        limit: i64,
    ) -> StoreResult<Vec<(CalibrationSession, CalibrationReport)>> {
        if !matches!(
            viewer.role,
            Role::QaManager | Role::Admin | Role::Auditor | Role::Supervisor | Role::Reviewer
        ) {
            return Err(StoreError::Forbidden(
                "calibration results are for QA staff".into(),
            ));
        }
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM calibration_sessions ORDER BY created_at DESC, id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.db)
        .await
        .ctx("listing calibration sessions")?;
        let mut out = Vec::new();
        for id in ids.into_iter().rev() {
            let detail = self.calibration(id).await?;
            // The trend shows only what this viewer may see of each session.
            if detail.check_may_see_results(viewer).is_err() {
                continue;
            }
            let answers = self.calibration_answers(&detail, viewer).await?;
            if answers.len() < 2 {
                continue;
            }
            let report = report_of(&detail, &answers);
            out.push((detail.session, report));
        }
        Ok(out)
    }

    fn check_open_participant<'d>(
        &self,
        detail: &'d CalibrationDetail,
        user: &User,
    ) -> StoreResult<&'d Participant> {
        let me = detail.participant(user.id).ok_or_else(|| {
            StoreError::Forbidden(format!(
                "{} is not taking part in calibration session {}",
                user.username, detail.session.id
            ))
        })?;
        if detail.session.closed_at.is_some() {
            return Err(StoreError::Conflict(format!(
                "calibration session {} is closed",
                detail.session.id
            )));
        }
        if me.submitted_at.is_some() {
            return Err(StoreError::Conflict(format!(
                "{} has submitted: answers in calibration session {} are final",
                user.username, detail.session.id
            )));
        }
        Ok(me)
    }

    async fn read_calibration_answers(
        &self,
        detail: &CalibrationDetail,
        only: Option<i64>,
    ) -> StoreResult<CalibrationAnswers> {
        let id = detail.session.id;
        let rows: Vec<(i64, i64, String, String)> = match only {
            Some(user) => sqlx::query_as(
                "SELECT user_id, call_id, question_key, answer FROM calibration_answers \
                 WHERE session_id = $1 AND user_id = $2",
            )
            .bind(id)
            .bind(user),
            None => sqlx::query_as(
                "SELECT user_id, call_id, question_key, answer FROM calibration_answers \
                 WHERE session_id = $1",
            )
            .bind(id),
        }
        .fetch_all(&self.db)
        .await
        .ctx("reading calibration answers")?;
        let def = &detail.version.definition;
        let mut out: CalibrationAnswers = BTreeMap::new();
        for (user, call, key, text) in rows {
            let q = def.question(&key).ok_or_else(|| StoreError::Corrupt {
                table: "calibration_answers",
                reason: format!("session {id}: question {key:?} is not on its card"),
            })?;
            let a = q.parse_answer(&text).map_err(|e| StoreError::Corrupt {
                table: "calibration_answers",
                reason: format!("session {id}, {key}: {e}"),
            })?;
            out.entry(user)
                .or_default()
                .entry(call)
                .or_default()
                .insert(key, a);
        }
        Ok(out)
    }
}

fn report_of(detail: &CalibrationDetail, answers: &CalibrationAnswers) -> CalibrationReport {
    let raters: Vec<Rater> = detail
        .participants
        .iter()
        .filter(|p| answers.contains_key(&p.user_id))
        .map(|p| Rater {
            user_id: p.user_id,
            username: p.username.clone(),
            is_expert: p.is_expert,
        })
        .collect();
    let calls: Vec<i64> = detail.calls.iter().map(|c| c.call_id).collect();
    calibration_report(&detail.version.definition, &calls, &raters, answers)
}

/// The values in their first order, without repeats.
fn dedup(ids: &[i64]) -> Vec<i64> {
    let mut seen = BTreeSet::new();
    ids.iter().copied().filter(|i| seen.insert(*i)).collect()
}
