//! Transaction tests on a fake clock.

use super::*;
use crate::message::{Message, Request, Response};

const PEER: &str = "192.0.2.10:5060";

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

fn request(method: &str, branch: &str, via_host: &str) -> Request {
    let text = format!(
        "{method} sip:agent@10.0.0.1 SIP/2.0\r\n\
Via: SIP/2.0/UDP {via_host};branch={branch}\r\n\
Max-Forwards: 70\r\n\
From: <sip:caller@example.com>;tag=from1\r\n\
To: <sip:agent@10.0.0.1>\r\n\
Call-ID: call-1@example.com\r\n\
CSeq: 7 {method}\r\n\
Content-Length: 0\r\n\r\n"
    );
    match Message::parse(text.as_bytes()).unwrap() {
        Message::Request(r) => r,
        _ => unreachable!(),
    }
}

fn parse(bytes: &[u8]) -> Message {
    Message::parse(bytes).unwrap()
}

fn resp(bytes: &[u8]) -> Response {
    match parse(bytes) {
        Message::Response(r) => r,
        m => panic!("expected a response, got {m:?}"),
    }
}

fn req(bytes: &[u8]) -> Request {
    match parse(bytes) {
        Message::Request(r) => r,
        m => panic!("expected a request, got {m:?}"),
    }
}

fn drain(layer: &mut TransactionLayer) -> Vec<Transmit> {
    std::iter::from_fn(|| layer.poll_transmit()).collect()
}

fn events(layer: &mut TransactionLayer) -> Vec<TuEvent> {
    std::iter::from_fn(|| layer.poll_event()).collect()
}

/// Advances the clock from deadline to deadline up to `end`; returns when each transmit left.
fn run_until(layer: &mut TransactionLayer, end: Millis) -> Vec<(Millis, Transmit)> {
    let mut sent = Vec::new();
    while let Some(at) = layer.poll_timeout().filter(|&t| t <= end) {
        layer.handle_timeout(at);
        sent.extend(drain(layer).into_iter().map(|t| (at, t)));
    }
    sent
}

/// A response from the far end to a request we sent.
fn answer(sent: &Transmit, status: u16, tag: &str) -> Message {
    req(&sent.bytes)
        .response(status, crate::message::reason_phrase(status))
        .with_to_tag(tag)
        .into()
}

/// Our outgoing INVITE: a Via of ours with a fresh branch.
fn our_request(method: &str) -> Request {
    let mut r = request(method, "z9hG4bKours", "10.0.0.1:5060");
    r.headers.set_first(
        "Via",
        Via::new(Transport::Udp, "10.0.0.1", Some(5060)).to_string(),
    );
    r
}

#[test]
fn client_invite_retransmits_until_timer_b() {
    let mut layer = TransactionLayer::default();
    let key = layer
        .send_request(our_request("INVITE"), addr(PEER), Transport::Udp, 0)
        .unwrap();
    assert_eq!(drain(&mut layer).len(), 1);
    let sent = run_until(&mut layer, 40_000);
    let times: Vec<_> = sent.iter().map(|(t, _)| *t).collect();
    // Timer A: 500, 1000, 2000, 4000, 8000, 16000 ms apart; Timer B at 64*T1.
    assert_eq!(times, [500, 1_500, 3_500, 7_500, 15_500, 31_500]);
    assert!(sent
        .iter()
        .all(|(_, t)| req(&t.bytes).method == Method::Invite));
    let ev = events(&mut layer);
    assert_eq!(ev.len(), 1);
    let TuEvent::Timeout { key: k, response } = &ev[0] else {
        panic!("{ev:?}")
    };
    assert_eq!(k, &key);
    assert_eq!(response.status, 408);
    assert!(layer.is_empty());
}

#[test]
fn client_invite_over_tcp_does_not_retransmit() {
    let mut layer = TransactionLayer::default();
    layer
        .send_request(our_request("INVITE"), addr(PEER), Transport::Tcp, 0)
        .unwrap();
    drain(&mut layer);
    assert!(run_until(&mut layer, 40_000).is_empty());
    assert!(matches!(events(&mut layer)[..], [TuEvent::Timeout { .. }]));
}

#[test]
fn client_invite_non_2xx_is_acked_by_the_transaction() {
    let mut layer = TransactionLayer::default();
    let key = layer
        .send_request(our_request("INVITE"), addr(PEER), Transport::Udp, 0)
        .unwrap();
    let invite = drain(&mut layer).remove(0);

    // A provisional stops Timer A.
    layer
        .handle_incoming(
            answer(&invite, 180, "callee"),
            addr(PEER),
            Transport::Udp,
            100,
        )
        .unwrap();
    assert!(
        matches!(&events(&mut layer)[..], [TuEvent::Response { response, .. }] if response.status == 180)
    );
    assert!(
        run_until(&mut layer, 10_000).is_empty(),
        "no retransmission after 180"
    );

    layer
        .handle_incoming(
            answer(&invite, 486, "callee"),
            addr(PEER),
            Transport::Udp,
            10_000,
        )
        .unwrap();
    let ev = events(&mut layer);
    assert!(
        matches!(&ev[..], [TuEvent::Response { key: k, response }] if k == &key && response.status == 486)
    );
    let acks = drain(&mut layer);
    assert_eq!(acks.len(), 1);
    assert_eq!(acks[0].to, addr(PEER));
    let ack = req(&acks[0].bytes);
    let inv = req(&invite.bytes);
    assert_eq!(ack.method, Method::Ack);
    assert_eq!(ack.uri, inv.uri);
    assert_eq!(
        ack.headers.top_via().unwrap().branch(),
        inv.headers.top_via().unwrap().branch()
    );
    assert_eq!(
        ack.headers.cseq().unwrap(),
        crate::CSeq {
            seq: 7,
            method: Method::Ack
        }
    );
    assert_eq!(ack.headers.to_addr().unwrap().tag(), Some("callee"));

    // The retransmitted 486 is absorbed and re-ACKed.
    layer
        .handle_incoming(
            answer(&invite, 486, "callee"),
            addr(PEER),
            Transport::Udp,
            10_500,
        )
        .unwrap();
    assert!(events(&mut layer).is_empty());
    assert_eq!(drain(&mut layer), acks);
    // Timer D: gone 32 s later.
    run_until(&mut layer, 10_000 + 32_000);
    assert!(layer.is_empty());
}

#[test]
fn client_invite_2xx_and_its_retransmissions_reach_the_tu() {
    let mut layer = TransactionLayer::default();
    layer
        .send_request(our_request("INVITE"), addr(PEER), Transport::Udp, 0)
        .unwrap();
    let invite = drain(&mut layer).remove(0);
    layer
        .handle_incoming(
            answer(&invite, 200, "callee"),
            addr(PEER),
            Transport::Udp,
            50,
        )
        .unwrap();
    layer
        .handle_incoming(
            answer(&invite, 200, "callee"),
            addr(PEER),
            Transport::Udp,
            550,
        )
        .unwrap();
    assert_eq!(
        events(&mut layer).len(),
        2,
        "each 2xx goes up so the TU resends its ACK"
    );
    assert!(
        drain(&mut layer).is_empty(),
        "the transaction never ACKs a 2xx"
    );
    assert!(run_until(&mut layer, 20_000).is_empty());
    run_until(&mut layer, 50 + 32_000);
    assert!(layer.is_empty(), "Timer M");
}

#[test]
fn client_non_invite_timer_e_caps_at_t2() {
    let mut layer = TransactionLayer::default();
    layer
        .send_request(our_request("OPTIONS"), addr(PEER), Transport::Udp, 0)
        .unwrap();
    drain(&mut layer);
    let times: Vec<_> = run_until(&mut layer, 40_000)
        .into_iter()
        .map(|(t, _)| t)
        .collect();
    assert_eq!(
        times,
        [500, 1_500, 3_500, 7_500, 11_500, 15_500, 19_500, 23_500, 27_500, 31_500]
    );
    assert!(
        matches!(&events(&mut layer)[..], [TuEvent::Timeout { response, .. }] if response.status == 408)
    );
}

#[test]
fn client_non_invite_final_then_timer_k() {
    let mut layer = TransactionLayer::default();
    layer
        .send_request(our_request("BYE"), addr(PEER), Transport::Udp, 0)
        .unwrap();
    let bye = drain(&mut layer).remove(0);
    layer
        .handle_incoming(answer(&bye, 200, "x"), addr(PEER), Transport::Udp, 200)
        .unwrap();
    layer
        .handle_incoming(answer(&bye, 200, "x"), addr(PEER), Transport::Udp, 300)
        .unwrap();
    assert_eq!(events(&mut layer).len(), 1, "retransmitted final absorbed");
    assert!(run_until(&mut layer, 200 + 4_999).is_empty());
    assert!(!layer.is_empty());
    run_until(&mut layer, 200 + 5_000);
    assert!(layer.is_empty(), "Timer K = T4");
}

fn incoming_invite(layer: &mut TransactionLayer, now: Millis) -> TransactionKey {
    let invite = request("INVITE", "z9hG4bKpeer1", "192.0.2.10:5060");
    layer
        .handle_incoming(invite.into(), addr(PEER), Transport::Udp, now)
        .unwrap();
    let ev = events(layer);
    let [TuEvent::NewRequest { key, .. }] = &ev[..] else {
        panic!("{ev:?}")
    };
    key.clone()
}

#[test]
fn server_invite_sends_trying_and_absorbs_retransmissions() {
    let mut layer = TransactionLayer::default();
    incoming_invite(&mut layer, 0);
    let out = drain(&mut layer);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].to, addr(PEER));
    assert_eq!(resp(&out[0].bytes).status, 100);
    let again = request("INVITE", "z9hG4bKpeer1", "192.0.2.10:5060");
    layer
        .handle_incoming(again.into(), addr(PEER), Transport::Udp, 500)
        .unwrap();
    assert!(events(&mut layer).is_empty(), "never reaches the TU twice");
    assert_eq!(drain(&mut layer), out, "the last provisional is resent");
}

#[test]
fn server_invite_final_retransmitted_by_timer_g_until_ack() {
    let mut layer = TransactionLayer::default();
    let key = incoming_invite(&mut layer, 0);
    drain(&mut layer);
    let invite = request("INVITE", "z9hG4bKpeer1", "192.0.2.10:5060");
    let busy = invite.response(486, "Busy Here").with_to_tag("me");
    assert!(layer.send_response(&key, busy, 1_000).unwrap().is_none());
    assert_eq!(resp(&drain(&mut layer)[0].bytes).status, 486);
    let times: Vec<_> = run_until(&mut layer, 8_500)
        .into_iter()
        .map(|(t, _)| t)
        .collect();
    // Timer G: T1, 2T1, 4T1, then capped at T2.
    assert_eq!(times, [1_500, 2_500, 4_500, 8_500]);
    // The ACK (same branch) confirms: no more retransmissions, not passed to the TU.
    let mut ack = request("ACK", "z9hG4bKpeer1", "192.0.2.10:5060");
    ack.headers.set("To", "<sip:agent@10.0.0.1>;tag=me");
    layer
        .handle_incoming(ack.clone().into(), addr(PEER), Transport::Udp, 9_000)
        .unwrap();
    assert!(events(&mut layer).is_empty());
    assert!(run_until(&mut layer, 9_000 + 4_999).is_empty());
    // A retransmitted INVITE in Confirmed is absorbed without a reply.
    layer
        .handle_incoming(invite.into(), addr(PEER), Transport::Udp, 9_500)
        .unwrap();
    assert!(drain(&mut layer).is_empty());
    run_until(&mut layer, 9_000 + 5_000);
    assert!(layer.is_empty(), "Timer I = T4");
    assert!(layer
        .send_response(&key, request("INVITE", "b", "h").response(500, "x"), 20_000)
        .is_err());
}

#[test]
fn server_invite_timer_h_gives_up_without_ack() {
    let mut layer = TransactionLayer::default();
    let key = incoming_invite(&mut layer, 0);
    drain(&mut layer);
    let invite = request("INVITE", "z9hG4bKpeer1", "192.0.2.10:5060");
    let _ = layer
        .send_response(&key, invite.response(404, "Not Found"), 0)
        .unwrap();
    drain(&mut layer);
    let sent = run_until(&mut layer, 60_000);
    assert_eq!(sent.last().unwrap().0, 31_500);
    assert_eq!(events(&mut layer), vec![TuEvent::AckTimeout { key }]);
    assert!(layer.is_empty());
}

#[test]
fn server_invite_over_tcp_no_g_and_immediate_i() {
    let mut layer = TransactionLayer::default();
    let invite = request("INVITE", "z9hG4bKpeer1", "192.0.2.10:5060");
    layer
        .handle_incoming(
            invite.clone().into(),
            addr("192.0.2.10:40000"),
            Transport::Tcp,
            0,
        )
        .unwrap();
    let TuEvent::NewRequest { key, .. } = layer.poll_event().unwrap() else {
        panic!()
    };
    let trying = drain(&mut layer);
    assert_eq!(
        trying[0].to,
        addr("192.0.2.10:40000"),
        "reliable: back on the connection"
    );
    let _ = layer
        .send_response(&key, invite.response(480, "x"), 0)
        .unwrap();
    drain(&mut layer);
    assert!(
        run_until(&mut layer, 31_000).is_empty(),
        "no Timer G over TCP"
    );
    let ack = request("ACK", "z9hG4bKpeer1", "192.0.2.10:5060");
    layer
        .handle_incoming(ack.into(), addr("192.0.2.10:40000"), Transport::Tcp, 1_000)
        .unwrap();
    assert!(layer.is_empty(), "Timer I is 0 over TCP");
}

#[test]
fn server_invite_2xx_is_retransmitted_by_the_tu_helper_until_ack() {
    let mut layer = TransactionLayer::default();
    let key = incoming_invite(&mut layer, 0);
    drain(&mut layer);
    let invite = request("INVITE", "z9hG4bKpeer1", "192.0.2.10:5060");
    let ok = invite.response(200, "OK").with_to_tag("me");
    let mut rt = layer
        .send_response(&key, ok, 0)
        .unwrap()
        .expect("2xx to INVITE");
    assert_eq!(resp(&drain(&mut layer)[0].bytes).status, 200);
    // The transaction itself does not retransmit a 2xx.
    let mut times = Vec::new();
    while let Some(at) = rt.poll_timeout().filter(|&t| t <= 12_000) {
        rt.handle_timeout(at);
        if let Some(t) = rt.poll_transmit() {
            assert_eq!(resp(&t.bytes).status, 200);
            assert_eq!(t.to, addr(PEER));
            times.push(at);
        }
    }
    assert_eq!(times, [500, 1_500, 3_500, 7_500, 11_500]);
    assert!(run_until(&mut layer, 12_000).is_empty());
    // The ACK for a 2xx has its own branch: it reaches the TU, which stops the helper.
    let mut ack = request("ACK", "z9hG4bKotherbranch", "192.0.2.10:5060");
    ack.headers.set("To", "<sip:agent@10.0.0.1>;tag=me");
    layer
        .handle_incoming(ack.into(), addr(PEER), Transport::Udp, 12_000)
        .unwrap();
    let ev = events(&mut layer);
    let [TuEvent::AckFor2xx { request, .. }] = &ev[..] else {
        panic!("{ev:?}")
    };
    let mut wrong_tag = request.clone();
    wrong_tag
        .headers
        .set("To", "<sip:agent@10.0.0.1>;tag=other");
    assert!(!rt.handle_ack(&wrong_tag));
    assert!(rt.handle_ack(request));
    assert_eq!(rt.state(), Retransmit2xxState::Acked);
    assert_eq!(rt.poll_timeout(), None);
    // Retransmitted INVITE while Accepted: absorbed, nothing resent (RFC 6026).
    layer
        .handle_incoming(invite.into(), addr(PEER), Transport::Udp, 12_100)
        .unwrap();
    assert!(drain(&mut layer).is_empty() && events(&mut layer).is_empty());
}

#[test]
fn retransmit_2xx_times_out_after_64_t1() {
    let t = TimerConfig::default();
    let invite = request("INVITE", "z9hG4bKpeer1", "192.0.2.10:5060");
    let ok = invite.response(200, "OK").with_to_tag("me");
    let transmit = Transmit {
        to: addr(PEER),
        transport: Transport::Udp,
        bytes: ok.to_bytes(),
    };
    let mut rt = Retransmit2xx::new(&ok, transmit, 0, &t).unwrap();
    let mut count = 0;
    while let Some(at) = rt.poll_timeout() {
        rt.handle_timeout(at);
        count += usize::from(rt.poll_transmit().is_some());
    }
    assert_eq!(rt.state(), Retransmit2xxState::TimedOut);
    // 500, 1500, 3500, 7500, then every 4 s: 11500 ... 31500. Ten retransmissions.
    assert_eq!(count, 10);
}

#[test]
fn cancel_matches_its_invite() {
    let mut layer = TransactionLayer::default();
    let key = incoming_invite(&mut layer, 0);
    let invite = request("INVITE", "z9hG4bKpeer1", "192.0.2.10:5060");
    let _ = layer
        .send_response(&key, invite.response(180, "Ringing").with_to_tag("me"), 10)
        .unwrap();
    drain(&mut layer);
    let cancel = request("CANCEL", "z9hG4bKpeer1", "192.0.2.10:5060");
    layer
        .handle_incoming(cancel.clone().into(), addr(PEER), Transport::Udp, 20)
        .unwrap();
    let ev = events(&mut layer);
    let [TuEvent::Cancelled { invite_key, .. }] = &ev[..] else {
        panic!("{ev:?}")
    };
    assert_eq!(invite_key, &key);
    let ok = resp(&drain(&mut layer)[0].bytes);
    assert_eq!(
        (ok.status, ok.headers.cseq().unwrap().method),
        (200, Method::Cancel)
    );
    assert_eq!(
        ok.headers.to_addr().unwrap().tag(),
        Some("me"),
        "same To tag as the INVITE's responses"
    );
    // A retransmitted CANCEL gets the same 200 and no second event.
    layer
        .handle_incoming(cancel.into(), addr(PEER), Transport::Udp, 520)
        .unwrap();
    assert!(events(&mut layer).is_empty());
    assert_eq!(resp(&drain(&mut layer)[0].bytes).status, 200);
    // The TU then ends the INVITE with 487.
    let _ = layer
        .send_response(&key, invite.response(487, "Request Terminated"), 30)
        .unwrap();
    assert_eq!(resp(&drain(&mut layer)[0].bytes).status, 487);

    // A CANCEL for no transaction: 481, no event.
    let stray = request("CANCEL", "z9hG4bKnothing", "192.0.2.10:5060");
    layer
        .handle_incoming(stray.into(), addr(PEER), Transport::Udp, 40)
        .unwrap();
    assert!(events(&mut layer).is_empty());
    assert_eq!(resp(&drain(&mut layer)[0].bytes).status, 481);
}

#[test]
fn client_cancel_waits_for_a_provisional() {
    let mut layer = TransactionLayer::default();
    let key = layer
        .send_request(our_request("INVITE"), addr(PEER), Transport::Udp, 0)
        .unwrap();
    let invite = drain(&mut layer).remove(0);
    let cancel_key = layer.cancel(&key, 100).unwrap();
    assert_eq!(cancel_key.method(), &Method::Cancel);
    assert!(
        drain(&mut layer).is_empty(),
        "no CANCEL before a provisional (§9.1)"
    );
    layer
        .handle_incoming(
            answer(&invite, 180, "callee"),
            addr(PEER),
            Transport::Udp,
            200,
        )
        .unwrap();
    let out = drain(&mut layer);
    assert_eq!(out.len(), 1);
    let cancel = req(&out[0].bytes);
    let inv = req(&invite.bytes);
    assert_eq!(cancel.method, Method::Cancel);
    assert_eq!(
        cancel.headers.top_via().unwrap(),
        inv.headers.top_via().unwrap()
    );
    assert_eq!(cancel.headers.get("To"), inv.headers.get("To"));
    assert!(layer.contains(&cancel_key));
    // 200 to the CANCEL, 487 to the INVITE (ACKed by the transaction).
    layer
        .handle_incoming(
            answer(&out[0], 200, "callee"),
            addr(PEER),
            Transport::Udp,
            300,
        )
        .unwrap();
    layer
        .handle_incoming(
            answer(&invite, 487, "callee"),
            addr(PEER),
            Transport::Udp,
            310,
        )
        .unwrap();
    let statuses: Vec<_> = events(&mut layer)
        .into_iter()
        .filter_map(|e| match e {
            TuEvent::Response { key, response } => Some((key.method().clone(), response.status)),
            _ => None,
        })
        .collect();
    assert_eq!(
        statuses,
        [
            (Method::Invite, 180),
            (Method::Cancel, 200),
            (Method::Invite, 487)
        ]
    );
    assert_eq!(req(&drain(&mut layer)[0].bytes).method, Method::Ack);
    assert_eq!(
        layer.cancel(&key, 400),
        Err(TransactionError::NotCancellable)
    );
}

#[test]
fn server_non_invite_absorbs_and_resends_final() {
    let mut layer = TransactionLayer::default();
    let opts = request("OPTIONS", "z9hG4bKo1", "192.0.2.10:5060");
    layer
        .handle_incoming(opts.clone().into(), addr(PEER), Transport::Udp, 0)
        .unwrap();
    let TuEvent::NewRequest { key, .. } = layer.poll_event().unwrap() else {
        panic!()
    };
    assert!(
        drain(&mut layer).is_empty(),
        "no automatic 100 for non-INVITE"
    );
    layer
        .handle_incoming(opts.clone().into(), addr(PEER), Transport::Udp, 500)
        .unwrap();
    assert!(
        events(&mut layer).is_empty() && drain(&mut layer).is_empty(),
        "absorbed in Trying"
    );
    let _ = layer
        .send_response(&key, opts.response(200, "OK"), 600)
        .unwrap();
    let ok = drain(&mut layer);
    layer
        .handle_incoming(opts.into(), addr(PEER), Transport::Udp, 1_000)
        .unwrap();
    assert_eq!(
        drain(&mut layer),
        ok,
        "Timer J keeps answering retransmissions"
    );
    assert!(events(&mut layer).is_empty());
    run_until(&mut layer, 600 + 32_000);
    assert!(layer.is_empty());
}

#[test]
fn via_received_and_rport_decide_the_response_target() {
    let mut layer = TransactionLayer::default();
    // Behind NAT, asking for rport: answer to the packet's source.
    let mut r = request("OPTIONS", "z9hG4bKn1", "phone.lan:5060");
    r.headers
        .set_first("Via", "SIP/2.0/UDP phone.lan:5060;branch=z9hG4bKn1;rport");
    layer
        .handle_incoming(r.into(), addr("203.0.113.5:40123"), Transport::Udp, 0)
        .unwrap();
    let TuEvent::NewRequest {
        key, request: got, ..
    } = layer.poll_event().unwrap()
    else {
        panic!()
    };
    let via = got.headers.top_via().unwrap();
    assert_eq!(via.received(), Some("203.0.113.5"));
    assert_eq!(via.rport(), Some(Some(40123)));
    let _ = layer
        .send_response(&key, got.response(200, "OK"), 1)
        .unwrap();
    let out = drain(&mut layer);
    assert_eq!(out[0].to, addr("203.0.113.5:40123"));
    assert_eq!(
        resp(&out[0].bytes).headers.top_via().unwrap().rport(),
        Some(Some(40123))
    );

    // No rport: received IP, Via port.
    let r = request("OPTIONS", "z9hG4bKn2", "198.51.100.7:5070");
    layer
        .handle_incoming(r.into(), addr("203.0.113.9:6000"), Transport::Udp, 0)
        .unwrap();
    let TuEvent::NewRequest {
        key, request: got, ..
    } = layer.poll_event().unwrap()
    else {
        panic!()
    };
    assert_eq!(
        got.headers.top_via().unwrap().received(),
        Some("203.0.113.9")
    );
    let _ = layer
        .send_response(&key, got.response(200, "OK"), 1)
        .unwrap();
    assert_eq!(drain(&mut layer)[0].to, addr("203.0.113.9:5070"));

    // Source equals sent-by: no received parameter added.
    let r = request("OPTIONS", "z9hG4bKn3", "192.0.2.10:5060");
    layer
        .handle_incoming(r.into(), addr(PEER), Transport::Udp, 0)
        .unwrap();
    let TuEvent::NewRequest { request: got, .. } = layer.poll_event().unwrap() else {
        panic!()
    };
    assert_eq!(got.headers.top_via().unwrap().received(), None);
}

#[test]
fn unmatched_responses() {
    let mut layer = TransactionLayer::default();
    let mut ok = request("INVITE", "z9hG4bKgone", "10.0.0.1").response(200, "OK");
    layer
        .handle_incoming(ok.clone().into(), addr(PEER), Transport::Udp, 0)
        .unwrap();
    assert!(matches!(
        &events(&mut layer)[..],
        [TuEvent::StrayResponse { .. }]
    ));
    ok.status = 486;
    layer
        .handle_incoming(ok.into(), addr(PEER), Transport::Udp, 0)
        .unwrap();
    assert!(events(&mut layer).is_empty());

    // A response with two Vias is dropped even if the top one matches.
    layer
        .send_request(our_request("OPTIONS"), addr(PEER), Transport::Udp, 0)
        .unwrap();
    let sent = drain(&mut layer).remove(0);
    let Message::Response(mut r) = answer(&sent, 200, "x") else {
        unreachable!()
    };
    r.headers.push("Via", "SIP/2.0/UDP proxy;branch=z9hG4bKp");
    layer
        .handle_incoming(r.into(), addr(PEER), Transport::Udp, 0)
        .unwrap();
    assert!(events(&mut layer).is_empty());
}

#[test]
fn api_misuse_is_an_error() {
    let mut layer = TransactionLayer::default();
    assert_eq!(
        layer.send_request(our_request("ACK"), addr(PEER), Transport::Udp, 0),
        Err(TransactionError::AckIsNotATransaction)
    );
    let key = layer
        .send_request(our_request("OPTIONS"), addr(PEER), Transport::Udp, 0)
        .unwrap();
    assert_eq!(
        layer
            .send_response(&key, Response::new(200, "OK"), 0)
            .unwrap_err(),
        TransactionError::NotServer
    );
    let mut no_via = our_request("OPTIONS");
    no_via.headers.remove("Via");
    assert!(matches!(
        layer.send_request(no_via, addr(PEER), Transport::Udp, 0),
        Err(TransactionError::Malformed(ParseError::MissingHeader(
            "Via"
        )))
    ));
}
