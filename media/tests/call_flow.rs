//! The pieces together, as the runtime uses them for one call: SDP offer
//! and answer, latching, RTP/RTCP demux, DTMF, a prompt to the caller, and
//! the recording written incrementally to a WAV file.

use std::net::SocketAddr;

use earshot_media::dtmf::{self, DtmfDetector};
use earshot_media::latch::{Latch, LatchDecision, LatchMode};
use earshot_media::prompt::{Prompt, PromptPlayer};
use earshot_media::rtp::{demux, Datagram, RtpSender};
use earshot_media::sdp::{negotiate, Direction, LocalMedia, SessionDescription};
use earshot_media::{CallRecorder, Channel, Codec, IncrementalWav, PayloadFormat, RecorderConfig};

const CALLER_OFFER: &str = "v=0\r\n\
o=- 8 1 IN IP4 198.51.100.7\r\n\
s=-\r\n\
c=IN IP4 198.51.100.7\r\n\
t=0 0\r\n\
m=audio 40000 RTP/AVP 8 101\r\n\
a=rtpmap:8 PCMA/8000\r\n\
a=rtpmap:101 telephone-event/8000\r\n\
a=fmtp:101 0-15\r\n\
a=sendrecv\r\n";

#[test]
fn one_call_end_to_end() {
    let start = 1_000_000;
    let local = LocalMedia {
        address: "203.0.113.5".parse().unwrap(),
        port: 20_000,
        session_id: 1,
        session_version: 1,
    };
    let offer = SessionDescription::parse(CALLER_OFFER).unwrap();
    let negotiated = negotiate(&offer, &Codec::SUPPORTED).unwrap();
    let answer = negotiated.answer(&local).to_string();
    assert!(answer.contains("m=audio 20000 RTP/AVP 8 101\r\n"));
    let caller_map = negotiated.payload_map();
    // The agent's softphone offers PCMU with a dynamic payload type.
    let agent_map = SessionDescription::parse(
        "v=0\no=- 1 1 IN IP4 10.1.1.1\ns=-\nc=IN IP4 10.1.1.1\nt=0 0\n\
         m=audio 5000 RTP/AVP 97\na=rtpmap:97 PCMU/8000\n",
    )
    .unwrap()
    .payload_map();
    assert_eq!(agent_map.get(97), Some(&PayloadFormat::Audio(Codec::Pcmu)));

    let mut latch = Latch::new(negotiated.remote, LatchMode::SdpAddress);
    let mut detector = DtmfDetector::new();
    let mut recorder = CallRecorder::new(start, RecorderConfig::default());
    let dir = tempfile::tempdir().unwrap();
    let mut wav = IncrementalWav::create(dir.path().join("call.wav")).unwrap();

    // The caller's phone: NATed port, 1 s of A-law, then the key '9'.
    let from: SocketAddr = "198.51.100.7:40002".parse().unwrap();
    let mut phone = RtpSender::new(0xCAFE, 8, 1, 0);
    let mut datagrams = Vec::new();
    for k in 0..50u64 {
        let payload = Codec::Pcma.encode(&[3000; 160]).unwrap();
        datagrams.push((start + 20 * k, phone.audio(&payload, 160).to_bytes()));
    }
    let press = dtmf::encode_digit('9', 60, 10).unwrap();
    for (i, event) in press.iter().enumerate() {
        let payload = event.to_bytes();
        let packet = phone.event(101, &payload, i == 0);
        datagrams.push((start + 1000 + 20 * i as u64, packet.to_bytes()));
    }
    // An RTCP receiver report on the same port.
    datagrams.push((start + 1100, vec![0x80, 201, 0, 1, 0, 0, 0xCA, 0xFE]));

    // The agent's softphone answers at 0.5 s.
    let mut softphone = RtpSender::new(0xBEEF, 97, 9, 9);
    let agent_packets: Vec<(u64, Vec<u8>)> = (25..75u64)
        .map(|k| {
            let payload = Codec::Pcmu.encode(&[-2000; 160]).unwrap();
            (start + 20 * k, softphone.audio(&payload, 160).to_bytes())
        })
        .collect();

    let mut keys = String::new();
    let mut rtcp = 0;
    let mut events: Vec<(u64, Channel, Vec<u8>)> = datagrams
        .into_iter()
        .map(|(t, d)| (t, Channel::Caller, d))
        .chain(
            agent_packets
                .into_iter()
                .map(|(t, d)| (t, Channel::Agent, d)),
        )
        .collect();
    events.sort_by_key(|e| e.0);
    for (now, channel, bytes) in &events {
        wav.append(&recorder.pull(*now)).unwrap();
        let map = match channel {
            Channel::Caller => {
                let decision = latch.on_packet(from);
                assert!(!matches!(decision, LatchDecision::Drop(_)));
                &caller_map
            }
            Channel::Agent => &agent_map,
        };
        match demux(bytes).unwrap() {
            Datagram::Rtcp(_) => rtcp += 1,
            Datagram::Rtp(packet) => {
                if Some(packet.payload_type) == map.telephone_event() {
                    if let Some(digit) = detector.push(packet.timestamp, packet.payload).unwrap() {
                        keys.push(digit.key);
                    }
                }
                recorder.push(*channel, &packet, map, *now);
            }
        }
        if *now >= start + 1000 {
            wav.sync().unwrap();
        }
    }
    assert_eq!(latch.latched(), Some(from));
    assert_eq!(keys, "9");
    assert_eq!(rtcp, 1);

    // We play a prompt back to the caller on our own stream.
    let prompt = Prompt::from_samples(vec![500; 400]).unwrap();
    let (pt, codec) = negotiated.primary();
    let mut player = PromptPlayer::new(prompt, codec).unwrap();
    let mut ours = RtpSender::new(0x5EED, pt, 100, 100);
    let sent = std::iter::from_fn(|| player.next_packet(&mut ours)).count();
    assert_eq!(sent, 3);

    // Hang up at 2 s.
    wav.append(&recorder.finish(start + 2000)).unwrap();
    let done = wav.finalize().unwrap();
    assert_eq!(done.frames, 16_000);
    assert_eq!(done.duration_ms, 2000);

    let mut reader = hound::WavReader::open(&done.path).unwrap();
    let samples: Vec<i16> = reader.samples::<i16>().map(Result::unwrap).collect();
    let caller: Vec<i16> = samples.iter().step_by(2).copied().collect();
    let agent: Vec<i16> = samples.iter().skip(1).step_by(2).copied().collect();
    let level = |s: &[i16]| s.iter().map(|x| i32::from(*x)).sum::<i32>() / s.len() as i32;
    // Caller speaks 0-1 s, then only a key press (not audio): silence.
    assert!((2900..=3100).contains(&level(&caller[..8000])));
    assert!(caller[8000..].iter().all(|s| *s == 0));
    // Agent from 0.5 s to 1.5 s.
    assert!(agent[..4000].iter().all(|s| *s == 0));
    assert!((-2100..=-1900).contains(&level(&agent[4000..12_000])));
    assert!(agent[12_000..].iter().all(|s| *s == 0));
    assert_eq!(
        recorder.stats(Channel::Caller).not_audio,
        press.len() as u64
    );

    // A hold re-INVITE from the caller.
    let hold = CALLER_OFFER.replace("c=IN IP4 198.51.100.7", "c=IN IP4 0.0.0.0");
    let hold = SessionDescription::parse(&hold).unwrap();
    let renegotiated = negotiate(&hold, &Codec::SUPPORTED).unwrap();
    assert_eq!(renegotiated.direction, Direction::RecvOnly);
    latch.sdp_changed(renegotiated.remote);
    assert_eq!(
        latch.remote(),
        Some(from),
        "keeps sending MOH to the latched port"
    );
}
