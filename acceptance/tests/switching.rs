//! The switching rules of ISO 2859-1:1999 clause 9, walked through long sequences of lots.
//!
//! Running example unless stated: lots of 2000 calls, level II, AQL 0.65 → code K. Plans (Tables
//! 2-A/2-B/2-C, see tests/tables.rs): normal n = 125, Ac 2, Re 3; tightened n = 125, Ac 1, Re 2;
//! reduced n = 50, Ac 1, Re 2. One step tighter than 0.65 is 0.40: K at 0.40 is n = 125, Ac 1.

use earshot_acceptance::{
    Aql, Error, InspectionLevel, Lot, Severity, State, Switching, SwitchingConfig,
};

fn aql(s: &str) -> Aql {
    s.parse().unwrap()
}

fn k(defects: u64) -> Lot {
    Lot::new(2000, InspectionLevel::II, aql("0.65"), defects)
}

fn feed(s: &mut Switching, defects: &[u64]) -> Vec<State> {
    defects
        .iter()
        .map(|&d| s.record(k(d)).unwrap().to)
        .collect()
}

#[test]
fn starts_on_normal_inspection() {
    let s = Switching::new();
    assert_eq!(s.state(), State::Normal);
    assert_eq!(s.switching_score(), 0);
    assert!(!s.config().reduced_approved);
    assert_eq!(
        s.plan_for(2000, InspectionLevel::II, aql("0.65"))
            .unwrap()
            .severity,
        Severity::Normal
    );
}

#[test]
fn two_of_five_not_accepted_tightens() {
    // Normal Ac 2 / Re 3: 3 defects = not accepted. Lots 1 (3 defects) and 5 (3 defects) are 2
    // not accepted within 5 consecutive lots (9.3.1) → tightened after lot 5.
    let mut s = Switching::new();
    let states = feed(&mut s, &[3, 0, 1, 2]);
    assert!(states.iter().all(|&st| st == State::Normal));
    assert_eq!(s.not_accepted_in_last_five(), 1);
    let t = s.record(k(3)).unwrap();
    assert!(!t.accepted && t.switched());
    assert_eq!((t.from, t.to), (State::Normal, State::Tightened));
    assert!(
        t.explanation
            .contains("2 of the last 5 lots were not accepted: tightened inspection"),
        "{}",
        t.explanation
    );
    assert_eq!(s.last_explanation(), Some(t.explanation.as_str()));
    // Counters restart with tightened inspection; the next lot uses Table 2-B.
    assert_eq!(
        (
            s.not_accepted_in_last_five(),
            s.switching_score(),
            s.consecutive_accepted()
        ),
        (0, 0, 0)
    );
    assert_eq!(
        s.plan_for(2000, InspectionLevel::II, aql("0.65"))
            .unwrap()
            .accept,
        1
    );
}

#[test]
fn two_not_accepted_six_lots_apart_do_not_tighten() {
    // Lots 1 and 7 not accepted: the window of 5 consecutive lots ending at lot 7 is lots 3–7,
    // holding one non-acceptance → still normal.
    let mut s = Switching::new();
    let states = feed(&mut s, &[3, 0, 0, 0, 0, 0, 3]);
    assert!(states.iter().all(|&st| st == State::Normal), "{states:?}");
    // …but a third one at lot 9 is within 5 of lot 7 (lots 5–9) → tightened.
    let states = feed(&mut s, &[0, 4]);
    assert_eq!(states, [State::Normal, State::Tightened]);
}

#[test]
fn two_consecutive_not_accepted_tighten_immediately() {
    let mut s = Switching::new();
    assert_eq!(feed(&mut s, &[5, 3]), [State::Normal, State::Tightened]);
    assert!(s
        .last_explanation()
        .unwrap()
        .contains("2 of the last 2 lots"));
}

#[test]
fn five_consecutive_accepted_on_tightened_restore_normal() {
    let mut s = Switching::new();
    feed(&mut s, &[3, 3]);
    assert_eq!(s.state(), State::Tightened);
    // Tightened Ac 1: 2 defects not accepted; it breaks the run of accepted lots.
    let states = feed(&mut s, &[0, 1, 0, 0, 2, 0, 0, 0, 1]);
    assert!(
        states.iter().all(|&st| st == State::Tightened),
        "{states:?}"
    );
    assert_eq!(s.consecutive_accepted(), 4);
    assert_eq!(s.not_accepted_on_tightened(), 1);
    let t = s.record(k(0)).unwrap();
    assert_eq!((t.from, t.to), (State::Tightened, State::Normal));
    assert!(t
        .explanation
        .contains("5 consecutive lots accepted on tightened inspection"));
    assert_eq!(s.switching_score(), 0);
}

#[test]
fn five_not_accepted_on_tightened_discontinue_until_resumed() {
    let mut s = Switching::new();
    feed(&mut s, &[3, 3]);
    // On tightened: not accepted (≥ 2 defects) at lots 1, 3, 5, 8, 9 of the tightened sequence;
    // acceptances in between never reach 5 in a row. The count is cumulative (9.4).
    let states = feed(&mut s, &[2, 0, 2, 1, 3, 0, 0, 2]);
    assert!(
        states.iter().all(|&st| st == State::Tightened),
        "{states:?}"
    );
    assert_eq!(s.not_accepted_on_tightened(), 4);
    let t = s.record(k(2)).unwrap();
    assert_eq!((t.from, t.to), (State::Tightened, State::Discontinued));
    assert!(t
        .explanation
        .contains("5 lots not accepted on tightened inspection: inspection discontinued"));

    // Nothing can be recorded until corrective action is agreed.
    let err = s.record(k(0)).unwrap_err();
    assert_eq!(err, Error::Discontinued { lot: 12 });
    assert!(err.to_string().contains("discontinued"));
    assert!(s.plan_for(2000, InspectionLevel::II, aql("0.65")).is_err());

    s.resume().unwrap();
    assert_eq!(s.state(), State::Tightened);
    assert_eq!(s.not_accepted_on_tightened(), 0);
    assert!(s.last_explanation().unwrap().contains("resumed"));
    assert_eq!(
        s.resume().unwrap_err(),
        Error::NotDiscontinued(Severity::Tightened)
    );
    assert_eq!(s.record(k(0)).unwrap().lot, 12);
}

#[test]
fn switching_score_with_acceptance_number_two_or_more() {
    // Normal K at 0.65 has Ac 2, so 9.3.3.2 a) applies: +3 if the lot would also have been
    // accepted at AQL 0.40 (K, n = 125, Ac 1), i.e. with at most 1 defect; otherwise reset.
    let mut s = Switching::new();
    let mut scores = Vec::new();
    for d in [0, 1, 1, 0] {
        scores.push(s.record(k(d)).unwrap().switching_score);
    }
    assert_eq!(scores, [3, 6, 9, 12]);
    // 2 defects: accepted at 0.65 (2 ≤ Ac 2) but not at 0.40 (2 > Ac 1) → reset to 0.
    let t = s.record(k(2)).unwrap();
    assert!(t.accepted);
    assert_eq!(t.switching_score, 0);
    assert!(
        t.explanation.contains("would not be accepted at AQL 0.40"),
        "{}",
        t.explanation
    );
    // Not accepted → reset as well (0 → 0), and one non-acceptance keeps normal inspection.
    feed(&mut s, &[0, 0]);
    assert_eq!(s.switching_score(), 6);
    let t = s.record(k(3)).unwrap();
    assert_eq!(
        (t.accepted, t.switching_score, t.to),
        (false, 0, State::Normal)
    );
}

#[test]
fn switching_score_with_acceptance_number_zero_or_one() {
    // Lot 2000, level II, AQL 0.25: K at 0.25 is a down arrow to L (n = 200, Ac 1, Re 2), so
    // 9.3.3.2 b) applies: +2 per accepted lot. 15 accepted lots: 15 × 2 = 30.
    let lot = |d| Lot::new(2000, InspectionLevel::II, aql("0.25"), d);
    let mut s = Switching::with_config(SwitchingConfig {
        reduced_approved: true,
    });
    for i in 1..=14 {
        let t = s.record(lot(if i % 2 == 0 { 1 } else { 0 })).unwrap();
        assert_eq!(
            (
                t.plan.code_letter.to_string(),
                t.plan.sample_size,
                t.plan.accept
            ),
            ("L".into(), 200, 1)
        );
        assert_eq!(t.switching_score, 2 * i);
        assert_eq!(t.to, State::Normal);
    }
    let t = s.record(lot(0)).unwrap();
    assert_eq!((t.from, t.to), (State::Normal, State::Reduced));
    assert!(
        t.explanation.contains("switching score 30 is at least 30"),
        "{}",
        t.explanation
    );
    // Table 2-C, K at 0.25: down arrows through L to M (reduced n = 125), Ac 1, Re 2.
    let p = s.plan_for(2000, InspectionLevel::II, aql("0.25")).unwrap();
    assert_eq!(p.severity, Severity::Reduced);
    assert_eq!(
        (p.code_letter.to_string(), p.sample_size, p.accept, p.reject),
        ("M".into(), 125, 1, 2)
    );
}

#[test]
fn reduced_needs_the_authority_and_steady_production() {
    // 10 lots with at most 1 defect: 10 × 3 = 30 (Ac 2 rule above).
    let mut s = Switching::new();
    let states = feed(&mut s, &[0; 10]);
    assert!(states.iter().all(|&st| st == State::Normal));
    assert_eq!(s.switching_score(), 30);
    let why = s.last_explanation().unwrap();
    assert!(
        why.contains("the responsible authority has not approved reduced inspection"),
        "{why}"
    );

    // Approval alone is not enough while production is irregular (9.3.3.1 b)…
    s.set_reduced_approved(true);
    let t = s.record(k(0).irregular()).unwrap();
    assert_eq!((t.to, t.switching_score), (State::Normal, 33));
    assert!(
        t.explanation.contains("production is not steady"),
        "{}",
        t.explanation
    );
    // …and with steady production the next lot switches: 33 + 3 = 36 ≥ 30.
    let t = s.record(k(1)).unwrap();
    assert_eq!((t.from, t.to), (State::Normal, State::Reduced));
    assert_eq!(s.switching_score(), 0);
    let p = s.plan_for(2000, InspectionLevel::II, aql("0.65")).unwrap();
    assert_eq!((p.sample_size, p.accept, p.reject), (50, 1, 2));
}

fn on_reduced() -> Switching {
    let mut s = Switching::with_config(SwitchingConfig {
        reduced_approved: true,
    });
    feed(&mut s, &[0; 10]);
    assert_eq!(s.state(), State::Reduced);
    s
}

#[test]
fn reduced_ends_when_a_lot_is_not_accepted() {
    let mut s = on_reduced();
    // Reduced K: n = 50, Ac 1, Re 2.
    let states = feed(&mut s, &[0, 1, 0, 1]);
    assert!(states.iter().all(|&st| st == State::Reduced));
    let t = s.record(k(2)).unwrap();
    assert_eq!(t.plan.sample_size, 50);
    assert_eq!(
        (t.accepted, t.from, t.to),
        (false, State::Reduced, State::Normal)
    );
    assert!(t
        .explanation
        .contains("not accepted on reduced inspection: normal inspection"));
    // The switching score starts again from 0 on normal inspection.
    assert_eq!(s.switching_score(), 0);
    assert_eq!(s.record(k(0)).unwrap().switching_score, 3);
}

#[test]
fn reduced_ends_when_production_is_irregular_or_on_request() {
    let mut s = on_reduced();
    let t = s.record(k(0).irregular()).unwrap();
    assert!(t.accepted);
    assert_eq!(t.to, State::Normal);
    assert!(t.explanation.contains("production irregular"));

    let mut s = on_reduced();
    assert!(s.require_normal("customer complaint about a reduced-inspection week"));
    assert_eq!(s.state(), State::Normal);
    assert!(s
        .last_explanation()
        .unwrap()
        .starts_with("customer complaint"));
    assert!(!s.require_normal("again"));
}

#[test]
fn resubmitted_lots_do_not_count() {
    let mut s = Switching::new();
    feed(&mut s, &[3]);
    let t = s.record(k(3).resubmitted()).unwrap();
    assert!(!t.accepted && t.resubmitted);
    assert_eq!(t.to, State::Normal);
    assert_eq!(s.not_accepted_in_last_five(), 1);
    assert!(t.explanation.contains("resubmitted"));
    assert_eq!(s.lots_recorded(), 2);
}

#[test]
fn defects_cannot_exceed_the_calls_inspected() {
    // Lot 8, level II, AQL 0.65 → F (n = 20) ≥ 8: all 8 calls inspected; 9 defective calls is
    // impossible when counting nonconforming calls.
    let mut s = Switching::new();
    let lot = Lot::new(8, InspectionLevel::II, aql("0.65"), 9);
    let err = s.record(lot).unwrap_err();
    assert_eq!(
        err,
        Error::DefectsExceedInspected {
            defects: 9,
            inspected: 8,
            aql: aql("0.65")
        }
    );
    assert!(err
        .to_string()
        .contains("9 defective calls reported but only 8 calls were inspected"));
    assert_eq!(s.lots_recorded(), 0);
    // Above AQL 10 defects are nonconformities per 100 items: several per call are allowed.
    // Lot 8 at AQL 25 → A: n = 2, Ac 1; 9 nonconformities in 2 calls is possible (and rejects).
    let t = s
        .record(Lot::new(8, InspectionLevel::II, aql("25"), 9))
        .unwrap();
    assert_eq!(
        (t.plan.units_to_inspect, t.plan.accept, t.accepted),
        (2, 1, false)
    );
}

/// A long, mixed history touching every transition (lot numbers from 1).
fn history() -> Vec<Lot> {
    let mut lots = Vec::new();
    // Lots 1–5, normal (Ac 2): lots 3 and 5 not accepted → tightened after lot 5.
    lots.extend([0, 1, 3, 0, 3].map(k));
    // Lots 6–12, tightened (Ac 1): not accepted at 6, 8, 9, 11, 12 → 5th at lot 12 →
    // discontinued; `run` resumes (tightened) before lot 13.
    lots.extend([2, 0, 2, 2, 0, 2, 2].map(k));
    // Lots 13–17, tightened: 5 accepted → normal after lot 17.
    lots.extend([0, 0, 0, 0, 0].map(k));
    // Lots 18–27, normal: ≤ 1 defect each, +3 each → 30 after lot 27 → reduced (approved).
    lots.extend([0; 10].map(k));
    // Lots 28–29, reduced (Ac 1): accepted.
    lots.extend([1, 0].map(k));
    // Lot 30, reduced: accepted but production irregular → normal.
    lots.push(k(0).irregular());
    // Lots 31–34, normal: 2 defects (accepted, score reset), 3 (not accepted), 0, 3 (not
    // accepted: 2 of the last 4) → tightened after lot 34.
    lots.extend([2, 3, 0, 3].map(k));
    // Lot 35: a resubmitted lot, ignored by the rules.
    lots.push(k(4).resubmitted());
    lots
}

fn run(lots: &[Lot]) -> (Switching, Vec<(u64, State, State, u32)>) {
    let mut s = Switching::with_config(SwitchingConfig {
        reduced_approved: true,
    });
    let mut log = Vec::new();
    for &lot in lots {
        if s.state() == State::Discontinued {
            s.resume().unwrap();
        }
        let t = s.record(lot).unwrap();
        log.push((t.lot, t.from, t.to, t.switching_score));
    }
    (s, log)
}

#[test]
fn long_history_walks_through_every_transition() {
    let (s, log) = run(&history());
    let switches: Vec<(u64, State, State)> = log
        .iter()
        .filter(|e| e.1 != e.2)
        .map(|&(n, from, to, _)| (n, from, to))
        .collect();
    assert_eq!(
        switches,
        [
            (5, State::Normal, State::Tightened),
            (12, State::Tightened, State::Discontinued),
            (17, State::Tightened, State::Normal),
            (27, State::Normal, State::Reduced),
            (30, State::Reduced, State::Normal),
            (34, State::Normal, State::Tightened),
        ]
    );
    assert_eq!(s.state(), State::Tightened);
    assert_eq!(s.lots_recorded(), 35);
    // Scores on the stretch from lot 18: 3, 6, …, 30.
    assert_eq!(
        log[17..27].iter().map(|e| e.3).collect::<Vec<_>>(),
        [3, 6, 9, 12, 15, 18, 21, 24, 27, 0]
    );
    // Lot 31 (2 defects: accepted at 0.65, not at 0.40) → 0; lot 33 (0 defects) → 3.
    assert_eq!((log[30].3, log[32].3), (0, 3));
}

#[test]
fn replaying_the_same_lots_gives_the_same_state() {
    let lots = history();
    let (a, log_a) = run(&lots);
    let (b, log_b) = run(&lots);
    assert_eq!(a, b);
    assert_eq!(log_a, log_b);

    // Storing the state after any lot and continuing from the stored copy ends the same way.
    for cut in 0..lots.len() {
        let (head, _) = run(&lots[..cut]);
        let json = serde_json::to_string(&head).unwrap();
        let mut restored: Switching = serde_json::from_str(&json).unwrap();
        assert_eq!(restored, head, "cut {cut}");
        for &lot in &lots[cut..] {
            if restored.state() == State::Discontinued {
                restored.resume().unwrap();
            }
            restored.record(lot).unwrap();
        }
        assert_eq!(restored, a, "cut {cut}");
    }
}

#[test]
fn stored_state_is_readable_json_and_checked_on_load() {
    let mut s = Switching::new();
    feed(&mut s, &[0, 3, 1]);
    let json = serde_json::to_value(&s).unwrap();
    assert_eq!(json["state"], "normal");
    assert_eq!(
        json["recent_normal_lots"],
        serde_json::json!([true, false, true])
    );
    assert_eq!(json["switching_score"], 3);

    let mut bad = json.clone();
    bad["recent_normal_lots"] = serde_json::json!([false, true, false]);
    let err = serde_json::from_value::<Switching>(bad)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("2 lots not accepted among the last 5"),
        "{err}"
    );

    let mut bad = json.clone();
    bad["state"] = "discontinued".into();
    bad["recent_normal_lots"] = serde_json::json!([]);
    bad["switching_score"] = 0.into();
    assert!(serde_json::from_value::<Switching>(bad).is_err());

    let mut bad = json;
    bad["switching_score"] = 99.into();
    assert!(serde_json::from_value::<Switching>(bad).is_err());
}

#[test]
fn transitions_serialize_for_the_web_app() {
    let mut s = Switching::new();
    let t = s.record(k(1)).unwrap();
    let json = serde_json::to_value(&t).unwrap();
    assert_eq!(json["from"], "normal");
    assert_eq!(json["plan"]["code_letter"], "K");
    assert_eq!(json["accepted"], true);
    assert!(json["explanation"]
        .as_str()
        .unwrap()
        .starts_with("lot accepted on normal inspection: 1 defects ≤ Ac 2"));
}
