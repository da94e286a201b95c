//! Example calls for `earshot up --demo`: short English and Mandarin dialogues spoken by
//! espeak-ng, band-limited to a telephone line by sox, caller on the left channel and agent on
//! the right, as 8 kHz μ-law — what a contact center's recordings sound like.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context};
use earshot_audio::{decode_wav, encode_wav, Audio, Encoding};
use earshot_recorder::import::{import_bytes, ImportError, ImportMeta};
use earshot_store::{Config, Store, StoreError};

/// Who says a line.
#[derive(Clone, Copy)]
pub enum Who {
    Caller,
    Agent,
}

pub struct DemoCall {
    pub name: &'static str,
    pub language: &'static str,
    pub voice: &'static str,
    pub agent: &'static str,
    pub queue: &'static str,
    pub lines: &'static [(Who, &'static str)],
}

use Who::{Agent, Caller};

pub const CALLS: &[DemoCall] = &[
    DemoCall {
        name: "lost-card-en",
        language: "en",
        voice: "en-us",
        agent: "amy.lin",
        queue: "cards",
        lines: &[
            (Agent, "Thank you for calling Formosa Bank, this is Amy. How can I help you today?"),
            (Caller, "Hello. I think I lost my credit card yesterday evening."),
            (Agent, "I am sorry to hear that. I can block the card for you right now."),
            (Caller, "Yes please. Can you also send me a new card?"),
            (Agent, "Of course. The new card will arrive within seven working days."),
            (Caller, "Thank you very much."),
        ],
    },
    DemoCall {
        name: "billing-en",
        language: "en",
        voice: "en-gb",
        agent: "kevin.chen",
        queue: "billing",
        lines: &[
            (Agent, "Good afternoon, billing department, Kevin speaking."),
            (Caller, "Hi. There is an annual fee on my statement that I did not expect."),
            (Agent, "Let me check that for you. The annual fee is waived if you spend more than fifty thousand dollars a year."),
            (Caller, "I see. Can you waive it this time?"),
            (Agent, "I have waived the annual fee this time. Is there anything else I can help with?"),
            (Caller, "No, that is all. Goodbye."),
        ],
    },
    DemoCall {
        name: "lost-card-zh",
        language: "zh",
        voice: "cmn",
        agent: "amy.lin",
        queue: "cards",
        lines: &[
            (Agent, "您好，福爾摩沙銀行，敝姓林，很高興為您服務。"),
            (Caller, "你好，我的信用卡不見了。"),
            (Agent, "好的，我馬上幫您停卡。"),
            (Caller, "謝謝，可以再寄一張新卡給我嗎？"),
            (Agent, "可以，新卡會在七個工作天內寄到。"),
        ],
    },
];

/// Publish the example scorecard (`earshot_scorecard::sample::example`) when the store has no
/// scorecard yet, so that the demo calls can be evaluated at once.
pub async fn publish_demo_scorecard(store: &Store) -> anyhow::Result<()> {
    if !store.scorecards().await?.is_empty() {
        return Ok(());
    }
    let draft = store
        .create_scorecard(&earshot_scorecard::sample::example(), "demo")
        .await?;
    let v = store.publish_scorecard(draft.scorecard_id, "demo").await?;
    eprintln!(
        "demo: published the example scorecard {:?} v{}",
        v.definition.name, v.version
    );
    Ok(())
}

/// Publish the example survey (`earshot_survey::sample::example`) and offer it to every caller
/// of the demo calls' queue when the store has no survey yet, so that the survey pages, web
/// links and metrics have something to show.
pub async fn publish_demo_survey(store: &Store) -> anyhow::Result<()> {
    if !store.surveys().await?.is_empty() {
        return Ok(());
    }
    // The example names a studio recording for one prompt; the demo has none, so every
    // question is spoken by text-to-speech instead of warning about a missing object.
    let mut survey = earshot_survey::sample::example();
    for q in &mut survey.questions {
        for p in q.prompts.values_mut() {
            p.audio = None;
        }
    }
    let draft = store.create_survey(&survey, "demo").await?;
    let v = store.publish_survey(draft.survey_id, "demo").await?;
    store
        .set_survey_assignment(
            &earshot_store::surveys::SurveyAssignment {
                queue: "cards".into(),
                survey_id: v.survey_id,
                offer: earshot_store::surveys::Offer::All,
                alert_on_low: true,
                updated_by: String::new(),
                updated_at: 0,
            },
            "demo",
        )
        .await?;
    eprintln!(
        "demo: published the example survey {:?} v{} for queue cards",
        v.definition.name, v.version
    );
    Ok(())
}

/// Silence before the first line and between lines.
const LEAD_MS: u32 = 700;
const GAP_MS: u32 = 600;
const RATE: u32 = 8_000;

/// Make one demo call's WAV bytes (8 kHz stereo μ-law).
pub fn synthesize(call: &DemoCall, work: &Path) -> anyhow::Result<Vec<u8>> {
    let mut left = vec![0f32; (RATE * LEAD_MS / 1000) as usize];
    let mut right = left.clone();
    for (i, (who, text)) in call.lines.iter().enumerate() {
        let raw = work.join(format!("{}-{i}-raw.wav", call.name));
        let phone = work.join(format!("{}-{i}.wav", call.name));
        run(Command::new("espeak-ng")
            .args(["-v", call.voice, "-s", "150", "-w"])
            .arg(&raw)
            .arg(text))
        .context("espeak-ng (install it with scripts/deps, or: apt-get install espeak-ng)")?;
        // Telephone band: 8 kHz, 300-3400 Hz.
        run(Command::new("sox")
            .arg(&raw)
            .args(["-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer"])
            .arg(&phone)
            .args(["sinc", "300-3400", "norm", "-3"]))
        .context("sox (install it with scripts/deps, or: apt-get install sox)")?;
        let bytes = std::fs::read(&phone)?;
        let (_, audio) = decode_wav(&bytes).with_context(|| format!("{}", phone.display()))?;
        let speech = &audio.channels[0];
        let (speaking, silent) = match who {
            Who::Caller => (&mut left, &mut right),
            Who::Agent => (&mut right, &mut left),
        };
        speaking.extend_from_slice(speech);
        silent.extend(std::iter::repeat_n(0.0, speech.len()));
        let gap = (RATE * GAP_MS / 1000) as usize;
        left.extend(std::iter::repeat_n(0.0, gap));
        right.extend(std::iter::repeat_n(0.0, gap));
    }
    Ok(encode_wav(
        &Audio::stereo(RATE, left, right),
        Encoding::MuLaw,
    ))
}

fn run(cmd: &mut Command) -> anyhow::Result<()> {
    let out = cmd
        .output()
        .with_context(|| format!("cannot run {:?}", cmd.get_program()))?;
    if !out.status.success() {
        bail!(
            "{:?} failed: {}",
            cmd.get_program(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

/// Generate (once) and import (once) the demo calls.
pub async fn import_demo_calls(store: &Store, config: &Config) -> anyhow::Result<()> {
    let dir: PathBuf = config.data_dir.join("demo");
    std::fs::create_dir_all(&dir)?;
    let now = earshot_store::time::now_ms();
    for (i, call) in CALLS.iter().enumerate() {
        let file = dir.join(format!("{}.wav", call.name));
        if !file.exists() {
            eprintln!(
                "demo: generating {} ({} lines)…",
                call.name,
                call.lines.len()
            );
            let work = dir.clone();
            let bytes = tokio::task::block_in_place(|| synthesize(call, &work))?;
            std::fs::write(&file, bytes)?;
        }
        let bytes = std::fs::read(&file)?;
        let meta = ImportMeta {
            agent: Some(call.agent.into()),
            queue: Some(call.queue.into()),
            caller: Some(format!("09{:08}", 12_345_678 + i)),
            language: Some(call.language.into()),
            started_at: None,
            max_attempts: config.indexer.max_attempts,
        };
        let started_at = now - (CALLS.len() - i) as i64 * 3_600_000;
        match import_bytes(
            store,
            &file,
            bytes.into(),
            started_at,
            Some(format!("demo:{}", call.name)),
            &meta,
        )
        .await
        {
            Ok(done) => eprintln!("demo: imported {} as call {}", call.name, done.call_id),
            Err(ImportError::Store {
                source: StoreError::Invalid(m),
                ..
            }) if m.contains("already stored") => {}
            Err(e) => return Err(e.into()),
        }
        for f in std::fs::read_dir(&dir)?.flatten() {
            if f.file_name()
                .to_string_lossy()
                .starts_with(&format!("{}-", call.name))
            {
                let _ = std::fs::remove_file(f.path());
            }
        }
    }
    Ok(())
}
