//! The tables of ISO 2859-1:1999 (identical in content to GB/T 2828.1-2012), transcribed as data.
//!
//! - `TABLE_1`: Table 1, sample size code letters.
//! - `NORMAL`: Table 2-A, single sampling plans for normal inspection (master table).
//! - `TIGHTENED`: Table 2-B, single sampling plans for tightened inspection (master table).
//! - `REDUCED`: Table 2-C, single sampling plans for reduced inspection (master table).
//!
//! Each master table is one row per code letter and one column per preferred AQL, with the cells
//! as printed: a plan (`p(Ac, Re)`), an arrow (`D`: use the first plan below, `U`: use the
//! first plan above) or a blank (`X`, only in the `S` row of Table 2-B). `resolve` follows
//! the arrows; the sample size is that of the row the arrow leads to (ISO 2859-1:1999 10.3;
//! ANSI/ASQ Z1.4-2003 9.4).
//!
//! Tables 1, 2-A and 2-B are the same in MIL-STD-105E (1989), ANSI/ASQ Z1.4-2003 (R2018) and
//! ISO 2859-1:1999. Table 2-C is not: ISO 2859-1:1999 "changed [the reduced plans] to eliminate
//! the gap between the acceptance and rejection numbers" (foreword), while Z1.4 kept
//! MIL-STD-105E's reduced table with its gaps (e.g. code K, AQL 0.65: Ac 1, Re 3) and the rule
//! that a lot accepted between Ac and Re sends inspection back to normal. This crate uses the
//! ISO 2859-1:1999 Table 2-C, which goes with the switching score of ISO 2859-1:1999 9.3.3.2.
//!
//! Cross-checks (run when the tables were transcribed; see the crate's tests for the cells pinned
//! by published examples):
//! - Tables 2-A and 2-B: all 832 resolved cells (sample size, Ac, Re) equal those of the CRAN
//!   package AQLSchemes 1.7-2 (`R/AAZ14Single.R`, J. Lawson, transcribed from MIL-STD-105E) and
//!   of an independent GB/T 2828.1-2012 transcription, except Table 2-B code A at AQL 10 (see
//!   `TIGHTENED`).
//! - Table 2-C: an independent GB/T 2828.1-2012 transcription (checked cell by cell against the
//!   printed pages 15-17 for AQL 0.65-6.5 and 15-1000), and, for AQL 1.0 and 2.5, a second one
//!   checked against SQC Online's ISO 2859-1 calculator.
//! - The arrow layout: every table follows the standard's diagonal structure, checked in the
//!   tests (`tests/tables.rs`).

use crate::{Aql, CodeLetter, InspectionLevel, Severity};

/// One cell of a master table, as printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Cell {
    /// Use the first sampling plan below the arrow.
    Down,
    /// Use the first sampling plan above the arrow.
    Up,
    /// A plan: acceptance number Ac and rejection number Re.
    Plan(u32, u32),
    /// No entry (Table 2-B, row S, every column but 0.025).
    Blank,
}

const D: Cell = Cell::Down;
const U: Cell = Cell::Up;
const X: Cell = Cell::Blank;
const fn p(ac: u32, re: u32) -> Cell {
    Cell::Plan(ac, re)
}

/// Table 1 (ISO 2859-1:1999, Table 1; ANSI/ASQ Z1.4-2003, Table I; MIL-STD-105E, Table I):
/// the largest lot size of each row and its code letters for the special levels S-1 to S-4 and
/// the general levels I, II and III, in that order. The last row is "500 001 and over".
#[rustfmt::skip]
pub(crate) const TABLE_1: [(u64, [CodeLetter; 7]); 15] = {
    use CodeLetter::*;
    [
        //          S-1 S-2 S-3 S-4  I  II III
        (8,        [A, A, A, A, A, A, B]),
        (15,       [A, A, A, A, A, B, C]),
        (25,       [A, A, B, B, B, C, D]),
        (50,       [A, B, B, C, C, D, E]),
        (90,       [B, B, C, C, C, E, F]),
        (150,      [B, B, C, D, D, F, G]),
        (280,      [B, C, D, E, E, G, H]),
        (500,      [B, C, D, E, F, H, J]),
        (1200,     [C, C, E, F, G, J, K]),
        (3200,     [C, D, E, G, H, K, L]),
        (10000,    [C, D, F, G, J, L, M]),
        (35000,    [C, D, F, H, K, M, N]),
        (150000,   [D, E, G, J, L, N, P]),
        (500000,   [D, E, G, J, M, P, Q]),
        (u64::MAX, [D, E, H, K, N, Q, R]),
    ]
};

/// Sample sizes of Tables 2-A and 2-B by code letter, A to S (S = 3150 only in Table 2-B).
pub(crate) const SAMPLE_SIZE: [u32; 17] = [
    2, 3, 5, 8, 13, 20, 32, 50, 80, 125, 200, 315, 500, 800, 1250, 2000, 3150,
];

/// Sample sizes of Table 2-C (reduced) by code letter, A to R.
pub(crate) const REDUCED_SAMPLE_SIZE: [u32; 16] = [
    2, 2, 2, 3, 5, 8, 13, 20, 32, 50, 80, 125, 200, 315, 500, 800,
];

/// Table 2-A, single sampling plans for normal inspection (master table), ISO 2859-1:1999
/// (GB/T 2828.1-2012, printed page 15). Identical to MIL-STD-105E Table II-A and
/// ANSI/ASQ Z1.4-2003 Table II-A. AQLs up to 10 are in percent nonconforming or nonconformities
/// per 100 items; 15 and above only in nonconformities per 100 items.
#[rustfmt::skip]
pub(crate) const NORMAL: [[Cell; 26]; 16] = [
//                   0.010    0.015    0.025    0.040    0.065     0.10     0.15     0.25     0.40     0.65      1.0      1.5      2.5      4.0      6.5       10
//                      15       25       40       65      100      150      250      400      650     1000
    /* A    2 */ [       D,       D,       D,       D,       D,       D,       D,       D,       D,       D,       D,       D,       D,       D,  p(0,1),       D,
                         D,  p(1,2),  p(2,3),  p(3,4),  p(5,6),  p(7,8),p(10,11),p(14,15),p(21,22),p(30,31)],
    /* B    3 */ [       D,       D,       D,       D,       D,       D,       D,       D,       D,       D,       D,       D,       D,  p(0,1),       U,       D,
                    p(1,2),  p(2,3),  p(3,4),  p(5,6),  p(7,8),p(10,11),p(14,15),p(21,22),p(30,31),p(44,45)],
    /* C    5 */ [       D,       D,       D,       D,       D,       D,       D,       D,       D,       D,       D,       D,  p(0,1),       U,       D,  p(1,2),
                    p(2,3),  p(3,4),  p(5,6),  p(7,8),p(10,11),p(14,15),p(21,22),p(30,31),p(44,45),       U],
    /* D    8 */ [       D,       D,       D,       D,       D,       D,       D,       D,       D,       D,       D,  p(0,1),       U,       D,  p(1,2),  p(2,3),
                    p(3,4),  p(5,6),  p(7,8),p(10,11),p(14,15),p(21,22),p(30,31),p(44,45),       U,       U],
    /* E   13 */ [       D,       D,       D,       D,       D,       D,       D,       D,       D,       D,  p(0,1),       U,       D,  p(1,2),  p(2,3),  p(3,4),
                    p(5,6),  p(7,8),p(10,11),p(14,15),p(21,22),p(30,31),p(44,45),       U,       U,       U],
    /* F   20 */ [       D,       D,       D,       D,       D,       D,       D,       D,       D,  p(0,1),       U,       D,  p(1,2),  p(2,3),  p(3,4),  p(5,6),
                    p(7,8),p(10,11),p(14,15),p(21,22),       U,       U,       U,       U,       U,       U],
    /* G   32 */ [       D,       D,       D,       D,       D,       D,       D,       D,  p(0,1),       U,       D,  p(1,2),  p(2,3),  p(3,4),  p(5,6),  p(7,8),
                  p(10,11),p(14,15),p(21,22),       U,       U,       U,       U,       U,       U,       U],
    /* H   50 */ [       D,       D,       D,       D,       D,       D,       D,  p(0,1),       U,       D,  p(1,2),  p(2,3),  p(3,4),  p(5,6),  p(7,8),p(10,11),
                  p(14,15),p(21,22),       U,       U,       U,       U,       U,       U,       U,       U],
    /* J   80 */ [       D,       D,       D,       D,       D,       D,  p(0,1),       U,       D,  p(1,2),  p(2,3),  p(3,4),  p(5,6),  p(7,8),p(10,11),p(14,15),
                  p(21,22),       U,       U,       U,       U,       U,       U,       U,       U,       U],
    /* K  125 */ [       D,       D,       D,       D,       D,  p(0,1),       U,       D,  p(1,2),  p(2,3),  p(3,4),  p(5,6),  p(7,8),p(10,11),p(14,15),p(21,22),
                         U,       U,       U,       U,       U,       U,       U,       U,       U,       U],
    /* L  200 */ [       D,       D,       D,       D,  p(0,1),       U,       D,  p(1,2),  p(2,3),  p(3,4),  p(5,6),  p(7,8),p(10,11),p(14,15),p(21,22),       U,
                         U,       U,       U,       U,       U,       U,       U,       U,       U,       U],
    /* M  315 */ [       D,       D,       D,  p(0,1),       U,       D,  p(1,2),  p(2,3),  p(3,4),  p(5,6),  p(7,8),p(10,11),p(14,15),p(21,22),       U,       U,
                         U,       U,       U,       U,       U,       U,       U,       U,       U,       U],
    /* N  500 */ [       D,       D,  p(0,1),       U,       D,  p(1,2),  p(2,3),  p(3,4),  p(5,6),  p(7,8),p(10,11),p(14,15),p(21,22),       U,       U,       U,
                         U,       U,       U,       U,       U,       U,       U,       U,       U,       U],
    /* P  800 */ [       D,  p(0,1),       U,       D,  p(1,2),  p(2,3),  p(3,4),  p(5,6),  p(7,8),p(10,11),p(14,15),p(21,22),       U,       U,       U,       U,
                         U,       U,       U,       U,       U,       U,       U,       U,       U,       U],
    /* Q 1250 */ [  p(0,1),       U,       D,  p(1,2),  p(2,3),  p(3,4),  p(5,6),  p(7,8),p(10,11),p(14,15),p(21,22),       U,       U,       U,       U,       U,
                         U,       U,       U,       U,       U,       U,       U,       U,       U,       U],
    /* R 2000 */ [       U,       U,  p(1,2),  p(2,3),  p(3,4),  p(5,6),  p(7,8),p(10,11),p(14,15),p(21,22),       U,       U,       U,       U,       U,       U,
                         U,       U,       U,       U,       U,       U,       U,       U,       U,       U],
];

/// Table 2-B, single sampling plans for tightened inspection (master table), ISO 2859-1:1999
/// (GB/T 2828.1-2012, printed page 16); identical to MIL-STD-105E and ANSI/ASQ
/// Z1.4-2003 Table II-B. Row S (n = 3150) has a plan only at AQL 0.025.
///
/// Code A at AQL 10 is transcribed as MIL-STD-105E prints it: an arrow down (to code D, n = 8,
/// Ac 1, Re 2), as in AQLSchemes and in the NIBS reproduction of Table II-B. One GB/T 2828.1-2012
/// transcription has Ac 0, Re 1 with n = 2 there instead; that cell could not be checked against
/// a printed ISO 2859-1:1999 page.
#[rustfmt::skip]
pub(crate) const TIGHTENED: [[Cell; 26]; 17] = [
//                   0.010    0.015    0.025    0.040    0.065     0.10     0.15     0.25     0.40     0.65      1.0      1.5      2.5      4.0      6.5       10
//                      15       25       40       65      100      150      250      400      650     1000
    /* A    2 */ [       D,       D,       D,       D,       D,       D,       D,       D,       D,       D,       D,       D,       D,       D,       D,       D,
                         D,       D,  p(1,2),  p(2,3),  p(3,4),  p(5,6),  p(8,9),p(12,13),p(18,19),p(27,28)],
    /* B    3 */ [       D,       D,       D,       D,       D,       D,       D,       D,       D,       D,       D,       D,       D,       D,  p(0,1),       D,
                         D,  p(1,2),  p(2,3),  p(3,4),  p(5,6),  p(8,9),p(12,13),p(18,19),p(27,28),p(41,42)],
    /* C    5 */ [       D,       D,       D,       D,       D,       D,       D,       D,       D,       D,       D,       D,       D,  p(0,1),       D,       D,
                    p(1,2),  p(2,3),  p(3,4),  p(5,6),  p(8,9),p(12,13),p(18,19),p(27,28),p(41,42),       U],
    /* D    8 */ [       D,       D,       D,       D,       D,       D,       D,       D,       D,       D,       D,       D,  p(0,1),       D,       D,  p(1,2),
                    p(2,3),  p(3,4),  p(5,6),  p(8,9),p(12,13),p(18,19),p(27,28),p(41,42),       U,       U],
    /* E   13 */ [       D,       D,       D,       D,       D,       D,       D,       D,       D,       D,       D,  p(0,1),       D,       D,  p(1,2),  p(2,3),
                    p(3,4),  p(5,6),  p(8,9),p(12,13),p(18,19),p(27,28),p(41,42),       U,       U,       U],
    /* F   20 */ [       D,       D,       D,       D,       D,       D,       D,       D,       D,       D,  p(0,1),       D,       D,  p(1,2),  p(2,3),  p(3,4),
                    p(5,6),  p(8,9),p(12,13),p(18,19),       U,       U,       U,       U,       U,       U],
    /* G   32 */ [       D,       D,       D,       D,       D,       D,       D,       D,       D,  p(0,1),       D,       D,  p(1,2),  p(2,3),  p(3,4),  p(5,6),
                    p(8,9),p(12,13),p(18,19),       U,       U,       U,       U,       U,       U,       U],
    /* H   50 */ [       D,       D,       D,       D,       D,       D,       D,       D,  p(0,1),       D,       D,  p(1,2),  p(2,3),  p(3,4),  p(5,6),  p(8,9),
                  p(12,13),p(18,19),       U,       U,       U,       U,       U,       U,       U,       U],
    /* J   80 */ [       D,       D,       D,       D,       D,       D,       D,  p(0,1),       D,       D,  p(1,2),  p(2,3),  p(3,4),  p(5,6),  p(8,9),p(12,13),
                  p(18,19),       U,       U,       U,       U,       U,       U,       U,       U,       U],
    /* K  125 */ [       D,       D,       D,       D,       D,       D,  p(0,1),       D,       D,  p(1,2),  p(2,3),  p(3,4),  p(5,6),  p(8,9),p(12,13),p(18,19),
                         U,       U,       U,       U,       U,       U,       U,       U,       U,       U],
    /* L  200 */ [       D,       D,       D,       D,       D,  p(0,1),       D,       D,  p(1,2),  p(2,3),  p(3,4),  p(5,6),  p(8,9),p(12,13),p(18,19),       U,
                         U,       U,       U,       U,       U,       U,       U,       U,       U,       U],
    /* M  315 */ [       D,       D,       D,       D,  p(0,1),       D,       D,  p(1,2),  p(2,3),  p(3,4),  p(5,6),  p(8,9),p(12,13),p(18,19),       U,       U,
                         U,       U,       U,       U,       U,       U,       U,       U,       U,       U],
    /* N  500 */ [       D,       D,       D,  p(0,1),       D,       D,  p(1,2),  p(2,3),  p(3,4),  p(5,6),  p(8,9),p(12,13),p(18,19),       U,       U,       U,
                         U,       U,       U,       U,       U,       U,       U,       U,       U,       U],
    /* P  800 */ [       D,       D,  p(0,1),       D,       D,  p(1,2),  p(2,3),  p(3,4),  p(5,6),  p(8,9),p(12,13),p(18,19),       U,       U,       U,       U,
                         U,       U,       U,       U,       U,       U,       U,       U,       U,       U],
    /* Q 1250 */ [       D,  p(0,1),       D,       D,  p(1,2),  p(2,3),  p(3,4),  p(5,6),  p(8,9),p(12,13),p(18,19),       U,       U,       U,       U,       U,
                         U,       U,       U,       U,       U,       U,       U,       U,       U,       U],
    /* R 2000 */ [  p(0,1),       U,       D,  p(1,2),  p(2,3),  p(3,4),  p(5,6),  p(8,9),p(12,13),p(18,19),       U,       U,       U,       U,       U,       U,
                         U,       U,       U,       U,       U,       U,       U,       U,       U,       U],
    /* S 3150 */ [       X,       X,  p(1,2),       X,       X,       X,       X,       X,       X,       X,       X,       X,       X,       X,       X,       X,
                         X,       X,       X,       X,       X,       X,       X,       X,       X,       X],
];

/// Table 2-C, single sampling plans for reduced inspection (master table), ISO 2859-1:1999
/// (GB/T 2828.1-2012, printed page 17), the version without gaps between Ac and Re.
/// This is NOT MIL-STD-105E's or ANSI/ASQ Z1.4's Table II-C (see the module documentation).
/// Codes A, B and C share the sample size 2.
#[rustfmt::skip]
pub(crate) const REDUCED: [[Cell; 26]; 16] = [
//                   0.010    0.015    0.025    0.040    0.065     0.10     0.15     0.25     0.40     0.65      1.0      1.5      2.5      4.0      6.5       10
//                      15       25       40       65      100      150      250      400      650     1000
    /* A    2 */ [       D,       D,       D,       D,       D,       D,       D,       D,       D,       D,       D,       D,       D,       D,  p(0,1),       D,
                         D,  p(1,2),  p(2,3),  p(3,4),  p(5,6),  p(7,8),p(10,11),p(14,15),p(21,22),p(30,31)],
    /* B    2 */ [       D,       D,       D,       D,       D,       D,       D,       D,       D,       D,       D,       D,       D,  p(0,1),       U,       D,
                         D,  p(1,2),  p(2,3),  p(3,4),  p(5,6),  p(7,8),p(10,11),p(14,15),p(21,22),p(30,31)],
    /* C    2 */ [       D,       D,       D,       D,       D,       D,       D,       D,       D,       D,       D,       D,  p(0,1),       U,       D,       D,
                    p(1,2),  p(2,3),  p(3,4),  p(5,6),  p(6,7),  p(8,9),p(10,11),p(14,15),p(21,22),       U],
    /* D    3 */ [       D,       D,       D,       D,       D,       D,       D,       D,       D,       D,       D,  p(0,1),       U,       D,       D,  p(1,2),
                    p(2,3),  p(3,4),  p(5,6),  p(6,7),  p(8,9),p(10,11),p(14,15),p(21,22),       U,       U],
    /* E    5 */ [       D,       D,       D,       D,       D,       D,       D,       D,       D,       D,  p(0,1),       U,       D,       D,  p(1,2),  p(2,3),
                    p(3,4),  p(5,6),  p(6,7),  p(8,9),p(10,11),p(14,15),p(21,22),       U,       U,       U],
    /* F    8 */ [       D,       D,       D,       D,       D,       D,       D,       D,       D,  p(0,1),       U,       D,       D,  p(1,2),  p(2,3),  p(3,4),
                    p(5,6),  p(6,7),  p(8,9),p(10,11),       U,       U,       U,       U,       U,       U],
    /* G   13 */ [       D,       D,       D,       D,       D,       D,       D,       D,  p(0,1),       U,       D,       D,  p(1,2),  p(2,3),  p(3,4),  p(5,6),
                    p(6,7),  p(8,9),p(10,11),       U,       U,       U,       U,       U,       U,       U],
    /* H   20 */ [       D,       D,       D,       D,       D,       D,       D,  p(0,1),       U,       D,       D,  p(1,2),  p(2,3),  p(3,4),  p(5,6),  p(6,7),
                    p(8,9),p(10,11),       U,       U,       U,       U,       U,       U,       U,       U],
    /* J   32 */ [       D,       D,       D,       D,       D,       D,  p(0,1),       U,       D,       D,  p(1,2),  p(2,3),  p(3,4),  p(5,6),  p(6,7),  p(8,9),
                  p(10,11),       U,       U,       U,       U,       U,       U,       U,       U,       U],
    /* K   50 */ [       D,       D,       D,       D,       D,  p(0,1),       U,       D,       D,  p(1,2),  p(2,3),  p(3,4),  p(5,6),  p(6,7),  p(8,9),p(10,11),
                         U,       U,       U,       U,       U,       U,       U,       U,       U,       U],
    /* L   80 */ [       D,       D,       D,       D,  p(0,1),       U,       D,       D,  p(1,2),  p(2,3),  p(3,4),  p(5,6),  p(6,7),  p(8,9),p(10,11),       U,
                         U,       U,       U,       U,       U,       U,       U,       U,       U,       U],
    /* M  125 */ [       D,       D,       D,  p(0,1),       U,       D,       D,  p(1,2),  p(2,3),  p(3,4),  p(5,6),  p(6,7),  p(8,9),p(10,11),       U,       U,
                         U,       U,       U,       U,       U,       U,       U,       U,       U,       U],
    /* N  200 */ [       D,       D,  p(0,1),       U,       D,       D,  p(1,2),  p(2,3),  p(3,4),  p(5,6),  p(6,7),  p(8,9),p(10,11),       U,       U,       U,
                         U,       U,       U,       U,       U,       U,       U,       U,       U,       U],
    /* P  315 */ [       D,  p(0,1),       U,       D,       D,  p(1,2),  p(2,3),  p(3,4),  p(5,6),  p(6,7),  p(8,9),p(10,11),       U,       U,       U,       U,
                         U,       U,       U,       U,       U,       U,       U,       U,       U,       U],
    /* Q  500 */ [  p(0,1),       U,       U,       D,  p(1,2),  p(2,3),  p(3,4),  p(5,6),  p(6,7),  p(8,9),p(10,11),       U,       U,       U,       U,       U,
                         U,       U,       U,       U,       U,       U,       U,       U,       U,       U],
    /* R  800 */ [       U,       U,       U,  p(1,2),  p(2,3),  p(3,4),  p(5,6),  p(6,7),  p(8,9),p(10,11),       U,       U,       U,       U,       U,       U,
                         U,       U,       U,       U,       U,       U,       U,       U,       U,       U],
];

/// Table 1: the code letter for a lot size (at least 1) and an inspection level.
pub(crate) fn table_1(lot_size: u64, level: InspectionLevel) -> CodeLetter {
    let column = match level {
        InspectionLevel::S1 => 0,
        InspectionLevel::S2 => 1,
        InspectionLevel::S3 => 2,
        InspectionLevel::S4 => 3,
        InspectionLevel::I => 4,
        InspectionLevel::II => 5,
        InspectionLevel::III => 6,
    };
    let row = TABLE_1
        .iter()
        .find(|(max, _)| lot_size <= *max)
        .unwrap_or(&TABLE_1[TABLE_1.len() - 1]);
    row.1[column]
}

/// The rows of the master table for a severity.
pub(crate) fn master(severity: Severity) -> &'static [[Cell; 26]] {
    match severity {
        Severity::Normal => &NORMAL,
        Severity::Tightened => &TIGHTENED,
        Severity::Reduced => &REDUCED,
    }
}

/// The sample size of a code letter's row in a severity's master table, if the table has the row.
pub(crate) fn sample_size(severity: Severity, letter: CodeLetter) -> Option<u32> {
    let sizes: &[u32] = match severity {
        Severity::Normal | Severity::Tightened => &SAMPLE_SIZE,
        Severity::Reduced => &REDUCED_SAMPLE_SIZE,
    };
    let rows = master(severity).len();
    let index = letter.index();
    (index < rows).then(|| sizes.get(index).copied()).flatten()
}

/// Follows the arrows from `letter`'s row in the AQL's column: the code letter whose row holds
/// the plan, with its Ac and Re. `None` only if the transcription were broken (an arrow leading
/// off the table or onto a blank); the tests check that this never happens.
pub(crate) fn resolve(
    severity: Severity,
    letter: CodeLetter,
    aql: Aql,
) -> Option<(CodeLetter, u32, u32)> {
    let table = master(severity);
    let column = aql.index();
    let mut row = letter.index();
    let direction = match table.get(row)?[column] {
        Cell::Plan(ac, re) => return Some((letter, ac, re)),
        Cell::Blank => return None,
        Cell::Down => 1isize,
        Cell::Up => -1isize,
    };
    loop {
        row = row.checked_add_signed(direction)?;
        match table.get(row)?[column] {
            Cell::Plan(ac, re) => return Some((CodeLetter::from_index(row)?, ac, re)),
            Cell::Blank => return None,
            Cell::Down | Cell::Up => {}
        }
    }
}
