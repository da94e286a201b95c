//! The B2BUA without sockets: a whole call fed to the sans-IO `Switch` as SIP text and media
//! events on a fake clock, with every SIP message it sends parsed back and checked — digest
//! registration, the caller answered with our SDP, the IVR digit, the offer to the agent's
//! contact, the bridge, the ring timeout and the teardown with its call record.

use std::collections::HashMap;
use std::net::SocketAddr;

use earshot_recorder::switch::{
    Directory, HangupBy, MediaCommand, MediaEvent, Outcome, StoreOp, Switch, SwitchConfig, Trunk,
};
use earshot_routing::{
    AgentConfig, AgentId, CallId, Member, MenuAction, MenuConfig, MenuId, PromptId, QueueConfig,
    QueueEventKind, QueueId, RoutingConfig, Strategy,
};
use earshot_sip::digest::{self, Challenge};
use earshot_sip::{Message, Response, Transport};
use earshot_store::surveys::{Offer, OfferReason, QueueSurvey};
use earshot_survey::Language;

const PW: &str = "secret";

fn addr(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

fn directory(agents: &[&str]) -> Directory {
    let routing = RoutingConfig {
        agents: agents
            .iter()
            .map(|a| AgentConfig {
                id: AgentId::new(*a),
                name: a.to_string(),
                skills: Default::default(),
            })
            .collect(),
        queues: vec![QueueConfig {
            id: QueueId::new("cards"),
            strategy: Strategy::LongestIdle,
            members: agents
                .iter()
                .map(|a| Member {
                    agent: AgentId::new(*a),
                    tier: 1,
                })
                .collect(),
            required_skills: Default::default(),
            ring_timeout_ms: 5_000,
            wrap_up_ms: 1_000,
            max_wait_ms: None,
            overflow_queue: None,
            tier_wait_ms: 10_000,
            auto_break_after: None,
            service_level_ms: 20_000,
            moh_prompt: Some(PromptId::new("moh")),
            closing_prompt: None,
        }],
        menus: vec![MenuConfig {
            id: MenuId::new("main"),
            prompt: PromptId::new("main-menu"),
            invalid_prompt: None,
            timeout_ms: 5_000,
            max_repeats: 1,
            entries: [('1', MenuAction::Queue(QueueId::new("cards")))].into(),
        }],
    };
    Directory {
        routing,
        trunks: vec![Trunk {
            name: "pstn".into(),
            net: "127.0.0.1/32".parse().unwrap(),
            entry_menu: MenuId::new("main"),
            language: "en".into(),
            max_calls: None,
        }],
        credentials: agents
            .iter()
            .map(|a| (a.to_string(), digest::ha1(a, "earshot", PW)))
            .collect::<HashMap<_, _>>(),
        surveys: Default::default(),
    }
}

fn switch(agents: &[&str]) -> Switch {
    switch_with(agents, 10, 1_000)
}

fn switch_with(agents: &[&str], max_calls: usize, rate: u32) -> Switch {
    Switch::new(config(max_calls, rate, 3_600_000), directory(agents))
}

fn config(max_calls: usize, rate: u32, max_call_ms: u64) -> SwitchConfig {
    SwitchConfig {
        sip_addr: addr(5060),
        media_ip: "127.0.0.1".parse().unwrap(),
        realm: "earshot".into(),
        max_calls,
        rate_per_second: rate,
        rate_burst: rate,
        rtp_ports: (40_000, 40_100),
        epoch_at_zero: 1_700_000_000_000,
        max_call_ms,
    }
}

/// Everything the switch sent, parsed, with its destination.
fn sent(sw: &mut Switch) -> Vec<(SocketAddr, Message)> {
    let mut out = Vec::new();
    while let Some(t) = sw.poll_transmit() {
        out.push((t.to, Message::parse(&t.bytes).expect("we send valid SIP")));
    }
    out
}

fn media(sw: &mut Switch) -> Vec<MediaCommand> {
    std::iter::from_fn(|| sw.poll_media()).collect()
}

fn responses(msgs: &[(SocketAddr, Message)]) -> Vec<(SocketAddr, Response)> {
    msgs.iter()
        .filter_map(|(a, m)| match m {
            Message::Response(r) => Some((*a, r.clone())),
            _ => None,
        })
        .collect()
}

fn requests(msgs: &[(SocketAddr, Message)]) -> Vec<(SocketAddr, earshot_sip::Request)> {
    msgs.iter()
        .filter_map(|(a, m)| match m {
            Message::Request(r) => Some((*a, r.clone())),
            _ => None,
        })
        .collect()
}

fn register(sw: &mut Switch, user: &str, phone_port: u16, now: u64) {
    let req = |cseq: u32, auth: &str| {
        format!(
            "REGISTER sip:127.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{phone_port};branch=z9hG4bKreg{user}{cseq}\r\nFrom: <sip:{user}@127.0.0.1>;tag=r{user}\r\nTo: <sip:{user}@127.0.0.1>\r\nCall-ID: reg-{user}\r\nCSeq: {cseq} REGISTER\r\nContact: <sip:{user}@127.0.0.1:{phone_port}>\r\nExpires: 600\r\n{auth}Content-Length: 0\r\n\r\n"
        )
    };
    sw.handle_sip(req(1, "").as_bytes(), addr(phone_port), Transport::Udp, now);
    let out = responses(&sent(sw));
    assert_eq!(out[0].1.status, 401, "a challenge first");
    let challenge = Challenge::parse(out[0].1.headers.get("WWW-Authenticate").unwrap()).unwrap();
    let auth = digest::respond(&challenge, user, PW, "REGISTER", "sip:127.0.0.1:5060");
    sw.handle_sip(
        req(2, &format!("Authorization: {auth}\r\n")).as_bytes(),
        addr(phone_port),
        Transport::Udp,
        now,
    );
    let out = responses(&sent(sw));
    assert_eq!(out[0].1.status, 200, "{:?}", out[0].1);
}

const SDP: &str = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 7000 RTP/AVP 8 0 101\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\n";

fn invite(caller_port: u16, call_id: &str) -> String {
    format!(
        "INVITE sip:5000@127.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{caller_port};branch=z9hG4bKinv{call_id}\r\nFrom: <sip:0912345678@127.0.0.1>;tag=caller\r\nTo: <sip:5000@127.0.0.1>\r\nCall-ID: {call_id}\r\nCSeq: 1 INVITE\r\nContact: <sip:0912345678@127.0.0.1:{caller_port}>\r\nMax-Forwards: 70\r\nContent-Type: application/sdp\r\nContent-Length: {}\r\n\r\n{SDP}",
        SDP.len()
    )
}

/// A phone's response to a request the switch sent it.
fn answer(
    req: &earshot_sip::Request,
    status: u16,
    to_tag: &str,
    sdp: Option<&str>,
    port: u16,
) -> String {
    let mut out = format!("SIP/2.0 {status} X\r\n");
    for name in ["Via", "From", "Call-ID", "CSeq"] {
        for v in req.headers.get_all(name) {
            out.push_str(&format!("{name}: {v}\r\n"));
        }
    }
    out.push_str(&format!(
        "To: {};tag={to_tag}\r\n",
        req.headers.get("To").unwrap()
    ));
    out.push_str(&format!("Contact: <sip:agent@127.0.0.1:{port}>\r\n"));
    match sdp {
        Some(sdp) => out.push_str(&format!(
            "Content-Type: application/sdp\r\nContent-Length: {}\r\n\r\n{sdp}",
            sdp.len()
        )),
        None => out.push_str("Content-Length: 0\r\n\r\n"),
    }
    out
}

#[test]
fn a_call_through_ivr_queue_and_agent_then_caller_hangs_up() {
    let mut sw = switch(&["1001"]);
    register(&mut sw, "1001", 6001, 0);

    // The caller is answered at once with our SDP, in its codec order, with its DTMF type.
    sw.handle_sip(
        invite(5070, "call-1").as_bytes(),
        addr(5070),
        Transport::Udp,
        1_000,
    );
    let out = responses(&sent(&mut sw));
    let ok = out.iter().find(|(_, r)| r.status == 200).expect("200 OK");
    assert_eq!(ok.0, addr(5070));
    let body = String::from_utf8(ok.1.body.clone()).unwrap();
    assert!(body.contains("c=IN IP4 127.0.0.1"), "{body}");
    assert!(
        body.contains("m=audio 400") && body.contains("RTP/AVP 8 0 101"),
        "{body}"
    );
    let cmds = media(&mut sw);
    assert!(matches!(cmds[0], MediaCommand::Open { .. }), "{cmds:?}");
    assert!(
        cmds.iter()
            .any(|c| matches!(c, MediaCommand::Play { prompt, .. } if prompt == "main-menu")),
        "{cmds:?}"
    );
    let call = match &cmds[0] {
        MediaCommand::Open { call, .. } => *call,
        _ => unreachable!(),
    };
    let caller_tag = ok.1.headers.to_addr().unwrap().tag().unwrap().to_owned();
    let ack = format!(
        "ACK sip:earshot@127.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKack1\r\nFrom: <sip:0912345678@127.0.0.1>;tag=caller\r\nTo: <sip:5000@127.0.0.1>;tag={caller_tag}\r\nCall-ID: call-1\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n"
    );
    sw.handle_sip(ack.as_bytes(), addr(5070), Transport::Udp, 1_010);
    // No 200 retransmission after the ACK.
    sw.handle_timeout(3_000);
    assert!(responses(&sent(&mut sw)).is_empty());

    // The caller presses 1 (barge-in): the prompt stops, the agent's phone is offered the
    // call at its registered contact, with our SDP on another port and the caller's codecs.
    sw.handle_media_event(MediaEvent::Digit { call, digit: '1' }, 3_500);
    let cmds = media(&mut sw);
    assert!(cmds
        .iter()
        .any(|c| matches!(c, MediaCommand::StopPrompt { .. })));
    assert!(cmds
        .iter()
        .any(|c| matches!(c, MediaCommand::Play { prompt, looped: true, .. } if prompt == "moh")));
    let reqs = requests(&sent(&mut sw));
    let (to, offer) = reqs
        .iter()
        .find(|(_, r)| r.method.as_str() == "INVITE")
        .unwrap();
    assert_eq!(*to, addr(6001));
    let offer_sdp = String::from_utf8(offer.body.clone()).unwrap();
    assert!(offer_sdp.contains("RTP/AVP 8 0 101"), "{offer_sdp}");
    assert_ne!(
        offer_sdp.lines().find(|l| l.starts_with("m=")),
        body.lines().find(|l| l.starts_with("m=")),
        "the agent leg has its own port"
    );

    // The agent rings, then answers: the switch ACKs and bridges.
    sw.handle_sip(
        answer(offer, 180, "agent", None, 6001).as_bytes(),
        addr(6001),
        Transport::Udp,
        3_600,
    );
    let agent_sdp = SDP.replace("7000", "7100");
    sw.handle_sip(
        answer(offer, 200, "agent", Some(&agent_sdp), 6001).as_bytes(),
        addr(6001),
        Transport::Udp,
        4_500,
    );
    let reqs = requests(&sent(&mut sw));
    assert!(
        reqs.iter()
            .any(|(a, r)| *a == addr(6001) && r.method.as_str() == "ACK"),
        "{reqs:?}"
    );
    let cmds = media(&mut sw);
    assert!(
        cmds.iter()
            .any(|c| matches!(c, MediaCommand::Bridge { agent_name: Some(a), .. } if a == "1001")),
        "{cmds:?}"
    );

    // The caller hangs up: 200 to the caller, BYE to the agent, the call record.
    let bye = format!(
        "BYE sip:earshot@127.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKbye1\r\nFrom: <sip:0912345678@127.0.0.1>;tag=caller\r\nTo: <sip:5000@127.0.0.1>;tag={caller_tag}\r\nCall-ID: call-1\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n"
    );
    sw.handle_sip(bye.as_bytes(), addr(5070), Transport::Udp, 14_500);
    let out = sent(&mut sw);
    assert!(responses(&out)
        .iter()
        .any(|(a, r)| *a == addr(5070) && r.status == 200));
    assert!(requests(&out)
        .iter()
        .any(|(a, r)| *a == addr(6001) && r.method.as_str() == "BYE"));
    let cmds = media(&mut sw);
    let summary = cmds
        .iter()
        .find_map(|c| match c {
            MediaCommand::Close { summary, .. } => Some(summary.clone()),
            _ => None,
        })
        .expect("the call is closed");
    assert_eq!(summary.outcome, Outcome::Answered);
    assert_eq!(summary.hangup_by, HangupBy::Caller);
    assert_eq!(summary.agent.as_deref(), Some("1001"));
    assert_eq!(summary.queue.as_deref(), Some("cards"));
    assert_eq!(summary.ivr_path, "main:1");
    assert_eq!(summary.dtmf, "1");
    assert_eq!(
        summary.wait_ms,
        Some(1_000),
        "queued at 3.5 s, connected at 4.5 s"
    );
    assert_eq!(summary.talk_ms, Some(10_000));
    assert_eq!(summary.started_at, 1_700_000_001_000);
    assert_eq!(sw.active_calls(), 0);

    let events: Vec<QueueEventKind> = std::iter::from_fn(|| sw.poll_store())
        .filter_map(|op| match op {
            StoreOp::Queue { event, .. } => Some(event.kind),
            _ => None,
        })
        .collect();
    assert!(matches!(events[0], QueueEventKind::Enter));
    assert!(matches!(events[1], QueueEventKind::Offer { .. }));
    assert!(matches!(
        events[2],
        QueueEventKind::Connect { wait_ms: 1_000, .. }
    ));
    assert!(matches!(
        events[3],
        QueueEventKind::Complete {
            talk_ms: 10_000,
            ..
        }
    ));
}

#[test]
fn an_unanswered_offer_is_cancelled_at_the_ring_timeout_and_untrusted_sources_are_refused() {
    let mut sw = switch(&["1001"]);
    register(&mut sw, "1001", 6001, 0);

    // Not from a trunk: 403, no call.
    sw.handle_sip(
        invite(5070, "stranger").as_bytes(),
        SocketAddr::from(([10, 0, 0, 9], 5070)),
        Transport::Udp,
        100,
    );
    let out = responses(&sent(&mut sw));
    assert!(out.iter().any(|(_, r)| r.status == 403), "{out:?}");
    assert_eq!(sw.active_calls(), 0);

    sw.handle_sip(
        invite(5070, "call-2").as_bytes(),
        addr(5070),
        Transport::Udp,
        1_000,
    );
    let _ = sent(&mut sw);
    let call = media(&mut sw)
        .iter()
        .find_map(|c| match c {
            MediaCommand::Open { call, .. } => Some(*call),
            _ => None,
        })
        .unwrap();
    sw.handle_media_event(MediaEvent::Digit { call, digit: '1' }, 2_000);
    let reqs = requests(&sent(&mut sw));
    let (_, offer) = reqs
        .iter()
        .find(|(_, r)| r.method.as_str() == "INVITE")
        .unwrap()
        .clone();
    sw.handle_sip(
        answer(&offer, 180, "agent", None, 6001).as_bytes(),
        addr(6001),
        Transport::Udp,
        2_100,
    );
    let _ = sent(&mut sw);
    // Ring timeout (5 s): CANCEL goes to the phone.
    let mut now = 2_100;
    let mut cancelled = false;
    while now < 8_000 && !cancelled {
        now = sw.poll_timeout().unwrap_or(now + 100).max(now + 1);
        sw.handle_timeout(now);
        cancelled = requests(&sent(&mut sw))
            .iter()
            .any(|(a, r)| *a == addr(6001) && r.method.as_str() == "CANCEL");
    }
    assert!(cancelled, "a CANCEL by 8 s");
    assert!(
        (7_000..7_200).contains(&now),
        "cancelled at {now} ms, ring timeout 5 s from 2 s"
    );
    let _ = CallId(0);
}

#[test]
fn limits_refuse_calls_over_the_maximum_and_drop_a_flood() {
    let mut sw = switch_with(&["1001"], 1, 20);
    sw.handle_sip(
        invite(5070, "first").as_bytes(),
        addr(5070),
        Transport::Udp,
        0,
    );
    assert!(responses(&sent(&mut sw))
        .iter()
        .any(|(_, r)| r.status == 200));
    sw.handle_sip(
        invite(5071, "second").as_bytes(),
        addr(5071),
        Transport::Udp,
        10,
    );
    let out = responses(&sent(&mut sw));
    let busy = out
        .iter()
        .find(|(_, r)| r.status == 503)
        .expect("503 over max_calls");
    assert!(busy.1.headers.get("Retry-After").is_some());
    assert_eq!(sw.active_calls(), 1, "the first call is untouched");

    // A flood from one address: the burst is answered, the rest dropped; others still served.
    let options = |n: u32| {
        format!(
            "OPTIONS sip:earshot@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.7:5099;branch=z9hG4bKfl{n}\r\nFrom: <sip:f@192.0.2.7>;tag=f\r\nTo: <sip:earshot@127.0.0.1>\r\nCall-ID: flood-{n}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
        )
    };
    let flooder = SocketAddr::from(([192, 0, 2, 7], 5099));
    let mut answered = 0;
    for n in 0..200 {
        sw.handle_sip(options(n).as_bytes(), flooder, Transport::Udp, 100);
        answered += responses(&sent(&mut sw)).len();
    }
    assert_eq!(answered, 20, "a burst of 20, then nothing");
    assert_eq!(sw.stats.requests_rate_limited, 180);
    sw.handle_sip(options(999).as_bytes(), addr(5072), Transport::Udp, 100);
    assert_eq!(
        responses(&sent(&mut sw)).len(),
        1,
        "another source is still answered"
    );
}

// ----- the post-call keypad survey -----

const SURVEY_VERSION: i64 = 42;

/// `main` gains a survey key (5: opt in, then `main` again) and `cards` the example survey
/// (satisfaction CSAT, resolved yes/no, recommend NPS, effort CES) with `offer`; 1001 and
/// 1002 are registered (phones on ports 6001 and 6002).
fn survey_switch(offer: Offer, max_call_ms: u64) -> Switch {
    let mut dir = directory(&["1001", "1002"]);
    dir.routing.menus[0]
        .entries
        .insert('5', MenuAction::Survey(MenuId::new("main")));
    dir.surveys.insert(
        "cards".into(),
        QueueSurvey {
            queue: "cards".into(),
            offer,
            version_id: SURVEY_VERSION,
            definition: earshot_survey::sample::example(),
        },
    );
    let mut sw = Switch::new(config(10, 1_000, max_call_ms), dir);
    register(&mut sw, "1001", 6001, 0);
    register(&mut sw, "1002", 6002, 0);
    sw
}

struct Connected {
    call: CallId,
    call_id: String,
    caller_port: u16,
    caller_tag: String,
    /// Our INVITE to the agent's phone, and where the phone is.
    agent_invite: earshot_sip::Request,
    agent_port: u16,
}

/// A call in at 1 s (opting in at 1.5 s when `opt_in`), queued by its 1 at 2 s, answered by
/// the agent offered it at 3 s.
fn connect(sw: &mut Switch, call_id: &str, caller_port: u16, opt_in: bool) -> Connected {
    sw.handle_sip(
        invite(caller_port, call_id).as_bytes(),
        addr(caller_port),
        Transport::Udp,
        1_000,
    );
    let out = responses(&sent(sw));
    let ok = out.iter().find(|(_, r)| r.status == 200).expect("200 OK");
    let caller_tag = ok.1.headers.to_addr().unwrap().tag().unwrap().to_owned();
    let ack = format!(
        "ACK sip:earshot@127.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{caller_port};branch=z9hG4bKack{call_id}\r\nFrom: <sip:0912345678@127.0.0.1>;tag=caller\r\nTo: <sip:5000@127.0.0.1>;tag={caller_tag}\r\nCall-ID: {call_id}\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n"
    );
    sw.handle_sip(ack.as_bytes(), addr(caller_port), Transport::Udp, 1_010);
    let call = media(sw)
        .iter()
        .find_map(|c| match c {
            MediaCommand::Open { call, .. } => Some(*call),
            _ => None,
        })
        .unwrap();
    if opt_in {
        sw.handle_media_event(MediaEvent::Digit { call, digit: '5' }, 1_500);
    }
    sw.handle_media_event(MediaEvent::Digit { call, digit: '1' }, 2_000);
    let reqs = requests(&sent(sw));
    let (phone, agent_invite) = reqs
        .iter()
        .find(|(_, r)| r.method.as_str() == "INVITE")
        .unwrap()
        .clone();
    let agent_port = phone.port();
    let agent_sdp = SDP.replace("7000", "7100");
    sw.handle_sip(
        answer(&agent_invite, 200, "agent", Some(&agent_sdp), agent_port).as_bytes(),
        phone,
        Transport::Udp,
        3_000,
    );
    let _ = sent(sw);
    let cmds = media(sw);
    assert!(
        cmds.iter()
            .any(|c| matches!(c, MediaCommand::Bridge { .. })),
        "{cmds:?}"
    );
    Connected {
        call,
        call_id: call_id.to_owned(),
        caller_port,
        caller_tag,
        agent_invite,
        agent_port,
    }
}

/// The agent's phone hangs up: an in-dialog BYE (its From is our INVITE's To with its tag).
fn agent_bye(c: &Connected) -> String {
    let h = &c.agent_invite.headers;
    format!(
        "BYE sip:earshot@127.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{};branch=z9hG4bKagentbye{}\r\nFrom: {};tag=agent\r\nTo: {}\r\nCall-ID: {}\r\nCSeq: 1 BYE\r\nContent-Length: 0\r\n\r\n",
        c.agent_port,
        c.call_id,
        h.get("To").unwrap(),
        h.get("From").unwrap(),
        h.get("Call-ID").unwrap()
    )
}

/// An in-dialog request from the caller.
fn from_caller(c: &Connected, method: &str, cseq: u32, extra: &str, body: &str) -> String {
    format!(
        "{method} sip:earshot@127.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{};branch=z9hG4bK{method}{cseq}{}\r\nFrom: <sip:0912345678@127.0.0.1>;tag=caller\r\nTo: <sip:5000@127.0.0.1>;tag={}\r\nCall-ID: {}\r\nCSeq: {cseq} {method}\r\n{extra}Content-Length: {}\r\n\r\n{body}",
        c.caller_port,
        c.call_id,
        c.caller_tag,
        c.call_id,
        body.len()
    )
}

/// What the media plane was told, in short: `play:<prompt>:<language>`, `stop`, `unbridge`,
/// `close`.
fn media_log(sw: &mut Switch) -> Vec<String> {
    media(sw)
        .iter()
        .filter_map(|c| match c {
            MediaCommand::Play {
                prompt, language, ..
            } => Some(format!("play:{prompt}:{language}")),
            MediaCommand::StopPrompt { .. } => Some("stop".into()),
            MediaCommand::Unbridge { .. } => Some("unbridge".into()),
            MediaCommand::Close { .. } => Some("close".into()),
            _ => None,
        })
        .collect()
}

fn close_summary(cmds: &[MediaCommand]) -> Option<Box<earshot_recorder::switch::CallSummary>> {
    cmds.iter().find_map(|c| match c {
        MediaCommand::Close { summary, .. } => Some(summary.clone()),
        _ => None,
    })
}

fn sip_to(out: &[(SocketAddr, Message)], port: u16, method: &str) -> bool {
    requests(out)
        .iter()
        .any(|(a, r)| *a == addr(port) && r.method.as_str() == method)
}

#[test]
fn an_opted_in_caller_answers_the_survey_after_the_agent_hangs_up() {
    let mut sw = survey_switch(Offer::OptIn, 3_600_000);
    let c = connect(&mut sw, "survey-1", 5070, true);
    let call = c.call;
    let digit = |sw: &mut Switch, d: char, at: u64| {
        sw.handle_media_event(MediaEvent::Digit { call, digit: d }, at)
    };
    let finished =
        |sw: &mut Switch, at: u64| sw.handle_media_event(MediaEvent::PromptFinished { call }, at);

    // The agent hangs up at 13 s: 200 to the agent, no BYE to the caller, the relay stops and
    // the intro plays in the call's language.
    sw.handle_sip(
        agent_bye(&c).as_bytes(),
        addr(c.agent_port),
        Transport::Udp,
        13_000,
    );
    let out = sent(&mut sw);
    assert!(responses(&out)
        .iter()
        .any(|(a, r)| *a == addr(c.agent_port) && r.status == 200));
    assert!(!sip_to(&out, 5070, "BYE"), "the caller stays: {out:?}");
    assert_eq!(media_log(&mut sw), ["unbridge", "play:survey-intro:en"]);
    assert_eq!(sw.active_calls(), 1);

    // Satisfaction: 9 is invalid (CSAT 1–5), then 4.
    finished(&mut sw, 16_000);
    assert_eq!(media_log(&mut sw), ["play:survey-v42-satisfaction:en"]);
    digit(&mut sw, '9', 17_000);
    assert_eq!(media_log(&mut sw), ["stop", "play:survey-invalid:en"]);
    finished(&mut sw, 18_000);
    assert_eq!(media_log(&mut sw), ["play:survey-v42-satisfaction:en"]);
    digit(&mut sw, '4', 19_000);
    assert_eq!(media_log(&mut sw), ["stop", "play:survey-v42-resolved:en"]);
    // Resolved: the prompt ends at 22 s, nothing by 27 s (the 5 s answer timeout): again; 1.
    finished(&mut sw, 22_000);
    sw.handle_timeout(26_999);
    assert_eq!(media_log(&mut sw), Vec::<String>::new());
    sw.handle_timeout(27_000);
    assert_eq!(media_log(&mut sw), ["play:survey-v42-resolved:en"]);
    finished(&mut sw, 30_000);
    digit(&mut sw, '1', 31_000);
    assert_eq!(media_log(&mut sw), ["play:survey-v42-recommend:en"]);
    // Recommend: 1 0 is 10.
    digit(&mut sw, '1', 31_500);
    digit(&mut sw, '0', 32_000);
    assert_eq!(media_log(&mut sw), ["stop", "play:survey-v42-effort:en"]);
    // Effort: a SIP INFO digit counts like an RFC 4733 one.
    sw.handle_sip(
        from_caller(
            &c,
            "INFO",
            2,
            "Content-Type: application/dtmf-relay\r\n",
            "Signal=6\r\nDuration=160\r\n",
        )
        .as_bytes(),
        addr(5070),
        Transport::Udp,
        33_000,
    );
    assert!(responses(&sent(&mut sw))
        .iter()
        .any(|(a, r)| *a == addr(5070) && r.status == 200));
    assert_eq!(media_log(&mut sw), ["stop", "play:survey-thanks:en"]);
    // Nothing about the survey left the switch before the call ended.
    let before_end: Vec<StoreOp> = std::iter::from_fn(|| sw.poll_store()).collect();
    let text = format!("{before_end:?}").to_lowercase();
    assert!(!text.contains("survey") && !text.contains("opt"), "{text}");
    let invite_text = String::from_utf8_lossy(&c.agent_invite.to_bytes()).to_lowercase();
    assert!(!invite_text.contains("survey"), "{invite_text}");

    // The thanks ends at 35 s: BYE to the caller, none to the agent, the call record.
    finished(&mut sw, 35_000);
    let out = sent(&mut sw);
    assert!(sip_to(&out, 5070, "BYE"), "{out:?}");
    assert!(!sip_to(&out, c.agent_port, "BYE"), "the agent already left");
    let summary = close_summary(&media(&mut sw)).expect("the call is closed");
    assert_eq!(sw.active_calls(), 0);
    assert_eq!(summary.outcome, Outcome::Answered);
    assert_eq!(summary.hangup_by, HangupBy::Agent);
    assert_eq!(summary.agent.as_deref(), Some("1001"));
    assert_eq!(summary.ivr_path, "main:5>main:1");
    assert_eq!(
        summary.dtmf, "51",
        "survey keys are in the survey, not here"
    );
    assert_eq!(summary.connected_at, Some(1_700_000_003_000));
    // Talk: connected at 3 s, the agent hung up at 13 s; the survey ran 13 s → 35 s.
    assert_eq!(summary.talk_ms, Some(10_000));
    assert_eq!(summary.ended_at, 1_700_000_035_000);
    let survey = summary.survey.as_ref().expect("the survey response");
    assert_eq!(survey.survey_version_id, SURVEY_VERSION);
    assert_eq!(survey.reason, OfferReason::OptedIn);
    assert_eq!(survey.language, Language::En);
    assert_eq!(survey.started_at, 1_700_000_013_000);
    assert_eq!(survey.ended_at, 1_700_000_035_000);
    let answers: Vec<(String, Option<String>, u32, u32)> = survey
        .answers
        .iter()
        .map(|a| {
            (
                a.question_key.clone(),
                a.answer.map(|x| x.to_string()),
                a.invalid,
                a.timeouts,
            )
        })
        .collect();
    assert_eq!(
        answers,
        [
            ("satisfaction".into(), Some("4".into()), 1, 0),
            ("resolved".into(), Some("yes".into()), 0, 1),
            ("recommend".into(), Some("10".into()), 0, 0),
            ("effort".into(), Some("6".into()), 0, 0),
        ]
    );

    // The ACD heard of the end of the conversation at the agent's hang-up: talk 10 s, and the
    // agent went to wrap-up then, not at the end of the survey.
    let complete = before_end.iter().find_map(|op| match op {
        StoreOp::Queue { event, .. } => match &event.kind {
            QueueEventKind::Complete { talk_ms, .. } => Some((event.at, *talk_ms)),
            _ => None,
        },
        _ => None,
    });
    assert_eq!(complete, Some((13_000, 10_000)));
    let wrap_up = before_end.iter().find_map(|op| match op {
        StoreOp::Agent(e) if format!("{:?}", e.to).to_lowercase().contains("wrap") => Some(e.at),
        _ => None,
    });
    assert_eq!(wrap_up, Some(13_000));
}

#[test]
fn a_caller_who_did_not_opt_in_is_hung_up_on_with_the_agent() {
    let mut sw = survey_switch(Offer::OptIn, 3_600_000);
    let opted = connect(&mut sw, "opted", 5071, true);
    let plain = connect(&mut sw, "plain", 5072, false);
    // The agent's INVITE says nothing of the choice: the same headers either way.
    let names = |r: &earshot_sip::Request| -> Vec<String> {
        String::from_utf8_lossy(&r.to_bytes())
            .lines()
            .skip(1)
            .take_while(|l| !l.is_empty())
            .filter_map(|l| l.split_once(':').map(|(n, _)| n.to_owned()))
            .collect()
    };
    assert_eq!(names(&opted.agent_invite), names(&plain.agent_invite));
    // The same SDP but for the session id (random) and the port (the call's own).
    let sdp = |r: &earshot_sip::Request| -> Vec<String> {
        String::from_utf8_lossy(&r.body)
            .lines()
            .filter(|l| !l.starts_with("o="))
            .map(|l| match l.strip_prefix("m=audio ") {
                Some(rest) => format!("m=audio PORT{}", &rest[rest.find(' ').unwrap_or(0)..]),
                None => l.to_owned(),
            })
            .collect()
    };
    assert_eq!(sdp(&opted.agent_invite), sdp(&plain.agent_invite));

    sw.handle_sip(
        agent_bye(&plain).as_bytes(),
        addr(plain.agent_port),
        Transport::Udp,
        9_000,
    );
    let out = sent(&mut sw);
    assert!(sip_to(&out, 5072, "BYE"), "hung up with the agent: {out:?}");
    let summary = close_summary(&media(&mut sw)).expect("closed");
    assert_eq!(summary.hangup_by, HangupBy::Agent);
    assert_eq!(summary.talk_ms, Some(6_000));
    assert!(summary.survey.is_none());
}

#[test]
fn offered_to_all_a_caller_who_hangs_up_mid_survey_keeps_the_answers_given() {
    let mut sw = survey_switch(Offer::All, 3_600_000);
    let c = connect(&mut sw, "all", 5073, false);
    let call = c.call;
    sw.handle_sip(
        agent_bye(&c).as_bytes(),
        addr(c.agent_port),
        Transport::Udp,
        8_000,
    );
    let _ = sent(&mut sw);
    sw.handle_media_event(MediaEvent::PromptFinished { call }, 10_000);
    sw.handle_media_event(MediaEvent::Digit { call, digit: '2' }, 10_500);
    sw.handle_media_event(MediaEvent::PromptFinished { call }, 13_000);
    let _ = media(&mut sw);
    // The caller hangs up while the second question waits for a key.
    sw.handle_sip(
        from_caller(&c, "BYE", 2, "", "").as_bytes(),
        addr(5073),
        Transport::Udp,
        14_000,
    );
    let out = sent(&mut sw);
    assert!(responses(&out)
        .iter()
        .any(|(a, r)| *a == addr(5073) && r.status == 200));
    assert!(requests(&out).is_empty(), "nobody left to BYE: {out:?}");
    let summary = close_summary(&media(&mut sw)).expect("closed");
    assert_eq!(summary.hangup_by, HangupBy::Agent);
    assert_eq!(summary.outcome, Outcome::Answered);
    assert_eq!(summary.talk_ms, Some(5_000), "3 s → 8 s");
    let survey = summary.survey.unwrap();
    assert_eq!(survey.reason, OfferReason::All);
    assert_eq!(survey.ended_at, 1_700_000_014_000);
    let got: Vec<(String, Option<String>)> = survey
        .answers
        .iter()
        .map(|a| (a.question_key.clone(), a.answer.map(|x| x.to_string())))
        .collect();
    assert_eq!(
        got,
        [
            ("satisfaction".to_owned(), Some("2".to_owned())),
            ("resolved".to_owned(), None)
        ]
    );
}

#[test]
fn the_survey_is_bounded_by_the_maximum_call_duration() {
    // Calls may last 20 s: the survey from 8 s is cut at 21 s (in at 1 s + 20 s).
    let mut sw = survey_switch(Offer::All, 20_000);
    let c = connect(&mut sw, "long", 5074, false);
    sw.handle_sip(
        agent_bye(&c).as_bytes(),
        addr(c.agent_port),
        Transport::Udp,
        8_000,
    );
    let _ = sent(&mut sw);
    let _ = media(&mut sw);
    // The intro never reports finished (a stuck media plane); only the deadline wakes us.
    sw.handle_timeout(20_999);
    assert!(!sip_to(&sent(&mut sw), 5074, "BYE"));
    sw.handle_timeout(21_000);
    assert!(sip_to(&sent(&mut sw), 5074, "BYE"));
    let summary = close_summary(&media(&mut sw)).expect("closed");
    assert_eq!(summary.outcome, Outcome::Answered);
    assert_eq!(summary.hangup_by, HangupBy::Agent);
    let survey = summary.survey.unwrap();
    assert!(survey.answers.is_empty(), "no question reached");
    assert_eq!(survey.ended_at - survey.started_at, 13_000);
}

/// Question key, answer text, invalid keys, timeouts.
type ReportedAnswer = (String, Option<String>, u32, u32);

#[test]
fn the_answers_so_far_reach_the_media_plane_for_the_sidecar() {
    let mut sw = survey_switch(Offer::OptIn, 3_600_000);
    let c = connect(&mut sw, "survey-progress", 5070, true);
    let call = c.call;
    let progress = |sw: &mut Switch| -> Vec<Vec<ReportedAnswer>> {
        media(sw)
            .into_iter()
            .filter_map(|m| match m {
                MediaCommand::SurveyProgress { survey, .. } => Some(
                    survey
                        .answers
                        .iter()
                        .map(|a| {
                            (
                                a.question_key.clone(),
                                a.answer.map(|x| x.to_string()),
                                a.invalid,
                                a.timeouts,
                            )
                        })
                        .collect(),
                ),
                _ => None,
            })
            .collect()
    };
    sw.handle_sip(
        agent_bye(&c).as_bytes(),
        addr(c.agent_port),
        Transport::Udp,
        13_000,
    );
    let _ = sent(&mut sw);
    assert!(progress(&mut sw).is_empty(), "nothing answered yet");
    sw.handle_media_event(MediaEvent::PromptFinished { call }, 16_000);
    let _ = progress(&mut sw);
    // An invalid key is worth keeping too (it is counted on the question).
    sw.handle_media_event(MediaEvent::Digit { call, digit: '9' }, 17_000);
    assert_eq!(
        progress(&mut sw).last().cloned().unwrap_or_default(),
        [("satisfaction".to_string(), None, 1, 0)]
    );
    sw.handle_media_event(MediaEvent::PromptFinished { call }, 18_000);
    sw.handle_media_event(MediaEvent::Digit { call, digit: '4' }, 19_000);
    let reports = progress(&mut sw);
    let last = reports.last().expect("the answer is reported at once");
    assert_eq!(
        last[0],
        ("satisfaction".to_string(), Some("4".into()), 1, 0)
    );
    // A prompt finishing changes no answer: no report.
    sw.handle_media_event(MediaEvent::PromptFinished { call }, 22_000);
    assert!(progress(&mut sw).is_empty());
}
