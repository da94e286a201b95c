//! A realistic example survey for demos and tests: the keypad survey a Taiwanese contact center
//! plays after an inbound customer-service call, in Traditional Chinese and English.

use std::collections::BTreeMap;

use crate::definition::{Definition, Language, Prompt, Question, QuestionKind};

fn question(key: &str, kind: QuestionKind, zh_tw: &str, en: &str) -> Question {
    let prompt = |text: &str| Prompt {
        text: text.into(),
        audio: None,
    };
    Question {
        key: key.into(),
        kind,
        prompts: BTreeMap::from([(Language::ZhTw, prompt(zh_tw)), (Language::En, prompt(en))]),
        first_contact_resolution: false,
    }
}

/// The example survey: CSAT, first-contact resolution, NPS and CES, in that order (the most
/// important first, since callers hang up part way through).
///
/// | key | kind | keypad |
/// |---|---|---|
/// | `satisfaction` | CSAT 1–5 | 1–5 |
/// | `resolved` | yes/no, first-contact resolution | 1 yes, 2 no |
/// | `recommend` | NPS 0–10 | 0–9, * for 10 |
/// | `effort` | CES 1–7 | 1–7 |
pub fn example() -> Definition {
    let mut resolved = question(
        "resolved",
        QuestionKind::YesNo,
        "您的問題是否已在這通電話中解決？已解決請按 1，未解決請按 2。",
        "Was your issue resolved on this call? Press 1 for yes, 2 for no.",
    );
    resolved.first_contact_resolution = true;
    resolved
        .prompts
        .get_mut(&Language::ZhTw)
        .expect("the zh-TW prompt was just added")
        .audio = Some("survey-prompts/inbound/resolved.zh-TW.wav".into());
    Definition {
        name: "客服進線滿意度調查".into(),
        description: "通話結束後轉接語音問卷，約 30 秒。".into(),
        languages: vec![Language::ZhTw, Language::En],
        questions: vec![
            question(
                "satisfaction",
                QuestionKind::Csat,
                "請問您對本次服務的滿意程度？非常滿意請按 5，非常不滿意請按 1。",
                "How satisfied are you with our service today? Press 5 for very satisfied, 1 for very dissatisfied.",
            ),
            resolved,
            question(
                "recommend",
                QuestionKind::Nps,
                "您有多大可能向親友推薦我們？請按 0 到 9，10 分請按米字鍵。",
                "How likely are you to recommend us to a friend? Press 0 to 9, or star for 10.",
            ),
            question(
                "effort",
                QuestionKind::Ces,
                "「這次處理問題很輕鬆」，您同意的程度？非常同意請按 7，非常不同意請按 1。",
                "\"The company made it easy to handle my issue.\" Press 7 if you strongly agree, 1 if you strongly disagree.",
            ),
        ],
    }
}
