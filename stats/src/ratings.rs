//! Rating tables: who rated what, as read from the CSV an auditor exports from a calibration
//! session, and the numeric and nominal views the agreement statistics take.
//!
//! The CSV layout is one column per rater and one row per rated unit (a call, an evaluation
//! question), with the rater names in a header row; an empty cell means that rater did not rate
//! that unit:
//!
//! ```text
//! alice,bob,carol
//! 3,3,4
//! 2,,2
//! ```
//!
//! ```
//! use earshot_stats::RatingTable;
//!
//! let table = RatingTable::parse_csv("alice,bob,carol\n3,3,4\n2,,2\n").unwrap();
//! assert_eq!(table.raters(), ["alice", "bob", "carol"]);
//! assert_eq!(table.numeric().unwrap()[1], [Some(2.0), None, Some(2.0)]);
//! // ICC needs complete rows; the error names line and rater.
//! assert_eq!(
//!     table.complete_numeric().unwrap_err().to_string(),
//!     "line 3, rater \"bob\": missing value (this statistic needs complete rows)"
//! );
//! ```

use crate::StatsError;

/// A unit × rater table of ratings, as text: `rows()[u][r]` is rater `r`'s rating of unit `u`,
/// `None` where that rater left it blank.
///
/// Built by [`RatingTable::parse_csv`] or [`RatingTable::new`], both of which guarantee unique,
/// non-empty rater names, at least one unit, and one cell per rater in every row. Cells are
/// trimmed, and a cell that is empty after trimming is `None`.
#[derive(Debug, Clone, PartialEq)]
pub struct RatingTable {
    raters: Vec<String>,
    rows: Vec<Vec<Option<String>>>,
    /// The 1-based line each row starts on, for error messages.
    lines: Vec<usize>,
}

impl RatingTable {
    /// Reads a rating table from CSV text (RFC 4180): the first record is the header of rater
    /// names, each following record one unit.
    ///
    /// Accepts quoted fields (`"a,b"`, with `""` for a quote inside them, and line breaks inside
    /// quotes), LF or CRLF line ends, a UTF-8 byte-order mark, and a missing final line break.
    /// Blank lines are skipped wherever they are (a spreadsheet export often ends with some).
    /// Spaces around a cell are ignored, including before an opening or after a closing quote.
    ///
    /// Errors name the 1-based line: a row whose cell count differs from the header's, a quote
    /// left open, a stray quote inside an unquoted cell, an empty or repeated rater name, no
    /// header at all, or a header with no rows under it.
    pub fn parse_csv(text: &str) -> Result<Self, StatsError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut records = parse_records(text)?.into_iter();
        let (_, header) = records.next().ok_or(StatsError::EmptyTable)?;
        let raters = check_raters(header.into_iter().map(|cell| cell.text).collect())?;
        let mut rows = Vec::new();
        let mut lines = Vec::new();
        for (line, record) in records {
            if record.len() != raters.len() {
                return Err(StatsError::RaggedRow {
                    line,
                    cells: record.len(),
                    expected: raters.len(),
                });
            }
            rows.push(
                record
                    .into_iter()
                    .map(|cell| non_empty(&cell.text))
                    .collect(),
            );
            lines.push(line);
        }
        if rows.is_empty() {
            return Err(StatsError::NoDataRows);
        }
        Ok(RatingTable {
            raters,
            rows,
            lines,
        })
    }

    /// A table from rater names and rows of cells (trimmed; empty cells become `None`), with the
    /// same checks as [`RatingTable::parse_csv`]. Error messages count lines as if the table had
    /// been written as CSV: the header on line 1 and unit `u` (0-based) on line `u + 2`.
    pub fn new(raters: Vec<String>, rows: Vec<Vec<Option<String>>>) -> Result<Self, StatsError> {
        let raters = check_raters(raters)?;
        if rows.is_empty() {
            return Err(StatsError::NoDataRows);
        }
        let lines: Vec<usize> = (0..rows.len()).map(|u| u + 2).collect();
        let rows = rows
            .into_iter()
            .zip(&lines)
            .map(|(row, &line)| {
                if row.len() == raters.len() {
                    Ok(row
                        .into_iter()
                        .map(|cell| cell.as_deref().and_then(non_empty))
                        .collect())
                } else {
                    Err(StatsError::RaggedRow {
                        line,
                        cells: row.len(),
                        expected: raters.len(),
                    })
                }
            })
            .collect::<Result<_, _>>()?;
        Ok(RatingTable {
            raters,
            rows,
            lines,
        })
    }

    /// Rater names, in column order.
    pub fn raters(&self) -> &[String] {
        &self.raters
    }

    /// One row per unit, one cell per rater (`None` = not rated).
    pub fn rows(&self) -> &[Vec<Option<String>>] {
        &self.rows
    }

    /// The 1-based line of the CSV that unit `unit` (0-based) starts on, or `None` past the end.
    pub fn line(&self, unit: usize) -> Option<usize> {
        self.lines.get(unit).copied()
    }

    /// The ratings as numbers, for Krippendorff's alpha at the ordinal, interval or ratio level.
    ///
    /// Every non-empty cell must parse as a finite number (`3`, `-1.5`, `2e3`); otherwise the
    /// error names the line, the rater and the cell's text.
    pub fn numeric(&self) -> Result<Vec<Vec<Option<f64>>>, StatsError> {
        self.map_cells(|line, rater, cell| match cell {
            None => Ok(None),
            Some(text) => parse_number(line, rater, text).map(Some),
        })
    }

    /// The ratings as numbers with no gaps, for the intraclass correlation, which needs every
    /// rater's rating of every unit: the first empty cell (in reading order) is an error naming
    /// its line and rater, as is any cell that is not a finite number.
    pub fn complete_numeric(&self) -> Result<Vec<Vec<f64>>, StatsError> {
        self.map_cells(|line, rater, cell| match cell {
            None => Err(StatsError::MissingValue {
                line,
                rater: rater.to_owned(),
            }),
            Some(text) => parse_number(line, rater, text),
        })
    }

    /// The ratings as category labels, for kappa and nominal alpha: categories are numbered in
    /// order of first appearance (reading row by row, left to right), and each label is the
    /// cell's trimmed text, compared exactly (`"Pass"` and `"pass"` are two categories).
    pub fn nominal(&self) -> NominalRatings {
        let mut categories: Vec<String> = Vec::new();
        let units = self
            .rows
            .iter()
            .map(|row| {
                row.iter()
                    .map(|cell| {
                        cell.as_ref().map(|label| {
                            categories
                                .iter()
                                .position(|c| c == label)
                                .unwrap_or_else(|| {
                                    categories.push(label.clone());
                                    categories.len() - 1
                                })
                        })
                    })
                    .collect()
            })
            .collect();
        NominalRatings {
            categories,
            raters: self.raters.len(),
            units,
        }
    }

    fn map_cells<T>(
        &self,
        f: impl Fn(usize, &str, Option<&str>) -> Result<T, StatsError>,
    ) -> Result<Vec<Vec<T>>, StatsError> {
        self.rows
            .iter()
            .zip(&self.lines)
            .map(|(row, &line)| {
                row.iter()
                    .zip(&self.raters)
                    .map(|(cell, rater)| f(line, rater, cell.as_deref()))
                    .collect()
            })
            .collect()
    }
}

/// Nominal ratings as category codes: `units()[u][r]` is the index into `categories()` of rater
/// `r`'s rating of unit `u`, `None` where missing. Every code is a valid index and every unit
/// has one entry per rater.
///
/// The input of [`cohen_kappa`](crate::cohen_kappa) and [`fleiss_kappa`](crate::fleiss_kappa);
/// get one from [`RatingTable::nominal`] or build one with [`NominalRatings::new`].
#[derive(Debug, Clone, PartialEq)]
pub struct NominalRatings {
    categories: Vec<String>,
    raters: usize,
    units: Vec<Vec<Option<usize>>>,
}

impl NominalRatings {
    /// Checks that every unit has `raters` entries and every code indexes `categories`.
    pub fn new(
        categories: Vec<String>,
        raters: usize,
        units: Vec<Vec<Option<usize>>>,
    ) -> Result<Self, StatsError> {
        for (u, unit) in units.iter().enumerate() {
            if unit.len() != raters {
                return Err(StatsError::RaggedUnits {
                    unit: u + 1,
                    raters: unit.len(),
                    expected: raters,
                });
            }
            for (r, code) in unit.iter().enumerate() {
                if let Some(code) = *code {
                    if code >= categories.len() {
                        return Err(StatsError::CategoryOutOfRange {
                            unit: u + 1,
                            rater: r + 1,
                            code,
                            categories: categories.len(),
                        });
                    }
                }
            }
        }
        Ok(NominalRatings {
            categories,
            raters,
            units,
        })
    }

    /// Category labels; code `c` stands for `categories()[c]`.
    pub fn categories(&self) -> &[String] {
        &self.categories
    }

    /// Number of raters (entries per unit).
    pub fn raters(&self) -> usize {
        self.raters
    }

    /// One row of codes per unit.
    pub fn units(&self) -> &[Vec<Option<usize>>] {
        &self.units
    }

    /// The codes as numbers, for [`krippendorff_alpha`](crate::krippendorff_alpha) at the
    /// nominal level (which only asks whether two values are equal, so the numbering does not
    /// matter).
    pub fn as_values(&self) -> Vec<Vec<Option<f64>>> {
        self.units
            .iter()
            .map(|unit| unit.iter().map(|code| code.map(|c| c as f64)).collect())
            .collect()
    }
}

fn non_empty(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

fn parse_number(line: usize, rater: &str, text: &str) -> Result<f64, StatsError> {
    match text.parse::<f64>() {
        Ok(value) if value.is_finite() => Ok(value),
        _ => Err(StatsError::NotANumber {
            line,
            rater: rater.to_owned(),
            value: text.to_owned(),
        }),
    }
}

fn check_raters(names: Vec<String>) -> Result<Vec<String>, StatsError> {
    let names: Vec<String> = names.into_iter().map(|n| n.trim().to_owned()).collect();
    for (i, name) in names.iter().enumerate() {
        if name.is_empty() {
            return Err(StatsError::EmptyRaterName { column: i + 1 });
        }
        if let Some(first) = names[..i].iter().position(|n| n == name) {
            return Err(StatsError::DuplicateRater {
                name: name.clone(),
                first: first + 1,
                second: i + 1,
            });
        }
    }
    Ok(names)
}

/// A CSV cell before trimming, and whether it was quoted (a quoted empty cell is still a cell,
/// which matters for telling a blank line from a one-column row).
struct Cell {
    text: String,
    quoted: bool,
}

/// Splits CSV text into records, each with the 1-based line it starts on, skipping blank lines.
fn parse_records(text: &str) -> Result<Vec<(usize, Vec<Cell>)>, StatsError> {
    enum State {
        /// At the start of a cell (possibly after spaces, which are kept in `cell`).
        Start,
        Unquoted,
        Quoted,
        /// Just read a `"` inside a quoted cell: either the closing quote or half of `""`.
        QuoteInQuoted,
        /// After the closing quote; only spaces may follow before `,` or the line end.
        AfterQuote,
    }

    let mut records = Vec::new();
    let mut record: Vec<Cell> = Vec::new();
    let mut cell = Cell {
        text: String::new(),
        quoted: false,
    };
    let mut state = State::Start;
    let mut line = 1;
    let mut record_line = 1;
    let mut quote_line = 1;
    let mut chars = text.chars().peekable();

    fn end_cell(record: &mut Vec<Cell>, cell: &mut Cell) {
        record.push(std::mem::replace(
            cell,
            Cell {
                text: String::new(),
                quoted: false,
            },
        ));
    }
    fn end_record(
        records: &mut Vec<(usize, Vec<Cell>)>,
        record: &mut Vec<Cell>,
        record_line: usize,
    ) {
        let record = std::mem::take(record);
        let blank = record.len() == 1 && !record[0].quoted && record[0].text.trim().is_empty();
        if !blank {
            records.push((record_line, record));
        }
    }

    while let Some(c) = chars.next() {
        // A line break is "\n", "\r\n" or a lone "\r".
        let newline = c == '\n' || c == '\r';
        if c == '\r' && chars.peek() == Some(&'\n') {
            chars.next();
        }
        state = match state {
            State::Start | State::Unquoted if newline => {
                end_cell(&mut record, &mut cell);
                end_record(&mut records, &mut record, record_line);
                line += 1;
                record_line = line;
                State::Start
            }
            State::Start | State::Unquoted if c == ',' => {
                end_cell(&mut record, &mut cell);
                State::Start
            }
            State::Start if c == '"' && cell.text.trim().is_empty() => {
                cell.text.clear();
                cell.quoted = true;
                quote_line = line;
                State::Quoted
            }
            State::Start | State::Unquoted if c == '"' => {
                return Err(StatsError::StrayQuote { line });
            }
            State::Start | State::Unquoted => {
                cell.text.push(c);
                if c.is_whitespace() && matches!(state, State::Start) {
                    State::Start
                } else {
                    State::Unquoted
                }
            }
            State::Quoted if c == '"' => State::QuoteInQuoted,
            State::Quoted => {
                if newline {
                    // Keep the line break as written, normalized to "\n".
                    cell.text.push('\n');
                    line += 1;
                } else {
                    cell.text.push(c);
                }
                State::Quoted
            }
            State::QuoteInQuoted if c == '"' => {
                cell.text.push('"');
                State::Quoted
            }
            State::QuoteInQuoted | State::AfterQuote if c == ',' => {
                end_cell(&mut record, &mut cell);
                State::Start
            }
            State::QuoteInQuoted | State::AfterQuote if newline => {
                end_cell(&mut record, &mut cell);
                end_record(&mut records, &mut record, record_line);
                line += 1;
                record_line = line;
                State::Start
            }
            State::QuoteInQuoted | State::AfterQuote if c == ' ' || c == '\t' => State::AfterQuote,
            State::QuoteInQuoted | State::AfterQuote => {
                return Err(StatsError::TextAfterQuote { line });
            }
        };
    }
    match state {
        State::Quoted => return Err(StatsError::UnterminatedQuote { line: quote_line }),
        // Text ended right after a line break: no record in progress.
        State::Start if record.is_empty() && cell.text.is_empty() => {}
        _ => {
            end_cell(&mut record, &mut cell);
            end_record(&mut records, &mut record, record_line);
        }
    }
    Ok(records)
}
