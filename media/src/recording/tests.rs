use super::*;
use crate::codec::Codec;
use crate::dtmf;
use earshot_audio::g711;

const START: Millis = 50_000;
const CALLER_HZ: f64 = 400.0; // 16 zero crossings per 20 ms
const AGENT_HZ: f64 = 1000.0; // 40 zero crossings per 20 ms
const TE: u8 = 101;
const AGENT_PT: u8 = 96; // dynamic: PCMA only because the agent's SDP says so

fn tone(hz: f64, n: usize) -> i16 {
    (8000.0 * (2.0 * std::f64::consts::PI * hz * n as f64 / 8000.0).sin()).round() as i16
}

fn caller_map() -> PayloadMap {
    PayloadMap::new()
        .with(0, PayloadFormat::Audio(Codec::Pcmu))
        .with(TE, PayloadFormat::TelephoneEvent { clock_rate: 8000 })
}

fn agent_map() -> PayloadMap {
    PayloadMap::new().with(AGENT_PT, PayloadFormat::Audio(Codec::Pcma))
}

/// One packet as the network delivers it.
#[derive(Clone)]
struct Sent {
    arrival: Millis,
    channel: Channel,
    pt: u8,
    seq: u16,
    ts: u32,
    ssrc: u32,
    payload: Vec<u8>,
}

/// The samples of 20 ms packet `k` (timeline ms 20k..20k+20) of a tone.
fn tone_packet(hz: f64, k: usize) -> Vec<i16> {
    (k * 160..k * 160 + 160).map(|n| tone(hz, n)).collect()
}

/// Delivers packets in arrival order, pulling as the clock advances.
fn run(recorder: &mut CallRecorder, mut sent: Vec<Sent>, end: Millis) -> Vec<i16> {
    sent.sort_by_key(|s| s.arrival); // stable: equal arrivals keep their order
    let (caller, agent) = (caller_map(), agent_map());
    let mut out = Vec::new();
    for s in &sent {
        out.extend(recorder.pull(s.arrival));
        let packet = RtpPacket::new(s.pt, s.seq, s.ts, s.ssrc, false, &s.payload);
        let map = if s.channel == Channel::Caller {
            &caller
        } else {
            &agent
        };
        recorder.push(s.channel, &packet, map, s.arrival);
    }
    out.extend(recorder.finish(end));
    out
}

fn channel(out: &[i16], ch: usize) -> Vec<i16> {
    out.iter().skip(ch).step_by(2).copied().collect()
}

/// Sign changes in a 20 ms window, as tone frequency: 400 Hz gives 15 or
/// 16 (depending on where the window starts), 1000 Hz 39 or 40.
fn zero_crossings(window: &[i16]) -> usize {
    let n = window
        .windows(2)
        .filter(|w| (w[0] < 0) != (w[1] < 0))
        .count();
    // Round to the nominal count for the two tones.
    match n {
        15 | 16 => 16,
        39 | 40 => 40,
        n => n,
    }
}

/// The main scenario: every impairment at once, on both legs, checked
/// sample by sample against where the audio must land.
#[test]
fn two_legs_with_loss_reordering_duplicates_hold_late_start_and_ssrc_change() {
    let end = START + 10_500;
    let frames = 10_500 * 8;
    let mut expected = [vec![0i16; frames], vec![0i16; frames]];
    let mut sent = Vec::new();
    let jitter = |k: usize| ((k * 37) % 5) as u64 * 10; // 0..=40 ms

    // Caller: PCMU from t=0, seq wrapping, DTMF at 2.0 s, hold 4..6 s.
    let (ssrc, seq0, ts0) = (0x1111, 65_500u16, 123_456u32);
    let mut seq = seq0;
    let mut ts_samples = 0u32; // RTP time of the stream, which stops during hold
    for k in 0..500usize {
        let on_hold = (200..300).contains(&k);
        if on_hold {
            continue;
        }
        let ts = ts0.wrapping_add(ts_samples);
        ts_samples += 160;
        let this_seq = seq;
        seq = seq.wrapping_add(1);
        let anchor = k == 0 || k == 300;
        let mut arrival = START + 20 * k as u64 + if anchor { 0 } else { jitter(k) };
        match k {
            50 => continue,        // lost
            60 => arrival += 30,   // overtaken by 61
            150 => arrival += 400, // too late to record
            100..=104 => {
                // The key press replaces the audio; all carry ts of k=100.
                let press = dtmf::encode_digit('5', 100, 10).unwrap();
                let event = press[(k - 100).min(press.len() - 1)];
                let ts100 = ts0.wrapping_add(100 * 160);
                sent.push(Sent {
                    arrival,
                    channel: Channel::Caller,
                    pt: TE,
                    seq: this_seq,
                    ts: ts100,
                    ssrc,
                    payload: event.to_bytes().to_vec(),
                });
                continue;
            }
            _ => {}
        }
        let samples = tone_packet(CALLER_HZ, k);
        let payload = g711::encode_ulaw(&samples);
        if k != 150 {
            for (i, b) in payload.iter().enumerate() {
                expected[0][k * 160 + i] = g711::ulaw_to_linear(*b);
            }
        }
        let packet = Sent {
            arrival,
            channel: Channel::Caller,
            pt: 0,
            seq: this_seq,
            ts,
            ssrc,
            payload,
        };
        if k == 70 {
            let mut dup = packet.clone();
            dup.arrival += 5;
            sent.push(dup);
        }
        sent.push(packet);
    }

    // Agent: answers at 2 s; at 7 s its media server switches SSRC (new
    // sequence and timestamp spaces, the timestamp wrapping soon after).
    for k in 100..500usize {
        let (ssrc, seq, ts) = if k < 350 {
            (0x2222, 1000 + k as u16, 5_000_000 + 160 * k as u32)
        } else {
            (
                0x3333,
                7 + k as u16,
                (u32::MAX - 5_000).wrapping_add(160 * (k as u32 - 350)),
            )
        };
        let anchor = k == 100 || k == 350;
        let mut arrival = START + 20 * k as u64 + if anchor { 0 } else { jitter(k) };
        if k == 349 {
            arrival = START + 20 * 350 + 10; // the old stream's last packet, after the switch
        }
        let samples = tone_packet(AGENT_HZ, k);
        let payload = g711::encode_alaw(&samples);
        for (i, b) in payload.iter().enumerate() {
            expected[1][k * 160 + i] = g711::alaw_to_linear(*b);
        }
        sent.push(Sent {
            arrival,
            channel: Channel::Agent,
            pt: AGENT_PT,
            seq,
            ts,
            ssrc,
            payload,
        });
    }

    let mut recorder = CallRecorder::new(START, RecorderConfig::default());
    let out = run(&mut recorder, sent, end);

    assert_eq!(
        out.len(),
        2 * frames,
        "the recording lasts exactly as long as the call"
    );
    for (ch, expected) in expected.iter().enumerate() {
        let got = channel(&out, ch);
        if let Some(n) = (0..frames).find(|&n| got[n] != expected[n]) {
            panic!(
                "channel {ch} differs first at sample {n} ({} ms): got {}, expected {}",
                n / 8,
                got[n],
                expected[n]
            );
        }
    }

    // The same, said the way a listener would check it.
    let caller = channel(&out, 0);
    let agent = channel(&out, 1);
    let window = |samples: &[i16], ms: usize| samples[ms * 8..ms * 8 + 160].to_vec();
    let silent = |w: &[i16]| w.iter().all(|s| *s == 0);
    assert_eq!(zero_crossings(&window(&caller, 500)), 16);
    assert_eq!(zero_crossings(&window(&agent, 3000)), 40);
    assert!(silent(&window(&caller, 1000)), "lost packet");
    assert!(silent(&window(&caller, 2040)), "DTMF is not audio");
    assert!(silent(&window(&caller, 3000)), "late packet");
    assert!(
        (4000..6000)
            .step_by(20)
            .all(|ms| silent(&window(&caller, ms))),
        "hold"
    );
    assert_eq!(
        zero_crossings(&window(&caller, 6000)),
        16,
        "resumes on time after hold"
    );
    assert!(
        (0..2000).step_by(20).all(|ms| silent(&window(&agent, ms))),
        "agent not yet there"
    );
    assert_eq!(
        zero_crossings(&window(&agent, 2000)),
        40,
        "agent starts on time"
    );
    assert_eq!(
        zero_crossings(&window(&agent, 6980)),
        40,
        "old SSRC's last packet kept"
    );
    assert_eq!(
        zero_crossings(&window(&agent, 7000)),
        40,
        "new SSRC on time"
    );
    assert!((10_000..10_500)
        .step_by(20)
        .all(|ms| silent(&window(&caller, ms)) && silent(&window(&agent, ms))));

    let caller_stats = recorder.stats(Channel::Caller);
    assert_eq!(
        caller_stats.packets,
        400 - 1 + 1,
        "400 sent, one lost, one duplicated"
    );
    assert_eq!(caller_stats.lost, 1);
    assert_eq!(caller_stats.duplicates, 1);
    assert_eq!(caller_stats.late, 1);
    assert_eq!(caller_stats.not_audio, 5);
    assert_eq!(
        caller_stats.reanchors, 1,
        "the timestamp did not run on during hold"
    );
    assert_eq!(caller_stats.bytes, (400 - 1 + 1 - 5) * 160 + 5 * 4);
    let agent_stats = recorder.stats(Channel::Agent);
    assert_eq!(agent_stats.packets, 400);
    assert_eq!(agent_stats.streams, 2);
    assert_eq!(
        (agent_stats.lost, agent_stats.late, agent_stats.reanchors),
        (0, 0, 0)
    );
}

fn constant_packet(seq: u16, ts: u32) -> (u16, u32, Vec<u8>) {
    (seq, ts, g711::encode_ulaw(&[1000; 160]))
}

/// A sender whose clock runs 1 % off, for a minute; returns the output's
/// caller channel, the stats and the last arrival.
fn drifting(packet_interval_tenths_ms: u64) -> (Vec<i16>, ChannelStats, Millis) {
    let mut recorder = CallRecorder::new(START, RecorderConfig::default());
    let map = caller_map();
    let mut out = Vec::new();
    let mut last = START;
    for k in 0..3000u64 {
        let arrival = START + k * packet_interval_tenths_ms / 10 + (k * 7 % 3) * 5;
        let (seq, ts, payload) = constant_packet(k as u16, 160 * k as u32);
        out.extend(recorder.pull(arrival));
        let packet = RtpPacket::new(0, seq, ts, 9, false, &payload);
        recorder.push(Channel::Caller, &packet, &map, arrival);
        last = arrival;
    }
    let end = last + 200;
    out.extend(recorder.finish(end));
    assert_eq!(out.len() as u64, 2 * 8 * (end - START));
    (channel(&out, 0), recorder.stats(Channel::Caller), last)
}

fn last_sound_ms(samples: &[i16]) -> u64 {
    samples.iter().rposition(|s| *s != 0).unwrap() as u64 / 8
}

#[test]
fn a_fast_sender_clock_is_reanchored_not_left_to_drift() {
    // 20 ms of audio every 19.8 ms: 600 ms ahead after a minute.
    let (caller, stats, last) = drifting(198);
    assert!((1..=3).contains(&stats.reanchors), "{stats:?}");
    assert_eq!(stats.late, 0);
    // The audio ends within the drift limit of when it arrived.
    let lands = last_sound_ms(&caller) as i64;
    let arrived = (last - START + 20) as i64;
    assert!(
        (lands - arrived).abs() <= 300,
        "lands {lands} ms, arrived {arrived} ms"
    );
    // Nothing is missing: overlapping re-anchors overwrite, never leave gaps.
    let first = caller.iter().position(|s| *s != 0).unwrap();
    assert!(caller[first..=last_sound_ms(&caller) as usize * 8]
        .iter()
        .all(|s| *s != 0));
}

#[test]
fn a_slow_sender_clock_never_makes_packets_late() {
    // 20 ms of audio every 20.2 ms: 600 ms behind after a minute.
    let (caller, stats, last) = drifting(202);
    assert_eq!(stats.late, 0, "{stats:?}");
    assert!((5..=20).contains(&stats.reanchors), "{stats:?}");
    let lands = last_sound_ms(&caller) as i64;
    let arrived = (last - START + 20) as i64;
    assert!(
        (arrived - lands).abs() <= 120,
        "lands {lands} ms, arrived {arrived} ms"
    );
}

#[test]
fn pull_returns_only_final_audio() {
    let mut r = CallRecorder::new(1000, RecorderConfig::default());
    let map = caller_map();
    let (seq, ts, payload) = constant_packet(1, 0);
    let p = RtpPacket::new(0, seq, ts, 5, false, &payload);
    assert_eq!(
        r.push(Channel::Caller, &p, &map, 1000),
        PushOutcome::Recorded
    );
    assert!(r.pull(1100).is_empty(), "within the jitter allowance");
    let first = r.pull(1130);
    assert_eq!(first.len(), 2 * 80, "10 ms became final");
    assert!(first.chunks(2).all(|f| f[0] != 0 && f[1] == 0));

    // A packet for time already returned is late; for later time, recorded.
    let (seq, ts, payload) = constant_packet(0, 0u32.wrapping_sub(160));
    let stale = RtpPacket::new(0, seq, ts, 5, false, &payload);
    assert_eq!(
        r.push(Channel::Caller, &stale, &map, 1131),
        PushOutcome::Late
    );
    assert_eq!(r.stats(Channel::Caller).late, 1);

    let rest = r.finish(1500);
    assert_eq!((first.len() + rest.len()) / 2, 500 * 8);
    assert_eq!(rest.iter().step_by(2).filter(|s| **s != 0).count(), 80);
    assert_eq!(
        r.push(Channel::Caller, &p, &map, 1200),
        PushOutcome::AfterFinish
    );
    assert!(r.pull(5000).is_empty());
}

#[test]
fn decoding_follows_the_payload_map() {
    let mut r = CallRecorder::new(0, RecorderConfig::default());
    let payload = [0x00u8; 160];
    let pcmu = PayloadMap::new().with(0, PayloadFormat::Audio(Codec::Pcmu));
    let remapped = PayloadMap::new().with(0, PayloadFormat::Audio(Codec::Pcma));
    let g722 = PayloadMap::new().with(9, PayloadFormat::Audio(Codec::G722));
    r.push(
        Channel::Caller,
        &RtpPacket::new(0, 1, 0, 1, false, &payload),
        &pcmu,
        0,
    );
    r.push(
        Channel::Agent,
        &RtpPacket::new(0, 1, 0, 2, false, &payload),
        &remapped,
        0,
    );
    assert_eq!(
        r.push(
            Channel::Agent,
            &RtpPacket::new(8, 2, 160, 2, false, &payload),
            &remapped,
            20
        ),
        PushOutcome::UnknownPayloadType
    );
    assert_eq!(
        r.push(
            Channel::Caller,
            &RtpPacket::new(9, 2, 160, 1, false, &payload),
            &pcmu,
            20
        ),
        PushOutcome::UnknownPayloadType,
        "the caller's map has no 9"
    );
    assert_eq!(
        r.push(
            Channel::Agent,
            &RtpPacket::new(9, 3, 320, 2, false, &payload),
            &g722,
            40
        ),
        PushOutcome::NotAudio
    );
    let out = r.finish(60);
    assert_eq!(out[0], g711::ulaw_to_linear(0));
    assert_eq!(out[1], g711::alaw_to_linear(0));
    assert_ne!(out[0], out[1]);
    assert!(out[2 * 160..].iter().all(|s| *s == 0));
    assert_eq!(r.stats(Channel::Agent).unknown_payload_type, 1);
    assert_eq!(r.stats(Channel::Agent).not_audio, 1);
}

#[test]
fn a_forward_timestamp_jump_lands_at_arrival() {
    let mut r = CallRecorder::new(0, RecorderConfig::default());
    let map = caller_map();
    let (_, _, payload) = constant_packet(0, 0);
    r.push(
        Channel::Caller,
        &RtpPacket::new(0, 1, 0, 1, false, &payload),
        &map,
        0,
    );
    // Next packet 20 ms later, but its timestamp claims an hour passed.
    r.push(
        Channel::Caller,
        &RtpPacket::new(0, 2, 8000 * 3600, 1, false, &payload),
        &map,
        20,
    );
    // And the stream continues from the new timestamp.
    r.push(
        Channel::Caller,
        &RtpPacket::new(0, 3, 8000 * 3600 + 160, 1, false, &payload),
        &map,
        40,
    );
    let out = channel(&r.finish(100), 0);
    assert_eq!(out.len(), 800);
    assert!(out[..480].iter().all(|s| *s != 0));
    assert!(out[480..].iter().all(|s| *s == 0));
    assert_eq!(r.stats(Channel::Caller).reanchors, 1);
}

#[test]
fn hostile_packets_do_not_blow_up_the_buffer() {
    let mut r = CallRecorder::new(0, RecorderConfig::default());
    let map = caller_map();
    let mut state = 0xDEAD_BEEF_u32;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        state
    };
    let payload = [0x55u8; 160];
    let mut frames = 0;
    for i in 0..20_000u64 {
        let p = RtpPacket::new(
            (next() % 3) as u8 * 50,
            next() as u16,
            next(),
            next() % 3,
            false,
            &payload,
        );
        r.push(Channel::Agent, &p, &map, i);
        frames += r.pull(i).len() / 2;
        // Nothing lands more than the drift limit past its arrival.
        assert!(r.channels[1].pending.len() <= ((120 + 1000) * 8 + 160) as usize);
    }
    frames += r.finish(20_000).len() / 2;
    assert_eq!(frames, 20_000 * 8);
}
