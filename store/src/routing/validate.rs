//! Checking a whole configuration before anything is written: every reference resolves, every
//! value is in range, overflow never loops. All problems are reported at once, each naming the
//! item and the field, so a file can be fixed in one pass.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt;

use serde::Serialize;

use super::model::{MenuAction, RoutingConfig};

/// The kinds of configuration item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    Agent,
    Queue,
    Menu,
    Trunk,
}

impl ItemKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::Agent => "agent",
            ItemKind::Queue => "queue",
            ItemKind::Menu => "menu",
            ItemKind::Trunk => "trunk",
        }
    }
}

impl fmt::Display for ItemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One thing wrong with one item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub kind: ItemKind,
    /// The item's name (username for agents); empty when the item has none.
    pub item: String,
    /// The field at fault, as the file and the API spell it (`overflow`, `entries."7"`).
    pub field: String,
    /// What is wrong, readable on its own after `queue "cards": `.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {:?}: {}", self.kind, self.item, self.message)
    }
}

/// A configuration the store refuses, with every reason. Nothing was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
pub struct InvalidRouting {
    pub problems: Vec<Problem>,
}

impl fmt::Display for InvalidRouting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

/// Collects problems while checking.
#[derive(Default)]
pub(crate) struct Problems(Vec<Problem>);

impl Problems {
    pub(crate) fn push(
        &mut self,
        kind: ItemKind,
        item: &str,
        field: impl Into<String>,
        message: impl Into<String>,
    ) {
        self.0.push(Problem {
            kind,
            item: item.to_string(),
            field: field.into(),
            message: message.into(),
        });
    }

    pub(crate) fn finish(self) -> Result<(), InvalidRouting> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(InvalidRouting { problems: self.0 })
        }
    }
}

/// Longest name of any item, skill or prompt.
const MAX_NAME: usize = 64;

/// Names of items, skills and prompts: ASCII letters, digits, `.`, `_`, `-`, starting with a
/// letter or digit. They end up in SIP URIs, prompt file names and the `ivr_path` of calls
/// (`main:1>billing:timeout`), where anything else would need escaping or could climb out of
/// the prompt directory.
pub fn name_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("must not be empty".into());
    }
    if name.len() > MAX_NAME {
        return Some(format!("{name:?} is longer than {MAX_NAME} characters"));
    }
    let first_ok = name.starts_with(|c: char| c.is_ascii_alphanumeric());
    let rest_ok = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if first_ok && rest_ok {
        None
    } else {
        Some(format!(
            "{name:?} may use only ASCII letters, digits, '.', '_' and '-', starting with a letter or digit"
        ))
    }
}

/// Durations are stored as signed 64-bit milliseconds.
const MAX_MS: u64 = i64::MAX as u64;

/// Check a whole configuration. `users` are the Earshot usernames that exist (agents may link
/// to one).
pub(crate) fn validate(
    config: &RoutingConfig,
    users: &BTreeSet<String>,
) -> Result<(), InvalidRouting> {
    let mut p = Problems::default();
    let agents = unique_names(
        &mut p,
        ItemKind::Agent,
        "username",
        config.agents.iter().map(|a| a.username.as_str()),
    );
    let queues = unique_names(
        &mut p,
        ItemKind::Queue,
        "name",
        config.queues.iter().map(|q| q.name.as_str()),
    );
    let menus = unique_names(
        &mut p,
        ItemKind::Menu,
        "name",
        config.menus.iter().map(|m| m.name.as_str()),
    );
    unique_names(
        &mut p,
        ItemKind::Trunk,
        "name",
        config.trunks.iter().map(|t| t.name.as_str()),
    );

    for a in &config.agents {
        let k = ItemKind::Agent;
        let name = a.username.as_str();
        if a.display_name.trim().is_empty() {
            p.push(k, name, "name", "the display name must not be empty");
        }
        match &a.sip_ha1 {
            Some(h) if !is_ha1(h) => p.push(
                k,
                name,
                "sip_ha1",
                "sip_ha1 must be 32 lowercase hex digits (md5 of username:realm:password)",
            ),
            Some(_) => {}
            // A new agent without credentials is caught where the store knows it is new.
            None => {}
        }
        if let Some(team) = &a.team {
            if team.trim().is_empty()
                || team.chars().count() > 64
                || team.chars().any(char::is_control)
            {
                p.push(
                    k,
                    name,
                    "team",
                    "a team name is 1 to 64 printable characters",
                );
            }
        }
        if let Some(u) = &a.user {
            if !users.contains(u) {
                p.push(k, name, "user", format!("user {u:?} does not exist"));
            }
        }
        check_skills(&mut p, k, name, "skills", &a.skills);
    }

    for q in &config.queues {
        let k = ItemKind::Queue;
        let name = q.name.as_str();
        if q.ring_timeout_ms == 0 {
            p.push(
                k,
                name,
                "ring_timeout",
                "ring_timeout must be longer than 0",
            );
        }
        if q.service_level_ms == 0 {
            p.push(
                k,
                name,
                "service_level",
                "service_level must be longer than 0",
            );
        }
        if q.max_wait_ms == Some(0) {
            p.push(k, name, "max_wait", "max_wait must be longer than 0");
        }
        for (field, ms) in [
            ("ring_timeout", Some(q.ring_timeout_ms)),
            ("wrap_up", Some(q.wrap_up_ms)),
            ("max_wait", q.max_wait_ms),
            ("tier_wait", Some(q.tier_wait_ms)),
            ("service_level", Some(q.service_level_ms)),
        ] {
            if ms.is_some_and(|ms| ms > MAX_MS) {
                p.push(k, name, field, format!("{field} is too long"));
            }
        }
        if q.auto_break_after == Some(0) {
            p.push(
                k,
                name,
                "auto_break_after",
                "auto_break_after must be at least 1 (leave it out to never break agents)",
            );
        }
        if let Some(o) = &q.overflow {
            if !queues.contains(o.as_str()) {
                p.push(
                    k,
                    name,
                    "overflow",
                    format!("overflow queue {o:?} does not exist"),
                );
            }
        }
        for (field, prompt) in [
            ("moh_prompt", &q.moh_prompt),
            ("closing_prompt", &q.closing_prompt),
        ] {
            if let Some(msg) = prompt.as_deref().and_then(name_problem) {
                p.push(k, name, field, format!("{field}: {msg}"));
            }
        }
        check_skills(&mut p, k, name, "required_skills", &q.required_skills);
        let mut seen = HashSet::new();
        for m in &q.members {
            if !agents.contains(m.agent.as_str()) {
                p.push(
                    k,
                    name,
                    "members",
                    format!("member agent {:?} does not exist", m.agent),
                );
            }
            if !seen.insert(m.agent.as_str()) {
                p.push(
                    k,
                    name,
                    "members",
                    format!("agent {:?} is a member twice", m.agent),
                );
            }
            if m.tier == 0 {
                p.push(
                    k,
                    name,
                    "members",
                    format!("agent {:?}: tiers start at 1", m.agent),
                );
            }
        }
    }
    overflow_cycles(&mut p, config);

    for m in &config.menus {
        let k = ItemKind::Menu;
        let name = m.name.as_str();
        if let Some(msg) = name_problem(&m.prompt) {
            p.push(k, name, "prompt", format!("prompt: {msg}"));
        }
        if let Some(msg) = m.invalid_prompt.as_deref().and_then(name_problem) {
            p.push(k, name, "invalid_prompt", format!("invalid_prompt: {msg}"));
        }
        if m.timeout_ms == 0 || m.timeout_ms > MAX_MS {
            p.push(
                k,
                name,
                "timeout",
                "timeout must be longer than 0 and shorter than forever",
            );
        }
        for (digit, action) in &m.entries {
            let field = format!("entries.\"{digit}\"");
            match action {
                MenuAction::Queue(q) if !queues.contains(q.as_str()) => p.push(
                    k,
                    name,
                    field,
                    format!("key {digit}: queue {q:?} does not exist"),
                ),
                MenuAction::Menu(other) if !menus.contains(other.as_str()) => p.push(
                    k,
                    name,
                    field,
                    format!("key {digit}: menu {other:?} does not exist"),
                ),
                MenuAction::Survey(other) if !menus.contains(other.as_str()) => p.push(
                    k,
                    name,
                    field,
                    format!(
                        "key {digit}: survey opt-in goes to menu {other:?}, which does not exist"
                    ),
                ),
                _ => {}
            }
        }
    }

    for t in &config.trunks {
        let k = ItemKind::Trunk;
        let name = t.name.as_str();
        if !menus.contains(t.entry_menu.as_str()) {
            p.push(
                k,
                name,
                "entry_menu",
                format!("entry menu {:?} does not exist", t.entry_menu),
            );
        }
        if t.max_calls == Some(0) {
            p.push(
                k,
                name,
                "max_calls",
                "max_calls must be at least 1 (leave it out for no limit)",
            );
        }
    }
    p.finish()
}

/// Check names and report duplicates; returns the set of names.
fn unique_names<'a>(
    p: &mut Problems,
    kind: ItemKind,
    field: &str,
    names: impl Iterator<Item = &'a str>,
) -> HashSet<&'a str> {
    let mut set = HashSet::new();
    for n in names {
        if let Some(msg) = name_problem(n) {
            p.push(kind, n, field, format!("{field}: {msg}"));
        }
        if !set.insert(n) {
            p.push(kind, n, field, format!("{kind} {n:?} is defined twice"));
        }
    }
    set
}

fn check_skills(
    p: &mut Problems,
    kind: ItemKind,
    item: &str,
    field: &str,
    skills: &BTreeMap<String, u8>,
) {
    for (skill, level) in skills {
        if let Some(msg) = name_problem(skill) {
            p.push(kind, item, field, format!("{field}: skill {msg}"));
        }
        if !(1..=10).contains(level) {
            p.push(
                kind,
                item,
                field,
                format!("{field}: skill {skill:?} has level {level}; levels are 1 to 10"),
            );
        }
    }
}

/// Overflow must end somewhere: following `overflow` from any queue may not come back.
fn overflow_cycles(p: &mut Problems, config: &RoutingConfig) {
    let next: BTreeMap<&str, &str> = config
        .queues
        .iter()
        .filter_map(|q| Some((q.name.as_str(), q.overflow.as_deref()?)))
        .collect();
    let mut reported: HashSet<&str> = HashSet::new();
    for start in next.keys() {
        let mut path = vec![*start];
        let mut at = *start;
        while let Some(&n) = next.get(at) {
            if let Some(i) = path.iter().position(|q| *q == n) {
                // Report each cycle once, at its smallest name.
                let cycle = &path[i..];
                let first = cycle.iter().min().copied().unwrap_or(n);
                if reported.insert(first) {
                    let at_first = cycle.iter().position(|q| *q == first).unwrap_or(0);
                    let mut names: Vec<&str> = cycle[at_first..]
                        .iter()
                        .chain(&cycle[..at_first])
                        .copied()
                        .collect();
                    names.push(first);
                    p.push(
                        ItemKind::Queue,
                        first,
                        "overflow",
                        format!("overflow goes round in a cycle: {}", names.join(" → ")),
                    );
                }
                break;
            }
            path.push(n);
            at = n;
        }
    }
}

pub(crate) fn is_ha1(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}
