//! The post-call keypad survey end to end, with real peers on loopback (issue 6): a sipp caller
//! opts in at the IVR with an RFC 4733 digit, is routed to a registered sipp agent, talks; the
//! agent hangs up and the caller stays on, answers the survey with RFC 4733 digits — one
//! invalid digit, one question left to its timeout — and is hung up on by Earshot after the
//! closing prompt. A second caller who did not opt in is hung up on with the agent. tshark,
//! capturing loopback, judges the wire: every digit, no caller audio reaching the agent after
//! its BYE, nothing about the survey in the agent's INVITE. The store must hold the answers
//! with the call, talk time without the survey, and count them in the survey metrics.
//!
//! Needs sipp, tshark, espeak-ng and sox (`scripts/deps --test`).

mod support;

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use earshot_store::surveys::{Offer, OfferReason, SurveyAssignment, SurveyFilter, SurveyGroupBy};
use earshot_store::{Config, Store};
use sqlx::Row;
use support::audio;
use support::earshot::{self as es, Up};
use support::pcap::{Codec, RtpStream};
use support::sipp::{self, Sipp};
use support::tshark::Capture;

/// The IVR: the trunk enters at `offer` ("press 1 for a survey after your call, 2 to go on"),
/// where 1 opts in and 2 does not, both then go to `main`, where 1 is the queue `cards` of
/// agent 1001.
const ROUTING: &str = r#"
[[agent]]
username = "1001"
name = "王小明"
password = "secret-1001"

[[queue]]
name = "cards"
strategy = "longest-idle"
ring_timeout = "10s"
wrap_up = "1s"
service_level = "20s"
moh_prompt = "moh"
members = [ { agent = "1001" } ]

[[menu]]
name = "offer"
prompt = "survey-offer"
timeout = "8s"
max_repeats = 1

[menu.entries]
"1" = { survey = "main" }
"2" = { menu = "main" }

[[menu]]
name = "main"
prompt = "main-menu"
timeout = "8s"
max_repeats = 1

[menu.entries]
"1" = { queue = "cards" }

[[trunk]]
name = "pstn"
source = "127.0.0.1/32"
entry_menu = "offer"
language = "en"
"#;

/// Each English question prompt is a recording of exactly this long in the object store, so
/// the caller's keys can be timed; the Chinese ones are spoken from their text.
const QUESTION_MS: u64 = 2_000;
/// The keypad survey's default answer timeout.
const ANSWER_TIMEOUT_MS: u64 = 5_000;
/// The agent rings this long, then talks this long and hangs up.
const RING_MS: u64 = 200;
const TALK_MS: u64 = 3_000;
/// When the caller presses its IVR keys, from the answer: the offer's key, then main's 1.
const OFFER_KEY_AT: u64 = 600;
const QUEUE_KEY_AT: u64 = 1_400;

const QUESTIONS: [(&str, &str, f64); 4] = [
    ("satisfaction", "csat", 440.0),
    ("resolved", "yes_no", 550.0),
    ("recommend", "nps", 660.0),
    ("effort", "ces", 770.0),
];

async fn open_store(data: &Path) -> Store {
    let config = Config {
        data_dir: data.to_path_buf(),
        ..Config::default()
    };
    Store::open(&config).await.unwrap()
}

/// The survey (CSAT, first-contact resolution, NPS, CES in English and Chinese) published and
/// assigned to `cards` for callers who opt in; the English prompts are recordings in the object
/// store. Returns the version callers hear.
async fn publish_survey(data: &Path) -> i64 {
    let store = open_store(data).await;
    let mut questions = Vec::new();
    for (key, kind, tone) in QUESTIONS {
        let object = format!("survey-prompts/{key}.en.wav");
        let samples = audio::tones(&[(tone, QUESTION_MS)], 0.3);
        let wav = data.join(format!("{key}.wav"));
        audio::write_wav(&wav, &samples).unwrap();
        store
            .put_object(&object, std::fs::read(&wav).unwrap().into())
            .await
            .unwrap();
        let mut q = serde_json::json!({
            "key": key,
            "kind": kind,
            "prompts": {
                "en": {"text": format!("Question {key}: press a key."), "audio": object},
                "zh-TW": {"text": format!("問題 {key}，請按鍵。")}
            }
        });
        if key == "resolved" {
            q["first_contact_resolution"] = true.into();
        }
        questions.push(q);
    }
    let definition = serde_json::json!({
        "name": "After-call survey",
        "languages": ["en", "zh-TW"],
        "questions": questions,
    });
    let draft = store
        .create_survey(&serde_json::from_value(definition).unwrap(), "qa")
        .await
        .unwrap();
    let published = store.publish_survey(draft.survey_id, "qa").await.unwrap();
    store
        .set_survey_assignment(
            &SurveyAssignment {
                queue: "cards".into(),
                survey_id: draft.survey_id,
                offer: Offer::OptIn,
                alert_on_low: false,
                updated_by: String::new(),
                updated_at: 0,
            },
            "qa",
        )
        .await
        .unwrap();
    store.close().await;
    published.id
}

/// A caller stream: a quiet 300 Hz tone all along (the caller's voice), interrupted by
/// `keys` (time from the answer, digit), until `end_ms`.
fn caller_stream(ssrc: u32, keys: &[(u64, char)], end_ms: u64) -> RtpStream {
    fn fill(s: &mut RtpStream, until: u64) {
        let from = s.end_ms();
        if until > from + 20 {
            let tone = audio::tones(&[(300.0, until - from)], 0.1);
            s.audio(from, Codec::Pcmu, &tone).unwrap();
        }
    }
    let mut s = RtpStream::new(ssrc);
    for &(at, digit) in keys {
        // On the 20 ms packet grid.
        let at = at.div_ceil(20) * 20;
        fill(&mut s, at);
        s.dtmf(at, digit, 160).unwrap();
    }
    fill(&mut s, end_ms);
    s
}

/// A caller that waits for Earshot's BYE, playing `stream`.
fn call(work: &Path, up: &Up, name: &str, stream: &RtpStream, port: u16, media: u16) {
    let pcap = work.join(format!("{name}.pcap"));
    stream.write_pcap(&pcap).unwrap();
    let scenario = es::write_named(
        work,
        "caller_await_bye",
        name,
        &[
            ("from_user", "0912345678"),
            ("to_user", "5000"),
            ("pcap", pcap.to_str().unwrap()),
        ],
    );
    Sipp::new(scenario, port)
        .remote(up.sip)
        .media_port(media)
        .calls(1)
        .timeout(Duration::from_secs(90))
        .log_dir(es::log_dir(&work.join(name)))
        .run()
        .unwrap()
        .ensure_success(name)
        .unwrap();
}

struct StoredCall {
    id: i64,
    hangup_by: Option<String>,
    outcome: Option<String>,
    talk_ms: Option<i64>,
    answered_at: Option<i64>,
    ended_at: Option<i64>,
    ivr_path: Option<String>,
    object_key: String,
    duration_ms: i64,
}

async fn stored_calls(up: &Up, n: usize) -> Vec<StoredCall> {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let db = up.db().await;
        let rows = sqlx::query(
            "SELECT c.id, c.hangup_by, c.outcome, c.talk_ms, c.answered_at, c.ended_at, \
                    c.ivr_path, r.object_key, r.duration_ms \
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
                    hangup_by: r.get(1),
                    outcome: r.get(2),
                    talk_ms: r.get(3),
                    answered_at: r.get(4),
                    ended_at: r.get(5),
                    ivr_path: r.get(6),
                    object_key: r.get(7),
                    duration_ms: r.get(8),
                })
                .collect();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{} of {n} calls stored:\n{}",
            rows.len(),
            up.log()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_opted_in_caller_answers_the_keypad_survey_after_the_agent_hangs_up() {
    support::require_tool("sipp", "-v").unwrap();
    support::require_tool("tshark", "-v").unwrap();
    let (_dir, data, work) = es::scratch();
    es::apply(&data, ROUTING);
    let version = publish_survey(&data).await;
    let up = es::up(&data, false);

    // The prompts were made at start: each English question from its recording, each Chinese
    // one spoken from its text; the survey's own prompts are in the default set.
    for (key, _, _) in QUESTIONS {
        let name = format!("survey-v{version}-{key}");
        assert_eq!(es::prompt_ms(&data, "en", &name), QUESTION_MS, "{name}");
        assert!(es::prompt_ms(&data, "zh-TW", &name) > 500, "{name} spoken");
    }
    let intro = es::prompt_ms(&data, "en", "survey-intro");
    let invalid = es::prompt_ms(&data, "en", "survey-invalid");
    let thanks = es::prompt_ms(&data, "en", "survey-thanks");

    // The caller's keys, timed from the prompt lengths. Each key barges into the middle of a
    // 2 s question prompt, so either side has a second of margin; only the first depends on
    // when the agent hangs up (queued + ring + talk, plus a little signalling).
    let half = QUESTION_MS / 2;
    let hangup = QUEUE_KEY_AT + RING_MS + TALK_MS + 50;
    let nine = hangup + intro + half; // satisfaction: 9 is not CSAT → invalid prompt, again
    let four = nine + invalid + half; // satisfaction: 4
                                      // resolved: nothing; its prompt ends, 5 s later it is asked again; then 1 (yes).
    let yes = four + QUESTION_MS + ANSWER_TIMEOUT_MS + half;
    let one = yes + half; // recommend: 1 0 = 10
    let zero = one + 400;
    let six = zero + half; // effort: 6
    let expected_bye = six + thanks;
    let keys = [
        (OFFER_KEY_AT, '1'),
        (QUEUE_KEY_AT, '1'),
        (nine, '9'),
        (four, '4'),
        (yes, '1'),
        (one, '1'),
        (zero, '0'),
        (six, '6'),
    ];
    let caller = caller_stream(0x5e5e_0001, &keys, expected_bye + 3_000);
    // The second caller presses 2 at the offer: no survey.
    let plain_keys = [(OFFER_KEY_AT, '2'), (QUEUE_KEY_AT, '1')];
    let plain = caller_stream(0x5e5e_0002, &plain_keys, QUEUE_KEY_AT + TALK_MS + 3_000);

    let mut agent_audio = RtpStream::new(0xa9e7_0001);
    agent_audio
        .audio(
            0,
            Codec::Pcmu,
            &audio::tones(&[(1_000.0, TALK_MS - 500)], 0.3),
        )
        .unwrap();
    let agent_pcap = work.join("agent.pcap");
    agent_audio.write_pcap(&agent_pcap).unwrap();
    let (phone, phone_port, phone_media) = es::agent_phone(
        &work,
        "agent_hangup",
        "1001",
        &[
            ("ring_ms", &RING_MS.to_string()),
            ("pcap", agent_pcap.to_str().unwrap()),
            ("talk_ms", &TALK_MS.to_string()),
        ],
        2,
    );
    let (caller_port, caller_media) =
        (sipp::free_port().unwrap(), sipp::free_media_port().unwrap());
    let (plain_port, plain_media) = (sipp::free_port().unwrap(), sipp::free_media_port().unwrap());
    let capture_file = work.join("wire.pcapng");
    let capture = Capture::start(
        &capture_file,
        &es::capture_filter(
            &[
                up.sip.port(),
                phone_port,
                phone_media,
                caller_port,
                caller_media,
                plain_port,
                plain_media,
            ],
            up.rtp,
        ),
    )
    .unwrap();
    es::register(&work, &up, "1001", "secret-1001", phone_port);

    call(&work, &up, "surveyed", &caller, caller_port, caller_media);
    // The agent's wrap-up (1 s) is over before the second call reaches the queue.
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    call(&work, &up, "plain", &plain, plain_port, plain_media);
    let agent = phone.wait().unwrap();
    agent.ensure_success("agent 1001").unwrap();

    let calls = stored_calls(&up, 2).await;
    let wire = capture
        .stop()
        .unwrap()
        .rtp_ports(&[caller_media, phone_media, plain_media]);
    let sip = wire.sip_messages().unwrap();
    let at = |m: &[&support::tshark::SipMessage], what: &str| -> f64 {
        m.first()
            .unwrap_or_else(|| panic!("no {what} in {sip:#?}"))
            .time
    };
    let es_sip = up.sip;
    let loopback = |port| SocketAddr::from(([127, 0, 0, 1], port));
    let (phone_sip, caller_sip, plain_sip) = (
        loopback(phone_port),
        loopback(caller_port),
        loopback(plain_port),
    );
    let answered = at(
        &es::sip_matching(&sip, "200", Some(es_sip), Some(caller_sip), "INVITE"),
        "200 to the caller",
    );
    let agent_ok = at(
        &es::sip_matching(&sip, "200", Some(phone_sip), Some(es_sip), "INVITE"),
        "the agent's 200",
    );
    let agent_ack = at(
        &es::sip_matching(&sip, "ACK", Some(es_sip), Some(phone_sip), "ACK"),
        "ACK to the agent",
    );
    let agent_byes = es::sip_matching(&sip, "BYE", Some(phone_sip), Some(es_sip), "BYE");
    assert_eq!(agent_byes.len(), 2, "the agent hung up both calls");
    let agent_bye = agent_byes[0].time;
    let bye_ok = at(
        &es::sip_matching(&sip, "200", Some(es_sip), Some(phone_sip), "BYE"),
        "200 to the agent's BYE",
    );
    let caller_bye = at(
        &es::sip_matching(&sip, "BYE", Some(es_sip), Some(caller_sip), "BYE"),
        "Earshot's BYE to the caller",
    );

    eprintln!(
        "agent BYE at {:.0} ms (expected about {hangup}), caller BYE at {:.0} ms (expected about \
         {expected_bye}) after the answer",
        (agent_bye - answered) * 1000.0,
        (caller_bye - answered) * 1000.0
    );
    // The caller stayed on after the agent left, and was hung up on by Earshot at the end of
    // the survey, about when the keys say (the last key + the thanks prompt).
    let survey_wire_ms = (caller_bye - agent_bye) * 1000.0;
    assert!(
        survey_wire_ms > (expected_bye - hangup) as f64 - 1_500.0,
        "BYE {survey_wire_ms:.0} ms after the agent's; expected about {} ms",
        expected_bye - hangup
    );
    let bye_from_answer = (caller_bye - answered) * 1000.0;
    assert!(
        (bye_from_answer - expected_bye as f64).abs() < 1_500.0,
        "BYE at {bye_from_answer:.0} ms, expected about {expected_bye} ms"
    );

    // tshark saw every key the caller pressed, in order.
    let digits: String = wire
        .dtmf_events()
        .unwrap()
        .iter()
        .filter(|d| d.src.port() == caller_media)
        .map(|d| d.digit)
        .collect();
    assert_eq!(digits, "11941106");

    // Nothing of the caller reached the agent after it hung up (at most one packet already on
    // its way while Earshot read the BYE, none after Earshot's 200 to it), though the caller
    // kept sending; before, the conversation was relayed.
    let to_agent: Vec<_> = wire
        .rtp_packets()
        .unwrap()
        .into_iter()
        .filter(|p| p.dst.port() == phone_media && p.ssrc == caller.ssrc())
        .collect();
    let talked = to_agent.iter().filter(|p| p.time < agent_bye).count();
    assert!(
        talked as u64 >= (TALK_MS - 500) / 20,
        "{talked} caller packets relayed while talking"
    );
    let after_bye = to_agent.iter().filter(|p| p.time > agent_bye).count();
    let after_ok = to_agent.iter().filter(|p| p.time > bye_ok).count();
    eprintln!("caller packets to the agent: {talked} before its BYE, {after_bye} after");
    assert!(
        after_bye <= 1 && after_ok == 0,
        "{after_bye} caller packets reached the agent after its BYE, {after_ok} after our 200"
    );
    let caller_sent_after = wire
        .rtp_packets()
        .unwrap()
        .into_iter()
        .filter(|p| p.src.port() == caller_media && p.time > bye_ok + 1.0)
        .count();
    assert!(
        caller_sent_after > 100,
        "the caller kept sending ({caller_sent_after})"
    );

    // The agent's INVITE said nothing of the survey: no word of it, and the same headers as
    // the call whose caller did not opt in.
    let invites = es::received_requests(&agent.messages, "INVITE");
    assert_eq!(invites.len(), 2, "{}", agent.messages);
    for invite in &invites {
        assert!(!invite.to_lowercase().contains("survey"), "{invite}");
    }
    let names = |text: &str| -> Vec<String> {
        text.lines()
            .skip(1)
            .take_while(|l| !l.trim().is_empty())
            .filter_map(|l| l.split_once(':').map(|(n, _)| n.trim().to_owned()))
            .collect()
    };
    assert_eq!(names(&invites[0]), names(&invites[1]));

    // The call record: talk time ends at the agent's hang-up, the call at the survey's end.
    let surveyed = &calls[0];
    assert_eq!(surveyed.ivr_path.as_deref(), Some("offer:1>main:1"));
    assert_eq!(surveyed.outcome.as_deref(), Some("completed"));
    // The agent ended the conversation; Earshot closed the line after the survey.
    assert_eq!(surveyed.hangup_by.as_deref(), Some("agent"));
    let talk = surveyed.talk_ms.expect("talk time");
    let talk_max = ((bye_ok - agent_ok) * 1000.0).ceil() as i64 + 2;
    let talk_min = ((agent_bye - agent_ack) * 1000.0).floor() as i64 - 2;
    assert!(
        (talk_min..=talk_max).contains(&talk),
        "talked {talk} ms; the agent was connected {talk_min}..{talk_max} ms on the wire"
    );
    let store = open_store(&data).await;
    let responses = store.call_survey_responses(surveyed.id).await.unwrap();
    assert_eq!(responses.len(), 1, "{responses:?}");
    let response = &responses[0];
    assert_eq!(response.survey_version_id, version);
    assert_eq!(response.reason, Some(OfferReason::OptedIn));
    assert_eq!(response.language.tag(), "en");
    let survey_ms = response.survey_ms.expect("the survey's length");
    assert!(
        survey_ms > 0 && (survey_ms as f64 - survey_wire_ms).abs() < 200.0,
        "survey {survey_ms} ms; {survey_wire_ms:.0} ms on the wire"
    );
    let (connected, ended) = (surveyed.answered_at.unwrap(), surveyed.ended_at.unwrap());
    assert!(
        ended >= connected + talk + survey_ms - 5,
        "ended {} ms after the connect: {talk} talking + {survey_ms} survey",
        ended - connected
    );
    let answers: Vec<(String, &str, Option<String>, u32, u32)> = response
        .answers
        .iter()
        .map(|a| {
            (
                a.question_key.clone(),
                a.kind.as_str(),
                a.answer.map(|x| x.to_string()),
                a.invalid,
                a.timeouts,
            )
        })
        .collect();
    assert_eq!(
        answers,
        [
            ("satisfaction".into(), "csat", Some("4".into()), 1, 0),
            ("resolved".into(), "yes_no", Some("yes".into()), 0, 1),
            ("recommend".into(), "nps", Some("10".into()), 0, 0),
            ("effort".into(), "ces", Some("6".into()), 0, 0),
        ]
    );

    // The recording covers the survey: as long as the call on the wire; the caller's channel
    // carries the caller during the survey, the agent's is silent from the hang-up on.
    let wav = audio::load_wav(&data.join("objects").join(&surveyed.object_key)).unwrap();
    let call_ms = ((caller_bye - answered) * 1000.0).round() as i64;
    assert!(
        (wav.duration_ms() as i64 - call_ms).abs() <= 100,
        "recording {} ms, call {call_ms} ms on the wire",
        wav.duration_ms()
    );
    assert_eq!(surveyed.duration_ms, wav.duration_ms() as i64);
    let hung_up = ((agent_bye - answered) * 1000.0) as u64;
    let survey_window = (hung_up + 300)..(call_ms as u64 - 300);
    assert!(
        audio::rms(wav.right(), (hung_up - 2_000)..(hung_up - 600)) > 0.05,
        "agent talked"
    );
    assert!(
        audio::silent(wav.right(), survey_window.clone()),
        "agent channel silent"
    );
    assert!(
        audio::rms(wav.left(), survey_window) > 0.02,
        "caller recorded"
    );

    // The second caller did not opt in: hung up on with the agent, no survey.
    let plain_call = &calls[1];
    assert_eq!(plain_call.ivr_path.as_deref(), Some("offer:2>main:1"));
    assert_eq!(plain_call.hangup_by.as_deref(), Some("agent"));
    let plain_bye = at(
        &es::sip_matching(&sip, "BYE", Some(es_sip), Some(plain_sip), "BYE"),
        "Earshot's BYE to the second caller",
    );
    let lag = (plain_bye - agent_byes[1].time) * 1000.0;
    assert!(
        (0.0..300.0).contains(&lag),
        "BYE {lag:.0} ms after the agent's"
    );
    assert!(store
        .call_survey_responses(plain_call.id)
        .await
        .unwrap()
        .is_empty());

    // The metrics count the response: CSAT 4 is satisfied, NPS 10 a promoter, CES 6, resolved.
    let tallies = store
        .survey_tallies(&SurveyFilter::default(), SurveyGroupBy::All)
        .await
        .unwrap();
    assert_eq!(tallies.len(), 1, "{tallies:?}");
    let t = &tallies[0];
    assert_eq!((t.offered, t.responses), (1, 1), "{t:?}");
    assert_eq!((t.csat_n, t.csat_satisfied), (1, 1), "{t:?}");
    assert_eq!(
        (t.nps_n, t.nps_promoters, t.nps_detractors),
        (1, 1, 0),
        "{t:?}"
    );
    assert_eq!((t.ces_n, t.ces_sum), (1, 6.0), "{t:?}");
    assert_eq!((t.fcr_n, t.fcr_yes), (1, 1), "{t:?}");
    store.close().await;
}
