//! QA sampling plans: which calls QA reviewers evaluate, and how to turn their evaluations back
//! into pass rates for the whole population.
//!
//! Pure functions, no I/O. The app loads the calls of a period as [`Unit`]s and then:
//!
//! 1. [`draw`]s a sample under a [`Plan`]: per agent, [`needed`] calls (a precision target or a
//!    quota), spread over strata (queue × call type × duration band) in proportion to their size,
//!    with calls matching the plan's [`Rule`]s (long calls, low surveys, compliance hits, new
//!    agents) several times as likely to be drawn. Every drawn call carries its exact inclusion
//!    probability `π` and weight `1/π`. The draw is reproducible from its seed.
//! 2. [`assign`]s the drawn calls to reviewers, balancing their load and never giving a reviewer
//!    their own calls.
//! 3. [`estimate`]s pass rates per team and for the center from the evaluations, weighting each
//!    call by `1/π` so that oversampling the calls most likely to fail does not drag the rates
//!    down.
//!
//! ```
//! use earshot_sampling::{draw, estimate, Condition, Observation, Plan, Rule, Target, Unit};
//!
//! let calls: Vec<Unit> = (1..=40)
//!     .map(|id| Unit {
//!         call_id: id,
//!         agent: "ana".into(),
//!         team: Some("north".into()),
//!         queue: None,
//!         call_type: None,
//!         duration_s: if id % 4 == 0 { 900 } else { 200 },
//!         survey_low: false,
//!         compliance_hit: false,
//!         agent_tenure_days: None,
//!     })
//!     .collect();
//! let plan = Plan {
//!     target: Target::Quota { per_agent: 8 },
//!     strata: Default::default(),
//!     rules: vec![Rule { when: Condition::LongerThan { seconds: 600 }, factor: 3.0 }],
//! };
//! let sample = draw(&plan, &calls, 2024).unwrap();
//! assert_eq!(sample.items.len(), 8);
//! // 10 long calls of size 3 and 30 short of size 1 (X = 60): π = 8·3/60 = 0.4 and 8/60.
//! for item in &sample.items {
//!     let long = item.call_id % 4 == 0;
//!     let pi = if long { 0.4 } else { 8.0 / 60.0 };
//!     assert!((item.inclusion_probability - pi).abs() < 1e-12);
//! }
//!
//! let observations: Vec<Observation> = sample
//!     .items
//!     .iter()
//!     .map(|item| Observation { weight: item.weight, group: "north".into(), passed: true })
//!     .collect();
//! let rates = estimate(&observations, 0.95).unwrap();
//! assert_eq!(rates.overall.unwrap().weighted_rate, 1.0);
//! ```

mod assign;
mod draw;
mod error;
mod estimate;
mod plan;
mod rng;
mod size;

pub use assign::{assign, Assignment, Reviewer, WorkItem};
pub use draw::{
    draw, inclusion_probabilities, AgentDraw, Draw, Drawn, Inclusion, StratumDraw, MAX_POPULATION,
};
pub use error::SamplingError;
pub use estimate::{estimate, Estimates, GroupEstimate, Observation, RateEstimate};
pub use plan::{Condition, Plan, Problem, Rule, Stratification, Target, Unit, MAX_FACTOR};
pub use size::needed;
