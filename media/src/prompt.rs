//! Prompts and music on hold, played into a leg as RTP.
//!
//! A [`Prompt`] is mono 8 kHz audio, loaded once from a WAV file of any
//! rate and channel count the audio crate reads and shared cheaply between
//! calls. A [`PromptPlayer`] cuts it into 20 ms packets for the leg's
//! negotiated codec, on the leg's [`RtpSender`] so the stream stays
//! continuous across prompts, and is paced by the caller's clock
//! ([`PromptPlayer::poll_timeout`] / [`PromptPlayer::poll_packet`]).

use std::sync::Arc;

use earshot_audio::WavError;
use thiserror::Error;

use crate::codec::Codec;
use crate::rtp::RtpSender;
use crate::{Millis, SAMPLE_RATE};

/// Samples per 20 ms packet at 8000 Hz.
pub const FRAME_SAMPLES: usize = 160;
/// Packet interval.
pub const FRAME_MS: Millis = 20;

/// Why a prompt cannot be loaded or played.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PromptError {
    /// The WAV file is unusable.
    #[error("prompt WAV file: {0}")]
    Wav(#[from] WavError),
    /// No samples.
    #[error("the prompt has no audio")]
    Empty,
    /// The leg negotiated a codec we cannot encode.
    #[error("cannot play prompts in {0}: it is not encoded by this crate")]
    UnsupportedCodec(Codec),
}

/// Mono 16-bit audio at 8000 Hz; clones share the samples.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    samples: Arc<[i16]>,
}

impl Prompt {
    /// A prompt from 8000 Hz samples.
    ///
    /// # Errors
    ///
    /// [`PromptError::Empty`] for no samples.
    pub fn from_samples(samples: Vec<i16>) -> Result<Prompt, PromptError> {
        if samples.is_empty() {
            return Err(PromptError::Empty);
        }
        Ok(Prompt {
            samples: samples.into(),
        })
    }

    /// A prompt from a WAV file's bytes: channels mixed down to mono,
    /// resampled to 8000 Hz.
    ///
    /// # Errors
    ///
    /// When the WAV cannot be decoded or holds no audio.
    pub fn from_wav_bytes(bytes: &[u8]) -> Result<Prompt, PromptError> {
        let (info, audio) = earshot_audio::decode_wav(bytes)?;
        let frames = audio.frames();
        let count = audio.channels.len().max(1) as f32;
        let mono: Vec<f32> = (0..frames)
            .map(|i| audio.channels.iter().map(|c| c[i]).sum::<f32>() / count)
            .collect();
        let mono = earshot_audio::resample(&mono, info.sample_rate, SAMPLE_RATE);
        let samples = mono
            .iter()
            .map(|x| (x * 32767.0).round().clamp(-32768.0, 32767.0) as i16)
            .collect();
        Prompt::from_samples(samples)
    }

    /// The samples.
    pub fn samples(&self) -> &[i16] {
        &self.samples
    }

    /// Duration in milliseconds (rounded down).
    pub fn duration_ms(&self) -> Millis {
        self.samples.len() as u64 * 1000 / u64::from(SAMPLE_RATE)
    }
}

/// Plays a [`Prompt`] once or in a loop, 20 ms at a time.
#[derive(Debug, Clone)]
pub struct PromptPlayer {
    prompt: Prompt,
    codec: Codec,
    looping: bool,
    /// Next sample to play.
    position: usize,
    /// When the next packet is due, once started.
    next_due: Option<Millis>,
    finished: bool,
    /// The next packet is the prompt's first: it gets the marker bit.
    talkspurt_pending: bool,
}

impl PromptPlayer {
    /// Plays `prompt` once, encoded as `codec`.
    ///
    /// # Errors
    ///
    /// [`PromptError::UnsupportedCodec`] for a codec this crate cannot encode.
    pub fn new(prompt: Prompt, codec: Codec) -> Result<Self, PromptError> {
        if !codec.is_supported() {
            return Err(PromptError::UnsupportedCodec(codec));
        }
        Ok(PromptPlayer {
            prompt,
            codec,
            looping: false,
            position: 0,
            next_due: None,
            finished: false,
            talkspurt_pending: true,
        })
    }

    /// Plays `prompt` over and over (music on hold) until dropped.
    ///
    /// # Errors
    ///
    /// As [`new`](Self::new).
    pub fn looping(prompt: Prompt, codec: Codec) -> Result<Self, PromptError> {
        let mut player = PromptPlayer::new(prompt, codec)?;
        player.looping = true;
        Ok(player)
    }

    /// Whether the whole prompt has been played (never, when looping).
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// The next 20 ms, encoded; the last frame of a prompt is padded with
    /// silence, a looping prompt wraps around within a frame. `None` once
    /// finished.
    pub fn next_payload(&mut self) -> Option<Vec<u8>> {
        if self.finished {
            return None;
        }
        let samples = self.prompt.samples();
        let mut frame = Vec::with_capacity(FRAME_SAMPLES);
        while frame.len() < FRAME_SAMPLES {
            let take = (FRAME_SAMPLES - frame.len()).min(samples.len() - self.position);
            frame.extend_from_slice(&samples[self.position..self.position + take]);
            self.position += take;
            if self.position == samples.len() {
                if !self.looping {
                    self.finished = true;
                    frame.resize(FRAME_SAMPLES, 0);
                    break;
                }
                self.position = 0;
            }
        }
        // `new` only accepts codecs that encode.
        self.codec.encode(&frame)
    }

    /// The next packet as a datagram, on `sender`'s stream; the first
    /// packet of the prompt starts a talkspurt (marker bit).
    pub fn next_packet(&mut self, sender: &mut RtpSender) -> Option<Vec<u8>> {
        let payload = self.next_payload()?;
        if std::mem::take(&mut self.talkspurt_pending) {
            sender.start_talkspurt();
        }
        Some(sender.audio(&payload, FRAME_SAMPLES as u32).to_bytes())
    }

    /// Starts playing at `now`: the first packet is due at once.
    pub fn start(&mut self, now: Millis) {
        self.next_due = Some(now);
    }

    /// When the next packet is due (`None` before `start` and once finished).
    pub fn poll_timeout(&self) -> Option<Millis> {
        if self.finished {
            None
        } else {
            self.next_due
        }
    }

    /// The next packet if it is due at `now`; call until `None`. Packets
    /// are due every 20 ms from `start`, so a late wake-up catches up.
    pub fn poll_packet(&mut self, now: Millis, sender: &mut RtpSender) -> Option<Vec<u8>> {
        let due = self.poll_timeout()?;
        if due > now {
            return None;
        }
        self.next_due = Some(due + FRAME_MS);
        self.next_packet(sender)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rtp::RtpPacket;
    use earshot_audio::{g711, Audio, Encoding};

    #[test]
    fn loads_a_stereo_16k_wav_as_mono_8k() {
        // 0.5 s at 16 kHz; left a 400 Hz tone, right silent.
        let left: Vec<f32> = (0..8000)
            .map(|n| 0.5 * (2.0 * std::f32::consts::PI * 400.0 * n as f32 / 16_000.0).sin())
            .collect();
        let wav = earshot_audio::encode_wav(
            &Audio::stereo(16_000, left, vec![0.0; 8000]),
            Encoding::PCM16,
        );
        let prompt = Prompt::from_wav_bytes(&wav).unwrap();
        assert_eq!(prompt.samples().len(), 4000);
        assert_eq!(prompt.duration_ms(), 500);
        // Mixed down: half the amplitude of the left channel.
        let peak = prompt.samples()[400..3600]
            .iter()
            .map(|s| s.unsigned_abs())
            .max()
            .unwrap();
        assert!((7800..=8600).contains(&peak), "peak {peak}");
        assert!(matches!(
            Prompt::from_wav_bytes(b"nonsense"),
            Err(PromptError::Wav(_))
        ));
        assert_eq!(Prompt::from_samples(vec![]), Err(PromptError::Empty));
    }

    #[test]
    fn plays_once_in_20ms_packets_padded_at_the_end() {
        let prompt = Prompt::from_samples((0..400).map(|i| i * 10).collect()).unwrap();
        let mut player = PromptPlayer::new(prompt, Codec::Pcma).unwrap();
        let mut sender = RtpSender::new(5, 8, 100, 1000);
        let packets: Vec<Vec<u8>> =
            std::iter::from_fn(|| player.next_packet(&mut sender)).collect();
        assert_eq!(packets.len(), 3, "400 samples: 160 + 160 + 80 and silence");
        assert!(player.is_finished());
        let parsed: Vec<RtpPacket<'_>> = packets
            .iter()
            .map(|p| RtpPacket::parse(p).unwrap())
            .collect();
        assert!(parsed[0].marker && !parsed[1].marker);
        assert_eq!(parsed[2].sequence, 102);
        assert_eq!(parsed[2].timestamp, 1320);
        assert_eq!(parsed[0].payload_type, 8);
        let decoded = g711::decode_alaw(parsed[2].payload);
        assert_eq!(decoded.len(), 160);
        assert!(
            decoded[80..].iter().all(|s| s.abs() <= 8),
            "padding is silence"
        );
        assert_eq!(decoded[0], g711::alaw_to_linear(g711::linear_to_alaw(3200)));
    }

    #[test]
    fn music_on_hold_loops_seamlessly() {
        let prompt = Prompt::from_samples((1..=100).collect()).unwrap();
        let mut player = PromptPlayer::looping(prompt, Codec::Pcmu).unwrap();
        let frame = g711::decode_ulaw(&player.next_payload().unwrap());
        let expected: Vec<i16> = (1..=100).chain(1..=60).collect();
        let expected = g711::decode_ulaw(&g711::encode_ulaw(&expected));
        assert_eq!(frame, expected);
        for _ in 0..1000 {
            assert!(player.next_payload().is_some());
        }
        assert!(!player.is_finished());
    }

    #[test]
    fn paced_by_the_callers_clock() {
        let prompt = Prompt::from_samples(vec![100; 800]).unwrap(); // 100 ms
        let mut player = PromptPlayer::new(prompt, Codec::Pcmu).unwrap();
        let mut sender = RtpSender::new(1, 0, 0, 0);
        assert_eq!(player.poll_timeout(), None);
        player.start(1000);
        assert_eq!(player.poll_timeout(), Some(1000));
        let first = player.poll_packet(1000, &mut sender).unwrap();
        assert!(RtpPacket::parse(&first).unwrap().marker);
        assert!(player.poll_packet(1019, &mut sender).is_none());
        assert_eq!(player.poll_timeout(), Some(1020));
        // Woken late at 1065: catches up with the packets due at 1020, 1040, 1060.
        let burst = std::iter::from_fn(|| player.poll_packet(1065, &mut sender)).count();
        assert_eq!(burst, 3);
        assert!(player.poll_packet(1080, &mut sender).is_some());
        assert!(player.is_finished());
        assert_eq!(player.poll_timeout(), None);
        assert_eq!(sender.next_sequence(), 5);
        assert!(PromptPlayer::new(Prompt::from_samples(vec![1]).unwrap(), Codec::G722).is_err());
    }
}
