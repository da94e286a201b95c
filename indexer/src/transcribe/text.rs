//! Cleaning Whisper's segment text for the transcript and the index.
//!
//! On silence, music or line noise Whisper writes annotations rather than words:
//! `[BLANK_AUDIO]`, `(music)`, `[Silence]`, `♪`, `*sigh*`, and in Chinese `（音樂）`. These are
//! not speech: a search for "music" must not find every call that was put on hold. They are
//! removed, and a segment left with no letters or digits is dropped.

/// Bracket pairs whose content Whisper uses for non-speech annotations.
const ANNOTATIONS: [(char, char); 5] = [
    ('[', ']'),
    ('(', ')'),
    ('（', '）'),
    ('【', '】'),
    ('*', '*'),
];

/// Symbols Whisper emits for music.
const MUSIC: [char; 4] = ['♪', '♫', '♬', '♩'];

/// The spoken text of a segment, or `None` if nothing spoken is left.
pub fn clean_segment_text(raw: &str) -> Option<String> {
    let mut spoken = String::with_capacity(raw.len());
    let mut closing: Option<char> = None;
    for c in raw.chars() {
        match closing {
            Some(close) if c == close => closing = None,
            Some(_) => {}
            None => {
                if let Some(&(_, close)) = ANNOTATIONS.iter().find(|(open, _)| *open == c) {
                    closing = Some(close);
                } else if !MUSIC.contains(&c) && c != char::REPLACEMENT_CHARACTER {
                    spoken.push(c);
                }
            }
        }
    }
    let text = spoken.split_whitespace().collect::<Vec<_>>().join(" ");
    text.chars().any(char::is_alphanumeric).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speech_is_kept_and_trimmed() {
        assert_eq!(
            clean_segment_text(" And so my fellow Americans,  ask not ").as_deref(),
            Some("And so my fellow Americans, ask not")
        );
        assert_eq!(
            clean_segment_text("您好，請問有什麼可以幫您？").as_deref(),
            Some("您好，請問有什麼可以幫您？")
        );
        assert_eq!(clean_segment_text(" 42.").as_deref(), Some("42."));
    }

    #[test]
    fn annotations_alone_are_dropped() {
        for raw in [
            " [BLANK_AUDIO]",
            "(music)",
            "[Music] [Applause]",
            " ♪ ♪",
            "*sighs*",
            "（音樂）",
            "【字幕】",
            " ... ",
            "",
            "[unclosed annotation",
            "\u{FFFD}",
        ] {
            assert_eq!(clean_segment_text(raw), None, "{raw:?}");
        }
    }

    #[test]
    fn annotations_inside_speech_are_removed() {
        assert_eq!(
            clean_segment_text("[BLANK_AUDIO] Hello, (laughs) how can I help?").as_deref(),
            Some("Hello, how can I help?")
        );
        assert_eq!(
            clean_segment_text("♪ thank you ♪").as_deref(),
            Some("thank you")
        );
    }
}
