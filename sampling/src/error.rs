use earshot_stats::StatsError;
use thiserror::Error;

use crate::Problem;

/// Why a sample could not be sized, drawn, assigned or estimated. Messages name the offending
/// input, since an auditor reads them verbatim.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum SamplingError {
    /// The plan (or, from [`crate::needed`], its target) has problems; all of them are listed.
    #[error("invalid sampling plan: {}", list(.problems))]
    InvalidPlan { problems: Vec<Problem> },
    /// A call appears twice in the population of a draw or in the items of a worklist.
    #[error("call {call_id} is listed more than once")]
    DuplicateCallId { call_id: i64 },
    #[error("call {call_id} has an empty agent name")]
    MissingAgent { call_id: i64 },
    #[error("the population has {size} calls, more than the {max} a single draw supports")]
    PopulationTooLarge { size: usize, max: usize },
    #[error("sample size {n} for a population of {population} calls does not fit in 32 bits")]
    SampleTooLarge { n: u64, population: u64 },
    #[error("reviewer {name:?} is listed more than once")]
    DuplicateReviewer { name: String },
    /// Every reviewer is the call's agent (or there are no reviewers).
    #[error(
        "call {call_id} has no eligible reviewer: its agent {agent:?} may not review their own \
         call and no other reviewer is available"
    )]
    NoEligibleReviewer { call_id: i64, agent: String },
    #[error(
        "observation {index} (group {group:?}) has weight {weight}; weights must be finite and \
         greater than 0"
    )]
    InvalidWeight {
        index: usize,
        group: String,
        weight: f64,
    },
    #[error(transparent)]
    Stats(#[from] StatsError),
}

fn list(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}
