//! Shared by the `transcribe_*` tests: finding the models and the test speech, synthesizing
//! telephone calls with espeak-ng and sox, and comparing text.
#![allow(dead_code)] // each test binary uses a different part

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use earshot_audio::{decode_wav, encode_wav, Audio, Encoding};
use earshot_indexer::model::ModelName;
use earshot_indexer::transcribe::{Segment, Transcriber};

/// The telephone rate the synthetic calls are made at.
pub const PHONE_RATE: u32 = 8000;

pub fn workspace_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `$EARSHOT_MODEL_DIR`, else `<workspace>/.cache/models`.
pub fn models_dir() -> PathBuf {
    std::env::var_os("EARSHOT_MODEL_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_dir().join(".cache/models"))
}

pub fn model_path(name: ModelName) -> PathBuf {
    models_dir().join(name.ggml_file_name())
}

/// tiny.en, loaded once per test binary and shared by its tests (as a worker pool would).
///
/// Panics, failing the test, when the model is missing: these tests are the proof that
/// transcription works, and skipping them would hide that nothing was checked.
pub fn tiny_en() -> &'static Transcriber {
    static MODEL: OnceLock<Transcriber> = OnceLock::new();
    MODEL.get_or_init(|| {
        let path = model_path(ModelName::TinyEn);
        Transcriber::load(&path).unwrap_or_else(|e| {
            panic!(
                "{e}\nThe transcription tests need tiny.en at {} (set EARSHOT_MODEL_DIR to look \
                 elsewhere): run `cargo run -- model fetch tiny.en`, then `scripts/testdata`.",
                path.display()
            )
        })
    })
}

/// base (multilingual), if it has been fetched.
pub fn base() -> Option<&'static Transcriber> {
    static MODEL: OnceLock<Option<Transcriber>> = OnceLock::new();
    MODEL
        .get_or_init(|| {
            let path = model_path(ModelName::Base);
            path.is_file()
                .then(|| Transcriber::load(&path).unwrap_or_else(|e| panic!("{e}")))
        })
        .as_ref()
}

/// A file fetched by `scripts/testdata`; panics with what to run when it is missing.
pub fn testdata(name: &str) -> Vec<u8> {
    let path = workspace_dir().join(".cache/testdata").join(name);
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {} ({e}): run `scripts/testdata` to fetch the test speech",
            path.display()
        )
    })
}

/// The JFK clip (11 s, 16 kHz mono, real speech).
pub fn jfk() -> Audio {
    decode_wav(&testdata("jfk.wav")).expect("jfk.wav decodes").1
}

/// `text` spoken by espeak-ng with `voice`, band-limited to 300–3400 Hz at 8 kHz by sox:
/// what a phone line leaves of a voice.
pub fn speak(voice: &str, text: &str) -> Vec<f32> {
    let dir = tempfile::tempdir().expect("temp dir");
    let raw = dir.path().join("voice.wav");
    let phone = dir.path().join("phone.wav");
    run(Command::new("espeak-ng")
        .args(["-v", voice, "-s", "150", "-w"])
        .arg(&raw)
        .arg(text));
    run(Command::new("sox")
        .arg(&raw)
        .args(["-r", &PHONE_RATE.to_string(), "-c", "1", "-b", "16"])
        .arg(&phone)
        .args(["sinc", "300-3400", "norm", "-6"]));
    let bytes = std::fs::read(&phone).expect("sox wrote its output");
    let (_, audio) = decode_wav(&bytes).expect("sox output decodes");
    audio.channels.into_iter().next().expect("one channel")
}

fn run(cmd: &mut Command) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?} ({e}): install espeak-ng and sox"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// One line of a synthetic call.
#[derive(Debug, Clone)]
pub struct Line {
    pub channel: u8,
    pub start_ms: i64,
    pub end_ms: i64,
    pub text: &'static str,
}

/// A stereo 8 kHz call (0 caller, 1 agent) where each `(channel, start s, text)` is spoken in
/// English at that time, over faint line noise, stored and read back as G.711 μ-law the way
/// the recorder writes it. Returns the audio and where each line really is.
pub fn phone_call(script: &[(u8, f64, &'static str)], length_s: f64) -> (Audio, Vec<Line>) {
    let frames = (length_s * f64::from(PHONE_RATE)) as usize;
    let mut channels = vec![line_noise(frames, 1), line_noise(frames, 2)];
    let mut lines = Vec::new();
    for &(channel, start_s, text) in script {
        let voice = speak(if channel == 0 { "en-us" } else { "en-gb" }, text);
        let at = (start_s * f64::from(PHONE_RATE)) as usize;
        let target = &mut channels[usize::from(channel)][at..at + voice.len()];
        for (t, v) in target.iter_mut().zip(&voice) {
            *t += v;
        }
        // espeak-ng starts and ends with a little silence: find where the voice really is.
        let level = |v: &&f32| v.abs() > 0.01;
        let first = voice.iter().position(|v| level(&v)).unwrap_or(0);
        let last = voice.iter().rposition(|v| level(&v)).unwrap_or(0);
        let ms = |i: usize| ((at + i) as u64 * 1000 / u64::from(PHONE_RATE)) as i64;
        lines.push(Line {
            channel,
            start_ms: ms(first),
            end_ms: ms(last),
            text,
        });
    }
    let wav = encode_wav(
        &Audio {
            sample_rate: PHONE_RATE,
            channels,
        },
        Encoding::MuLaw,
    );
    (decode_wav(&wav).expect("μ-law call decodes").1, lines)
}

/// Deterministic white noise at about -60 dBFS.
pub fn line_noise(frames: usize, seed: u64) -> Vec<f32> {
    let mut state = 0x9E37_79B9_7F4A_7C15u64 ^ seed;
    (0..frames)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            ((state >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0) * 0.0017
        })
        .collect()
}

/// Lower case, letters and digits only, single spaces: for comparing words, not punctuation.
pub fn normalize(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_alphanumeric() {
                c.to_lowercase().next().unwrap_or(c)
            } else {
                ' '
            }
        })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The text of `segments` on `channel`, normalized and joined.
pub fn channel_text(segments: &[Segment], channel: u8) -> String {
    let texts: Vec<&str> = segments
        .iter()
        .filter(|s| s.channel == channel)
        .map(|s| s.text.as_str())
        .collect();
    normalize(&texts.join(" "))
}
