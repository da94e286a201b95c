//! `earshot stats`: the figures the QA app shows, recomputed from a CSV file or a few numbers with
//! the same library code ([`earshot_stats`], [`earshot_acceptance`]), so that an auditor can check
//! any of them outside the app. Reads no configuration and opens no database.
//!
//! Each subcommand prints aligned text, or with `--json` the library's result inside a small
//! envelope (`command`, `inputs`, `result`). Bad input (a ragged CSV row, a non-number where
//! numbers are needed, an unknown level, a lot of 0 calls, a missing file) is one line on stderr
//! naming the file, line and problem, and exit status 2; other failures (stdout closed) exit 1.

use std::fmt::{Display, Write as _};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand};
use earshot_acceptance::{Aql, InspectionLevel, SamplingPlan};
use earshot_stats::{
    cohen_kappa_with_confidence, fleiss_kappa, icc_with_confidence, krippendorff_alpha,
    sample_size_for_proportion, wilson, z_for_confidence, Level, RatingTable, StatsError,
};
use serde_json::{json, Value};

#[derive(Args)]
pub struct StatsArgs {
    /// Print JSON (the command, its inputs and the full result) instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: StatsCommand,
}

/// The CSV layout of `alpha`, `icc` and `kappa`, for their help.
const CSV_HELP: &str = "CSV file, `-` for standard input: a header row of rater names, then one \
                        row per unit (call) with one column per rater; an empty cell is a missing \
                        rating";

#[derive(Subcommand)]
pub enum StatsCommand {
    /// Krippendorff's alpha (Krippendorff 2011): any number of raters, missing ratings allowed.
    Alpha {
        /// Level of measurement: nominal (any labels), ordinal, interval or ratio (numbers).
        #[arg(long)]
        level: String,
        #[arg(help = CSV_HELP)]
        file: PathBuf,
    },
    /// The six intraclass correlations of Shrout & Fleiss (1979), with F tests, confidence
    /// intervals and the ANOVA mean squares. Needs a score from every rater for every unit.
    Icc {
        /// Confidence level of the intervals, between 0 and 1.
        #[arg(long, default_value_t = 0.95)]
        confidence: f64,
        #[arg(help = CSV_HELP)]
        file: PathBuf,
    },
    /// Cohen's kappa (two rater columns) or Fleiss' kappa (more); the cells are category labels.
    Kappa {
        /// Confidence level of Cohen's kappa's interval, between 0 and 1.
        #[arg(long, default_value_t = 0.95)]
        confidence: f64,
        #[arg(help = CSV_HELP)]
        file: PathBuf,
    },
    /// Calls to evaluate to estimate a proportion within a margin of error (Cochran 1977, 4.4).
    SampleSize {
        /// Number of calls in the population (omit for an infinite population).
        #[arg(long)]
        population: Option<u64>,
        /// Confidence level, between 0 and 1 (e.g. 0.95).
        #[arg(long)]
        confidence: f64,
        /// Margin of error, as a proportion (0.05 for ±5 percentage points).
        #[arg(long)]
        margin: f64,
        /// The proportion expected; 0.5 is the worst case.
        #[arg(long, default_value_t = 0.5)]
        proportion: f64,
    },
    /// Single sampling plans of ISO 2859-1 / ANSI/ASQ Z1.4: code letter, sample size, Ac and Re
    /// for normal, tightened and reduced inspection.
    Z14 {
        /// Calls in the lot.
        #[arg(long)]
        lot_size: u64,
        /// Inspection level: I, II, III, S-1, S-2, S-3 or S-4.
        #[arg(long)]
        level: String,
        /// Acceptance quality limit, a preferred value of the tables (e.g. 0.65, 1.0, 2.5).
        #[arg(long)]
        aql: String,
    },
    /// Wilson score interval for a proportion (Wilson 1927; Newcombe 1998).
    Wilson {
        #[arg(long)]
        successes: u64,
        #[arg(long)]
        trials: u64,
        /// Confidence level, between 0 and 1.
        #[arg(long, default_value_t = 0.95)]
        confidence: f64,
    },
}

/// Why a subcommand stopped.
#[derive(Debug)]
enum Failure {
    /// The user's input is wrong: exit status 2.
    Input(String),
    /// Anything else (writing the output failed): exit status 1.
    Other(String),
}

/// What a subcommand computed: the text to print, and the JSON to print instead with `--json`.
struct Report {
    text: String,
    json: Value,
}

/// Runs `earshot stats …`, printing the result on stdout or one line on stderr.
pub fn run(args: StatsArgs) -> ExitCode {
    let outcome = report(args.command).and_then(|report| {
        let out = if args.json {
            let mut s = serde_json::to_string_pretty(&report.json)
                .map_err(|e| Failure::Other(format!("cannot write JSON: {e}")))?;
            s.push('\n');
            s
        } else {
            report.text
        };
        let mut stdout = std::io::stdout().lock();
        stdout
            .write_all(out.as_bytes())
            .and_then(|()| stdout.flush())
            .map_err(|e| Failure::Other(format!("cannot write the output: {e}")))
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Input(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
        Err(Failure::Other(message)) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn report(command: StatsCommand) -> Result<Report, Failure> {
    match command {
        StatsCommand::Alpha { level, file } => {
            let level: Level = level
                .parse()
                .map_err(|e: StatsError| Failure::Input(format!("--level: {e}")))?;
            let (source, text) = read_input(&file)?;
            alpha(&source, &text, level)
        }
        StatsCommand::Icc { confidence, file } => {
            check_confidence(confidence)?;
            let (source, text) = read_input(&file)?;
            icc(&source, &text, confidence)
        }
        StatsCommand::Kappa { confidence, file } => {
            check_confidence(confidence)?;
            let (source, text) = read_input(&file)?;
            kappa(&source, &text, confidence)
        }
        StatsCommand::SampleSize {
            population,
            confidence,
            margin,
            proportion,
        } => sample_size(population, confidence, margin, proportion),
        StatsCommand::Z14 {
            lot_size,
            level,
            aql,
        } => z14(lot_size, &level, &aql),
        StatsCommand::Wilson {
            successes,
            trials,
            confidence,
        } => wilson_interval(successes, trials, confidence),
    }
}

/// Checks `--confidence` before reading a file, so that its error is not reported as the file's.
fn check_confidence(confidence: f64) -> Result<(), Failure> {
    z_for_confidence(confidence)
        .map(|_| ())
        .map_err(|e| Failure::Input(format!("--confidence: {e}")))
}

/// Reads `file` (`-` for standard input) as UTF-8 text, with the name to use in messages.
fn read_input(file: &Path) -> Result<(String, String), Failure> {
    let mut bytes = Vec::new();
    let source = if file == Path::new("-") {
        std::io::stdin()
            .read_to_end(&mut bytes)
            .map_err(|e| Failure::Input(format!("cannot read standard input: {e}")))?;
        "standard input".to_owned()
    } else {
        let name = file.display().to_string();
        bytes =
            std::fs::read(file).map_err(|e| Failure::Input(format!("cannot read {name}: {e}")))?;
        name
    };
    let text = String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = 1 + valid.iter().filter(|&&b| b == b'\n').count();
        Failure::Input(format!(
            "{source} line {line}: not UTF-8 text (save the CSV as UTF-8)"
        ))
    })?;
    Ok((source, text))
}

/// A statistics error about `source`: `ratings.csv line 4 has 3 cells, …` for the errors that name
/// a line, `ratings.csv: …` for the others.
fn in_file(source: &str, error: &StatsError) -> Failure {
    let message = error.to_string();
    Failure::Input(if message.starts_with("line ") {
        format!("{source} {message}")
    } else {
        format!("{source}: {message}")
    })
}

/// Like [`in_file`], but an error that names a unit and rater by position (1-based) is
/// re-worded with the CSV line and the rater's name, which is what the auditor has in front of
/// them.
fn in_table(source: &str, table: &RatingTable, error: &StatsError) -> Failure {
    if let StatsError::NegativeRatioValue { unit, rater, .. }
    | StatsError::NonFiniteValue { unit, rater, .. } = *error
    {
        let message = error.to_string();
        let prefix = format!("unit {unit}, rater {rater}: ");
        if let (Some(rest), Some(line), Some(name)) = (
            message.strip_prefix(&prefix),
            unit.checked_sub(1).and_then(|u| table.line(u)),
            rater.checked_sub(1).and_then(|r| table.raters().get(r)),
        ) {
            return Failure::Input(format!("{source} line {line}, rater \"{name}\": {rest}"));
        }
    }
    in_file(source, error)
}

fn parse_table(source: &str, text: &str) -> Result<RatingTable, Failure> {
    RatingTable::parse_csv(text).map_err(|e| in_file(source, &e))
}

/// The CSV lines of the units for which `left_out` holds.
fn lines_where(table: &RatingTable, left_out: impl Fn(&[Option<String>]) -> bool) -> Vec<usize> {
    table
        .rows()
        .iter()
        .enumerate()
        .filter(|(_, row)| left_out(row))
        .filter_map(|(u, _)| table.line(u))
        .collect()
}

/// `1 unit was` / `3 units were`.
fn units_were(n: usize) -> String {
    if n == 1 {
        "1 unit was".to_owned()
    } else {
        format!("{n} units were")
    }
}

/// `line 13` / `lines 4, 9, 13`, the first 20 of them.
fn line_list(lines: &[usize]) -> String {
    const SHOWN: usize = 20;
    let mut s = String::from(if lines.len() == 1 { "line " } else { "lines " });
    let shown: Vec<String> = lines.iter().take(SHOWN).map(usize::to_string).collect();
    s.push_str(&shown.join(", "));
    if lines.len() > SHOWN {
        let _ = write!(s, " and {} more", lines.len() - SHOWN);
    }
    s
}

/// An aligned `label  value` line.
fn row(out: &mut String, label: &str, value: impl Display) {
    let _ = writeln!(out, "  {label:<28}{value}");
}

fn fixed(x: f64, digits: usize) -> String {
    format!("{x:.digits$}")
}

/// A p-value: four decimals, or two significant digits in scientific notation below 0.001.
fn p_value(p: f64) -> String {
    if p < 0.001 {
        format!("{p:.2e}")
    } else {
        format!("{p:.4}")
    }
}

/// `0.95` → `95 %` (to six digits, without floating-point noise such as `95.00000000000001`).
fn percent(fraction: f64) -> String {
    format!("{} %", (fraction * 100.0 * 1e6).round() / 1e6)
}

fn to_json(value: &impl serde::Serialize) -> Result<Value, Failure> {
    serde_json::to_value(value).map_err(|e| Failure::Other(format!("cannot write JSON: {e}")))
}

fn alpha(source: &str, text: &str, level: Level) -> Result<Report, Failure> {
    let table = parse_table(source, text)?;
    let values = match level {
        Level::Nominal => table.nominal().as_values(),
        _ => table.numeric().map_err(|e| in_file(source, &e))?,
    };
    let result = krippendorff_alpha(&values, level).map_err(|e| in_table(source, &table, &e))?;
    let left_out = lines_where(&table, |row| row.iter().flatten().count() < 2);
    let reason = "fewer than two ratings, so nothing to compare them with";

    let mut out = String::new();
    let _ = writeln!(
        out,
        "Krippendorff's alpha, {level} level (Krippendorff 2011): {source}, {} units × {} raters",
        table.rows().len(),
        table.raters().len()
    );
    match result.alpha {
        Some(a) => row(&mut out, "alpha", fixed(a, 4)),
        None => row(
            &mut out,
            "alpha",
            "undefined (every rating is the same: no variation to agree on)",
        ),
    }
    row(
        &mut out,
        "observed disagreement D_o",
        fixed(result.observed_disagreement, 6),
    );
    row(
        &mut out,
        "expected disagreement D_e",
        fixed(result.expected_disagreement, 6),
    );
    row(
        &mut out,
        "units used",
        format!("{} of {}", result.units_used, result.units_total),
    );
    row(&mut out, "pairable values", result.pairable_values);
    if result.units_left_out > 0 {
        let _ = writeln!(
            out,
            "{} left out ({}): {reason}.",
            units_were(result.units_left_out),
            line_list(&left_out)
        );
    } else {
        let _ = writeln!(out, "No unit was left out.");
    }
    let json = json!({
        "command": "alpha",
        "inputs": {
            "file": source,
            "level": level,
            "raters": table.raters(),
        },
        "result": to_json(&result)?,
        "left_out": { "lines": left_out, "reason": reason },
    });
    Ok(Report { text: out, json })
}

fn icc(source: &str, text: &str, confidence: f64) -> Result<Report, Failure> {
    let table = parse_table(source, text)?;
    let scores = table.complete_numeric().map_err(|e| in_file(source, &e))?;
    let report =
        icc_with_confidence(&scores, confidence).map_err(|e| in_table(source, &table, &e))?;

    let mut out = String::new();
    let _ = writeln!(
        out,
        "Intraclass correlations (Shrout & Fleiss 1979): {source}, {} units × {} raters",
        report.units, report.raters
    );
    let ci = format!("{} CI", percent(report.confidence));
    let _ = writeln!(
        out,
        "  {:<9} {:<9} {:>8} {:>9} {:>4} {:>4} {:>9}  {:<19} model",
        "form", "McGraw-W.", "value", "F", "df1", "df2", "p", ci
    );
    for e in report.estimates() {
        let undefined = || "-".to_owned();
        let interval = e.interval.map_or_else(undefined, |i| {
            format!("{:>8} to {:<7}", fixed(i.low, 4), fixed(i.high, 4))
        });
        let _ = writeln!(
            out,
            "  {:<9} {:<9} {:>8} {:>9} {:>4} {:>4} {:>9}  {:<19} {}",
            e.name,
            e.mcgraw_wong,
            e.value.map_or_else(undefined, |v| fixed(v, 4)),
            e.f.map_or_else(undefined, |f| fixed(f, 4)),
            e.df1,
            e.df2,
            e.p_value.map_or_else(undefined, p_value),
            interval,
            e.description
        );
    }
    let a = &report.anova;
    let _ = writeln!(out, "Two-way ANOVA mean squares:");
    for (label, ms, df) in [
        ("BMS (between units)", a.bms, a.df_between),
        ("WMS (within units)", a.wms, a.df_within),
        ("JMS (between raters)", a.jms, a.df_raters),
        ("EMS (residual)", a.ems, a.df_error),
    ] {
        row(&mut out, label, format!("{:>12}   df {df}", fixed(ms, 6)));
    }
    let json = json!({
        "command": "icc",
        "inputs": {
            "file": source,
            "confidence": confidence,
            "raters": table.raters(),
        },
        "result": to_json(&report)?,
    });
    Ok(Report { text: out, json })
}

fn kappa(source: &str, text: &str, confidence: f64) -> Result<Report, Failure> {
    let table = parse_table(source, text)?;
    let ratings = table.nominal();
    let result = if ratings.raters() == 2 {
        cohen_kappa_with_confidence(&ratings, confidence)
    } else {
        fleiss_kappa(&ratings)
    }
    .map_err(|e| in_table(source, &table, &e))?;
    let left_out = lines_where(&table, |row| row.iter().any(Option::is_none));
    let reason = "a missing rating: kappa needs a rating from every rater on every unit";

    let mut out = String::new();
    let (name, citation) = match result.method {
        earshot_stats::KappaMethod::Cohen => ("Cohen's kappa", "Cohen 1960"),
        earshot_stats::KappaMethod::Fleiss => ("Fleiss' kappa", "Fleiss 1971"),
    };
    let _ = writeln!(
        out,
        "{name} ({citation}): {source}, {} units × {} raters",
        table.rows().len(),
        result.raters
    );
    match result.kappa {
        Some(k) => row(&mut out, "kappa", fixed(k, 4)),
        None => row(
            &mut out,
            "kappa",
            "undefined (every rating is in the same category)",
        ),
    }
    row(
        &mut out,
        "observed agreement",
        fixed(result.observed_agreement, 4),
    );
    row(
        &mut out,
        "chance agreement",
        fixed(result.expected_agreement, 4),
    );
    if let Some(se) = result.standard_error {
        row(&mut out, "standard error", fixed(se, 4));
    }
    if let (Some(i), Some(c)) = (result.interval, result.confidence) {
        row(
            &mut out,
            &format!("{} CI", percent(c)),
            format!("{} to {}", fixed(i.low, 4), fixed(i.high, 4)),
        );
    }
    if let (Some(z), Some(p)) = (result.z, result.p_value) {
        row(
            &mut out,
            "test of kappa = 0",
            format!("z = {}, p = {}", fixed(z, 3), p_value(p)),
        );
    }
    row(&mut out, "categories", result.categories.join(", "));
    row(
        &mut out,
        "units used",
        format!(
            "{} of {}",
            result.units_used,
            result.units_used + result.units_left_out
        ),
    );
    if result.units_left_out > 0 {
        let _ = writeln!(
            out,
            "{} left out ({}): {reason}.",
            units_were(result.units_left_out),
            line_list(&left_out)
        );
    } else {
        let _ = writeln!(out, "No unit was left out.");
    }
    let json = json!({
        "command": "kappa",
        "inputs": {
            "file": source,
            "confidence": confidence,
            "raters": table.raters(),
        },
        "result": to_json(&result)?,
        "left_out": { "lines": left_out, "reason": reason },
    });
    Ok(Report { text: out, json })
}

fn sample_size(
    population: Option<u64>,
    confidence: f64,
    margin: f64,
    proportion: f64,
) -> Result<Report, Failure> {
    let s = sample_size_for_proportion(population, confidence, margin, proportion)
        .map_err(|e| Failure::Input(e.to_string()))?;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Sample size for a proportion (Cochran 1977, 4.4; Krejcie & Morgan 1970)"
    );
    row(&mut out, "sample size", s.n);
    row(
        &mut out,
        "population",
        population.map_or_else(|| "infinite".to_owned(), |n| n.to_string()),
    );
    row(&mut out, "confidence", percent(s.confidence));
    row(&mut out, "margin of error", format!("± {}", s.margin));
    row(&mut out, "expected proportion", s.proportion);
    row(&mut out, "z", fixed(s.z, 6));
    row(&mut out, "n0 = z² p (1 − p) / E²", fixed(s.n0, 3));
    if population.is_some() {
        row(&mut out, "n0 / (1 + (n0 − 1) / N)", fixed(s.n_unrounded, 3));
    }
    let json = json!({
        "command": "sample-size",
        "inputs": {
            "population": population,
            "confidence": confidence,
            "margin": margin,
            "proportion": proportion,
        },
        "result": to_json(&s)?,
    });
    Ok(Report { text: out, json })
}

fn z14(lot_size: u64, level: &str, aql: &str) -> Result<Report, Failure> {
    let level: InspectionLevel = level
        .parse()
        .map_err(|e: earshot_acceptance::Error| Failure::Input(format!("--level: {e}")))?;
    let aql: Aql = aql
        .parse()
        .map_err(|e: earshot_acceptance::Error| Failure::Input(format!("--aql: {e}")))?;
    let plans = earshot_acceptance::plans(lot_size, level, aql)
        .map_err(|e| Failure::Input(e.to_string()))?;

    let mut out = String::new();
    let _ = writeln!(
        out,
        "Single sampling plans (ISO 2859-1:1999 / ANSI/ASQ Z1.4): lot of {lot_size} calls, \
         inspection level {level}, AQL {aql}"
    );
    row(&mut out, "code letter (Table 1)", plans.code_letter);
    let _ = writeln!(
        out,
        "  {:<10} {:<6} {:>6} {:>6} {:>4} {:>4}",
        "inspection", "table", "letter", "sample", "Ac", "Re"
    );
    let plan_row = |out: &mut String, p: &SamplingPlan| {
        let _ = write!(
            out,
            "  {:<10} {:<6} {:>6} {:>6} {:>4} {:>4}",
            p.severity.as_str(),
            p.severity.table(),
            p.code_letter.to_string(),
            p.sample_size,
            p.accept,
            p.reject
        );
        if p.hundred_percent {
            let _ = write!(
                out,
                "   (sample ≥ lot: inspect all {} calls)",
                p.units_to_inspect
            );
        }
        out.push('\n');
    };
    for p in [&plans.normal, &plans.tightened, &plans.reduced] {
        plan_row(&mut out, p);
    }
    let _ = writeln!(
        out,
        "Accept the lot with at most Ac defective calls in the sample; reject it with Re or more.\n\
         Reduced plans are ISO 2859-1:1999's (Re = Ac + 1); ANSI/ASQ Z1.4's Table II-C differs."
    );
    let json = json!({
        "command": "z14",
        "inputs": {
            "lot_size": lot_size,
            "level": level,
            "aql": aql,
        },
        "result": to_json(&plans)?,
    });
    Ok(Report { text: out, json })
}

fn wilson_interval(successes: u64, trials: u64, confidence: f64) -> Result<Report, Failure> {
    let interval = wilson(successes, trials, confidence)
        .map_err(|e| Failure::Input(e.to_string()))?
        .ok_or_else(|| {
            Failure::Input(
                "--trials must be at least 1: with no trials there is no proportion to estimate"
                    .to_owned(),
            )
        })?;
    // trials ≥ 1 here.
    let proportion = successes as f64 / trials as f64;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Wilson score interval for a proportion (Wilson 1927; Newcombe 1998)"
    );
    row(
        &mut out,
        "proportion",
        format!("{successes}/{trials} = {}", fixed(proportion, 4)),
    );
    row(
        &mut out,
        &format!("{} CI", percent(confidence)),
        format!("{} to {}", fixed(interval.low, 4), fixed(interval.high, 4)),
    );
    let json = json!({
        "command": "wilson",
        "inputs": {
            "successes": successes,
            "trials": trials,
            "confidence": confidence,
        },
        "result": {
            "proportion": proportion,
            "interval": to_json(&interval)?,
        },
    });
    Ok(Report { text: out, json })
}
