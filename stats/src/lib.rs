//! Statistics for Earshot's QA dashboards, calibration sessions and sampling plans.
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
//! Calibration (do our evaluators score alike?) reads a [`RatingTable`], one column per rater,
//! one row per call, usually from CSV, and measures agreement with
//!
//! - [`krippendorff_alpha`]: any number of raters, missing ratings allowed, at the nominal,
//!   ordinal, interval or ratio [`Level`];
//! - [`cohen_kappa`] (two raters) and [`fleiss_kappa`] (more), for categories such as pass/fail;
//! - [`icc()`]: the six intraclass correlations of Shrout & Fleiss (1979) for numeric scores, with
//!   F tests and confidence intervals from the F distribution in [`distributions`].
//!
//! Sampling plans use [`sample_size_for_proportion`]: how many calls to evaluate to estimate a
//! rate within a margin of error. Key drivers (which scorecard questions go with customer
//! satisfaction) use [`pearson`] and [`spearman`] correlations with their tests and intervals.
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
//!
//! ```
//! use earshot_stats::{fleiss_kappa, icc, krippendorff_alpha, Level, RatingTable};
//!
//! let table = RatingTable::parse_csv("ann,bo,cy\npass,pass,pass\nfail,fail,pass\nfail,,fail\n")
//!     .unwrap();
//! let nominal = table.nominal();
//! let alpha = krippendorff_alpha(&nominal.as_values(), Level::Nominal).unwrap();
//! assert_eq!(alpha.units_used, 3);
//! let kappa = fleiss_kappa(&nominal).unwrap();
//! assert_eq!(kappa.units_left_out, 1); // Fleiss needs every rater on every unit.
//!
//! // Shrout & Fleiss (1979), Table 2 data: ICC(2,1) = .29 (their Table 4).
//! let scores = RatingTable::parse_csv("j1,j2,j3,j4\n9,2,5,8\n6,1,3,2\n8,4,6,8\n7,1,2,6\n10,5,6,9\n6,2,4,7")
//!     .unwrap()
//!     .complete_numeric()
//!     .unwrap();
//! let report = icc(&scores).unwrap(); // 95 % intervals; icc_with_confidence for others
//! let icc21 = report.icc2_1().value.unwrap();
//! assert_eq!((icc21 * 100.0).round(), 29.0);
//! ```

pub mod agreement;
pub mod correlation;
pub mod distributions;
mod error;
pub mod icc;
pub mod interval;
mod normal;
pub mod ratings;
pub mod sample_size;

pub use agreement::{
    cohen_kappa, cohen_kappa_with_confidence, fleiss_kappa, krippendorff_alpha, Alpha, Kappa,
    KappaMethod, Level,
};
pub use correlation::{
    average_ranks, pearson, spearman, Correlation, CorrelationError, CorrelationMethod,
};
pub use error::StatsError;
pub use icc::{icc, icc_with_confidence, Anova, IccEstimate, IccForm, IccReport};
pub use interval::{
    mean_estimate, normal_cdf, normal_quantile, wilson, z_for_confidence, Interval, MeanEstimate,
};
pub use ratings::{NominalRatings, RatingTable};
pub use sample_size::{sample_size_for_proportion, SampleSize};
