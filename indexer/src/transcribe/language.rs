//! The spoken language asked of Whisper, parsed from what users and the call record say.

use std::fmt;
use std::str::FromStr;

use super::TranscribeError;

/// The language to transcribe in.
///
/// Set it when it is known (from the queue or the IVR choice): with automatic detection and
/// greedy decoding, the multilingual base model has been seen to detect Mandarin correctly and
/// still return no text.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum Language {
    /// Let Whisper detect the language of each window it transcribes.
    #[default]
    Auto,
    /// A Whisper language code: `en`, `zh`, ...
    Code(String),
}

impl Language {
    /// The Whisper code, or `None` for automatic detection.
    pub fn code(&self) -> Option<&str> {
        match self {
            Language::Auto => None,
            Language::Code(code) => Some(code),
        }
    }

    /// Whisper's code for this language (`None` for detection), checking that a
    /// [`Language::Code`] built by hand names a language Whisper knows.
    pub(crate) fn resolve(&self) -> Result<Option<&'static str>, TranscribeError> {
        match self {
            Language::Auto => Ok(None),
            Language::Code(code) => {
                canonical_code(code)
                    .map(Some)
                    .ok_or_else(|| TranscribeError::UnknownLanguage {
                        given: code.clone(),
                    })
            }
        }
    }
}

/// Whisper's own code for a code or English language name it knows (`german` -> `de`).
fn canonical_code(code_or_name: &str) -> Option<&'static str> {
    if code_or_name.contains('\0') {
        return None;
    }
    // whisper.cpp logs unknown names to stderr unless its log goes to `tracing`.
    whisper_rs::install_logging_hooks();
    whisper_rs::get_lang_id(code_or_name).and_then(whisper_rs::get_lang_str)
}

/// Parses `auto`, Whisper codes (`en`, `zh`), BCP 47 tags (`zh-TW`, `en_US`), ISO 639-3 codes
/// for Chinese and English (`cmn`, `zho`, `eng`) and Whisper's English names (`mandarin`,
/// `chinese`, `english`), case-insensitively.
impl FromStr for Language {
    type Err = TranscribeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let trimmed = s.trim().to_ascii_lowercase();
        if trimmed.is_empty() || trimmed == "auto" {
            return Ok(Language::Auto);
        }
        let primary = trimmed.split(['-', '_']).next().unwrap_or_default();
        let code = match primary {
            "cmn" | "zho" | "chi" | "mandarin" | "chinese" => "zh",
            "eng" | "english" => "en",
            other => other,
        };
        canonical_code(code)
            .map(|code| Language::Code(code.to_owned()))
            .ok_or_else(|| TranscribeError::UnknownLanguage {
                given: s.to_owned(),
            })
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code().unwrap_or("auto"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Language {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn parses_codes_tags_and_names() {
        assert_eq!(parse("auto"), Language::Auto);
        assert_eq!(parse(""), Language::Auto);
        assert_eq!(parse("en"), Language::Code("en".into()));
        assert_eq!(parse("EN-us"), Language::Code("en".into()));
        assert_eq!(parse("zh"), Language::Code("zh".into()));
        assert_eq!(parse("zh-TW"), Language::Code("zh".into()));
        assert_eq!(parse("zh_Hant_TW"), Language::Code("zh".into()));
        assert_eq!(parse("cmn"), Language::Code("zh".into()));
        assert_eq!(parse("Mandarin"), Language::Code("zh".into()));
        assert_eq!(parse("ja"), Language::Code("ja".into()));
        assert_eq!(parse("German"), Language::Code("de".into()));
        assert_eq!(parse("zh").to_string(), "zh");
        assert_eq!(Language::Auto.to_string(), "auto");
    }

    #[test]
    fn unknown_languages_are_refused_with_what_was_given() {
        for bad in ["xx", "klingon", "z", "en\0"] {
            let err = bad.parse::<Language>().unwrap_err();
            assert!(
                matches!(&err, TranscribeError::UnknownLanguage { given } if given == bad),
                "{bad}: {err:?}"
            );
            assert!(err.to_string().contains("`en` or `zh`"), "{err}");
        }
        assert!(Language::Code("xx".into()).resolve().is_err());
        assert_eq!(
            Language::Code("english".into()).resolve().unwrap(),
            Some("en")
        );
        assert_eq!(Language::Auto.resolve().unwrap(), None);
    }
}
