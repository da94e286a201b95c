//! `earshot stats` as an auditor runs it: each figure recomputed from a CSV file (tests/stats/) or
//! a few numbers, checked against the same published worked examples as the library tests
//! (stats/tests/*.rs, acceptance/tests/tables.rs), through the binary, in a directory with no
//! configuration and an empty data directory; and every kind of bad input refused with one line
//! on stderr that names the file, line or option, and exit status 2.
//!
//! Sources (the fixture files copy their data; each case below repeats the citation):
//! - Krippendorff, K. (2011), "Computing Krippendorff's Alpha-Reliability", Annenberg School for
//!   Communication Departmental Papers 43, section C: 4 observers × 12 units with missing data,
//!   α = .743 nominal, .815 ordinal, .849 interval, .797 ratio (tests/stats/krippendorff_2011.csv).
//! - Shrout, P. E. & Fleiss, J. L. (1979), "Intraclass correlations: uses in assessing rater
//!   reliability", Psychological Bulletin 86(2), 420–428, Table 2 data and Table 4 ICCs; R's
//!   `psych::ICC` output on those data as printed in D. Wollschläger's RExRepos
//!   (md/interRaterICC.md) (tests/stats/shrout_fleiss_1979.csv).
//! - Wikipedia, "Fleiss' kappa", worked example: 10 subjects × 14 raters, κ = 0.210
//!   (tests/stats/fleiss_1971_wikipedia.csv, the n_ij table written out one rating per cell).
//! - Wikipedia, "Cohen's kappa", grant-proposal example: 50 proposals, readers A and B,
//!   p_o = 0.7, p_e = 0.5, κ = 0.4 (tests/stats/cohen_wikipedia.csv).
//! - Krejcie, R. V. & Morgan, D. W. (1970), "Determining sample size for research activities",
//!   Educational and Psychological Measurement 30, 607–610, Table 1.
//! - Newcombe, R. G. (1998), "Two-sided confidence intervals for the single proportion:
//!   comparison of seven methods", Statistics in Medicine 17, Table I (Wilson score method).
//! - ISO 2859-1:1999 / ANSI/ASQ Z1.4-2003 / MIL-STD-105E Table 1 and Tables 2-A, 2-B (II-A, II-B),
//!   ISO 2859-1:1999 Table 2-C: lot 2000, level II, AQL 0.65; ASQ, "Using ANSI/ASQ Z1.4-2003".

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_earshot");

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/stats")
        .join(name)
}

/// Runs `earshot --data-dir <empty> stats ARGS` in an empty directory (no `earshot.toml`), with
/// no configuration from the environment, feeding `stdin` if given.
fn stats_in(cwd: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let data = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(BIN);
    cmd.arg("--data-dir")
        .arg(data.path())
        .arg("stats")
        .args(args)
        .current_dir(cwd)
        .env_remove("EARSHOT_CONFIG")
        .env_remove("EARSHOT_DATA_DIR")
        .env_remove("EARSHOT_DATABASE_URL")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("earshot runs");
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        pipe.write_all(input.as_bytes()).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    // No database or other file appears in the data directory.
    assert_eq!(std::fs::read_dir(data.path()).unwrap().count(), 0);
    out
}

fn stats(args: &[&str]) -> Output {
    let cwd = tempfile::tempdir().unwrap();
    stats_in(cwd.path(), args, None)
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Stdout of a successful run.
fn success(out: &Output) -> String {
    let (stdout, stderr) = text(out);
    assert!(out.status.success(), "{:?}\n{stdout}\n{stderr}", out.status);
    stdout
}

/// The JSON of a successful `--json` run.
fn json(args: &[&str]) -> Value {
    let mut args = args.to_vec();
    args.push("--json");
    serde_json::from_str(&success(&stats(&args))).expect("stdout is JSON")
}

/// Stderr of a run refused for bad input: exit status 2, one line starting `error: `, no panic.
fn refused(out: &Output) -> String {
    let (stdout, stderr) = text(out);
    assert_eq!(out.status.code(), Some(2), "{stdout}\n{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("{v} is not a number"))
}

fn round(x: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits);
    (x * scale).round() / scale
}

fn assert_close(actual: f64, expected: f64, tolerance: f64) {
    assert!(
        (actual - expected).abs() <= tolerance,
        "{actual} differs from {expected} by more than {tolerance}"
    );
}

#[test]
fn krippendorff_2011_at_all_four_levels() {
    let file = fixture("krippendorff_2011.csv");
    let file = file.to_str().unwrap();
    // Krippendorff (2011), section C: α_nominal = .743, α_ordinal = .815, α_interval = .849,
    // α_ratio = .797.
    for (level, expected) in [
        ("nominal", 0.743),
        ("ordinal", 0.815),
        ("interval", 0.849),
        ("ratio", 0.797),
    ] {
        let out = json(&["alpha", "--level", level, file]);
        assert_eq!(out["command"], "alpha");
        assert_eq!(out["inputs"]["level"], level);
        assert_eq!(
            out["inputs"]["raters"],
            serde_json::json!(["A", "B", "C", "D"])
        );
        let result = &out["result"];
        assert_eq!(round(f(&result["alpha"]), 3), expected, "{level}");
        // Unit 12 has one value (observer B's 3), so it is left out: n.. = 40 (the paper's n)
        // from 11 units. It is on line 13 of the CSV (header on line 1).
        assert_eq!(result["units_total"], 12);
        assert_eq!(result["units_used"], 11);
        assert_eq!(result["units_left_out"], 1);
        assert_eq!(result["pairable_values"], 40);
        assert_eq!(out["left_out"]["lines"], serde_json::json!([13]));
    }

    // The text says what was left out and why. Nominal α by hand (stats/tests/agreement.rs):
    // D_o = 8/40, D_e = 1216/1560, α = 1 − 0.2·1560/1216 = 0.743421.
    let stdout = success(&stats(&["alpha", "--level", "nominal", file]));
    assert!(stdout.contains("0.7434"), "{stdout}");
    assert!(
        stdout.contains(
            "1 unit was left out (line 13): fewer than two ratings, so nothing to compare them with"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("11 of 12"), "{stdout}");
}

#[test]
fn nominal_alpha_takes_any_labels_from_stdin() {
    // Krippendorff (2011) again, the values 1–5 renamed to words: at the nominal level only
    // equality matters, so α is still .743.
    let csv = std::fs::read_to_string(fixture("krippendorff_2011.csv")).unwrap();
    let (header, body) = csv.split_once('\n').unwrap();
    let words = ["", "poor", "fair", "good", "very good", "excellent"];
    let body: String = body
        .chars()
        .map(|c| match c.to_digit(10) {
            Some(d) => words[d as usize].to_owned(),
            None => c.to_string(),
        })
        .collect();
    let cwd = tempfile::tempdir().unwrap();
    let out = stats_in(
        cwd.path(),
        &["alpha", "--level", "nominal", "-", "--json"],
        Some(&format!("{header}\n{body}")),
    );
    let out: Value = serde_json::from_str(&success(&out)).unwrap();
    assert_eq!(out["inputs"]["file"], "standard input");
    assert_eq!(round(f(&out["result"]["alpha"]), 3), 0.743);
    // The same words are not numbers, which the interval level needs: line 2 is the first row.
    let out = stats_in(
        cwd.path(),
        &["alpha", "--level", "interval", "-"],
        Some(&format!("{header}\n{body}")),
    );
    let stderr = refused(&out);
    assert!(
        stderr.contains(r#"standard input line 2, rater "A": "poor" is not a finite number"#),
        "{stderr}"
    );
}

#[test]
fn shrout_fleiss_1979_six_iccs_with_psych_intervals() {
    let file = fixture("shrout_fleiss_1979.csv");
    let out = json(&["icc", file.to_str().unwrap()]);
    assert_eq!(out["command"], "icc");
    let result = &out["result"];
    assert_eq!(
        (result["units"].as_u64(), result["raters"].as_u64()),
        (Some(6), Some(4))
    );
    assert_eq!(f(&result["confidence"]), 0.95);
    let estimates = result["estimates"].as_array().unwrap();
    let names: Vec<&str> = estimates
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["ICC(1,1)", "ICC(2,1)", "ICC(3,1)", "ICC(1,k)", "ICC(2,k)", "ICC(3,k)"]
    );
    // Shrout & Fleiss (1979), Table 4: .17, .29, .71, .44, .62, .91.
    let values: Vec<f64> = estimates.iter().map(|e| round(f(&e["value"]), 2)).collect();
    assert_eq!(values, [0.17, 0.29, 0.71, 0.44, 0.62, 0.91]);
    // psych::ICC on the same data (RExRepos):
    //                          type  ICC    F df1 df2       p lower bound upper bound
    // Single_raters_absolute   ICC1 0.17  1.8   5  18 0.16477      -0.133        0.72
    // Single_random_raters     ICC2 0.29 11.0   5  15 0.00013       0.019        0.76
    // Single_fixed_raters      ICC3 0.71 11.0   5  15 0.00013       0.342        0.95
    // Average_raters_absolute ICC1k 0.44  1.8   5  18 0.16477      -0.884        0.91
    // Average_random_raters   ICC2k 0.62 11.0   5  15 0.00013       0.071        0.93
    // Average_fixed_raters    ICC3k 0.91 11.0   5  15 0.00013       0.676        0.99
    let psych = [
        (1.8, 18.0, 0.16477, -0.133, 0.72),
        (11.0, 15.0, 0.00013, 0.019, 0.76),
        (11.0, 15.0, 0.00013, 0.342, 0.95),
        (1.8, 18.0, 0.16477, -0.884, 0.91),
        (11.0, 15.0, 0.00013, 0.071, 0.93),
        (11.0, 15.0, 0.00013, 0.676, 0.99),
    ];
    for (e, (fv, df2, p, low, high)) in estimates.iter().zip(psych) {
        let name = e["name"].as_str().unwrap();
        assert_eq!(round(f(&e["f"]), 1), fv, "{name}");
        assert_eq!((f(&e["df1"]), f(&e["df2"])), (5.0, df2), "{name}");
        assert_eq!(round(f(&e["p_value"]), 5), p, "{name}");
        assert_eq!(round(f(&e["interval"]["low"]), 3), low, "{name}");
        assert_eq!(round(f(&e["interval"]["high"]), 2), high, "{name}");
    }
    // Mean squares by hand from Table 2 (stats/tests/icc.rs): BMS = 1349/120 = 11.24,
    // JMS = 2339/72 = 32.49, WMS = 2706/432 = 6.26, EMS = 367/360 = 1.02.
    let anova = &result["anova"];
    assert_close(f(&anova["bms"]), 1349.0 / 120.0, 1e-12);
    assert_close(f(&anova["jms"]), 2339.0 / 72.0, 1e-12);
    assert_close(f(&anova["wms"]), 2706.0 / 432.0, 1e-12);
    assert_close(f(&anova["ems"]), 367.0 / 360.0, 1e-12);

    // The text lists the six forms and the mean squares.
    let stdout = success(&stats(&["icc", file.to_str().unwrap()]));
    for needle in [
        "ICC(1,1)",
        "ICC(2,1)",
        "ICC(3,1)",
        "ICC(1,k)",
        "ICC(2,k)",
        "ICC(3,k)",
        "0.2898",
        "BMS",
        "11.241667",
        "EMS",
    ] {
        assert!(
            stdout.contains(needle),
            "{needle:?} missing from:\n{stdout}"
        );
    }
}

#[test]
fn icc_confidence_option() {
    // A 90 % interval lies inside the 95 % one (the F quantiles move towards 1); psych's 95 %
    // ICC(2,1) bounds are 0.019 and 0.76 (above).
    let file = fixture("shrout_fleiss_1979.csv");
    let file = file.to_str().unwrap();
    let at95 = json(&["icc", file]);
    let at90 = json(&["icc", "--confidence", "0.9", file]);
    assert_eq!(f(&at90["inputs"]["confidence"]), 0.9);
    assert_eq!(f(&at90["result"]["confidence"]), 0.9);
    for (a, b) in at90["result"]["estimates"]
        .as_array()
        .unwrap()
        .iter()
        .zip(at95["result"]["estimates"].as_array().unwrap())
    {
        assert_eq!(a["value"], b["value"]);
        assert!(f(&a["interval"]["low"]) > f(&b["interval"]["low"]));
        assert!(f(&a["interval"]["high"]) < f(&b["interval"]["high"]));
    }
    let stdout = success(&stats(&["icc", "--confidence", "0.9", file]));
    assert!(stdout.contains("90 % CI"), "{stdout}");
}

#[test]
fn fleiss_kappa_wikipedia_worked_example() {
    let file = fixture("fleiss_1971_wikipedia.csv");
    let out = json(&["kappa", file.to_str().unwrap()]);
    let k = &out["result"];
    assert_eq!(k["method"], "fleiss");
    // Wikipedia, "Fleiss' kappa": P̄ = 0.378, P̄e = 0.213, κ = 0.210 (0.209930704421).
    assert_eq!(round(f(&k["observed_agreement"]), 3), 0.378);
    assert_eq!(round(f(&k["expected_agreement"]), 3), 0.213);
    assert_close(f(&k["kappa"]), 0.209930704421, 1e-12);
    assert_eq!(
        (k["units_used"].as_u64(), k["units_left_out"].as_u64()),
        (Some(10), Some(0))
    );
    assert_eq!(k["raters"], 14);
    let stdout = success(&stats(&["kappa", file.to_str().unwrap()]));
    assert!(stdout.contains("Fleiss' kappa"), "{stdout}");
    assert!(stdout.contains("0.2099"), "{stdout}");
}

#[test]
fn cohen_kappa_wikipedia_grant_proposals_from_stdin() {
    // Wikipedia, "Cohen's kappa": 50 proposals; both yes 20, A yes B no 5, A no B yes 10, both
    // no 15: p_o = 0.7, p_e = 0.5·0.6 + 0.5·0.4 = 0.5, κ = 0.4.
    let csv = std::fs::read_to_string(fixture("cohen_wikipedia.csv")).unwrap();
    let cwd = tempfile::tempdir().unwrap();
    let out = stats_in(cwd.path(), &["--json", "kappa", "-"], Some(&csv));
    let out: Value = serde_json::from_str(&success(&out)).unwrap();
    let k = &out["result"];
    assert_eq!(k["method"], "cohen");
    assert_close(f(&k["observed_agreement"]), 0.7, 1e-12);
    assert_close(f(&k["expected_agreement"]), 0.5, 1e-12);
    assert_close(f(&k["kappa"]), 0.4, 1e-12);
    assert_eq!(k["categories"], serde_json::json!(["yes", "no"]));
    // Fleiss, Cohen & Everitt (1969) eq. 13 by hand (stats/tests/agreement.rs): Var = 0.016128;
    // 95 %: 0.4 ± 1.959964·0.126996 = (0.151092, 0.648908).
    assert_close(f(&k["standard_error"]), 0.016128_f64.sqrt(), 1e-12);
    assert_eq!(round(f(&k["interval"]["low"]), 6), 0.151092);
    assert_eq!(round(f(&k["interval"]["high"]), 6), 0.648908);
}

#[test]
fn kappa_says_which_units_were_left_out() {
    // Two raters, line 3 missing B's rating: Cohen's kappa on the other two units, both agreeing
    // (p_o = 1, p_e = ½·½ + ½·½ = ½, κ = 1).
    let cwd = tempfile::tempdir().unwrap();
    let out = stats_in(
        cwd.path(),
        &["kappa", "-"],
        Some("A,B\nyes,yes\nno,\nno,no\n"),
    );
    let stdout = success(&out);
    assert!(stdout.contains("1.0000"), "{stdout}");
    assert!(
        stdout.contains(
            "1 unit was left out (line 3): a missing rating: kappa needs a rating from every \
             rater on every unit"
        ),
        "{stdout}"
    );
}

#[test]
fn krejcie_morgan_sample_sizes() {
    // Krejcie & Morgan (1970), Table 1 at 95 %, d = .05, P = .5: N = 100 → 80, 1000 → 278,
    // 10000 → 370, 1000000 → 384 (these four are the same rounded up as the table rounds them).
    for (population, expected) in [(100, 80), (1000, 278), (10_000, 370), (1_000_000, 384)] {
        let population = population.to_string();
        let out = json(&[
            "sample-size",
            "--population",
            &population,
            "--confidence",
            "0.95",
            "--margin",
            "0.05",
        ]);
        assert_eq!(out["command"], "sample-size");
        assert_eq!(out["result"]["n"], expected, "N = {population}");
        assert_eq!(f(&out["result"]["proportion"]), 0.5);
    }
    // No population: n0 = 1.959964²·0.25/0.05² = 384.146 → 385 (Cochran 1977, 4.4).
    let out = json(&["sample-size", "--confidence", "0.95", "--margin", "0.05"]);
    assert_eq!(out["result"]["n"], 385);
    assert!(out["result"]["population"].is_null());
    assert!(out["inputs"]["population"].is_null());
    // Expected pass rate 90 %: 3.841459·0.09/0.0025 = 138.29 → 139.
    let out = json(&[
        "sample-size",
        "--confidence",
        "0.95",
        "--margin",
        "0.05",
        "--proportion",
        "0.9",
    ]);
    assert_eq!(out["result"]["n"], 139);

    let stdout = success(&stats(&[
        "sample-size",
        "--population",
        "100",
        "--confidence",
        "0.95",
        "--margin",
        "0.05",
    ]));
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("  sample size") && l.ends_with(" 80")),
        "{stdout}"
    );
}

#[test]
fn wilson_newcombe_1998() {
    // Newcombe (1998), Table I, Wilson score method, 95 %: 81/263 → 0.2553 to 0.3662;
    // 0/20 → 0 to 0.1611.
    let out = json(&["wilson", "--successes", "81", "--trials", "263"]);
    assert_eq!(out["command"], "wilson");
    assert_eq!(f(&out["inputs"]["confidence"]), 0.95);
    let ci = &out["result"]["interval"];
    assert_eq!(
        (round(f(&ci["low"]), 4), round(f(&ci["high"]), 4)),
        (0.2553, 0.3662)
    );
    assert_close(f(&out["result"]["proportion"]), 81.0 / 263.0, 1e-15);
    let out = json(&["wilson", "--successes", "0", "--trials", "20"]);
    let ci = &out["result"]["interval"];
    assert_eq!((f(&ci["low"]), round(f(&ci["high"]), 4)), (0.0, 0.1611));

    let stdout = success(&stats(&["wilson", "--successes", "81", "--trials", "263"]));
    assert!(stdout.contains("0.2553 to 0.3662"), "{stdout}");
}

#[test]
fn z14_lot_2000_level_ii_aql_0_65() {
    // Lot 2000 at level II → code letter K (Table 1, lots 1201–3200). Table 2-A (normal), K:
    // n = 125, Ac 2, Re 3; Table 2-B (tightened): n = 125, Ac 1, Re 2 (MIL-STD-105E Tables II-A,
    // II-B; ANSI/ASQ Z1.4-2003); ISO 2859-1:1999 Table 2-C (reduced), K: n = 50, Ac 1, Re 2.
    let out = json(&[
        "z14",
        "--lot-size",
        "2000",
        "--level",
        "II",
        "--aql",
        "0.65",
    ]);
    assert_eq!(out["command"], "z14");
    assert_eq!(out["inputs"]["level"], "II");
    assert_eq!(out["inputs"]["aql"], "0.65");
    let plans = &out["result"];
    assert_eq!(plans["code_letter"], "K");
    for (severity, n, ac, re) in [
        ("normal", 125, 2, 3),
        ("tightened", 125, 1, 2),
        ("reduced", 50, 1, 2),
    ] {
        let p = &plans[severity];
        assert_eq!(p["severity"], severity);
        assert_eq!(
            (&p["sample_size"], &p["accept"], &p["reject"]),
            (&Value::from(n), &Value::from(ac), &Value::from(re)),
            "{severity}"
        );
        assert_eq!(p["hundred_percent"], false);
    }
    let stdout = success(&stats(&[
        "z14",
        "--lot-size",
        "2000",
        "--level",
        "II",
        "--aql",
        "0.65",
    ]));
    assert!(stdout.contains("code letter (Table 1)       K"), "{stdout}");
    assert!(
        stdout.lines().any(|l| l
            .split_whitespace()
            .eq(["normal", "2-A", "K", "125", "2", "3"])),
        "{stdout}"
    );
    // ASQ, "Using ANSI/ASQ Z1.4-2003": lot 50 at level III → E; lot 232 at level II → G.
    let out = json(&["z14", "--lot-size", "50", "--level", "III", "--aql", "1.0"]);
    assert_eq!(out["result"]["code_letter"], "E");
    let out = json(&["z14", "--lot-size", "232", "--level", "ii", "--aql", "1.0"]);
    assert_eq!(out["result"]["code_letter"], "G");
}

#[test]
fn bad_csv_files_name_the_file_line_and_problem() {
    let ragged = fixture("bad_ragged.csv");
    let stderr = refused(&stats(&[
        "alpha",
        "--level",
        "interval",
        ragged.to_str().unwrap(),
    ]));
    assert!(
        stderr.contains("bad_ragged.csv line 4 has 3 cells, the header has 4"),
        "{stderr}"
    );
    let stderr = refused(&stats(&["kappa", ragged.to_str().unwrap()]));
    assert!(
        stderr.contains("bad_ragged.csv line 4 has 3 cells"),
        "{stderr}"
    );

    // Numbers are needed at the ordinal, interval and ratio levels and for ICC; nominal takes
    // any label.
    let nan = fixture("bad_not_a_number.csv");
    let nan = nan.to_str().unwrap();
    for args in [
        vec!["alpha", "--level", "ordinal", nan],
        vec!["alpha", "--level", "ratio", nan],
        vec!["icc", nan],
    ] {
        let stderr = refused(&stats(&args));
        assert!(
            stderr.contains(
                r#"bad_not_a_number.csv line 3, rater "A": "n/a" is not a finite number"#
            ),
            "{args:?}: {stderr}"
        );
    }
    success(&stats(&["alpha", "--level", "nominal", nan]));

    // ICC needs complete rows.
    let missing = fixture("bad_icc_missing.csv");
    let stderr = refused(&stats(&["icc", missing.to_str().unwrap()]));
    assert!(
        stderr.contains(
            r#"bad_icc_missing.csv line 4, rater "judge 2": missing value (this statistic needs complete rows)"#
        ),
        "{stderr}"
    );

    // A negative value at the ratio level: named by line and rater, not by position.
    let cwd = tempfile::tempdir().unwrap();
    let stderr = refused(&stats_in(
        cwd.path(),
        &["alpha", "--level", "ratio", "-"],
        Some("x,y\n1,2\n3,-1\n"),
    ));
    assert!(
        stderr.contains(r#"standard input line 3, rater "y": -1 is negative"#),
        "{stderr}"
    );

    // Not UTF-8 (Latin-1 "é" on line 3).
    let latin1 = cwd.path().join("latin1.csv");
    std::fs::write(&latin1, b"x,y\n1,2\ncaf\xe9,3\n").unwrap();
    let stderr = refused(&stats(&["kappa", latin1.to_str().unwrap()]));
    assert!(
        stderr.contains("latin1.csv line 3: not UTF-8 text"),
        "{stderr}"
    );

    // A file that does not exist.
    let stderr = refused(&stats(&["icc", "no-such-file.csv"]));
    assert!(stderr.contains("cannot read no-such-file.csv"), "{stderr}");
}

#[test]
fn bad_options_are_refused_with_one_line() {
    let file = fixture("krippendorff_2011.csv");
    let stderr = refused(&stats(&[
        "alpha",
        "--level",
        "metric",
        file.to_str().unwrap(),
    ]));
    assert!(
        stderr.contains(
            r#"--level: unknown level of measurement "metric": expected one of nominal, ordinal, interval, ratio"#
        ),
        "{stderr}"
    );
    // A bad --confidence is reported as such, before the file is read.
    for command in ["icc", "kappa"] {
        let stderr = refused(&stats(&[command, "--confidence", "2", "no-such-file.csv"]));
        assert!(
            stderr.contains("--confidence: confidence must be between 0 and 1, got 2"),
            "{stderr}"
        );
    }
    let stderr = refused(&stats(&[
        "z14",
        "--lot-size",
        "0",
        "--level",
        "II",
        "--aql",
        "0.65",
    ]));
    assert!(stderr.contains("lot size must be at least 1"), "{stderr}");
    let stderr = refused(&stats(&[
        "z14",
        "--lot-size",
        "100",
        "--level",
        "IV",
        "--aql",
        "0.65",
    ]));
    assert!(
        stderr.contains(r#"--level: unknown inspection level "IV""#),
        "{stderr}"
    );
    let stderr = refused(&stats(&[
        "z14",
        "--lot-size",
        "100",
        "--level",
        "S-2",
        "--aql",
        "0.7",
    ]));
    assert!(
        stderr.contains(r#"--aql: AQL "0.7" is not one of the standard's preferred values"#),
        "{stderr}"
    );
    let stderr = refused(&stats(&["wilson", "--successes", "5", "--trials", "3"]));
    assert!(
        stderr.contains("successes (5) exceed the number of trials (3)"),
        "{stderr}"
    );
    let stderr = refused(&stats(&["wilson", "--successes", "0", "--trials", "0"]));
    assert!(stderr.contains("--trials must be at least 1"), "{stderr}");
    let stderr = refused(&stats(&[
        "sample-size",
        "--population",
        "0",
        "--confidence",
        "0.95",
        "--margin",
        "0.05",
    ]));
    assert!(stderr.contains("population must be at least 1"), "{stderr}");
    let stderr = refused(&stats(&[
        "sample-size",
        "--confidence",
        "95",
        "--margin",
        "0.05",
    ]));
    assert!(
        stderr.contains("confidence must be between 0 and 1, got 95"),
        "{stderr}"
    );
}

#[test]
fn needs_no_configuration_even_beside_a_broken_one() {
    // `stats` runs before the configuration is read: a broken ./earshot.toml (which stops every
    // other command) does not matter. Newcombe (1998), Table I: 81/263 → 0.2553 to 0.3662.
    let cwd = tempfile::tempdir().unwrap();
    std::fs::write(cwd.path().join("earshot.toml"), "this is = = not toml").unwrap();
    let out = stats_in(
        cwd.path(),
        &["wilson", "--successes", "81", "--trials", "263"],
        None,
    );
    assert!(success(&out).contains("0.2553 to 0.3662"));
}
