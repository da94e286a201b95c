//! Parser and serializer tests, many modelled on the RFC 4475 torture tests.

use super::*;

fn req(text: &str) -> Request {
    match Message::parse(text.as_bytes()).unwrap_or_else(|e| panic!("{e}\n{text}")) {
        Message::Request(r) => r,
        Message::Response(_) => panic!("expected a request"),
    }
}

const INVITE: &str = "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n\
Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\r\n\
Max-Forwards: 70\r\n\
To: Bob <sip:bob@biloxi.example.com>\r\n\
From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n\
Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n\
CSeq: 314159 INVITE\r\n\
Contact: <sip:alice@pc33.atlanta.example.com>\r\n\
Content-Type: application/sdp\r\n\
Content-Length: 4\r\n\
\r\n\
v=0\n";

#[test]
fn parses_a_plain_invite() {
    let r = req(INVITE);
    assert_eq!(r.method, Method::Invite);
    assert_eq!(r.uri.to_string(), "sip:bob@biloxi.example.com");
    assert_eq!(r.body, b"v=0\n");
    let h = &r.headers;
    assert_eq!(h.top_via().unwrap().branch(), Some("z9hG4bK776asdhds"));
    assert_eq!(h.from_addr().unwrap().tag(), Some("1928301774"));
    assert_eq!(h.to_addr().unwrap().display_name.as_deref(), Some("Bob"));
    assert_eq!(
        h.call_id().unwrap(),
        "a84b4c76e66710@pc33.atlanta.example.com"
    );
    assert_eq!(
        h.cseq().unwrap(),
        CSeq {
            seq: 314159,
            method: Method::Invite
        }
    );
    assert_eq!(h.max_forwards().unwrap(), Some(70));
    assert_eq!(h.content_type(), Some("application/sdp"));
    assert_eq!(h.content_length().unwrap(), Some(4));
}

#[test]
fn serialization_round_trips_byte_for_byte() {
    let r = req(INVITE);
    assert_eq!(String::from_utf8(r.to_bytes()).unwrap(), INVITE);
    assert_eq!(req(std::str::from_utf8(&r.to_bytes()).unwrap()), r);
}

/// RFC 4475 §3.1.1.1 in spirit: compact names, folding, odd whitespace, escaped quotes,
/// unknown headers, comma-separated Via, leading CRLFs.
#[test]
fn torture_wide_range_of_valid_elements() {
    let text = "\r\n\r\nINVITE sip:vivekg@chair-dnrc.example.com;unknownparam SIP/2.0\r\n\
TO :\r\n sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n\r\n\
from   : \"J Rosenberg \\\\\\\"\"       <sip:jdrosen@example.com>\r\n  ;\r\n  tag = 98asjd8\r\n\
MaX-fOrWaRdS: 0068\r\n\
Call-ID: wsinv.ndaksdj@192.0.2.1\r\n\
Content-Length   : 8\r\n\
cseq: 0009\r\n  INVITE\r\n\
Via  : SIP  /   2.0\r\n /UDP\r\n    192.0.2.2;branch=390skdjuw\r\n\
s :\r\n\
NewFangledHeader:   newfangled value\r\n continued newfangled value\r\n\
UnknownHeaderWithUnusualValue: ;;,,;;,;\r\n\
Content-Type: application/sdp\r\n\
Route:\r\n <sip:services.example.com;lr;unknownwith=value;unknown-no-value>\r\n\
v:  SIP  / 2.0  / TCP     spindle.example.com   ;\r\n  branch  =   z9hG4bK9ikj8  ,\r\n SIP  /    2.0   / UDP  192.168.255.111   ; branch=\r\n z9hG4bK30239\r\n\
m:\"Quoted string \\\"\\\"\" <sip:jdrosen@example.com> ; newparam =\r\n      newvalue ;\r\n  secondparam ; q = 0.33\r\n\
\r\n\
v=0\r\no=\r\n";
    let r = req(text);
    assert_eq!(r.uri.params.get("unknownparam"), Some(None));
    let to = r.headers.to_addr().unwrap();
    assert_eq!(to.tag(), Some("1918181833n"));
    let from = r.headers.from_addr().unwrap();
    assert_eq!(from.display_name.as_deref(), Some("J Rosenberg \\\""));
    assert_eq!(from.tag(), Some("98asjd8"));
    assert_eq!(r.headers.max_forwards().unwrap(), Some(68));
    assert_eq!(r.headers.cseq().unwrap().seq, 9);
    let vias = r.headers.vias().unwrap();
    assert_eq!(
        vias.len(),
        3,
        "the comma-separated v: splits into two entries"
    );
    assert_eq!(vias[0].host, "192.0.2.2");
    assert_eq!(vias[1].transport, crate::Transport::Tcp);
    assert_eq!(vias[1].branch(), Some("z9hG4bK9ikj8"));
    assert_eq!(vias[2].branch(), Some("z9hG4bK30239"));
    assert_eq!(r.headers.get("Subject"), Some(""));
    assert_eq!(
        r.headers.get("newfangledheader"),
        Some("newfangled value continued newfangled value")
    );
    let Contacts::Addrs(contacts) = r.headers.contacts().unwrap() else {
        panic!("no contacts")
    };
    assert_eq!(
        contacts[0].display_name.as_deref(),
        Some("Quoted string \"\"")
    );
    assert_eq!(contacts[0].params.value("newparam"), Some("newvalue"));
    assert_eq!(contacts[0].params.value("q"), Some("0.33"));
    assert_eq!(
        r.headers.routes().unwrap()[0].uri.params.get("lr"),
        Some(None)
    );
    assert_eq!(r.body, b"v=0\r\no=\r", "Content-Length 8 cuts the datagram");
    // And the serialized form parses back to the same message.
    assert_eq!(req(std::str::from_utf8(&r.to_bytes()).unwrap()), r);
}

#[test]
fn ipv6_everywhere() {
    let text = "REGISTER sip:[2001:db8::10] SIP/2.0\r\n\
To: sip:user@example.com\r\n\
From: sip:user@example.com;tag=81x2\r\n\
Via: SIP/2.0/UDP [2001:db8::9:1];branch=z9hG4bKas3-111;received=[2001:db8::9:255]\r\n\
Call-ID: SSG9559905523997077@hlau_4100\r\n\
Max-Forwards: 70\r\n\
Contact: \"Caller\" <sip:caller@[2001:db8::1]>\r\n\
CSeq: 98176 REGISTER\r\n\
Content-Length: 0\r\n\r\n";
    let r = req(text);
    assert_eq!(r.uri.host, "2001:db8::10");
    let via = r.headers.top_via().unwrap();
    assert_eq!(via.host, "2001:db8::9:1");
    assert_eq!(via.received(), Some("[2001:db8::9:255]"));
    let Contacts::Addrs(c) = r.headers.contacts().unwrap() else {
        panic!()
    };
    assert_eq!(c[0].uri.host, "2001:db8::1");
}

#[test]
fn response_parse_and_build() {
    let r = req(INVITE);
    let resp = r.response(180, "Ringing").with_to_tag("abc");
    let bytes = resp.to_bytes();
    let Message::Response(parsed) = Message::parse(&bytes).unwrap() else {
        panic!()
    };
    assert_eq!(parsed.status, 180);
    assert_eq!(parsed.reason, "Ringing");
    assert_eq!(parsed.headers.to_addr().unwrap().tag(), Some("abc"));
    assert_eq!(
        parsed.headers.call_id().unwrap(),
        r.headers.call_id().unwrap()
    );
    assert_eq!(parsed.headers.cseq().unwrap(), r.headers.cseq().unwrap());
    assert!(
        parsed.headers.get("Contact").is_none(),
        "only the dialog headers are copied"
    );
    // A second tag is never added.
    let again = parsed.with_to_tag("zzz");
    assert_eq!(again.headers.to_addr().unwrap().tag(), Some("abc"));
    // A status line with an empty reason phrase is legal.
    let text = "SIP/2.0 200 \r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: x\r\nCSeq: 1 BYE\r\n\r\n";
    let Message::Response(p) = Message::parse(text.as_bytes()).unwrap() else {
        panic!()
    };
    assert_eq!((p.status, p.reason.as_str()), (200, ""));
}

#[test]
fn unknown_method_is_other() {
    let text = INVITE.replace("INVITE", "NEWMETHOD");
    let r = req(&text);
    assert_eq!(r.method, Method::Other("NEWMETHOD".into()));
    assert_eq!(r.headers.cseq().unwrap().method, r.method);
}

#[test]
fn body_longer_than_content_length_is_truncated() {
    let text = INVITE.replace("v=0\n", "v=0\nEXTRA");
    assert_eq!(req(&text).body, b"v=0\n");
}

#[test]
fn missing_content_length_takes_the_datagram() {
    let text = INVITE.replace("Content-Length: 4\r\n", "");
    assert_eq!(req(&text).body, b"v=0\n");
}

fn rejects(text: &str) -> ParseError {
    match Message::parse(text.as_bytes()) {
        Err(e) => e,
        Ok(m) => panic!("accepted {m:?}"),
    }
}

#[test]
fn rejects_malformed_messages() {
    // RFC 4475 §3.1.2.3-like: Content-Length larger than the body.
    let e = rejects(&INVITE.replace("Content-Length: 4", "Content-Length: 9999"));
    assert_eq!(
        e,
        ParseError::BodyTooShort {
            declared: 9999,
            actual: 4
        }
    );
    // Negative Content-Length (§3.1.2.4).
    assert!(matches!(
        rejects(&INVITE.replace("Content-Length: 4", "Content-Length: -4")),
        ParseError::BadHeader {
            name: "Content-Length",
            ..
        }
    ));
    // Unknown protocol version (§3.3.14).
    assert_eq!(
        rejects(&INVITE.replace(
            "bob@biloxi.example.com SIP/2.0",
            "bob@biloxi.example.com SIP/7.0"
        )),
        ParseError::BadVersion("SIP/7.0".into())
    );
    // Spaces inside the Request-URI (§3.1.2.11).
    assert!(matches!(
        rejects(&INVITE.replace(
            "sip:bob@biloxi.example.com SIP",
            "sip:bob@biloxi example.com SIP"
        )),
        ParseError::BadStartLine(_)
    ));
    // CSeq method differs from the request method (§3.4.3... mismatch).
    assert!(matches!(
        rejects(&INVITE.replace("CSeq: 314159 INVITE", "CSeq: 314159 ACK")),
        ParseError::CSeqMethodMismatch { .. }
    ));
    // Missing mandatory header.
    assert_eq!(
        rejects(&INVITE.replace("Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n", "")),
        ParseError::MissingHeader("Call-ID")
    );
    // Unterminated quoted display name (§3.1.2.6).
    assert!(matches!(
        rejects(&INVITE.replace("To: Bob <", "To: \"Bob <")),
        ParseError::BadHeader { name: "To", .. }
    ));
    // No empty line after the headers.
    assert_eq!(
        rejects(&INVITE[..INVITE.find("\r\n\r\n").unwrap()]),
        ParseError::UnterminatedHeaders
    );
    // Header line without a colon.
    assert!(matches!(
        rejects(&INVITE.replace("Max-Forwards: 70", "Max-Forwards 70")),
        ParseError::BadHeaderLine(_)
    ));
    // Continuation before any header.
    assert_eq!(
        rejects(&INVITE.replace("SIP/2.0\r\nVia", "SIP/2.0\r\n folded\r\nVia")),
        ParseError::OrphanContinuation
    );
    // Non-numeric Max-Forwards, out-of-range status, conflicting lengths, empty input.
    assert!(matches!(
        rejects(&INVITE.replace("Max-Forwards: 70", "Max-Forwards: seventy")),
        ParseError::BadHeader {
            name: "Max-Forwards",
            ..
        }
    ));
    assert!(matches!(
        rejects("SIP/2.0 999 Odd\r\n\r\n"),
        ParseError::BadStartLine(_)
    ));
    assert_eq!(
        rejects(&INVITE.replace("Content-Length: 4\r\n", "Content-Length: 4\r\nl: 3\r\n")),
        ParseError::ConflictingContentLength
    );
    assert_eq!(rejects("\r\n\r\n"), ParseError::Empty);
    // Bad escaping in the Request-URI scheme / unknown scheme.
    assert!(matches!(
        rejects(&INVITE.replace("sip:bob@biloxi.example.com SIP", "ftp://x SIP")),
        ParseError::BadUri { .. }
    ));
    // Invalid UTF-8 in the header section.
    let mut bytes = INVITE.as_bytes().to_vec();
    bytes[INVITE.find("Bob").unwrap()] = 0xff;
    assert_eq!(Message::parse(&bytes).unwrap_err(), ParseError::NotUtf8);
}

#[test]
fn enforces_limits() {
    let big = format!("{INVITE}{}", "x".repeat(70_000));
    assert!(matches!(rejects(&big), ParseError::TooLarge { .. }));
    let many: String = (0..200).map(|i| format!("X-H{i}: v\r\n")).collect();
    let text = INVITE.replace("Max-Forwards: 70\r\n", &many);
    assert_eq!(rejects(&text), ParseError::TooManyHeaders { limit: 128 });
    let long = INVITE.replace(
        "Max-Forwards: 70\r\n",
        &format!("X-Long: {}\r\n", "a".repeat(9000)),
    );
    assert!(matches!(
        rejects(&long),
        ParseError::LineTooLong { line: 3, .. }
    ));
    // A comma list counts entry by entry.
    let limits = Limits {
        max_headers: 12,
        ..Limits::default()
    };
    let five = ["SIP/2.0/UDP h;branch=z9hG4bK1"; 5].join(", ");
    let vias = INVITE.replace(
        "SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds",
        &five,
    );
    assert!(Message::parse(vias.as_bytes()).is_ok());
    assert!(matches!(
        Message::parse_with(vias.as_bytes(), &limits),
        Err(ParseError::TooManyHeaders { limit: 12 })
    ));
}

#[test]
fn helpers_make_distinct_identifiers() {
    let a = new_branch();
    assert!(a.starts_with("z9hG4bK") && a.len() == 23);
    assert_ne!(a, new_branch());
    assert_ne!(new_tag(), new_tag());
    assert_ne!(new_call_id(), new_call_id());
}

#[test]
fn framer_pops_messages_across_chunks_and_skips_keepalives() {
    let mut f = StreamFramer::default();
    let two = format!("\r\n\r\n{INVITE}{INVITE}");
    let (a, b) = two.as_bytes().split_at(30);
    f.push(a);
    assert_eq!(f.pop(), Ok(None));
    f.push(b);
    let first = f.pop().unwrap().unwrap();
    assert_eq!(first.body(), b"v=0\n");
    assert!(f.pop().unwrap().is_some());
    assert_eq!(f.pop(), Ok(None));
    assert_eq!(f.buffered(), 0);
    assert_eq!(f.keepalive_bytes(), 4);
    // Body split across pushes.
    f.push(&INVITE.as_bytes()[..INVITE.len() - 2]);
    assert_eq!(f.pop(), Ok(None));
    f.push(&INVITE.as_bytes()[INVITE.len() - 2..]);
    assert!(f.pop().unwrap().is_some());
}

#[test]
fn framer_errors() {
    let mut f = StreamFramer::default();
    f.push(INVITE.replace("Content-Length: 4\r\n", "").as_bytes());
    assert_eq!(f.pop(), Err(StreamError::MissingContentLength));
    assert!(f.pop().unwrap_err().is_fatal());

    let mut f = StreamFramer::default();
    f.push(
        INVITE
            .replace("Content-Length: 4", "Content-Length: 100000")
            .as_bytes(),
    );
    assert!(matches!(f.pop(), Err(StreamError::Oversized { .. })));

    let mut f = StreamFramer::default();
    f.push(&vec![b'a'; 70_000]);
    assert!(matches!(f.pop(), Err(StreamError::Oversized { .. })));

    // A well-framed but malformed message is skipped; the next one still comes out.
    let mut f = StreamFramer::default();
    let broken = INVITE.replace("CSeq: 314159 INVITE", "CSeq: x INVITE");
    f.push(format!("{broken}{INVITE}").as_bytes());
    let err = f.pop().unwrap_err();
    assert!(!err.is_fatal(), "{err}");
    assert!(f.pop().unwrap().is_some());
}
