//! The stereo call recording: caller on the left, agent on the right, both
//! on one clock — the call's.
//!
//! # The timeline
//!
//! Sample `n` of the output is `n / 8000` seconds after the call started
//! (the `start` given to [`CallRecorder::new`]), on both channels. Each RTP
//! stream is put on that timeline by an *anchor*: its first audio packet
//! lands at its arrival time, and every later packet lands where its RTP
//! timestamp says, relative to the anchor. So network jitter does not
//! move audio, a lost packet leaves exactly its 20 ms of silence, and a
//! stream that stops (hold, silence suppression, a leg not yet answered)
//! leaves silence for exactly as long as it stops.
//!
//! # When the RTP clock and the arrival clock disagree
//!
//! The difference between where a packet lands and when it arrived (its
//! *lateness*) stays within the network jitter for a healthy stream. When
//! it does not, the stream is re-anchored — put back to land at arrival
//! time — rather than letting its audio slide away from the call clock:
//!
//! - **New SSRC** (the peer restarted the stream, a transfer): a new anchor.
//! - **Timestamp jump**: lateness beyond ±[`RecorderConfig::max_jump_ms`]
//!   (1 s), e.g. a peer resuming from hold with a timestamp that did not run
//!   on, or a random new timestamp: re-anchored at once.
//! - **Fast sender clock** (RTP time runs ahead of real time): packets land
//!   earlier and earlier. Once more than [`RecorderConfig::max_drift_ms`]
//!   (300 ms) early the stream is re-anchored; the audio that then lands on
//!   already-filled time overwrites it. A sender 0.1 % fast loses 300 ms
//!   every 5 minutes this way, instead of drifting without bound.
//! - **Slow sender clock**: packets land later and later, and would become
//!   too late to record once past the jitter allowance. So the smallest
//!   lateness over each half second is watched, and once even the most
//!   punctual packet is more than half the jitter allowance late, the
//!   stream is moved later by that much — a short silence is inserted
//!   instead of dropping audio.
//!
//! Only packets that advance the sequence number can re-anchor: a stale
//! reordered or retransmitted packet never moves a stream.
//!
//! # Finality
//!
//! [`CallRecorder::pull`] returns the audio up to `now − jitter allowance`
//! (120 ms): a packet delayed less than that is still put in place. Audio
//! for time already returned cannot change; packets for it count as late.
//! [`CallRecorder::finish`] returns the rest, so that the whole recording is
//! exactly `end − start` long.

mod seq;

use std::collections::VecDeque;

use crate::codec::{PayloadFormat, PayloadMap};
use crate::rtp::RtpPacket;
use crate::{Millis, SAMPLE_RATE};

use seq::{SeqStatus, SeqTracker};

/// Samples per millisecond at [`SAMPLE_RATE`].
const PER_MS: u64 = SAMPLE_RATE as u64 / 1000;
/// Streams remembered per channel (an SSRC may come back after a switch).
const MAX_STREAMS: usize = 4;
/// How long the punctuality of a stream is watched before it is judged.
const LATENESS_WINDOW_MS: u64 = 500;
/// Packets a lateness window needs before it is judged.
const LATENESS_WINDOW_PACKETS: u32 = 5;

/// The two sides of the call, one per output channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    /// Left channel (0): the customer.
    Caller,
    /// Right channel (1): the agent.
    Agent,
}

impl Channel {
    /// 0 for the caller, 1 for the agent.
    pub fn index(self) -> usize {
        match self {
            Channel::Caller => 0,
            Channel::Agent => 1,
        }
    }
}

/// Tuning of [`CallRecorder`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecorderConfig {
    /// How long audio stays open to late packets before it is final.
    pub jitter_allowance_ms: u64,
    /// How far a stream may run ahead of real time before it is re-anchored.
    pub max_drift_ms: u64,
    /// A lateness beyond this (either way) is a timestamp jump.
    pub max_jump_ms: u64,
}

impl Default for RecorderConfig {
    fn default() -> Self {
        RecorderConfig {
            jitter_allowance_ms: 120,
            max_drift_ms: 300,
            max_jump_ms: 1000,
        }
    }
}

/// Counters for one channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ChannelStats {
    /// RTP packets pushed.
    pub packets: u64,
    /// Payload bytes pushed.
    pub bytes: u64,
    /// Packets never received, from sequence-number gaps.
    pub lost: u64,
    /// Packets (or parts) that arrived after their time was final.
    pub late: u64,
    /// Packets received twice.
    pub duplicates: u64,
    /// Packets whose payload type the session does not define.
    pub unknown_payload_type: u64,
    /// Packets that are not recorded as sound: telephone-events, comfort
    /// noise, codecs not decoded.
    pub not_audio: u64,
    /// Reordered packets whose timestamp does not fit their stream.
    pub discarded: u64,
    /// Times a stream was re-anchored (jump, drift), new SSRCs excluded.
    pub reanchors: u64,
    /// Distinct streams (SSRC changes + 1, once media flowed).
    pub streams: u64,
}

/// What [`CallRecorder::push`] did with a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushOutcome {
    /// Audio placed on the timeline (the part not yet final, if it was late in part).
    Recorded,
    /// Accepted but silent: a telephone-event, comfort noise, a codec not decoded.
    NotAudio,
    /// Already received.
    Duplicate,
    /// Entirely for time already final.
    Late,
    /// A payload type the session does not define.
    UnknownPayloadType,
    /// A reordered packet whose timestamp fits nowhere near its stream.
    Discarded,
    /// The recording is finished.
    AfterFinish,
}

/// The stereo recording of one call (see the module documentation).
#[derive(Debug, Clone)]
pub struct CallRecorder {
    config: RecorderConfig,
    start: Millis,
    /// Frames already returned by `pull`/`finish`.
    emitted: u64,
    channels: [ChannelState; 2],
    finished: bool,
    scratch: Vec<i16>,
}

#[derive(Debug, Clone, Default)]
struct ChannelState {
    /// Samples from frame `emitted` on; silence where nothing landed.
    pending: VecDeque<i16>,
    /// Most recently used last.
    streams: Vec<Stream>,
    stats: ChannelStats,
    /// Losses of streams no longer remembered.
    retired_lost: u64,
}

#[derive(Debug, Clone)]
struct Stream {
    ssrc: u32,
    seq: SeqTracker,
    timing: Option<Timing>,
}

/// Where a stream lands: RTP timestamp `ref_ts` is timeline frame `ref_pos`.
#[derive(Debug, Clone, Copy)]
struct Timing {
    clock_rate: u32,
    ref_ts: u32,
    ref_pos: i64,
    window_start: Millis,
    window_min: i64,
    window_packets: u32,
}

impl Timing {
    fn anchored(clock_rate: u32, ts: u32, pos: i64) -> Timing {
        Timing {
            clock_rate,
            ref_ts: ts,
            ref_pos: pos,
            window_start: 0,
            window_min: 0,
            window_packets: 0,
        }
    }
}

impl CallRecorder {
    /// A recording of a call that started at `start`.
    pub fn new(start: Millis, config: RecorderConfig) -> Self {
        CallRecorder {
            config,
            start,
            emitted: 0,
            channels: [ChannelState::default(), ChannelState::default()],
            finished: false,
            scratch: Vec::with_capacity(320),
        }
    }

    /// The call's start.
    pub fn start(&self) -> Millis {
        self.start
    }

    /// Frames (per channel) returned so far.
    pub fn frames_emitted(&self) -> u64 {
        self.emitted
    }

    /// The counters of one channel.
    pub fn stats(&self, channel: Channel) -> ChannelStats {
        let state = &self.channels[channel.index()];
        let mut stats = state.stats;
        stats.lost = state.retired_lost + state.streams.iter().map(|s| s.seq.lost()).sum::<u64>();
        stats
    }

    /// Records one RTP packet of `channel` that arrived at `arrival`,
    /// decoding it as `map` (the SDP of that leg) says.
    pub fn push(
        &mut self,
        channel: Channel,
        packet: &RtpPacket<'_>,
        map: &PayloadMap,
        arrival: Millis,
    ) -> PushOutcome {
        if self.finished {
            return PushOutcome::AfterFinish;
        }
        let config = self.config;
        let arrival_pos = (arrival.saturating_sub(self.start) * PER_MS) as i64;
        let emitted = self.emitted;
        let state = &mut self.channels[channel.index()];
        state.stats.packets += 1;
        state.stats.bytes += packet.payload.len() as u64;

        let stream = stream_of(&mut state.streams, &mut state.retired_lost, packet.ssrc);
        let advanced = match stream.seq.on_packet(packet.sequence) {
            SeqStatus::Duplicate => {
                state.stats.duplicates += 1;
                return PushOutcome::Duplicate;
            }
            SeqStatus::TooOld => {
                state.stats.late += 1;
                return PushOutcome::Late;
            }
            SeqStatus::Advanced => true,
            SeqStatus::Reordered => false,
        };

        let Some(format) = map.get(packet.payload_type) else {
            state.stats.unknown_payload_type += 1;
            return PushOutcome::UnknownPayloadType;
        };
        if !format.is_audio_stream() {
            // Telephone-events repeat one timestamp for the whole press, and
            // comfort noise is sparse: neither may steer the timeline.
            state.stats.not_audio += 1;
            return PushOutcome::NotAudio;
        }

        let Some(pos) = place(
            stream,
            packet.timestamp,
            format.clock_rate(),
            arrival,
            arrival_pos,
            advanced,
            &config,
            &mut state.stats,
        ) else {
            state.stats.discarded += 1;
            return PushOutcome::Discarded;
        };

        let PayloadFormat::Audio(codec) = format else {
            state.stats.not_audio += 1;
            return PushOutcome::NotAudio;
        };
        self.scratch.clear();
        if !codec.decode_into(packet.payload, &mut self.scratch) {
            state.stats.not_audio += 1;
            return PushOutcome::NotAudio;
        }
        match state.write(pos, &self.scratch, emitted) {
            Written::All => PushOutcome::Recorded,
            Written::Part => {
                state.stats.late += 1;
                PushOutcome::Recorded
            }
            Written::None => {
                state.stats.late += 1;
                PushOutcome::Late
            }
        }
    }

    /// The interleaved stereo samples that became final: everything up to
    /// `now − jitter allowance` not returned before.
    pub fn pull(&mut self, now: Millis) -> Vec<i16> {
        if self.finished {
            return Vec::new();
        }
        let final_until = now.saturating_sub(self.config.jitter_allowance_ms);
        let target = final_until.saturating_sub(self.start) * PER_MS;
        self.emit_to(target)
    }

    /// Ends the recording at `end`: returns the rest, so that everything
    /// returned is exactly `end − start` long (unless `pull` already went
    /// past `end`, which returns nothing more). Later pushes and pulls do
    /// nothing.
    pub fn finish(&mut self, end: Millis) -> Vec<i16> {
        if self.finished {
            return Vec::new();
        }
        self.finished = true;
        let target = end.saturating_sub(self.start) * PER_MS;
        if target < self.emitted {
            tracing::warn!(
                end,
                emitted_frames = self.emitted,
                "recording finished before audio already emitted; it is longer than the call"
            );
        }
        let rest = self.emit_to(target);
        for state in &mut self.channels {
            state.pending = VecDeque::new();
        }
        rest
    }

    fn emit_to(&mut self, target: u64) -> Vec<i16> {
        let Some(frames) = target.checked_sub(self.emitted).filter(|n| *n > 0) else {
            return Vec::new();
        };
        let mut out = Vec::with_capacity(2 * frames as usize);
        let [left, right] = &mut self.channels;
        for _ in 0..frames {
            out.push(left.pending.pop_front().unwrap_or(0));
            out.push(right.pending.pop_front().unwrap_or(0));
        }
        self.emitted = target;
        out
    }
}

/// Where a packet with RTP timestamp `ts` lands, anchoring or re-anchoring
/// its stream as the module documentation says; `None` for a reordered
/// packet whose timestamp fits nowhere near the stream.
#[allow(clippy::too_many_arguments)]
fn place(
    stream: &mut Stream,
    ts: u32,
    clock_rate: u32,
    arrival: Millis,
    arrival_pos: i64,
    advanced: bool,
    config: &RecorderConfig,
    stats: &mut ChannelStats,
) -> Option<i64> {
    let ssrc = stream.ssrc;
    let Some(timing) = stream
        .timing
        .as_mut()
        .filter(|t| t.clock_rate == clock_rate)
    else {
        if !advanced && stream.timing.is_some() {
            return None;
        }
        if stream.timing.is_none() {
            stats.streams += 1;
        } else {
            stats.reanchors += 1;
        }
        stream.timing = Some(Timing::anchored(clock_rate, ts, arrival_pos));
        return Some(arrival_pos);
    };

    let ticks = i64::from(ts.wrapping_sub(timing.ref_ts) as i32);
    let mut pos = timing.ref_pos + ticks * i64::from(SAMPLE_RATE) / i64::from(clock_rate);
    let lateness = arrival_pos - pos;
    let ms = |samples: i64| samples / PER_MS as i64;
    let max_jump = (config.max_jump_ms * PER_MS) as i64;
    let max_early = (config.max_drift_ms * PER_MS) as i64;

    if !advanced {
        // A stale packet never moves the anchor; absurd timestamps are dropped.
        return (lateness.abs() <= max_jump).then_some(pos);
    }
    if lateness.abs() > max_jump || lateness < -max_early {
        tracing::debug!(
            ssrc,
            lateness_ms = ms(lateness),
            "RTP timestamps disagree with arrival time; re-anchoring the stream"
        );
        stats.reanchors += 1;
        *timing = Timing::anchored(clock_rate, ts, arrival_pos);
        return Some(arrival_pos);
    }

    // Watch for a stream falling steadily behind (slow sender clock).
    if timing.window_packets == 0 {
        timing.window_start = arrival;
        timing.window_min = lateness;
    } else {
        timing.window_min = timing.window_min.min(lateness);
    }
    timing.window_packets += 1;
    if timing.window_packets >= LATENESS_WINDOW_PACKETS
        && arrival.saturating_sub(timing.window_start) >= LATENESS_WINDOW_MS
    {
        let tolerated = (config.jitter_allowance_ms * PER_MS / 2) as i64;
        if timing.window_min > tolerated {
            tracing::debug!(
                ssrc,
                behind_ms = ms(timing.window_min),
                "RTP stream falls behind the call clock; moving it later"
            );
            stats.reanchors += 1;
            timing.ref_pos += timing.window_min;
            pos += timing.window_min;
        }
        timing.window_packets = 0;
    }
    if ticks > 0 {
        timing.ref_ts = ts;
        timing.ref_pos = pos;
    }
    Some(pos)
}

enum Written {
    All,
    Part,
    None,
}

/// The stream of `ssrc`, created (and the oldest forgotten) if new.
fn stream_of<'s>(
    streams: &'s mut Vec<Stream>,
    retired_lost: &mut u64,
    ssrc: u32,
) -> &'s mut Stream {
    if let Some(i) = streams.iter().position(|s| s.ssrc == ssrc) {
        let stream = streams.remove(i);
        streams.push(stream);
    } else {
        if streams.len() == MAX_STREAMS {
            let old = streams.remove(0);
            *retired_lost += old.seq.lost();
        }
        streams.push(Stream {
            ssrc,
            seq: SeqTracker::default(),
            timing: None,
        });
    }
    let last = streams.len() - 1;
    &mut streams[last]
}

impl ChannelState {
    /// Puts samples at timeline frame `pos`, keeping what is not final yet.
    fn write(&mut self, pos: i64, samples: &[i16], emitted: u64) -> Written {
        let emitted = emitted as i64;
        let end = pos + samples.len() as i64;
        if end <= emitted {
            return if samples.is_empty() {
                Written::All
            } else {
                Written::None
            };
        }
        let skip = (emitted - pos).max(0) as usize;
        let offset = (pos + skip as i64 - emitted) as usize;
        let samples = &samples[skip..];
        let needed = offset + samples.len();
        if self.pending.len() < needed {
            self.pending.resize(needed, 0);
        }
        for (slot, &sample) in self.pending.range_mut(offset..needed).zip(samples) {
            *slot = sample;
        }
        if skip > 0 {
            Written::Part
        } else {
            Written::All
        }
    }
}

#[cfg(test)]
mod tests;
