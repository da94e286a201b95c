//! The survey metrics a dashboard shows per agent, team, queue and period, each with its
//! confidence interval.
//!
//! Every function takes counts or sums, so that one SQL aggregate over the answers of a group is
//! all a caller needs, e.g. for a queue and a week:
//!
//! ```sql
//! SELECT COUNT(*)                                   AS responses,   -- CSAT answers
//!        COUNT(*) FILTER (WHERE score >= 4)         AS satisfied
//! ...
//! SELECT COUNT(*), COUNT(*) FILTER (WHERE score >= 9), COUNT(*) FILTER (WHERE score <= 6)
//! ...                                                               -- NPS answers
//! SELECT COUNT(*), SUM(score), SUM(score * score) ...               -- CES answers
//! ```
//!
//! Each returns `Ok(None)` for a group without answers (there is nothing to estimate), and an
//! error for counts that cannot come from one set of answers (more satisfied answers than
//! answers, a CES sum beyond 7 per answer): such inputs are a caller's bug, typically a wrong
//! column, and are reported rather than turned into a plausible-looking figure.
//!
//! Shares (CSAT, first-contact resolution, response rate) are fractions in `[0, 1]` with a
//! [Wilson interval](earshot_stats::wilson); NPS is a fraction in `[−1, 1]` (dashboards multiply
//! it by 100 to show the usual −100 to +100).

use earshot_stats::{mean_estimate, wilson, z_for_confidence, Interval, MeanEstimate, StatsError};
use serde::Serialize;

/// The lowest CSAT score that counts as satisfied: CSAT is the share of 4s and 5s on the
/// five-point scale ("top-two box").
pub const CSAT_SATISFIED_MIN: u8 = 4;
/// NPS promoters answer 9 or 10 (Reichheld 2003).
pub const NPS_PROMOTER_MIN: u8 = 9;
/// NPS detractors answer 0 to 6 (Reichheld 2003); 7 and 8 are passives.
pub const NPS_DETRACTOR_MAX: u8 = 6;

/// Where an NPS answer falls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NpsCategory {
    /// 9–10.
    Promoter,
    /// 7–8.
    Passive,
    /// 0–6.
    Detractor,
}

impl NpsCategory {
    /// The category of an NPS score (0–10; anything above 10 counts as a promoter, since
    /// answers are checked against the scale when they are read).
    pub const fn of(score: u8) -> NpsCategory {
        if score >= NPS_PROMOTER_MIN {
            NpsCategory::Promoter
        } else if score > NPS_DETRACTOR_MAX {
            NpsCategory::Passive
        } else {
            NpsCategory::Detractor
        }
    }
}

/// Whether a CSAT score counts as satisfied (4 or 5).
pub const fn csat_satisfied(score: u8) -> bool {
    score >= CSAT_SATISFIED_MIN
}

/// Why a metric could not be computed. The messages name the inputs as given.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MetricError {
    #[error("{what} ({count}) exceed {of} ({total})")]
    CountExceedsTotal {
        what: &'static str,
        count: u64,
        of: &'static str,
        total: u64,
    },
    #[error(
        "promoters ({promoters}) and detractors ({detractors}) together exceed the NPS \
         responses ({responses})"
    )]
    NpsCounts {
        promoters: u64,
        detractors: u64,
        responses: u64,
    },
    #[error(
        "a sum of {sum} cannot come from {n} CES answers of 1 to 7 \
         (it must be between {n} and {max})", max = u128::from(*.n) * 7
    )]
    CesSum { n: u64, sum: u64 },
    #[error(
        "a sum of squares of {sum_sq} cannot come from {n} CES answers of 1 to 7 that sum to \
         {sum} (it must be between sum²/n and 8·sum − 7·n)"
    )]
    CesSumOfSquares { n: u64, sum: u64, sum_sq: u64 },
    /// A confidence level outside (0, 1).
    #[error(transparent)]
    Stats(#[from] StatsError),
}

/// A proportion of answers (or of calls) with its Wilson interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Share {
    /// The answers that count (satisfied, resolved, responded).
    pub count: u64,
    /// Out of these.
    pub n: u64,
    /// `count / n`.
    pub share: f64,
    pub interval: Interval,
}

fn share(
    what: &'static str,
    count: u64,
    of: &'static str,
    n: u64,
    confidence: f64,
) -> Result<Option<Share>, MetricError> {
    z_for_confidence(confidence)?;
    if count > n {
        return Err(MetricError::CountExceedsTotal {
            what,
            count,
            of,
            total: n,
        });
    }
    Ok(wilson(count, n, confidence)?.map(|interval| Share {
        count,
        n,
        share: count as f64 / n as f64,
        interval,
    }))
}

/// CSAT: the share of CSAT answers that are 4 or 5 ([`csat_satisfied`]), with a Wilson score
/// interval (Wilson 1927; preferred to `p ± z·√(p(1−p)/n)` for the small groups of a per-agent
/// dashboard, Newcombe 1998).
pub fn csat(satisfied: u64, responses: u64, confidence: f64) -> Result<Option<Share>, MetricError> {
    share(
        "satisfied answers",
        satisfied,
        "CSAT answers",
        responses,
        confidence,
    )
}

/// First-contact resolution: the share of yes answers to the survey's resolution question
/// ("Was your issue resolved?"), with a Wilson interval.
pub fn fcr(resolved: u64, responses: u64, confidence: f64) -> Result<Option<Share>, MetricError> {
    share(
        "resolved answers",
        resolved,
        "answers to the resolution question",
        responses,
        confidence,
    )
}

/// Response rate: the share of calls offered the survey (transferred to the keypad survey, or
/// sent a link) that answered at least one question, with a Wilson interval. A low rate is why a
/// CSAT can mislead (those who answer differ from those who do not), so dashboards show it
/// beside every survey metric.
pub fn response_rate(
    responses: u64,
    offered: u64,
    confidence: f64,
) -> Result<Option<Share>, MetricError> {
    share(
        "responses",
        responses,
        "calls offered the survey",
        offered,
        confidence,
    )
}

/// How the NPS interval is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NpsMethod {
    /// Wald on the counts after adding ¾ promoter, ¾ detractor and 3 responses (so 1½
    /// passives): Rocks (2016), "Interval estimation for the 'net promoter score'", The American
    /// Statistician 70(4), 365–372, found it the best of six methods in coverage and width,
    /// and it does not collapse to a point when every answer is a promoter. The interval is
    /// centred on the adjusted score, as the Agresti–Coull interval for one proportion is.
    #[default]
    AdjustedWald,
    /// The plain normal approximation `nps ± z·√((p + d − (p − d)²)/n)`. Collapses to a point at
    /// 100 % promoters or 100 % detractors; kept for comparison with reports that use it.
    Wald,
}

/// A Net Promoter Score with its interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct NetScore {
    /// NPS answers.
    pub n: u64,
    pub promoters: u64,
    pub passives: u64,
    pub detractors: u64,
    /// `(promoters − detractors) / n`, in `[−1, 1]`: the score as observed (not the adjusted
    /// centre of an adjusted-Wald interval).
    pub score: f64,
    /// Clipped to `[−1, 1]`.
    pub interval: Interval,
    pub method: NpsMethod,
}

/// NPS: the share of promoters (9–10) minus the share of detractors (0–6), with the
/// adjusted-Wald interval of Rocks (2016) ([`NpsMethod::AdjustedWald`]).
///
/// The variance is that of a difference of two shares of one multinomial sample. With `p` and
/// `d` the promoter and detractor shares of `n` answers, `Var(p̂) = p(1−p)/n`,
/// `Var(d̂) = d(1−d)/n` and `Cov(p̂, d̂) = −pd/n`, so
/// `Var(p̂ − d̂) = (p(1−p) + d(1−d) + 2pd)/n = (p + d − (p − d)²)/n`; equivalently the variance
/// of the mean of answers scored +1, 0 and −1 (Rocks 2016, §2).
pub fn nps(
    promoters: u64,
    detractors: u64,
    responses: u64,
    confidence: f64,
) -> Result<Option<NetScore>, MetricError> {
    nps_with_method(
        promoters,
        detractors,
        responses,
        confidence,
        NpsMethod::AdjustedWald,
    )
}

/// [`nps`] with a choice of interval.
pub fn nps_with_method(
    promoters: u64,
    detractors: u64,
    responses: u64,
    confidence: f64,
    method: NpsMethod,
) -> Result<Option<NetScore>, MetricError> {
    let z = z_for_confidence(confidence)?;
    let passives = promoters
        .checked_add(detractors)
        .and_then(|sum| responses.checked_sub(sum))
        .ok_or(MetricError::NpsCounts {
            promoters,
            detractors,
            responses,
        })?;
    if responses == 0 {
        return Ok(None);
    }
    let (p, d, n) = match method {
        NpsMethod::Wald => (promoters as f64, detractors as f64, responses as f64),
        NpsMethod::AdjustedWald => (
            promoters as f64 + 0.75,
            detractors as f64 + 0.75,
            responses as f64 + 3.0,
        ),
    };
    let (p, d) = (p / n, d / n);
    let centre = p - d;
    // p + d ≥ (p − d)² for shares of one sample; max(0) keeps rounding at p = 1 from going below.
    let variance = ((p + d - centre * centre) / n).max(0.0);
    let half = z * variance.sqrt();
    Ok(Some(NetScore {
        n: responses,
        promoters,
        passives,
        detractors,
        score: (promoters as f64 - detractors as f64) / responses as f64,
        interval: Interval {
            low: (centre - half).max(-1.0),
            high: (centre + half).min(1.0),
        },
        method,
    }))
}

/// CES: the mean Customer Effort Score (1–7) of `n` answers given their `sum` and sum of squares
/// `sum_sq` (SQL `COUNT(score), SUM(score), SUM(score * score)`), with the normal-approximation
/// interval `mean ± z·s/√n` of [`earshot_stats::mean_estimate`].
///
/// Sums are integers, as the answers are, so consistency is checked exactly: `n ≤ sum ≤ 7n`;
/// `sum_sq ≥ sum²/n` (Cauchy–Schwarz); and `sum_sq ≤ 8·sum − 7n`, since every answer `x` in
/// `1..=7` has `(x − 1)(x − 7) ≤ 0`, i.e. `x² ≤ 8x − 7`.
///
/// `Ok(None)` for `n = 0`; for `n = 1` the mean without spread or interval.
pub fn ces(
    n: u64,
    sum: u64,
    sum_sq: u64,
    confidence: f64,
) -> Result<Option<MeanEstimate>, MetricError> {
    z_for_confidence(confidence)?;
    let (n128, sum128, sum_sq128) = (u128::from(n), u128::from(sum), u128::from(sum_sq));
    if !(n128..=7 * n128).contains(&sum128) {
        return Err(MetricError::CesSum { n, sum });
    }
    // 8·sum ≥ 8n > 7n, so the subtraction cannot underflow.
    if n128 * sum_sq128 < sum128 * sum128 || sum_sq128 > 8 * sum128 - 7 * n128 {
        return Err(MetricError::CesSumOfSquares { n, sum, sum_sq });
    }
    Ok(mean_estimate(n, sum as f64, sum_sq as f64, confidence)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories() {
        let cats: Vec<NpsCategory> = (0..=10).map(NpsCategory::of).collect();
        use NpsCategory::*;
        assert_eq!(
            cats,
            [
                Detractor, Detractor, Detractor, Detractor, Detractor, Detractor, Detractor,
                Passive, Passive, Promoter, Promoter
            ]
        );
        assert_eq!(
            (1..=5).map(csat_satisfied).collect::<Vec<_>>(),
            [false, false, false, true, true]
        );
    }

    #[test]
    fn confidence_is_checked_even_without_data() {
        let bad = MetricError::Stats(StatsError::Confidence(1.0));
        assert_eq!(csat(0, 0, 1.0), Err(bad.clone()));
        assert_eq!(nps(0, 0, 0, 1.0), Err(bad.clone()));
        assert_eq!(ces(0, 0, 0, 1.0), Err(bad.clone()));
        assert_eq!(response_rate(0, 0, 1.0), Err(bad));
        assert_eq!(
            fcr(0, 0, 0.0).unwrap_err().to_string(),
            "confidence must be between 0 and 1, got 0"
        );
    }
}
