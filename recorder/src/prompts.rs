//! IVR prompts: the audio files menus and queues name, one set per language.
//!
//! A prompt named `main-menu` for a trunk in `zh-TW` is the file
//! `<data_dir>/prompts/zh-TW/main-menu.wav` — any WAV the audio crate decodes (PCM, float,
//! G.711; any rate; mono or stereo, mixed down), played as 8 kHz G.711. A center replaces the
//! default set by dropping its own recordings there under the same names, and adds prompts for
//! its own menus the same way.
//!
//! The default set is generated at start-up with espeak-ng when a file is missing, so a fresh
//! install speaks both languages without any recording session. Music on hold is a comfort
//! sentence followed by a short synthesized melody, looped by the player.
//!
//! The post-call survey's questions are prompts too, `survey-v{version}-{key}.wav` in each
//! language the survey is offered in, made by [`make_survey_prompts`] when the routing
//! directory (re)loads: from the recording the survey names in the object store, else spoken
//! from the question's text.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;

use std::collections::BTreeSet;

use earshot_audio::{decode_wav, encode_wav, Audio, Encoding};
use earshot_media::prompt::Prompt;
use earshot_store::surveys::QueueSurvey;
use earshot_store::Store;
use thiserror::Error;

use crate::survey;

/// The languages of the default set, with the espeak-ng voice that speaks each.
pub const LANGUAGES: [(&str, &str); 2] = [("zh-TW", "cmn"), ("en", "en-us")];

/// Sample rate of every prompt held in memory (G.711's).
pub const RATE: u32 = 8_000;

/// The default prompts: name, zh-TW text, English text.
pub const DEFAULTS: [(&str, &str, &str); 11] = [
    (
        "main-menu",
        "您好，歡迎致電。信用卡服務請按一，貸款服務請按二，其他服務請按三。重聽請按九。",
        "Welcome. For credit cards, press 1. For loans, press 2. For anything else, press 3. To hear these options again, press 9.",
    ),
    (
        "loans-menu",
        "貸款服務。房屋貸款請按一，其他服務請按二。回到主選單請按星號。",
        "Loans. For mortgages, press 1. For anything else, press 2. To return to the main menu, press star.",
    ),
    (
        "invalid",
        "您的輸入無效，請重新選擇。",
        "Sorry, that is not a valid choice.",
    ),
    (
        "moh",
        "您的來電對我們非常重要，專員將盡快為您服務，請稍候。",
        "Your call is important to us. An agent will be with you shortly. Please hold.",
    ),
    (
        "closed",
        "很抱歉，目前所有專員都在忙線中，請稍後再撥。謝謝您的來電，再見。",
        "Sorry, all our agents are busy. Please call again later. Thank you for calling, goodbye.",
    ),
    (
        "goodbye",
        "謝謝您的來電，再見。",
        "Thank you for calling. Goodbye.",
    ),
    (
        "connecting",
        "正在為您轉接專員，請稍候。",
        "Connecting you to an agent, please wait.",
    ),
    (
        survey::OFFER_PROMPT,
        "通話結束後，如願意參加簡短的服務滿意度調查，請按一；直接繼續，請按二。",
        "To take a short survey after your call, press 1. To continue, press 2.",
    ),
    (
        survey::INTRO_PROMPT,
        "請不要掛斷，接下來請您回答幾個關於這通電話的簡短問題。",
        "Please stay on the line for a short survey about this call.",
    ),
    (
        survey::INVALID_PROMPT,
        "很抱歉，您的輸入無效。",
        "Sorry, that is not a valid answer.",
    ),
    (
        survey::THANKS_PROMPT,
        "感謝您的寶貴意見，再見。",
        "Thank you for your answers. Goodbye.",
    ),
];

#[derive(Debug, Error)]
pub enum PromptError {
    #[error("{path}: cannot read the prompt: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: cannot write the prompt: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not a usable prompt: {source}")]
    Decode {
        path: PathBuf,
        #[source]
        source: earshot_media::prompt::PromptError,
    },
    #[error("espeak-ng could not speak prompt {name:?} ({language}): {detail} (install it with scripts/deps)")]
    Speak {
        name: String,
        language: String,
        detail: String,
    },
    #[error("survey prompt recording {key:?} cannot be fetched from the object store: {detail}")]
    Fetch { key: String, detail: String },
    #[error("survey prompt recording {key:?} is not usable audio: {source}")]
    Recording {
        key: String,
        #[source]
        source: earshot_media::prompt::PromptError,
    },
    #[error("prompt {name:?} in {language} is missing: put a WAV file at {path}")]
    Missing {
        name: String,
        language: String,
        path: PathBuf,
    },
}

/// Prompt audio in memory: mono samples at [`RATE`]; clones share the samples, so every call
/// that plays a prompt plays the same copy.
pub type PromptAudio = Prompt;

/// Every prompt of every language, loaded once at start-up (and on reconfiguration).
#[derive(Debug, Clone, Default)]
pub struct PromptLibrary {
    prompts: HashMap<(String, String), PromptAudio>,
}

impl PromptLibrary {
    /// Load `dir/<language>/*.wav` for every language directory present.
    pub fn load(dir: &Path) -> Result<PromptLibrary, PromptError> {
        let mut prompts = HashMap::new();
        let Ok(languages) = std::fs::read_dir(dir) else {
            return Ok(PromptLibrary { prompts });
        };
        for lang in languages.flatten() {
            if !lang.path().is_dir() {
                continue;
            }
            let language = lang.file_name().to_string_lossy().into_owned();
            let files = std::fs::read_dir(lang.path()).map_err(|source| PromptError::Read {
                path: lang.path(),
                source,
            })?;
            for file in files.flatten() {
                let path = file.path();
                if path.extension().and_then(|e| e.to_str()) != Some("wav") {
                    continue;
                }
                let Some(name) = path.file_stem().and_then(|s| s.to_str()) else {
                    continue;
                };
                let audio = load_prompt(&path)?;
                prompts.insert((language.clone(), name.to_owned()), audio);
            }
        }
        Ok(PromptLibrary { prompts })
    }

    /// The prompt `name` in `language`, falling back to any language that has it.
    pub fn get(&self, language: &str, name: &str) -> Option<PromptAudio> {
        self.prompts
            .get(&(language.to_owned(), name.to_owned()))
            .or_else(|| {
                // Deterministic fallback: the first language in sorted order.
                let mut others: BTreeMap<&str, &PromptAudio> = BTreeMap::new();
                for ((l, n), a) in &self.prompts {
                    if n == name {
                        others.insert(l, a);
                    }
                }
                others.into_values().next()
            })
            .cloned()
    }

    /// Check that every named prompt exists in `language` (or a fallback), so a menu that names
    /// a prompt nobody recorded fails at configuration time, not in front of a caller.
    pub fn require<'a>(
        &self,
        dir: &Path,
        language: &str,
        names: impl IntoIterator<Item = &'a str>,
    ) -> Result<(), PromptError> {
        for name in names {
            if self.get(language, name).is_none() {
                return Err(PromptError::Missing {
                    name: name.to_owned(),
                    language: language.to_owned(),
                    path: dir.join(language).join(format!("{name}.wav")),
                });
            }
        }
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.prompts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.prompts.is_empty()
    }
}

/// Decode a prompt file (any WAV the audio crate reads) to mono 8 kHz samples.
pub fn load_prompt(path: &Path) -> Result<PromptAudio, PromptError> {
    let bytes = std::fs::read(path).map_err(|source| PromptError::Read {
        path: path.to_owned(),
        source,
    })?;
    Prompt::from_wav_bytes(&bytes).map_err(|source| PromptError::Decode {
        path: path.to_owned(),
        source,
    })
}

/// Write the default prompt set into `dir` where files are missing; returns how many were made.
/// Existing files — the center's own recordings — are never overwritten.
pub fn ensure_defaults(dir: &Path) -> Result<usize, PromptError> {
    let mut made = 0;
    for (language, voice) in LANGUAGES {
        let lang_dir = dir.join(language);
        std::fs::create_dir_all(&lang_dir).map_err(|source| PromptError::Write {
            path: lang_dir.clone(),
            source,
        })?;
        for (name, zh, en) in DEFAULTS {
            let path = lang_dir.join(format!("{name}.wav"));
            if path.exists() {
                continue;
            }
            let text = if language == "en" { en } else { zh };
            let mut speech = speak(&lang_dir, name, language, voice, text)?;
            if name == "moh" {
                speech.extend(melody());
            }
            write_prompt(&path, speech)?;
            made += 1;
        }
    }
    Ok(made)
}

/// Make the question prompts of the queues' survey versions that are not made yet: for every
/// question and every language of the survey, `dir/<language>/survey-v{version}-{key}.wav`.
/// Each comes from the recording the question names in the object store when there is one and
/// it decodes, else it is spoken from the question's text (a broken recording is logged with
/// its key and why). Returns how many files were made.
///
/// A published survey version never changes, so a file once made stays right; text-to-speech
/// runs on a blocking thread, and the caller runs this off the switch's task.
pub async fn make_survey_prompts<'a>(
    store: &Store,
    dir: &Path,
    surveys: impl IntoIterator<Item = &'a QueueSurvey>,
) -> usize {
    let mut seen = BTreeSet::new();
    let mut made = 0;
    for qs in surveys {
        if !seen.insert(qs.version_id) {
            continue; // one version assigned to several queues
        }
        for question in &qs.definition.questions {
            for language in &qs.definition.languages {
                let Some(prompt) = question.prompts.get(language) else {
                    continue; // validation refuses this; nothing to play
                };
                let tag = language.tag();
                let name = survey::question_prompt(qs.version_id, &question.key);
                let path = dir.join(tag).join(format!("{name}.wav"));
                if path.exists() {
                    continue;
                }
                match make_survey_prompt(store, dir, &name, tag, prompt).await {
                    Ok(samples) => match write_prompt(&path, samples) {
                        Ok(()) => made += 1,
                        Err(e) => tracing::error!(error = %e, "survey prompt not written"),
                    },
                    Err(e) => tracing::error!(
                        error = %e,
                        version = qs.version_id,
                        question = %question.key,
                        language = tag,
                        "survey prompt cannot be made; callers will hear nothing for this question"
                    ),
                }
            }
        }
    }
    made
}

/// One question prompt's audio: the recording if usable, else text-to-speech.
async fn make_survey_prompt(
    store: &Store,
    dir: &Path,
    name: &str,
    language: &str,
    prompt: &earshot_survey::Prompt,
) -> Result<Vec<f32>, PromptError> {
    if let Some(key) = &prompt.audio {
        match recorded_prompt(store, key).await {
            Ok(samples) => return Ok(samples),
            Err(e) => tracing::warn!(
                error = %e,
                prompt = name,
                language,
                "survey prompt recording refused; speaking the question's text instead"
            ),
        }
    }
    let voice = LANGUAGES
        .iter()
        .find(|(l, _)| *l == language)
        .map_or("en-us", |(_, v)| *v);
    let lang_dir = dir.join(language);
    std::fs::create_dir_all(&lang_dir).map_err(|source| PromptError::Write {
        path: lang_dir.clone(),
        source,
    })?;
    let (name, language, voice, text) = (
        name.to_owned(),
        language.to_owned(),
        voice.to_owned(),
        prompt.text.clone(),
    );
    let fail_name = name.clone();
    let fail_language = language.clone();
    tokio::task::spawn_blocking(move || speak(&lang_dir, &name, &language, &voice, &text))
        .await
        .map_err(|e| PromptError::Speak {
            name: fail_name,
            language: fail_language,
            detail: e.to_string(),
        })?
}

/// A survey prompt recording from the object store, decoded (any WAV the audio crate reads) to
/// mono f32 at [`RATE`].
pub async fn recorded_prompt(store: &Store, key: &str) -> Result<Vec<f32>, PromptError> {
    let bytes = store
        .get_object(key)
        .await
        .map_err(|e| PromptError::Fetch {
            key: key.to_owned(),
            detail: e.to_string(),
        })?;
    let prompt = Prompt::from_wav_bytes(&bytes).map_err(|source| PromptError::Recording {
        key: key.to_owned(),
        source,
    })?;
    Ok(prompt
        .samples()
        .iter()
        .map(|&s| f32::from(s) / 32_768.0)
        .collect())
}

/// Write mono samples at [`RATE`] as a 16-bit WAV (making its directory), then rename, so a
/// crash never leaves half a prompt under the real name.
fn write_prompt(path: &Path, samples: Vec<f32>) -> Result<(), PromptError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|source| PromptError::Write {
            path: dir.to_owned(),
            source,
        })?;
    }
    let wav = encode_wav(&Audio::mono(RATE, samples), Encoding::Pcm { bits: 16 });
    let tmp = path.with_extension("wav.tmp");
    std::fs::write(&tmp, &wav)
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|source| PromptError::Write {
            path: path.to_owned(),
            source,
        })
}

/// Speak `text` with espeak-ng, as mono f32 at [`RATE`]. espeak-ng writes a file (its
/// `--stdout` WAV header claims an endless stream), next to where the prompt will live.
fn speak(
    dir: &Path,
    name: &str,
    language: &str,
    voice: &str,
    text: &str,
) -> Result<Vec<f32>, PromptError> {
    let fail = |detail: String| PromptError::Speak {
        name: name.to_owned(),
        language: language.to_owned(),
        detail,
    };
    let raw = dir.join(format!(".{name}.espeak.wav"));
    let out = Command::new("espeak-ng")
        .args(["-v", voice, "-s", "150", "-w"])
        .arg(&raw)
        .arg(text)
        .output()
        .map_err(|e| fail(e.to_string()))?;
    if !out.status.success() {
        return Err(fail(String::from_utf8_lossy(&out.stderr).trim().to_owned()));
    }
    let bytes = std::fs::read(&raw).map_err(|e| fail(e.to_string()));
    let _ = std::fs::remove_file(&raw);
    let (_, audio) = decode_wav(&bytes?).map_err(|e| fail(e.to_string()))?;
    let audio = audio.resampled(RATE);
    let mut samples = audio.channels.into_iter().next().unwrap_or_default();
    // espeak-ng speaks softly; bring the peak to about -3 dBFS so prompts are level.
    let peak = samples.iter().fold(0f32, |m, s| m.max(s.abs()));
    if peak > 0.0 {
        let gain = 0.7 / peak;
        samples.iter_mut().for_each(|s| *s *= gain);
    }
    Ok(samples)
}

/// Four seconds of a soft arpeggio (C major), with short fades so the loop does not click.
fn melody() -> Vec<f32> {
    let notes = [
        261.63f32, 329.63, 392.0, 523.25, 392.0, 329.63, 261.63, 196.0,
    ];
    let per_note = RATE as usize / 2;
    let mut out = Vec::with_capacity(per_note * notes.len());
    for f in notes {
        for i in 0..per_note {
            let t = i as f32 / RATE as f32;
            let fade = (i.min(per_note - i) as f32 / 400.0).min(1.0);
            out.push(0.25 * fade * (2.0 * std::f32::consts::PI * f * t).sin());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_generated_once_and_load_in_both_languages() {
        let dir = tempfile::tempdir().unwrap();
        let made = ensure_defaults(dir.path()).unwrap();
        assert_eq!(made, DEFAULTS.len() * LANGUAGES.len());
        assert_eq!(
            ensure_defaults(dir.path()).unwrap(),
            0,
            "existing files are kept"
        );
        let lib = PromptLibrary::load(dir.path()).unwrap();
        assert_eq!(lib.len(), made);
        for (language, _) in LANGUAGES {
            let menu = lib.get(language, "main-menu").unwrap();
            let menu = menu.samples();
            // A spoken menu lasts seconds, and is not silence.
            assert!(menu.len() > 2 * RATE as usize, "{language}: {}", menu.len());
            let loud = menu.iter().filter(|s| s.unsigned_abs() > 3000).count();
            assert!(loud > menu.len() / 50, "{language}: too quiet");
        }
        let moh = lib.get("en", "moh").unwrap();
        assert!(
            moh.samples().len() > 4 * RATE as usize,
            "music follows the sentence"
        );
        assert!(lib
            .require(dir.path(), "zh-TW", ["main-menu", "closed"])
            .is_ok());
        let err = lib
            .require(dir.path(), "zh-TW", ["no-such-prompt"])
            .unwrap_err();
        assert!(err.to_string().contains("no-such-prompt.wav"), "{err}");
    }

    /// A survey version with two questions in English and Traditional Chinese.
    fn queue_survey(queue: &str, version_id: i64) -> QueueSurvey {
        let mut definition = earshot_survey::sample::example();
        definition.questions.truncate(2);
        let satisfaction = &mut definition.questions[0].prompts;
        // English: a good recording (0.5 s at 16 kHz, stereo); Chinese: a broken one.
        satisfaction
            .get_mut(&earshot_survey::Language::En)
            .unwrap()
            .audio = Some("survey/good.wav".into());
        satisfaction
            .get_mut(&earshot_survey::Language::ZhTw)
            .unwrap()
            .audio = Some("survey/broken.wav".into());
        definition.questions[1]
            .prompts
            .values_mut()
            .for_each(|p| p.audio = None);
        QueueSurvey {
            queue: queue.into(),
            offer: earshot_store::surveys::Offer::OptIn,
            version_id,
            definition,
        }
    }

    #[tokio::test]
    async fn survey_prompts_come_from_recordings_or_speech_and_are_made_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = earshot_store::testing::sqlite_store(dir.path())
            .await
            .unwrap();
        let tone: Vec<f32> = (0..8_000)
            .map(|i| 0.5 * (i as f32 * 440.0 * std::f32::consts::TAU / 16_000.0).sin())
            .collect();
        let good = encode_wav(
            &Audio::stereo(16_000, tone.clone(), tone),
            Encoding::Pcm { bits: 16 },
        );
        store
            .put_object("survey/good.wav", good.into())
            .await
            .unwrap();
        store
            .put_object("survey/broken.wav", b"RIFF\0\0\0\0WAVEjunk".to_vec().into())
            .await
            .unwrap();
        let err = recorded_prompt(&store, "survey/broken.wav")
            .await
            .unwrap_err();
        assert!(err.to_string().contains("survey/broken.wav"), "{err}");
        let err = recorded_prompt(&store, "survey/missing.wav")
            .await
            .unwrap_err();
        assert!(err.to_string().contains("survey/missing.wav"), "{err}");

        let prompts = dir.path().join("prompts");
        // The same version on two queues is made once: 2 questions × 2 languages = 4 files.
        let surveys = [queue_survey("cards", 7), queue_survey("loans", 7)];
        assert_eq!(make_survey_prompts(&store, &prompts, &surveys).await, 4);
        assert_eq!(
            make_survey_prompts(&store, &prompts, &surveys).await,
            0,
            "made once"
        );
        let lib = PromptLibrary::load(&prompts).unwrap();
        assert_eq!(lib.len(), 4);
        // The recording: 8 000 frames at 16 kHz = 500 ms = 4 000 samples at 8 kHz.
        let recorded = lib.get("en", "survey-v7-satisfaction").unwrap();
        assert_eq!(recorded.samples().len(), 4_000);
        // The broken recording and the text-only question are spoken: seconds, not silence.
        for (language, name) in [
            ("zh-TW", "survey-v7-satisfaction"),
            ("zh-TW", "survey-v7-resolved"),
            ("en", "survey-v7-resolved"),
        ] {
            let spoken = lib.get(language, name).unwrap();
            let samples = spoken.samples();
            assert!(
                samples.len() > RATE as usize,
                "{language} {name}: {}",
                samples.len()
            );
            let loud = samples.iter().filter(|s| s.unsigned_abs() > 3000).count();
            assert!(loud > samples.len() / 50, "{language} {name}: too quiet");
        }
    }

    #[test]
    fn a_broken_prompt_file_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("en")).unwrap();
        std::fs::write(dir.path().join("en/bad.wav"), b"RIFF\0\0\0\0WAVEjunk").unwrap();
        let err = PromptLibrary::load(dir.path()).unwrap_err();
        assert!(err.to_string().contains("bad.wav"), "{err}");
    }
}
