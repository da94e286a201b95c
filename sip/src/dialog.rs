//! Dialogs (RFC 3261 §12): the state shared by the requests of one call leg, created from
//! an INVITE and a response carrying a To tag, in either role. A dialog builds the
//! in-dialog requests (BYE, re-INVITE, INFO, ..., and the ACK for a 2xx) and checks incoming
//! ones. It adds no Via: the caller passes the Via for the hop, since only it knows the
//! local address.

use crate::message::{NameAddr, ParseError, Request, Response, Uri, Via};
use crate::Method;

/// Which side of the INVITE we were.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DialogRole {
    Uac,
    Uas,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DialogState {
    /// Created by a provisional response with a To tag.
    Early,
    Confirmed,
}

/// Call-ID plus both tags, from our point of view.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DialogId {
    pub call_id: String,
    pub local_tag: String,
    pub remote_tag: String,
}

impl DialogId {
    /// The dialog an incoming request belongs to (we are its UAS for this request).
    pub fn of_incoming_request(request: &Request) -> Result<Option<DialogId>, ParseError> {
        let to = request.headers.to_addr()?;
        let from = request.headers.from_addr()?;
        Ok(match (to.tag(), from.tag()) {
            (Some(local), Some(remote)) => Some(DialogId {
                call_id: request.headers.call_id()?.to_string(),
                local_tag: local.to_string(),
                remote_tag: remote.to_string(),
            }),
            _ => None,
        })
    }

    /// The dialog a response to our request belongs to.
    pub fn of_response(response: &Response) -> Result<Option<DialogId>, ParseError> {
        let to = response.headers.to_addr()?;
        let from = response.headers.from_addr()?;
        Ok(match (from.tag(), to.tag()) {
            (Some(local), Some(remote)) => Some(DialogId {
                call_id: response.headers.call_id()?.to_string(),
                local_tag: local.to_string(),
                remote_tag: remote.to_string(),
            }),
            _ => None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DialogError {
    #[error("response {0} does not create a dialog (needs 101-299 with a To tag)")]
    NotDialogCreating(u16),
    #[error("the {0} has no tag")]
    MissingTag(&'static str),
    #[error("the {0} has no Contact to use as remote target")]
    MissingContact(&'static str),
    #[error("request does not belong to this dialog")]
    NotInDialog,
    #[error("CSeq {got} is lower than the last remote CSeq {last}")]
    CSeqOutOfOrder { got: u32, last: u32 },
    #[error("malformed message: {0}")]
    Malformed(#[from] ParseError),
}

impl DialogError {
    /// The status to answer an offending request with (§12.2.2: 500 for a CSeq out of order,
    /// 481 for a request that matches no dialog).
    pub fn status(&self) -> u16 {
        match self {
            DialogError::CSeqOutOfOrder { .. } => 500,
            DialogError::NotInDialog => 481,
            _ => 400,
        }
    }
}

/// One dialog. See the module documentation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dialog {
    pub id: DialogId,
    pub role: DialogRole,
    pub state: DialogState,
    /// Our address (From of our requests), without tag.
    pub local: NameAddr,
    /// The peer's address (To of our requests), without tag.
    pub remote: NameAddr,
    /// Where in-dialog requests go (the peer's Contact).
    pub remote_target: Uri,
    /// Route set, in the order our requests list it.
    pub route_set: Vec<NameAddr>,
    /// Our Contact, put into target-refresh requests (re-INVITE, UPDATE, ...).
    pub local_contact: Option<NameAddr>,
    /// CSeq of our last in-dialog request.
    pub local_seq: u32,
    /// CSeq of the peer's last in-dialog request, once known.
    pub remote_seq: Option<u32>,
    /// CSeq of the INVITE (or re-INVITE) whose 2xx the next ACK acknowledges.
    pub invite_seq: u32,
}

fn without_tag(mut addr: NameAddr) -> NameAddr {
    addr.params.remove("tag");
    addr
}

fn dialog_status(response: &Response) -> Result<DialogState, DialogError> {
    match response.status {
        101..=199 => Ok(DialogState::Early),
        200..=299 => Ok(DialogState::Confirmed),
        s => Err(DialogError::NotDialogCreating(s)),
    }
}

impl Dialog {
    /// The dialog we hold as UAS after answering `invite` with `response` (1xx with tag or
    /// 2xx). `local_contact` is the Contact we put in the response.
    pub fn uas(
        invite: &Request,
        response: &Response,
        local_contact: Option<NameAddr>,
    ) -> Result<Dialog, DialogError> {
        let state = dialog_status(response)?;
        let from = invite.headers.from_addr()?;
        let to = response.headers.to_addr()?;
        let cseq = invite.headers.cseq()?;
        Ok(Dialog {
            id: DialogId {
                call_id: invite.headers.call_id()?.to_string(),
                local_tag: to
                    .tag()
                    .ok_or(DialogError::MissingTag("response's To"))?
                    .to_string(),
                remote_tag: from
                    .tag()
                    .ok_or(DialogError::MissingTag("INVITE's From"))?
                    .to_string(),
            },
            role: DialogRole::Uas,
            state,
            local: without_tag(to),
            remote: without_tag(from),
            remote_target: invite
                .headers
                .contact()?
                .ok_or(DialogError::MissingContact("INVITE"))?
                .uri,
            route_set: invite.headers.record_routes()?,
            local_contact,
            local_seq: 0,
            remote_seq: Some(cseq.seq),
            invite_seq: cseq.seq,
        })
    }

    /// The dialog we hold as UAC after `invite` got `response` (1xx with tag or 2xx).
    pub fn uac(invite: &Request, response: &Response) -> Result<Dialog, DialogError> {
        let state = dialog_status(response)?;
        let from = invite.headers.from_addr()?;
        let to = response.headers.to_addr()?;
        let cseq = invite.headers.cseq()?;
        let remote_target = match response.headers.contact()? {
            Some(c) => c.uri,
            // An early dialog may lack a Contact; fall back to the Request-URI until the 2xx.
            None if state == DialogState::Early => invite.uri.clone(),
            None => return Err(DialogError::MissingContact("2xx response")),
        };
        let mut route_set = response.headers.record_routes()?;
        route_set.reverse();
        Ok(Dialog {
            id: DialogId {
                call_id: invite.headers.call_id()?.to_string(),
                local_tag: from
                    .tag()
                    .ok_or(DialogError::MissingTag("INVITE's From"))?
                    .to_string(),
                remote_tag: to
                    .tag()
                    .ok_or(DialogError::MissingTag("response's To"))?
                    .to_string(),
            },
            role: DialogRole::Uac,
            state,
            local: without_tag(from),
            remote: without_tag(to),
            remote_target,
            route_set,
            local_contact: invite.headers.contact()?,
            local_seq: cseq.seq,
            remote_seq: None,
            invite_seq: cseq.seq,
        })
    }

    /// UAC: the 2xx for an early dialog confirms it; the route set is recomputed and the
    /// target refreshed (§13.2.2.4). Also refreshes the target on a 2xx to a re-INVITE.
    pub fn confirm(&mut self, response: &Response) -> Result<(), DialogError> {
        if !response.is_success() {
            return Err(DialogError::NotDialogCreating(response.status));
        }
        if self.state == DialogState::Early && self.role == DialogRole::Uac {
            let mut routes = response.headers.record_routes()?;
            routes.reverse();
            self.route_set = routes;
        }
        if let Some(contact) = response.headers.contact()? {
            self.remote_target = contact.uri;
        }
        self.state = DialogState::Confirmed;
        Ok(())
    }

    /// Whether `request` (received) belongs to this dialog.
    pub fn matches(&self, request: &Request) -> bool {
        DialogId::of_incoming_request(request)
            .ok()
            .flatten()
            .as_ref()
            == Some(&self.id)
    }

    /// Checks an incoming in-dialog request (§12.2.2) and updates the remote CSeq, and the
    /// remote target for target-refresh requests. ACK and CANCEL are exempt from CSeq order.
    /// On error, answer with [`DialogError::status`].
    pub fn handle_request(&mut self, request: &Request) -> Result<(), DialogError> {
        if !self.matches(request) {
            return Err(DialogError::NotInDialog);
        }
        if matches!(request.method, Method::Ack | Method::Cancel) {
            return Ok(());
        }
        let seq = request.headers.cseq()?.seq;
        if let Some(last) = self.remote_seq {
            if seq < last {
                return Err(DialogError::CSeqOutOfOrder { got: seq, last });
            }
        }
        self.remote_seq = Some(seq);
        if is_target_refresh(&request.method) {
            if let Some(contact) = request.headers.contact()? {
                self.remote_target = contact.uri;
            }
        }
        Ok(())
    }

    /// A new in-dialog request (not ACK, not CANCEL): next local CSeq, our tags, the remote
    /// target as Request-URI and the route set (§12.2.1.1, including strict routing).
    pub fn request(&mut self, method: Method, via: Via) -> Request {
        self.local_seq = self.local_seq.wrapping_add(1).max(1);
        if method == Method::Invite {
            self.invite_seq = self.local_seq;
        }
        let seq = self.local_seq;
        self.build(method, seq, via)
    }

    /// The ACK for the 2xx to our INVITE (or latest re-INVITE): same CSeq number, method ACK,
    /// its own branch from `via` (§13.2.2.4). Set a body if the offer was in the 2xx.
    pub fn ack(&self, via: Via) -> Request {
        self.build(Method::Ack, self.invite_seq, via)
    }

    fn build(&self, method: Method, seq: u32, via: Via) -> Request {
        let (request_uri, routes) = self.target_and_routes();
        let mut r = Request::new(method.clone(), request_uri);
        r.headers.push("Via", via.to_string());
        r.headers.push("Max-Forwards", "70");
        let mut from = self.local.clone();
        from.set_tag(&self.id.local_tag);
        let mut to = self.remote.clone();
        to.set_tag(&self.id.remote_tag);
        r.headers.push("From", from.to_string());
        r.headers.push("To", to.to_string());
        r.headers.push("Call-ID", self.id.call_id.clone());
        r.headers.push("CSeq", format!("{seq} {method}"));
        for route in routes {
            r.headers.push("Route", route.to_string());
        }
        if is_target_refresh(&method) {
            if let Some(contact) = &self.local_contact {
                r.headers.push("Contact", contact.to_string());
            }
        }
        r
    }

    /// Loose routing (first route has `lr`, or no routes): Request-URI is the remote target.
    /// Strict routing: the first route becomes the Request-URI and the remote target goes
    /// last in the Route header (§12.2.1.1).
    fn target_and_routes(&self) -> (Uri, Vec<NameAddr>) {
        match self.route_set.first() {
            Some(first) if !first.uri.params.contains("lr") => {
                let mut routes: Vec<NameAddr> = self.route_set[1..].to_vec();
                routes.push(NameAddr::new(self.remote_target.clone()));
                let mut uri = first.uri.clone();
                uri.headers.clear();
                (uri, routes)
            }
            _ => (self.remote_target.clone(), self.route_set.clone()),
        }
    }
}

fn is_target_refresh(method: &Method) -> bool {
    matches!(
        method,
        Method::Invite | Method::Update | Method::Subscribe | Method::Notify | Method::Refer
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::Message;
    use crate::Transport;

    fn parse_req(text: &str) -> Request {
        match Message::parse(text.as_bytes()).unwrap() {
            Message::Request(r) => r,
            _ => unreachable!(),
        }
    }

    fn invite() -> Request {
        parse_req(
            "INVITE sip:agent@pbx.example SIP/2.0\r\n\
Via: SIP/2.0/UDP proxy.example;branch=z9hG4bKp1\r\n\
Via: SIP/2.0/UDP caller.example;branch=z9hG4bKc1\r\n\
Record-Route: <sip:p1.example;lr>, <sip:p2.example;lr>\r\n\
From: \"Caller\" <sip:caller@example.com>;tag=ctag\r\n\
To: <sip:agent@pbx.example>\r\n\
Call-ID: dlg-1\r\n\
CSeq: 10 INVITE\r\n\
Contact: <sip:caller@192.0.2.20:5060>\r\n\
Content-Length: 0\r\n\r\n",
        )
    }

    fn ok_from_uas(invite: &Request) -> Response {
        let mut ok = invite.response(200, "OK").with_to_tag("atag");
        ok.headers.push("Contact", "<sip:agent@10.0.0.1:5060>");
        for rr in invite.headers.get_all("Record-Route") {
            ok.headers.push("Record-Route", rr);
        }
        ok
    }

    fn via() -> Via {
        Via::new(Transport::Udp, "10.0.0.1", Some(5060))
    }

    #[test]
    fn uas_dialog_builds_bye_with_our_tags_and_route_set() {
        let inv = invite();
        let ok = ok_from_uas(&inv);
        let contact = NameAddr::parse("<sip:agent@10.0.0.1:5060>").unwrap();
        let mut d = Dialog::uas(&inv, &ok, Some(contact)).unwrap();
        assert_eq!(
            d.id,
            DialogId {
                call_id: "dlg-1".into(),
                local_tag: "atag".into(),
                remote_tag: "ctag".into()
            }
        );
        assert_eq!(d.remote_target.to_string(), "sip:caller@192.0.2.20:5060");
        let bye = d.request(Method::Bye, via());
        assert_eq!(bye.uri.to_string(), "sip:caller@192.0.2.20:5060");
        assert_eq!(bye.headers.from_addr().unwrap().tag(), Some("atag"));
        assert_eq!(bye.headers.to_addr().unwrap().tag(), Some("ctag"));
        assert_eq!(
            bye.headers.to_addr().unwrap().display_name.as_deref(),
            Some("Caller")
        );
        assert_eq!(bye.headers.cseq().unwrap().seq, 1);
        let routes: Vec<_> = bye
            .headers
            .routes()
            .unwrap()
            .into_iter()
            .map(|r| r.uri.host)
            .collect();
        assert_eq!(
            routes,
            ["p1.example", "p2.example"],
            "UAS keeps Record-Route order"
        );
        assert!(bye.headers.get("Contact").is_none());
        // Serializes into a valid message.
        assert!(Message::parse(&bye.to_bytes()).is_ok());
        assert_eq!(
            d.request(Method::Info, via()).headers.cseq().unwrap().seq,
            2
        );
    }

    #[test]
    fn uac_dialog_reverses_routes_and_acks_the_invite_cseq() {
        let inv = invite();
        let ok = ok_from_uas(&inv);
        let mut d = Dialog::uac(&inv, &ok).unwrap();
        assert_eq!(d.id.local_tag, "ctag");
        assert_eq!(d.id.remote_tag, "atag");
        assert_eq!(d.remote_target.to_string(), "sip:agent@10.0.0.1:5060");
        let ack = d.ack(via());
        assert_eq!(ack.method, Method::Ack);
        assert_eq!(ack.headers.cseq().unwrap().seq, 10);
        let routes: Vec<_> = ack
            .headers
            .routes()
            .unwrap()
            .into_iter()
            .map(|r| r.uri.host)
            .collect();
        assert_eq!(routes, ["p2.example", "p1.example"]);
        let reinvite = d.request(Method::Invite, via());
        assert_eq!(reinvite.headers.cseq().unwrap().seq, 11);
        assert_eq!(
            reinvite.headers.contact().unwrap().unwrap().uri.to_string(),
            "sip:caller@192.0.2.20:5060"
        );
        assert_eq!(
            d.ack(via()).headers.cseq().unwrap().seq,
            11,
            "ACK follows the re-INVITE"
        );
    }

    #[test]
    fn strict_route_goes_into_the_request_uri() {
        let inv = invite();
        let mut ok = inv.response(200, "OK").with_to_tag("atag");
        ok.headers.push("Contact", "<sip:agent@10.0.0.1>");
        ok.headers.push("Record-Route", "<sip:strict.example>");
        let mut d = Dialog::uac(&inv, &ok).unwrap();
        let bye = d.request(Method::Bye, via());
        assert_eq!(bye.uri.to_string(), "sip:strict.example");
        let routes: Vec<_> = bye.headers.get_all("Route").collect();
        assert_eq!(routes, ["<sip:agent@10.0.0.1>"]);
    }

    #[test]
    fn incoming_requests_are_checked_for_cseq_order() {
        let inv = invite();
        let ok = ok_from_uas(&inv);
        let mut d = Dialog::uas(&inv, &ok, None).unwrap();
        let in_dialog = |seq: u32, method: &str| {
            parse_req(&format!(
                "{method} sip:agent@10.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP c;branch=z9hG4bK{seq}\r\n\
From: <sip:caller@example.com>;tag=ctag\r\nTo: <sip:agent@pbx.example>;tag=atag\r\n\
Call-ID: dlg-1\r\nCSeq: {seq} {method}\r\nContact: <sip:caller@192.0.2.99>\r\n\r\n"
            ))
        };
        // ACK for the INVITE carries the INVITE's CSeq and is fine.
        assert_eq!(d.handle_request(&in_dialog(10, "ACK")), Ok(()));
        assert_eq!(d.handle_request(&in_dialog(11, "INFO")), Ok(()));
        assert_eq!(d.remote_seq, Some(11));
        let err = d.handle_request(&in_dialog(9, "BYE")).unwrap_err();
        assert_eq!(err, DialogError::CSeqOutOfOrder { got: 9, last: 11 });
        assert_eq!(err.status(), 500);
        // A re-INVITE refreshes the remote target.
        assert_eq!(d.handle_request(&in_dialog(12, "INVITE")), Ok(()));
        assert_eq!(d.remote_target.host, "192.0.2.99");
        // Wrong tag: not ours.
        let mut other = in_dialog(13, "BYE");
        other.headers.set("To", "<sip:agent@pbx.example>;tag=zzz");
        assert_eq!(d.handle_request(&other).unwrap_err().status(), 481);
    }

    #[test]
    fn early_dialog_confirmed_by_2xx() {
        let inv = invite();
        let ringing = inv.response(180, "Ringing").with_to_tag("atag");
        let mut d = Dialog::uac(&inv, &ringing).unwrap();
        assert_eq!(d.state, DialogState::Early);
        assert_eq!(d.remote_target, inv.uri);
        d.confirm(&ok_from_uas(&inv)).unwrap();
        assert_eq!(d.state, DialogState::Confirmed);
        assert_eq!(d.remote_target.host, "10.0.0.1");
        assert_eq!(d.route_set.len(), 2);
        assert!(matches!(
            Dialog::uac(&inv, &inv.response(486, "Busy")),
            Err(DialogError::NotDialogCreating(486))
        ));
        let mut untagged = inv.response(200, "OK");
        untagged.headers.push("Contact", "<sip:agent@10.0.0.1>");
        assert!(matches!(
            Dialog::uac(&inv, &untagged),
            Err(DialogError::MissingTag(_))
        ));
        let no_contact = inv.response(200, "OK").with_to_tag("atag");
        assert!(matches!(
            Dialog::uac(&inv, &no_contact),
            Err(DialogError::MissingContact(_))
        ));
    }
}
