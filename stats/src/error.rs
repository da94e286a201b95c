use thiserror::Error;

/// Why a statistic could not be computed. Every variant names the offending input, since these
/// usually surface in a dashboard's error message, a log line or an auditor's terminal.
///
/// Line numbers are 1-based, as a text editor shows them; unit and rater positions are 1-based
/// too (unit 1 is the first row of data, rater 1 the first column).
#[derive(Debug, Clone, PartialEq, Error)]
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
    /// A parameter of a distribution function outside its domain, e.g. degrees of freedom ≤ 0.
    #[error("{name} must be {expected}, got {value}")]
    Argument {
        name: &'static str,
        expected: &'static str,
        value: f64,
    },

    // ---- Rating tables (CSV) ----
    #[error("the rating table is empty: expected a header row of rater names")]
    EmptyTable,
    #[error("the rating table has a header but no data rows (one row per rated unit)")]
    NoDataRows,
    #[error("line {line} has {cells} cells, the header has {expected}")]
    RaggedRow {
        line: usize,
        cells: usize,
        expected: usize,
    },
    #[error("rater name in column {column} of the header is empty")]
    EmptyRaterName { column: usize },
    #[error("rater \"{name}\" appears twice in the header, in columns {first} and {second}")]
    DuplicateRater {
        name: String,
        first: usize,
        second: usize,
    },
    #[error("line {line}: a quoted field is never closed (missing closing double quote)")]
    UnterminatedQuote { line: usize },
    #[error(
        "line {line}: a double quote inside an unquoted field (quote the whole field and double \
         the inner quote: \"a \"\"b\"\"\")"
    )]
    StrayQuote { line: usize },
    #[error("line {line}: unexpected text after the closing double quote of a field")]
    TextAfterQuote { line: usize },
    #[error("line {line}, rater \"{rater}\": \"{value}\" is not a finite number")]
    NotANumber {
        line: usize,
        rater: String,
        value: String,
    },
    #[error("line {line}, rater \"{rater}\": missing value (this statistic needs complete rows)")]
    MissingValue { line: usize, rater: String },

    // ---- Numeric input given directly (unit × rater matrices) ----
    #[error("unit {unit}, rater {rater}: {value} is not a finite number")]
    NonFiniteValue {
        unit: usize,
        rater: usize,
        value: f64,
    },
    #[error(
        "unit {unit} has {raters} ratings, unit 1 has {expected}: every unit needs one per rater"
    )]
    RaggedUnits {
        unit: usize,
        raters: usize,
        expected: usize,
    },
    #[error("{statistic} needs at least {needed} units, got {got}")]
    TooFewUnits {
        statistic: &'static str,
        needed: usize,
        got: usize,
    },
    #[error("{statistic} needs at least {needed} raters, got {got}")]
    TooFewRaters {
        statistic: &'static str,
        needed: usize,
        got: usize,
    },

    // ---- Agreement ----
    #[error(
        "unknown level of measurement \"{0}\": expected one of nominal, ordinal, interval, ratio"
    )]
    UnknownLevel(String),
    #[error(
        "no unit has values from two or more raters, so there is no pair of values to compare"
    )]
    NoPairableValues,
    #[error(
        "unit {unit}, rater {rater}: {value} is negative, which the ratio level of measurement \
         does not allow (use interval)"
    )]
    NegativeRatioValue {
        unit: usize,
        rater: usize,
        value: f64,
    },
    #[error("Cohen's kappa compares exactly 2 raters, got {0} (use Fleiss' kappa for more)")]
    CohenNeedsTwoRaters(usize),
    #[error("no unit has a rating from every rater, so {statistic} has nothing to work on")]
    NoCompleteUnits { statistic: &'static str },
    #[error("unit {unit}, rater {rater}: category code {code} is out of range (there are {categories} categories)")]
    CategoryOutOfRange {
        unit: usize,
        rater: usize,
        code: usize,
        categories: usize,
    },

    // ---- Sample size ----
    #[error("population must be at least 1, got 0")]
    EmptyPopulation,
    #[error("margin of error must be strictly between 0 and 1, got {0}")]
    Margin(f64),
    #[error("expected proportion must be between 0 and 1, got {0}")]
    Proportion(f64),
}
