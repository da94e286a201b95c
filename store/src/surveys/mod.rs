//! Post-call surveys: versioned questionnaires (like scorecards), which survey each queue's
//! callers get and how it is offered, the answers stored on calls (by keypad after the call or
//! by a signed web link), supervisor alerts on low answers, and the sums the metrics and the
//! key-driver view read.
//!
//! The recorder and the web app code against the types here; the store's methods are split by
//! job: [`definitions`] (versions, drafts, publishing), [`assignments`] (which survey a queue
//! gets), [`responses`] (keypad responses stored with the call, reading responses), [`links`]
//! (signed web links and their answers), [`alerts`] and [`metrics`] (tallies, key drivers).
//!
//! Responses, answers and links are records: triggers refuse to change or delete them (a link
//! only gets its use written, once). A call has at most one answered response, by a partial
//! unique index, whichever way it came in.

mod alerts;
mod assignments;
mod definitions;
mod links;
mod metrics;
mod responses;

use earshot_survey::{Answer, Definition, Language, QuestionKind};
use serde::{Deserialize, Serialize};

use crate::error::DbContext;
use crate::{StoreError, StoreResult};

pub(crate) use responses::insert_keypad_response_on;

/// Audit actions of surveys.
pub mod action {
    pub const SURVEY_CREATE: &str = "survey.create";
    pub const SURVEY_EDIT: &str = "survey.edit";
    pub const SURVEY_PUBLISH: &str = "survey.publish";
    pub const SURVEY_ASSIGN: &str = "survey.assign";
    pub const SURVEY_UNASSIGN: &str = "survey.unassign";
    /// A web survey link was issued for a call.
    pub const SURVEY_LINK: &str = "survey.link";
    pub const SURVEY_ALERT_ACK: &str = "survey.alert_acknowledge";
    pub const SURVEY_METRICS_EXPORT: &str = "survey.metrics_export";
    /// A customer answered through a web link (the actor is `web-survey`).
    pub const SURVEY_ANSWER: &str = "survey.answer";
}

/// One version of a survey: a draft (editable) or published (frozen by triggers).
#[derive(Debug, Clone, Serialize)]
pub struct SurveyVersion {
    pub id: i64,
    pub survey_id: i64,
    pub version: i64,
    pub definition: Definition,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub published_at: Option<i64>,
    pub published_by: Option<String>,
}

impl SurveyVersion {
    pub fn is_published(&self) -> bool {
        self.published_at.is_some()
    }
}

/// A survey as the list shows it.
#[derive(Debug, Clone, Serialize)]
pub struct SurveySummary {
    pub id: i64,
    pub name: String,
    /// The newest published version's number and id.
    pub published: Option<(i64, i64)>,
    /// The draft's version number, if one is being edited.
    pub draft: Option<i64>,
    /// Responses with at least one answer, over all versions.
    pub responses: i64,
    /// Queues this survey is assigned to.
    pub queues: Vec<String>,
}

/// How a queue's callers are offered the keypad survey.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum Offer {
    /// Only callers who opted in through the IVR (a menu key with the `survey` action).
    OptIn,
    /// Every caller of the queue (an IVR opt-in changes nothing).
    All,
    /// A random share (0 < share ≤ 1) of the queue's callers, plus those who opted in.
    Share { share: f64 },
}

/// Which survey a queue's callers get.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SurveyAssignment {
    /// Queue name (as in the routing configuration).
    pub queue: String,
    pub survey_id: i64,
    pub offer: Offer,
    /// Raise a supervisor alert when an answer of this queue's calls is low.
    pub alert_on_low: bool,
    pub updated_by: String,
    pub updated_at: i64,
}

/// What the recorder needs per queue: the assignment and the survey version callers hear now
/// (the newest published version of the assigned survey).
#[derive(Debug, Clone)]
pub struct QueueSurvey {
    pub queue: String,
    pub offer: Offer,
    pub version_id: i64,
    pub definition: Definition,
}

/// How a survey response came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Keypad,
    Web,
}

/// One question's outcome in a keypad survey.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeypadAnswer {
    pub question_key: String,
    /// `None`: not answered (retries used up, or the caller hung up first).
    pub answer: Option<Answer>,
    /// Invalid keys entered for this question (each was retried).
    pub invalid: u32,
    /// Times the caller pressed nothing before the timeout.
    pub timeouts: u32,
}

/// A keypad survey as the recorder ran it, stored with the call in the call's transaction
/// (`Store::insert_routed_call`'s `survey` argument). Also kept in the recording's sidecar
/// while the survey runs, so a crash does not lose the answers given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewKeypadResponse {
    pub survey_version_id: i64,
    /// Why the caller got the survey.
    pub reason: OfferReason,
    pub language: Language,
    /// Epoch ms: the agent hung up and the survey began; when it ended.
    pub started_at: i64,
    pub ended_at: i64,
    /// In the survey's question order; questions never reached are absent.
    pub answers: Vec<KeypadAnswer>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OfferReason {
    /// Pressed the IVR's survey key.
    OptedIn,
    /// The queue offers it to every caller.
    All,
    /// Drawn into the queue's random share.
    Share,
}

/// A stored response (keypad or web) with its answers, for the call page and the API.
#[derive(Debug, Clone, Serialize)]
pub struct SurveyResponse {
    pub id: i64,
    pub call_id: i64,
    pub survey_id: i64,
    pub survey_version_id: i64,
    pub survey_name: String,
    pub channel: Channel,
    pub reason: Option<OfferReason>,
    pub language: Language,
    pub agent: Option<String>,
    pub team: Option<String>,
    pub queue: Option<String>,
    pub started_at: i64,
    /// `None` while nothing was answered.
    pub answered_at: Option<i64>,
    /// Length of the keypad survey part of the call (not talk time).
    pub survey_ms: Option<i64>,
    pub answers: Vec<StoredAnswer>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StoredAnswer {
    pub question_key: String,
    pub kind: QuestionKind,
    pub answer: Option<Answer>,
    /// CSAT ≤ 2, NPS ≤ 6, CES ≤ 3, or "no" to the first-contact-resolution question.
    pub low: bool,
    pub invalid: u32,
    pub timeouts: u32,
}

/// A web survey link as issued: the token goes in the URL `/s/{token}`.
#[derive(Debug, Clone, Serialize)]
pub struct IssuedLink {
    pub id: i64,
    pub call_id: i64,
    pub survey_version_id: i64,
    pub token: String,
    pub language: Language,
    pub expires_at: i64,
}

/// Why a web survey link cannot be used. Nothing is recorded in any of these cases.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// Not a token we made (bad format or signature).
    #[error("this survey link is not valid")]
    Tampered,
    #[error("this survey link expired")]
    Expired { expired_at: i64 },
    #[error("this survey link was already used")]
    Used { used_at: i64 },
    /// The call already has an answered survey (keypad or another link).
    #[error("this call's survey was already answered")]
    AlreadyAnswered,
}

/// An open web survey: what the form needs.
#[derive(Debug, Clone)]
pub struct OpenLink {
    pub link_id: i64,
    pub call_id: i64,
    pub language: Language,
    pub expires_at: i64,
    pub version: SurveyVersion,
}

/// A supervisor alert raised by a low answer.
#[derive(Debug, Clone, Serialize)]
pub struct SurveyAlert {
    pub id: i64,
    pub response_id: i64,
    pub call_id: i64,
    pub agent: Option<String>,
    pub team: Option<String>,
    pub queue: Option<String>,
    pub channel: Channel,
    /// `key=value` of each low answer, e.g. `satisfaction=1, resolved=no`.
    pub low_answers: String,
    pub created_at: i64,
    pub acknowledged_by: Option<String>,
    pub acknowledged_at: Option<i64>,
    pub note: Option<String>,
}

/// What the survey metrics are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SurveyGroupBy {
    Agent,
    Team,
    Queue,
    /// One row: the whole selection.
    All,
}

/// Which responses the metrics count. Periods are epoch-ms bounds on the call's start.
#[derive(Debug, Clone, Default)]
pub struct SurveyFilter {
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub survey_id: Option<i64>,
    pub agent: Option<String>,
    pub team: Option<String>,
    pub queue: Option<String>,
    pub channel: Option<Channel>,
}

/// SQL sums of one group: enough for `earshot_survey::metrics` to compute every figure with
/// its interval. A response counts for a question's kind when that question was answered.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SurveyTally {
    /// The group's value (agent, team or queue name); `None` for `All` or calls without one.
    pub group: Option<String>,
    /// Surveys offered: keypad surveys begun plus web links issued.
    pub offered: i64,
    /// Responses with at least one answer.
    pub responses: i64,
    pub csat_n: i64,
    /// CSAT answers of 4 or 5.
    pub csat_satisfied: i64,
    pub nps_n: i64,
    pub nps_promoters: i64,
    pub nps_detractors: i64,
    pub ces_n: i64,
    pub ces_sum: f64,
    pub ces_sum_sq: f64,
    /// Answers to the first-contact-resolution question, and how many said yes.
    pub fcr_n: i64,
    pub fcr_yes: i64,
    /// QA beside it: submitted (not draft) evaluations with a score, of the same group and
    /// period (their agent, team, queue and call start, as stored with each evaluation), and the
    /// sums for their mean score. Not narrowed by the filter's survey or channel.
    pub qa_evaluations: i64,
    pub qa_score_sum: f64,
    pub qa_score_sum_sq: f64,
}

/// One call with both a submitted evaluation and a survey answer, for the key-driver view.
#[derive(Debug, Clone, Serialize)]
pub struct DriverRow {
    pub call_id: i64,
    pub evaluation_id: i64,
    /// The evaluation's answers as numbers (`earshot_scorecard` answer → yes 1, no 0, a scale
    /// or points value); N/A and unanswered questions are absent.
    pub scorecard_values: std::collections::BTreeMap<String, f64>,
    /// COPC accuracies: 1 no critical error, 0 a critical error, absent when not applicable.
    pub customer_ok: Option<f64>,
    pub business_ok: Option<f64>,
    pub compliance_ok: Option<f64>,
    pub score: Option<f64>,
    /// The survey answer's value (`Answer::value`).
    pub survey_value: f64,
}

/// Longest survey definition, as JSON bytes (five questions with two prompts each fit many
/// times over).
pub const MAX_DEFINITION_BYTES: usize = 64 * 1024;
/// Longest alert acknowledgement note, in characters.
pub const MAX_NOTE_CHARS: usize = 4000;
/// Shortest and longest life of a web survey link.
pub const LINK_TTL_MIN_MS: i64 = 60_000;
pub const LINK_TTL_MAX_MS: i64 = 90 * 86_400_000;

impl Offer {
    /// The schema's `offer` and `share` columns.
    pub(crate) fn columns(self) -> (&'static str, Option<f64>) {
        match self {
            Offer::OptIn => ("opt_in", None),
            Offer::All => ("all", None),
            Offer::Share { share } => ("share", Some(share)),
        }
    }

    pub(crate) fn from_columns(offer: &str, share: Option<f64>) -> StoreResult<Offer> {
        match (offer, share) {
            ("opt_in", _) => Ok(Offer::OptIn),
            ("all", _) => Ok(Offer::All),
            ("share", Some(share)) => Ok(Offer::Share { share }),
            _ => Err(StoreError::Corrupt {
                table: "survey_assignments",
                reason: format!("offer {offer:?} with share {share:?}"),
            }),
        }
    }
}

impl Channel {
    pub const fn as_str(self) -> &'static str {
        match self {
            Channel::Keypad => "keypad",
            Channel::Web => "web",
        }
    }

    pub(crate) fn parse(s: &str, table: &'static str) -> StoreResult<Channel> {
        match s {
            "keypad" => Ok(Channel::Keypad),
            "web" => Ok(Channel::Web),
            other => Err(StoreError::Corrupt {
                table,
                reason: format!("channel {other:?}"),
            }),
        }
    }
}

impl OfferReason {
    pub const fn as_str(self) -> &'static str {
        match self {
            OfferReason::OptedIn => "opted_in",
            OfferReason::All => "all",
            OfferReason::Share => "share",
        }
    }

    pub(crate) fn parse(s: &str) -> StoreResult<OfferReason> {
        match s {
            "opted_in" => Ok(OfferReason::OptedIn),
            "all" => Ok(OfferReason::All),
            "share" => Ok(OfferReason::Share),
            other => Err(StoreError::Corrupt {
                table: "survey_responses",
                reason: format!("reason {other:?}"),
            }),
        }
    }
}

/// A stored language tag.
pub(crate) fn parse_language(s: &str, table: &'static str) -> StoreResult<Language> {
    s.parse()
        .map_err(|e: earshot_survey::UnknownLanguage| StoreError::Corrupt {
            table,
            reason: e.to_string(),
        })
}

/// A stored question kind.
pub(crate) fn parse_kind(s: &str) -> StoreResult<QuestionKind> {
    QuestionKind::ALL
        .into_iter()
        .find(|k| k.as_str() == s)
        .ok_or_else(|| StoreError::Corrupt {
            table: "survey_answers",
            reason: format!("kind {s:?}"),
        })
}

/// Mark that something a dashboard shows has changed (`qa_generation`, which the QA dashboards'
/// caches follow): survey metrics are shown beside QA scores and cached the same way.
pub(crate) async fn bump_generation<'c, E>(conn: E) -> StoreResult<()>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    sqlx::query("UPDATE qa_generation SET generation = generation + 1 WHERE id = 1")
        .execute(conn)
        .await
        .ctx("marking survey data changed")?;
    Ok(())
}

/// Whether a database error is a unique constraint refusing a row.
pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

/// `$n` for a present real, `NULL` for an absent one: sqlx 0.8's `Any` driver sends a NULL
/// double to PostgreSQL typed as `float4`, and the statement cached with that type then refuses
/// the next real value (see `qa/evaluations.rs`), so an absent real is written into the SQL.
pub(crate) fn real_placeholder(v: Option<f64>, n: usize) -> String {
    match v {
        Some(_) => format!("${n}"),
        None => "NULL".into(),
    }
}
