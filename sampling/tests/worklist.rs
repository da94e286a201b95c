//! Sharing drawn calls among reviewers.

use std::collections::BTreeMap;

use earshot_sampling::{assign, Assignment, Reviewer, SamplingError, WorkItem};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn reviewer(name: &str, identities: &[&str], open_load: u32) -> Reviewer {
    Reviewer {
        name: name.into(),
        identities: identities.iter().map(|s| s.to_string()).collect(),
        open_load,
    }
}

fn item(call_id: i64, agent: &str) -> WorkItem {
    WorkItem {
        call_id,
        agent: agent.into(),
    }
}

fn final_loads(reviewers: &[Reviewer], assignments: &[Assignment]) -> BTreeMap<String, u64> {
    let mut loads: BTreeMap<String, u64> = reviewers
        .iter()
        .map(|r| (r.name.clone(), u64::from(r.open_load)))
        .collect();
    for a in assignments {
        *loads.get_mut(&a.reviewer).unwrap() += 1;
    }
    loads
}

#[test]
fn loads_end_within_one_when_everyone_is_eligible() {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    for case in 0..200 {
        let k = rng.gen_range(1..8);
        let reviewers: Vec<Reviewer> = (0..k)
            .map(|i| {
                reviewer(
                    &format!("rev{i}"),
                    &[&format!("lead{i}")],
                    rng.gen_range(0..6),
                )
            })
            .collect();
        // Enough items to lift everyone to the largest open load, plus some.
        let max_open = reviewers.iter().map(|r| r.open_load).max().unwrap();
        let deficit: u32 = reviewers.iter().map(|r| max_open - r.open_load).sum();
        let n = deficit + rng.gen_range(0..40);
        let items: Vec<WorkItem> = (0..n)
            .map(|i| {
                item(
                    1000 + i64::from(i),
                    &format!("agent{}", rng.gen_range(0..20)),
                )
            })
            .collect();
        let assignments = assign(&items, &reviewers).unwrap();
        // In the order of the items.
        let ids: Vec<i64> = assignments.iter().map(|a| a.call_id).collect();
        assert_eq!(ids, items.iter().map(|i| i.call_id).collect::<Vec<_>>());
        let loads = final_loads(&reviewers, &assignments);
        let (min, max) = (loads.values().min().unwrap(), loads.values().max().unwrap());
        assert!(max - min <= 1, "case {case}: loads {loads:?}");
    }
}

#[test]
fn nobody_reviews_their_own_calls() {
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    let mut checked = 0;
    for _ in 0..300 {
        let agents = ["ana", "ben", "cai", "dee", "eli", "fay"];
        let k = rng.gen_range(1..5);
        // Reviewers who also take calls, some under two agent names.
        let reviewers: Vec<Reviewer> = (0..k)
            .map(|i| {
                let mut identities = vec![agents[rng.gen_range(0..agents.len())]];
                if rng.gen_bool(0.3) {
                    identities.push(agents[rng.gen_range(0..agents.len())]);
                }
                reviewer(&format!("rev{i}"), &identities, rng.gen_range(0..4))
            })
            .collect();
        let items: Vec<WorkItem> = (0..rng.gen_range(1..30))
            .map(|i| item(i, agents[rng.gen_range(0..agents.len())]))
            .collect();
        let blocked = items
            .iter()
            .find(|it| reviewers.iter().all(|r| r.identities.contains(&it.agent)));
        match (assign(&items, &reviewers), blocked) {
            (Ok(assignments), None) => {
                for (a, it) in assignments.iter().zip(&items) {
                    let r = reviewers.iter().find(|r| r.name == a.reviewer).unwrap();
                    assert!(
                        !r.identities.contains(&it.agent),
                        "{} got their own call {}",
                        r.name,
                        it.call_id
                    );
                }
                checked += 1;
            }
            (Err(SamplingError::NoEligibleReviewer { .. }), Some(_)) => {}
            (result, blocked) => panic!("{result:?} with blocked item {blocked:?}"),
        }
    }
    assert!(checked > 100, "too few solvable cases: {checked}");
}

#[test]
fn the_most_constrained_calls_go_first() {
    // Alba also takes calls as "alba". Processing in input order would give the two "zed"
    // calls one each to Alba and Bo (ties go by name), then both "alba" calls to Bo: 1 and 3.
    // Placing the calls only Bo may review first gives 2 and 2.
    let reviewers = [reviewer("Alba", &["alba"], 0), reviewer("Bo", &[], 0)];
    let items = [
        item(1, "zed"),
        item(2, "zed"),
        item(3, "alba"),
        item(4, "alba"),
    ];
    let assignments = assign(&items, &reviewers).unwrap();
    let loads = final_loads(&reviewers, &assignments);
    assert_eq!(loads["Alba"], 2);
    assert_eq!(loads["Bo"], 2);
    assert!(assignments
        .iter()
        .filter(|a| a.call_id >= 3)
        .all(|a| a.reviewer == "Bo"));
}

#[test]
fn the_result_does_not_depend_on_reviewer_order() {
    let a = [
        reviewer("Alba", &[], 3),
        reviewer("Bo", &[], 1),
        reviewer("Cy", &["x"], 0),
    ];
    let b = [a[2].clone(), a[0].clone(), a[1].clone()];
    let items: Vec<WorkItem> = (0..9)
        .map(|i| item(i, if i % 3 == 0 { "x" } else { "y" }))
        .collect();
    assert_eq!(assign(&items, &a).unwrap(), assign(&items, &b).unwrap());
}

#[test]
fn a_call_only_its_own_agent_could_review_is_an_error() {
    let reviewers = [reviewer("Ana Lead", &["ana"], 0)];
    let err = assign(&[item(7, "bo"), item(42, "ana")], &reviewers).unwrap_err();
    assert_eq!(
        err,
        SamplingError::NoEligibleReviewer {
            call_id: 42,
            agent: "ana".into()
        }
    );
    assert_eq!(
        err.to_string(),
        "call 42 has no eligible reviewer: its agent \"ana\" may not review their own call and \
         no other reviewer is available"
    );
    // No reviewers at all.
    assert!(matches!(
        assign(&[item(1, "bo")], &[]),
        Err(SamplingError::NoEligibleReviewer { call_id: 1, .. })
    ));
    assert_eq!(assign(&[], &[]).unwrap(), vec![]);
}

#[test]
fn duplicates_are_rejected() {
    let r = reviewer("Ana", &[], 0);
    assert_eq!(
        assign(&[item(1, "x")], &[r.clone(), r.clone()]).unwrap_err(),
        SamplingError::DuplicateReviewer { name: "Ana".into() }
    );
    assert_eq!(
        assign(&[item(1, "x"), item(1, "y")], &[r]).unwrap_err(),
        SamplingError::DuplicateCallId { call_id: 1 }
    );
}
