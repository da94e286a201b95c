//! Acceptance sampling (ANSI/ASQ Z1.4, identical to ISO 2859-1) of an agent's or a team's
//! calls, lot by lot.
//!
//! A plan names its scope (one agent, or a team: its agents' calls), the inspection level and
//! the AQL, and whether the responsible authority approved reduced inspection. Each lot (say, a
//! week's answered calls) is inspected under the plan the switching state calls for — normal,
//! tightened or reduced — and recorded here with the number of defective calls found in the
//! sample. The switching machine is [`earshot_acceptance::Switching`]: the store loads it from
//! the plan row, records the lot, and writes the lot (with the plan used and the state after)
//! and the new state in one transaction. Lots are append-only (the schema's triggers), and so
//! are resumptions after discontinuation ([`Store::resume_acceptance`]) and the responsible
//! authority's later decisions on reduced inspection ([`Store::set_acceptance_approval`]): the
//! state is always a replay of them, which [`Store::replay_acceptance`] checks.
//!
//! Beyond accepted or not, the switching rules need two facts about a lot (ANSI/ASQ Z1.4-2003
//! 8.3; ISO 2859-1:1999 9.3), recorded with it: production was *irregular or delayed* (ending
//! reduced inspection, and keeping normal inspection from becoming reduced), and the lot was
//! *resubmitted* after a non-acceptance (judged, but ignored by the rules, which count original
//! inspection only).
//!
//! Withdrawing the approval of reduced inspection while it is in force returns inspection to
//! normal at once, as "other conditions" that warrant normal inspection (Z1.4-2003 8.3.4 d;
//! ISO 2859-1:1999 9.3.4): reduced inspection requires the approval (9.3.3.1 c), so it cannot go
//! on for another lot without it, and the next lot is inspected on normal inspection. Approving
//! changes no state by itself: the rule is applied after each lot on normal inspection, so with
//! a switching score already at 30 or more the next lot accepted (with production steady)
//! switches to reduced.
//!
//! Which calls to inspect: [`choose_sample`] picks the plan's sample size from the lot's calls
//! with a seed — the calls whose SHA-256 of `"<seed>:<call id>"` is smallest — so the same seed
//! and the same calls always give the same sample, and anyone can check the choice.

use std::fmt;
use std::str::FromStr;

use earshot_acceptance::{
    Aql, InspectionLevel, Lot, SamplingPlan, Severity, State, Switching, SwitchingConfig,
    Transition,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::action;
use crate::error::DbContext;
use crate::time::now_ms;
use crate::users::{Role, User};
use crate::{Store, StoreError, StoreResult};

/// Longest plan name, in characters.
pub const MAX_ACCEPTANCE_NAME_CHARS: usize = 200;
/// Longest lot label (`2026-W48`), in characters.
pub const MAX_LOT_LABEL_CHARS: usize = 100;

/// Whose calls make up the lots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ScopeKind {
    /// One agent: the calls whose agent (the routing agent's user name) is the scope.
    Agent,
    /// A team: the calls of the agents whose team (`agents.team`) is the scope, now.
    Team,
}

impl ScopeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ScopeKind::Agent => "agent",
            ScopeKind::Team => "team",
        }
    }
}

impl fmt::Display for ScopeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ScopeKind {
    type Err = StoreError;

    fn from_str(s: &str) -> Result<Self, StoreError> {
        match s.trim() {
            "agent" => Ok(ScopeKind::Agent),
            "team" => Ok(ScopeKind::Team),
            other => Err(StoreError::Invalid(format!(
                "unknown scope {other:?}: expected agent or team"
            ))),
        }
    }
}

/// What a QA manager asks for when creating a plan.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct NewAcceptancePlan {
    pub name: String,
    pub scope_kind: ScopeKind,
    pub scope: String,
    pub inspection_level: InspectionLevel,
    pub aql: Aql,
    /// The responsible authority considers reduced inspection desirable (ISO 2859-1:1999
    /// 9.3.3.1 c); without it inspection never becomes reduced.
    #[serde(default)]
    pub reduced_approved: bool,
}

/// The switching state's counters, as a page or the API shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Counters {
    pub state: State,
    pub lots_recorded: u64,
    /// Consecutive lots accepted on original inspection since the current severity began (5 on
    /// tightened → normal).
    pub consecutive_accepted: u32,
    /// On normal inspection: lots not accepted among the last five (2 → tightened).
    pub not_accepted_in_last_five: u32,
    /// On tightened inspection: lots not accepted since it began (5 → discontinued).
    pub not_accepted_on_tightened: u32,
    /// On normal inspection: the switching score (30, with approval → reduced).
    pub switching_score: u32,
    pub reduced_approved: bool,
}

impl Counters {
    pub fn of(s: &Switching) -> Counters {
        Counters {
            state: s.state(),
            lots_recorded: s.lots_recorded(),
            consecutive_accepted: s.consecutive_accepted(),
            not_accepted_in_last_five: s.not_accepted_in_last_five(),
            not_accepted_on_tightened: s.not_accepted_on_tightened(),
            switching_score: s.switching_score(),
            reduced_approved: s.config().reduced_approved,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AcceptancePlan {
    pub id: i64,
    pub name: String,
    pub scope_kind: ScopeKind,
    pub scope: String,
    pub inspection_level: InspectionLevel,
    pub aql: Aql,
    /// Whether the responsible authority approves reduced inspection now (the decision in the
    /// switching state: the one at creation, or the last [`AcceptanceApproval`]).
    pub reduced_approved: bool,
    /// The state now (normal, tightened, reduced or discontinued) with its counters.
    pub counters: Counters,
    /// The switching machine as stored.
    pub switching: Switching,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl AcceptancePlan {
    pub fn state(&self) -> State {
        self.switching.state()
    }

    /// The plan the next lot of `lot_size` calls is inspected under; `None` while inspection
    /// is discontinued. Errors only for a lot size of 0.
    pub fn next_plan(&self, lot_size: u64) -> StoreResult<Option<SamplingPlan>> {
        match self.state().severity() {
            None => Ok(None),
            Some(severity) => {
                earshot_acceptance::plan(lot_size, self.inspection_level, self.aql, severity)
                    .map(Some)
                    .map_err(|e| StoreError::Invalid(e.to_string()))
            }
        }
    }
}

/// Why the state is what it is after a lot or a decision (a resumption, an approval), in terms
/// a page can put in any language (the machine's own explanation is English only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reason {
    /// Normal → tightened: 2 lots not accepted within 5 or fewer consecutive lots (9.3.1).
    Tightened {
        not_accepted: u32,
    },
    /// Tightened → normal: 5 consecutive lots accepted (9.3.2).
    TightenedEnded,
    /// Tightened → discontinued: 5 lots not accepted on tightened inspection (9.4).
    Discontinued,
    /// Normal → reduced: switching score at least 30, with the authority's approval (9.3.3).
    Reduced {
        switching_score: u32,
    },
    /// Reduced → normal: a lot not accepted (9.3.4 a).
    ReducedEnded,
    /// Reduced → normal: production irregular or delayed (Z1.4-2003 8.3.4 c; ISO 2859-1:1999
    /// 9.3.4), the lot itself accepted.
    ReducedEndedIrregular,
    /// Normal inspection continues; when the score has reached 30, `awaiting_approval` if
    /// reduced inspection is not approved and `production_irregular` if this lot's production
    /// was irregular or delayed (9.3.3.1 b, c).
    NormalContinues {
        switching_score: u32,
        not_accepted_in_last_five: u32,
        awaiting_approval: bool,
        production_irregular: bool,
    },
    TightenedContinues {
        consecutive_accepted: u32,
        not_accepted: u32,
    },
    ReducedContinues {
        consecutive_accepted: u32,
    },
    /// A resubmitted lot: judged, but the switching rules count original inspection only, so
    /// `state` (the inspection it was judged under) continues with its counters unchanged.
    Resubmitted {
        state: State,
    },
    /// Inspection resumed, on tightened inspection, after corrective action (9.4).
    Resumed,
    /// The responsible authority approved reduced inspection (9.3.3.1 c); it begins after a lot
    /// on normal inspection once the switching score is at least 30 with production steady.
    ApprovalGranted {
        switching_score: u32,
    },
    /// The responsible authority withdrew its approval; `ended_reduced` when reduced inspection
    /// was in force and so ended at once (Z1.4-2003 8.3.4 d; ISO 2859-1:1999 9.3.4).
    ApprovalWithdrawn {
        ended_reduced: bool,
    },
}

/// What the switching rules need to know about a recorded lot besides the states around it.
#[derive(Debug, Clone, Copy)]
struct LotFacts {
    accept: u32,
    accepted: bool,
    irregular: bool,
    resubmitted: bool,
}

impl Reason {
    /// The reason for the move from `before` to `after` by a lot.
    fn of_lot(before: &Switching, after: &Switching, lot: LotFacts) -> Reason {
        if lot.resubmitted {
            return Reason::Resubmitted {
                state: after.state(),
            };
        }
        let accept = lot.accept;
        match (before.state(), after.state()) {
            (State::Normal, State::Tightened) => Reason::Tightened {
                not_accepted: before.not_accepted_in_last_five() + 1,
            },
            (State::Tightened, State::Normal) => Reason::TightenedEnded,
            (State::Tightened, State::Discontinued) => Reason::Discontinued,
            // 9.3.3.2: the lot that reached 30 added 2 (Ac < 2) or 3 (Ac ≥ 2); the score is
            // reset when reduced inspection begins, so it is worked out from the one before.
            (State::Normal, State::Reduced) => Reason::Reduced {
                switching_score: before.switching_score() + if accept < 2 { 2 } else { 3 },
            },
            // 9.3.4: a lot not accepted comes first; an accepted lot ends reduced inspection only
            // by irregular production.
            (State::Reduced, State::Normal) if lot.accepted => Reason::ReducedEndedIrregular,
            (State::Reduced, State::Normal) => Reason::ReducedEnded,
            (State::Tightened, _) => Reason::TightenedContinues {
                consecutive_accepted: after.consecutive_accepted(),
                not_accepted: after.not_accepted_on_tightened(),
            },
            (State::Reduced, _) => Reason::ReducedContinues {
                consecutive_accepted: after.consecutive_accepted(),
            },
            _ => Reason::NormalContinues {
                switching_score: after.switching_score(),
                not_accepted_in_last_five: after.not_accepted_in_last_five(),
                awaiting_approval: after.switching_score() >= 30
                    && !after.config().reduced_approved,
                production_irregular: after.switching_score() >= 30 && lot.irregular,
            },
        }
    }
}

/// One inspected lot as recorded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AcceptanceLot {
    pub id: i64,
    pub plan_id: i64,
    pub seq: i64,
    pub label: String,
    /// The period whose answered calls made the lot, when the store counted them.
    pub period_from: Option<i64>,
    pub period_to: Option<i64>,
    /// The seed of the calls chosen to inspect ([`choose_sample`]), a u64 in decimal.
    pub sample_seed: Option<String>,
    pub lot_size: i64,
    /// The severity inspected under (the state before the lot).
    pub severity: Severity,
    pub code_letter: String,
    pub sample_size: i64,
    pub accept_number: i64,
    pub reject_number: i64,
    pub defects: i64,
    pub accepted: bool,
    /// Production was irregular or delayed (Z1.4-2003 8.3.4 c).
    pub irregular: bool,
    /// Resubmitted after a non-acceptance: judged, not counted by the switching rules.
    pub resubmitted: bool,
    pub state_after: State,
    pub counters_after: Counters,
    /// The machine's explanation (English), as recorded.
    pub explanation: String,
    /// The same, for translation.
    pub reason: Reason,
    pub recorded_by: String,
    pub recorded_at: i64,
}

/// A resumption of inspection after discontinuation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AcceptanceResume {
    /// How many lots had been recorded when inspection resumed.
    pub after_seq: i64,
    pub resumed_by: String,
    pub resumed_at: i64,
}

/// A decision of the responsible authority on reduced inspection after the plan was created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AcceptanceApproval {
    /// How many lots had been recorded when it took effect.
    pub after_seq: i64,
    /// Approved (`true`) or withdrawn.
    pub approved: bool,
    /// A withdrawal while reduced inspection was in force, which returned it to normal.
    pub ended_reduced: bool,
    pub decided_by: String,
    pub decided_at: i64,
}

/// A plan with its lots, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AcceptanceDetail {
    pub plan: AcceptancePlan,
    pub lots: Vec<AcceptanceLot>,
    pub resumes: Vec<AcceptanceResume>,
    /// The authority's decisions on reduced inspection after the plan was created, in order.
    pub approvals: Vec<AcceptanceApproval>,
    /// Whether reduced inspection was approved when the plan was created.
    pub approved_at_creation: bool,
    /// Why the state is what it is now: the last lot's reason, or [`Reason::Resumed`] or an
    /// approval's reason when that came after it; `None` before the first lot and decision.
    pub last_reason: Option<Reason>,
}

/// Where a lot's size comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LotSource {
    /// The answered calls of the plan's scope that started in `[from, to)` (epoch ms).
    Period { from: i64, to: i64 },
    /// A lot size counted elsewhere.
    Size(u64),
}

/// A lot as the auditor reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLot {
    pub label: String,
    pub source: LotSource,
    /// Defective calls found in the sample (nonconformities for AQLs above 10).
    pub defects: u64,
    /// The seed of the sample inspected (with a period only).
    pub seed: Option<u64>,
    /// The number of lots the auditor saw recorded when they drew the sample: if another lot
    /// has been recorded since, the plan in force may differ and the lot is refused (Conflict).
    pub expected_lots: Option<u64>,
    /// Production (the calls of the lot) was irregular or delayed: on reduced inspection this
    /// returns inspection to normal, and on normal it keeps it from becoming reduced
    /// (Z1.4-2003 8.3.3 c, 8.3.4 c).
    pub irregular: bool,
    /// The lot is inspected again after it was not accepted: judged, but ignored by the
    /// switching rules, which count original inspection only (Z1.4-2003 8.3).
    pub resubmitted: bool,
}

/// What recording a lot stored and did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordedLot {
    pub lot: AcceptanceLot,
    pub transition: Transition,
}

/// A call chosen for inspection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SampledCall {
    pub call_id: i64,
    pub agent: String,
    pub started_at: i64,
}

/// The calls to inspect from a period's lot, under the plan in force now.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LotSample {
    pub plan_id: i64,
    pub period_from: i64,
    pub period_to: i64,
    /// A u64 in decimal (JSON numbers lose precision beyond 2⁵³).
    pub seed: String,
    pub lot_size: u64,
    pub plan: SamplingPlan,
    /// `plan.units_to_inspect` calls, in the order they started.
    pub calls: Vec<SampledCall>,
}

/// Whether replaying a plan's lots, resumptions and approval decisions from a fresh machine
/// gives what is stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AcceptanceReplay {
    pub lots: usize,
    pub resumes: usize,
    pub approvals: usize,
    /// Every difference found: a lot whose plan, verdict or state after differs, or a final
    /// state different from the plan's.
    pub mismatches: Vec<String>,
    pub replayed: Switching,
    pub stored: Switching,
}

impl AcceptanceReplay {
    pub fn matches(&self) -> bool {
        self.mismatches.is_empty()
    }
}

/// The SHA-256 rank of a call for a seed: the first 8 bytes of SHA-256(`"<seed>:<call id>"`),
/// big-endian.
pub fn sample_rank(seed: u64, call_id: i64) -> u64 {
    let digest = Sha256::digest(format!("{seed}:{call_id}").as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(first)
}

/// Choose `n` of `call_ids` with `seed`: the `n` calls of smallest [`sample_rank`] (ties, which
/// need a SHA-256 collision on 64 bits, by call id). Every `n`-subset is equally likely when
/// the hash behaves as a random function, the choice does not depend on the order of
/// `call_ids`, and the same seed and calls always give the same sample. Returned sorted.
pub fn choose_sample(call_ids: &[i64], n: usize, seed: u64) -> Vec<i64> {
    let mut ranked: Vec<(u64, i64)> = call_ids
        .iter()
        .map(|&id| (sample_rank(seed, id), id))
        .collect();
    ranked.sort_unstable();
    ranked.dedup_by_key(|r| r.1);
    let mut chosen: Vec<i64> = ranked.into_iter().take(n).map(|r| r.1).collect();
    chosen.sort_unstable();
    chosen
}

/// `lot` with production irregular and resubmitted as recorded.
fn lot_facts(lot: Lot, irregular: bool, resubmitted: bool) -> Lot {
    let lot = if irregular { lot.irregular() } else { lot };
    if resubmitted {
        lot.resubmitted()
    } else {
        lot
    }
}

fn may_manage(role: Role) -> bool {
    matches!(role, Role::QaManager | Role::Admin)
}

fn acceptance_error(e: earshot_acceptance::Error) -> StoreError {
    match e {
        earshot_acceptance::Error::Discontinued { .. }
        | earshot_acceptance::Error::NotDiscontinued(_) => StoreError::Conflict(e.to_string()),
        _ => StoreError::Invalid(e.to_string()),
    }
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

/// A name or label: trimmed, 1 to `max` characters, no control characters.
fn text_field(text: &str, what: &str, max: usize) -> StoreResult<String> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > max || text.chars().any(char::is_control) {
        return Err(StoreError::Invalid(format!(
            "{what} must be 1 to {max} printable characters"
        )));
    }
    Ok(text.to_string())
}

type PlanRow = (
    i64,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
    i64,
);

/// The plan's columns but `reduced_approved`, the decision at creation: the one in force is in
/// the switching state.
const PLAN_SELECT: &str = "SELECT id, name, scope_kind, scope, inspection_level, aql, \
    state, created_by, created_at, updated_at FROM acceptance_plans";

/// The message of a withdrawal that ends reduced inspection, in the switching machine's
/// explanation (English, like the machine's own); the replay repeats it word for word.
const APPROVAL_WITHDRAWN: &str =
    "the responsible authority withdrew its approval of reduced inspection";

fn corrupt_plan(id: i64, reason: impl fmt::Display) -> StoreError {
    StoreError::Corrupt {
        table: "acceptance_plans",
        reason: format!("plan {id}: {reason}"),
    }
}

fn plan_from_row(r: PlanRow) -> StoreResult<AcceptancePlan> {
    let id = r.0;
    let switching: Switching = serde_json::from_str(&r.6).map_err(|e| corrupt_plan(id, e))?;
    Ok(AcceptancePlan {
        id,
        name: r.1,
        scope_kind: r.2.parse().map_err(|e| corrupt_plan(id, e))?,
        scope: r.3,
        inspection_level: r.4.parse().map_err(|e| corrupt_plan(id, e))?,
        aql: r.5.parse().map_err(|e| corrupt_plan(id, e))?,
        reduced_approved: switching.config().reduced_approved,
        counters: Counters::of(&switching),
        switching,
        created_by: r.7,
        created_at: r.8,
        updated_at: r.9,
    })
}

#[derive(sqlx::FromRow)]
struct LotRow {
    id: i64,
    plan_id: i64,
    seq: i64,
    label: String,
    period_from: Option<i64>,
    period_to: Option<i64>,
    sample_seed: Option<String>,
    lot_size: i64,
    severity: String,
    code_letter: String,
    sample_size: i64,
    accept_number: i64,
    reject_number: i64,
    defects: i64,
    accepted: i64,
    irregular: i64,
    resubmitted: i64,
    state_after: String,
    explanation: String,
    recorded_by: String,
    recorded_at: i64,
}

const LOT_SELECT: &str = "SELECT id, plan_id, seq, label, period_from, period_to, sample_seed, \
    lot_size, severity, code_letter, sample_size, accept_number, reject_number, defects, \
    accepted, irregular, resubmitted, state_after, explanation, recorded_by, recorded_at \
    FROM acceptance_lots";

fn corrupt_lot(plan: i64, seq: i64, reason: impl fmt::Display) -> StoreError {
    StoreError::Corrupt {
        table: "acceptance_lots",
        reason: format!("plan {plan}, lot {seq}: {reason}"),
    }
}

/// A lot row, with the machine as it was before the lot (for the reason).
fn lot_from_row(r: LotRow, before: &Switching) -> StoreResult<(AcceptanceLot, Switching)> {
    let (plan_id, seq) = (r.plan_id, r.seq);
    let after: Switching =
        serde_json::from_str(&r.state_after).map_err(|e| corrupt_lot(plan_id, seq, e))?;
    let facts = LotFacts {
        accept: u32::try_from(r.accept_number).map_err(|e| corrupt_lot(plan_id, seq, e))?,
        accepted: r.accepted != 0,
        irregular: r.irregular != 0,
        resubmitted: r.resubmitted != 0,
    };
    let lot = AcceptanceLot {
        id: r.id,
        plan_id,
        seq,
        label: r.label,
        period_from: r.period_from,
        period_to: r.period_to,
        sample_seed: r.sample_seed,
        lot_size: r.lot_size,
        severity: r
            .severity
            .parse()
            .map_err(|e| corrupt_lot(plan_id, seq, e))?,
        code_letter: r.code_letter,
        sample_size: r.sample_size,
        accept_number: r.accept_number,
        reject_number: r.reject_number,
        defects: r.defects,
        accepted: facts.accepted,
        irregular: facts.irregular,
        resubmitted: facts.resubmitted,
        state_after: after.state(),
        counters_after: Counters::of(&after),
        explanation: r.explanation,
        reason: Reason::of_lot(before, &after, facts),
        recorded_by: r.recorded_by,
        recorded_at: r.recorded_at,
    };
    Ok((lot, after))
}

/// Record the authority's decision on reduced inspection in `m`; a withdrawal while reduced
/// inspection is in force returns it to normal at once (Z1.4-2003 8.3.4 d). Returns whether it
/// did.
fn apply_approval(m: &mut Switching, approved: bool) -> bool {
    m.set_reduced_approved(approved);
    !approved && m.require_normal(APPROVAL_WITHDRAWN)
}

/// Apply to `m` what was decided after `done` lots: a resumption after discontinuation (9.4),
/// then the authority's decisions on reduced inspection in order, marking the withdrawals that
/// ended reduced inspection. The two commute (a resumption needs discontinued inspection and
/// gives tightened, a withdrawal changes only reduced inspection), so their order between two
/// lots does not matter. Returns the reason of the latest decision, if any, and the refusal of
/// a resumption that does not fit the state.
fn decide_after(
    m: &mut Switching,
    done: i64,
    resumes: &[AcceptanceResume],
    approvals: &mut [AcceptanceApproval],
) -> (Option<Reason>, Option<earshot_acceptance::Error>) {
    let mut latest: Option<(i64, Reason)> = None;
    let mut refused = None;
    if let Some(r) = resumes.iter().find(|r| r.after_seq == done) {
        match m.resume() {
            Ok(()) => latest = Some((r.resumed_at, Reason::Resumed)),
            Err(e) => refused = Some(e),
        }
    }
    for a in approvals.iter_mut().filter(|a| a.after_seq == done) {
        a.ended_reduced = apply_approval(m, a.approved);
        let reason = if a.approved {
            Reason::ApprovalGranted {
                switching_score: m.switching_score(),
            }
        } else {
            Reason::ApprovalWithdrawn {
                ended_reduced: a.ended_reduced,
            }
        };
        if latest.is_none_or(|(at, _)| a.decided_at >= at) {
            latest = Some((a.decided_at, reason));
        }
    }
    (latest.map(|l| l.1), refused)
}

impl Store {
    /// Create a plan, on normal inspection (ISO 2859-1:1999 9.1). Only QA managers (and
    /// admins). The scope must exist: an agent with calls or a routing agent of that name, or
    /// a team of routing agents.
    pub async fn create_acceptance_plan(
        &self,
        new: &NewAcceptancePlan,
        by: &User,
    ) -> StoreResult<AcceptancePlan> {
        if !may_manage(by.role) {
            return Err(StoreError::Forbidden(
                "only QA managers create acceptance sampling plans".into(),
            ));
        }
        let name = text_field(&new.name, "a plan's name", MAX_ACCEPTANCE_NAME_CHARS)?;
        let scope = text_field(&new.scope, "the agent or team", 64)?;
        let known: i64 = match new.scope_kind {
            ScopeKind::Agent => sqlx::query_scalar::<_, i64>(
                "SELECT CAST(COUNT(*) AS BIGINT) FROM agents WHERE username = $1 \
                 UNION ALL SELECT CAST(COUNT(*) AS BIGINT) FROM calls WHERE agent = $1",
            ),
            ScopeKind::Team => {
                sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM agents WHERE team = $1")
            }
        }
        .bind(&scope)
        .fetch_all(&self.db)
        .await
        .ctx("looking up the plan's agent or team")?
        .into_iter()
        .sum();
        if known == 0 {
            return Err(StoreError::Invalid(match new.scope_kind {
                ScopeKind::Agent => format!(
                    "no agent {scope:?}: name a routing agent's user name or an agent who took calls"
                ),
                ScopeKind::Team => format!("no team {scope:?}: no routing agent is in that team"),
            }));
        }
        let switching = Switching::with_config(SwitchingConfig {
            reduced_approved: new.reduced_approved,
        });
        let state = serde_json::to_string(&switching).expect("a switching state serializes");
        let now = now_ms();
        let id: i64 = match sqlx::query_scalar(
            "INSERT INTO acceptance_plans (name, scope_kind, scope, inspection_level, aql, \
                 reduced_approved, state, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
        )
        .bind(&name)
        .bind(new.scope_kind.as_str())
        .bind(&scope)
        .bind(new.inspection_level.as_str())
        .bind(new.aql.as_str())
        .bind(i64::from(new.reduced_approved))
        .bind(&state)
        .bind(&by.username)
        .bind(now)
        .fetch_one(&self.db)
        .await
        {
            Ok(id) => id,
            Err(e) if is_unique_violation(&e) => {
                return Err(StoreError::Conflict(format!(
                    "an acceptance sampling plan named {name:?} exists already"
                )))
            }
            Err(e) => return Err(e).ctx("creating an acceptance sampling plan"),
        };
        self.audit(
            &by.username,
            action::ACCEPTANCE_PLAN_SAVE,
            &format!("acceptance_plan:{id}"),
            serde_json::json!({
                "name": name, "scope_kind": new.scope_kind, "scope": scope,
                "inspection_level": new.inspection_level, "aql": new.aql,
                "reduced_approved": new.reduced_approved,
            }),
        )
        .await?;
        self.acceptance_plan(id).await
    }

    pub async fn acceptance_plan(&self, id: i64) -> StoreResult<AcceptancePlan> {
        let row: Option<PlanRow> = sqlx::query_as(&format!("{PLAN_SELECT} WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.db)
            .await
            .ctx("reading an acceptance sampling plan")?;
        plan_from_row(row.ok_or_else(|| StoreError::NotFound {
            what: "acceptance sampling plan",
            id: id.to_string(),
        })?)
    }

    /// Every plan, by name.
    pub async fn acceptance_plans(&self) -> StoreResult<Vec<AcceptancePlan>> {
        let rows: Vec<PlanRow> = sqlx::query_as(&format!("{PLAN_SELECT} ORDER BY name, id"))
            .fetch_all(&self.db)
            .await
            .ctx("listing acceptance sampling plans")?;
        rows.into_iter().map(plan_from_row).collect()
    }

    /// A plan with its lots (oldest first), its resumptions and why its state is what it is.
    pub async fn acceptance_detail(&self, id: i64) -> StoreResult<AcceptanceDetail> {
        let plan = self.acceptance_plan(id).await?;
        let rows: Vec<LotRow> =
            sqlx::query_as(&format!("{LOT_SELECT} WHERE plan_id = $1 ORDER BY seq"))
                .bind(id)
                .fetch_all(&self.db)
                .await
                .ctx("reading acceptance lots")?;
        let resumes = self.acceptance_resumes(id).await?;
        let (approved_at_creation, mut approvals) = self.acceptance_approvals(id).await?;
        // The state before each lot: the one after the lot before, with what was decided
        // between them (a resumption, approvals) applied, so that each lot's reason starts from
        // where the lot really started.
        let mut before = Switching::with_config(SwitchingConfig {
            reduced_approved: approved_at_creation,
        });
        let mut decided = decide_after(&mut before, 0, &resumes, &mut approvals).0;
        let mut lots = Vec::with_capacity(rows.len());
        for row in rows {
            let seq = row.seq;
            let (lot, after) = lot_from_row(row, &before)?;
            lots.push(lot);
            before = after;
            decided = decide_after(&mut before, seq, &resumes, &mut approvals).0;
        }
        let last_reason = decided.or_else(|| lots.last().map(|l| l.reason));
        Ok(AcceptanceDetail {
            plan,
            lots,
            resumes,
            approvals,
            approved_at_creation,
            last_reason,
        })
    }

    /// The decision on reduced inspection when the plan was created, and the decisions since,
    /// in order (`ended_reduced` left for [`decide_after`] to work out).
    async fn acceptance_approvals(
        &self,
        plan_id: i64,
    ) -> StoreResult<(bool, Vec<AcceptanceApproval>)> {
        let at_creation: i64 =
            sqlx::query_scalar("SELECT reduced_approved FROM acceptance_plans WHERE id = $1")
                .bind(plan_id)
                .fetch_one(&self.db)
                .await
                .ctx("reading an acceptance plan's approval")?;
        let rows: Vec<(i64, i64, String, i64)> = sqlx::query_as(
            "SELECT after_seq, approved, decided_by, decided_at FROM acceptance_approvals \
             WHERE plan_id = $1 ORDER BY after_seq, id",
        )
        .bind(plan_id)
        .fetch_all(&self.db)
        .await
        .ctx("reading acceptance approvals")?;
        let approvals = rows
            .into_iter()
            .map(
                |(after_seq, approved, decided_by, decided_at)| AcceptanceApproval {
                    after_seq,
                    approved: approved != 0,
                    ended_reduced: false,
                    decided_by,
                    decided_at,
                },
            )
            .collect();
        Ok((at_creation != 0, approvals))
    }

    async fn acceptance_resumes(&self, plan_id: i64) -> StoreResult<Vec<AcceptanceResume>> {
        let rows: Vec<(i64, String, i64)> = sqlx::query_as(
            "SELECT after_seq, resumed_by, resumed_at FROM acceptance_resumes \
             WHERE plan_id = $1 ORDER BY after_seq",
        )
        .bind(plan_id)
        .fetch_all(&self.db)
        .await
        .ctx("reading acceptance resumptions")?;
        Ok(rows
            .into_iter()
            .map(|(after_seq, resumed_by, resumed_at)| AcceptanceResume {
                after_seq,
                resumed_by,
                resumed_at,
            })
            .collect())
    }

    /// The answered calls of a plan's scope that started in `[from, to)`, by id: a lot.
    pub async fn acceptance_lot_calls(
        &self,
        plan: &AcceptancePlan,
        from: i64,
        to: i64,
    ) -> StoreResult<Vec<SampledCall>> {
        if to <= from {
            return Err(StoreError::Invalid(
                "the period must end after it starts".into(),
            ));
        }
        let scope = match plan.scope_kind {
            ScopeKind::Agent => "c.agent = $3",
            ScopeKind::Team => "c.agent IN (SELECT username FROM agents WHERE team = $3)",
        };
        let rows: Vec<(i64, String, i64)> = sqlx::query_as(&format!(
            "SELECT c.id, c.agent, c.started_at FROM calls c \
             WHERE c.disposition = 'answered' AND c.agent IS NOT NULL \
               AND c.started_at >= $1 AND c.started_at < $2 AND {scope} \
             ORDER BY c.id"
        ))
        .bind(from)
        .bind(to)
        .bind(&plan.scope)
        .fetch_all(&self.db)
        .await
        .ctx("reading the calls of a lot")?;
        Ok(rows
            .into_iter()
            .map(|(call_id, agent, started_at)| SampledCall {
                call_id,
                agent,
                started_at,
            })
            .collect())
    }

    /// The lot of `[from, to)`, refusing an empty one.
    async fn nonempty_lot(
        &self,
        plan: &AcceptancePlan,
        from: i64,
        to: i64,
    ) -> StoreResult<Vec<SampledCall>> {
        let calls = self.acceptance_lot_calls(plan, from, to).await?;
        if calls.is_empty() {
            return Err(StoreError::Invalid(format!(
                "{} {:?} has no answered calls in the period: a lot must hold at least one call",
                plan.scope_kind, plan.scope
            )));
        }
        Ok(calls)
    }

    /// The calls to inspect from the lot of `[from, to)` under the plan in force now, chosen
    /// with `seed` ([`choose_sample`]; a fresh random seed when `None`). Discontinued
    /// inspection has no plan (Conflict).
    pub async fn acceptance_sample(
        &self,
        plan_id: i64,
        from: i64,
        to: i64,
        seed: Option<u64>,
    ) -> StoreResult<LotSample> {
        let plan = self.acceptance_plan(plan_id).await?;
        let calls = self.nonempty_lot(&plan, from, to).await?;
        let lot_size = calls.len() as u64;
        let sampling = plan
            .switching
            .plan_for(lot_size, plan.inspection_level, plan.aql)
            .map_err(acceptance_error)?;
        let seed = seed.unwrap_or_else(rand::random);
        let ids: Vec<i64> = calls.iter().map(|c| c.call_id).collect();
        let n = usize::try_from(sampling.units_to_inspect).unwrap_or(usize::MAX);
        let chosen = choose_sample(&ids, n, seed);
        let mut sample: Vec<SampledCall> = calls
            .into_iter()
            .filter(|c| chosen.binary_search(&c.call_id).is_ok())
            .collect();
        sample.sort_by_key(|c| (c.started_at, c.call_id));
        Ok(LotSample {
            plan_id,
            period_from: from,
            period_to: to,
            seed: seed.to_string(),
            lot_size,
            plan: sampling,
            calls: sample,
        })
    }

    /// Record an inspected lot: the lot size (counted here from the period's calls, or as
    /// given), judged under the plan in force; the lot, the plan used and the state after are
    /// written with the plan's new state in one transaction, then audited.
    ///
    /// A resubmitted lot must follow a lot not accepted on original inspection (there is
    /// nothing else to resubmit), and cannot be marked irregular: the switching rules ignore it,
    /// so the mark would change nothing (both Invalid).
    pub async fn record_acceptance_lot(
        &self,
        plan_id: i64,
        new: &NewLot,
        by: &User,
    ) -> StoreResult<RecordedLot> {
        if !may_manage(by.role) {
            return Err(StoreError::Forbidden(
                "only QA managers record acceptance lots".into(),
            ));
        }
        let label = text_field(&new.label, "a lot's label", MAX_LOT_LABEL_CHARS)?;
        let plan = self.acceptance_plan(plan_id).await?;
        if new.resubmitted && new.irregular {
            return Err(StoreError::Invalid(
                "a resubmitted lot cannot be marked irregular: the switching rules count original \
                 inspection only, so the mark would change nothing; mark the next lot on original \
                 inspection instead"
                    .into(),
            ));
        }
        if new.resubmitted {
            let rejected: i64 = sqlx::query_scalar(
                "SELECT CAST(COUNT(*) AS BIGINT) FROM acceptance_lots \
                 WHERE plan_id = $1 AND accepted = 0 AND resubmitted = 0",
            )
            .bind(plan_id)
            .fetch_one(&self.db)
            .await
            .ctx("looking for a lot to resubmit")?;
            if rejected == 0 {
                return Err(StoreError::Invalid(
                    "nothing to resubmit: no lot of this plan was not accepted on original \
                     inspection, and a resubmitted lot is one inspected again after it was not \
                     accepted"
                        .into(),
                ));
            }
        }
        let (lot_size, period) = match new.source {
            LotSource::Period { from, to } => {
                let calls = self.nonempty_lot(&plan, from, to).await?;
                (calls.len() as u64, Some((from, to)))
            }
            LotSource::Size(0) => {
                return Err(acceptance_error(earshot_acceptance::Error::EmptyLot))
            }
            LotSource::Size(n) => {
                if new.seed.is_some() {
                    return Err(StoreError::Invalid(
                        "a sample seed goes with a period: the store draws the sample from the \
                         period's calls"
                            .into(),
                    ));
                }
                (n, None)
            }
        };
        let too_large = |what: &str| StoreError::Invalid(format!("{what} is too large"));
        let lot_size_db = i64::try_from(lot_size).map_err(|_| too_large("the lot size"))?;
        let defects_db = i64::try_from(new.defects).map_err(|_| too_large("the defect count"))?;

        let mut tx = self.db.begin().await.ctx("recording an acceptance lot")?;
        // The state as of now, inside the transaction: another lot may have been recorded.
        let stored: String = sqlx::query_scalar("SELECT state FROM acceptance_plans WHERE id = $1")
            .bind(plan_id)
            .fetch_one(&mut *tx)
            .await
            .ctx("reading an acceptance plan's state")?;
        let mut switching: Switching =
            serde_json::from_str(&stored).map_err(|e| corrupt_plan(plan_id, e))?;
        let seq = switching.lots_recorded() + 1;
        if let Some(expected) = new.expected_lots {
            if expected != switching.lots_recorded() {
                return Err(StoreError::Conflict(format!(
                    "{} lots have been recorded on this plan, not {expected}: another lot was \
                     recorded meanwhile and the plan in force may have changed; draw the sample \
                     again",
                    switching.lots_recorded()
                )));
            }
        }
        let transition = switching
            .record(lot_facts(
                Lot::new(lot_size, plan.inspection_level, plan.aql, new.defects),
                new.irregular,
                new.resubmitted,
            ))
            .map_err(acceptance_error)?;
        let state_after = serde_json::to_string(&switching).expect("a switching state serializes");
        let p = &transition.plan;
        let now = now_ms();
        let inserted = sqlx::query_scalar(
            "INSERT INTO acceptance_lots (plan_id, seq, label, period_from, period_to, \
                 sample_seed, lot_size, severity, code_letter, sample_size, accept_number, \
                 reject_number, defects, accepted, irregular, resubmitted, state_after, \
                 explanation, recorded_by, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
                 $18, $19, $20) RETURNING id",
        )
        .bind(plan_id)
        .bind(seq as i64)
        .bind(&label)
        .bind(period.map(|p| p.0))
        .bind(period.map(|p| p.1))
        .bind(new.seed.map(|s| s.to_string()))
        .bind(lot_size_db)
        .bind(p.severity.as_str())
        .bind(p.code_letter.to_string())
        .bind(i64::from(p.sample_size))
        .bind(i64::from(p.accept))
        .bind(i64::from(p.reject))
        .bind(defects_db)
        .bind(i64::from(transition.accepted))
        .bind(i64::from(new.irregular))
        .bind(i64::from(new.resubmitted))
        .bind(&state_after)
        .bind(&transition.explanation)
        .bind(&by.username)
        .bind(now)
        .fetch_one(&mut *tx)
        .await;
        let lot_id: i64 = match inserted {
            Ok(id) => id,
            Err(e) if is_unique_violation(&e) => {
                return Err(StoreError::Conflict(format!(
                    "lot {seq} of this plan was recorded meanwhile: reload and try again"
                )))
            }
            Err(e) => return Err(e).ctx("recording an acceptance lot"),
        };
        replace_state(&mut tx, plan_id, &stored, &state_after, now).await?;
        tx.commit().await.ctx("recording an acceptance lot")?;
        self.audit(
            &by.username,
            action::ACCEPTANCE_LOT,
            &format!("acceptance_plan:{plan_id}"),
            serde_json::json!({
                "lot_id": lot_id, "seq": seq, "label": label, "lot_size": lot_size,
                "period": period, "seed": new.seed.map(|s| s.to_string()),
                "severity": p.severity, "code_letter": p.code_letter,
                "sample_size": p.sample_size, "accept": p.accept, "reject": p.reject,
                "defects": new.defects, "accepted": transition.accepted,
                "irregular": new.irregular, "resubmitted": new.resubmitted,
                "from": transition.from, "to": transition.to,
            }),
        )
        .await?;
        let detail = self.acceptance_detail(plan_id).await?;
        let lot = detail
            .lots
            .into_iter()
            .find(|l| l.id == lot_id)
            .ok_or_else(|| corrupt_lot(plan_id, seq as i64, "missing after it was recorded"))?;
        Ok(RecordedLot { lot, transition })
    }

    /// Resume inspection after discontinuation, on tightened inspection (ISO 2859-1:1999 9.4),
    /// once the corrective action has been agreed. Conflict when inspection is not
    /// discontinued.
    pub async fn resume_acceptance(&self, plan_id: i64, by: &User) -> StoreResult<AcceptancePlan> {
        if !may_manage(by.role) {
            return Err(StoreError::Forbidden(
                "only QA managers resume acceptance sampling".into(),
            ));
        }
        self.acceptance_plan(plan_id).await?;
        let mut tx = self.db.begin().await.ctx("resuming acceptance sampling")?;
        let stored: String = sqlx::query_scalar("SELECT state FROM acceptance_plans WHERE id = $1")
            .bind(plan_id)
            .fetch_one(&mut *tx)
            .await
            .ctx("reading an acceptance plan's state")?;
        let mut switching: Switching =
            serde_json::from_str(&stored).map_err(|e| corrupt_plan(plan_id, e))?;
        switching.resume().map_err(acceptance_error)?;
        let after_seq = switching.lots_recorded() as i64;
        let now = now_ms();
        if let Err(e) = sqlx::query(
            "INSERT INTO acceptance_resumes (plan_id, after_seq, resumed_by, resumed_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(plan_id)
        .bind(after_seq)
        .bind(&by.username)
        .bind(now)
        .execute(&mut *tx)
        .await
        {
            if is_unique_violation(&e) {
                return Err(StoreError::Conflict(
                    "inspection was resumed meanwhile".into(),
                ));
            }
            return Err(e).ctx("resuming acceptance sampling");
        }
        let state_after = serde_json::to_string(&switching).expect("a switching state serializes");
        replace_state(&mut tx, plan_id, &stored, &state_after, now).await?;
        tx.commit().await.ctx("resuming acceptance sampling")?;
        self.audit(
            &by.username,
            action::ACCEPTANCE_RESUME,
            &format!("acceptance_plan:{plan_id}"),
            serde_json::json!({ "after_lots": after_seq, "state": switching.state() }),
        )
        .await?;
        self.acceptance_plan(plan_id).await
    }

    /// Record the responsible authority's decision on reduced inspection (ISO 2859-1:1999
    /// 9.3.3.1 c), taking effect after the lots recorded so far. Approving changes no state:
    /// the next lot on normal inspection switches to reduced if the switching score is then at
    /// least 30 and production steady. Withdrawing while reduced inspection is in force returns
    /// it to normal at once (Z1.4-2003 8.3.4 d), so the next lot is inspected on normal
    /// inspection; otherwise it only keeps inspection from becoming reduced. Only QA managers
    /// (and admins); a decision that changes nothing (approving what is approved) is a
    /// Conflict. Stored as an append-only row with the plan's new state in one transaction,
    /// then audited.
    pub async fn set_acceptance_approval(
        &self,
        plan_id: i64,
        approved: bool,
        by: &User,
    ) -> StoreResult<AcceptancePlan> {
        if !may_manage(by.role) {
            return Err(StoreError::Forbidden(
                "only QA managers decide on reduced inspection".into(),
            ));
        }
        self.acceptance_plan(plan_id).await?;
        let mut tx = self
            .db
            .begin()
            .await
            .ctx("deciding on reduced inspection")?;
        let stored: String = sqlx::query_scalar("SELECT state FROM acceptance_plans WHERE id = $1")
            .bind(plan_id)
            .fetch_one(&mut *tx)
            .await
            .ctx("reading an acceptance plan's state")?;
        let mut switching: Switching =
            serde_json::from_str(&stored).map_err(|e| corrupt_plan(plan_id, e))?;
        if switching.config().reduced_approved == approved {
            return Err(StoreError::Conflict(if approved {
                "reduced inspection is approved already".into()
            } else {
                "reduced inspection is not approved: there is no approval to withdraw".into()
            }));
        }
        let from = switching.state();
        let ended_reduced = apply_approval(&mut switching, approved);
        let after_seq = switching.lots_recorded() as i64;
        let now = now_ms();
        sqlx::query(
            "INSERT INTO acceptance_approvals (plan_id, after_seq, approved, decided_by, \
                 decided_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(plan_id)
        .bind(after_seq)
        .bind(i64::from(approved))
        .bind(&by.username)
        .bind(now)
        .execute(&mut *tx)
        .await
        .ctx("deciding on reduced inspection")?;
        let state_after = serde_json::to_string(&switching).expect("a switching state serializes");
        replace_state(&mut tx, plan_id, &stored, &state_after, now).await?;
        tx.commit().await.ctx("deciding on reduced inspection")?;
        self.audit(
            &by.username,
            action::ACCEPTANCE_APPROVAL,
            &format!("acceptance_plan:{plan_id}"),
            serde_json::json!({
                "reduced_approved": approved, "after_lots": after_seq,
                "from": from, "to": switching.state(), "ended_reduced": ended_reduced,
            }),
        )
        .await?;
        self.acceptance_plan(plan_id).await
    }

    /// Replay a plan's lots, resumptions and approval decisions, in order, on a fresh machine
    /// and compare every lot's plan, verdict and state after, and the final state, with what
    /// is stored.
    pub async fn replay_acceptance(&self, plan_id: i64) -> StoreResult<AcceptanceReplay> {
        let detail = self.acceptance_detail(plan_id).await?;
        let plan = &detail.plan;
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "SELECT seq, state_after FROM acceptance_lots WHERE plan_id = $1 ORDER BY seq",
        )
        .bind(plan_id)
        .fetch_all(&self.db)
        .await
        .ctx("reading acceptance lots")?;
        let mut m = Switching::with_config(SwitchingConfig {
            reduced_approved: detail.approved_at_creation,
        });
        let mut mismatches = Vec::new();
        let mut approvals = detail.approvals.clone();
        let mut decide = |m: &mut Switching, seq: i64, mismatches: &mut Vec<String>| {
            if let (_, Some(e)) = decide_after(m, seq, &detail.resumes, &mut approvals) {
                mismatches.push(format!("resumption after lot {seq}: {e}"));
            }
        };
        decide(&mut m, 0, &mut mismatches);
        for (lot, (seq, stored_after)) in detail.lots.iter().zip(&rows) {
            if lot.seq != *seq || *seq != m.lots_recorded() as i64 + 1 {
                mismatches.push(format!("lot {seq} is out of sequence"));
            }
            let (Ok(size), Ok(defects)) = (u64::try_from(lot.lot_size), u64::try_from(lot.defects))
            else {
                mismatches.push(format!("lot {seq}: negative lot size or defects"));
                continue;
            };
            let replayed = lot_facts(
                Lot::new(size, plan.inspection_level, plan.aql, defects),
                lot.irregular,
                lot.resubmitted,
            );
            match m.record(replayed) {
                Err(e) => mismatches.push(format!("lot {seq}: {e}")),
                Ok(t) => {
                    let p = &t.plan;
                    let replayed = (
                        p.severity,
                        p.code_letter.to_string(),
                        i64::from(p.sample_size),
                        i64::from(p.accept),
                        i64::from(p.reject),
                        t.accepted,
                    );
                    let recorded = (
                        lot.severity,
                        lot.code_letter.clone(),
                        lot.sample_size,
                        lot.accept_number,
                        lot.reject_number,
                        lot.accepted,
                    );
                    if replayed != recorded {
                        mismatches.push(format!(
                            "lot {seq}: recorded {recorded:?}, replayed {replayed:?}"
                        ));
                    }
                    match serde_json::from_str::<Switching>(stored_after) {
                        Ok(after) if after == m => {}
                        Ok(after) => mismatches.push(format!(
                            "lot {seq}: state after recorded {:?}, replayed {:?}",
                            Counters::of(&after),
                            Counters::of(&m)
                        )),
                        Err(e) => mismatches.push(format!("lot {seq}: state after: {e}")),
                    }
                }
            }
            decide(&mut m, *seq, &mut mismatches);
        }
        if m != plan.switching {
            mismatches.push(format!(
                "the plan's state is {:?}, the replay gives {:?}",
                Counters::of(&plan.switching),
                Counters::of(&m)
            ));
        }
        Ok(AcceptanceReplay {
            lots: detail.lots.len(),
            resumes: detail.resumes.len(),
            approvals: detail.approvals.len(),
            mismatches,
            replayed: m,
            stored: plan.switching.clone(),
        })
    }
}

/// Replace a plan's switching state with `after`, only if it is still `before` (the state this
/// step was computed from): another writer in between gets a Conflict, not a lost update.
async fn replace_state(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    plan_id: i64,
    before: &str,
    after: &str,
    now: i64,
) -> StoreResult<()> {
    let updated = sqlx::query(
        "UPDATE acceptance_plans SET state = $1, updated_at = $2 WHERE id = $3 AND state = $4",
    )
    .bind(after)
    .bind(now)
    .bind(plan_id)
    .bind(before)
    .execute(&mut **tx)
    .await
    .ctx("updating an acceptance plan's state")?;
    if updated.rows_affected() != 1 {
        return Err(StoreError::Conflict(
            "the plan's state changed meanwhile: reload and try again".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sample_depends_on_the_seed_and_calls_only() {
        let ids: Vec<i64> = (1..=50).collect();
        let a = choose_sample(&ids, 8, 42);
        assert_eq!(a.len(), 8);
        let mut reversed = ids.clone();
        reversed.reverse();
        assert_eq!(choose_sample(&reversed, 8, 42), a);
        assert_ne!(choose_sample(&ids, 8, 43), a);
        // Asking for more than the lot gives the whole lot.
        assert_eq!(choose_sample(&ids, 80, 42), ids);
        // The rank is SHA-256("42:7")'s first 8 bytes, big-endian.
        let digest = Sha256::digest(b"42:7");
        assert_eq!(
            sample_rank(42, 7),
            u64::from_be_bytes(digest[..8].try_into().unwrap())
        );
    }
}
