//! Parsing and display of inspection levels, AQLs and severities: the strings auditors type.

use earshot_acceptance::{Aql, Error, InspectionLevel, Severity};

#[test]
fn inspection_levels_parse_and_display_as_the_standard_writes_them() {
    for (text, level) in [
        ("I", InspectionLevel::I),
        ("II", InspectionLevel::II),
        ("III", InspectionLevel::III),
        ("S-1", InspectionLevel::S1),
        ("S-2", InspectionLevel::S2),
        ("S-3", InspectionLevel::S3),
        ("S-4", InspectionLevel::S4),
    ] {
        assert_eq!(text.parse::<InspectionLevel>().unwrap(), level);
        assert_eq!(level.to_string(), text);
        assert_eq!(
            serde_json::to_string(&level).unwrap(),
            format!("\"{text}\"")
        );
        assert_eq!(
            serde_json::from_str::<InspectionLevel>(&format!("\"{text}\"")).unwrap(),
            level
        );
    }
    assert_eq!(
        "S1".parse::<InspectionLevel>().unwrap(),
        InspectionLevel::S1
    );
    assert_eq!(
        " s-4 ".parse::<InspectionLevel>().unwrap(),
        InspectionLevel::S4
    );
    assert_eq!(
        "ii".parse::<InspectionLevel>().unwrap(),
        InspectionLevel::II
    );
    assert_eq!(
        serde_json::from_str::<InspectionLevel>("\"S3\"").unwrap(),
        InspectionLevel::S3
    );
}

#[test]
fn unknown_inspection_level_names_the_input() {
    let err = "IV".parse::<InspectionLevel>().unwrap_err();
    assert_eq!(err, Error::UnknownInspectionLevel("IV".into()));
    let msg = err.to_string();
    assert!(msg.contains("\"IV\"") && msg.contains("S-1"), "{msg}");
}

#[test]
fn aqls_parse_from_any_spelling_of_a_preferred_value() {
    for (text, printed) in [
        ("0.65", "0.65"),
        (".65", "0.65"),
        ("0.650", "0.65"),
        ("1", "1.0"),
        ("1.0", "1.0"),
        ("2.5", "2.5"),
        ("2.5%", "2.5"),
        ("0.01", "0.010"),
        ("10", "10"),
        ("1000", "1000"),
    ] {
        let a: Aql = text.parse().unwrap();
        assert_eq!(a.to_string(), printed, "{text}");
    }
    assert_eq!(Aql::ALL.len(), 26);
    assert_eq!(Aql::ALL[0].to_string(), "0.010");
    assert_eq!(Aql::ALL[25].value(), 1000.0);
    assert!(Aql::ALL.windows(2).all(|w| w[0].value() < w[1].value()));
    assert_eq!(
        "0.65"
            .parse::<Aql>()
            .unwrap()
            .tighter()
            .unwrap()
            .to_string(),
        "0.40"
    );
    assert_eq!(Aql::ALL[0].tighter(), None);
    assert!("10".parse::<Aql>().unwrap().allows_percent_nonconforming());
    assert!(!"15".parse::<Aql>().unwrap().allows_percent_nonconforming());
}

#[test]
fn non_standard_aql_lists_the_valid_values() {
    for bad in ["0.7", "3", "0", "-1", "NaN", "inf", "one", ""] {
        let err = bad.parse::<Aql>().unwrap_err();
        assert_eq!(err, Error::NonStandardAql { value: bad.into() });
        let msg = err.to_string();
        assert!(msg.contains(&format!("{bad:?}")), "{msg}");
        assert!(
            msg.contains("0.010, 0.015, 0.025") && msg.ends_with("650, 1000"),
            "{msg}"
        );
    }
}

#[test]
fn aql_serde_round_trips_and_accepts_numbers() {
    let a: Aql = "0.65".parse().unwrap();
    assert_eq!(serde_json::to_string(&a).unwrap(), "\"0.65\"");
    assert_eq!(serde_json::from_str::<Aql>("\"0.65\"").unwrap(), a);
    assert_eq!(serde_json::from_str::<Aql>("0.65").unwrap(), a);
    assert_eq!(serde_json::from_str::<Aql>("10").unwrap().to_string(), "10");
    let err = serde_json::from_str::<Aql>("0.7").unwrap_err().to_string();
    assert!(err.contains("0.7") && err.contains("preferred"), "{err}");
}

#[test]
fn severities() {
    for (text, s, table) in [
        ("normal", Severity::Normal, "2-A"),
        ("tightened", Severity::Tightened, "2-B"),
        ("reduced", Severity::Reduced, "2-C"),
    ] {
        assert_eq!(text.parse::<Severity>().unwrap(), s);
        assert_eq!(s.to_string(), text);
        assert_eq!(s.table(), table);
    }
    assert_eq!(
        "loose".parse::<Severity>().unwrap_err(),
        Error::UnknownSeverity("loose".into())
    );
}
