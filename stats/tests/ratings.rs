//! Reading rating tables from CSV (RFC 4180, "Common Format and MIME Type for Comma-Separated
//! Values (CSV) Files", 2005): quoting, line ends, and error messages that name the line.

use earshot_stats::*;

fn cells(row: &[&str]) -> Vec<Option<String>> {
    row.iter()
        .map(|c| (!c.is_empty()).then(|| c.to_string()))
        .collect()
}

#[test]
fn plain_table_with_missing_cells() {
    let t = RatingTable::parse_csv("ann,bo,cy\n3,3,4\n2,,2\n").unwrap();
    assert_eq!(t.raters(), ["ann", "bo", "cy"]);
    assert_eq!(t.rows(), [cells(&["3", "3", "4"]), cells(&["2", "", "2"])]);
    assert_eq!((t.line(0), t.line(1), t.line(2)), (Some(2), Some(3), None));
}

#[test]
fn quoting_crlf_bom_spaces_and_blank_lines() {
    // RFC 4180 §2: fields with commas, quotes or line breaks are quoted, inner quotes doubled.
    let text = "\u{feff}\"Smith, Ann\",\"Bo \"\"B\"\" Lee\" , cy\r\n\
                \"good, mostly\", bad ,\"two\r\nlines\"\r\n\
                \r\n\
                pass,  , \"\"\r\n\
                \r\n\r\n";
    let t = RatingTable::parse_csv(text).unwrap();
    assert_eq!(t.raters(), ["Smith, Ann", "Bo \"B\" Lee", "cy"]);
    assert_eq!(
        t.rows(),
        [
            cells(&["good, mostly", "bad", "two\nlines"]),
            cells(&["pass", "", ""]),
        ]
    );
    // The quoted line break pushes the next row to line 5 (the blank line 4 is skipped).
    assert_eq!((t.line(0), t.line(1)), (Some(2), Some(5)));
    // No trailing newline at all.
    assert_eq!(RatingTable::parse_csv("a,b\n1,2").unwrap().rows().len(), 1);
}

#[test]
fn error_messages_name_the_line() {
    let err = |text: &str| RatingTable::parse_csv(text).unwrap_err().to_string();
    assert_eq!(
        err("a,b,c,d\n1,2,3,4\n1,2,3,4\n1,2,3,4\n1,2,3\n"),
        "line 5 has 3 cells, the header has 4"
    );
    assert_eq!(
        err(""),
        "the rating table is empty: expected a header row of rater names"
    );
    assert_eq!(
        err("\u{feff}\r\n\n"),
        "the rating table is empty: expected a header row of rater names"
    );
    assert_eq!(
        err("a,b\n\n"),
        "the rating table has a header but no data rows (one row per rated unit)"
    );
    assert_eq!(
        err("a,,c\n1,2,3\n"),
        "rater name in column 2 of the header is empty"
    );
    assert_eq!(
        err("ann,bo, ann\n1,2,3\n"),
        "rater \"ann\" appears twice in the header, in columns 1 and 3"
    );
    assert_eq!(
        err("a,b\n1,2\n\"open,3\n4,5\n"),
        "line 3: a quoted field is never closed (missing closing double quote)"
    );
    assert_eq!(
        err("a,b\n1,2\"x\n"),
        "line 2: a double quote inside an unquoted field (quote the whole field and double the \
         inner quote: \"a \"\"b\"\"\")"
    );
    assert_eq!(
        err("a,b\n\"1\"x,2\n"),
        "line 2: unexpected text after the closing double quote of a field"
    );
}

#[test]
fn numeric_and_complete_views() {
    let t = RatingTable::parse_csv("ann,bo\n1.5,2\n-3,1e1\n").unwrap();
    assert_eq!(
        t.numeric().unwrap(),
        [vec![Some(1.5), Some(2.0)], vec![Some(-3.0), Some(10.0)]]
    );
    assert_eq!(
        t.complete_numeric().unwrap(),
        [vec![1.5, 2.0], vec![-3.0, 10.0]]
    );

    let t = RatingTable::parse_csv("ann,bo\n1,2\n\n3,good\n").unwrap();
    assert_eq!(
        t.numeric().unwrap_err().to_string(),
        "line 4, rater \"bo\": \"good\" is not a finite number"
    );
    let t = RatingTable::parse_csv("ann,bo\n1,2\n3,NaN\n").unwrap();
    assert!(t.numeric().is_err());
    let t = RatingTable::parse_csv("ann,bo\n1,2\n,x\n").unwrap();
    // The first problem in reading order: the missing cell comes before the bad number.
    assert_eq!(
        t.complete_numeric().unwrap_err().to_string(),
        "line 3, rater \"ann\": missing value (this statistic needs complete rows)"
    );
}

#[test]
fn nominal_codes_by_first_appearance() {
    let t = RatingTable::parse_csv("a,b\nfail,pass\npass,\nn/a,fail\n").unwrap();
    let n = t.nominal();
    assert_eq!(n.categories(), ["fail", "pass", "n/a"]);
    assert_eq!(n.raters(), 2);
    assert_eq!(
        n.units(),
        [
            vec![Some(0), Some(1)],
            vec![Some(1), None],
            vec![Some(2), Some(0)]
        ]
    );
    assert_eq!(n.as_values()[2], [Some(2.0), Some(0.0)]);
}

#[test]
fn new_checks_like_parse_csv() {
    let t = RatingTable::new(
        vec!["a".into(), "b".into()],
        vec![vec![Some(" 1 ".into()), Some("  ".into())]],
    )
    .unwrap();
    assert_eq!(t.rows(), [vec![Some("1".to_string()), None]]);
    assert_eq!(
        RatingTable::new(vec!["a".into(), "b".into()], vec![vec![None]])
            .unwrap_err()
            .to_string(),
        "line 2 has 1 cells, the header has 2"
    );
    assert_eq!(
        RatingTable::new(vec!["a".into()], vec![]).unwrap_err(),
        StatsError::NoDataRows
    );
}
