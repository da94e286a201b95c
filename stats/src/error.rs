use thiserror::Error;

/// Why a statistic could not be computed. Every variant names the offending input, since these
/// usually surface in a dashboard's error message or a log line.
#[derive(Debug, Clone, Copy, PartialEq, Error)]
pub enum StatsError {
    #[error("confidence must be between 0 and 1, got {0}")]
    Confidence(f64),
    #[error("probability must be between 0 and 1, got {0}")]
    Probability(f64),
    #[error("successes ({successes}) exceed the number of trials ({n})")]
    SuccessesExceedTrials { successes: u64, n: u64 },
    #[error("sum and sum of squares must be finite, got sum {sum} and sum of squares {sum_sq}")]
    NonFinite { sum: f64, sum_sq: f64 },
    /// `sum_sq` is smaller than `sum²/n` by more than rounding explains (or negative): the inputs
    /// cannot come from the same values, typically a caller passing the wrong column.
    #[error(
        "sum of squares {sum_sq} is inconsistent with sum {sum} over {n} values \
         (it must be at least sum²/n)"
    )]
    InconsistentSums { n: u64, sum: f64, sum_sq: f64 },
}
