//! The routing core end to end, with real peers on loopback: sipp calls in from a trunk, walks
//! the IVR with RFC 4733 digits (or SIP INFO), waits in a queue, and is offered to agents that
//! are sipp phones registered with digest authentication; tshark, capturing the loopback
//! interface, is the independent judge of what crossed the wire. The stereo recording, the call
//! record, the queue events and the transcript are then checked against what the scenario did.
//!
//! Needs sipp, tshark, espeak-ng and sox (`scripts/deps --test`), and for the transcript the
//! tiny.en model (`earshot model fetch tiny.en`); `scripts/test` provides them all.

mod support;

use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;
use sqlx::Row;
use support::audio::{self, correlate};
use support::earshot::{
    agent_phone as phone_with, apply, capture_filter, earshot, log_dir, models_dir, prompt_ms,
    register, scratch, up, write_named, Up,
};
use support::pcap::{Codec, RtpStream};
use support::sipp::{self, Sipp, Transport};
use support::tshark::Capture;

/// `earshot apply` of `config`, then `earshot up` (with the indexer when `indexer`).
fn start(data: &Path, config: &str, indexer: bool) -> Up {
    apply(data, config);
    up(data, indexer)
}

/// A sipp phone for agent `user` that takes one call.
fn agent_phone(
    work: &Path,
    template: &str,
    user: &str,
    vars: &[(&str, &str)],
) -> (support::sipp::SippProcess, u16, u16) {
    phone_with(work, template, user, vars, 1)
}

/// The routing configuration of these tests: one trunk from loopback into menu `main`, where
/// 1 is the queue `cards` and 2 a submenu; two agents.
fn routing(ring_timeout: &str, strategy: &str) -> String {
    routing_with_max_wait(ring_timeout, strategy, "2m")
}

fn routing_with_max_wait(ring_timeout: &str, strategy: &str, max_wait: &str) -> String {
    format!(
        r#"
[[agent]]
username = "1001"
name = "王小明"
password = "secret-1001"
skills = {{ cards = 8 }}

[[agent]]
username = "1002"
name = "林美華"
password = "secret-1002"
skills = {{ cards = 6 }}

[[queue]]
name = "cards"
strategy = "{strategy}"
ring_timeout = "{ring_timeout}"
wrap_up = "1s"
max_wait = "{max_wait}"
tier_wait = "30s"
service_level = "20s"
moh_prompt = "moh"
closing_prompt = "closed"
members = [ {{ agent = "1001", tier = 1 }}, {{ agent = "1002", tier = 1 }} ]

[[menu]]
name = "main"
prompt = "main-menu"
invalid_prompt = "invalid"
timeout = "8s"
max_repeats = 2

[menu.entries]
"1" = {{ queue = "cards" }}
"2" = {{ menu = "loans" }}
"9" = "repeat"

[[menu]]
name = "loans"
prompt = "loans-menu"
timeout = "8s"
max_repeats = 1

[menu.entries]
"1" = {{ queue = "cards" }}

[[trunk]]
name = "pstn"
source = "127.0.0.1/32"
entry_menu = "main"
language = "en"
max_calls = 10
"#
    )
}

struct StoredCall {
    id: i64,
    disposition: String,
    agent: Option<String>,
    queue: Option<String>,
    ivr_path: Option<String>,
    hangup_by: Option<String>,
    outcome: Option<String>,
    wait_ms: Option<i64>,
    talk_ms: Option<i64>,
    object_key: String,
    duration_ms: i64,
}

/// Wait until `n` calls are stored.
async fn stored_calls(up: &Up, n: usize) -> Vec<StoredCall> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let db = up.db().await;
        let rows = sqlx::query(
            "SELECT c.id, c.disposition, c.agent, c.queue, c.ivr_path, c.hangup_by, c.outcome, \
                    c.wait_ms, c.talk_ms, r.object_key, r.duration_ms \
             FROM calls c JOIN recordings r ON r.call_id = c.id ORDER BY c.id",
        )
        .fetch_all(&db)
        .await
        .unwrap();
        db.close().await;
        if rows.len() >= n {
            return rows
                .iter()
                .map(|r| StoredCall {
                    id: r.get(0),
                    disposition: r.get(1),
                    agent: r.get(2),
                    queue: r.get(3),
                    ivr_path: r.get(4),
                    hangup_by: r.get(5),
                    outcome: r.get(6),
                    wait_ms: r.get(7),
                    talk_ms: r.get(8),
                    object_key: r.get(9),
                    duration_ms: r.get(10),
                })
                .collect();
        }
        assert!(
            Instant::now() < deadline,
            "{} of {n} calls stored:\n{}",
            rows.len(),
            up.log()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A stored queue event: kind, agent, wait, talk.
type Event = (String, Option<String>, Option<i64>, Option<i64>);

async fn queue_events(up: &Up) -> Vec<Event> {
    let db = up.db().await;
    let rows = sqlx::query("SELECT kind, agent, wait_ms, talk_ms FROM queue_events ORDER BY id")
        .fetch_all(&db)
        .await
        .unwrap();
    db.close().await;
    rows.iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect()
}

fn kinds(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .map(|(k, a, _, _)| match a {
            Some(a) => format!("{k}:{a}"),
            None => k.clone(),
        })
        .collect()
}

/// The time (capture seconds) of the first SIP message matching.
fn sip_time(
    messages: &[support::tshark::SipMessage],
    what: &str,
    from: Option<SocketAddr>,
    cseq_method: &str,
) -> f64 {
    messages
        .iter()
        .find(|m| {
            m.kind.label() == what
                && from.is_none_or(|f| m.src == f)
                && m.cseq.ends_with(cseq_method)
        })
        .unwrap_or_else(|| panic!("no {what} ({cseq_method}) from {from:?} in {messages:#?}"))
        .time
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_walks_the_ivr_waits_and_talks_to_an_agent_recorded_and_transcribed() {
    support::require_tool("sipp", "-v").unwrap();
    support::require_tool("tshark", "-v").unwrap();
    let (_dir, data, work) = scratch();
    let have_model = models_dir().join("ggml-tiny.en.bin").exists();
    let up = start(&data, &routing("10s", "ring-all"), have_model);

    // What each party says: distinct English sentences, through G.711 μ-law.
    let caller_speech = audio::speech(
        "Hello, I would like to cancel my credit card because it was stolen yesterday.",
        &work,
    )
    .unwrap();
    let agent_speech = audio::speech(
        "Thank you for calling. Your refund will arrive on Friday morning.",
        &work,
    )
    .unwrap();
    const DIGIT_AT: u64 = 1_500;
    const CALLER_SPEAKS_AT: u64 = 7_000;
    const AGENT_SPEAKS_AT: u64 = 300;
    let mut caller = RtpStream::new(0x1111_0001);
    caller
        .dtmf(DIGIT_AT, '1', 160)
        .unwrap()
        .audio(CALLER_SPEAKS_AT, Codec::Pcmu, &caller_speech)
        .unwrap();
    let caller_pcap = work.join("caller.pcap");
    caller.write_pcap(&caller_pcap).unwrap();
    let mut agent = RtpStream::new(0x2222_0001);
    agent
        .audio(AGENT_SPEAKS_AT, Codec::Pcmu, &agent_speech)
        .unwrap();
    let agent_pcap = work.join("agent.pcap");
    agent.write_pcap(&agent_pcap).unwrap();
    let caller_speech_ms = caller_speech.len() as u64 / 8;
    let hold_ms = CALLER_SPEAKS_AT + caller_speech_ms + 1_000;

    // The agent's phone listens, registers; a second agent stays logged out.
    let (phone, phone_port, phone_media) = agent_phone(
        &work,
        "agent",
        "1001",
        &[("ring_ms", "400"), ("pcap", agent_pcap.to_str().unwrap())],
    );
    let caller_port = sipp::free_port().unwrap();
    let caller_media = sipp::free_media_port().unwrap();
    let capture_file = work.join("wire.pcapng");
    let capture = Capture::start(
        &capture_file,
        &capture_filter(
            &[
                up.sip.port(),
                phone_port,
                phone_media,
                caller_port,
                caller_media,
            ],
            up.rtp,
        ),
    )
    .unwrap();
    register(&work, &up, "1001", "secret-1001", phone_port);

    let scenario = write_named(
        &work,
        "caller",
        "caller",
        &[
            ("from_user", "0912345678"),
            ("to_user", "5000"),
            ("pcap", caller_pcap.to_str().unwrap()),
            ("hold_ms", &hold_ms.to_string()),
        ],
    );
    let outcome = Sipp::new(scenario, caller_port)
        .remote(up.sip)
        .media_port(caller_media)
        .calls(1)
        .timeout(Duration::from_secs(60))
        .log_dir(log_dir(&work.join("caller")))
        .run()
        .unwrap();
    outcome.ensure_success("the caller").unwrap();
    phone.wait().unwrap().ensure_success("agent 1001").unwrap();

    let calls = stored_calls(&up, 1).await;
    let wire = capture
        .stop()
        .unwrap()
        .rtp_ports(&[caller_media, phone_media]);
    let call = &calls[0];

    // The call record says what happened.
    assert_eq!(call.disposition, "answered");
    assert_eq!(call.outcome.as_deref(), Some("completed"));
    assert_eq!(call.agent.as_deref(), Some("1001"));
    assert_eq!(call.queue.as_deref(), Some("cards"));
    assert_eq!(call.ivr_path.as_deref(), Some("main:1"));
    assert_eq!(call.hangup_by.as_deref(), Some("caller"));
    let wait = call.wait_ms.expect("wait time");
    assert!((0..2_000).contains(&wait), "waited {wait} ms");
    assert_eq!(
        kinds(&queue_events(&up).await),
        ["enter", "offer:1001", "connect:1001", "complete:1001"]
    );

    // The wire, as tshark saw it: both dialogs, digest registration, the digit.
    let sip = wire.sip_messages().unwrap();
    let es = up.sip;
    let caller_sip = SocketAddr::from(([127, 0, 0, 1], caller_port));
    let phone_sip = SocketAddr::from(([127, 0, 0, 1], phone_port));
    let answered = sip_time(&sip, "200", Some(es), "INVITE");
    let bye = sip_time(&sip, "BYE", Some(caller_sip), "BYE");
    let agent_ack = sip_time(&sip, "ACK", Some(es), "ACK");
    assert!(sip
        .iter()
        .any(|m| m.src == es && m.dst == phone_sip && m.kind.label() == "INVITE"));
    assert!(
        sip.iter()
            .any(|m| m.src == es && m.dst == phone_sip && m.kind.label() == "BYE"),
        "the agent leg is hung up when the caller hangs up"
    );
    assert!(sip.iter().any(|m| m.src == es && m.kind.label() == "401"));
    let digits = wire.dtmf_events().unwrap();
    assert!(digits.iter().any(|d| d.digit == '1'), "{digits:#?}");

    // The relay: what the caller sent reached the agent byte for byte, and back.
    let streams = wire.rtp_streams().unwrap();
    let relayed_to_agent = streams
        .iter()
        .find(|s| s.dst.port() == phone_media && s.src.ip() == es.ip() && s.ssrc == caller.ssrc())
        .unwrap_or_else(|| panic!("no caller stream relayed to the agent: {streams:#?}"));
    let speech_packets = caller_speech.len().div_ceil(160);
    assert!(
        relayed_to_agent.packets >= speech_packets,
        "{} of {speech_packets} speech packets reached the agent",
        relayed_to_agent.packets
    );
    let sent: Vec<Vec<u8>> = caller.payloads();
    let at_agent = wire
        .rtp_payloads(relayed_to_agent.src, relayed_to_agent.dst)
        .unwrap();
    assert!(
        sent.ends_with(&at_agent[at_agent.len() - speech_packets..]),
        "relayed payloads differ from what the caller sent"
    );
    assert!(
        streams.iter().any(|s| s.ssrc == agent.ssrc()
            && s.dst.port() == caller_media
            && s.packets >= agent_speech.len() / 160),
        "the agent's audio reached the caller: {streams:#?}"
    );

    // The recording: one clock for both channels, the call's length, each party on its side.
    let wav = audio::load_wav(&data.join("objects").join(&call.object_key)).unwrap();
    let call_ms = ((bye - answered) * 1000.0).round() as i64;
    assert!(
        (wav.duration_ms() as i64 - call_ms).abs() <= 100,
        "recording lasts {} ms, the call {call_ms} ms on the wire",
        wav.duration_ms()
    );
    assert_eq!(call.duration_ms, wav.duration_ms() as i64);
    let caller_src = audio::through_codec(support::pcap::Codec::Pcmu, &caller_speech);
    let agent_src = audio::through_codec(support::pcap::Codec::Pcmu, &agent_speech);
    // sipp plays a pcap from its first packet on, right after the ACK: the digit's time is
    // the file's zero.
    let speaks_at = (CALLER_SPEAKS_AT - DIGIT_AT) as f64;
    let left = correlate(wav.left(), &caller_src, 0..20_000).unwrap();
    assert!(left.coefficient > 0.9, "caller on the left: {left:?}");
    assert!(
        (left.lag_ms - speaks_at).abs() < 150.0,
        "caller speech at {} ms, sent at {speaks_at} ms after the answer",
        left.lag_ms
    );
    let right = correlate(wav.right(), &agent_src, 0..20_000).unwrap();
    assert!(right.coefficient > 0.9, "agent on the right: {right:?}");
    let agent_expected = (agent_ack - answered) * 1000.0;
    assert!(
        (right.lag_ms - agent_expected).abs() < 150.0,
        "agent speech at {} ms, expected {agent_expected:.0} ms",
        right.lag_ms
    );
    let cross = correlate(wav.left(), &agent_src, 0..20_000)
        .map(|c| c.coefficient)
        .unwrap_or(0.0);
    assert!(
        cross < 0.3,
        "the agent leaks into the caller channel ({cross})"
    );
    // Silence where a party sent nothing: the caller before speaking (the digit is not audio),
    // the agent before being connected.
    assert!(audio::silent(wav.left(), 0..speaks_at as u64 - 200));
    assert!(audio::silent(
        wav.right(),
        0..((agent_ack - answered) * 1000.0) as u64
    ));

    // The transcript appears and is searchable, on the caller's channel.
    if have_model {
        let deadline = Instant::now() + Duration::from_secs(240);
        loop {
            let out = earshot(&data)
                .args(["search", "--json", "credit card"])
                .output()
                .unwrap();
            if out.status.success() {
                let found: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
                if let Some(hit) = found["hits"].as_array().and_then(|h| h.first()) {
                    assert_eq!(hit["call_id"], call.id, "{found}");
                    assert_eq!(hit["speaker"], "caller", "{found}");
                    break;
                }
            }
            assert!(
                Instant::now() < deadline,
                "the call's transcript never became searchable:\n{}",
                up.log()
            );
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    } else {
        eprintln!("tiny.en model missing: transcript check skipped (scripts/test fetches it)");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unanswered_offer_moves_on_to_the_next_agent_who_hangs_up_first() {
    support::require_tool("sipp", "-v").unwrap();
    let (_dir, data, work) = scratch();
    let up = start(&data, &routing("2s", "longest-idle"), false);

    let mut silence = RtpStream::new(0x3333_0001);
    silence.silence(0, 1_000, Codec::Pcmu).unwrap();
    let quiet = work.join("quiet.pcap");
    silence.write_pcap(&quiet).unwrap();

    // 1001 registers first (so it is the longest idle) and never answers; 1002 answers and
    // hangs up after two seconds.
    let (ringer, ringer_port, _) = agent_phone(&work, "agent_no_answer", "1001", &[]);
    register(&work, &up, "1001", "secret-1001", ringer_port);
    tokio::time::sleep(Duration::from_millis(50)).await;
    let (answerer, answerer_port, _) = agent_phone(
        &work,
        "agent_hangup",
        "1002",
        &[
            ("ring_ms", "200"),
            ("pcap", quiet.to_str().unwrap()),
            ("talk_ms", "2000"),
        ],
    );
    register(&work, &up, "1002", "secret-1002", answerer_port);

    let mut digits = RtpStream::new(0x4444_0001);
    digits.dtmf(800, '1', 160).unwrap();
    let pcap = work.join("digits.pcap");
    digits.write_pcap(&pcap).unwrap();
    let scenario = write_named(
        &work,
        "caller_await_bye",
        "caller_await_bye",
        &[
            ("from_user", "0911111111"),
            ("to_user", "5000"),
            ("pcap", pcap.to_str().unwrap()),
        ],
    );
    Sipp::new(scenario, sipp::free_port().unwrap())
        .remote(up.sip)
        .media_port(sipp::free_media_port().unwrap())
        .calls(1)
        .timeout(Duration::from_secs(40))
        .log_dir(log_dir(&work.join("caller")))
        .run()
        .unwrap()
        .ensure_success("the caller")
        .unwrap();
    ringer
        .wait()
        .unwrap()
        .ensure_success("1001, rung and cancelled")
        .unwrap();
    answerer.wait().unwrap().ensure_success("1002").unwrap();

    let calls = stored_calls(&up, 1).await;
    let call = &calls[0];
    assert_eq!(call.agent.as_deref(), Some("1002"));
    assert_eq!(call.hangup_by.as_deref(), Some("agent"));
    let talk = call.talk_ms.unwrap();
    assert!((1_800..3_000).contains(&talk), "talked {talk} ms");
    let events = queue_events(&up).await;
    assert_eq!(
        kinds(&events),
        [
            "enter",
            "offer:1001",
            "no-answer:1001",
            "offer:1002",
            "connect:1002",
            "complete:1002"
        ]
    );
    let wait = events[4].2.unwrap();
    assert!(
        (2_000..4_000).contains(&wait),
        "waited {wait} ms through one ring timeout"
    );
    let wav = audio::load_wav(&data.join("objects").join(&call.object_key)).unwrap();
    assert_eq!(wav.duration_ms() as i64, call.duration_ms);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_refused_clearly_and_an_abandoned_call_over_tcp_is_recorded() {
    support::require_tool("sipp", "-v").unwrap();
    let (_dir, data, work) = scratch();
    let up = start(&data, &routing("5s", "round-robin"), false);

    // Garbage, a bad request, a bad SDP, an unknown method: answered or dropped, never fatal.
    let sock = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    let me = sock.local_addr().unwrap();
    let ask = |text: String| -> String {
        sock.send_to(text.as_bytes(), up.sip).unwrap();
        let mut buf = [0u8; 4096];
        let call_id = text
            .lines()
            .find(|l| l.starts_with("Call-ID:"))
            .unwrap()
            .to_owned();
        loop {
            let n = sock.recv(&mut buf).expect("an answer");
            let reply = String::from_utf8_lossy(&buf[..n]).into_owned();
            // Skip provisional answers and retransmissions of earlier ones.
            if !reply.starts_with("SIP/2.0 100") && reply.contains(&call_id) {
                return reply;
            }
        }
    };
    sock.send_to(&[0xff, 0x00, 0x13, 0x37], up.sip).unwrap();
    let head = |method: &str, n: u32, extra: &str, body: &str| {
        format!(
            "{method} sip:5000@{sip} SIP/2.0\r\nVia: SIP/2.0/UDP {me};branch=z9hG4bKbad{n}\r\nFrom: <sip:x@{me}>;tag=t{n}\r\nTo: <sip:5000@{sip}>\r\nCall-ID: bad-{n}\r\nCSeq: 1 {method}\r\nContact: <sip:x@{me}>\r\nMax-Forwards: 70\r\n{extra}Content-Length: {}\r\n\r\n{body}",
            body.len(),
            sip = up.sip
        )
    };
    let reply = ask(head("FROB", 1, "", ""));
    assert!(reply.starts_with("SIP/2.0 501"), "{reply}");
    let reply = ask(head(
        "INVITE",
        2,
        "Content-Type: application/sdp\r\n",
        "v=0\r\nthis is not SDP\r\n",
    ));
    assert!(reply.starts_with("SIP/2.0 488"), "{reply}");
    assert!(
        reply.contains("Warning: 399"),
        "the reason is given: {reply}"
    );
    let reply = ask(head("BYE", 3, "", "").replace("To: <sip:5000@", "To: <sip:x@"));
    assert!(reply.starts_with("SIP/2.0 481"), "{reply}");
    let broken = head("OPTIONS", 4, "", "").replace("CSeq: 1 OPTIONS", "CSeq: one OPTIONS");
    let reply = ask(broken);
    assert!(reply.starts_with("SIP/2.0 400"), "{reply}");

    // A caller over TCP chooses by SIP INFO and hangs up while waiting (no agent logged in).
    let mut quiet = RtpStream::new(0x5555_0001);
    quiet.silence(0, 500, Codec::Pcmu).unwrap();
    let pcap = work.join("quiet.pcap");
    quiet.write_pcap(&pcap).unwrap();
    let scenario = write_named(
        &work,
        "caller_info_dtmf",
        "caller_info_dtmf",
        &[
            ("from_user", "0922222222"),
            ("to_user", "5000"),
            ("pcap", pcap.to_str().unwrap()),
            ("dtmf_delay_ms", "1000"),
            ("digit", "1"),
            ("hold_ms", "3000"),
        ],
    );
    Sipp::new(scenario, sipp::free_port().unwrap())
        .remote(up.sip)
        .media_port(sipp::free_media_port().unwrap())
        .transport(Transport::Tcp)
        .calls(1)
        .timeout(Duration::from_secs(30))
        .log_dir(log_dir(&work.join("caller")))
        .run()
        .unwrap()
        .ensure_success("the TCP caller")
        .unwrap();

    let calls = stored_calls(&up, 1).await;
    let call = &calls[0];
    assert_eq!(call.disposition, "abandoned");
    assert_eq!(call.outcome.as_deref(), Some("abandoned"));
    assert_eq!(call.queue.as_deref(), Some("cards"));
    assert_eq!(call.ivr_path.as_deref(), Some("main:1"));
    assert_eq!(call.agent, None);
    let events = queue_events(&up).await;
    assert_eq!(kinds(&events), ["enter", "abandon"]);
    let waited = events[1].2.unwrap();
    // The caller hangs up 3 s after the INFO that queued it.
    assert!(
        (2_900..3_500).contains(&waited),
        "abandoned after {waited} ms"
    );
    // The abandoned call is recorded whole: its second in the IVR and its wait in the queue.
    let wav = audio::load_wav(&data.join("objects").join(&call.object_key)).unwrap();
    let ivr_ms = wav.duration_ms() as i64 - waited;
    assert!(
        (900..1_500).contains(&ivr_ms),
        "{} ms recorded, {waited} ms of it waiting",
        wav.duration_ms()
    );
    assert_eq!(wav.duration_ms() as i64, call.duration_ms);
    // And the service kept running throughout.
    let reply = ask(head("OPTIONS", 5, "", ""));
    assert!(reply.starts_with("SIP/2.0 200"), "{reply}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_cut_by_a_crash_is_recovered_on_restart() {
    support::require_tool("sipp", "-v").unwrap();
    let (_dir, data, work) = scratch();
    let mut up = start(&data, &routing("10s", "ring-all"), false);

    let tone = audio::tones(&[(440.0, 15_000)], 0.3);
    let mut caller = RtpStream::new(0x6666_0001);
    caller
        .dtmf(0, '1', 160)
        .unwrap()
        .audio(500, Codec::Pcmu, &tone)
        .unwrap();
    let caller_pcap = work.join("caller.pcap");
    caller.write_pcap(&caller_pcap).unwrap();
    let (_phone, phone_port, _) = agent_phone(
        &work,
        "agent",
        "1001",
        &[("ring_ms", "200"), ("pcap", caller_pcap.to_str().unwrap())],
    );
    register(&work, &up, "1001", "secret-1001", phone_port);
    let scenario = write_named(
        &work,
        "caller",
        "caller",
        &[
            ("from_user", "0933333333"),
            ("to_user", "5000"),
            ("pcap", caller_pcap.to_str().unwrap()),
            ("hold_ms", "20000"),
        ],
    );
    let started = Instant::now();
    let _caller = Sipp::new(scenario, sipp::free_port().unwrap())
        .remote(up.sip)
        .media_port(sipp::free_media_port().unwrap())
        .calls(1)
        .timeout(Duration::from_secs(30))
        .log_dir(log_dir(&work.join("caller")))
        .spawn()
        .unwrap();
    // Wait for the agent to be connected, let the call run, then kill the process outright.
    let deadline = Instant::now() + Duration::from_secs(15);
    while !kinds(&queue_events(&up).await).contains(&"connect:1001".to_owned()) {
        assert!(Instant::now() < deadline, "never connected:\n{}", up.log());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(3_500)).await;
    up.child.kill().unwrap();
    let lasted = started.elapsed().as_millis() as i64;
    up.child.wait().unwrap();
    let spool: Vec<_> = std::fs::read_dir(data.join("spool"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        spool.len(),
        2,
        "the recording and its sidecar are in the spool: {spool:?}"
    );
    drop(up);

    // The restart stores the interrupted call with what was recorded up to the last sync.
    let up = start(&data, &routing("10s", "ring-all"), false);
    let calls = stored_calls(&up, 1).await;
    let call = &calls[0];
    assert_eq!(call.outcome.as_deref(), Some("failed"));
    assert_eq!(
        call.agent.as_deref(),
        Some("1001"),
        "the sidecar knew the agent"
    );
    assert_eq!(call.queue.as_deref(), Some("cards"));
    let wav = audio::load_wav(&data.join("objects").join(&call.object_key)).unwrap();
    let kept = wav.duration_ms() as i64;
    assert!(
        kept <= lasted && kept >= lasted - 1_500,
        "{kept} ms kept of a call that ran {lasted} ms before the crash"
    );
    // The audio that was kept is the call's: the tone on both sides after the connect.
    assert!(audio::rms(wav.left(), 1_000..(kept as u64 - 200)) > 0.05);
    assert!(audio::rms(wav.right(), (kept as u64 - 2_000)..(kept as u64 - 200)) > 0.05);
    assert!(
        std::fs::read_dir(data.join("spool"))
            .unwrap()
            .next()
            .is_none(),
        "spool emptied"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_maximum_wait_the_caller_hears_the_closing_prompt_and_is_hung_up_on() {
    support::require_tool("sipp", "-v").unwrap();
    support::require_tool("tshark", "-v").unwrap();
    let (_dir, data, work) = scratch();
    // No agent logs in; the queue gives up after 2 s and has nowhere to overflow.
    let up = start(&data, &routing_with_max_wait("5s", "ring-all", "2s"), false);

    let mut digits = RtpStream::new(0x7777_0001);
    digits.dtmf(0, '1', 160).unwrap();
    let pcap = work.join("digits.pcap");
    digits.write_pcap(&pcap).unwrap();
    let caller_port = sipp::free_port().unwrap();
    let caller_media = sipp::free_media_port().unwrap();
    let capture_file = work.join("wire.pcapng");
    let capture = Capture::start(
        &capture_file,
        &capture_filter(&[up.sip.port(), caller_port, caller_media], up.rtp),
    )
    .unwrap();
    let scenario = write_named(
        &work,
        "caller_await_bye",
        "caller_await_bye",
        &[
            ("from_user", "0944444444"),
            ("to_user", "5000"),
            ("pcap", pcap.to_str().unwrap()),
        ],
    );
    Sipp::new(scenario, caller_port)
        .remote(up.sip)
        .media_port(caller_media)
        .calls(1)
        .timeout(Duration::from_secs(40))
        .log_dir(log_dir(&work.join("caller")))
        .run()
        .unwrap()
        .ensure_success("the caller, hung up on by Earshot")
        .unwrap();
    let calls = stored_calls(&up, 1).await;
    let wire = capture.stop().unwrap().rtp_ports(&[caller_media]);
    let call = &calls[0];
    assert_eq!(call.disposition, "no_answer");
    assert_eq!(call.outcome.as_deref(), Some("closed"));
    assert_eq!(call.hangup_by.as_deref(), Some("system"));
    let events = queue_events(&up).await;
    assert_eq!(kinds(&events), ["enter", "closed"]);
    let waited = events[1].2.unwrap();
    assert!((2_000..2_300).contains(&waited), "closed after {waited} ms");

    // The prompts went out as RTP in the caller's codec: the menu (cut by the digit), music on
    // hold while waiting, then the whole closing message, before Earshot's BYE.
    let closed = prompt_ms(&data, "en", "closed");
    let sip = wire.sip_messages().unwrap();
    let bye = sip_time(&sip, "BYE", Some(up.sip), "BYE");
    let answered = sip_time(&sip, "200", Some(up.sip), "INVITE");
    let streams = wire.rtp_streams().unwrap();
    let prompts = streams
        .iter()
        .find(|s| s.src.ip() == up.sip.ip() && s.dst.port() == caller_media)
        .unwrap_or_else(|| panic!("no prompt audio to the caller: {streams:#?}"));
    assert_eq!(
        prompts.payload_types,
        [0u8].into(),
        "PCMU, the caller's first codec"
    );
    let heard_ms = (bye - answered) * 1000.0;
    assert!(
        heard_ms > 2_000.0 + closed as f64 - 300.0,
        "BYE {heard_ms:.0} ms after the answer; the closing message alone lasts {closed} ms"
    );
    // 50 packets a second for as long as the call lasted, give or take the gaps between prompts.
    let expected = heard_ms / 20.0;
    assert!(
        prompts.packets as f64 > 0.9 * expected,
        "{} prompt packets for a {heard_ms:.0} ms call",
        prompts.packets
    );
    assert_eq!(prompts.lost, 0);
}
