//! The keypad survey a caller answers after the agent hung up, as a sans-IO state machine.
//!
//! The runtime (the recorder's switch) feeds it the caller's keys ([`KeypadSurvey::digit`]), the
//! end of each prompt it asked for ([`KeypadSurvey::prompt_finished`]) and the time, and asks what
//! to play ([`KeypadSurvey::poll_output`]) and when to wake it ([`KeypadSurvey::poll_timeout`]).
//! No clock, no socket, no prompt audio: the same code runs on a test's fake clock.
//!
//! # Flow
//!
//! 1. The intro prompt ("please stay on the line for a short survey"). Keys pressed during it
//!    are ignored: they were typed before any question was heard (a key still in flight from the
//!    conversation, say) and would otherwise answer the first question unasked.
//! 2. Each question in order: its prompt, then the caller's keys. A key during the prompt stops
//!    it and counts (barge-in). An answer ends when [`QuestionKind::keypad_max_keys`] keys are
//!    in, on `#`, or when no further key comes within the inter-digit timeout (NPS `1` and then
//!    nothing is 1). The keys are read with [`Question::parse_keypad`]:
//!    - a valid answer moves on to the next question;
//!    - invalid keys count as `invalid`, play the "invalid" prompt, then the question again
//!      (a key during the invalid prompt also barges in);
//!    - no key within the answer timeout after the prompt ended counts as a `timeout` and asks
//!      the question again.
//!
//!    After [`KeypadConfig::max_attempts`] failed tries the question is left unanswered and the
//!    survey moves on without the invalid prompt (the next question is the caller's feedback).
//! 3. The closing prompt ("thank you"), then [`KeypadOutput::Done`]: hang up.
//!
//! [`KeypadSurvey::results`] can be read at any time — a caller who hangs up part way keeps the
//! answers given so far; questions never reached are absent.

use std::collections::VecDeque;

use crate::answer::Answer;
use crate::definition::{Definition, QuestionKind};

/// Milliseconds on the runtime's monotonic clock (the routing core's `Millis`).
pub type Millis = u64;

/// Timing and patience of the keypad survey.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeypadConfig {
    /// How long to wait for the first key once a question's prompt has finished.
    pub answer_timeout_ms: Millis,
    /// How long to wait for a further key of a multi-key answer (NPS `1` `0`) before reading
    /// what was typed.
    pub inter_digit_ms: Millis,
    /// Tries per question (timeouts and invalid answers together) before it is left
    /// unanswered; 0 is taken as 1.
    pub max_attempts: u32,
}

impl Default for KeypadConfig {
    /// 5 s to answer, 2 s between keys, 3 tries: the usual IVR survey settings.
    fn default() -> Self {
        KeypadConfig {
            answer_timeout_ms: 5_000,
            inter_digit_ms: 2_000,
            max_attempts: 3,
        }
    }
}

/// Which prompt to play. The runtime names the audio (a question's prompt belongs to one survey
/// version and language, which this machine does not need to know).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PromptRef {
    /// "Please stay on the line for a short survey about this call."
    Intro,
    /// The question with this key.
    Question(String),
    /// "Sorry, that is not a valid answer."
    Invalid,
    /// "Thank you."
    Thanks,
}

/// What the runtime must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeypadOutput {
    /// Play this prompt (replacing any playing one), then report
    /// [`KeypadSurvey::prompt_finished`].
    Play(PromptRef),
    /// Stop the prompt playing now (the caller pressed a key); do not report it finished.
    StopPrompt,
    /// The survey is over (the closing prompt was played): hang up.
    Done,
}

/// One reached question's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionResult {
    pub key: String,
    /// `None`: not answered (tries used up, or the caller hung up first).
    pub answer: Option<Answer>,
    /// Invalid entries for this question.
    pub invalid: u32,
    /// Times the caller pressed nothing before the answer timeout.
    pub timeouts: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    /// The intro prompt plays; keys are ignored.
    Intro,
    /// The current question's prompt plays.
    Asking,
    /// The invalid-answer prompt plays; the question follows.
    Invalid,
    /// The prompt ended; waiting for the first key until the deadline.
    AwaitingKey {
        deadline: Millis,
    },
    /// Keys of an answer are coming in; read them at the deadline if no more come.
    Collecting {
        keys: String,
        deadline: Millis,
    },
    /// The closing prompt plays.
    Thanks,
    Done,
}

/// One caller's keypad survey.
#[derive(Debug, Clone)]
pub struct KeypadSurvey {
    /// The questions (key, kind), copied at start: a new survey version does not alter a
    /// survey in progress.
    questions: Vec<(String, QuestionKind)>,
    config: KeypadConfig,
    /// Index of the current question (meaningful from the first question on).
    current: usize,
    /// Failed tries of the current question.
    attempts: u32,
    results: Vec<QuestionResult>,
    state: State,
    outputs: VecDeque<KeypadOutput>,
}

impl KeypadSurvey {
    /// Starts the survey of `definition`: the intro prompt plays first.
    pub fn start(definition: &Definition, config: KeypadConfig) -> KeypadSurvey {
        KeypadSurvey {
            questions: definition
                .questions
                .iter()
                .map(|q| (q.key.clone(), q.kind))
                .collect(),
            config,
            current: 0,
            attempts: 0,
            results: Vec::new(),
            state: State::Intro,
            outputs: VecDeque::from([KeypadOutput::Play(PromptRef::Intro)]),
        }
    }

    /// The caller pressed `key` (`0`-`9`, `*`, `#`, `A`-`D`).
    pub fn digit(&mut self, key: char, now: Millis) {
        match std::mem::replace(&mut self.state, State::Done) {
            State::Asking | State::Invalid => {
                self.outputs.push_back(KeypadOutput::StopPrompt);
                self.key(String::new(), key, now);
            }
            State::AwaitingKey { .. } => self.key(String::new(), key, now),
            State::Collecting { keys, .. } => self.key(keys, key, now),
            // Before the first question and after the last: nobody asked.
            other @ (State::Intro | State::Thanks | State::Done) => self.state = other,
        }
    }

    /// The prompt asked for last has finished playing.
    pub fn prompt_finished(&mut self, now: Millis) {
        match self.state {
            State::Intro => self.ask(0),
            State::Asking => {
                self.state = State::AwaitingKey {
                    deadline: now.saturating_add(self.config.answer_timeout_ms),
                }
            }
            State::Invalid => self.ask(self.current),
            State::Thanks => {
                self.state = State::Done;
                self.outputs.push_back(KeypadOutput::Done);
            }
            State::AwaitingKey { .. } | State::Collecting { .. } | State::Done => {}
        }
    }

    /// When [`KeypadSurvey::handle_timeout`] should be called next; `None` while a prompt plays.
    pub fn poll_timeout(&self) -> Option<Millis> {
        match self.state {
            State::AwaitingKey { deadline } | State::Collecting { deadline, .. } => Some(deadline),
            _ => None,
        }
    }

    /// No key in time: a timeout of the question, or the end of a multi-key answer.
    pub fn handle_timeout(&mut self, now: Millis) {
        match &self.state {
            State::AwaitingKey { deadline } if now >= *deadline => {
                self.result_mut().timeouts += 1;
                self.failed_try(false);
            }
            State::Collecting { keys, deadline } if now >= *deadline => {
                let keys = keys.clone();
                self.read_answer(&keys);
            }
            _ => {}
        }
    }

    pub fn poll_output(&mut self) -> Option<KeypadOutput> {
        self.outputs.pop_front()
    }

    /// Whether the closing prompt has been played.
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// The outcome of every question reached so far, in the survey's order.
    pub fn results(&self) -> &[QuestionResult] {
        &self.results
    }

    /// One more key of the current answer (`keys` are those before it).
    fn key(&mut self, mut keys: String, key: char, now: Millis) {
        keys.push(key);
        let max = self.questions[self.current].1.keypad_max_keys();
        if key == '#' || keys.chars().count() >= max {
            self.read_answer(&keys);
        } else {
            self.state = State::Collecting {
                keys,
                deadline: now.saturating_add(self.config.inter_digit_ms),
            };
        }
    }

    fn read_answer(&mut self, keys: &str) {
        match Answer::from_keypad(self.questions[self.current].1, keys) {
            Ok(answer) => {
                self.result_mut().answer = Some(answer);
                self.next_question();
            }
            Err(_) => {
                self.result_mut().invalid += 1;
                self.failed_try(true);
            }
        }
    }

    /// A timeout or an invalid answer: ask again, or give up on the question.
    fn failed_try(&mut self, invalid: bool) {
        self.attempts += 1;
        if self.attempts >= self.config.max_attempts.max(1) {
            self.next_question();
        } else if invalid {
            self.state = State::Invalid;
            self.outputs
                .push_back(KeypadOutput::Play(PromptRef::Invalid));
        } else {
            self.ask(self.current);
        }
    }

    fn next_question(&mut self) {
        self.ask(self.current + 1);
    }

    /// Play question `index` (again, when it is the current one), or the closing prompt after
    /// the last.
    fn ask(&mut self, index: usize) {
        let Some((key, _)) = self.questions.get(index) else {
            self.state = State::Thanks;
            self.outputs
                .push_back(KeypadOutput::Play(PromptRef::Thanks));
            return;
        };
        if index >= self.results.len() {
            self.results.push(QuestionResult {
                key: key.clone(),
                answer: None,
                invalid: 0,
                timeouts: 0,
            });
            self.attempts = 0;
        }
        self.current = index;
        self.state = State::Asking;
        self.outputs
            .push_back(KeypadOutput::Play(PromptRef::Question(key.clone())));
    }

    fn result_mut(&mut self) -> &mut QuestionResult {
        // A question is pushed to `results` when first asked, and keys and timeouts are only
        // taken while one is being asked.
        &mut self.results[self.current]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample;

    // The example survey: satisfaction (CSAT 1–5), resolved (yes/no), recommend (NPS 0–10),
    // effort (CES 1–7).
    fn start() -> KeypadSurvey {
        KeypadSurvey::start(&sample::example(), KeypadConfig::default())
    }

    fn outputs(s: &mut KeypadSurvey) -> Vec<KeypadOutput> {
        std::iter::from_fn(|| s.poll_output()).collect()
    }

    fn play_q(key: &str) -> KeypadOutput {
        KeypadOutput::Play(PromptRef::Question(key.into()))
    }

    fn result(key: &str, answer: Option<Answer>, invalid: u32, timeouts: u32) -> QuestionResult {
        QuestionResult {
            key: key.into(),
            answer,
            invalid,
            timeouts,
        }
    }

    #[test]
    fn defaults() {
        assert_eq!(
            KeypadConfig::default(),
            KeypadConfig {
                answer_timeout_ms: 5_000,
                inter_digit_ms: 2_000,
                max_attempts: 3
            }
        );
    }

    #[test]
    fn every_question_answered_with_barge_in_and_after_the_prompt() {
        let mut s = start();
        assert_eq!(outputs(&mut s), [KeypadOutput::Play(PromptRef::Intro)]);
        assert_eq!(s.poll_timeout(), None, "no timeout while the intro plays");
        s.prompt_finished(3_000);
        assert_eq!(outputs(&mut s), [play_q("satisfaction")]);
        assert_eq!(s.poll_timeout(), None, "no timeout while a question plays");
        // CSAT takes one key: a 4 during the prompt stops it and answers at once.
        s.digit('4', 4_000);
        assert_eq!(
            outputs(&mut s),
            [KeypadOutput::StopPrompt, play_q("resolved")]
        );
        // After the prompt: the 5 s answer timeout starts when it ends (6 000 + 5 000).
        s.prompt_finished(6_000);
        assert_eq!(s.poll_timeout(), Some(11_000));
        s.handle_timeout(10_999);
        assert_eq!(outputs(&mut s), []);
        s.digit('2', 10_999);
        assert_eq!(outputs(&mut s), [play_q("recommend")]);
        // NPS 10 typed as 1 0: two keys end the answer without waiting.
        s.prompt_finished(14_000);
        s.digit('1', 15_000);
        assert_eq!(
            s.poll_timeout(),
            Some(17_000),
            "inter-digit: 15 000 + 2 000"
        );
        assert_eq!(outputs(&mut s), []);
        s.digit('0', 15_500);
        assert_eq!(outputs(&mut s), [play_q("effort")]);
        s.prompt_finished(18_000);
        s.digit('7', 18_100);
        assert_eq!(outputs(&mut s), [KeypadOutput::Play(PromptRef::Thanks)]);
        assert!(!s.is_done());
        s.digit('1', 18_200);
        assert_eq!(outputs(&mut s), [], "keys during the thanks are ignored");
        s.prompt_finished(20_000);
        assert_eq!(outputs(&mut s), [KeypadOutput::Done]);
        assert!(s.is_done());
        assert_eq!(s.poll_timeout(), None);
        assert_eq!(
            s.results(),
            [
                result("satisfaction", Some(Answer::Score(4)), 0, 0),
                result("resolved", Some(Answer::No), 0, 0),
                result("recommend", Some(Answer::Score(10)), 0, 0),
                result("effort", Some(Answer::Score(7)), 0, 0),
            ]
        );
        s.digit('3', 21_000);
        s.prompt_finished(21_000);
        s.handle_timeout(99_000);
        assert_eq!(outputs(&mut s), [], "nothing after the end");
    }

    #[test]
    fn keys_during_the_intro_are_ignored() {
        let mut s = start();
        s.digit('5', 100);
        assert_eq!(outputs(&mut s), [KeypadOutput::Play(PromptRef::Intro)]);
        s.prompt_finished(2_000);
        assert_eq!(outputs(&mut s), [play_q("satisfaction")]);
        assert_eq!(s.results(), [result("satisfaction", None, 0, 0)]);
    }

    #[test]
    fn an_invalid_key_plays_the_invalid_prompt_then_the_question_again() {
        let mut s = start();
        s.prompt_finished(1_000);
        outputs(&mut s);
        s.prompt_finished(4_000);
        // 9 is outside CSAT 1–5.
        s.digit('9', 4_500);
        assert_eq!(outputs(&mut s), [KeypadOutput::Play(PromptRef::Invalid)]);
        assert_eq!(s.poll_timeout(), None);
        s.prompt_finished(6_000);
        assert_eq!(outputs(&mut s), [play_q("satisfaction")]);
        s.prompt_finished(9_000);
        assert_eq!(s.poll_timeout(), Some(14_000), "9 000 + 5 000");
        s.digit('4', 9_400);
        assert_eq!(outputs(&mut s), [play_q("resolved")]);
        assert_eq!(
            s.results(),
            [
                result("satisfaction", Some(Answer::Score(4)), 1, 0),
                result("resolved", None, 0, 0)
            ]
        );
    }

    #[test]
    fn a_key_during_the_invalid_prompt_barges_in() {
        let mut s = start();
        s.prompt_finished(1_000);
        s.digit('0', 1_500); // CSAT 0: invalid, during the question prompt
        s.digit('5', 2_000); // during the invalid prompt
        assert_eq!(
            outputs(&mut s),
            [
                KeypadOutput::Play(PromptRef::Intro),
                play_q("satisfaction"),
                KeypadOutput::StopPrompt,
                KeypadOutput::Play(PromptRef::Invalid),
                KeypadOutput::StopPrompt,
                play_q("resolved"),
            ]
        );
        assert_eq!(
            s.results()[0],
            result("satisfaction", Some(Answer::Score(5)), 1, 0)
        );
    }

    #[test]
    fn no_key_before_the_timeout_asks_again_and_counts_a_timeout() {
        let mut s = start();
        s.prompt_finished(1_000);
        s.digit('3', 1_200);
        outputs(&mut s);
        // resolved: prompt ends at 5 000, nothing by 10 000.
        s.prompt_finished(5_000);
        s.handle_timeout(9_999);
        assert_eq!(outputs(&mut s), []);
        s.handle_timeout(10_000);
        assert_eq!(outputs(&mut s), [play_q("resolved")]);
        assert_eq!(s.poll_timeout(), None);
        s.prompt_finished(14_000);
        assert_eq!(s.poll_timeout(), Some(19_000), "14 000 + 5 000");
        s.digit('1', 15_000);
        assert_eq!(outputs(&mut s), [play_q("recommend")]);
        assert_eq!(
            s.results()[..2],
            [
                result("satisfaction", Some(Answer::Score(3)), 0, 0),
                result("resolved", Some(Answer::Yes), 0, 1)
            ]
        );
    }

    /// Up to the NPS question, answering the first two at once.
    fn at_nps() -> KeypadSurvey {
        let mut s = start();
        s.prompt_finished(1_000);
        s.digit('5', 1_100);
        s.digit('1', 1_200);
        outputs(&mut s);
        s
    }

    #[test]
    fn nps_one_then_nothing_is_one_after_the_inter_digit_timeout() {
        let mut s = at_nps();
        s.prompt_finished(5_000);
        s.digit('1', 6_000);
        assert_eq!(s.poll_timeout(), Some(8_000), "6 000 + 2 000");
        s.handle_timeout(7_999);
        assert_eq!(outputs(&mut s), []);
        s.handle_timeout(8_000);
        assert_eq!(outputs(&mut s), [play_q("effort")]);
        assert_eq!(
            s.results()[2],
            result("recommend", Some(Answer::Score(1)), 0, 0)
        );
    }

    #[test]
    fn nps_star_is_ten_and_hash_ends_an_answer_early() {
        let mut s = at_nps();
        s.digit('*', 1_300); // barge-in; * could still be followed, so wait
        assert_eq!(s.poll_timeout(), Some(3_300));
        s.handle_timeout(3_300);
        assert_eq!(s.results()[2].answer, Some(Answer::Score(10)));

        let mut s = at_nps();
        s.prompt_finished(5_000);
        s.digit('7', 5_100);
        s.digit('#', 5_200);
        assert_eq!(outputs(&mut s), [play_q("effort")], "no wait after #");
        assert_eq!(s.results()[2].answer, Some(Answer::Score(7)));
    }

    #[test]
    fn a_lone_hash_or_a_leading_zero_is_invalid() {
        let mut s = at_nps();
        s.prompt_finished(5_000);
        s.digit('#', 5_100);
        assert_eq!(outputs(&mut s), [KeypadOutput::Play(PromptRef::Invalid)]);
        s.prompt_finished(6_000);
        s.prompt_finished(9_000);
        s.digit('0', 9_100);
        s.digit('5', 9_200); // "05" is refused rather than guessed at
        assert_eq!(
            outputs(&mut s),
            [play_q("recommend"), KeypadOutput::Play(PromptRef::Invalid)]
        );
        assert_eq!(s.results()[2], result("recommend", None, 2, 0));
    }

    #[test]
    fn after_max_attempts_the_question_is_left_unanswered() {
        let config = KeypadConfig {
            answer_timeout_ms: 1_000,
            inter_digit_ms: 500,
            max_attempts: 3,
        };
        let mut s = KeypadSurvey::start(&sample::example(), config);
        s.prompt_finished(0);
        // satisfaction: invalid, timeout, invalid → three failed tries.
        s.prompt_finished(2_000);
        s.digit('8', 2_100);
        s.prompt_finished(3_000); // invalid prompt over
        s.prompt_finished(5_000); // question over; timeout at 6 000
        s.handle_timeout(6_000);
        s.prompt_finished(8_000);
        s.digit('*', 8_500);
        assert_eq!(
            outputs(&mut s),
            [
                KeypadOutput::Play(PromptRef::Intro),
                play_q("satisfaction"),
                KeypadOutput::Play(PromptRef::Invalid),
                play_q("satisfaction"),
                play_q("satisfaction"),
                // The third failure moves on without the invalid prompt.
                play_q("resolved"),
            ]
        );
        // resolved: three timeouts (answer timeout 1 000 after each prompt).
        for end in [10_000, 12_000, 14_000] {
            s.prompt_finished(end);
            assert_eq!(s.poll_timeout(), Some(end + 1_000));
            s.handle_timeout(end + 1_000);
        }
        assert_eq!(
            outputs(&mut s),
            [play_q("resolved"), play_q("resolved"), play_q("recommend")]
        );
        assert_eq!(
            s.results(),
            [
                result("satisfaction", None, 2, 1),
                result("resolved", None, 0, 3),
                result("recommend", None, 0, 0),
            ]
        );
    }

    #[test]
    fn zero_attempts_means_one_try() {
        let config = KeypadConfig {
            max_attempts: 0,
            ..KeypadConfig::default()
        };
        let mut s = KeypadSurvey::start(&sample::example(), config);
        s.prompt_finished(0);
        s.prompt_finished(1_000);
        s.handle_timeout(6_000);
        assert_eq!(s.results()[0], result("satisfaction", None, 0, 1));
        assert_eq!(s.results().len(), 2, "moved on to the second question");
    }

    #[test]
    fn a_caller_who_hangs_up_keeps_the_answers_given() {
        let mut s = at_nps();
        s.prompt_finished(5_000);
        s.digit('1', 5_500); // NPS half typed when the caller hangs up: not an answer
        assert_eq!(
            s.results(),
            [
                result("satisfaction", Some(Answer::Score(5)), 0, 0),
                result("resolved", Some(Answer::Yes), 0, 0),
                result("recommend", None, 0, 0),
            ]
        );
        assert!(!s.is_done());
    }

    #[test]
    fn a_survey_without_questions_thanks_and_ends() {
        let mut def = sample::example();
        def.questions.clear();
        let mut s = KeypadSurvey::start(&def, KeypadConfig::default());
        s.prompt_finished(1_000);
        s.prompt_finished(2_000);
        assert_eq!(
            outputs(&mut s),
            [
                KeypadOutput::Play(PromptRef::Intro),
                KeypadOutput::Play(PromptRef::Thanks),
                KeypadOutput::Done
            ]
        );
        assert!(s.results().is_empty());
    }
}
