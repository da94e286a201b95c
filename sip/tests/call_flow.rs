//! Two transaction layers talking to each other over a simulated UDP network: a whole call
//! (INVITE, 180, 200, ACK, BYE, 200) with a dialog on each side, and a lost 200 recovered by
//! the UAS's 2xx retransmission.

use std::net::SocketAddr;

use earshot_sip::dialog::Dialog;
use earshot_sip::{
    new_call_id, new_tag, Message, Method, NameAddr, Request, Retransmit2xx, TransactionLayer,
    Transport, TuEvent, Uri, Via,
};

const CALLER: &str = "192.0.2.1:5060";
const AGENT: &str = "192.0.2.2:5060";

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

/// Delivers everything `from` wants to send to `to` (all traffic goes between the two).
fn pump(
    from: &mut TransactionLayer,
    from_addr: &str,
    to: &mut TransactionLayer,
    now: u64,
) -> usize {
    let mut n = 0;
    while let Some(t) = from.poll_transmit() {
        to.handle_bytes(&t.bytes, addr(from_addr), Transport::Udp, now)
            .unwrap();
        n += 1;
    }
    n
}

fn new_invite() -> Request {
    let mut r = Request::new(Method::Invite, Uri::parse("sip:agent@192.0.2.2").unwrap());
    r.headers.push(
        "Via",
        Via::new(Transport::Udp, "192.0.2.1", Some(5060)).to_string(),
    );
    r.headers.push("Max-Forwards", "70");
    r.headers
        .push("From", format!("<sip:caller@192.0.2.1>;tag={}", new_tag()));
    r.headers.push("To", "<sip:agent@192.0.2.2>");
    r.headers.push("Call-ID", new_call_id());
    r.headers.push("CSeq", "1 INVITE");
    r.headers.push("Contact", "<sip:caller@192.0.2.1:5060>");
    r
}

#[test]
fn whole_call_with_a_lost_200() {
    let mut uac = TransactionLayer::default();
    let mut uas = TransactionLayer::default();
    let invite = new_invite();
    let invite_key = uac
        .send_request(invite.clone(), addr(AGENT), Transport::Udp, 0)
        .unwrap();
    pump(&mut uac, CALLER, &mut uas, 0);

    let Some(TuEvent::NewRequest { key, request, .. }) = uas.poll_event() else {
        panic!()
    };
    pump(&mut uas, AGENT, &mut uac, 1); // 100 Trying: absorbed into Proceeding
    assert!(
        matches!(uac.poll_event(), Some(TuEvent::Response { response, .. }) if response.status == 100)
    );

    let tag = new_tag();
    let mut ok = request.response(200, "OK").with_to_tag(&tag);
    ok.headers.push("Contact", "<sip:agent@192.0.2.2:5060>");
    let mut uas_dialog = Dialog::uas(
        &request,
        &ok,
        NameAddr::parse("<sip:agent@192.0.2.2:5060>").ok(),
    )
    .unwrap();
    let mut rt: Retransmit2xx = uas.send_response(&key, ok, 10).unwrap().unwrap();
    // The first 200 is lost on the way.
    assert!(uas.poll_transmit().is_some());
    // The TU resends it at T1; the UAC gets it this time.
    rt.handle_timeout(510);
    let again = rt.poll_transmit().unwrap();
    uac.handle_bytes(&again.bytes, addr(AGENT), Transport::Udp, 511)
        .unwrap();
    let Some(TuEvent::Response { key: k, response }) = uac.poll_event() else {
        panic!()
    };
    assert_eq!((k, response.status), (invite_key, 200));

    let mut uac_dialog = Dialog::uac(&invite, &response).unwrap();
    let ack = uac_dialog.ack(Via::new(Transport::Udp, "192.0.2.1", Some(5060)));
    uac.send_stateless(&Message::Request(ack), addr(AGENT), Transport::Udp);
    pump(&mut uac, CALLER, &mut uas, 512);
    let Some(TuEvent::AckFor2xx { request: ack, .. }) = uas.poll_event() else {
        panic!()
    };
    assert!(uas_dialog.handle_request(&ack).is_ok());
    assert!(rt.handle_ack(&ack));

    // The caller hangs up.
    let bye = uac_dialog.request(
        Method::Bye,
        Via::new(Transport::Udp, "192.0.2.1", Some(5060)),
    );
    uac.send_request(bye, addr(AGENT), Transport::Udp, 5_000)
        .unwrap();
    pump(&mut uac, CALLER, &mut uas, 5_000);
    let Some(TuEvent::NewRequest {
        key, request: bye, ..
    }) = uas.poll_event()
    else {
        panic!()
    };
    assert_eq!(bye.method, Method::Bye);
    assert!(uas_dialog.handle_request(&bye).is_ok());
    let _ = uas
        .send_response(&key, bye.response(200, "OK"), 5_001)
        .unwrap();
    pump(&mut uas, AGENT, &mut uac, 5_002);
    assert!(
        matches!(uac.poll_event(), Some(TuEvent::Response { response, .. }) if response.status == 200)
    );

    // Everything winds down once the timers run out.
    for layer in [&mut uac, &mut uas] {
        while let Some(t) = layer.poll_timeout() {
            layer.handle_timeout(t);
        }
        assert!(layer.is_empty());
    }
}
