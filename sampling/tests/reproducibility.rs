//! Same plan, seed and calls → the same draw, whatever the row order; another seed → another
//! sample.

mod common;

use common::{contact_center, oversampling_plan, unit, units};
use earshot_sampling::{draw, Condition, Plan, Rule, Stratification, Target, Unit};

#[test]
fn same_seed_same_draw_in_any_row_order() {
    let calls = units(&contact_center(1));
    let plan = oversampling_plan();
    let first = draw(&plan, &calls, 42).unwrap();
    assert!(!first.items.is_empty());
    assert_eq!(first, draw(&plan, &calls, 42).unwrap());

    let mut reversed = calls.clone();
    reversed.reverse();
    assert_eq!(first, draw(&plan, &reversed, 42).unwrap());

    let mut by_duration = calls.clone();
    by_duration.sort_by_key(|u| (u.duration_s, std::cmp::Reverse(u.call_id)));
    assert_eq!(first, draw(&plan, &by_duration, 42).unwrap());
}

#[test]
fn another_seed_gives_another_sample_of_the_same_design() {
    let calls = units(&contact_center(1));
    let plan = oversampling_plan();
    let a = draw(&plan, &calls, 42).unwrap();
    let b = draw(&plan, &calls, 43).unwrap();
    let ids = |d: &earshot_sampling::Draw| d.items.iter().map(|i| i.call_id).collect::<Vec<_>>();
    assert_ne!(ids(&a), ids(&b));
    // Same sizes and strata: only the random choice differs.
    assert_eq!(a.per_agent, b.per_agent);
    assert_eq!(a.items.len(), b.items.len());
}

/// Pins the stream: a change to the generator, the shuffle or the visiting order would silently
/// make stored draws irreproducible, so it must show up here. The population and plan are built
/// by hand (no `rand` distribution code, no sample-size formula) so that only the draw is pinned.
/// The ids were recorded from this implementation: they check stability, not correctness.
#[test]
fn the_draw_is_stable_across_builds() {
    let calls: Vec<Unit> = (0..200i64)
        .map(|i| Unit {
            duration_s: if i % 5 == 0 {
                900
            } else {
                60 + 7 * i as u32 % 400
            },
            ..unit(10_000 + 37 * i, if i % 2 == 0 { "ana" } else { "ben" })
        })
        .collect();
    let plan = Plan {
        target: Target::Quota { per_agent: 6 },
        strata: Stratification {
            by_queue: false,
            by_call_type: false,
            duration_edges_s: vec![120],
        },
        rules: vec![Rule {
            when: Condition::LongerThan { seconds: 600 },
            factor: 3.0,
        }],
    };
    let d = draw(&plan, &calls, 7).unwrap();
    let ids: Vec<i64> = d.items.iter().map(|i| i.call_id).collect();
    assert_eq!(ids, PINNED);
}

const PINNED: [i64; 12] = [
    16364, 11702, 14070, 14440, 14810, 15328, 16401, 10333, 11517, 11813, 14625, 15291,
];
