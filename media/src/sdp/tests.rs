use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use super::*;

const OFFER: &str = "v=0\r\n\
o=alice 2890844526 2890844527 IN IP4 198.51.100.7\r\n\
s=-\r\n\
c=IN IP4 198.51.100.7\r\n\
t=0 0\r\n\
m=audio 49170 RTP/AVP 8 0 18 101\r\n\
a=rtpmap:8 PCMA/8000\r\n\
a=rtpmap:18 G729/8000\r\n\
a=fmtp:18 annexb=no\r\n\
a=rtpmap:101 telephone-event/8000\r\n\
a=fmtp:101 0-15\r\n\
a=ptime:30\r\n\
a=rtcp-mux\r\n\
a=sendrecv\r\n";

fn local() -> LocalMedia {
    LocalMedia {
        address: IpAddr::V4(Ipv4Addr::new(203, 0, 113, 5)),
        port: 30000,
        session_id: 42,
        session_version: 1,
    }
}

#[test]
fn parses_a_typical_offer() {
    let sdp = SessionDescription::parse(OFFER).unwrap();
    assert_eq!(sdp.origin.username, "alice");
    assert_eq!(sdp.origin.session_version, 2_890_844_527);
    assert_eq!(
        sdp.connection,
        Some(IpAddr::V4(Ipv4Addr::new(198, 51, 100, 7)))
    );
    let audio = sdp.audio().unwrap();
    assert_eq!(audio.port, 49170);
    assert_eq!(
        audio.payload_types().collect::<Vec<_>>(),
        vec![8, 0, 18, 101]
    );
    assert_eq!(audio.ptime, Some(30));
    assert_eq!(audio.direction, Some(Direction::SendRecv));
    assert_eq!(audio.fmtp(101), Some("0-15"));
    assert_eq!(audio.attributes[0].name, "rtcp-mux");
    assert_eq!(
        sdp.audio_remote(),
        Some("198.51.100.7:49170".parse::<SocketAddr>().unwrap())
    );
    assert!(!sdp.is_hold());

    let map = sdp.payload_map();
    assert_eq!(
        map.get(0),
        Some(&PayloadFormat::Audio(Codec::Pcmu)),
        "static, no rtpmap"
    );
    assert_eq!(map.get(8), Some(&PayloadFormat::Audio(Codec::Pcma)));
    assert_eq!(map.telephone_event(), Some(101));
    assert!(
        matches!(map.get(18), Some(PayloadFormat::Other { encoding, .. }) if encoding == "G729")
    );
}

#[test]
fn rtpmap_overrides_a_static_payload_type() {
    // A (misbehaving but real) peer that sends A-law under payload type 0.
    let text = "v=0\no=- 1 1 IN IP4 10.0.0.1\ns=-\nc=IN IP4 10.0.0.1\nt=0 0\n\
                m=audio 4000 RTP/AVP 0\na=rtpmap:0 PCMA/8000\n";
    let sdp = SessionDescription::parse(text).unwrap();
    assert_eq!(
        sdp.payload_map().get(0),
        Some(&PayloadFormat::Audio(Codec::Pcma))
    );
}

#[test]
fn media_level_connection_and_hold_forms() {
    let text = "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n\
                m=audio 4000 RTP/AVP 0\r\nc=IN IP4 10.0.0.9\r\n";
    let sdp = SessionDescription::parse(text).unwrap();
    assert_eq!(sdp.audio_remote(), Some("10.0.0.9:4000".parse().unwrap()));

    // RFC 2543 hold: c=0.0.0.0.
    let hold = text.replace("c=IN IP4 10.0.0.9", "c=IN IP4 0.0.0.0");
    let sdp = SessionDescription::parse(&hold).unwrap();
    assert!(sdp.is_hold());
    assert_eq!(sdp.audio_remote(), None);
    assert_eq!(sdp.audio_direction(), Direction::SendOnly);

    // RFC 3264 hold: a=sendonly (session level applies to the stream).
    let sendonly = text.replace("t=0 0\r\n", "t=0 0\r\na=sendonly\r\n");
    let sdp = SessionDescription::parse(&sendonly).unwrap();
    assert!(sdp.is_hold());
    assert_eq!(sdp.audio_direction(), Direction::SendOnly);
    let inactive = format!("{text}a=inactive\r\n");
    let sdp = SessionDescription::parse(&inactive).unwrap();
    assert_eq!(sdp.audio_direction(), Direction::Inactive);
    assert!(sdp.is_hold());
}

#[test]
fn refuses_bad_sdp_with_a_reason() {
    let base = "v=0\no=- 1 1 IN IP4 10.0.0.1\ns=-\nc=IN IP4 10.0.0.1\nt=0 0\n";
    type Check = fn(&SdpError) -> bool;
    let cases: Vec<(String, Check)> = vec![
        ("".into(), |e| matches!(e, SdpError::BadVersion { .. })),
        ("v=1\n".into(), |e| matches!(e, SdpError::BadVersion { .. })),
        (base.into(), |e| *e == SdpError::NoAudio),
        (
            format!("{base}m=video 5000 RTP/AVP 96\na=rtpmap:96 H264/90000\n"),
            |e| *e == SdpError::NoAudio,
        ),
        (format!("{base}m=audio 70000 RTP/AVP 0\n"), |e| {
            matches!(e, SdpError::BadPort { line: 6, .. })
        }),
        (format!("{base}m=audio -1 RTP/AVP 0\n"), |e| {
            matches!(e, SdpError::BadPort { .. })
        }),
        (format!("{base}m=audio 4000 RTP/AVP 0 101\n"), |e| {
            *e == SdpError::MissingRtpMap { payload_type: 101 }
        }),
        (format!("{base}m=audio 4000 RTP/AVP 0 200\n"), |e| {
            matches!(e, SdpError::BadPayloadType { .. })
        }),
        (format!("{base}m=audio 4000 RTP/AVP\n"), |e| {
            matches!(e, SdpError::BadMediaLine { .. })
        }),
        (
            format!("{base}m=audio 4000 RTP/AVP 96\na=rtpmap:96 opus\n"),
            |e| matches!(e, SdpError::BadAttribute { name: "rtpmap", .. }),
        ),
        (
            format!("{base}m=audio 4000 RTP/AVP 0\na=ptime:abc\n"),
            |e| matches!(e, SdpError::BadAttribute { name: "ptime", .. }),
        ),
        (
            "v=0\no=- 1 1 IN IP4 10.0.0.1\nm=audio 4000 RTP/AVP 0\n".into(),
            |e| matches!(e, SdpError::MissingConnection { line: 3 }),
        ),
        ("v=0\ns=-\nm=audio 4000 RTP/AVP 0\n".into(), |e| {
            *e == SdpError::MissingOrigin
        }),
        ("v=0\no=- 1 IN IP4\n".into(), |e| {
            matches!(e, SdpError::BadOrigin { line: 2, .. })
        }),
        (format!("{base}c=IN IP4 pbx.example.com\n"), |e| {
            matches!(e, SdpError::BadConnection { .. })
        }),
        (format!("{base}c=IN IP6 10.0.0.1\n"), |e| {
            matches!(e, SdpError::BadConnection { .. })
        }),
        (format!("{base}garbage\n"), |e| {
            matches!(e, SdpError::MalformedLine { line: 6, .. })
        }),
        ("v=0\n".repeat(20_000), |e| {
            matches!(e, SdpError::TooLarge { .. })
        }),
    ];
    for (text, expected) in cases {
        let err = SessionDescription::parse(&text).expect_err(&text);
        assert!(expected(&err), "{text:?} gave {err:?}");
        assert!(!err.to_string().is_empty());
    }
}

#[test]
fn absurd_input_errors_without_panicking() {
    let mut state = 0x9E37_79B9_u32;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        state
    };
    let pieces = [
        "v=0",
        "o=- 1 1 IN IP4 1.2.3.4",
        "c=IN IP4 1.2.3.4",
        "m=audio 1 RTP/AVP 0",
        "a=rtpmap:",
        "a=rtpmap:96 x/0",
        "a=fmtp:",
        "m=",
        "c=IN IP6 ::",
        "a=ptime:99999999999",
        "=",
        "a=",
        "m=audio 65536 RTP/AVP 0",
        "\u{feff}",
        "é=1",
        "m=audio 1/ RTP/AVP 127",
        "a=rtpmap:96 a/1/999",
    ];
    for _ in 0..5_000 {
        let n = next() % 10;
        let text: String = (0..n)
            .map(|_| pieces[(next() as usize) % pieces.len()])
            .collect::<Vec<_>>()
            .join("\n");
        let _ = SessionDescription::parse(&text);
    }
}

#[test]
fn negotiation_keeps_the_offerers_order_and_event_type() {
    let offer = SessionDescription::parse(OFFER).unwrap();
    let n = negotiate(&offer, &Codec::SUPPORTED).unwrap();
    assert_eq!(n.formats, vec![(8, Codec::Pcma), (0, Codec::Pcmu)]);
    assert_eq!(n.primary(), (8, Codec::Pcma));
    assert_eq!(n.telephone_event, Some(101));
    assert_eq!(n.direction, Direction::SendRecv);
    assert_eq!(n.remote, Some("198.51.100.7:49170".parse().unwrap()));

    let answer = n.answer(&local());
    let text = answer.to_string();
    assert!(
        text.starts_with("v=0\r\no=earshot 42 1 IN IP4 203.0.113.5\r\n"),
        "{text}"
    );
    assert!(text.contains("c=IN IP4 203.0.113.5\r\n"));
    assert!(text.contains("m=audio 30000 RTP/AVP 8 0 101\r\n"), "{text}");
    assert!(text.contains("a=rtpmap:8 PCMA/8000\r\n"));
    assert!(text.contains("a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\n"));
    assert!(text.contains("a=sendrecv\r\n"));
    assert!(!text.contains("G729"));

    // Our answer parses back to what we meant.
    let reparsed = SessionDescription::parse(&text).unwrap();
    assert_eq!(reparsed, answer);
    assert_eq!(reparsed.payload_map(), n.payload_map());

    // Only PCMU supported: PCMA is dropped, not reordered.
    let n = negotiate(&offer, &[Codec::Pcmu]).unwrap();
    assert_eq!(n.formats, vec![(0, Codec::Pcmu)]);
}

#[test]
fn negotiation_answers_hold_and_rejects_other_streams() {
    let text = "v=0\r\no=- 1 2 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\n\
                m=video 5000 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n\
                m=audio 4000 RTP/AVP 0\r\n";
    let offer = SessionDescription::parse(text).unwrap();
    let n = negotiate(&offer, &Codec::SUPPORTED).unwrap();
    assert_eq!(n.offer_direction, Direction::SendOnly);
    assert_eq!(n.direction, Direction::RecvOnly);
    assert_eq!(n.remote, None);
    let answer = n.answer(&local());
    assert_eq!(answer.media.len(), 2, "as many m-lines as the offer");
    assert_eq!(answer.media[0].port, 0);
    assert_eq!(answer.media[0].media, "video");
    assert_eq!(answer.media[1].port, 30000);
    assert_eq!(answer.media[1].direction, Some(Direction::RecvOnly));
    assert!(answer.to_string().contains("m=video 0 RTP/AVP 96\r\n"));
}

#[test]
fn negotiation_failures() {
    let base = "v=0\no=- 1 1 IN IP4 10.0.0.1\ns=-\nc=IN IP4 10.0.0.1\nt=0 0\n";
    let parse = |m: &str| SessionDescription::parse(&format!("{base}{m}")).unwrap();
    assert!(matches!(
        negotiate(&parse("m=audio 4000 RTP/AVP 18 9\n"), &Codec::SUPPORTED),
        Err(NegotiationError::NoCommonCodec { .. })
    ));
    // G.722 is recognized but never chosen: we cannot decode it.
    assert!(negotiate(&parse("m=audio 4000 RTP/AVP 9\n"), &Codec::ALL).is_err());
    assert_eq!(
        negotiate(&parse("m=audio 4000 RTP/SAVP 0\n"), &Codec::SUPPORTED),
        Err(NegotiationError::UnsupportedProtocol {
            protocol: "RTP/SAVP".into()
        })
    );
    assert_eq!(
        negotiate(&parse("m=audio 0 RTP/AVP 0\n"), &Codec::SUPPORTED),
        Err(NegotiationError::AudioDisabled)
    );
    // telephone-event at 16000 Hz is not ours to keep.
    let n = negotiate(
        &parse("m=audio 4000 RTP/AVP 0 100\na=rtpmap:100 telephone-event/16000\n"),
        &Codec::SUPPORTED,
    )
    .unwrap();
    assert_eq!(n.telephone_event, None);
}

#[test]
fn our_offer() {
    let offer =
        SessionDescription::relay(&local(), &Codec::SUPPORTED, Some(101), Direction::SendOnly);
    let text = offer.to_string();
    assert_eq!(
        text,
        "v=0\r\no=earshot 42 1 IN IP4 203.0.113.5\r\ns=earshot\r\nc=IN IP4 203.0.113.5\r\n\
         t=0 0\r\nm=audio 30000 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\n\
         a=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\n\
         a=ptime:20\r\na=sendonly\r\n"
    );
    assert_eq!(SessionDescription::parse(&text).unwrap(), offer);
}
