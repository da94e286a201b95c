//! The switching rules of ISO 2859-1:1999 clause 9 as a state machine without I/O.
//!
//! Feed it each lot's inspection inputs ([`Lot`]: lot size, level, AQL and the defects found in
//! the sample); it picks the plan of the severity in force, decides the lot itself (so a caller
//! cannot mis-judge it) and applies the rules:
//!
//! - normal → tightened: 2 lots not accepted within 5 or fewer consecutive lots (9.3.1);
//! - tightened → normal: 5 consecutive lots accepted (9.3.2);
//! - tightened → discontinued: the cumulative number of lots not accepted on tightened inspection
//!   reaches 5; sampling resumes, on tightened inspection, only through [`Switching::resume`]
//!   once the supplier has acted and the responsible authority agrees (9.4);
//! - normal → reduced: the switching score is at least 30, production is steady, and the
//!   responsible authority considers reduced inspection desirable (9.3.3.1). The approval is
//!   [`SwitchingConfig::reduced_approved`], `false` by default: without it inspection never
//!   becomes reduced;
//! - reduced → normal: a lot is not accepted, production becomes irregular or delayed, or other
//!   conditions warrant it ([`Switching::require_normal`]) (9.3.4).
//!
//! The switching score (9.3.3.2, single sampling) starts at 0 at the start of normal inspection
//! and is updated after each lot on original normal inspection: if the acceptance number is 2 or
//! more, +3 when the lot would also have been accepted at the AQL one step tighter, otherwise
//! reset to 0; if the acceptance number is 0 or 1, +2 when the lot is accepted, otherwise reset
//! to 0. "One step tighter" is read from Table 2-A in the same row (the same sample), so the
//! comparison uses the sample actually inspected.
//!
//! Only lots on original inspection count (9.3): a resubmitted lot ([`Lot::resubmitted`]) is
//! judged but leaves the state unchanged. The machine is `Serialize`/`Deserialize`, so the app
//! can keep one per agent or team; deserializing checks the counters are consistent.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::{plan, plan_for_letter, Aql, Error, InspectionLevel, SamplingPlan, Severity};

/// The state of a series of lots.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    Normal,
    Tightened,
    Reduced,
    /// Sampling inspection stopped after 5 lots not accepted on tightened inspection (9.4).
    Discontinued,
}

impl State {
    /// The master table in force, `None` while discontinued.
    pub fn severity(self) -> Option<Severity> {
        match self {
            State::Normal => Some(Severity::Normal),
            State::Tightened => Some(Severity::Tightened),
            State::Reduced => Some(Severity::Reduced),
            State::Discontinued => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            State::Normal => "normal",
            State::Tightened => "tightened",
            State::Reduced => "reduced",
            State::Discontinued => "discontinued",
        }
    }
}

impl std::fmt::Display for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether production (here: the calls making up the lot) ran at its usual steady rate.
/// Reduced inspection requires it (9.3.3.1 b) and ends when it stops (9.3.4 c).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Production {
    #[default]
    Steady,
    /// Irregular or delayed.
    Irregular,
}

/// One lot as inspected: the plan inputs and the number of defects found in the sample.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lot {
    pub lot_size: u64,
    pub level: InspectionLevel,
    pub aql: Aql,
    /// Defects found among the calls inspected (nonconforming calls for AQLs up to 10).
    pub defects: u64,
    #[serde(default)]
    pub production: Production,
    /// A lot resubmitted after a non-acceptance: judged, but ignored by the switching rules,
    /// which count original inspection only (9.3).
    #[serde(default)]
    pub resubmitted: bool,
}

impl Lot {
    /// A lot on original inspection with production steady.
    pub fn new(lot_size: u64, level: InspectionLevel, aql: Aql, defects: u64) -> Lot {
        Lot {
            lot_size,
            level,
            aql,
            defects,
            production: Production::Steady,
            resubmitted: false,
        }
    }

    /// The same lot, with production irregular or delayed.
    pub fn irregular(self) -> Lot {
        Lot {
            production: Production::Irregular,
            ..self
        }
    }

    /// The same lot, resubmitted.
    pub fn resubmitted(self) -> Lot {
        Lot {
            resubmitted: true,
            ..self
        }
    }
}

/// Decisions the standard leaves to people.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SwitchingConfig {
    /// The responsible authority considers reduced inspection desirable (9.3.3.1 c). `false` by
    /// default, and then inspection never switches to reduced however good the lots are: reducing
    /// the sample is a management decision, not an automatic one.
    pub reduced_approved: bool,
}

/// What recording one lot did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transition {
    /// The lot's number in this series, from 1.
    pub lot: u64,
    /// The plan the lot was inspected under (its severity is the state before the lot).
    pub plan: SamplingPlan,
    pub defects: u64,
    pub accepted: bool,
    pub resubmitted: bool,
    pub from: State,
    pub to: State,
    /// The switching score after this lot (0 except on normal inspection).
    pub switching_score: u32,
    /// Why the state is what it is now, for the auditor.
    pub explanation: String,
}

impl Transition {
    /// Whether the severity changed.
    pub fn switched(&self) -> bool {
        self.from != self.to
    }
}

/// Results of the last five lots on original normal inspection, packed (bit 0 = latest, set =
/// not accepted) with their count.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Window {
    len: u8,
    not_accepted: u8,
}

impl Window {
    fn push(&mut self, accepted: bool) {
        self.not_accepted = ((self.not_accepted << 1) | u8::from(!accepted)) & 0b1_1111;
        self.len = (self.len + 1).min(5);
    }
    fn count_not_accepted(self) -> u32 {
        self.not_accepted.count_ones()
    }
}

/// The switching state of one series of lots (one agent's or team's calls, one AQL).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Stored", into = "Stored")]
pub struct Switching {
    config: SwitchingConfig,
    state: State,
    lots: u64,
    window: Window,
    consecutive_accepted: u32,
    not_accepted_on_tightened: u32,
    switching_score: u32,
    last_explanation: Option<String>,
}

impl Default for Switching {
    fn default() -> Self {
        Switching::new()
    }
}

impl Switching {
    /// A new series on normal inspection (9.1), reduced inspection not approved.
    pub fn new() -> Switching {
        Switching::with_config(SwitchingConfig::default())
    }

    pub fn with_config(config: SwitchingConfig) -> Switching {
        Switching {
            config,
            state: State::Normal,
            lots: 0,
            window: Window::default(),
            consecutive_accepted: 0,
            not_accepted_on_tightened: 0,
            switching_score: 0,
            last_explanation: None,
        }
    }

    pub fn config(&self) -> SwitchingConfig {
        self.config
    }

    /// Record the responsible authority's decision on reduced inspection. It is consulted after
    /// each lot on normal inspection; withdrawing it does not end reduced inspection already in
    /// force (use [`Switching::require_normal`]).
    pub fn set_reduced_approved(&mut self, approved: bool) {
        self.config.reduced_approved = approved;
    }

    pub fn state(&self) -> State {
        self.state
    }

    /// Lots recorded so far, resubmitted ones included.
    pub fn lots_recorded(&self) -> u64 {
        self.lots
    }

    /// Consecutive lots accepted on original inspection since the current severity began.
    pub fn consecutive_accepted(&self) -> u32 {
        self.consecutive_accepted
    }

    /// On normal inspection, lots not accepted among the last five (0 or 1 while normal lasts).
    pub fn not_accepted_in_last_five(&self) -> u32 {
        self.window.count_not_accepted()
    }

    /// Lots not accepted since tightened inspection began (5 discontinues inspection).
    pub fn not_accepted_on_tightened(&self) -> u32 {
        self.not_accepted_on_tightened
    }

    /// The switching score (only kept on normal inspection; 0 otherwise).
    pub fn switching_score(&self) -> u32 {
        self.switching_score
    }

    /// Why the state is what it is, after the last lot or [`Switching::resume`].
    pub fn last_explanation(&self) -> Option<&str> {
        self.last_explanation.as_deref()
    }

    /// The plan for the next lot under the severity in force.
    pub fn plan_for(
        &self,
        lot_size: u64,
        level: InspectionLevel,
        aql: Aql,
    ) -> Result<SamplingPlan, Error> {
        let severity = self
            .state
            .severity()
            .ok_or(Error::Discontinued { lot: self.lots + 1 })?;
        plan(lot_size, level, aql, severity)
    }

    /// Judges a lot under the severity in force and applies the switching rules.
    pub fn record(&mut self, lot: Lot) -> Result<Transition, Error> {
        let from = self.state;
        let plan = self.plan_for(lot.lot_size, lot.level, lot.aql)?;
        if lot.aql.allows_percent_nonconforming() && lot.defects > plan.units_to_inspect {
            return Err(Error::DefectsExceedInspected {
                defects: lot.defects,
                inspected: plan.units_to_inspect,
                aql: lot.aql,
            });
        }
        let accepted = plan.accepts(lot.defects);
        self.lots += 1;
        let mut text = verdict(&plan, lot.defects, accepted);
        if lot.resubmitted {
            text.push_str(
                "; a resubmitted lot does not count towards switching (ISO 2859-1:1999 9.3), \
                 inspection stays ",
            );
            text.push_str(from.as_str());
        } else {
            match from {
                State::Normal => self.after_normal(&lot, &plan, accepted, &mut text)?,
                State::Tightened => self.after_tightened(accepted, &mut text),
                State::Reduced => self.after_reduced(&lot, accepted, &mut text),
                // plan_for refused above.
                State::Discontinued => {}
            }
        }
        self.last_explanation = Some(text.clone());
        Ok(Transition {
            lot: self.lots,
            plan,
            defects: lot.defects,
            accepted,
            resubmitted: lot.resubmitted,
            from,
            to: self.state,
            switching_score: self.switching_score,
            explanation: text,
        })
    }

    /// Resumes sampling inspection after discontinuation, on tightened inspection "as if 9.3.1
    /// had been invoked" (9.4): call it once the supplier's corrective action has been agreed by
    /// the responsible authority.
    pub fn resume(&mut self) -> Result<(), Error> {
        if self.state != State::Discontinued {
            return Err(Error::NotDiscontinued(
                self.state.severity().unwrap_or(Severity::Tightened),
            ));
        }
        self.enter(State::Tightened);
        self.last_explanation = Some(
            "inspection resumed after corrective action: tightened inspection \
             (ISO 2859-1:1999 9.4)"
                .to_string(),
        );
        Ok(())
    }

    /// Ends reduced inspection because "other conditions warrant that normal inspection be
    /// instituted" (9.3.4 d). Returns whether anything changed (only reduced inspection ends).
    pub fn require_normal(&mut self, reason: &str) -> bool {
        if self.state != State::Reduced {
            return false;
        }
        self.enter(State::Normal);
        self.last_explanation = Some(format!(
            "{reason}: normal inspection (ISO 2859-1:1999 9.3.4 d)"
        ));
        true
    }

    fn enter(&mut self, state: State) {
        self.state = state;
        self.window = Window::default();
        self.consecutive_accepted = 0;
        self.not_accepted_on_tightened = 0;
        // 9.3.3.2: the score starts at zero at the start of normal inspection; it is not kept
        // on the other severities.
        self.switching_score = 0;
    }

    fn after_normal(
        &mut self,
        lot: &Lot,
        plan: &SamplingPlan,
        accepted: bool,
        text: &mut String,
    ) -> Result<(), Error> {
        self.window.push(accepted);
        self.consecutive_accepted = if accepted {
            self.consecutive_accepted + 1
        } else {
            0
        };
        self.update_score(lot, plan, accepted, text)?;
        let not_accepted = self.window.count_not_accepted();
        if not_accepted >= 2 {
            let _ = write!(
                text,
                "; {not_accepted} of the last {} lots were not accepted: tightened inspection \
                 (ISO 2859-1:1999 9.3.1)",
                self.window.len
            );
            self.enter(State::Tightened);
            return Ok(());
        }
        if self.switching_score >= 30 {
            let steady = lot.production == Production::Steady;
            if steady && self.config.reduced_approved {
                let _ = write!(
                    text,
                    "; switching score {} is at least 30, production is steady and the \
                     responsible authority approves: reduced inspection (ISO 2859-1:1999 9.3.3)",
                    self.switching_score
                );
                self.enter(State::Reduced);
                return Ok(());
            }
            let mut missing = Vec::new();
            if !steady {
                missing.push("production is not steady");
            }
            if !self.config.reduced_approved {
                missing.push("the responsible authority has not approved reduced inspection");
            }
            let _ = write!(
                text,
                "; switching score {} is at least 30 but {}: normal inspection continues",
                self.switching_score,
                missing.join(" and ")
            );
            return Ok(());
        }
        text.push_str("; normal inspection continues");
        Ok(())
    }

    /// ISO 2859-1:1999 9.3.3.2, single sampling.
    fn update_score(
        &mut self,
        lot: &Lot,
        plan: &SamplingPlan,
        accepted: bool,
        text: &mut String,
    ) -> Result<(), Error> {
        if !accepted {
            self.switching_score = 0;
            text.push_str("; switching score reset to 0");
            return Ok(());
        }
        if plan.accept < 2 {
            self.switching_score += 2;
            let _ = write!(
                text,
                "; Ac {} < 2: switching score +2 = {}",
                plan.accept, self.switching_score
            );
            return Ok(());
        }
        // Ac ≥ 2: would the same sample have passed at the next tighter AQL? Read from the same
        // row of Table 2-A, so the sample size is the one inspected (checked for every cell in
        // the tests; a mismatch would give no credit).
        let tighter = match lot.aql.tighter() {
            Some(aql) => Some((
                aql,
                plan_for_letter(lot.lot_size, plan.code_letter, aql, Severity::Normal)?,
            )),
            None => None,
        };
        match tighter {
            Some((aql, t)) if t.sample_size == plan.sample_size && t.accepts(lot.defects) => {
                self.switching_score += 3;
                let _ = write!(
                    text,
                    "; would also be accepted at AQL {aql} (Ac {}): switching score +3 = {}",
                    t.accept, self.switching_score
                );
            }
            Some((aql, t)) => {
                self.switching_score = 0;
                let _ = write!(
                    text,
                    "; would not be accepted at AQL {aql} (Ac {}): switching score reset to 0",
                    t.accept
                );
            }
            None => {
                self.switching_score = 0;
                text.push_str("; no tighter AQL to compare with: switching score reset to 0");
            }
        }
        Ok(())
    }

    fn after_tightened(&mut self, accepted: bool, text: &mut String) {
        if accepted {
            self.consecutive_accepted += 1;
        } else {
            self.consecutive_accepted = 0;
            self.not_accepted_on_tightened += 1;
        }
        if self.not_accepted_on_tightened >= 5 {
            text.push_str(
                "; 5 lots not accepted on tightened inspection: inspection discontinued until \
                 corrective action is agreed (ISO 2859-1:1999 9.4)",
            );
            self.enter(State::Discontinued);
            self.not_accepted_on_tightened = 5;
        } else if self.consecutive_accepted >= 5 {
            text.push_str(
                "; 5 consecutive lots accepted on tightened inspection: normal inspection \
                 (ISO 2859-1:1999 9.3.2)",
            );
            self.enter(State::Normal);
        } else {
            let _ = write!(
                text,
                "; tightened inspection continues ({} consecutive accepted, {} of 5 allowed \
                 non-acceptances used)",
                self.consecutive_accepted, self.not_accepted_on_tightened
            );
        }
    }

    fn after_reduced(&mut self, lot: &Lot, accepted: bool, text: &mut String) {
        if !accepted {
            text.push_str("; a lot not accepted on reduced inspection: normal inspection (ISO 2859-1:1999 9.3.4 a)");
            self.enter(State::Normal);
        } else if lot.production == Production::Irregular {
            text.push_str(
                "; production irregular or delayed: normal inspection (ISO 2859-1:1999 9.3.4 c)",
            );
            self.enter(State::Normal);
        } else {
            self.consecutive_accepted += 1;
            text.push_str("; reduced inspection continues");
        }
    }
}

fn verdict(plan: &SamplingPlan, defects: u64, accepted: bool) -> String {
    let inspected = if plan.hundred_percent {
        format!("all {} calls inspected", plan.units_to_inspect)
    } else {
        format!("{} calls sampled", plan.sample_size)
    };
    if accepted {
        format!(
            "lot accepted on {} inspection: {defects} defects ≤ Ac {} ({inspected}, code {})",
            plan.severity, plan.accept, plan.code_letter
        )
    } else {
        format!(
            "lot not accepted on {} inspection: {defects} defects ≥ Re {} ({inspected}, code {})",
            plan.severity, plan.reject, plan.code_letter
        )
    }
}

/// The stored form of [`Switching`], validated on the way in.
#[derive(Serialize, Deserialize)]
struct Stored {
    #[serde(default)]
    config: SwitchingConfig,
    state: State,
    lots: u64,
    /// Results of the last lots on normal inspection, oldest first, `true` = accepted.
    #[serde(default)]
    recent_normal_lots: Vec<bool>,
    consecutive_accepted: u32,
    not_accepted_on_tightened: u32,
    switching_score: u32,
    #[serde(default)]
    last_explanation: Option<String>,
}

impl From<Switching> for Stored {
    fn from(s: Switching) -> Stored {
        let recent_normal_lots = (0..s.window.len)
            .rev()
            .map(|age| s.window.not_accepted & (1 << age) == 0)
            .collect();
        Stored {
            config: s.config,
            state: s.state,
            lots: s.lots,
            recent_normal_lots,
            consecutive_accepted: s.consecutive_accepted,
            not_accepted_on_tightened: s.not_accepted_on_tightened,
            switching_score: s.switching_score,
            last_explanation: s.last_explanation,
        }
    }
}

impl TryFrom<Stored> for Switching {
    type Error = Error;

    fn try_from(s: Stored) -> Result<Switching, Error> {
        let invalid = |why: &str| Err(Error::InvalidState(why.to_string()));
        if s.recent_normal_lots.len() > 5 {
            return invalid("more than 5 recent normal lots");
        }
        if s.state != State::Normal && (!s.recent_normal_lots.is_empty() || s.switching_score != 0)
        {
            return invalid("recent normal lots or a switching score outside normal inspection");
        }
        let mut window = Window::default();
        for &accepted in &s.recent_normal_lots {
            window.push(accepted);
        }
        if window.count_not_accepted() >= 2 {
            return invalid("2 lots not accepted among the last 5 yet still on normal inspection");
        }
        match s.state {
            State::Tightened if s.not_accepted_on_tightened >= 5 || s.consecutive_accepted >= 5 => {
                return invalid("tightened inspection should have ended");
            }
            State::Discontinued if s.not_accepted_on_tightened != 5 => {
                return invalid("discontinued without 5 lots not accepted on tightened inspection");
            }
            State::Normal | State::Reduced if s.not_accepted_on_tightened != 0 => {
                return invalid("tightened non-acceptances outside tightened inspection");
            }
            _ => {}
        }
        if u64::from(s.switching_score) > 3 * s.lots {
            return invalid("switching score larger than the lots recorded can give");
        }
        Ok(Switching {
            config: s.config,
            state: s.state,
            lots: s.lots,
            window,
            consecutive_accepted: s.consecutive_accepted,
            not_accepted_on_tightened: s.not_accepted_on_tightened,
            switching_score: s.switching_score,
            last_explanation: s.last_explanation,
        })
    }
}
