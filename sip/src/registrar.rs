//! A sans-IO registrar (RFC 3261 §10.3): authenticates REGISTER with digest, keeps bindings
//! per user with expiry, and reports bindings as they expire so the ACD can log agents out.
//!
//! The address-of-record key is the user part of the To URI, and it must equal the
//! authenticated username (one may only register oneself). Bindings are not persisted.

use std::collections::{BTreeSet, HashMap};
use std::net::SocketAddr;

use crate::digest::{AuthError, Authorization, DigestAuthenticator};
use crate::message::{reason_phrase, Contacts, NameAddr, Request, Response, Uri};
use crate::{Method, Millis, Transport};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrarConfig {
    pub realm: String,
    /// Below this (and not 0) a registration is refused with 423 (seconds).
    pub min_expires: u32,
    /// Longer requests are shortened to this (seconds).
    pub max_expires: u32,
    /// Used when neither the Contact nor the Expires header says (seconds).
    pub default_expires: u32,
    /// How long a nonce stays fresh.
    pub nonce_lifetime: Millis,
}

impl Default for RegistrarConfig {
    fn default() -> Self {
        RegistrarConfig {
            realm: "earshot".into(),
            min_expires: 60,
            max_expires: 3_600,
            default_expires: 3_600,
            nonce_lifetime: 300_000,
        }
    }
}

/// One registered contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub contact: Uri,
    /// Where the REGISTER came from: behind NAT, send requests here rather than to `contact`.
    pub source: SocketAddr,
    pub transport: Transport,
    pub expires_at: Millis,
    call_id: String,
    cseq: u32,
}

/// The registrar. See the module documentation.
#[derive(Debug)]
pub struct Registrar {
    config: RegistrarConfig,
    auth: DigestAuthenticator,
    bindings: HashMap<String, Vec<Binding>>,
    /// Expiry deadlines; an entry may be stale (binding refreshed or removed since).
    deadlines: BTreeSet<(Millis, String)>,
}

impl Registrar {
    /// `secret` signs the nonces (see [`DigestAuthenticator::new`]).
    pub fn new(config: RegistrarConfig, secret: &[u8]) -> Self {
        let auth = DigestAuthenticator::new(&config.realm, secret, config.nonce_lifetime);
        Registrar {
            config,
            auth,
            bindings: HashMap::new(),
            deadlines: BTreeSet::new(),
        }
    }

    /// A registrar with a random nonce secret.
    pub fn with_random_secret(config: RegistrarConfig) -> Self {
        let secret: [u8; 32] = rand::random();
        Self::new(config, &secret)
    }

    /// Answers a REGISTER received from `source`. `credentials` maps a username to its HA1
    /// (see [`crate::digest::ha1`]).
    pub fn handle(
        &mut self,
        request: &Request,
        source: SocketAddr,
        transport: Transport,
        now: Millis,
        credentials: impl Fn(&str) -> Option<String>,
    ) -> Response {
        let tag = crate::new_tag();
        let reply = |status: u16| {
            request
                .response(status, reason_phrase(status))
                .with_to_tag(&tag)
        };
        if request.method != Method::Register {
            let mut r = reply(405);
            r.headers.push("Allow", "REGISTER");
            return r;
        }
        let challenge = |stale: bool| {
            let mut r = reply(401);
            r.headers.push(
                "WWW-Authenticate",
                self.auth.challenge(now, stale).to_string(),
            );
            r
        };
        let Some(header) = request.headers.get("Authorization") else {
            return challenge(false);
        };
        let creds = match Authorization::parse(header) {
            Ok(c) => c,
            Err(e) => {
                tracing::debug!(error = %e, "malformed Authorization");
                return reply(400);
            }
        };
        let Some(ha1) = credentials(&creds.username) else {
            tracing::info!(user = %creds.username, "REGISTER for an unknown user");
            return reply(403);
        };
        match self.auth.verify(&creds, request.method.as_str(), &ha1, now) {
            Ok(()) => {}
            Err(AuthError::StaleNonce) => return challenge(true),
            Err(AuthError::InvalidNonce | AuthError::WrongRealm(_)) => return challenge(false),
            Err(AuthError::WrongResponse) => {
                tracing::info!(user = %creds.username, "REGISTER with a wrong password");
                return reply(403);
            }
            Err(_) => return reply(400),
        }
        let user = match request.headers.to_addr() {
            Ok(to) if to.uri.user.as_deref() == Some(creds.username.as_str()) => creds.username,
            Ok(_) => return reply(403),
            Err(_) => return reply(400),
        };
        let (Ok(call_id), Ok(cseq)) = (request.headers.call_id(), request.headers.cseq()) else {
            return reply(400);
        };
        let header_expires = match request.headers.expires() {
            Ok(e) => e,
            Err(_) => return reply(400),
        };

        let contacts = match request.headers.contacts() {
            Ok(c) => c,
            Err(_) => return reply(400),
        };
        match contacts {
            Contacts::Wildcard => {
                if header_expires != Some(0) {
                    return reply(400); // `*` only with Expires: 0 (§10.2.2)
                }
                let stale = self.bindings.get(&user).is_some_and(|list| {
                    list.iter()
                        .any(|b| b.call_id == call_id && b.cseq >= cseq.seq)
                });
                if stale {
                    return reply(500);
                }
                self.bindings.remove(&user);
            }
            Contacts::Addrs(list) => {
                // Validate everything before changing anything.
                let mut updates = Vec::with_capacity(list.len());
                for contact in &list {
                    let asked = contact_expires(contact, header_expires)
                        .unwrap_or(self.config.default_expires);
                    if asked != 0 && asked < self.config.min_expires {
                        let mut r = reply(423);
                        r.headers
                            .push("Min-Expires", self.config.min_expires.to_string());
                        return r;
                    }
                    updates.push((contact.uri.clone(), asked.min(self.config.max_expires)));
                }
                let existing = self.bindings.entry(user.clone()).or_default();
                for (uri, _) in &updates {
                    if existing.iter().any(|b| {
                        b.contact.same_address(uri) && b.call_id == call_id && b.cseq >= cseq.seq
                    }) {
                        return reply(500); // out-of-order REGISTER (§10.3 step 7)
                    }
                }
                for (uri, secs) in updates {
                    existing.retain(|b| !b.contact.same_address(&uri));
                    if secs > 0 {
                        let expires_at = now + Millis::from(secs) * 1_000;
                        existing.push(Binding {
                            contact: uri,
                            source,
                            transport,
                            expires_at,
                            call_id: call_id.to_string(),
                            cseq: cseq.seq,
                        });
                        self.deadlines.insert((expires_at, user.clone()));
                    }
                }
                if existing.is_empty() {
                    self.bindings.remove(&user);
                }
            }
        }

        let mut ok = reply(200);
        for b in self.lookup(&user, now) {
            let secs = (b.expires_at - now).div_ceil(1_000);
            ok.headers
                .push("Contact", format!("<{}>;expires={secs}", b.contact));
        }
        ok
    }

    /// Live bindings of `user`.
    pub fn lookup(&self, user: &str, now: Millis) -> Vec<Binding> {
        self.bindings
            .get(user)
            .map(|list| {
                list.iter()
                    .filter(|b| b.expires_at > now)
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Removes and returns the bindings that expired by `now`.
    pub fn expire(&mut self, now: Millis) -> Vec<(String, Binding)> {
        let mut gone = Vec::new();
        while let Some((at, _)) = self.deadlines.first() {
            if *at > now {
                break;
            }
            let Some((_, user)) = self.deadlines.pop_first() else {
                break;
            };
            let Some(list) = self.bindings.get_mut(&user) else {
                continue;
            };
            let (expired, live): (Vec<_>, Vec<_>) =
                list.drain(..).partition(|b| b.expires_at <= now);
            *list = live;
            if list.is_empty() {
                self.bindings.remove(&user);
            }
            gone.extend(expired.into_iter().map(|b| (user.clone(), b)));
        }
        gone
    }

    /// When [`Registrar::expire`] may next have something to do (possibly early).
    pub fn poll_timeout(&self) -> Option<Millis> {
        self.deadlines.first().map(|(at, _)| *at)
    }
}

/// A Contact's own `expires` parameter wins over the Expires header (§10.2.1.1).
fn contact_expires(contact: &NameAddr, header: Option<u32>) -> Option<u32> {
    contact.expires().or(header)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::{ha1, respond, Challenge};
    use crate::message::Message;

    const SRC: &str = "203.0.113.7:5060";

    fn register(cseq: u32, contact: &str, expires: Option<&str>, auth: Option<String>) -> Request {
        let mut text = format!(
            "REGISTER sip:pbx.example SIP/2.0\r\nVia: SIP/2.0/UDP 192.168.1.5:5060;branch=z9hG4bK{cseq}\r\n\
From: <sip:1001@pbx.example>;tag=r1\r\nTo: <sip:1001@pbx.example>\r\nCall-ID: reg-1\r\n\
CSeq: {cseq} REGISTER\r\nContact: {contact}\r\n"
        );
        if let Some(e) = expires {
            text.push_str(&format!("Expires: {e}\r\n"));
        }
        if let Some(a) = auth {
            text.push_str(&format!("Authorization: {a}\r\n"));
        }
        text.push_str("Content-Length: 0\r\n\r\n");
        match Message::parse(text.as_bytes()).unwrap() {
            Message::Request(r) => r,
            _ => unreachable!(),
        }
    }

    fn creds(user: &str) -> Option<String> {
        (user == "1001").then(|| ha1("1001", "earshot", "secret"))
    }

    fn registrar() -> Registrar {
        Registrar::new(RegistrarConfig::default(), b"k")
    }

    /// Sends the REGISTER, answers the 401 with `password`, returns the final response.
    fn authed(
        r: &mut Registrar,
        cseq: u32,
        contact: &str,
        expires: Option<&str>,
        password: &str,
        now: Millis,
    ) -> Response {
        let first = r.handle(
            &register(cseq, contact, expires, None),
            SRC.parse().unwrap(),
            Transport::Udp,
            now,
            creds,
        );
        assert_eq!(first.status, 401);
        let ch = Challenge::parse(first.headers.get("WWW-Authenticate").unwrap()).unwrap();
        let auth = respond(&ch, "1001", password, "REGISTER", "sip:pbx.example").to_string();
        r.handle(
            &register(cseq + 1, contact, expires, Some(auth)),
            SRC.parse().unwrap(),
            Transport::Udp,
            now,
            creds,
        )
    }

    #[test]
    fn register_with_challenge_and_expiry() {
        let mut r = registrar();
        let ok = authed(
            &mut r,
            1,
            "<sip:1001@192.168.1.5:5060>",
            Some("120"),
            "secret",
            1_000,
        );
        assert_eq!(ok.status, 200);
        assert!(ok.headers.to_addr().unwrap().tag().is_some());
        assert_eq!(
            ok.headers.get("Contact"),
            Some("<sip:1001@192.168.1.5:5060>;expires=120")
        );
        let b = r.lookup("1001", 1_000);
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].source, SRC.parse::<SocketAddr>().unwrap());
        assert_eq!(b[0].expires_at, 121_000);
        assert_eq!(r.poll_timeout(), Some(121_000));
        assert!(r.expire(120_999).is_empty());
        let gone = r.expire(121_000);
        assert_eq!(gone.len(), 1);
        assert_eq!(gone[0].0, "1001");
        assert!(r.lookup("1001", 121_000).is_empty());
        assert_eq!(r.poll_timeout(), None);
    }

    #[test]
    fn wrong_password_and_unknown_user_are_forbidden() {
        let mut r = registrar();
        assert_eq!(
            authed(&mut r, 1, "<sip:1001@h>", None, "wrong", 0).status,
            403
        );
        assert!(r.lookup("1001", 0).is_empty());
        let ch = r.auth.challenge(0, false);
        let auth = respond(&ch, "9999", "x", "REGISTER", "sip:pbx.example").to_string();
        let resp = r.handle(
            &register(1, "<sip:1001@h>", None, Some(auth)),
            SRC.parse().unwrap(),
            Transport::Udp,
            0,
            creds,
        );
        assert_eq!(resp.status, 403);
    }

    #[test]
    fn stale_nonce_gets_a_stale_challenge() {
        let mut r = registrar();
        let ch = r.auth.challenge(0, false);
        let auth = respond(&ch, "1001", "secret", "REGISTER", "sip:pbx.example").to_string();
        let resp = r.handle(
            &register(1, "<sip:1001@h>", None, Some(auth)),
            SRC.parse().unwrap(),
            Transport::Udp,
            400_000,
            creds,
        );
        assert_eq!(resp.status, 401);
        let again = Challenge::parse(resp.headers.get("WWW-Authenticate").unwrap()).unwrap();
        assert!(again.stale);
    }

    #[test]
    fn expiry_clamps_and_interval_too_brief() {
        let mut r = registrar();
        let brief = authed(&mut r, 1, "<sip:1001@h>", Some("30"), "secret", 0);
        assert_eq!(brief.status, 423);
        assert_eq!(brief.headers.get("Min-Expires"), Some("60"));
        // Contact parameter wins over the header, and is clamped to the maximum.
        let ok = authed(
            &mut r,
            3,
            "<sip:1001@h>;expires=99999",
            Some("30"),
            "secret",
            0,
        );
        assert_eq!(ok.status, 200);
        assert_eq!(r.lookup("1001", 0)[0].expires_at, 3_600_000);
        // No expiry given: the default.
        let ok = authed(&mut r, 5, "<sip:1001@other>", None, "secret", 0);
        assert_eq!(ok.headers.get_all("Contact").count(), 2);
    }

    #[test]
    fn expires_zero_and_wildcard_remove() {
        let mut r = registrar();
        authed(&mut r, 1, "<sip:1001@a>", Some("600"), "secret", 0);
        authed(&mut r, 3, "<sip:1001@b>", Some("600"), "secret", 0);
        assert_eq!(r.lookup("1001", 0).len(), 2);
        let ok = authed(&mut r, 5, "<sip:1001@a>", Some("0"), "secret", 0);
        assert_eq!(
            ok.headers.get_all("Contact").collect::<Vec<_>>(),
            ["<sip:1001@b>;expires=600"]
        );
        assert_eq!(
            authed(&mut r, 7, "*", None, "secret", 0).status,
            400,
            "* needs Expires: 0"
        );
        assert_eq!(authed(&mut r, 9, "*", Some("0"), "secret", 0).status, 200);
        assert!(r.lookup("1001", 0).is_empty());
        // Removed bindings do not come back from expire().
        assert!(r.expire(10_000_000).is_empty());
    }

    #[test]
    fn refresh_moves_the_expiry_and_old_deadline_is_harmless() {
        let mut r = registrar();
        authed(&mut r, 1, "<sip:1001@a>", Some("60"), "secret", 0);
        authed(&mut r, 3, "<sip:1001@a>", Some("60"), "secret", 50_000);
        assert!(
            r.expire(60_000).is_empty(),
            "refreshed at 50 s, lives until 110 s"
        );
        assert_eq!(r.lookup("1001", 60_000).len(), 1);
        assert_eq!(r.expire(110_000).len(), 1);
    }

    #[test]
    fn out_of_order_cseq_is_refused() {
        let mut r = registrar();
        authed(&mut r, 10, "<sip:1001@a>", Some("600"), "secret", 0);
        // CSeq 11 registered; an older request (CSeq 6 after its challenge round) is refused.
        assert_eq!(
            authed(&mut r, 5, "<sip:1001@a>", Some("600"), "secret", 0).status,
            500
        );
    }

    #[test]
    fn other_users_aor_is_forbidden_and_other_methods_refused() {
        let mut r = registrar();
        let ch = r.auth.challenge(0, false);
        let auth = respond(&ch, "1001", "secret", "REGISTER", "sip:pbx.example").to_string();
        let mut req = register(1, "<sip:1002@h>", None, Some(auth));
        req.headers.set("To", "<sip:1002@pbx.example>");
        assert_eq!(
            r.handle(&req, SRC.parse().unwrap(), Transport::Udp, 0, creds)
                .status,
            403
        );
        req.method = Method::Options;
        assert_eq!(
            r.handle(&req, SRC.parse().unwrap(), Transport::Udp, 0, creds)
                .status,
            405
        );
    }
}
