//! Statistics for Earshot's QA dashboards (and, later, calibration and sampling).
//!
//! Pure functions, no I/O. Dashboards show rates ("calls that passed") and averages ("mean score")
//! per agent and per week; with the small samples a contact center produces, a bare percentage
//! misleads, so every figure comes with a confidence interval:
//!
//! - proportions use the [Wilson score interval](wilson), which stays inside `[0, 1]` and behaves at
//!   0 % and 100 %, where the textbook `p ± z·√(p(1−p)/n)` collapses to a point;
//! - means use the normal approximation `mean ± z·s/√n` ([`mean_estimate`]), fed with the count,
//!   sum and sum of squares so that a SQL `COUNT`/`SUM` aggregate is all the caller needs.
//!
//! ```
//! use earshot_stats::{wilson, mean_estimate};
//!
//! // 81 of 263 calls passed (Newcombe 1998, example 1): 95 % CI 0.2553 to 0.3662.
//! let ci = wilson(81, 263, 0.95).unwrap().unwrap();
//! assert_eq!((ci.low * 1e4).round(), 2553.0);
//! assert_eq!((ci.high * 1e4).round(), 3662.0);
//!
//! // Scores 70, 80, 90: mean 80, s = 10.
//! let est = mean_estimate(3, 240.0, 19_400.0, 0.95).unwrap().unwrap();
//! assert_eq!(est.mean, 80.0);
//! assert_eq!(est.sd, Some(10.0));
//! ```

mod error;
pub mod interval;
mod normal;

pub use error::StatsError;
pub use interval::{
    mean_estimate, normal_cdf, normal_quantile, wilson, z_for_confidence, Interval, MeanEstimate,
};
