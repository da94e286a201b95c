//! The routing configuration as a TOML file, for `earshot apply FILE.toml`, so a deployment's
//! routing can live in version control.
//!
//! ```toml
//! [[agent]]
//! username = "1001"            # SIP user and extension
//! name = "王小明"
//! password = "..."             # hashed at once to md5(username:realm:password) with [sip] realm;
//!                              # or sip_ha1 = "<32 hex digits>"; or neither, to keep the stored one
//! skills = { zh = 8, en = 5, cards = 7 }   # levels 1..10
//! user = "wang"                # optional: the Earshot login of this agent
//! enabled = true               # default true
//!
//! [[queue]]
//! name = "cards"
//! strategy = "skills-based"    # ring-all | longest-idle | round-robin | fewest-calls | skills-based
//! ring_timeout = "15s"         # durations: "500ms", "15s", "2m", "1h", "1m30s"; default 20s
//! wrap_up = "10s"              # default 0s
//! max_wait = "5m"              # optional; then overflow (or the closing prompt)
//! overflow = "general"         # optional queue name; overflow may not loop
//! tier_wait = "30s"            # default 30s
//! auto_break_after = 3         # optional: unanswered offers in a row before a break
//! service_level = "20s"        # default 20s
//! moh_prompt = "moh"           # optional prompt names
//! closing_prompt = "closed"
//! required_skills = { cards = 5 }
//! members = [ { agent = "1001", tier = 1 }, { agent = "1002", tier = 2 } ]   # tier default 1
//!
//! [[menu]]
//! name = "main"
//! prompt = "main-menu"
//! invalid_prompt = "invalid"   # optional
//! timeout = "5s"               # default 5s
//! max_repeats = 2              # default 2
//! [menu.entries]               # keys 0-9, * and #
//! "1" = { queue = "cards" }
//! "2" = { menu = "loans" }
//! "9" = "repeat"
//! "0" = "hangup"
//! "8" = { survey = "main" }    # opt in to the post-call survey, then go to menu "main"
//!
//! [[trunk]]
//! name = "pstn"
//! source = "127.0.0.1/32"      # an IP address or CIDR block
//! entry_menu = "main"
//! language = "zh-TW"           # zh-TW | en: the prompt set
//! max_calls = 100              # optional
//! ```
//!
//! Applying a file makes the store hold exactly what the file says: items are matched by name,
//! changed ones updated, missing ones deleted (see [`crate::Store::apply_routing`]).
//! Unknown keys are errors, so a misspelt field never silently does nothing.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::model::{
    sip_ha1, Agent, Cidr, Digit, Language, Member, Menu, MenuAction, Queue, RoutingConfig,
    Strategy, Trunk,
};
use super::validate::{InvalidRouting, ItemKind, Problems};

/// The file as written, before durations, keys and addresses are understood.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoutingFile {
    #[serde(default, rename = "agent", skip_serializing_if = "Vec::is_empty")]
    pub agents: Vec<FileAgent>,
    #[serde(default, rename = "queue", skip_serializing_if = "Vec::is_empty")]
    pub queues: Vec<FileQueue>,
    #[serde(default, rename = "menu", skip_serializing_if = "Vec::is_empty")]
    pub menus: Vec<FileMenu>,
    #[serde(default, rename = "trunk", skip_serializing_if = "Vec::is_empty")]
    pub trunks: Vec<FileTrunk>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileAgent {
    pub username: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sip_ha1: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default)]
    pub skills: BTreeMap<String, u8>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileQueue {
    pub name: String,
    pub strategy: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ring_timeout: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wrap_up: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_wait: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overflow: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier_wait: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_break_after: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_level: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moh_prompt: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closing_prompt: Option<String>,
    #[serde(default)]
    pub required_skills: BTreeMap<String, u8>,
    #[serde(default)]
    pub members: Vec<FileMember>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileMember {
    pub agent: String,
    #[serde(default = "one")]
    pub tier: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileMenu {
    pub name: String,
    pub prompt: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invalid_prompt: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<String>,
    #[serde(default = "two")]
    pub max_repeats: u32,
    /// Key → `"repeat"`, `"hangup"`, `{ queue = "…" }`, `{ menu = "…" }` or `{ survey = "…" }`
    /// (opt in to the post-call survey, then go to that menu).
    #[serde(default)]
    pub entries: BTreeMap<String, toml::Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileTrunk {
    pub name: String,
    pub source: String,
    pub entry_menu: String,
    pub language: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_calls: Option<u32>,
}

fn yes() -> bool {
    true
}
fn one() -> u32 {
    1
}
fn two() -> u32 {
    2
}

const DEFAULT_RING_TIMEOUT_MS: u64 = 20_000;
const DEFAULT_WRAP_UP_MS: u64 = 0;
const DEFAULT_TIER_WAIT_MS: u64 = 30_000;
const DEFAULT_SERVICE_LEVEL_MS: u64 = 20_000;
const DEFAULT_MENU_TIMEOUT_MS: u64 = 5_000;

/// A file that is not TOML, or not this shape.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct FileSyntaxError(#[from] toml::de::Error);

impl RoutingFile {
    pub fn parse(text: &str) -> Result<RoutingFile, FileSyntaxError> {
        Ok(toml::from_str(text)?)
    }

    /// Understand the file: durations, keys, addresses, strategies; passwords become HA1 with
    /// `realm`. References between items are checked by the store, which knows the users.
    pub fn into_config(self, realm: &str) -> Result<RoutingConfig, InvalidRouting> {
        let mut p = Problems::default();
        let mut config = RoutingConfig::default();

        for a in self.agents {
            let k = ItemKind::Agent;
            let sip_ha1 = match (a.password, a.sip_ha1) {
                (Some(_), Some(_)) => {
                    p.push(
                        k,
                        &a.username,
                        "password",
                        "give either password or sip_ha1, not both",
                    );
                    None
                }
                (Some(pw), None) if pw.is_empty() => {
                    p.push(k, &a.username, "password", "password must not be empty");
                    None
                }
                (Some(pw), None) => Some(sip_ha1(&a.username, realm, &pw)),
                (None, Some(h)) => Some(h.to_ascii_lowercase()),
                (None, None) => None,
            };
            config.agents.push(Agent {
                username: a.username,
                display_name: a.name,
                sip_ha1,
                user: a.user,
                team: a.team,
                enabled: a.enabled,
                skills: a.skills,
            });
        }

        for q in self.queues {
            let k = ItemKind::Queue;
            let name = q.name.clone();
            let mut duration =
                |field: &str, value: Option<String>, default: Option<u64>| match value {
                    None => default,
                    Some(text) => match parse_duration(&text) {
                        Ok(ms) => Some(ms),
                        Err(msg) => {
                            p.push(k, &name, field, format!("{field}: {msg}"));
                            default
                        }
                    },
                };
            let ring_timeout_ms = duration(
                "ring_timeout",
                q.ring_timeout,
                Some(DEFAULT_RING_TIMEOUT_MS),
            )
            .unwrap_or(DEFAULT_RING_TIMEOUT_MS);
            let wrap_up_ms = duration("wrap_up", q.wrap_up, Some(DEFAULT_WRAP_UP_MS))
                .unwrap_or(DEFAULT_WRAP_UP_MS);
            let max_wait_ms = duration("max_wait", q.max_wait, None);
            let tier_wait_ms = duration("tier_wait", q.tier_wait, Some(DEFAULT_TIER_WAIT_MS))
                .unwrap_or(DEFAULT_TIER_WAIT_MS);
            let service_level_ms = duration(
                "service_level",
                q.service_level,
                Some(DEFAULT_SERVICE_LEVEL_MS),
            )
            .unwrap_or(DEFAULT_SERVICE_LEVEL_MS);
            let strategy = match q.strategy.parse::<Strategy>() {
                Ok(s) => s,
                Err(e) => {
                    p.push(k, &name, "strategy", format!("strategy: {e}"));
                    Strategy::RingAll
                }
            };
            config.queues.push(Queue {
                name: q.name,
                strategy,
                ring_timeout_ms,
                wrap_up_ms,
                max_wait_ms,
                overflow: q.overflow,
                tier_wait_ms,
                auto_break_after: q.auto_break_after,
                service_level_ms,
                moh_prompt: q.moh_prompt,
                closing_prompt: q.closing_prompt,
                required_skills: q.required_skills,
                members: q
                    .members
                    .into_iter()
                    .map(|m| Member {
                        agent: m.agent,
                        tier: m.tier,
                    })
                    .collect(),
            });
        }

        for m in self.menus {
            let k = ItemKind::Menu;
            let timeout_ms = match m.timeout.as_deref().map(parse_duration) {
                None => DEFAULT_MENU_TIMEOUT_MS,
                Some(Ok(ms)) => ms,
                Some(Err(msg)) => {
                    p.push(k, &m.name, "timeout", format!("timeout: {msg}"));
                    DEFAULT_MENU_TIMEOUT_MS
                }
            };
            let mut entries = BTreeMap::new();
            for (key, value) in m.entries {
                let field = format!("entries.\"{key}\"");
                let digit = match key.parse::<Digit>() {
                    Ok(d) => d,
                    Err(_) => {
                        p.push(
                            k,
                            &m.name,
                            field,
                            format!("entries: {key:?} is not a keypad key (0-9, * or #)"),
                        );
                        continue;
                    }
                };
                match parse_entry(&value) {
                    Ok(action) => {
                        entries.insert(digit, action);
                    }
                    Err(msg) => p.push(k, &m.name, field, format!("key {key}: {msg}")),
                }
            }
            config.menus.push(Menu {
                name: m.name,
                prompt: m.prompt,
                invalid_prompt: m.invalid_prompt,
                timeout_ms,
                max_repeats: m.max_repeats,
                entries,
            });
        }

        for t in self.trunks {
            let k = ItemKind::Trunk;
            let source = match t.source.parse::<Cidr>() {
                Ok(c) => Some(c),
                Err(e) => {
                    p.push(k, &t.name, "source", format!("source: {e}"));
                    None
                }
            };
            let language = match t.language.parse::<Language>() {
                Ok(l) => Some(l),
                Err(e) => {
                    p.push(k, &t.name, "language", format!("language: {e}"));
                    None
                }
            };
            if let (Some(source), Some(language)) = (source, language) {
                config.trunks.push(Trunk {
                    name: t.name,
                    source,
                    entry_menu: t.entry_menu,
                    language,
                    max_calls: t.max_calls,
                });
            }
        }
        p.finish()?;
        Ok(config)
    }

    /// The file that says `config` (credentials as `sip_ha1`), for exporting what the store
    /// holds into version control.
    pub fn from_config(config: &RoutingConfig) -> RoutingFile {
        RoutingFile {
            agents: config
                .agents
                .iter()
                .map(|a| FileAgent {
                    username: a.username.clone(),
                    name: a.display_name.clone(),
                    password: None,
                    sip_ha1: a.sip_ha1.clone(),
                    user: a.user.clone(),
                    team: a.team.clone(),
                    enabled: a.enabled,
                    skills: a.skills.clone(),
                })
                .collect(),
            queues: config
                .queues
                .iter()
                .map(|q| FileQueue {
                    name: q.name.clone(),
                    strategy: q.strategy.as_str().into(),
                    ring_timeout: Some(format_duration(q.ring_timeout_ms)),
                    wrap_up: Some(format_duration(q.wrap_up_ms)),
                    max_wait: q.max_wait_ms.map(format_duration),
                    overflow: q.overflow.clone(),
                    tier_wait: Some(format_duration(q.tier_wait_ms)),
                    auto_break_after: q.auto_break_after,
                    service_level: Some(format_duration(q.service_level_ms)),
                    moh_prompt: q.moh_prompt.clone(),
                    closing_prompt: q.closing_prompt.clone(),
                    required_skills: q.required_skills.clone(),
                    members: q
                        .members
                        .iter()
                        .map(|m| FileMember {
                            agent: m.agent.clone(),
                            tier: m.tier,
                        })
                        .collect(),
                })
                .collect(),
            menus: config
                .menus
                .iter()
                .map(|m| FileMenu {
                    name: m.name.clone(),
                    prompt: m.prompt.clone(),
                    invalid_prompt: m.invalid_prompt.clone(),
                    timeout: Some(format_duration(m.timeout_ms)),
                    max_repeats: m.max_repeats,
                    entries: m
                        .entries
                        .iter()
                        .map(|(d, a)| {
                            let value = match a {
                                MenuAction::Queue(q) => table("queue", q),
                                MenuAction::Menu(m) => table("menu", m),
                                MenuAction::Survey(m) => table("survey", m),
                                MenuAction::Repeat => toml::Value::String("repeat".into()),
                                MenuAction::Hangup => toml::Value::String("hangup".into()),
                            };
                            (d.to_string(), value)
                        })
                        .collect(),
                })
                .collect(),
            trunks: config
                .trunks
                .iter()
                .map(|t| FileTrunk {
                    name: t.name.clone(),
                    source: t.source.to_string(),
                    entry_menu: t.entry_menu.clone(),
                    language: t.language.as_str().into(),
                    max_calls: t.max_calls,
                })
                .collect(),
        }
    }

    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).unwrap_or_default()
    }
}

fn table(key: &str, value: &str) -> toml::Value {
    let mut t = toml::map::Map::new();
    t.insert(key.into(), toml::Value::String(value.into()));
    toml::Value::Table(t)
}

fn parse_entry(value: &toml::Value) -> Result<MenuAction, String> {
    const HELP: &str = "write \"repeat\", \"hangup\", { queue = \"NAME\" }, { menu = \"NAME\" } or { survey = \"MENU\" }";
    match value {
        toml::Value::String(s) if s == "repeat" => Ok(MenuAction::Repeat),
        toml::Value::String(s) if s == "hangup" => Ok(MenuAction::Hangup),
        toml::Value::Table(t) if t.len() == 1 => {
            let (k, v) = t.iter().next().ok_or(HELP)?;
            let names = if k == "survey" { "menu" } else { k.as_str() };
            let target = v
                .as_str()
                .ok_or_else(|| format!("{k} must name a {names}"))?;
            match k.as_str() {
                "queue" => Ok(MenuAction::Queue(target.into())),
                "menu" => Ok(MenuAction::Menu(target.into())),
                "survey" => Ok(MenuAction::Survey(target.into())),
                other => Err(format!("unknown action {other:?}; {HELP}")),
            }
        }
        other => Err(format!("cannot understand {other}; {HELP}")),
    }
}

/// `"500ms"`, `"15s"`, `"2m"`, `"1h"`, or a sum like `"1m30s"`, in milliseconds. A bare number
/// is refused: "15" could mean seconds or milliseconds.
pub fn parse_duration(text: &str) -> Result<u64, String> {
    let bad = || {
        format!(
            "{text:?} is not a duration; write it with a unit: \"500ms\", \"15s\", \"2m\", \"1h\""
        )
    };
    let s = text.trim();
    if s.is_empty() {
        return Err(bad());
    }
    let mut total: u64 = 0;
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(bad());
        }
        let n: u64 = rest[..digits].parse().map_err(|_| bad())?;
        rest = &rest[digits..];
        let unit_len = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
        let per = match &rest[..unit_len] {
            "ms" => 1,
            "s" => 1_000,
            "m" | "min" => 60_000,
            "h" => 3_600_000,
            _ => return Err(bad()),
        };
        rest = &rest[unit_len..];
        total = n
            .checked_mul(per)
            .and_then(|ms| total.checked_add(ms))
            .ok_or_else(bad)?;
    }
    Ok(total)
}

/// The shortest exact spelling of a duration for [`parse_duration`].
pub fn format_duration(ms: u64) -> String {
    if ms == 0 {
        return "0s".into();
    }
    let mut out = String::new();
    let mut rest = ms;
    for (unit, per) in [("h", 3_600_000), ("m", 60_000), ("s", 1_000), ("ms", 1)] {
        if rest >= per {
            out.push_str(&format!("{}{unit}", rest / per));
            rest %= per;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("500ms"), Ok(500));
        assert_eq!(parse_duration("15s"), Ok(15_000));
        assert_eq!(parse_duration("2m"), Ok(120_000));
        assert_eq!(parse_duration("1h"), Ok(3_600_000));
        assert_eq!(parse_duration("1m30s"), Ok(90_000));
        assert_eq!(parse_duration(" 0s "), Ok(0));
        for bad in [
            "15",
            "",
            "s",
            "15 s",
            "1.5s",
            "15sec",
            "-1s",
            "99999999999999999999h",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad:?} parsed");
        }
        for ms in [0, 1, 999, 1_000, 90_000, 3_723_004, 86_400_000] {
            assert_eq!(parse_duration(&format_duration(ms)), Ok(ms));
        }
        assert_eq!(format_duration(90_000), "1m30s");
    }

    #[test]
    fn entries_and_errors_name_item_and_field() {
        let text = r##"
            [[menu]]
            name = "main"
            prompt = "main-menu"
            timeout = "5"
            [menu.entries]
            "1" = { queue = "cards" }
            "x" = "hangup"
            "2" = "dance"
            "#" = "repeat"
        "##;
        let err = RoutingFile::parse(text)
            .unwrap()
            .into_config("earshot")
            .unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains(r#"menu "main": timeout: "5" is not a duration"#),
            "{text}"
        );
        assert!(
            text.contains(r#"menu "main": entries: "x" is not a keypad key"#),
            "{text}"
        );
        assert!(
            text.contains(r#"menu "main": key 2: cannot understand "dance""#),
            "{text}"
        );
        assert_eq!(err.problems.len(), 3);
        assert_eq!(err.problems[0].field, "timeout");
    }

    #[test]
    fn a_survey_opt_in_key_round_trips_and_must_go_to_a_menu() {
        let text = r##"
            [[menu]]
            name = "offer"
            prompt = "survey-offer"
            [menu.entries]
            "1" = { survey = "main" }
            "2" = { menu = "main" }

            [[menu]]
            name = "main"
            prompt = "main-menu"
            [menu.entries]
            "9" = "repeat"
        "##;
        let config = RoutingFile::parse(text)
            .unwrap()
            .into_config("earshot")
            .unwrap();
        let offer = &config.menus[0];
        let one: Digit = "1".parse().unwrap();
        assert_eq!(offer.entries[&one], MenuAction::Survey("main".into()));
        let exported = RoutingFile::from_config(&config).to_toml();
        // The export writes the entry as a subtable, which reads back the same.
        assert!(
            exported.contains("[menu.entries.1]\nsurvey = \"main\""),
            "{exported}"
        );
        let again = RoutingFile::parse(&exported)
            .unwrap()
            .into_config("earshot")
            .unwrap();
        assert_eq!(again.menus, config.menus);

        // References are checked with the whole configuration, as `apply` does.
        let gone = RoutingFile::parse(&text.replace(r#"survey = "main""#, r#"survey = "gone""#))
            .unwrap()
            .into_config("earshot")
            .unwrap();
        let err = super::super::validate::validate(&gone, &Default::default()).unwrap_err();
        assert!(
            err.to_string().contains(
                r#"menu "offer": key 1: survey opt-in goes to menu "gone", which does not exist"#
            ),
            "{err}"
        );
        let err = RoutingFile::parse(&text.replace(r#"survey = "main""#, "survey = 3"))
            .unwrap()
            .into_config("earshot")
            .unwrap_err();
        assert!(err.to_string().contains("survey must name a menu"), "{err}");
    }

    #[test]
    fn passwords_become_ha1_and_unknown_keys_are_refused() {
        let text = r#"
            [[agent]]
            username = "1001"
            name = "王小明"
            password = "secret"
        "#;
        let config = RoutingFile::parse(text)
            .unwrap()
            .into_config("earshot")
            .unwrap();
        assert_eq!(
            config.agents[0].sip_ha1.as_deref(),
            Some(sip_ha1("1001", "earshot", "secret").as_str())
        );
        assert!(config.agents[0].enabled);
        let err = RoutingFile::parse(
            "[[queue]]\nname = \"a\"\nstrategy = \"ring-all\"\nring_timout = \"5s\"\n",
        )
        .unwrap_err();
        assert!(err.to_string().contains("ring_timout"), "{err}");
    }
}
