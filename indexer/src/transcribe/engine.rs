//! [`Transcriber`]: a loaded Whisper model, shared by all workers, and the calls that run it.

use std::path::Path;

use earshot_audio::{vad, Audio, VadParams};
use tracing::{debug, info};
use whisper_rs::{
    FullParams, SamplingStrategy, WhisperContext, WhisperContextParameters, WhisperState,
};

use super::text::clean_segment_text;
use super::windows::{pack_windows, PackParams, Window, WHISPER_RATE};
use super::{Decoding, Segment, TranscribeError, TranscribeOptions, Transcript};
use crate::model::{check_ggml, ModelError};

/// Initial prompt for Mandarin on multilingual models: base writes Simplified or Traditional
/// characters about equally; a Traditional prompt tilts it to what Taiwanese users read.
pub const DEFAULT_ZH_PROMPT: &str = "以下是繁體中文的客服中心通話。";

/// Whisper's "this window holds no speech" probability above which (when the decoded text is
/// also unlikely) whisper.cpp drops the window's text: its default, made explicit.
const NO_SPEECH_THRESHOLD: f32 = 0.6;

/// Tokens of an initial prompt kept; Whisper uses at most half its 448-token text context.
const MAX_PROMPT_TOKENS: usize = 224;

/// A loaded Whisper model.
///
/// Load once and share (`Arc<Transcriber>`) across a worker pool: it is `Send + Sync`, and every
/// call makes its own whisper.cpp state (about 10–20 MB of buffers), so calls can run
/// concurrently. Transcription is CPU-bound and **blocks** for seconds per minute of audio:
/// call it from `tokio::task::spawn_blocking` or a rayon pool, never on an async executor thread.
pub struct Transcriber {
    ctx: WhisperContext,
    model: String,
    multilingual: bool,
}

/// What one channel gave: its segments, and the language Whisper detected on how much speech.
struct ChannelResult {
    segments: Vec<Segment>,
    detected: Vec<(&'static str, usize)>,
}

impl Transcriber {
    /// Loads a whisper.cpp ggml model file (e.g. `.cache/models/ggml-tiny.en.bin`).
    ///
    /// The file's structure is checked first, because whisper.cpp aborts the process on some
    /// truncated files; errors say how to get a good model.
    pub fn load(model_path: &Path) -> Result<Self, TranscribeError> {
        if !model_path.is_file() {
            return Err(TranscribeError::ModelMissing {
                path: model_path.to_owned(),
            });
        }
        let info = check_ggml(model_path).map_err(|source| match source {
            ModelError::ModelMissing { path } => TranscribeError::ModelMissing { path },
            source => TranscribeError::ModelUnusable {
                path: model_path.to_owned(),
                source,
            },
        })?;
        whisper_rs::install_logging_hooks();
        let ctx = WhisperContext::new_with_params(model_path, WhisperContextParameters::default())
            .map_err(|source| TranscribeError::ModelLoad {
                path: model_path.to_owned(),
                source,
            })?;
        let model = info
            .model
            .map(|name| name.as_str().to_owned())
            .unwrap_or_else(|| display_name(model_path));
        let multilingual = ctx.is_multilingual();
        info!(model, multilingual, path = %model_path.display(), "loaded Whisper model");
        Ok(Transcriber {
            ctx,
            model,
            multilingual,
        })
    }

    /// Whether the model knows languages other than English (`base` does, `tiny.en` does not).
    pub fn is_multilingual(&self) -> bool {
        self.multilingual
    }

    /// The model's name, as [`Transcript::model`] reports it.
    pub fn model_name(&self) -> &str {
        &self.model
    }

    /// Transcribes one channel of 16 kHz mono audio; `channel` is copied into the segments.
    ///
    /// Timestamps are in the channel's own time, whether or not silence was skipped. Blocks.
    pub fn transcribe_channel(
        &self,
        samples_16k: &[f32],
        channel: u8,
        opts: &TranscribeOptions,
    ) -> Result<Vec<Segment>, TranscribeError> {
        Ok(self.run_channel(samples_16k, channel, opts)?.segments)
    }

    /// Transcribes a recording at any sample rate, each channel separately (each channel is a
    /// speaker: 0 caller, 1 agent), and merges the segments by start time. Blocks.
    pub fn transcribe_audio(
        &self,
        audio: &Audio,
        opts: &TranscribeOptions,
    ) -> Result<Transcript, TranscribeError> {
        if audio.channels.len() > usize::from(u8::MAX) {
            return Err(TranscribeError::TooManyChannels(audio.channels.len()));
        }
        let language = self.language(opts)?;
        let resampled;
        let audio16 = if audio.sample_rate == WHISPER_RATE {
            audio
        } else {
            resampled = audio.resampled(WHISPER_RATE);
            &resampled
        };

        let mut segments = Vec::new();
        let mut detected: Vec<(&'static str, usize)> = Vec::new();
        for (channel, samples) in (0u8..).zip(&audio16.channels) {
            let result = self.run_channel(samples, channel, opts)?;
            segments.extend(result.segments);
            detected.extend(result.detected);
        }
        segments.sort_by_key(|s| (s.start_ms, s.end_ms, s.channel));

        Ok(Transcript {
            segments,
            language: language
                .or_else(|| most_heard(&detected))
                .map(str::to_owned),
            audio_ms: audio.duration_ms(),
            model: self.model.clone(),
        })
    }

    fn run_channel(
        &self,
        samples: &[f32],
        channel: u8,
        opts: &TranscribeOptions,
    ) -> Result<ChannelResult, TranscribeError> {
        let language = self.language(opts)?;
        let prompt = self.prompt_tokens(opts, language, channel)?;

        let windows = if opts.skip_silence {
            let spans = vad::voiced_spans(samples, WHISPER_RATE, &VadParams::default());
            pack_windows(&spans, &PackParams::default())
        } else {
            vec![Window::whole(samples.len())]
        };
        let mut result = ChannelResult {
            segments: Vec::new(),
            detected: Vec::new(),
        };
        let windows: Vec<Window> = windows.into_iter().filter(|w| !w.is_empty()).collect();
        if windows.is_empty() {
            debug!(channel, "no speech heard");
            return Ok(result);
        }
        debug!(
            channel,
            windows = windows.len(),
            speech_s = windows.iter().map(Window::speech_len).sum::<usize>() as f64
                / f64::from(WHISPER_RATE),
            channel_s = samples.len() as f64 / f64::from(WHISPER_RATE),
            "transcribing"
        );

        let whisper_err = |source| TranscribeError::Whisper { channel, source };
        let mut state = self.ctx.create_state().map_err(whisper_err)?;
        for window in &windows {
            let params = full_params(opts, language, &prompt);
            state
                .full(params, &window.samples(samples))
                .map_err(whisper_err)?;
            collect_segments(&state, window, channel, &mut result.segments);
            if language.is_none() {
                if let Some(code) = whisper_rs::get_lang_str(state.full_lang_id_from_state()) {
                    result.detected.push((code, window.speech_len()));
                }
            }
        }
        Ok(result)
    }

    /// The Whisper language code to transcribe in, `None` to detect it; refuses what the model
    /// cannot do. An English-only model is always told English: it cannot detect languages.
    fn language(&self, opts: &TranscribeOptions) -> Result<Option<&'static str>, TranscribeError> {
        match opts.language.resolve()? {
            Some(code) if code != "en" && !self.multilingual => {
                Err(TranscribeError::LanguageNotInModel {
                    model: self.model.clone(),
                    language: code.to_owned(),
                })
            }
            None if !self.multilingual => Ok(Some("en")),
            language => Ok(language),
        }
    }

    /// The initial prompt's tokens: the caller's, or the Traditional Chinese hint for Mandarin.
    fn prompt_tokens(
        &self,
        opts: &TranscribeOptions,
        language: Option<&str>,
        channel: u8,
    ) -> Result<Vec<i32>, TranscribeError> {
        let prompt = match (&opts.initial_prompt, language) {
            (Some(prompt), _) => prompt.as_str(),
            (None, Some("zh")) if self.multilingual => DEFAULT_ZH_PROMPT,
            (None, _) => return Ok(Vec::new()),
        };
        let mut tokens = self
            .ctx
            .tokenize(prompt, prompt.len() + 1)
            .map_err(|source| TranscribeError::Whisper { channel, source })?;
        // Keep the end: it is what the audio follows.
        let excess = tokens.len().saturating_sub(MAX_PROMPT_TOKENS);
        tokens.drain(..excess);
        Ok(tokens)
    }
}

/// whisper.cpp's settings for one window.
fn full_params<'a, 'b>(
    opts: &TranscribeOptions,
    language: Option<&'a str>,
    prompt: &'b [i32],
) -> FullParams<'a, 'b> {
    let strategy = match opts.decoding {
        Decoding::Greedy => SamplingStrategy::Greedy { best_of: 5 },
        Decoding::BeamSearch { beam_size } => SamplingStrategy::BeamSearch {
            beam_size: i32::from(beam_size),
            patience: -1.0,
        },
    };
    let mut params = FullParams::new(strategy);
    params.set_n_threads(i32::try_from(opts.threads.max(1)).unwrap_or(i32::MAX));
    match language {
        // whisper.cpp's default; `set_language` would leak a copy of the string on every call.
        Some("en") => {}
        // `None` asks whisper.cpp to detect the language of each window.
        other => params.set_language(other),
    }
    if !prompt.is_empty() {
        params.set_tokens(prompt);
    }
    // Each window is independent: packed speech from far apart in the call is not context.
    params.set_no_context(true);
    params.set_suppress_blank(true);
    params.set_suppress_nst(true);
    params.set_no_speech_thold(NO_SPEECH_THRESHOLD);
    params.set_print_special(false);
    params.set_print_progress(false);
    params.set_print_realtime(false);
    params.set_print_timestamps(false);
    params
}

/// Appends a window's segments, in call time, without non-speech annotations.
fn collect_segments(state: &WhisperState, window: &Window, channel: u8, out: &mut Vec<Segment>) {
    for segment in state.as_iter() {
        let Some(text) = segment
            .to_str_lossy()
            .ok()
            .and_then(|t| clean_segment_text(&t))
        else {
            continue;
        };
        // whisper.cpp timestamps are in centiseconds.
        let (start_ms, end_ms) =
            window.to_call_range(segment.start_timestamp() * 10, segment.end_timestamp() * 10);
        out.push(Segment {
            channel,
            start_ms,
            end_ms,
            text,
        });
    }
}

/// The language detected over the most speech.
fn most_heard(detected: &[(&'static str, usize)]) -> Option<&'static str> {
    let mut totals: Vec<(&'static str, usize)> = Vec::new();
    for &(code, speech) in detected {
        match totals.iter_mut().find(|(c, _)| *c == code) {
            Some((_, total)) => *total += speech,
            None => totals.push((code, speech)),
        }
    }
    totals
        .into_iter()
        .max_by_key(|&(_, total)| total)
        .map(|(code, _)| code)
}

/// `ggml-tiny.en.bin` -> `tiny.en`, for models outside the catalog.
fn display_name(path: &Path) -> String {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    stem.strip_prefix("ggml-")
        .map(str::to_owned)
        .unwrap_or(stem)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn a_transcriber_can_be_shared_across_threads() {
        assert_send_sync::<Transcriber>();
    }

    #[test]
    fn the_most_heard_language_wins() {
        assert_eq!(most_heard(&[]), None);
        assert_eq!(most_heard(&[("en", 10), ("zh", 8), ("zh", 5)]), Some("zh"));
        assert_eq!(most_heard(&[("en", 10), ("zh", 8)]), Some("en"));
    }

    #[test]
    fn unknown_models_are_named_by_file() {
        assert_eq!(display_name(Path::new("/m/ggml-small.bin")), "small");
        assert_eq!(display_name(Path::new("custom.bin")), "custom");
    }

    #[test]
    fn missing_models_say_how_to_get_one() {
        let Err(err) = Transcriber::load(Path::new("/nonexistent/ggml-tiny.en.bin")) else {
            panic!("loaded a model that does not exist");
        };
        let message = err.to_string();
        assert!(
            message.contains("/nonexistent/ggml-tiny.en.bin"),
            "{message}"
        );
        assert!(message.contains("earshot model fetch tiny.en"), "{message}");
        assert!(
            message.contains("`earshot model fetch base` (Mandarin"),
            "{message}"
        );
    }
}
