//! A realistic example card for demos and tests: an inbound customer-service call at a Taiwanese
//! contact center (billing, plans, account changes), with one critical question per COPC category.

use crate::definition::{AnswerKind, Category, Definition, Question, Section};

/// The example card: 3 sections, 9 questions, pass mark 80, critical errors zero the score.
///
/// | section (weight) | key | answer | weight | N/A | critical |
/// |---|---|---|---|---|---|
/// | 開場與身分驗證 (20) | `greeting` | yes/no | 1 | | |
/// | | `identity_verification` | yes/no | 0 | yes | compliance |
/// | 需求釐清與處理 (50) | `needs_discovery` | yes/no | 2 | | |
/// | | `accurate_information` | yes/no | 3 | | customer |
/// | | `resolution` | scale 1–5 | 3 | | |
/// | | `case_record` | yes/no | 2 | yes | business |
/// | 溝通與結尾 (30) | `courtesy` | points 0–10 | 2 | | |
/// | | `hold_procedure` | yes/no | 1 | yes | |
/// | | `closing` | yes/no | 1 | | |
pub fn example() -> Definition {
    Definition {
        name: "客服進線通話品質評核表".into(),
        description: "適用一般客服進線（帳務查詢、方案異動、資料變更）。致命錯誤依 COPC 分為顧客、\
                      業務、法遵三類，任一致命錯誤即本次評核為 0 分。"
            .into(),
        pass_mark: 80.0,
        critical_zeroes_score: true,
        sections: vec![
            Section {
                title: "開場與身分驗證".into(),
                weight: 20.0,
                questions: vec![
                    question(
                        "greeting",
                        "是否依標準話術問候、報上姓名，並告知本通電話將錄音？",
                        "三項皆須做到；錄音告知可由語音系統代為播放。",
                        1.0,
                        AnswerKind::YesNo,
                    ),
                    Question {
                        allow_na: true,
                        critical: Some(Category::Compliance),
                        ..question(
                            "identity_verification",
                            "查詢或異動帳戶資料前，是否依規定完成身分驗證？",
                            "須核對姓名、身分證字號末四碼及出生年月日；未涉及個人資料的一般諮詢選「不適用」。\
                             未驗證即透露個資屬個資法違規。",
                            0.0,
                            AnswerKind::YesNo,
                        )
                    },
                ],
            },
            Section {
                title: "需求釐清與處理".into(),
                weight: 50.0,
                questions: vec![
                    question(
                        "needs_discovery",
                        "是否主動提問並複述確認客戶的需求？",
                        "",
                        2.0,
                        AnswerKind::YesNo,
                    ),
                    Question {
                        critical: Some(Category::Customer),
                        ..question(
                            "accurate_information",
                            "提供的資訊（費率、方案內容、合約規定）是否正確且完整？",
                            "錯誤資訊可能使客戶多付費用或做出錯誤決定，屬顧客面致命錯誤。",
                            3.0,
                            AnswerKind::YesNo,
                        )
                    },
                    question(
                        "resolution",
                        "客戶問題的解決程度",
                        "1：未處理；3：部分解決或需轉單；5：當次完整解決。",
                        3.0,
                        AnswerKind::Scale { min: 1, max: 5 },
                    ),
                    Question {
                        allow_na: true,
                        critical: Some(Category::Business),
                        ..question(
                            "case_record",
                            "是否正確完成系統作業（開立案件、備註、轉單）？",
                            "本通電話無須系統作業時選「不適用」。",
                            2.0,
                            AnswerKind::YesNo,
                        )
                    },
                ],
            },
            Section {
                title: "溝通與結尾".into(),
                weight: 30.0,
                questions: vec![
                    question(
                        "courtesy",
                        "語氣、禮貌與同理心",
                        "0–10 分；10 分為全程語氣親切、適時表達同理、不打斷客戶。",
                        2.0,
                        AnswerKind::Points { max: 10 },
                    ),
                    Question {
                        allow_na: true,
                        ..question(
                            "hold_procedure",
                            "保留通話前是否徵得客戶同意，並於 60 秒內回線？",
                            "未保留通話時選「不適用」。",
                            1.0,
                            AnswerKind::YesNo,
                        )
                    },
                    question(
                        "closing",
                        "是否確認客戶有無其他需求，並依標準話術結束通話？",
                        "",
                        1.0,
                        AnswerKind::YesNo,
                    ),
                ],
            },
        ],
    }
}

fn question(key: &str, text: &str, help: &str, weight: f64, answer: AnswerKind) -> Question {
    Question {
        key: key.into(),
        text: text.into(),
        help: help.into(),
        weight,
        answer,
        allow_na: false,
        critical: None,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::{score, Answer};

    #[test]
    fn example_is_valid_and_shaped_as_documented() {
        let def = example();
        assert_eq!(def.validate(), Ok(()));
        assert_eq!(def.sections.len(), 3);
        assert_eq!(def.questions().count(), 9);
        for c in Category::ALL {
            let critical: Vec<&Question> =
                def.questions().filter(|q| q.critical == Some(c)).collect();
            assert_eq!(critical.len(), 1, "one critical question for {c}");
        }
        assert!(def
            .questions()
            .any(|q| matches!(q.answer, AnswerKind::Scale { .. })));
        assert!(def
            .questions()
            .any(|q| matches!(q.answer, AnswerKind::Points { .. })));
        assert_eq!(def.questions().filter(|q| q.allow_na).count(), 3);
        assert_eq!(Definition::from_json(&def.to_json()).unwrap(), def);
    }

    #[test]
    fn example_scores() {
        let def = example();
        let best: BTreeMap<String, Answer> = def
            .questions()
            .map(|q| {
                let best = match q.answer {
                    AnswerKind::YesNo => Answer::Yes,
                    AnswerKind::Scale { max, .. } => Answer::Scale(max),
                    AnswerKind::Points { max } => Answer::Points(max),
                };
                (q.key.clone(), best)
            })
            .collect();
        let out = score(&def, &best).unwrap();
        assert_eq!(out.score, Some(100.0));
        assert_eq!(out.passed, Some(true));
        assert!(out.complete());

        // A typical call: resolution 4 (0.75), courtesy 8 (0.8), no hold, no case needed.
        let mut typical = best.clone();
        typical.insert("resolution".into(), Answer::Scale(4));
        typical.insert("courtesy".into(), Answer::Points(8));
        typical.insert("hold_procedure".into(), Answer::NotApplicable);
        typical.insert("case_record".into(), Answer::NotApplicable);
        let out = score(&def, &typical).unwrap();
        // Section 1: greeting 1·1 / 1 = 1 (identity_verification has weight 0).
        // Section 2: (2·1 + 3·1 + 3·0.75) / (2 + 3 + 3) = 7.25 / 8 = 0.90625.
        // Section 3: (2·0.8 + 1·1) / (2 + 1) = 2.6 / 3.
        // 100 · (20·1 + 50·0.90625 + 30·2.6/3) / 100 = 20 + 45.3125 + 26 = 91.3125
        let s = out.score.unwrap();
        assert!((s - 91.3125).abs() < 1e-9, "{s}");
        assert_eq!(out.business, None, "case_record was N/A");
        assert_eq!((out.customer, out.compliance), (Some(true), Some(true)));
    }
}
