use thiserror::Error;

use crate::{Aql, CodeLetter, Severity};

/// Why a sampling plan could not be looked up or a lot could not be recorded. Every message names
/// the offending input: these are shown to auditors verbatim.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Error {
    /// A lot must hold at least one call.
    #[error("lot size must be at least 1 (a lot with no calls cannot be sampled), got 0")]
    EmptyLot,
    #[error(
        "unknown inspection level {0:?}: expected one of I, II, III (general) or S-1, S-2, S-3, S-4 (special)"
    )]
    UnknownInspectionLevel(String),
    #[error(
        "AQL {value:?} is not one of the standard's preferred values: {}",
        Aql::list()
    )]
    NonStandardAql { value: String },
    #[error("unknown inspection severity {0:?}: expected normal, tightened or reduced")]
    UnknownSeverity(String),
    /// With AQLs up to 10 the count is of nonconforming calls, which cannot exceed the calls
    /// inspected (with larger AQLs it is of nonconformities, of which a call may have several).
    #[error(
        "{defects} defective calls reported but only {inspected} calls were inspected \
         (at AQL {aql} defects are counted as nonconforming calls)"
    )]
    DefectsExceedInspected {
        defects: u64,
        inspected: u64,
        aql: Aql,
    },
    /// ISO 2859-1:1999 9.4: after 5 lots not accepted on tightened inspection, sampling stops
    /// until the supplier has acted and the responsible authority agrees; see
    /// [`Switching::resume`](crate::Switching::resume).
    #[error(
        "inspection is discontinued (5 lots not accepted on tightened inspection): \
         resume it once corrective action has been agreed before recording lot {lot}"
    )]
    Discontinued { lot: u64 },
    /// [`Switching::resume`](crate::Switching::resume) was called while inspection was running.
    #[error("inspection is not discontinued (it is on {0} inspection): nothing to resume")]
    NotDiscontinued(Severity),
    /// A stored switching state that no sequence of lots can produce.
    #[error("invalid stored switching state: {0}")]
    InvalidState(String),
    /// Cannot happen with the tables as transcribed (the tests check every cell); kept so that a
    /// broken transcription is reported instead of panicking.
    #[error("table {table} has no sampling plan for code letter {letter} at AQL {aql}")]
    NoPlan {
        table: &'static str,
        letter: CodeLetter,
        aql: Aql,
    },
}
