//! The end-to-end harness checked against itself, no Earshot involved: the pcap writer against
//! tshark, sipp peers against each other with tshark judging the wire, the digest REGISTER
//! scenario against a sipp registrar, and the recording checks against WAVs made here.
//!
//! Needs sipp, tshark, espeak-ng and sox (`scripts/deps --test`), and root (or CAP_NET_RAW)
//! for the loopback capture and sipp's pcap playback.

mod support;

use std::net::SocketAddr;
use std::process::Command;
use std::time::Duration;

use earshot_audio::{encode_wav, Audio, Encoding};
use support::audio::{self, correlate, rms, silent, through_codec, to_f32};
use support::pcap::{Codec, RtpStream, PCAP_PORT};
use support::sipp::{self, free_media_port, free_port, Sipp, Transport};
use support::tshark::{port_filter, Capture, CaptureFile};

fn local(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

/// PCMU chirp, DTMF '1', DTMF '#', then PCMA tones: every kind of segment on one timeline.
fn mixed_stream() -> RtpStream {
    let mut s = RtpStream::new(0x1234_5678);
    s.audio(0, Codec::Pcmu, &audio::chirp(1000, 300.0, 3000.0, 0.5))
        .unwrap()
        .dtmf(1000, '1', 100)
        .unwrap()
        .dtmf(1200, '#', 60)
        .unwrap()
        .audio(
            1400,
            Codec::Pcma,
            &audio::tones(&[(440.0, 200), (880.0, 200)], 0.4),
        )
        .unwrap();
    s
}

#[test]
fn pcap_writer_output_decodes_as_rtp_and_dtmf() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mixed.pcap");
    let stream = mixed_stream();
    // 50 audio + (5 updates + 2 more end packets) + (3 + 2) + 20 audio.
    assert_eq!(stream.packets().len(), 50 + 7 + 5 + 20);
    stream.write_pcap(&path).unwrap();

    let file = CaptureFile::open(&path).rtp_ports(&[PCAP_PORT]);
    let packets = file.rtp_packets().unwrap();
    assert_eq!(packets.len(), 82, "every packet decodes as RTP");
    for (seen, sent) in packets.iter().zip(stream.packets()) {
        assert_eq!(
            (
                seen.seq,
                seen.timestamp,
                seen.ssrc,
                seen.payload_type,
                seen.marker
            ),
            (
                sent.seq,
                sent.timestamp,
                sent.ssrc,
                sent.payload_type,
                sent.marker
            )
        );
        assert!(
            (seen.time - sent.at_ms as f64 / 1000.0).abs() < 1e-6,
            "packet {} at {} s, written for {} ms",
            sent.seq,
            seen.time,
            sent.at_ms
        );
    }
    let payloads: Vec<Vec<u8>> = packets.iter().map(|p| p.payload.clone()).collect();
    assert_eq!(payloads, stream.payloads());
    // The first audio packet has 160 samples, the first DTMF packet 4 bytes.
    assert_eq!(payloads[0].len(), 160);
    assert_eq!(
        payloads[50],
        vec![1, 10, 0, 160],
        "'1', not end, volume 10, 160 samples"
    );
    assert_eq!(
        payloads[56],
        vec![1, 0x80 | 10, 0x03, 0x20],
        "third end packet, 800 samples"
    );

    let streams = file.rtp_streams().unwrap();
    assert_eq!(streams.len(), 1, "{streams:?}");
    assert_eq!(streams[0].packets, 82);
    assert_eq!(streams[0].lost, 0);
    assert_eq!(
        streams[0].payload_types.iter().copied().collect::<Vec<_>>(),
        vec![0, 8, 101]
    );

    let events = file.dtmf_events().unwrap();
    let summary: Vec<(char, u32, usize, usize, u32)> = events
        .iter()
        .map(|e| (e.digit, e.duration, e.end_packets, e.packets, e.timestamp))
        .collect();
    // Timestamps: 160 000 + 8 samples per ms of event start.
    assert_eq!(
        summary,
        vec![
            ('1', 800, 3, 7, 160_000 + 8000),
            ('#', 480, 3, 5, 160_000 + 9600)
        ]
    );
    assert!((events[0].time - 1.0).abs() < 1e-6);

    // Lengths and checksums as Wireshark checks them.
    let out = Command::new("tshark")
        .arg("-r")
        .arg(&path)
        .args(["-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE"])
        .args(["-Y", "_ws.malformed || _ws.expert.severity >= warning || ip.checksum.status != 1 || udp.checksum.status != 1"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "",
        "packets Wireshark flags"
    );
}

#[test]
fn overlapping_segments_are_refused() {
    let mut s = RtpStream::new(1);
    s.audio(0, Codec::Pcmu, &[0; 800]).unwrap(); // 5 packets: until 100 ms
    assert!(s.dtmf(80, '5', 100).is_err());
    assert!(s.dtmf(100, 'x', 100).is_err(), "not a digit");
    s.dtmf(100, '*', 40).unwrap();
    assert_eq!(s.end_ms(), 100 + 4 * 20, "2 updates + 2 more end packets");
}

/// sipp UAC and UAS talk directly; tshark checks the SIP flow and that each side's RTP arrives
/// byte for byte, from the sender's `-mp` port.
#[test]
fn sipp_caller_and_agent_exchange_sip_and_media() {
    let dir = tempfile::tempdir().unwrap();
    let (agent_port, caller_port) = (free_port().unwrap(), free_port().unwrap());
    let (agent_media, caller_media) = (free_media_port().unwrap(), free_media_port().unwrap());

    let mut caller_rtp = RtpStream::new(0xca11_e600);
    caller_rtp
        .audio(0, Codec::Pcmu, &audio::chirp(1500, 200.0, 3400.0, 0.5))
        .unwrap()
        .dtmf(1500, '5', 100)
        .unwrap();
    let mut agent_rtp = RtpStream::new(0xa6e7_0001);
    agent_rtp
        .audio(
            0,
            Codec::Pcmu,
            &audio::tones(&[(500.0, 500), (1200.0, 500)], 0.5),
        )
        .unwrap();
    let caller_pcap = dir.path().join("caller.pcap");
    let agent_pcap = dir.path().join("agent.pcap");
    caller_rtp.write_pcap(&caller_pcap).unwrap();
    agent_rtp.write_pcap(&agent_pcap).unwrap();

    let agent_xml = sipp::write_scenario(
        dir.path(),
        "agent",
        &[
            ("user", "alice"),
            ("ring_ms", "200"),
            ("pcap", agent_pcap.to_str().unwrap()),
        ],
    )
    .unwrap();
    let caller_xml = sipp::write_scenario(
        dir.path(),
        "caller",
        &[
            ("from_user", "15550001"),
            ("to_user", "support"),
            ("pcap", caller_pcap.to_str().unwrap()),
            ("hold_ms", "2300"),
        ],
    )
    .unwrap();

    let capture_file = dir.path().join("wire.pcapng");
    let capture = Capture::start(
        &capture_file,
        &port_filter(&[agent_port, caller_port, agent_media, caller_media]),
    )
    .unwrap();
    let timeout = Duration::from_secs(15);
    let mut agent = Sipp::new(&agent_xml, agent_port)
        .media_port(agent_media)
        .timeout(timeout)
        .spawn()
        .unwrap();
    agent.wait_listening(Duration::from_secs(5)).unwrap();
    let caller = Sipp::new(&caller_xml, caller_port)
        .media_port(caller_media)
        .remote(local(agent_port))
        .timeout(timeout)
        .run()
        .unwrap();
    let agent = agent.wait().unwrap();
    let wire = capture
        .stop()
        .unwrap()
        .rtp_ports(&[agent_media, caller_media]);
    caller.ensure_success("caller").unwrap();
    agent.ensure_success("agent").unwrap();

    let sip = wire.sip_messages().unwrap();
    let flow: Vec<(String, SocketAddr)> = sip.iter().map(|m| (m.kind.label(), m.src)).collect();
    let (c, a) = (local(caller_port), local(agent_port));
    let expected = [
        ("INVITE", c),
        ("180", a),
        ("200", a),
        ("ACK", c),
        ("BYE", c),
        ("200", a),
    ];
    assert_eq!(
        flow,
        expected.map(|(l, s)| (l.to_string(), s)).to_vec(),
        "SIP flow on the wire"
    );
    assert!(
        sip.iter().all(|m| m.call_id == sip[0].call_id),
        "one dialog"
    );
    assert_eq!(sip[5].cseq, "2 BYE");
    let ack_time = sip[3].time;

    let (cm, am) = (local(caller_media), local(agent_media));
    assert_eq!(
        wire.rtp_payloads(cm, am).unwrap(),
        caller_rtp.payloads(),
        "caller → agent RTP"
    );
    assert_eq!(
        wire.rtp_payloads(am, cm).unwrap(),
        agent_rtp.payloads(),
        "agent → caller RTP"
    );
    let streams = wire.rtp_streams().unwrap();
    assert_eq!(streams.len(), 2, "{streams:?}");
    for s in &streams {
        assert_eq!(s.lost, 0, "{s:?}");
        assert!(s.first_time >= ack_time, "RTP before the ACK: {s:?}");
    }
    let from_caller = streams.iter().find(|s| s.src == cm).unwrap();
    assert_eq!(
        (from_caller.ssrc, from_caller.packets),
        (0xca11_e600, 75 + 7)
    );
    // sipp keeps the pcap's timing: 1.64 s from first to last packet.
    let span = from_caller.last_time - from_caller.first_time;
    assert!((1.5..1.8).contains(&span), "caller stream spans {span} s");

    let dtmf = wire.dtmf_events().unwrap();
    assert_eq!(dtmf.len(), 1, "{dtmf:?}");
    assert_eq!(
        (dtmf[0].digit, dtmf[0].src, dtmf[0].duration),
        ('5', cm, 800)
    );
    let dtmf_offset = dtmf[0].time - from_caller.first_time;
    assert!(
        (1.45..1.6).contains(&dtmf_offset),
        "DTMF {dtmf_offset} s into the stream"
    );
}

/// Over TCP, the agent hangs up first: the BYE comes from the agent and the caller answers it.
#[test]
fn sipp_agent_hangs_up_first_over_tcp() {
    let dir = tempfile::tempdir().unwrap();
    let (agent_port, caller_port) = (free_port().unwrap(), free_port().unwrap());
    let (agent_media, caller_media) = (free_media_port().unwrap(), free_media_port().unwrap());
    let mut rtp = RtpStream::new(7);
    rtp.audio(0, Codec::Pcmu, &audio::chirp(400, 500.0, 1500.0, 0.5))
        .unwrap();
    let pcap = dir.path().join("both.pcap");
    rtp.write_pcap(&pcap).unwrap();
    let pcap = pcap.to_str().unwrap();

    let agent_xml = sipp::write_scenario(
        dir.path(),
        "agent_hangup",
        &[
            ("user", "bob"),
            ("ring_ms", "0"),
            ("pcap", pcap),
            ("talk_ms", "700"),
        ],
    )
    .unwrap();
    let caller_xml = sipp::write_scenario(
        dir.path(),
        "caller_await_bye",
        &[
            ("from_user", "15550002"),
            ("to_user", "sales"),
            ("pcap", pcap),
        ],
    )
    .unwrap();
    let capture = Capture::start(
        &dir.path().join("wire.pcapng"),
        &port_filter(&[agent_port, caller_port, agent_media, caller_media]),
    )
    .unwrap();
    let timeout = Duration::from_secs(10);
    let mut agent = Sipp::new(&agent_xml, agent_port)
        .media_port(agent_media)
        .transport(Transport::Tcp)
        .timeout(timeout)
        .spawn()
        .unwrap();
    agent.wait_listening(Duration::from_secs(5)).unwrap();
    let caller = Sipp::new(&caller_xml, caller_port)
        .media_port(caller_media)
        .transport(Transport::Tcp)
        .remote(local(agent_port))
        .timeout(timeout)
        .run()
        .unwrap();
    let agent = agent.wait().unwrap();
    let wire = capture
        .stop()
        .unwrap()
        .rtp_ports(&[agent_media, caller_media])
        .sip_tcp_ports(&[agent_port]);
    caller.ensure_success("caller").unwrap();
    agent.ensure_success("agent").unwrap();

    let flow: Vec<String> = wire
        .sip_messages()
        .unwrap()
        .iter()
        .map(|m| format!("{} {}", m.kind.label(), m.src.port()))
        .collect();
    let (c, a) = (caller_port, agent_port);
    assert_eq!(
        flow,
        [
            format!("INVITE {c}"),
            format!("180 {a}"),
            format!("200 {a}"),
            format!("ACK {c}"),
            format!("BYE {a}"),
            format!("200 {c}"),
        ]
    );
    let (cm, am) = (local(caller_media), local(agent_media));
    assert_eq!(wire.rtp_payloads(am, cm).unwrap(), rtp.payloads());
    assert_eq!(wire.rtp_payloads(cm, am).unwrap(), rtp.payloads());
}

#[test]
fn register_answers_the_digest_challenge() {
    let dir = tempfile::tempdir().unwrap();
    let run = |password_sent: &str| {
        let registrar_port = free_port().unwrap();
        let phone_port = free_port().unwrap();
        let sub = tempfile::tempdir_in(dir.path()).unwrap();
        let registrar_xml = sipp::write_scenario(
            sub.path(),
            "registrar",
            &[("user", "alice"), ("password", "s3cret")],
        )
        .unwrap();
        let phone_xml = sipp::write_scenario(
            sub.path(),
            "register",
            &[
                ("user", "alice"),
                ("password", password_sent),
                ("contact_port", &phone_port.to_string()),
                ("expires", "60"),
            ],
        )
        .unwrap();
        let timeout = Duration::from_secs(5);
        let mut registrar = Sipp::new(&registrar_xml, registrar_port)
            .timeout(timeout)
            .spawn()
            .unwrap();
        registrar.wait_listening(Duration::from_secs(5)).unwrap();
        let phone = Sipp::new(&phone_xml, phone_port)
            .remote(local(registrar_port))
            .timeout(timeout)
            .run()
            .unwrap();
        (phone, registrar.wait().unwrap())
    };

    let (phone, registrar) = run("s3cret");
    phone.ensure_success("register").unwrap();
    registrar.ensure_success("registrar").unwrap();
    assert!(phone
        .messages
        .contains("WWW-Authenticate: Digest realm=\"earshot\""));
    assert!(phone
        .messages
        .contains("Authorization: Digest username=\"alice\""));

    let (phone, registrar) = run("wrong");
    assert!(
        !phone.success(),
        "a wrong password must not register:\n{phone}"
    );
    assert!(
        !registrar.success(),
        "the registrar must reject it:\n{registrar}"
    );
    assert!(phone.messages.contains("403 Forbidden"), "{phone}");
}

#[test]
fn recording_checks_find_audio_where_it_was_put() {
    let dir = tempfile::tempdir().unwrap();
    let chirp = audio::chirp(1000, 300.0, 3000.0, 0.5);
    let tones = audio::tones(&[(700.0, 300), (1100.0, 300)], 0.5);
    // Left: 500 ms silence, the chirp through PCMU, silence to 3 s. Right: tones at 1.2 s.
    let mut left = vec![0.0; 4000];
    left.extend(through_codec(Codec::Pcmu, &chirp));
    left.resize(24_000, 0.0);
    let mut right = vec![0.0; 9600];
    right.extend(to_f32(&tones));
    right.resize(24_000, 0.0);
    // Written at 16 kHz to exercise the resampling on load.
    let stereo = Audio::stereo(8000, left, right).resampled(16_000);
    let wav = dir.path().join("call.wav");
    std::fs::write(&wav, encode_wav(&stereo, Encoding::PCM16)).unwrap();

    let rec = audio::load_wav(&wav).unwrap();
    assert_eq!(rec.channels.len(), 2);
    assert!(
        rec.duration_ms().abs_diff(3000) <= 1,
        "{} ms",
        rec.duration_ms()
    );

    let chirp_f = to_f32(&chirp);
    let found = correlate(rec.left(), &chirp_f, -200..2000).unwrap();
    assert!((found.lag_ms - 500.0).abs() <= 0.5, "{found:?}");
    assert!(found.coefficient > 0.95, "{found:?}");
    let found = correlate(rec.right(), &to_f32(&tones), 0..2500).unwrap();
    assert!((found.lag_ms - 1200.0).abs() <= 0.5, "{found:?}");
    let stray = correlate(rec.right(), &chirp_f, 0..2000).unwrap();
    assert!(
        stray.coefficient < 0.3,
        "the chirp is not on the right channel: {stray:?}"
    );

    assert!(silent(rec.left(), 0..450));
    assert!(!silent(rec.left(), 600..1400));
    assert!(silent(rec.right(), 0..1150));
    assert!(
        !silent(rec.right(), 2000..3100),
        "past the end is absent, not silent"
    );
    let loud = rms(rec.left(), 600..1400);
    assert!(
        (0.3..0.4).contains(&loud),
        "a 0.5 sine has RMS 0.35: {loud}"
    );

    let speech = audio::speech("Thank you for calling", dir.path()).unwrap();
    assert!(speech.len() > 8000, "{} samples", speech.len());
    let speech_f = to_f32(&speech);
    let mut padded = vec![0.0; 2400];
    padded.extend(through_codec(Codec::Pcma, &speech));
    let found = correlate(&padded, &speech_f, 0..1000).unwrap();
    assert!(
        (found.lag_ms - 300.0).abs() <= 0.5 && found.coefficient > 0.9,
        "{found:?}"
    );
}
