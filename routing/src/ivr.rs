//! One caller's walk through the IVR menus, as a sans-IO state machine.
//!
//! The session says what to play ([`IvrOutput::Play`]); the runtime plays it and reports
//! [`IvrSession::prompt_finished`], and passes on every key the caller presses
//! ([`IvrSession::digit`]). The key timeout starts only when the prompt has finished playing; a key
//! pressed during a prompt stops it (barge-in) and is handled at once.
//!
//! A key whose action is [`MenuAction::Survey`] opts the caller in to the post-call survey
//! ([`IvrOutput::SurveyOptIn`], before the next menu's prompt) and then behaves like a menu key.
//! The runtime keeps that choice to itself until the call ends.
//!
//! Repeats: a timeout, an unknown key and the menu's own [`MenuAction::Repeat`] key each count as a
//! repeat of the current menu; the count starts again in every menu entered. The repeat that makes
//! the count exceed `max_repeats` hangs up instead of replaying.

use std::collections::{BTreeMap, VecDeque};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::config::{MenuAction, MenuConfig, RoutingConfig};
use crate::ids::{CallId, MenuId, Millis, PromptId, QueueId};

/// What the runtime must do for the caller.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IvrOutput {
    /// Play this prompt, then report [`IvrSession::prompt_finished`].
    Play(PromptId),
    /// Stop the prompt playing now (the caller pressed a key); do not report it finished.
    StopPrompt,
    /// The caller opted in to the post-call survey (emitted before the next menu plays).
    SurveyOptIn,
    /// The IVR is done: put the call in this queue.
    Route(QueueId),
    /// The IVR is done: hang up.
    Hangup { reason: HangupReason },
}

/// Why the IVR hung up.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HangupReason {
    /// The caller pressed a key whose action is [`MenuAction::Hangup`].
    CallerChoice { menu: MenuId },
    /// The caller used up the menu's repeats (timeouts, unknown keys, the repeat key).
    TooManyRepeats { menu: MenuId },
}

impl fmt::Display for HangupReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HangupReason::CallerChoice { menu } => {
                write!(f, "caller chose to hang up in menu '{menu}'")
            }
            HangupReason::TooManyRepeats { menu } => write!(f, "too many repeats in menu '{menu}'"),
        }
    }
}

/// How a session ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IvrOutcome {
    Routed(QueueId),
    HungUp(HangupReason),
}

/// What the caller did in a menu.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepInput {
    /// A key the menu knows.
    Digit(char),
    /// No key within the menu's timeout.
    Timeout,
    /// A key the menu does not know.
    Invalid(char),
}

impl fmt::Display for StepInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StepInput::Digit(key) => write!(f, "{key}"),
            StepInput::Timeout => f.write_str("timeout"),
            StepInput::Invalid(key) => write!(f, "invalid({key})"),
        }
    }
}

/// One step of the caller's path through the menus, for the call record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PathStep {
    pub at: Millis,
    pub menu: MenuId,
    pub input: StepInput,
}

impl fmt::Display for PathStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.menu, self.input)
    }
}

/// The compact rendering of a path: `main:1>billing:timeout>billing:2` (an unknown key shows as
/// `invalid(7)`); empty when the caller did nothing yet.
#[derive(Clone, Copy, Debug)]
pub struct DisplayPath<'a>(pub &'a [PathStep]);

impl fmt::Display for DisplayPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(">")?;
            }
            write!(f, "{step}")?;
        }
        Ok(())
    }
}

/// A session cannot start.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IvrError {
    #[error("unknown IVR menu '{0}'")]
    UnknownEntry(MenuId),
    #[error("menu '{from}': key '{key}' goes to unknown menu '{target}'")]
    UnknownMenu {
        from: MenuId,
        key: char,
        target: MenuId,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// The menu prompt is playing.
    Prompt,
    /// The invalid-key prompt is playing; the menu prompt follows.
    InvalidPrompt,
    /// Waiting for a key until the deadline.
    AwaitingKey {
        deadline: Millis,
    },
    Done,
}

/// One caller in the IVR.
#[derive(Clone, Debug)]
pub struct IvrSession {
    call: CallId,
    /// The menus reachable from the entry, copied at start: a configuration change does not alter a
    /// walk in progress.
    menus: BTreeMap<MenuId, MenuConfig>,
    current: MenuId,
    state: State,
    repeats: u32,
    path: Vec<PathStep>,
    outcome: Option<IvrOutcome>,
    survey_opt_in: bool,
    outputs: VecDeque<IvrOutput>,
}

impl IvrSession {
    /// Starts at `entry` and plays its prompt.
    pub fn start(
        call: CallId,
        config: &RoutingConfig,
        entry: &MenuId,
        now: Millis,
    ) -> Result<Self, IvrError> {
        Self::start_with(call, |id| config.menu(id), entry, now)
    }

    /// [`IvrSession::start`] with the menus in a map.
    pub fn start_with_menus(
        call: CallId,
        menus: &BTreeMap<MenuId, MenuConfig>,
        entry: &MenuId,
        now: Millis,
    ) -> Result<Self, IvrError> {
        Self::start_with(call, |id| menus.get(id), entry, now)
    }

    fn start_with<'a>(
        call: CallId,
        lookup: impl Fn(&MenuId) -> Option<&'a MenuConfig>,
        entry: &MenuId,
        _now: Millis,
    ) -> Result<Self, IvrError> {
        let first = lookup(entry).ok_or_else(|| IvrError::UnknownEntry(entry.clone()))?;
        let mut menus = BTreeMap::from([(entry.clone(), first.clone())]);
        let mut pending = vec![first];
        while let Some(menu) = pending.pop() {
            for (&key, action) in &menu.entries {
                let (MenuAction::Menu(target) | MenuAction::Survey(target)) = action else {
                    continue;
                };
                if menus.contains_key(target) {
                    continue;
                }
                let found = lookup(target).ok_or_else(|| IvrError::UnknownMenu {
                    from: menu.id.clone(),
                    key,
                    target: target.clone(),
                })?;
                menus.insert(target.clone(), found.clone());
                pending.push(found);
            }
        }
        let mut session = Self {
            call,
            menus,
            current: entry.clone(),
            state: State::Prompt,
            repeats: 0,
            path: Vec::new(),
            outcome: None,
            survey_opt_in: false,
            outputs: VecDeque::new(),
        };
        session.play_menu();
        Ok(session)
    }

    pub fn call(&self) -> CallId {
        self.call
    }

    /// The menu the caller is in (or ended in).
    pub fn current_menu(&self) -> &MenuId {
        &self.current
    }

    /// How the session ended, once it has.
    pub fn outcome(&self) -> Option<&IvrOutcome> {
        self.outcome.as_ref()
    }

    /// Whether the caller opted in to the post-call survey on the way.
    pub fn survey_opt_in(&self) -> bool {
        self.survey_opt_in
    }

    pub fn is_finished(&self) -> bool {
        self.state == State::Done
    }

    /// What the caller did, in order.
    pub fn path(&self) -> &[PathStep] {
        &self.path
    }

    /// The path as `main:1>billing:timeout>billing:2`.
    pub fn display_path(&self) -> DisplayPath<'_> {
        DisplayPath(&self.path)
    }

    /// The caller pressed a key. During a prompt this stops the prompt first (barge-in). Keys after
    /// the session ended are ignored.
    pub fn digit(&mut self, key: char, now: Millis) {
        match self.state {
            State::Done => return,
            State::Prompt | State::InvalidPrompt => self.outputs.push_back(IvrOutput::StopPrompt),
            State::AwaitingKey { .. } => {}
        }
        let Some(action) = self.menu().entries.get(&key).cloned() else {
            self.step(now, StepInput::Invalid(key));
            self.repeat(true);
            return;
        };
        self.step(now, StepInput::Digit(key));
        match action {
            MenuAction::Queue(queue) => {
                self.finish(IvrOutput::Route(queue.clone()), IvrOutcome::Routed(queue))
            }
            MenuAction::Menu(menu) => {
                self.current = menu;
                self.repeats = 0;
                self.play_menu();
            }
            MenuAction::Survey(menu) => {
                self.survey_opt_in = true;
                self.outputs.push_back(IvrOutput::SurveyOptIn);
                self.current = menu;
                self.repeats = 0;
                self.play_menu();
            }
            MenuAction::Repeat => self.repeat(false),
            MenuAction::Hangup => {
                let reason = HangupReason::CallerChoice {
                    menu: self.current.clone(),
                };
                self.finish(
                    IvrOutput::Hangup {
                        reason: reason.clone(),
                    },
                    IvrOutcome::HungUp(reason),
                );
            }
        }
    }

    /// The prompt asked for last has finished playing: wait for a key (or play the menu prompt after
    /// the invalid-key prompt).
    pub fn prompt_finished(&mut self, now: Millis) {
        match self.state {
            State::Prompt => {
                self.state = State::AwaitingKey {
                    deadline: now.saturating_add(self.menu().timeout_ms),
                };
            }
            State::InvalidPrompt => self.play_menu(),
            State::AwaitingKey { .. } | State::Done => {}
        }
    }

    /// When [`IvrSession::handle_timeout`] should be called next.
    pub fn poll_timeout(&self) -> Option<Millis> {
        match self.state {
            State::AwaitingKey { deadline } => Some(deadline),
            _ => None,
        }
    }

    /// The caller pressed no key in time: a repeat.
    pub fn handle_timeout(&mut self, now: Millis) {
        if let State::AwaitingKey { deadline } = self.state {
            if now >= deadline {
                self.step(now, StepInput::Timeout);
                self.repeat(false);
            }
        }
    }

    pub fn poll_output(&mut self) -> Option<IvrOutput> {
        self.outputs.pop_front()
    }

    fn menu(&self) -> &MenuConfig {
        // `current` is always a key of `menus`: the entry and every menu target were copied at start.
        &self.menus[&self.current]
    }

    fn step(&mut self, at: Millis, input: StepInput) {
        self.path.push(PathStep {
            at,
            menu: self.current.clone(),
            input,
        });
    }

    fn play_menu(&mut self) {
        self.state = State::Prompt;
        self.outputs
            .push_back(IvrOutput::Play(self.menu().prompt.clone()));
    }

    /// Counts a repeat; replays the menu (after the invalid-key prompt for an unknown key) or hangs up
    /// when the repeats are used up.
    fn repeat(&mut self, invalid_key: bool) {
        self.repeats += 1;
        if self.repeats > self.menu().max_repeats {
            let reason = HangupReason::TooManyRepeats {
                menu: self.current.clone(),
            };
            self.finish(
                IvrOutput::Hangup {
                    reason: reason.clone(),
                },
                IvrOutcome::HungUp(reason),
            );
            return;
        }
        match self.menu().invalid_prompt.clone() {
            Some(prompt) if invalid_key => {
                self.state = State::InvalidPrompt;
                self.outputs.push_back(IvrOutput::Play(prompt));
            }
            _ => self.play_menu(),
        }
    }

    fn finish(&mut self, output: IvrOutput, outcome: IvrOutcome) {
        self.state = State::Done;
        self.outcome = Some(outcome);
        self.outputs.push_back(output);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn menu(
        id: &str,
        max_repeats: u32,
        invalid: Option<&str>,
        entries: &[(char, MenuAction)],
    ) -> MenuConfig {
        MenuConfig {
            id: id.into(),
            prompt: format!("{id}-prompt").into(),
            invalid_prompt: invalid.map(PromptId::from),
            timeout_ms: 5_000,
            max_repeats,
            entries: entries.iter().cloned().collect(),
        }
    }

    fn config() -> RoutingConfig {
        RoutingConfig {
            agents: vec![],
            queues: vec![],
            menus: vec![
                menu(
                    "main",
                    2,
                    Some("sorry"),
                    &[
                        ('1', MenuAction::Menu("billing".into())),
                        ('2', MenuAction::Queue("sales".into())),
                        ('*', MenuAction::Repeat),
                        ('9', MenuAction::Hangup),
                        ('5', MenuAction::Survey("thanks".into())),
                    ],
                ),
                menu(
                    "billing",
                    1,
                    None,
                    &[
                        ('2', MenuAction::Queue("billing".into())),
                        ('0', MenuAction::Menu("main".into())),
                    ],
                ),
                menu("orphan", 0, None, &[]),
                menu(
                    "thanks",
                    0,
                    None,
                    &[('1', MenuAction::Queue("sales".into()))],
                ),
            ],
        }
    }

    fn start(now: Millis) -> IvrSession {
        IvrSession::start(CallId(7), &config(), &"main".into(), now).unwrap()
    }

    fn outputs(s: &mut IvrSession) -> Vec<IvrOutput> {
        std::iter::from_fn(|| s.poll_output()).collect()
    }

    fn play(prompt: &str) -> IvrOutput {
        IvrOutput::Play(prompt.into())
    }

    #[test]
    fn a_digit_after_the_prompt_routes_and_the_timeout_starts_when_the_prompt_ends() {
        let mut s = start(0);
        assert_eq!(outputs(&mut s), [play("main-prompt")]);
        assert_eq!(s.poll_timeout(), None, "no timeout while the prompt plays");
        s.prompt_finished(8_000);
        assert_eq!(s.poll_timeout(), Some(13_000));
        s.handle_timeout(12_999);
        assert_eq!(outputs(&mut s), []);
        s.digit('2', 9_000);
        assert_eq!(outputs(&mut s), [IvrOutput::Route("sales".into())]);
        assert_eq!(s.outcome(), Some(&IvrOutcome::Routed("sales".into())));
        assert_eq!(s.poll_timeout(), None);
        assert_eq!(s.display_path().to_string(), "main:2");
        assert_eq!(
            s.path(),
            [PathStep {
                at: 9_000,
                menu: "main".into(),
                input: StepInput::Digit('2')
            }]
        );
        s.digit('1', 9_500);
        assert_eq!(outputs(&mut s), [], "keys after the end are ignored");
    }

    #[test]
    fn submenu_timeout_and_routing_make_the_path() {
        let mut s = start(0);
        s.prompt_finished(1_000);
        s.digit('1', 2_000);
        assert_eq!(
            outputs(&mut s),
            [play("main-prompt"), play("billing-prompt")]
        );
        s.prompt_finished(3_000);
        s.handle_timeout(8_000);
        assert_eq!(outputs(&mut s), [play("billing-prompt")]);
        s.prompt_finished(9_000);
        s.digit('2', 10_000);
        assert_eq!(outputs(&mut s), [IvrOutput::Route("billing".into())]);
        assert_eq!(
            s.display_path().to_string(),
            "main:1>billing:timeout>billing:2"
        );
    }

    #[test]
    fn barge_in_stops_the_prompt_and_handles_the_key() {
        let mut s = start(0);
        outputs(&mut s);
        s.digit('1', 500);
        assert_eq!(
            outputs(&mut s),
            [IvrOutput::StopPrompt, play("billing-prompt")]
        );
        assert_eq!(s.current_menu(), &MenuId::from("billing"));
        s.digit('0', 700);
        assert_eq!(
            outputs(&mut s),
            [IvrOutput::StopPrompt, play("main-prompt")]
        );
    }

    #[test]
    fn an_invalid_key_plays_the_invalid_prompt_then_the_menu_and_counts_as_a_repeat() {
        let mut s = start(0);
        outputs(&mut s);
        s.prompt_finished(1_000);
        s.digit('7', 2_000);
        assert_eq!(outputs(&mut s), [play("sorry")]);
        assert_eq!(s.poll_timeout(), None);
        s.prompt_finished(3_000);
        assert_eq!(outputs(&mut s), [play("main-prompt")]);
        s.prompt_finished(4_000);
        // Repeat 2 (the '*' key) is still allowed; repeat 3 (a timeout) exceeds max_repeats = 2.
        s.digit('*', 5_000);
        assert_eq!(outputs(&mut s), [play("main-prompt")]);
        s.prompt_finished(6_000);
        s.handle_timeout(11_000);
        let reason = HangupReason::TooManyRepeats {
            menu: "main".into(),
        };
        assert_eq!(
            outputs(&mut s),
            [IvrOutput::Hangup {
                reason: reason.clone()
            }]
        );
        assert_eq!(s.outcome(), Some(&IvrOutcome::HungUp(reason)));
        assert_eq!(
            s.display_path().to_string(),
            "main:invalid(7)>main:*>main:timeout"
        );
    }

    #[test]
    fn the_repeat_count_starts_again_in_each_menu_and_a_menu_without_invalid_prompt_replays() {
        let mut s = start(0);
        s.prompt_finished(1);
        s.handle_timeout(5_001); // main: 1 repeat
        s.prompt_finished(5_002);
        s.digit('1', 5_003); // billing, count 0
        s.digit('5', 5_004); // billing: 1 repeat, barge-in, no invalid prompt
        outputs(&mut s);
        s.prompt_finished(5_005);
        s.digit('#', 5_006); // billing: 2 > 1
        assert_eq!(
            outputs(&mut s),
            [IvrOutput::Hangup {
                reason: HangupReason::TooManyRepeats {
                    menu: "billing".into()
                }
            }]
        );
    }

    #[test]
    fn the_hangup_key_ends_the_call() {
        let mut s = start(0);
        s.digit('9', 10);
        assert_eq!(
            outputs(&mut s),
            [
                play("main-prompt"),
                IvrOutput::StopPrompt,
                IvrOutput::Hangup {
                    reason: HangupReason::CallerChoice {
                        menu: "main".into()
                    }
                }
            ]
        );
        assert!(s.is_finished());
    }

    #[test]
    fn the_survey_key_opts_in_before_the_next_menu_plays() {
        let mut s = start(0);
        s.prompt_finished(4_000);
        assert!(!s.survey_opt_in());
        s.digit('5', 4_500);
        assert_eq!(
            outputs(&mut s),
            [
                play("main-prompt"),
                IvrOutput::SurveyOptIn,
                play("thanks-prompt")
            ]
        );
        assert!(s.survey_opt_in());
        assert_eq!(s.current_menu(), &MenuId::from("thanks"));
        assert_eq!(s.poll_timeout(), None, "the new menu's prompt plays");
        s.prompt_finished(6_000);
        assert_eq!(s.poll_timeout(), Some(11_000), "6 000 + the menu's 5 000");
        s.digit('1', 7_000);
        assert_eq!(outputs(&mut s), [IvrOutput::Route("sales".into())]);
        assert_eq!(s.display_path().to_string(), "main:5>thanks:1");
        assert!(s.survey_opt_in(), "the choice outlives the IVR");
    }

    #[test]
    fn a_survey_key_to_an_unknown_menu_is_refused_at_start() {
        let mut c = config();
        c.menus.retain(|m| m.id.as_str() != "thanks");
        assert_eq!(
            IvrSession::start(CallId(1), &c, &"main".into(), 0)
                .unwrap_err()
                .to_string(),
            "menu 'main': key '5' goes to unknown menu 'thanks'"
        );
    }

    #[test]
    fn unknown_menus_are_refused_at_start() {
        let mut c = config();
        assert_eq!(
            IvrSession::start(CallId(1), &c, &"nope".into(), 0).unwrap_err(),
            IvrError::UnknownEntry("nope".into())
        );
        c.menus[1]
            .entries
            .insert('5', MenuAction::Menu("lost".into()));
        assert_eq!(
            IvrSession::start(CallId(1), &c, &"main".into(), 0)
                .unwrap_err()
                .to_string(),
            "menu 'billing': key '5' goes to unknown menu 'lost'"
        );
        let menus: BTreeMap<MenuId, MenuConfig> = config()
            .menus
            .into_iter()
            .map(|m| (m.id.clone(), m))
            .collect();
        let s = IvrSession::start_with_menus(CallId(2), &menus, &"orphan".into(), 0).unwrap();
        assert_eq!(s.call(), CallId(2));
    }
}
