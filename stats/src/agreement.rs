//! Inter-rater agreement for calibration sessions: Krippendorff's alpha (any number of raters,
//! missing ratings, nominal to ratio data), Cohen's kappa (two raters, nominal) and Fleiss'
//! kappa (many raters, nominal).
//!
//! All three compare the agreement observed with the agreement expected by chance, so that
//! raters who all mark 95 % of calls "pass" do not look reliable merely by agreeing on the
//! common case: 1 is perfect agreement, 0 is chance level, below 0 systematic disagreement.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::interval::Interval;
use crate::normal::{normal_cdf, z_for_confidence};
use crate::ratings::NominalRatings;
use crate::StatsError;

/// Level of measurement of the ratings, which decides how much two different values disagree
/// (Krippendorff's difference function δ²).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Categories: two values either agree or not (`δ² = 0` or `1`). Values are codes; any
    /// numbers will do.
    Nominal,
    /// Ranks: the difference between two values grows with how many ratings fall between them
    /// (so it depends on the data, not on the numbers' spacing).
    Ordinal,
    /// Equal-interval scores: `δ² = (c − k)²`.
    Interval,
    /// Scores with a true zero: `δ² = ((c − k)/(c + k))²`; values must not be negative.
    Ratio,
}

impl Level {
    pub const ALL: [Level; 4] = [
        Level::Nominal,
        Level::Ordinal,
        Level::Interval,
        Level::Ratio,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Nominal => "nominal",
            Level::Ordinal => "ordinal",
            Level::Interval => "interval",
            Level::Ratio => "ratio",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Level {
    type Err = StatsError;

    /// Case-insensitive, surrounding spaces ignored: `"Nominal"`, `" ratio"`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim();
        Level::ALL
            .into_iter()
            .find(|level| level.as_str().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| StatsError::UnknownLevel(s.to_owned()))
    }
}

/// Krippendorff's alpha with the quantities it is made of.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alpha {
    pub level: Level,
    /// `1 − D_o/D_e`. `None` when the expected disagreement `D_e` is 0, which happens exactly
    /// when every pairable value is the same: there is no variation for the raters to agree on,
    /// and alpha is undefined (0/0), not 1.
    pub alpha: Option<f64>,
    /// `D_o`: mean difference δ² between values within the same unit.
    pub observed_disagreement: f64,
    /// `D_e`: mean difference δ² between any two pairable values, regardless of unit.
    pub expected_disagreement: f64,
    /// All units (rows) given.
    pub units_total: usize,
    /// Units with two or more values, the only ones that hold a pair to compare.
    pub units_used: usize,
    /// Units with fewer than two values, left out as the definition says.
    pub units_left_out: usize,
    /// `n`, the number of values in the units used (Krippendorff's `n..`).
    pub pairable_values: usize,
}

/// Krippendorff's alpha for `units`, one row per unit with one entry per rater (`None` for a
/// missing rating; rows need not have the same length), as [`RatingTable::numeric`] gives them,
/// or [`NominalRatings::as_values`] for labelled categories.
///
/// [`RatingTable::numeric`]: crate::RatingTable::numeric
///
/// The coincidence-matrix formulation of Krippendorff (2011), "Computing Krippendorff's
/// Alpha-Reliability": each unit `u` with `m_u ≥ 2` values contributes every ordered pair of its
/// values with weight `1/(m_u − 1)` to the coincidences `o_ck`; with `n_c = Σ_k o_ck` and
/// `n = Σ_c n_c`,
///
/// `D_o = (1/n) Σ_c Σ_k o_ck δ²_ck`,  `D_e = 1/(n(n − 1)) Σ_c Σ_k n_c n_k δ²_ck`,
/// `α = 1 − D_o/D_e`,
///
/// with `δ²` from the [`Level`]: nominal `[c ≠ k]`, ordinal `(Σ_{g=c..k} n_g − (n_c + n_k)/2)²`,
/// interval `(c − k)²`, ratio `((c − k)/(c + k))²` (0 when both are 0). Units with fewer than
/// two values are left out and counted in [`Alpha::units_left_out`].
///
/// Errors for a non-finite value, a negative value at the ratio level, and for data without a
/// single unit holding two values.
pub fn krippendorff_alpha(units: &[Vec<Option<f64>>], level: Level) -> Result<Alpha, StatsError> {
    let mut used: Vec<Vec<f64>> = Vec::new();
    for (u, unit) in units.iter().enumerate() {
        let mut values = Vec::with_capacity(unit.len());
        for (r, value) in unit.iter().enumerate() {
            let Some(value) = *value else { continue };
            if !value.is_finite() {
                return Err(StatsError::NonFiniteValue {
                    unit: u + 1,
                    rater: r + 1,
                    value,
                });
            }
            if level == Level::Ratio && value < 0.0 {
                return Err(StatsError::NegativeRatioValue {
                    unit: u + 1,
                    rater: r + 1,
                    value,
                });
            }
            // `+ 0.0` turns −0 into +0, which `total_cmp` below would otherwise tell apart.
            values.push(value + 0.0);
        }
        if values.len() >= 2 {
            used.push(values);
        }
    }
    let n: usize = used.iter().map(Vec::len).sum();
    if n == 0 {
        return Err(StatsError::NoPairableValues);
    }

    // The distinct values, sorted (ordinal ranks), and how often each occurs among the pairable
    // values (n_c).
    let mut distinct: Vec<f64> = used.iter().flatten().copied().collect();
    distinct.sort_by(f64::total_cmp);
    distinct.dedup();
    let index = |v: f64| {
        distinct
            .binary_search_by(|d| d.total_cmp(&v))
            .expect("every pairable value is among the distinct values")
    };
    let mut counts = vec![0.0_f64; distinct.len()];
    for &v in used.iter().flatten() {
        counts[index(v)] += 1.0;
    }
    // below[i] = Σ_{g < i} n_g, so Σ_{g=c..k} n_g = below[k + 1] − below[c].
    let mut below = vec![0.0_f64; distinct.len() + 1];
    for (i, &count) in counts.iter().enumerate() {
        below[i + 1] = below[i] + count;
    }
    let delta2 = |i: usize, j: usize| -> f64 {
        if i == j {
            return 0.0;
        }
        let (c, k) = (distinct[i], distinct[j]);
        match level {
            Level::Nominal => 1.0,
            Level::Ordinal => {
                let (lo, hi) = if i < j { (i, j) } else { (j, i) };
                let d = below[hi + 1] - below[lo] - (counts[lo] + counts[hi]) / 2.0;
                d * d
            }
            Level::Interval => (c - k) * (c - k),
            // c + k > 0 here: values are ≥ 0 and distinct.
            Level::Ratio => ((c - k) / (c + k)).powi(2),
        }
    };

    // Σ_c Σ_k o_ck δ²_ck, unit by unit: each ordered pair (i ≠ j) within a unit weighs
    // 1/(m_u − 1); δ² is symmetric, so unordered pairs count twice.
    let mut observed = 0.0;
    for unit in &used {
        let idx: Vec<usize> = unit.iter().map(|&v| index(v)).collect();
        let mut sum = 0.0;
        for (a, &i) in idx.iter().enumerate() {
            for &j in &idx[a + 1..] {
                sum += 2.0 * delta2(i, j);
            }
        }
        observed += sum / (unit.len() - 1) as f64;
    }
    let mut expected = 0.0;
    for i in 0..distinct.len() {
        for j in 0..distinct.len() {
            expected += counts[i] * counts[j] * delta2(i, j);
        }
    }
    let nf = n as f64;
    let observed_disagreement = observed / nf;
    let expected_disagreement = expected / (nf * (nf - 1.0));
    Ok(Alpha {
        level,
        alpha: (expected_disagreement > 0.0)
            .then(|| 1.0 - observed_disagreement / expected_disagreement),
        observed_disagreement,
        expected_disagreement,
        units_total: units.len(),
        units_used: used.len(),
        units_left_out: units.len() - used.len(),
        pairable_values: n,
    })
}

/// Which kappa a [`Kappa`] holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum KappaMethod {
    /// Cohen (1960): two fixed raters, chance agreement from each rater's own marginals.
    Cohen,
    /// Fleiss (1971): `m` ratings per unit, chance agreement from the pooled marginals.
    Fleiss,
}

/// A kappa statistic with its ingredients and its uncertainty.
///
/// Only units rated by every rater take part; the others are counted in `units_left_out`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Kappa {
    pub method: KappaMethod,
    /// `(p_o − p_e)/(1 − p_e)`. `None` when `p_e = 1`, i.e. every rating is in the same
    /// category: agreement cannot be told from chance (0/0).
    pub kappa: Option<f64>,
    /// Cohen: `p_o`, the share of units both raters put in the same category. Fleiss: `P̄`, the
    /// mean over units of the share of agreeing rater pairs.
    pub observed_agreement: f64,
    /// Cohen: `p_e = Σ p_i· p_·i`. Fleiss: `P̄_e = Σ p_j²`.
    pub expected_agreement: f64,
    pub units_used: usize,
    pub units_left_out: usize,
    pub raters: usize,
    /// Category labels (all of them, including any seen only in units left out).
    pub categories: Vec<String>,
    /// Large-sample standard error of kappa (Cohen only: Fleiss, Cohen & Everitt 1969, eq. 13).
    /// No comparably established non-null formula exists for Fleiss' kappa, so it is `None`
    /// there.
    pub standard_error: Option<f64>,
    /// `kappa ± z·standard_error`, clipped to `[−1, 1]` (Cohen only).
    pub interval: Option<Interval>,
    /// The confidence level of `interval`.
    pub confidence: Option<f64>,
    /// Standard error under the null hypothesis κ = 0, for the test: Fleiss, Cohen & Everitt
    /// (1969) eq. 14 for Cohen's kappa, Fleiss, Nee & Landis (1979) eq. 12 for Fleiss'.
    pub null_standard_error: Option<f64>,
    /// `kappa / null_standard_error`.
    pub z: Option<f64>,
    /// Two-sided p-value of `z` against the standard normal.
    pub p_value: Option<f64>,
}

/// [`cohen_kappa_with_confidence`] with a 95 % interval.
pub fn cohen_kappa(ratings: &NominalRatings) -> Result<Kappa, StatsError> {
    cohen_kappa_with_confidence(ratings, 0.95)
}

/// Cohen's kappa (Cohen 1960) for the two raters of `ratings`, with the large-sample standard
/// error and `confidence` interval of Fleiss, Cohen & Everitt (1969), "Large sample standard
/// errors of kappa and weighted kappa", Psychological Bulletin 72(5), eq. 13, and their null
/// standard error (eq. 14) for the test of κ = 0.
///
/// With `p_ij` the share of units rater A put in category i and rater B in j:
/// `p_o = Σ p_ii`, `p_e = Σ p_i· p_·i`, `κ = (p_o − p_e)/(1 − p_e)`, and
///
/// `Var(κ) = [Σ_i p_ii((1 − p_e) − (p_i· + p_·i)(1 − p_o))² + (1 − p_o)² Σ_{i≠j} p_ij (p_·i + p_j·)²
///   − (p_o p_e − 2p_e + p_o)²] / (n (1 − p_e)⁴)`,
///
/// `Var₀(κ) = [p_e + p_e² − Σ_i p_i· p_·i (p_i· + p_·i)] / (n (1 − p_e)²)`.
///
/// Units missing either rating are left out. Errors unless there are exactly two raters, at
/// least one unit rated by both, and a valid `confidence`.
pub fn cohen_kappa_with_confidence(
    ratings: &NominalRatings,
    confidence: f64,
) -> Result<Kappa, StatsError> {
    let z_crit = z_for_confidence(confidence)?;
    if ratings.raters() != 2 {
        return Err(StatsError::CohenNeedsTwoRaters(ratings.raters()));
    }
    let q = ratings.categories().len();
    let mut table = vec![vec![0.0_f64; q]; q];
    let mut used = 0_usize;
    for unit in ratings.units() {
        if let [Some(a), Some(b)] = unit[..] {
            table[a][b] += 1.0;
            used += 1;
        }
    }
    if used == 0 {
        return Err(StatsError::NoCompleteUnits {
            statistic: "Cohen's kappa",
        });
    }
    let n = used as f64;
    let p: Vec<Vec<f64>> = table
        .iter()
        .map(|row| row.iter().map(|&c| c / n).collect())
        .collect();
    let row: Vec<f64> = p.iter().map(|r| r.iter().sum()).collect();
    let col: Vec<f64> = (0..q).map(|j| p.iter().map(|r| r[j]).sum()).collect();
    let po: f64 = (0..q).map(|i| p[i][i]).sum();
    let pe: f64 = (0..q).map(|i| row[i] * col[i]).sum();

    let mut result = Kappa {
        method: KappaMethod::Cohen,
        kappa: None,
        observed_agreement: po,
        expected_agreement: pe,
        units_used: used,
        units_left_out: ratings.units().len() - used,
        raters: 2,
        categories: ratings.categories().to_vec(),
        standard_error: None,
        interval: None,
        confidence: Some(confidence),
        null_standard_error: None,
        z: None,
        p_value: None,
    };
    // p_e < 1 unless both raters used a single, common category throughout.
    if pe >= 1.0 {
        return Ok(result);
    }
    let kappa = (po - pe) / (1.0 - pe);

    // Fleiss, Cohen & Everitt (1969) eq. 13.
    let diagonal: f64 = (0..q)
        .map(|i| p[i][i] * ((1.0 - pe) - (row[i] + col[i]) * (1.0 - po)).powi(2))
        .sum();
    let mut off_diagonal = 0.0;
    for i in 0..q {
        for j in 0..q {
            if i != j {
                off_diagonal += p[i][j] * (col[i] + row[j]).powi(2);
            }
        }
    }
    let correction = (po * pe - 2.0 * pe + po).powi(2);
    // Exactly 0 at perfect agreement; rounding can take it a hair below.
    let variance = ((diagonal + (1.0 - po).powi(2) * off_diagonal - correction)
        / (n * (1.0 - pe).powi(4)))
    .max(0.0);
    let se = variance.sqrt();

    // Eq. 14, with its two sums over cells collapsed algebraically into one over categories.
    let null_variance = (pe + pe * pe
        - (0..q)
            .map(|i| row[i] * col[i] * (row[i] + col[i]))
            .sum::<f64>())
        / (n * (1.0 - pe).powi(2));
    let se0 = null_variance.max(0.0).sqrt();

    result.kappa = Some(kappa);
    result.standard_error = Some(se);
    result.interval = Some(Interval {
        low: (kappa - z_crit * se).max(-1.0),
        high: (kappa + z_crit * se).min(1.0),
    });
    fill_test(&mut result, kappa, se0);
    Ok(result)
}

/// Fleiss' kappa (Fleiss 1971, "Measuring nominal scale agreement among many raters",
/// Psychological Bulletin 76(5)) for units each rated by all `m = ratings.raters()` raters, with
/// the null standard error of Fleiss, Nee & Landis (1979), Psychological Bulletin 86(5), eq. 12,
/// for the test of κ = 0.
///
/// With `n_ij` the number of raters who put unit `i` in category `j`, `N` units:
/// `P_i = (Σ_j n_ij² − m)/(m(m − 1))`, `P̄ = mean P_i`, `p_j = Σ_i n_ij/(N m)`, `P̄_e = Σ p_j²`,
/// `κ = (P̄ − P̄_e)/(1 − P̄_e)`, and with `q_j = 1 − p_j`
///
/// `SE₀(κ) = √(2/(N m (m − 1))) · √((Σ p_j q_j)² − Σ p_j q_j (q_j − p_j)) / Σ p_j q_j`.
///
/// Fleiss' kappa needs the same number of ratings per unit, so units with a missing rating are
/// left out (counted in `units_left_out`). Errors with fewer than two raters or when no unit is
/// complete.
pub fn fleiss_kappa(ratings: &NominalRatings) -> Result<Kappa, StatsError> {
    let m = ratings.raters();
    if m < 2 {
        return Err(StatsError::TooFewRaters {
            statistic: "Fleiss' kappa",
            needed: 2,
            got: m,
        });
    }
    let q = ratings.categories().len();
    let mut counts: Vec<Vec<f64>> = Vec::new();
    for unit in ratings.units() {
        if unit.iter().all(Option::is_some) {
            let mut row = vec![0.0_f64; q];
            for code in unit.iter().flatten() {
                row[*code] += 1.0;
            }
            counts.push(row);
        }
    }
    if counts.is_empty() {
        return Err(StatsError::NoCompleteUnits {
            statistic: "Fleiss' kappa",
        });
    }
    let big_n = counts.len() as f64;
    let mf = m as f64;
    let p_bar = counts
        .iter()
        .map(|row| (row.iter().map(|c| c * c).sum::<f64>() - mf) / (mf * (mf - 1.0)))
        .sum::<f64>()
        / big_n;
    let p: Vec<f64> = (0..q)
        .map(|j| counts.iter().map(|row| row[j]).sum::<f64>() / (big_n * mf))
        .collect();
    let pe: f64 = p.iter().map(|pj| pj * pj).sum();

    let mut result = Kappa {
        method: KappaMethod::Fleiss,
        kappa: None,
        observed_agreement: p_bar,
        expected_agreement: pe,
        units_used: counts.len(),
        units_left_out: ratings.units().len() - counts.len(),
        raters: m,
        categories: ratings.categories().to_vec(),
        standard_error: None,
        interval: None,
        confidence: None,
        null_standard_error: None,
        z: None,
        p_value: None,
    };
    // Σ p_j q_j = 1 − P̄_e; zero iff every rating is in one category.
    let spread: f64 = p.iter().map(|pj| pj * (1.0 - pj)).sum();
    if pe >= 1.0 || spread <= 0.0 {
        return Ok(result);
    }
    let kappa = (p_bar - pe) / (1.0 - pe);
    let skew: f64 = p.iter().map(|pj| pj * (1.0 - pj) * (1.0 - 2.0 * pj)).sum();
    let se0 = (2.0 / (big_n * mf * (mf - 1.0))).sqrt() * (spread * spread - skew).max(0.0).sqrt()
        / spread;
    result.kappa = Some(kappa);
    fill_test(&mut result, kappa, se0);
    Ok(result)
}

/// Sets the null standard error, `z` and two-sided p-value (left `None` when `se0` is 0).
fn fill_test(result: &mut Kappa, kappa: f64, se0: f64) {
    result.null_standard_error = Some(se0);
    if se0 > 0.0 {
        let z = kappa / se0;
        result.z = Some(z);
        // 2·Φ(−|z|) rather than 2·(1 − Φ(|z|)), which would round small p-values to 0.
        result.p_value = Some((2.0 * normal_cdf(-z.abs())).min(1.0));
    }
}
