//! The routing configuration as plain data: what the recorder loads, what the admin pages edit
//! and what `earshot apply` writes. Items refer to each other by name (usernames for agents),
//! never by database id, so a configuration means the same in a file, in JSON and in the store.

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::StoreError;

/// Everything the routing core needs to route calls.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoutingConfig {
    pub agents: Vec<Agent>,
    pub queues: Vec<Queue>,
    pub menus: Vec<Menu>,
    pub trunks: Vec<Trunk>,
}

impl RoutingConfig {
    /// The canonical order the store reads back in: items by name, members by tier then agent.
    /// Two configurations that mean the same compare equal once normalized.
    pub fn normalized(mut self) -> Self {
        self.agents.sort_by(|a, b| a.username.cmp(&b.username));
        self.queues.sort_by(|a, b| a.name.cmp(&b.name));
        for q in &mut self.queues {
            q.members
                .sort_by(|a, b| (a.tier, &a.agent).cmp(&(b.tier, &b.agent)));
        }
        self.menus.sort_by(|a, b| a.name.cmp(&b.name));
        self.trunks.sort_by(|a, b| a.name.cmp(&b.name));
        self
    }

    pub fn agent(&self, username: &str) -> Option<&Agent> {
        self.agents.iter().find(|a| a.username == username)
    }

    pub fn queue(&self, name: &str) -> Option<&Queue> {
        self.queues.iter().find(|q| q.name == name)
    }

    pub fn menu(&self, name: &str) -> Option<&Menu> {
        self.menus.iter().find(|m| m.name == name)
    }

    pub fn trunk(&self, name: &str) -> Option<&Trunk> {
        self.trunks.iter().find(|t| t.name == name)
    }
}

/// A person who takes calls on a softphone registered to Earshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agent {
    /// SIP user name and extension (`1001`).
    pub username: String,
    pub display_name: String,
    /// `md5(username:realm:password)` in lowercase hex (see [`sip_ha1`]). `None` in a change
    /// keeps the stored credential; a new agent needs one. Never the plain password.
    pub sip_ha1: Option<String>,
    /// The Earshot user (login) this agent is, by username, for "my evaluations" and the like.
    pub user: Option<String>,
    /// The team the agent works in (a supervisor's group), for QA dashboards.
    pub team: Option<String>,
    pub enabled: bool,
    /// Skill name → level 1..=10.
    pub skills: BTreeMap<String, u8>,
}

/// How a queue picks the agent to offer a call to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Strategy {
    /// Ring every available agent of the current tier at once; the first to answer gets it.
    RingAll,
    LongestIdle,
    RoundRobin,
    FewestCalls,
    /// The available agent whose skills best match the queue's required skills.
    SkillsBased,
}

impl Strategy {
    pub const ALL: [Strategy; 5] = [
        Strategy::RingAll,
        Strategy::LongestIdle,
        Strategy::RoundRobin,
        Strategy::FewestCalls,
        Strategy::SkillsBased,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Strategy::RingAll => "ring-all",
            Strategy::LongestIdle => "longest-idle",
            Strategy::RoundRobin => "round-robin",
            Strategy::FewestCalls => "fewest-calls",
            Strategy::SkillsBased => "skills-based",
        }
    }
}

impl FromStr for Strategy {
    type Err = StoreError;
    fn from_str(s: &str) -> Result<Self, StoreError> {
        Strategy::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| {
                StoreError::Invalid(format!(
                    "unknown strategy {s:?}; strategies are ring-all, longest-idle, round-robin, \
                     fewest-calls, skills-based"
                ))
            })
    }
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An ACD queue. Durations are milliseconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Queue {
    pub name: String,
    pub strategy: Strategy,
    /// How long one offer rings before the next agent is tried.
    pub ring_timeout_ms: u64,
    /// After-call work before an agent is offered the next call.
    pub wrap_up_ms: u64,
    /// Longest a caller waits before overflow (or the closing prompt when there is none).
    pub max_wait_ms: Option<u64>,
    /// The queue a call moves to after `max_wait_ms`.
    pub overflow: Option<String>,
    /// How long a call waits for tier n before tier n+1 agents are offered it as well.
    pub tier_wait_ms: u64,
    /// Put an agent on break after this many unanswered offers in a row.
    pub auto_break_after: Option<u32>,
    /// The answer-time target of the service level (see [`crate::routing::QueueStatsRow`]).
    pub service_level_ms: u64,
    pub moh_prompt: Option<String>,
    pub closing_prompt: Option<String>,
    /// Skill name → minimum level an agent needs to be offered this queue's calls.
    pub required_skills: BTreeMap<String, u8>,
    pub members: Vec<Member>,
}

/// An agent in a queue, at a tier (1 is offered first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// The agent's username.
    pub agent: String,
    pub tier: u32,
}

/// An IVR menu: a prompt and what each key does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Menu {
    pub name: String,
    pub prompt: String,
    /// Played after a key the menu has no entry for.
    pub invalid_prompt: Option<String>,
    /// How long to wait for a key after the prompt.
    pub timeout_ms: u64,
    /// How often the menu repeats on timeout or invalid input before the caller is hung up on.
    pub max_repeats: u32,
    pub entries: BTreeMap<Digit, MenuAction>,
}

/// What a key of a menu does. In JSON: `{"action": "queue", "target": "cards"}`,
/// `{"action": "repeat"}`, `{"action": "survey", "target": "main"}` (opt in to the post-call
/// survey, then go to menu `main`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "action", content = "target", rename_all = "kebab-case")]
pub enum MenuAction {
    Queue(String),
    Menu(String),
    /// Opt in to the post-call survey, then go to this menu.
    Survey(String),
    Repeat,
    Hangup,
}

impl MenuAction {
    pub fn kind(&self) -> &'static str {
        match self {
            MenuAction::Queue(_) => "queue",
            MenuAction::Menu(_) => "menu",
            MenuAction::Survey(_) => "survey",
            MenuAction::Repeat => "repeat",
            MenuAction::Hangup => "hangup",
        }
    }

    pub fn target(&self) -> Option<&str> {
        match self {
            MenuAction::Queue(t) | MenuAction::Menu(t) | MenuAction::Survey(t) => Some(t),
            MenuAction::Repeat | MenuAction::Hangup => None,
        }
    }

    /// From the stored `(action, target)` pair.
    pub fn from_parts(action: &str, target: Option<String>) -> Option<MenuAction> {
        match (action, target) {
            ("queue", Some(t)) => Some(MenuAction::Queue(t)),
            ("menu", Some(t)) => Some(MenuAction::Menu(t)),
            ("survey", Some(t)) => Some(MenuAction::Survey(t)),
            ("repeat", None) => Some(MenuAction::Repeat),
            ("hangup", None) => Some(MenuAction::Hangup),
            _ => None,
        }
    }
}

/// A telephone keypad key: `0`–`9`, `*` or `#`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Digit(char);

impl Digit {
    pub fn new(c: char) -> Option<Digit> {
        (c.is_ascii_digit() || c == '*' || c == '#').then_some(Digit(c))
    }

    pub fn as_char(self) -> char {
        self.0
    }
}

impl FromStr for Digit {
    type Err = StoreError;
    fn from_str(s: &str) -> Result<Self, StoreError> {
        let mut chars = s.chars();
        match (chars.next().and_then(Digit::new), chars.next()) {
            (Some(d), None) => Ok(d),
            _ => Err(StoreError::Invalid(format!(
                "{s:?} is not a keypad key (0-9, * or #)"
            ))),
        }
    }
}

impl fmt::Display for Digit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl Serialize for Digit {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut buf = [0u8; 4];
        s.serialize_str(self.0.encode_utf8(&mut buf))
    }
}

impl<'de> Deserialize<'de> for Digit {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// The prompt set a trunk's callers hear.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Language {
    #[serde(rename = "zh-TW")]
    ZhTw,
    #[serde(rename = "en")]
    En,
}

impl Language {
    pub fn as_str(self) -> &'static str {
        match self {
            Language::ZhTw => "zh-TW",
            Language::En => "en",
        }
    }
}

impl FromStr for Language {
    type Err = StoreError;
    fn from_str(s: &str) -> Result<Self, StoreError> {
        match s {
            "zh-TW" => Ok(Language::ZhTw),
            "en" => Ok(Language::En),
            other => Err(StoreError::Invalid(format!(
                "unknown language {other:?}; languages are zh-TW and en"
            ))),
        }
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where calls come in from: INVITEs from `source` start at `entry_menu`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trunk {
    pub name: String,
    pub source: Cidr,
    pub entry_menu: String,
    pub language: Language,
    /// Concurrent calls the trunk may carry; more are refused (503).
    pub max_calls: Option<u32>,
}

/// An IP address block, `10.0.0.0/8` or `2001:db8::/32`; a bare address is a block of one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

impl Cidr {
    pub fn new(addr: IpAddr, prefix: u8) -> Option<Cidr> {
        let max = if addr.is_ipv4() { 32 } else { 128 };
        (prefix <= max).then_some(Cidr { addr, prefix })
    }

    pub fn addr(&self) -> IpAddr {
        self.addr
    }

    pub fn prefix(&self) -> u8 {
        self.prefix
    }

    /// Whether `ip` is in the block (an IPv4-mapped IPv6 address counts as its IPv4 address).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl FromStr for Cidr {
    type Err = StoreError;
    fn from_str(s: &str) -> Result<Self, StoreError> {
        let bad = || {
            StoreError::Invalid(format!(
                "{s:?} is not an IP address or CIDR block (e.g. 192.0.2.10 or 192.0.2.0/24)"
            ))
        };
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = addr.parse().map_err(|_| bad())?;
        let prefix = match prefix {
            None if addr.is_ipv4() => 32,
            None => 128,
            Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {
                p.parse().map_err(|_| bad())?
            }
            Some(_) => return Err(bad()),
        };
        Cidr::new(addr, prefix).ok_or_else(bad)
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

impl Serialize for Cidr {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Cidr {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// The SIP digest credential of RFC 2617 / RFC 7616 (MD5): `md5(username:realm:password)`,
/// lowercase hex. The recorder checks softphone REGISTERs and INVITEs against it; the
/// password itself is never stored.
pub fn sip_ha1(username: &str, realm: &str, password: &str) -> String {
    earshot_sip::digest::ha1(username, realm, password)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ha1_matches_rfc_2617_example() {
        // RFC 2617 section 3.5: Mufasa / testrealm@host.com / Circle Of Life.
        assert_eq!(
            sip_ha1("Mufasa", "testrealm@host.com", "Circle Of Life"),
            "939e7578ed9e3c518a452acee763bce9"
        );
    }

    #[test]
    fn cidr_parses_and_matches() {
        let net: Cidr = "10.1.0.0/16".parse().unwrap();
        assert!(net.contains("10.1.200.3".parse().unwrap()));
        assert!(!net.contains("10.2.0.1".parse().unwrap()));
        assert!(net.contains("::ffff:10.1.0.9".parse().unwrap()));
        let one: Cidr = "127.0.0.1".parse().unwrap();
        assert_eq!(one.to_string(), "127.0.0.1/32");
        assert!(one.contains("127.0.0.1".parse().unwrap()));
        assert!(!one.contains("127.0.0.2".parse().unwrap()));
        let any: Cidr = "0.0.0.0/0".parse().unwrap();
        assert!(any.contains("203.0.113.7".parse().unwrap()));
        let v6: Cidr = "2001:db8::/32".parse().unwrap();
        assert!(v6.contains("2001:db8:1::1".parse().unwrap()));
        assert!(!v6.contains("2001:db9::1".parse().unwrap()));
        for bad in [
            "10.0.0.0/33",
            "10.0.0/8",
            "host",
            "10.0.0.0/",
            "10.0.0.0/+8",
            "::/129",
        ] {
            assert!(bad.parse::<Cidr>().is_err(), "{bad} parsed");
        }
    }

    #[test]
    fn digits_are_keypad_keys() {
        assert_eq!("#".parse::<Digit>().unwrap().as_char(), '#');
        assert!("*".parse::<Digit>().is_ok());
        for bad in ["", "10", "a", "１"] {
            assert!(bad.parse::<Digit>().is_err(), "{bad} parsed");
        }
    }

    #[test]
    fn menu_actions_serialize_as_action_and_target() {
        let json = serde_json::to_value(MenuAction::Queue("cards".into())).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"action": "queue", "target": "cards"})
        );
        let json = serde_json::to_value(MenuAction::Repeat).unwrap();
        assert_eq!(json, serde_json::json!({"action": "repeat"}));
        let survey = MenuAction::Survey("main".into());
        let json = serde_json::to_value(&survey).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"action": "survey", "target": "main"})
        );
        assert_eq!(serde_json::from_value::<MenuAction>(json).unwrap(), survey);
        // The stored (action, target) pair.
        assert_eq!((survey.kind(), survey.target()), ("survey", Some("main")));
        assert_eq!(
            MenuAction::from_parts("survey", Some("main".into())),
            Some(survey)
        );
        assert_eq!(MenuAction::from_parts("survey", None), None);
    }
}
