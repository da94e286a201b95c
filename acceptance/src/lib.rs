//! Acceptance sampling by attributes for auditing calls lot by lot: the single sampling plans and
//! switching rules of ISO 2859-1:1999 (the same scheme as ANSI/ASQ Z1.4 and MIL-STD-105E, see
//! below for where they differ).
//!
//! A QA team audits an agent's or a team's calls in lots (say, a week's calls). The standard says
//! how many calls to sample from a lot ([`plan`]) and how many defective calls (calls with a
//! compliance failure) the sample may contain for the lot to be accepted. A series of lots moves
//! between normal, tightened and reduced inspection by the switching rules ([`Switching`]).
//!
//! Which edition:
//! - Table 1 (code letters) and the normal and tightened master tables (2-A, 2-B) are the same in
//!   ISO 2859-1:1999, ANSI/ASQ Z1.4-2003 and MIL-STD-105E.
//! - The reduced table (2-C) and the rule for switching to reduced inspection are those of
//!   ISO 2859-1:1999: reduced plans without a gap between Ac and Re, and the *switching score*
//!   (9.3.3.2). ANSI/ASQ Z1.4-2003 kept MIL-STD-105E's reduced table (with gaps) and its limit
//!   numbers (Table VIII, optional since Z1.4-1993) instead. See [`tables`] for the sources.
//!
//! ```
//! use earshot_acceptance::{plans, Aql, InspectionLevel, CodeLetter};
//!
//! // 2000 calls a week, general inspection level II, AQL 0.65 %:
//! let aql: Aql = "0.65".parse().unwrap();
//! let p = plans(2000, InspectionLevel::II, aql).unwrap();
//! assert_eq!(p.code_letter, CodeLetter::K);
//! // normal: sample 125, accept with 2 defective calls, reject with 3.
//! assert_eq!((p.normal.sample_size, p.normal.accept, p.normal.reject), (125, 2, 3));
//! assert_eq!((p.tightened.sample_size, p.tightened.accept, p.tightened.reject), (125, 1, 2));
//! assert_eq!((p.reduced.sample_size, p.reduced.accept, p.reduced.reject), (50, 1, 2));
//! ```

mod error;
pub mod switching;
pub mod tables;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

pub use error::Error;
pub use switching::{Lot, Production, State, Switching, SwitchingConfig, Transition};

/// Inspection level (ISO 2859-1:1999 10.1; Z1.4 9.2): how the sample size grows with the lot
/// size. Level II is the default; S-1 to S-4 are for small samples with larger risks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum InspectionLevel {
    I,
    II,
    III,
    #[serde(rename = "S-1", alias = "S1")]
    S1,
    #[serde(rename = "S-2", alias = "S2")]
    S2,
    #[serde(rename = "S-3", alias = "S3")]
    S3,
    #[serde(rename = "S-4", alias = "S4")]
    S4,
}

impl InspectionLevel {
    pub const ALL: [InspectionLevel; 7] = [
        InspectionLevel::S1,
        InspectionLevel::S2,
        InspectionLevel::S3,
        InspectionLevel::S4,
        InspectionLevel::I,
        InspectionLevel::II,
        InspectionLevel::III,
    ];

    /// The name as the standard writes it: `I`, `II`, `III`, `S-1` … `S-4`.
    pub fn as_str(self) -> &'static str {
        match self {
            InspectionLevel::I => "I",
            InspectionLevel::II => "II",
            InspectionLevel::III => "III",
            InspectionLevel::S1 => "S-1",
            InspectionLevel::S2 => "S-2",
            InspectionLevel::S3 => "S-3",
            InspectionLevel::S4 => "S-4",
        }
    }
}

impl fmt::Display for InspectionLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for InspectionLevel {
    type Err = Error;

    /// Accepts `I`, `II`, `III`, `S-1` … `S-4` and `S1` … `S4`, in any case, surrounding spaces
    /// ignored.
    fn from_str(s: &str) -> Result<Self, Error> {
        let level = match s.trim().to_ascii_uppercase().as_str() {
            "I" => InspectionLevel::I,
            "II" => InspectionLevel::II,
            "III" => InspectionLevel::III,
            "S-1" | "S1" => InspectionLevel::S1,
            "S-2" | "S2" => InspectionLevel::S2,
            "S-3" | "S3" => InspectionLevel::S3,
            "S-4" | "S4" => InspectionLevel::S4,
            _ => return Err(Error::UnknownInspectionLevel(s.to_string())),
        };
        Ok(level)
    }
}

/// The preferred AQL values of the master tables, as printed (ISO 2859-1:1999 Tables 2-A to 2-C).
const AQL_TEXT: [&str; 26] = [
    "0.010", "0.015", "0.025", "0.040", "0.065", "0.10", "0.15", "0.25", "0.40", "0.65", "1.0",
    "1.5", "2.5", "4.0", "6.5", "10", "15", "25", "40", "65", "100", "150", "250", "400", "650",
    "1000",
];
const AQL_VALUE: [f64; 26] = [
    0.010, 0.015, 0.025, 0.040, 0.065, 0.10, 0.15, 0.25, 0.40, 0.65, 1.0, 1.5, 2.5, 4.0, 6.5, 10.0,
    15.0, 25.0, 40.0, 65.0, 100.0, 150.0, 250.0, 400.0, 650.0, 1000.0,
];

/// Acceptance quality limit: one of the 26 preferred values of the master tables (0.010 to 1000),
/// in percent nonconforming (up to 10) or nonconformities per 100 items (any). Only these values
/// have plans, so any other value is rejected rather than rounded (ISO 2859-1:1999 5.3, preferred
/// AQLs: for other values the tables are not applicable).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Aql(u8);

impl Aql {
    /// All preferred values, tightest (0.010) first.
    pub const ALL: [Aql; 26] = {
        let mut all = [Aql(0); 26];
        let mut i = 0;
        while i < 26 {
            all[i] = Aql(i as u8);
            i += 1;
        }
        all
    };

    /// The value in percent (or nonconformities per 100 items).
    pub fn value(self) -> f64 {
        AQL_VALUE[self.index()]
    }

    /// The value as the tables print it, e.g. `0.010`, `0.65`, `1.0`, `10`.
    pub fn as_str(self) -> &'static str {
        AQL_TEXT[self.index()]
    }

    /// The next tighter (smaller) preferred value, used by the switching score; `None` for 0.010.
    pub fn tighter(self) -> Option<Aql> {
        self.0.checked_sub(1).map(Aql)
    }

    /// Whether this AQL may be expressed as percent nonconforming (ISO 2859-1:1999 5.2: up to 10).
    /// Larger AQLs count nonconformities per 100 items, of which one call may have several.
    pub fn allows_percent_nonconforming(self) -> bool {
        self.value() <= 10.0
    }

    pub(crate) fn index(self) -> usize {
        usize::from(self.0)
    }

    /// The valid values, comma-separated, for error messages.
    pub(crate) fn list() -> String {
        AQL_TEXT.join(", ")
    }
}

impl fmt::Display for Aql {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Aql {
    type Err = Error;

    /// Accepts any spelling of a preferred value (`0.65`, `.65`, `0.650`, `1`, `1.0`, `2.5%`).
    fn from_str(s: &str) -> Result<Self, Error> {
        let err = || Error::NonStandardAql {
            value: s.to_string(),
        };
        let text = s.trim();
        let text = text.strip_suffix('%').unwrap_or(text).trim_end();
        let value: f64 = text.parse().map_err(|_| err())?;
        Aql::from_value(value).ok_or_else(err)
    }
}

impl Aql {
    /// The preferred value equal to `value` (to within floating-point rounding), if any.
    pub fn from_value(value: f64) -> Option<Aql> {
        if !value.is_finite() {
            return None;
        }
        AQL_VALUE
            .iter()
            .position(|v| (v - value).abs() <= 1e-9 * v)
            .map(|i| Aql(i as u8))
    }
}

impl Serialize for Aql {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Aql {
    /// From the printed string (`"0.65"`) or a number (`0.65`).
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Aql;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "a preferred AQL value ({})", Aql::list())
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Aql, E> {
                v.parse().map_err(E::custom)
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Aql, E> {
                Aql::from_value(v).ok_or_else(|| {
                    E::custom(Error::NonStandardAql {
                        value: v.to_string(),
                    })
                })
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Aql, E> {
                self.visit_f64(v as f64)
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Aql, E> {
                self.visit_f64(v as f64)
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// Inspection severity: which master table is in force (ISO 2859-1:1999 9.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Normal,
    Tightened,
    Reduced,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Normal => "normal",
            Severity::Tightened => "tightened",
            Severity::Reduced => "reduced",
        }
    }

    /// The master table: `2-A`, `2-B` or `2-C`.
    pub fn table(self) -> &'static str {
        match self {
            Severity::Normal => "2-A",
            Severity::Tightened => "2-B",
            Severity::Reduced => "2-C",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        match s.trim().to_ascii_lowercase().as_str() {
            "normal" => Ok(Severity::Normal),
            "tightened" => Ok(Severity::Tightened),
            "reduced" => Ok(Severity::Reduced),
            _ => Err(Error::UnknownSeverity(s.to_string())),
        }
    }
}

/// Sample size code letter (Table 1). `S` (n = 3150) is never read from Table 1: only an arrow
/// in the tightened table leads to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum CodeLetter {
    A,
    B,
    C,
    D,
    E,
    F,
    G,
    H,
    J,
    K,
    L,
    M,
    N,
    P,
    Q,
    R,
    S,
}

impl CodeLetter {
    const ALL: [CodeLetter; 17] = {
        use CodeLetter::*;
        [A, B, C, D, E, F, G, H, J, K, L, M, N, P, Q, R, S]
    };

    pub(crate) fn index(self) -> usize {
        self as usize
    }

    pub(crate) fn from_index(index: usize) -> Option<CodeLetter> {
        Self::ALL.get(index).copied()
    }
}

impl fmt::Display for CodeLetter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self:?}")
    }
}

/// A single sampling plan, after following the table's arrows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SamplingPlan {
    /// Which master table the plan comes from.
    pub severity: Severity,
    /// The code letter of the row the plan was read from: Table 1's letter, or the letter an
    /// arrow led to (whose sample size is used, ISO 2859-1:1999 10.3).
    pub code_letter: CodeLetter,
    /// The table's sample size.
    pub sample_size: u32,
    /// Acceptance number Ac: the lot is accepted with at most this many defects in the sample.
    pub accept: u32,
    /// Rejection number Re: the lot is not accepted with this many defects or more. In
    /// ISO 2859-1:1999 single sampling Re = Ac + 1 throughout.
    pub reject: u32,
    /// The sample size is at least the lot size: the standard says to inspect every item
    /// (footnote to the arrows of Tables 2-A to 2-C). Ac and Re still decide the lot.
    pub hundred_percent: bool,
    /// How many calls to inspect: the sample size, or the whole lot when `hundred_percent`.
    pub units_to_inspect: u64,
}

impl SamplingPlan {
    /// Whether a lot with `defects` defects in its sample is accepted (defects ≤ Ac).
    pub fn accepts(&self, defects: u64) -> bool {
        defects <= u64::from(self.accept)
    }
}

/// The plans of all three severities for one lot, as an auditor's screen shows them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plans {
    /// Table 1's code letter for the lot size and level (before any arrow).
    pub code_letter: CodeLetter,
    pub normal: SamplingPlan,
    pub tightened: SamplingPlan,
    pub reduced: SamplingPlan,
}

/// Table 1: the sample size code letter for a lot size and inspection level.
///
/// Table 1 starts at lot size 2; a lot of 1 call is read from its first row (every plan's sample
/// is then at least the lot, so the single call is inspected). A lot size of 0 is an error.
pub fn code_letter(lot_size: u64, level: InspectionLevel) -> Result<CodeLetter, Error> {
    if lot_size == 0 {
        return Err(Error::EmptyLot);
    }
    Ok(tables::table_1(lot_size, level))
}

/// The single sampling plan for a lot: Table 1's code letter, then the master table of the
/// severity (2-A, 2-B or 2-C), following arrows.
pub fn plan(
    lot_size: u64,
    level: InspectionLevel,
    aql: Aql,
    severity: Severity,
) -> Result<SamplingPlan, Error> {
    let letter = code_letter(lot_size, level)?;
    plan_for_letter(lot_size, letter, aql, severity)
}

/// The normal, tightened and reduced plans for a lot.
pub fn plans(lot_size: u64, level: InspectionLevel, aql: Aql) -> Result<Plans, Error> {
    let letter = code_letter(lot_size, level)?;
    Ok(Plans {
        code_letter: letter,
        normal: plan_for_letter(lot_size, letter, aql, Severity::Normal)?,
        tightened: plan_for_letter(lot_size, letter, aql, Severity::Tightened)?,
        reduced: plan_for_letter(lot_size, letter, aql, Severity::Reduced)?,
    })
}

/// The plan in a severity's master table starting from a given code letter's row.
pub(crate) fn plan_for_letter(
    lot_size: u64,
    letter: CodeLetter,
    aql: Aql,
    severity: Severity,
) -> Result<SamplingPlan, Error> {
    let no_plan = || Error::NoPlan {
        table: severity.table(),
        letter,
        aql,
    };
    let (code_letter, accept, reject) =
        tables::resolve(severity, letter, aql).ok_or_else(no_plan)?;
    let sample_size = tables::sample_size(severity, code_letter).ok_or_else(no_plan)?;
    let hundred_percent = u64::from(sample_size) >= lot_size;
    Ok(SamplingPlan {
        severity,
        code_letter,
        sample_size,
        accept,
        reject,
        hundred_percent,
        units_to_inspect: if hundred_percent {
            lot_size
        } else {
            u64::from(sample_size)
        },
    })
}
