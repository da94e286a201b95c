//! Intraclass correlation: how well raters agree on numeric scores (a calibration session where
//! every evaluator scores the same calls), in the six forms of Shrout & Fleiss (1979),
//! "Intraclass correlations: uses in assessing rater reliability", Psychological Bulletin 86(2),
//! with their F tests and confidence intervals.
//!
//! Which form to read: ICC(2,1) ("two-way random, absolute agreement, single rater") answers
//! "would a call get the same score whichever of our evaluators scored it?", the usual
//! calibration question; ICC(3,1) ignores a rater's constant offset (a strict evaluator who is
//! consistently 5 points low still counts as consistent); the `k` forms are the reliability of the
//! mean of all `k` raters' scores.

use serde::Serialize;

use crate::distributions::{f_quantile, f_sf};
use crate::interval::Interval;
use crate::normal::check_confidence;
use crate::StatsError;

/// The six Shrout & Fleiss forms. Serialized as their Shrout & Fleiss names, `"ICC(2,1)"` etc.
// The declaration order is `ALL`'s, which `IccReport::get` relies on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum IccForm {
    #[serde(rename = "ICC(1,1)")]
    OneWaySingle,
    #[serde(rename = "ICC(2,1)")]
    TwoWayRandomSingle,
    #[serde(rename = "ICC(3,1)")]
    TwoWayMixedSingle,
    #[serde(rename = "ICC(1,k)")]
    OneWayAverage,
    #[serde(rename = "ICC(2,k)")]
    TwoWayRandomAverage,
    #[serde(rename = "ICC(3,k)")]
    TwoWayMixedAverage,
}

impl IccForm {
    /// In the order Shrout & Fleiss's Table 4 lists them.
    pub const ALL: [IccForm; 6] = [
        IccForm::OneWaySingle,
        IccForm::TwoWayRandomSingle,
        IccForm::TwoWayMixedSingle,
        IccForm::OneWayAverage,
        IccForm::TwoWayRandomAverage,
        IccForm::TwoWayMixedAverage,
    ];

    /// The Shrout & Fleiss (1979) name, e.g. `"ICC(2,1)"`.
    pub fn name(self) -> &'static str {
        match self {
            IccForm::OneWaySingle => "ICC(1,1)",
            IccForm::TwoWayRandomSingle => "ICC(2,1)",
            IccForm::TwoWayMixedSingle => "ICC(3,1)",
            IccForm::OneWayAverage => "ICC(1,k)",
            IccForm::TwoWayRandomAverage => "ICC(2,k)",
            IccForm::TwoWayMixedAverage => "ICC(3,k)",
        }
    }

    /// The McGraw & Wong (1996) name, "Forming inferences about some intraclass correlation
    /// coefficients", Psychological Methods 1(1): `A` for absolute agreement, `C` for
    /// consistency.
    pub fn mcgraw_wong(self) -> &'static str {
        match self {
            IccForm::OneWaySingle => "ICC(1)",
            IccForm::TwoWayRandomSingle => "ICC(A,1)",
            IccForm::TwoWayMixedSingle => "ICC(C,1)",
            IccForm::OneWayAverage => "ICC(k)",
            IccForm::TwoWayRandomAverage => "ICC(A,k)",
            IccForm::TwoWayMixedAverage => "ICC(C,k)",
        }
    }

    /// One line on the model and what the coefficient measures.
    pub fn description(self) -> &'static str {
        match self {
            IccForm::OneWaySingle => "one-way random, absolute agreement, single rater",
            IccForm::TwoWayRandomSingle => "two-way random, absolute agreement, single rater",
            IccForm::TwoWayMixedSingle => "two-way mixed, consistency, single rater",
            IccForm::OneWayAverage => "one-way random, absolute agreement, mean of k raters",
            IccForm::TwoWayRandomAverage => "two-way random, absolute agreement, mean of k raters",
            IccForm::TwoWayMixedAverage => "two-way mixed, consistency, mean of k raters",
        }
    }
}

/// The two-way ANOVA of an `n` units × `k` raters table (Shrout & Fleiss 1979, Table 1).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Anova {
    /// Between-units (targets) mean square, `df = n − 1`.
    pub bms: f64,
    /// Within-units mean square (raters and residual pooled), `df = n(k − 1)`.
    pub wms: f64,
    /// Between-raters (judges) mean square, `df = k − 1`.
    pub jms: f64,
    /// Residual mean square, `df = (n − 1)(k − 1)`.
    pub ems: f64,
    pub df_between: f64,
    pub df_within: f64,
    pub df_raters: f64,
    pub df_error: f64,
}

/// One ICC form with its test of ICC = 0 and its confidence interval.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IccEstimate {
    pub form: IccForm,
    /// [`IccForm::name`], repeated for readers of the JSON.
    pub name: &'static str,
    /// [`IccForm::mcgraw_wong`].
    pub mcgraw_wong: &'static str,
    /// [`IccForm::description`].
    pub description: &'static str,
    /// `None` when the formula's denominator is 0 (every score identical, or no variation
    /// between units and none left over).
    pub value: Option<f64>,
    /// `F = BMS/WMS` for the one-way forms, `BMS/EMS` for the two-way forms; `None` when the
    /// denominator mean square is 0.
    pub f: Option<f64>,
    pub df1: f64,
    pub df2: f64,
    /// `P(F(df1, df2) > f)`.
    pub p_value: Option<f64>,
    /// `None` where `f` is, or where the interval's own formula breaks down on degenerate data.
    pub interval: Option<Interval>,
}

/// The intraclass correlations of a complete units × raters table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IccReport {
    /// `n`, rows.
    pub units: usize,
    /// `k`, columns.
    pub raters: usize,
    pub confidence: f64,
    pub anova: Anova,
    /// All six forms, in [`IccForm::ALL`] order (serialized as a list under `estimates`).
    estimates: Vec<IccEstimate>,
}

impl IccReport {
    /// All six forms, in [`IccForm::ALL`] order.
    pub fn estimates(&self) -> &[IccEstimate] {
        &self.estimates
    }

    /// The estimate of one form.
    pub fn get(&self, form: IccForm) -> &IccEstimate {
        // `estimates` is private and always holds the six forms in `ALL` (declaration) order.
        &self.estimates[form as usize]
    }

    /// ICC(1,1): one-way random, single rater.
    pub fn icc1_1(&self) -> &IccEstimate {
        self.get(IccForm::OneWaySingle)
    }

    /// ICC(2,1): two-way random, absolute agreement, single rater; the usual calibration
    /// figure.
    pub fn icc2_1(&self) -> &IccEstimate {
        self.get(IccForm::TwoWayRandomSingle)
    }

    /// ICC(3,1): two-way mixed, consistency, single rater.
    pub fn icc3_1(&self) -> &IccEstimate {
        self.get(IccForm::TwoWayMixedSingle)
    }

    /// ICC(1,k): one-way random, mean of the k raters.
    pub fn icc1_k(&self) -> &IccEstimate {
        self.get(IccForm::OneWayAverage)
    }

    /// ICC(2,k): two-way random, absolute agreement, mean of the k raters.
    pub fn icc2_k(&self) -> &IccEstimate {
        self.get(IccForm::TwoWayRandomAverage)
    }

    /// ICC(3,k): two-way mixed, consistency, mean of the k raters.
    pub fn icc3_k(&self) -> &IccEstimate {
        self.get(IccForm::TwoWayMixedAverage)
    }
}

/// [`icc_with_confidence`] at the customary 95 %.
pub fn icc(rows: &[Vec<f64>]) -> Result<IccReport, StatsError> {
    icc_with_confidence(rows, 0.95)
}

/// All six intraclass correlations of Shrout & Fleiss (1979) for `rows`, one row per unit
/// (target) with one score per rater (judge), with `confidence` intervals.
///
/// From the two-way ANOVA mean squares ([`Anova`]), with `n` units and `k` raters:
///
/// | form     | value                                         | F        |
/// |----------|-----------------------------------------------|----------|
/// | ICC(1,1) | (BMS − WMS) / (BMS + (k−1)WMS)                | BMS/WMS  |
/// | ICC(2,1) | (BMS − EMS) / (BMS + (k−1)EMS + k(JMS−EMS)/n) | BMS/EMS  |
/// | ICC(3,1) | (BMS − EMS) / (BMS + (k−1)EMS)                | BMS/EMS  |
/// | ICC(1,k) | (BMS − WMS) / BMS                             | BMS/WMS  |
/// | ICC(2,k) | (BMS − EMS) / (BMS + (JMS − EMS)/n)           | BMS/EMS  |
/// | ICC(3,k) | (BMS − EMS) / BMS                             | BMS/EMS  |
///
/// Intervals are those of Shrout & Fleiss (1979) (McGraw & Wong 1996, Table 7, give the same):
/// for the one-way and mixed forms, from `F_L = F/F_{1−α/2}(df1, df2)` and
/// `F_U = F·F_{1−α/2}(df2, df1)` as `((F_L − 1)/(F_L + k − 1), (F_U − 1)/(F_U + k − 1))` for a
/// single rater and `(1 − 1/F_L, 1 − 1/F_U)` for the mean of `k`; for ICC(2,1), with
/// Satterthwaite's approximate degrees of freedom
/// `ν = (k−1)(n−1)(kρF_J + n(1 + (k−1)ρ) − kρ)² / ((n−1)k²ρ²F_J² + (n(1 + (k−1)ρ) − kρ)²)`
/// (`ρ` = ICC(2,1), `F_J = JMS/EMS`), `F* = F_{1−α/2}(n−1, ν)` and `F*' = F_{1−α/2}(ν, n−1)`:
/// `(n(BMS − F*·EMS) / (F*(k·JMS + (kn − k − n)EMS) + n·BMS),
///   n(F*'·BMS − EMS) / (k·JMS + (kn − k − n)EMS + n·F*'·BMS))`;
/// ICC(2,k)'s bounds are ICC(2,1)'s stepped up by Spearman–Brown, `kL/(1 + (k−1)L)`, which is
/// McGraw & Wong's ICC(A,k) interval.
///
/// Errors unless there are at least 2 units and 2 raters, every row has one score per rater,
/// every score is finite, and `confidence` is between 0 and 1.
pub fn icc_with_confidence(rows: &[Vec<f64>], confidence: f64) -> Result<IccReport, StatsError> {
    check_confidence(confidence)?;
    let n = rows.len();
    let k = rows.first().map_or(0, Vec::len);
    if n < 2 {
        return Err(StatsError::TooFewUnits {
            statistic: "the intraclass correlation",
            needed: 2,
            got: n,
        });
    }
    if k < 2 {
        return Err(StatsError::TooFewRaters {
            statistic: "the intraclass correlation",
            needed: 2,
            got: k,
        });
    }
    for (u, row) in rows.iter().enumerate() {
        if row.len() != k {
            return Err(StatsError::RaggedUnits {
                unit: u + 1,
                raters: row.len(),
                expected: k,
            });
        }
        if let Some(r) = row.iter().position(|v| !v.is_finite()) {
            return Err(StatsError::NonFiniteValue {
                unit: u + 1,
                rater: r + 1,
                value: row[r],
            });
        }
    }

    let anova = two_way_anova(rows, n, k);
    // The F quantile for a two-sided interval: 0.975 at 95 %.
    let p_upper = 1.0 - (1.0 - confidence) / 2.0;
    let (nf, kf) = (n as f64, k as f64);
    let Anova {
        bms, wms, jms, ems, ..
    } = anova;

    let ratio = |num: f64, den: f64| (den != 0.0).then(|| num / den);
    let f_oneway = ratio(bms, wms);
    let f_twoway = ratio(bms, ems);
    let (df1, df_oneway, df_twoway) = (anova.df_between, anova.df_within, anova.df_error);

    // `(F_L, F_U)` for the one-way and mixed intervals.
    let f_bounds = |f: Option<f64>, df2: f64| -> Option<(f64, f64)> {
        let f = f?;
        let lower = f / f_quantile(p_upper, df1, df2).ok()?;
        let upper = f * f_quantile(p_upper, df2, df1).ok()?;
        Some((lower, upper))
    };
    let single = |(fl, fu): (f64, f64)| Interval {
        low: (fl - 1.0) / (fl + kf - 1.0),
        high: (fu - 1.0) / (fu + kf - 1.0),
    };
    let average = |(fl, fu): (f64, f64)| Interval {
        low: 1.0 - 1.0 / fl,
        high: 1.0 - 1.0 / fu,
    };

    let icc1 = ratio(bms - wms, bms + (kf - 1.0) * wms);
    let icc2 = ratio(bms - ems, bms + (kf - 1.0) * ems + kf * (jms - ems) / nf);
    let icc3 = ratio(bms - ems, bms + (kf - 1.0) * ems);
    let icc1k = ratio(bms - wms, bms);
    let icc2k = ratio(bms - ems, bms + (jms - ems) / nf);
    let icc3k = ratio(bms - ems, bms);

    let oneway_bounds = f_bounds(f_oneway, df_oneway);
    let mixed_bounds = f_bounds(f_twoway, df_twoway);
    let random_single = icc2.and_then(|rho| icc2_interval(anova, n, k, rho, p_upper));
    let step_up = |l: f64| kf * l / (1.0 + (kf - 1.0) * l);

    let p_value = |f: Option<f64>, df2: f64| f.and_then(|f| f_sf(f, df1, df2).ok());
    let estimate = |form: IccForm, value, f, df2, interval| IccEstimate {
        form,
        name: form.name(),
        mcgraw_wong: form.mcgraw_wong(),
        description: form.description(),
        value,
        f,
        df1,
        df2,
        p_value: p_value(f, df2),
        interval,
    };
    let estimates = vec![
        estimate(
            IccForm::OneWaySingle,
            icc1,
            f_oneway,
            df_oneway,
            oneway_bounds.map(single),
        ),
        estimate(
            IccForm::TwoWayRandomSingle,
            icc2,
            f_twoway,
            df_twoway,
            random_single,
        ),
        estimate(
            IccForm::TwoWayMixedSingle,
            icc3,
            f_twoway,
            df_twoway,
            mixed_bounds.map(single),
        ),
        estimate(
            IccForm::OneWayAverage,
            icc1k,
            f_oneway,
            df_oneway,
            oneway_bounds.map(average),
        ),
        estimate(
            IccForm::TwoWayRandomAverage,
            icc2k,
            f_twoway,
            df_twoway,
            random_single.map(|i| Interval {
                low: step_up(i.low),
                high: step_up(i.high),
            }),
        ),
        estimate(
            IccForm::TwoWayMixedAverage,
            icc3k,
            f_twoway,
            df_twoway,
            mixed_bounds.map(average),
        ),
    ];
    Ok(IccReport {
        units: n,
        raters: k,
        confidence,
        anova,
        estimates,
    })
}

/// Sums of squares about the grand, unit and rater means, each computed directly from
/// deviations (not as differences of raw sums of squares, which lose digits when scores are
/// large and close together).
fn two_way_anova(rows: &[Vec<f64>], n: usize, k: usize) -> Anova {
    let (nf, kf) = (n as f64, k as f64);
    let grand = rows.iter().flatten().sum::<f64>() / (nf * kf);
    let unit_means: Vec<f64> = rows.iter().map(|r| r.iter().sum::<f64>() / kf).collect();
    let rater_means: Vec<f64> = (0..k)
        .map(|j| rows.iter().map(|r| r[j]).sum::<f64>() / nf)
        .collect();
    let ss_between = kf * unit_means.iter().map(|m| (m - grand).powi(2)).sum::<f64>();
    let ss_raters = nf * rater_means.iter().map(|m| (m - grand).powi(2)).sum::<f64>();
    let mut ss_error = 0.0;
    let mut ss_within = 0.0;
    for (row, unit_mean) in rows.iter().zip(&unit_means) {
        for (x, rater_mean) in row.iter().zip(&rater_means) {
            ss_within += (x - unit_mean).powi(2);
            ss_error += (x - unit_mean - rater_mean + grand).powi(2);
        }
    }
    let df_between = nf - 1.0;
    let df_within = nf * (kf - 1.0);
    let df_raters = kf - 1.0;
    let df_error = (nf - 1.0) * (kf - 1.0);
    Anova {
        bms: ss_between / df_between,
        wms: ss_within / df_within,
        jms: ss_raters / df_raters,
        ems: ss_error / df_error,
        df_between,
        df_within,
        df_raters,
        df_error,
    }
}

/// Shrout & Fleiss (1979) interval for ICC(2,1), with Satterthwaite's degrees of freedom `ν`;
/// `None` when `ν` or the F quantiles are not defined (e.g. EMS = 0).
fn icc2_interval(anova: Anova, n: usize, k: usize, rho: f64, p_upper: f64) -> Option<Interval> {
    let Anova { bms, jms, ems, .. } = anova;
    if ems <= 0.0 {
        return None;
    }
    let (nf, kf) = (n as f64, k as f64);
    let fj = jms / ems;
    let a = kf * rho * fj + nf * (1.0 + (kf - 1.0) * rho) - kf * rho;
    let b = nf * (1.0 + (kf - 1.0) * rho) - kf * rho;
    let nu = (kf - 1.0) * (nf - 1.0) * a * a / ((nf - 1.0) * kf * kf * rho * rho * fj * fj + b * b);
    let f_star = f_quantile(p_upper, nf - 1.0, nu).ok()?;
    let f_star2 = f_quantile(p_upper, nu, nf - 1.0).ok()?;
    let spread = kf * jms + (kf * nf - kf - nf) * ems;
    let low = nf * (bms - f_star * ems) / (f_star * spread + nf * bms);
    let high = nf * (f_star2 * bms - ems) / (spread + nf * f_star2 * bms);
    (low.is_finite() && high.is_finite()).then_some(Interval { low, high })
}
