//! Sharing drawn calls among reviewers.

use std::collections::{BTreeSet, HashSet};

use serde::{Deserialize, Serialize};

use crate::{Drawn, SamplingError};

/// A call to review and the agent who handled it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkItem {
    pub call_id: i64,
    pub agent: String,
}

impl From<&Drawn> for WorkItem {
    fn from(drawn: &Drawn) -> Self {
        WorkItem {
            call_id: drawn.call_id,
            agent: drawn.agent.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reviewer {
    pub name: String,
    /// The agent names that are this reviewer (a team lead who also takes calls): they never
    /// review those calls.
    pub identities: Vec<String>,
    /// Evaluations already on the reviewer's worklist.
    pub open_load: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assignment {
    pub call_id: i64,
    pub reviewer: String,
}

/// Assigns each item to a reviewer, balancing load (`open_load` plus what this call assigns),
/// never giving a reviewer a call of one of their own identities.
///
/// Greedy "most constrained first": items are taken in order of how few reviewers may review them
/// (then by call id), and each goes to the eligible reviewer with the least load (then the first
/// by name). Scheduling the constrained items while every load is still open keeps them from
/// piling onto the few reviewers left for them at the end. When every reviewer may review every
/// item, this is the longest-processing-time rule with unit jobs, which levels loads: the final
/// loads differ by at most 1 once the items suffice to lift everyone to the largest open load.
///
/// Deterministic: the result depends only on the inputs, and comes back in the order of `items`.
///
/// Errors: a call listed twice, a reviewer name listed twice, or an item that no reviewer may
/// review (the error names the call and its agent).
pub fn assign(
    items: &[WorkItem],
    reviewers: &[Reviewer],
) -> Result<Vec<Assignment>, SamplingError> {
    let mut names = HashSet::new();
    for reviewer in reviewers {
        if !names.insert(reviewer.name.as_str()) {
            return Err(SamplingError::DuplicateReviewer {
                name: reviewer.name.clone(),
            });
        }
    }
    let mut calls = HashSet::new();
    for item in items {
        if !calls.insert(item.call_id) {
            return Err(SamplingError::DuplicateCallId {
                call_id: item.call_id,
            });
        }
    }

    // Reviewers in name order, so ties go to the same reviewer whatever the input order.
    let mut order: Vec<usize> = (0..reviewers.len()).collect();
    order.sort_by(|&a, &b| reviewers[a].name.cmp(&reviewers[b].name));
    let identities: Vec<BTreeSet<&str>> = reviewers
        .iter()
        .map(|r| r.identities.iter().map(String::as_str).collect())
        .collect();

    let eligible: Vec<Vec<usize>> = items
        .iter()
        .map(|item| {
            order
                .iter()
                .copied()
                .filter(|&r| !identities[r].contains(item.agent.as_str()))
                .collect()
        })
        .collect();
    if let Some(i) = eligible.iter().position(Vec::is_empty) {
        return Err(SamplingError::NoEligibleReviewer {
            call_id: items[i].call_id,
            agent: items[i].agent.clone(),
        });
    }

    let mut schedule: Vec<usize> = (0..items.len()).collect();
    schedule.sort_by_key(|&i| (eligible[i].len(), items[i].call_id));
    let mut load: Vec<u64> = reviewers.iter().map(|r| u64::from(r.open_load)).collect();
    let mut chosen = vec![0usize; items.len()];
    for i in schedule {
        // `eligible[i]` is non-empty and in name order; min_by_key keeps the first minimum.
        let Some(&r) = eligible[i].iter().min_by_key(|&&r| load[r]) else {
            continue;
        };
        load[r] += 1;
        chosen[i] = r;
    }
    Ok(items
        .iter()
        .zip(chosen)
        .map(|(item, r)| Assignment {
            call_id: item.call_id,
            reviewer: reviewers[r].name.clone(),
        })
        .collect())
}
