//! Routing configuration: agents, queues and IVR menus, and its validation.
//!
//! The configuration is plain data (it comes from a TOML/JSON file or the admin pages); everything that
//! can be checked without running a call is checked by [`RoutingConfig::validate`], so the ACD and the
//! IVR may assume a consistent configuration.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ids::{AgentId, MenuId, Millis, PromptId, QueueId};

/// Lowest and highest skill level an agent may hold or a queue may require.
pub const SKILL_LEVELS: std::ops::RangeInclusive<u8> = 1..=10;

/// The keys a caller can press on a telephone keypad (`A`–`D` are not on ordinary phones).
pub const DTMF_DIGITS: [char; 12] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#'];

/// A person who takes calls.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentConfig {
    pub id: AgentId,
    /// Display name.
    pub name: String,
    /// Skill name → level in [`SKILL_LEVELS`].
    #[serde(default)]
    pub skills: BTreeMap<String, u8>,
}

/// How a queue chooses among the agents that could take a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Strategy {
    /// Ring every eligible available agent at once; the first to answer gets the call.
    RingAll,
    /// The agent that has been available the longest.
    LongestIdle,
    /// A pointer rotating over the member list.
    RoundRobin,
    /// The agent with the fewest connected calls since the counters were reset; ties by longest idle.
    FewestCalls,
    /// The highest sum of levels in the queue's required skills; ties by longest idle.
    SkillsBased,
}

impl Strategy {
    /// The name used in the configuration file.
    pub fn name(self) -> &'static str {
        match self {
            Strategy::RingAll => "ring-all",
            Strategy::LongestIdle => "longest-idle",
            Strategy::RoundRobin => "round-robin",
            Strategy::FewestCalls => "fewest-calls",
            Strategy::SkillsBased => "skills-based",
        }
    }
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An agent's membership in a queue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Member {
    pub agent: AgentId,
    /// 1 = first line. Tier `t` may be offered a call once it has waited `(t-1) * tier_wait_ms` in the
    /// queue, and among eligible agents a lower tier is always preferred.
    #[serde(default = "first_tier")]
    pub tier: u8,
}

fn first_tier() -> u8 {
    1
}

/// An ACD queue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueConfig {
    pub id: QueueId,
    pub strategy: Strategy,
    /// The agents of the queue. A skills-based queue with no members takes every agent holding the
    /// required skills (as tier 1); every other queue needs members.
    #[serde(default)]
    pub members: Vec<Member>,
    /// Skill → minimum level. Members lacking one of them are not offered this queue's calls.
    #[serde(default)]
    pub required_skills: BTreeMap<String, u8>,
    /// How long an offer rings before it counts as not answered.
    pub ring_timeout_ms: Millis,
    /// After-call work: the agent stays in wrap-up this long after a call of this queue.
    #[serde(default)]
    pub wrap_up_ms: Millis,
    /// Longest wait in this queue before the call overflows (or is closed without an overflow queue).
    #[serde(default)]
    pub max_wait_ms: Option<Millis>,
    /// Where a call goes when `max_wait_ms` is reached.
    #[serde(default)]
    pub overflow_queue: Option<QueueId>,
    /// Tier `t` becomes eligible once the call has waited `(t-1) * tier_wait_ms` in this queue.
    #[serde(default)]
    pub tier_wait_ms: Millis,
    /// After this many consecutive unanswered (timed out or declined) offers the agent is put on break.
    #[serde(default)]
    pub auto_break_after: Option<u32>,
    /// The `T` of the service level "answered within T".
    pub service_level_ms: Millis,
    /// Music on hold while waiting.
    #[serde(default)]
    pub moh_prompt: Option<PromptId>,
    /// Played before hanging up a call closed at `max_wait_ms`.
    #[serde(default)]
    pub closing_prompt: Option<PromptId>,
}

/// What a key does in an IVR menu.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub enum MenuAction {
    /// Send the call to this queue.
    Queue(QueueId),
    /// Go to another menu.
    Menu(MenuId),
    /// Opt in to the post-call survey, then go to that menu. The choice stays with the call
    /// (the agent is never told); whether a survey follows is decided when the agent hangs up.
    Survey(MenuId),
    /// Play this menu's prompt again (counts as a repeat).
    Repeat,
    /// End the call.
    Hangup,
}

/// An IVR menu: a prompt and what each key does.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MenuConfig {
    pub id: MenuId,
    pub prompt: PromptId,
    /// Played after a key that the menu does not know, before the menu prompt again.
    #[serde(default)]
    pub invalid_prompt: Option<PromptId>,
    /// How long to wait for a key once the prompt has finished playing.
    pub timeout_ms: Millis,
    /// Repeats (timeouts, invalid keys, the repeat key) allowed before hanging up.
    pub max_repeats: u32,
    /// Key (`0`-`9`, `*`, `#`) → action.
    pub entries: BTreeMap<char, MenuAction>,
}

/// The whole routing configuration.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoutingConfig {
    #[serde(default)]
    pub agents: Vec<AgentConfig>,
    #[serde(default)]
    pub queues: Vec<QueueConfig>,
    #[serde(default)]
    pub menus: Vec<MenuConfig>,
}

/// Which configured item a [`ConfigError`] is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    Agent(AgentId),
    Queue(QueueId),
    Menu(MenuId),
}

impl fmt::Display for Item {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Item::Agent(id) => write!(f, "agent '{id}'"),
            Item::Queue(id) => write!(f, "queue '{id}'"),
            Item::Menu(id) => write!(f, "menu '{id}'"),
        }
    }
}

/// A configuration that cannot be run, naming the offending item.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("{0}: the id must not be empty")]
    EmptyId(Item),
    #[error("{0} is defined more than once")]
    DuplicateId(Item),
    #[error("{item}: skill name must not be empty")]
    EmptySkillName { item: Item },
    #[error("{item}: skill '{skill}' has level {level}, outside 1..=10")]
    SkillLevel {
        item: Item,
        skill: String,
        level: u8,
    },
    #[error("queue '{queue}': member '{agent}' is not a configured agent")]
    UnknownMember { queue: QueueId, agent: AgentId },
    #[error("queue '{queue}': agent '{agent}' is listed more than once")]
    DuplicateMember { queue: QueueId, agent: AgentId },
    #[error("queue '{queue}': member '{agent}' has tier 0; tiers start at 1")]
    ZeroTier { queue: QueueId, agent: AgentId },
    #[error("queue '{queue}' ({strategy}) has no members; only a skills-based queue takes agents by skill")]
    NoMembers { queue: QueueId, strategy: Strategy },
    #[error("{item}: {field} must be greater than zero")]
    Zero { item: Item, field: &'static str },
    #[error("queue '{queue}': overflow_queue '{target}' is not a configured queue")]
    UnknownOverflowQueue { queue: QueueId, target: QueueId },
    #[error("queue '{queue}': overflow_queue is set but max_wait_ms is not, so no call would ever overflow")]
    OverflowWithoutMaxWait { queue: QueueId },
    #[error("overflow cycle: {}", render_cycle(.0))]
    OverflowCycle(Vec<QueueId>),
    #[error("menu '{menu}': key {key:?} is not a keypad key (0-9, *, #)")]
    BadDigit { menu: MenuId, key: char },
    #[error("menu '{menu}': key '{key}' routes to unknown queue '{queue}'")]
    UnknownMenuQueue {
        menu: MenuId,
        key: char,
        queue: QueueId,
    },
    #[error("menu '{menu}': key '{key}' goes to unknown menu '{target}'")]
    UnknownMenuTarget {
        menu: MenuId,
        key: char,
        target: MenuId,
    },
}

fn render_cycle(cycle: &[QueueId]) -> String {
    let mut text = cycle
        .iter()
        .map(QueueId::as_str)
        .collect::<Vec<_>>()
        .join(" -> ");
    if let Some(first) = cycle.first() {
        text.push_str(" -> ");
        text.push_str(first.as_str());
    }
    text
}

impl RoutingConfig {
    /// The first problem found, in the order agents, queues, overflow chains, menus.
    pub fn validate(&self) -> Result<(), ConfigError> {
        match self.problems().into_iter().next() {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }

    /// Every problem found (for an admin page that shows them all at once).
    pub fn problems(&self) -> Vec<ConfigError> {
        let mut errors = Vec::new();
        let agents = self.check_agents(&mut errors);
        let queues = self.check_queues(&agents, &mut errors);
        self.check_overflow_cycles(&mut errors);
        self.check_menus(&queues, &mut errors);
        errors
    }

    pub fn agent(&self, id: &AgentId) -> Option<&AgentConfig> {
        self.agents.iter().find(|a| &a.id == id)
    }

    pub fn queue(&self, id: &QueueId) -> Option<&QueueConfig> {
        self.queues.iter().find(|q| &q.id == id)
    }

    pub fn menu(&self, id: &MenuId) -> Option<&MenuConfig> {
        self.menus.iter().find(|m| &m.id == id)
    }

    fn check_agents(&self, errors: &mut Vec<ConfigError>) -> BTreeSet<&AgentId> {
        let mut seen = BTreeSet::new();
        for agent in &self.agents {
            let item = || Item::Agent(agent.id.clone());
            if agent.id.as_str().is_empty() {
                errors.push(ConfigError::EmptyId(item()));
            }
            if !seen.insert(&agent.id) {
                errors.push(ConfigError::DuplicateId(item()));
            }
            check_skills(&agent.skills, item, errors);
        }
        seen
    }

    fn check_queues(
        &self,
        agents: &BTreeSet<&AgentId>,
        errors: &mut Vec<ConfigError>,
    ) -> BTreeSet<&QueueId> {
        let ids: BTreeSet<&QueueId> = self.queues.iter().map(|q| &q.id).collect();
        let mut seen = BTreeSet::new();
        for queue in &self.queues {
            let item = || Item::Queue(queue.id.clone());
            if queue.id.as_str().is_empty() {
                errors.push(ConfigError::EmptyId(item()));
            }
            if !seen.insert(&queue.id) {
                errors.push(ConfigError::DuplicateId(item()));
            }
            let mut members = BTreeSet::new();
            for member in &queue.members {
                if !agents.contains(&member.agent) {
                    errors.push(ConfigError::UnknownMember {
                        queue: queue.id.clone(),
                        agent: member.agent.clone(),
                    });
                }
                if !members.insert(&member.agent) {
                    errors.push(ConfigError::DuplicateMember {
                        queue: queue.id.clone(),
                        agent: member.agent.clone(),
                    });
                }
                if member.tier == 0 {
                    errors.push(ConfigError::ZeroTier {
                        queue: queue.id.clone(),
                        agent: member.agent.clone(),
                    });
                }
            }
            if queue.members.is_empty() && queue.strategy != Strategy::SkillsBased {
                errors.push(ConfigError::NoMembers {
                    queue: queue.id.clone(),
                    strategy: queue.strategy,
                });
            }
            check_skills(&queue.required_skills, item, errors);
            let zero = |field| ConfigError::Zero {
                item: item(),
                field,
            };
            if queue.ring_timeout_ms == 0 {
                errors.push(zero("ring_timeout_ms"));
            }
            if queue.service_level_ms == 0 {
                errors.push(zero("service_level_ms"));
            }
            if queue.max_wait_ms == Some(0) {
                errors.push(zero("max_wait_ms"));
            }
            if queue.auto_break_after == Some(0) {
                errors.push(zero("auto_break_after"));
            }
            if let Some(target) = &queue.overflow_queue {
                if !ids.contains(target) {
                    errors.push(ConfigError::UnknownOverflowQueue {
                        queue: queue.id.clone(),
                        target: target.clone(),
                    });
                }
                if queue.max_wait_ms.is_none() {
                    errors.push(ConfigError::OverflowWithoutMaxWait {
                        queue: queue.id.clone(),
                    });
                }
            }
        }
        ids
    }

    /// Each queue has at most one overflow target, so following the chain from every queue finds
    /// every cycle; each cycle is reported once, starting from its smallest id.
    fn check_overflow_cycles(&self, errors: &mut Vec<ConfigError>) {
        let next: BTreeMap<&QueueId, &QueueId> = self
            .queues
            .iter()
            .filter_map(|q| q.overflow_queue.as_ref().map(|to| (&q.id, to)))
            .collect();
        let mut reported: BTreeSet<&QueueId> = BTreeSet::new();
        for start in next.keys() {
            let mut path: Vec<&QueueId> = vec![start];
            let mut current = *start;
            while let Some(&to) = next.get(current) {
                if let Some(pos) = path.iter().position(|q| *q == to) {
                    let cycle = &path[pos..];
                    if cycle.iter().all(|q| !reported.contains(q)) {
                        reported.extend(cycle.iter().copied());
                        let min = cycle
                            .iter()
                            .enumerate()
                            .min_by_key(|(_, q)| **q)
                            .map_or(0, |(i, _)| i);
                        let ordered = cycle[min..]
                            .iter()
                            .chain(&cycle[..min])
                            .map(|q| (*q).clone())
                            .collect();
                        errors.push(ConfigError::OverflowCycle(ordered));
                    }
                    break;
                }
                path.push(to);
                current = to;
            }
        }
    }

    fn check_menus(&self, queues: &BTreeSet<&QueueId>, errors: &mut Vec<ConfigError>) {
        let ids: BTreeSet<&MenuId> = self.menus.iter().map(|m| &m.id).collect();
        let mut seen = BTreeSet::new();
        for menu in &self.menus {
            let item = || Item::Menu(menu.id.clone());
            if menu.id.as_str().is_empty() {
                errors.push(ConfigError::EmptyId(item()));
            }
            if !seen.insert(&menu.id) {
                errors.push(ConfigError::DuplicateId(item()));
            }
            if menu.timeout_ms == 0 {
                errors.push(ConfigError::Zero {
                    item: item(),
                    field: "timeout_ms",
                });
            }
            for (&key, action) in &menu.entries {
                if !DTMF_DIGITS.contains(&key) {
                    errors.push(ConfigError::BadDigit {
                        menu: menu.id.clone(),
                        key,
                    });
                }
                match action {
                    MenuAction::Queue(queue) if !queues.contains(queue) => {
                        errors.push(ConfigError::UnknownMenuQueue {
                            menu: menu.id.clone(),
                            key,
                            queue: queue.clone(),
                        });
                    }
                    MenuAction::Menu(target) | MenuAction::Survey(target)
                        if !ids.contains(target) =>
                    {
                        errors.push(ConfigError::UnknownMenuTarget {
                            menu: menu.id.clone(),
                            key,
                            target: target.clone(),
                        });
                    }
                    _ => {}
                }
            }
        }
    }
}

fn check_skills(
    skills: &BTreeMap<String, u8>,
    item: impl Fn() -> Item,
    errors: &mut Vec<ConfigError>,
) {
    for (skill, &level) in skills {
        if skill.is_empty() {
            errors.push(ConfigError::EmptySkillName { item: item() });
        }
        if !SKILL_LEVELS.contains(&level) {
            errors.push(ConfigError::SkillLevel {
                item: item(),
                skill: skill.clone(),
                level,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> RoutingConfig {
        serde_json::from_str(
            r#"{
              "agents": [
                {"id": "ann", "name": "Ann", "skills": {"es": 7}},
                {"id": "bob", "name": "Bob"}
              ],
              "queues": [
                {"id": "sales", "strategy": "longest-idle", "members": [{"agent": "ann"}, {"agent": "bob", "tier": 2}],
                 "ring_timeout_ms": 15000, "service_level_ms": 20000, "max_wait_ms": 60000,
                 "overflow_queue": "spanish"},
                {"id": "spanish", "strategy": "skills-based", "required_skills": {"es": 5},
                 "ring_timeout_ms": 15000, "service_level_ms": 30000}
              ],
              "menus": [
                {"id": "main", "prompt": "welcome", "timeout_ms": 5000, "max_repeats": 2,
                 "entries": {"1": {"queue": "sales"}, "2": {"menu": "more"}, "9": "hangup"}},
                {"id": "more", "prompt": "more", "timeout_ms": 5000, "max_repeats": 1,
                 "entries": {"*": "repeat", "0": {"menu": "main"}, "1": {"queue": "spanish"},
                             "5": {"survey": "main"}}}
              ]
            }"#,
        )
        .expect("the example parses")
    }

    #[test]
    fn a_config_file_parses_with_defaults_and_validates() {
        let config = base();
        assert_eq!(config.validate(), Ok(()));
        let sales = config.queue(&"sales".into()).unwrap();
        assert_eq!(sales.members[0].tier, 1);
        assert_eq!(sales.wrap_up_ms, 0);
        assert_eq!(config.queues[1].strategy, Strategy::SkillsBased);
        assert_eq!(config.menus[1].entries[&'*'], MenuAction::Repeat);
        assert_eq!(
            config.menus[1].entries[&'5'],
            MenuAction::Survey("main".into())
        );
        let json = serde_json::to_string(&config).unwrap();
        assert_eq!(
            serde_json::from_str::<RoutingConfig>(&json).unwrap(),
            config
        );
        let strategies: Vec<String> = ["ring-all", "round-robin", "fewest-calls"]
            .iter()
            .map(|s| {
                serde_json::from_str::<Strategy>(&format!("\"{s}\""))
                    .unwrap()
                    .to_string()
            })
            .collect();
        assert_eq!(strategies, ["ring-all", "round-robin", "fewest-calls"]);
    }

    #[test]
    fn unknown_fields_are_rejected() {
        let err = serde_json::from_str::<MenuConfig>(
            r#"{"id":"m","prompt":"p","timeout_ms":1,"max_repeats":1,"entries":{},"timout":3}"#,
        );
        assert!(err.unwrap_err().to_string().contains("timout"));
    }

    fn message(config: &RoutingConfig) -> String {
        config.validate().unwrap_err().to_string()
    }

    #[test]
    fn each_problem_names_the_offending_item() {
        let mut c = base();
        c.agents[1].id = "ann".into();
        assert_eq!(message(&c), "agent 'ann' is defined more than once");

        let mut c = base();
        c.agents[0].skills.insert("fr".into(), 11);
        assert_eq!(
            message(&c),
            "agent 'ann': skill 'fr' has level 11, outside 1..=10"
        );

        let mut c = base();
        c.queues[0].members.push(Member {
            agent: "carl".into(),
            tier: 1,
        });
        assert_eq!(
            message(&c),
            "queue 'sales': member 'carl' is not a configured agent"
        );

        let mut c = base();
        c.queues[0].members[1].tier = 0;
        assert_eq!(
            message(&c),
            "queue 'sales': member 'bob' has tier 0; tiers start at 1"
        );

        let mut c = base();
        c.queues[0].members.push(Member {
            agent: "ann".into(),
            tier: 3,
        });
        assert_eq!(
            message(&c),
            "queue 'sales': agent 'ann' is listed more than once"
        );

        let mut c = base();
        c.queues[0].ring_timeout_ms = 0;
        assert_eq!(
            message(&c),
            "queue 'sales': ring_timeout_ms must be greater than zero"
        );

        let mut c = base();
        c.queues[0].members.clear();
        assert_eq!(
            message(&c),
            "queue 'sales' (longest-idle) has no members; only a skills-based queue takes agents by skill"
        );

        let mut c = base();
        c.queues[0].overflow_queue = Some("nowhere".into());
        assert_eq!(
            message(&c),
            "queue 'sales': overflow_queue 'nowhere' is not a configured queue"
        );

        let mut c = base();
        c.queues[0].max_wait_ms = None;
        assert!(message(&c).contains("overflow_queue is set but max_wait_ms is not"));

        let mut c = base();
        c.menus[0].entries.insert('A', MenuAction::Hangup);
        assert_eq!(
            message(&c),
            "menu 'main': key 'A' is not a keypad key (0-9, *, #)"
        );

        let mut c = base();
        c.menus[0]
            .entries
            .insert('3', MenuAction::Queue("gone".into()));
        assert_eq!(
            message(&c),
            "menu 'main': key '3' routes to unknown queue 'gone'"
        );

        let mut c = base();
        c.menus[1]
            .entries
            .insert('2', MenuAction::Menu("lost".into()));
        assert_eq!(
            message(&c),
            "menu 'more': key '2' goes to unknown menu 'lost'"
        );

        let mut c = base();
        c.menus[1]
            .entries
            .insert('5', MenuAction::Survey("thanks".into()));
        assert_eq!(
            message(&c),
            "menu 'more': key '5' goes to unknown menu 'thanks'"
        );

        let mut c = base();
        c.menus[1].timeout_ms = 0;
        assert_eq!(
            message(&c),
            "menu 'more': timeout_ms must be greater than zero"
        );

        let mut c = base();
        c.queues[1].id = "".into();
        assert!(c
            .problems()
            .contains(&ConfigError::EmptyId(Item::Queue("".into()))));
    }

    #[test]
    fn overflow_cycles_are_reported_once_from_their_smallest_queue() {
        let mut c = base();
        c.queues[1].max_wait_ms = Some(1_000);
        c.queues[1].overflow_queue = Some("sales".into());
        assert_eq!(message(&c), "overflow cycle: sales -> spanish -> sales");
        let cycles = c
            .problems()
            .into_iter()
            .filter(|e| matches!(e, ConfigError::OverflowCycle(_)))
            .count();
        assert_eq!(cycles, 1);

        // A chain into a cycle reports the cycle only; a queue overflowing to itself is a cycle.
        let mut c = base();
        let mut third = c.queues[1].clone();
        third.id = "zeta".into();
        third.max_wait_ms = Some(1);
        third.overflow_queue = Some("zeta".into());
        c.queues.push(third);
        c.queues[1].max_wait_ms = Some(1_000);
        c.queues[1].overflow_queue = Some("zeta".into());
        assert_eq!(
            c.problems(),
            [ConfigError::OverflowCycle(vec!["zeta".into()])]
        );
    }
}
