//! The post-call keypad survey's rules in the recorder: who gets it, which prompt files it
//! plays, and what is stored of it. The survey itself is `earshot_survey::KeypadSurvey`, run by
//! the switch once the agent has hung up.
//!
//! Whether a caller gets a survey is decided only when the agent hangs up, and only from what
//! the switch kept to itself: the caller's IVR opt-in is never sent anywhere before the call ends
//! (no SIP header to the agent, nothing in the live view or the queue events), so an agent cannot
//! know which callers will rate them.

use earshot_store::surveys::{KeypadAnswer, Offer, OfferReason};
use earshot_survey::{PromptRef, QuestionResult};
use sha2::{Digest, Sha256};

/// Default prompts of the survey (in every language's prompt set, see `prompts::DEFAULTS`).
pub const INTRO_PROMPT: &str = "survey-intro";
pub const INVALID_PROMPT: &str = "survey-invalid";
pub const THANKS_PROMPT: &str = "survey-thanks";
/// The IVR prompt of a menu that offers the survey ("press 1 to take a short survey after your
/// call, or 2 to continue"); menus name it like any prompt.
pub const OFFER_PROMPT: &str = "survey-offer";

/// Why this caller gets the queue's survey, or `None`.
///
/// - [`Offer::OptIn`]: only callers who pressed the IVR's survey key;
/// - [`Offer::All`]: every caller (the opt-in changes nothing, so the reason is `All`);
/// - [`Offer::Share`]: callers who opted in, and the others whose [`share_draw`] falls below the
///   share.
pub fn enrolment(offer: Offer, opted_in: bool, call_ref: &str) -> Option<OfferReason> {
    match offer {
        Offer::All => Some(OfferReason::All),
        _ if opted_in => Some(OfferReason::OptedIn),
        Offer::OptIn => None,
        Offer::Share { share } => (share_draw(call_ref) < share).then_some(OfferReason::Share),
    }
}

/// A number in [0, 1) drawn from the call's reference alone: the first 8 bytes of
/// SHA-256(`call_ref`) as a big-endian integer over 2^64. Deterministic, so that anyone can
/// recompute which calls fell into a queue's random share, and uniform because the call
/// reference is a random UUID.
pub fn share_draw(call_ref: &str) -> f64 {
    let digest = Sha256::digest(call_ref.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    // 2^64 as f64 is exact; the quotient rounds to the nearest f64, below 1 for every input
    // except the 2^10 largest (where it rounds to 1.0, which no share < 1 admits either way).
    u64::from_be_bytes(first) as f64 / 18_446_744_073_709_551_616.0
}

/// The prompt file a question of survey version `version_id` is played from:
/// `survey-v{version_id}-{key}` in the call's language. Published versions never change, so
/// the name is a stable cache key (`prompts::make_survey_prompts` makes each file once).
pub fn question_prompt(version_id: i64, key: &str) -> String {
    format!("survey-v{version_id}-{key}")
}

/// The prompt name to play for the survey's output.
pub fn prompt_name(version_id: i64, prompt: &PromptRef) -> String {
    match prompt {
        PromptRef::Intro => INTRO_PROMPT.to_owned(),
        PromptRef::Question(key) => question_prompt(version_id, key),
        PromptRef::Invalid => INVALID_PROMPT.to_owned(),
        PromptRef::Thanks => THANKS_PROMPT.to_owned(),
    }
}

/// The survey's outcome as the store keeps it, in question order.
pub fn answers(results: &[QuestionResult]) -> Vec<KeypadAnswer> {
    results
        .iter()
        .map(|r| KeypadAnswer {
            question_key: r.key.clone(),
            answer: r.answer,
            invalid: r.invalid,
            timeouts: r.timeouts,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use earshot_survey::Answer;

    #[test]
    fn the_draw_is_the_first_eight_bytes_of_sha256() {
        // sha256("call-a") starts 7a 05 9b 01 63 50 2d 68: 8 792 604 277 774 232 936 / 2^64
        // = 0.476 648 032 988 408 1; sha256("call-b") starts 39 d1 5c b7 5b a7 f0 0d:
        // 4 166 213 072 880 922 637 / 2^64 = 0.225 850 863 232 750 3.
        assert!((share_draw("call-a") - 0.476_648_032_988_408_1).abs() < 1e-15);
        assert!((share_draw("call-b") - 0.225_850_863_232_750_3).abs() < 1e-15);
        assert_eq!(share_draw("call-a"), share_draw("call-a"));
    }

    #[test]
    fn who_gets_the_survey() {
        use OfferReason::*;
        // Opt-in only: those who pressed the key.
        assert_eq!(enrolment(Offer::OptIn, true, "call-a"), Some(OptedIn));
        assert_eq!(enrolment(Offer::OptIn, false, "call-a"), None);
        // Everyone, whatever they pressed.
        assert_eq!(enrolment(Offer::All, false, "call-a"), Some(All));
        assert_eq!(enrolment(Offer::All, true, "call-a"), Some(All));
        // A share of 0.3: call-b's draw 0.2259 is in, call-a's 0.4766 is out unless opted in.
        let share = Offer::Share { share: 0.3 };
        assert_eq!(enrolment(share, false, "call-b"), Some(Share));
        assert_eq!(enrolment(share, false, "call-a"), None);
        assert_eq!(enrolment(share, true, "call-a"), Some(OptedIn));
        assert_eq!(
            enrolment(Offer::Share { share: 1.0 }, false, "call-a"),
            Some(Share)
        );
    }

    #[test]
    fn a_share_draws_about_its_share_of_random_calls() {
        // 10 000 random call references, share 0.25: the count is binomial(10 000, 0.25), mean
        // 2 500, standard deviation √(10 000 · 0.25 · 0.75) ≈ 43.3; ±5 σ is ±217.
        let drawn = (0..10_000)
            .filter(|_| {
                enrolment(
                    Offer::Share { share: 0.25 },
                    false,
                    &uuid::Uuid::new_v4().to_string(),
                )
                .is_some()
            })
            .count();
        assert!((2_283..=2_717).contains(&drawn), "{drawn} of 10 000 drawn");
    }

    #[test]
    fn prompt_names() {
        assert_eq!(prompt_name(7, &PromptRef::Intro), "survey-intro");
        assert_eq!(
            prompt_name(7, &PromptRef::Question("satisfaction".into())),
            "survey-v7-satisfaction"
        );
        assert_eq!(prompt_name(7, &PromptRef::Invalid), "survey-invalid");
        assert_eq!(prompt_name(7, &PromptRef::Thanks), "survey-thanks");
    }

    #[test]
    fn results_become_stored_answers() {
        let results = [QuestionResult {
            key: "satisfaction".into(),
            answer: Some(Answer::Score(4)),
            invalid: 1,
            timeouts: 0,
        }];
        assert_eq!(
            answers(&results),
            [KeypadAnswer {
                question_key: "satisfaction".into(),
                answer: Some(Answer::Score(4)),
                invalid: 1,
                timeouts: 0
            }]
        );
    }
}
