//! The short text forms the admin pages use for lists: skills `zh=8, en=5`, queue members
//! `1001:1, 1002:2`, menu entries one per line `1=queue:cards`, and durations `20s`.
//!
//! Each parser reads what its formatter writes, so an edit form shows an item in the same
//! syntax it accepts back. Errors are messages in the user's language that quote the bad part.

use std::collections::BTreeMap;

use earshot_store::routing::{format_duration, parse_duration, Digit, Member, MenuAction};

use crate::i18n::Texts;

/// Items of a comma list; `，`, `、` and new lines separate too, as typed with a Chinese IME.
fn list_items(text: &str) -> impl Iterator<Item = &str> {
    text.split([',', '，', '、', '\n', ';'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// `zh=8, en=5` → skill levels. Levels are checked for range by the store.
pub fn parse_skills(t: &Texts, text: &str) -> Result<BTreeMap<String, u8>, String> {
    let mut skills = BTreeMap::new();
    for item in list_items(text) {
        let parsed = item
            .split_once(['=', ':'])
            .and_then(|(name, level)| Some((name.trim(), level.trim().parse::<u8>().ok()?)))
            .filter(|(name, _)| !name.is_empty());
        let Some((name, level)) = parsed else {
            return Err(format!("{}「{item}」", t.form_bad_skill));
        };
        if skills.insert(name.to_string(), level).is_some() {
            return Err(format!("{}「{name}」", t.form_duplicate));
        }
    }
    Ok(skills)
}

pub fn format_skills(skills: &BTreeMap<String, u8>) -> String {
    skills
        .iter()
        .map(|(name, level)| format!("{name}={level}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `1001:1, 1002:2` → members; a bare `1001` is tier 1.
pub fn parse_members(t: &Texts, text: &str) -> Result<Vec<Member>, String> {
    list_items(text)
        .map(|item| {
            let (agent, tier) = match item.split_once([':', '=']) {
                Some((agent, tier)) => (agent.trim(), tier.trim().parse::<u32>().ok()),
                None => (item, Some(1)),
            };
            match tier {
                Some(tier) if !agent.is_empty() => Ok(Member {
                    agent: agent.to_string(),
                    tier,
                }),
                _ => Err(format!("{}「{item}」", t.form_bad_member)),
            }
        })
        .collect()
}

pub fn format_members(members: &[Member]) -> String {
    members
        .iter()
        .map(|m| format!("{}:{}", m.agent, m.tier))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One entry per line: `1=queue:cards`, `2=menu:loans`, `9=repeat`, `0=hangup`.
pub fn parse_entries(t: &Texts, text: &str) -> Result<BTreeMap<Digit, MenuAction>, Vec<String>> {
    let mut entries = BTreeMap::new();
    let mut errors = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let bad = || format!("{}「{line}」", t.form_bad_entry);
        let Some((key, action)) = line.split_once('=') else {
            errors.push(bad());
            continue;
        };
        let Ok(digit) = key.trim().parse::<Digit>() else {
            errors.push(format!("{}「{}」", t.form_bad_key, key.trim()));
            continue;
        };
        let (action, target) = match action.split_once(':') {
            Some((a, target)) => (a.trim(), Some(target.trim().to_string())),
            None => (action.trim(), None),
        };
        let Some(action) = MenuAction::from_parts(action, target.filter(|t| !t.is_empty())) else {
            errors.push(bad());
            continue;
        };
        if entries.insert(digit, action).is_some() {
            errors.push(format!("{}「{digit}」", t.form_duplicate));
        }
    }
    if errors.is_empty() {
        Ok(entries)
    } else {
        Err(errors)
    }
}

pub fn format_entries(entries: &BTreeMap<Digit, MenuAction>) -> String {
    entries
        .iter()
        .map(|(digit, action)| match action.target() {
            Some(target) => format!("{digit}={}:{target}", action.kind()),
            None => format!("{digit}={}", action.kind()),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A duration such as `20s` or `1m30s` (see [`parse_duration`]).
pub fn parse_duration_field(t: &Texts, text: &str) -> Result<u64, String> {
    parse_duration(text).map_err(|_| format!("{}「{}」", t.form_bad_duration, text.trim()))
}

/// An optional duration: empty means none.
pub fn parse_optional_duration(t: &Texts, text: &str) -> Result<Option<u64>, String> {
    if text.trim().is_empty() {
        Ok(None)
    } else {
        parse_duration_field(t, text).map(Some)
    }
}

pub fn format_optional_duration(ms: Option<u64>) -> String {
    ms.map(format_duration).unwrap_or_default()
}

/// An optional whole number: empty means none.
pub fn parse_optional_u32(t: &Texts, text: &str) -> Result<Option<u32>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse::<u32>()
        .map(Some)
        .map_err(|_| format!("{}「{text}」", t.form_bad_number))
}

/// An optional name: empty (or blank) means none.
pub fn optional(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{EN, ZH_TW};

    #[test]
    fn skills_round_trip_and_accept_chinese_commas() {
        let skills = parse_skills(&EN, " zh=8，en = 5 ,cards:7\n").unwrap();
        assert_eq!(
            skills,
            BTreeMap::from([("cards".into(), 7), ("en".into(), 5), ("zh".into(), 8)])
        );
        assert_eq!(format_skills(&skills), "cards=7, en=5, zh=8");
        assert_eq!(parse_skills(&EN, &format_skills(&skills)).unwrap(), skills);
        assert!(parse_skills(&EN, "").unwrap().is_empty());
        let err = parse_skills(&ZH_TW, "zh=8, en").unwrap_err();
        assert!(err.contains("「en」"), "{err}");
        assert!(parse_skills(&EN, "zh=300").is_err(), "not a level at all");
        assert!(parse_skills(&EN, "=3").is_err());
        assert!(parse_skills(&EN, "zh=1, zh=2").is_err());
    }

    #[test]
    fn members_default_to_tier_one() {
        let members = parse_members(&EN, "1001:1, 1002:2, 1003").unwrap();
        assert_eq!(
            members
                .iter()
                .map(|m| (m.agent.as_str(), m.tier))
                .collect::<Vec<_>>(),
            [("1001", 1), ("1002", 2), ("1003", 1)]
        );
        assert_eq!(format_members(&members), "1001:1, 1002:2, 1003:1");
        assert!(parse_members(&EN, "1001:first")
            .unwrap_err()
            .contains("1001:first"));
    }

    #[test]
    fn entries_one_per_line() {
        let text = "1=queue:cards\n2 = menu : loans\n\n9=repeat\n0=hangup";
        let entries = parse_entries(&EN, text).unwrap();
        assert_eq!(entries.len(), 4);
        let one: Digit = "1".parse().unwrap();
        assert_eq!(entries[&one], MenuAction::Queue("cards".into()));
        let two: Digit = "2".parse().unwrap();
        assert_eq!(entries[&two], MenuAction::Menu("loans".into()));
        assert_eq!(
            format_entries(&entries),
            "0=hangup\n1=queue:cards\n2=menu:loans\n9=repeat"
        );
        // The survey opt-in takes the menu to go to afterwards, like `menu`.
        let with_survey = parse_entries(&EN, "8 = survey : main\n1=queue:cards").unwrap();
        let eight: Digit = "8".parse().unwrap();
        assert_eq!(with_survey[&eight], MenuAction::Survey("main".into()));
        assert_eq!(format_entries(&with_survey), "1=queue:cards\n8=survey:main");
        assert_eq!(parse_entries(&EN, "8=survey").unwrap_err().len(), 1);
        let errors = parse_entries(
            &EN,
            "x=hangup\n3=queue\n4=dance\n5 hangup\n1=repeat\n1=hangup",
        )
        .unwrap_err();
        assert_eq!(errors.len(), 5, "{errors:?}");
        assert!(errors[0].contains("「x」"), "{errors:?}");
    }

    #[test]
    fn durations_and_numbers() {
        assert_eq!(parse_duration_field(&EN, " 1m30s "), Ok(90_000));
        assert!(parse_duration_field(&EN, "15")
            .unwrap_err()
            .contains("「15」"));
        assert_eq!(parse_optional_duration(&EN, "  "), Ok(None));
        assert_eq!(format_optional_duration(Some(20_000)), "20s");
        assert_eq!(parse_optional_u32(&EN, "3"), Ok(Some(3)));
        assert_eq!(parse_optional_u32(&EN, ""), Ok(None));
        assert!(parse_optional_u32(&EN, "-1").is_err());
        assert_eq!(optional("  "), None);
        assert_eq!(optional(" moh "), Some("moh".into()));
    }
}
