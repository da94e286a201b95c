//! What a sampling plan says, and the calls it is applied to.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The largest oversampling factor a rule may ask for.
///
/// Beyond a few times the factor buys little (the weights `1/π` of ordinary calls grow and the
/// effective sample size shrinks, Kish 1992), and the bound keeps the exact integer arithmetic of
/// the draw within 128 bits for any realistic population.
pub const MAX_FACTOR: f64 = 1000.0;

/// One call of the period, as the draw sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unit {
    pub call_id: i64,
    /// The agent who handled the call; the sample size is set per agent.
    pub agent: String,
    pub team: Option<String>,
    pub queue: Option<String>,
    pub call_type: Option<String>,
    pub duration_s: u32,
    /// The customer's post-call survey was low.
    pub survey_low: bool,
    /// A compliance check (e.g. a missed disclosure) flagged the call.
    pub compliance_hit: bool,
    /// Days since the agent's first call, at the time of this call; `None` when unknown.
    pub agent_tenure_days: Option<u32>,
}

/// How many calls to draw per agent.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Target {
    /// Enough calls to estimate the agent's pass rate within `±margin` at `confidence`, assuming
    /// the rate is near `expected_rate` (0.5 when unknown: the most conservative choice).
    Precision {
        confidence: f64,
        margin: f64,
        expected_rate: f64,
    },
    /// A fixed number of calls per agent (all of them when the agent has fewer).
    Quota { per_agent: u32 },
}

/// Which strata an agent's calls are split into before drawing. Each stratum gets its
/// proportional share of the agent's sample, so that every queue, call type and duration band is
/// represented (see [`crate::draw`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Stratification {
    pub by_queue: bool,
    pub by_call_type: bool,
    /// Boundaries of the duration bands in seconds, strictly increasing: `[120, 600]` makes the
    /// bands `< 120 s`, `120–600 s` and `≥ 600 s`. Empty: no duration bands.
    pub duration_edges_s: Vec<u32>,
}

/// A property of a call that a [`Rule`] oversamples.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Condition {
    /// The call lasted strictly longer than `seconds`.
    LongerThan { seconds: u32 },
    /// The customer's survey was low.
    LowSurvey,
    /// A compliance check flagged the call.
    ComplianceHit,
    /// The agent had been taking calls for less than `weeks` weeks (tenure `< 7·weeks` days).
    AgentFirstWeeks { weeks: u32 },
}

impl Condition {
    /// Whether `unit` has this property. A call whose agent's tenure is unknown is not taken to be
    /// in the agent's first weeks.
    pub fn matches(&self, unit: &Unit) -> bool {
        match *self {
            Condition::LongerThan { seconds } => unit.duration_s > seconds,
            Condition::LowSurvey => unit.survey_low,
            Condition::ComplianceHit => unit.compliance_hit,
            Condition::AgentFirstWeeks { weeks } => unit
                .agent_tenure_days
                .is_some_and(|days| u64::from(days) < 7 * u64::from(weeks)),
        }
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Condition::LongerThan { seconds } => write!(f, "longer than {seconds} s"),
            Condition::LowSurvey => f.write_str("low survey"),
            Condition::ComplianceHit => f.write_str("compliance hit"),
            Condition::AgentFirstWeeks { weeks } => {
                write!(
                    f,
                    "agent in first {weeks} week{}",
                    if *weeks == 1 { "" } else { "s" }
                )
            }
        }
    }
}

/// Make calls matching `when` `factor` times as likely to be drawn as an ordinary call of the
/// same stratum (until they are certain to be drawn). A call matching several rules takes the
/// largest factor, not the product, so that overlapping rules do not compound.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub when: Condition,
    /// At least 1 and at most [`MAX_FACTOR`].
    pub factor: f64,
}

/// A sampling plan, stored by the app as JSON:
///
/// ```json
/// {"target": {"kind": "precision", "confidence": 0.95, "margin": 0.1, "expected_rate": 0.8},
///  "strata": {"by_queue": true, "duration_edges_s": [120, 600]},
///  "rules": [{"when": {"kind": "longer_than", "seconds": 600}, "factor": 3}]}
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    pub target: Target,
    #[serde(default)]
    pub strata: Stratification,
    #[serde(default)]
    pub rules: Vec<Rule>,
}

/// One thing wrong with a plan: where (`"rules[1].factor"`) and what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub path: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

fn problem(path: impl Into<String>, message: impl Into<String>) -> Problem {
    Problem {
        path: path.into(),
        message: message.into(),
    }
}

impl Target {
    /// Every problem with the target, paths prefixed with `prefix` (e.g. `"target"`).
    pub(crate) fn problems(&self, prefix: &str) -> Vec<Problem> {
        let mut problems = Vec::new();
        match *self {
            Target::Precision {
                confidence,
                margin,
                expected_rate,
            } => {
                // Written so that NaN fails too.
                if !(confidence > 0.0 && confidence < 1.0) {
                    problems.push(problem(
                        format!("{prefix}.confidence"),
                        format!("must be strictly between 0 and 1, got {confidence}"),
                    ));
                }
                if !(margin > 0.0 && margin < 1.0) {
                    problems.push(problem(
                        format!("{prefix}.margin"),
                        format!("must be strictly between 0 and 1, got {margin}"),
                    ));
                }
                if !(expected_rate > 0.0 && expected_rate < 1.0) {
                    problems.push(problem(
                        format!("{prefix}.expected_rate"),
                        format!(
                            "must be strictly between 0 and 1 (a rate of exactly 0 or 1 asks \
                             for no sample at all; use 0.5 when unknown), got {expected_rate}"
                        ),
                    ));
                }
            }
            Target::Quota { per_agent } => {
                if per_agent == 0 {
                    problems.push(problem(
                        format!("{prefix}.per_agent"),
                        "must be at least 1, got 0 (the plan would draw nothing)",
                    ));
                }
            }
        }
        problems
    }
}

impl Plan {
    /// Checks the whole plan and reports every problem at once, each with its path, so that an
    /// editor can mark all the offending fields.
    pub fn validate(&self) -> Result<(), Vec<Problem>> {
        let mut problems = self.target.problems("target");
        let edges = &self.strata.duration_edges_s;
        for (i, &edge) in edges.iter().enumerate() {
            let path = format!("strata.duration_edges_s[{i}]");
            if edge == 0 {
                problems.push(problem(
                    path,
                    "must be more than 0 s (no call is shorter than 0 s)",
                ));
            } else if i > 0 && edge <= edges[i - 1] {
                problems.push(problem(
                    path,
                    format!(
                        "must be greater than the previous edge {} s, got {edge} s",
                        edges[i - 1]
                    ),
                ));
            }
        }
        for (i, rule) in self.rules.iter().enumerate() {
            if !(rule.factor >= 1.0 && rule.factor <= MAX_FACTOR) {
                problems.push(problem(
                    format!("rules[{i}].factor"),
                    format!(
                        "must be a number from 1 to {MAX_FACTOR} (how many times as likely to be \
                         drawn), got {}",
                        rule.factor
                    ),
                ));
            }
            if let Condition::AgentFirstWeeks { weeks: 0 } = rule.when {
                problems.push(problem(
                    format!("rules[{i}].when.weeks"),
                    "must be at least 1, got 0 (the rule would match no call)",
                ));
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }

    /// The size measure of `unit`: the largest factor among the rules it matches, 1 if none.
    pub(crate) fn size_of(&self, unit: &Unit) -> f64 {
        self.rules
            .iter()
            .filter(|rule| rule.when.matches(unit))
            .map(|rule| rule.factor)
            .fold(1.0, f64::max)
    }

    /// Why `unit` was made more likely to be drawn: each matching rule with a factor above 1.
    pub(crate) fn reasons_for(&self, unit: &Unit) -> Vec<String> {
        self.rules
            .iter()
            .enumerate()
            .filter(|(_, rule)| rule.factor > 1.0 && rule.when.matches(unit))
            .map(|(i, rule)| format!("rules[{i}]: {} (×{})", rule.when, rule.factor))
            .collect()
    }
}
