//! MD5 digest authentication (RFC 2617, RFC 7616 for SIP per RFC 3261 §22.4) for the
//! registrar, with stateless nonces: a nonce is the issue time plus an HMAC-MD5 of it under a
//! server secret, so the server keeps no per-nonce state and can tell an expired nonce
//! (answer `stale=true`) from a forged one.
//!
//! Not done: nonce-count replay tracking (a captured Authorization can be replayed until the
//! nonce expires); algorithms other than MD5 (no SHA-256, no `-sess`); `auth-int`.

use std::fmt::{self, Write as _};

use md5::{Digest as _, Md5};

use crate::message::{parse_quoted, quote, split_unquoted};
use crate::Millis;

/// Why an Authorization was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("malformed credentials: {0}")]
    Malformed(&'static str),
    #[error("scheme {0:?} is not Digest")]
    UnsupportedScheme(String),
    #[error("algorithm {0:?} is not supported")]
    UnsupportedAlgorithm(String),
    #[error("qop {0:?} is not supported")]
    UnsupportedQop(String),
    #[error("realm {0:?} is not ours")]
    WrongRealm(String),
    #[error("nonce was not issued by us")]
    InvalidNonce,
    /// The digest was right but the nonce expired: challenge again with `stale=true`.
    #[error("nonce expired")]
    StaleNonce,
    /// The digest does not match: wrong password (or tampered request).
    #[error("digest response does not match")]
    WrongResponse,
}

/// Splits `Digest a=b, c="d"` into the scheme and its parameters, unquoting values.
pub fn parse_auth_params(value: &str) -> Result<(String, Vec<(String, String)>), AuthError> {
    let value = value.trim();
    let (scheme, rest) = value
        .split_once(char::is_whitespace)
        .ok_or(AuthError::Malformed("no parameters"))?;
    let mut params = Vec::new();
    for part in split_unquoted(rest, ',') {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        let (name, v) = part
            .split_once('=')
            .ok_or(AuthError::Malformed("parameter without value"))?;
        let v = v.trim();
        let v = if v.starts_with('"') {
            let (inner, after) = parse_quoted(v).map_err(AuthError::Malformed)?;
            if !after.trim().is_empty() {
                return Err(AuthError::Malformed("text after a quoted value"));
            }
            inner
        } else {
            v.to_string()
        };
        params.push((name.trim().to_ascii_lowercase(), v));
    }
    Ok((scheme.to_string(), params))
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// A WWW-Authenticate challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    pub realm: String,
    pub nonce: String,
    pub opaque: Option<String>,
    pub stale: bool,
    /// Offered qop values; empty for the RFC 2069 no-qop form.
    pub qop: Vec<String>,
}

impl Challenge {
    pub fn parse(value: &str) -> Result<Self, AuthError> {
        let (scheme, params) = parse_auth_params(value)?;
        if !scheme.eq_ignore_ascii_case("Digest") {
            return Err(AuthError::UnsupportedScheme(scheme));
        }
        if let Some(alg) = param(&params, "algorithm") {
            if !alg.eq_ignore_ascii_case("MD5") {
                return Err(AuthError::UnsupportedAlgorithm(alg.to_string()));
            }
        }
        Ok(Challenge {
            realm: param(&params, "realm")
                .ok_or(AuthError::Malformed("no realm"))?
                .to_string(),
            nonce: param(&params, "nonce")
                .ok_or(AuthError::Malformed("no nonce"))?
                .to_string(),
            opaque: param(&params, "opaque").map(str::to_string),
            stale: param(&params, "stale").is_some_and(|s| s.eq_ignore_ascii_case("true")),
            qop: param(&params, "qop")
                .map(|q| q.split(',').map(|s| s.trim().to_string()).collect())
                .unwrap_or_default(),
        })
    }
}

impl fmt::Display for Challenge {
    /// The WWW-Authenticate header value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Digest realm={}, nonce={}",
            quote(&self.realm),
            quote(&self.nonce)
        )?;
        if let Some(o) = &self.opaque {
            write!(f, ", opaque={}", quote(o))?;
        }
        if self.stale {
            f.write_str(", stale=true")?;
        }
        f.write_str(", algorithm=MD5")?;
        if !self.qop.is_empty() {
            write!(f, ", qop={}", quote(&self.qop.join(",")))?;
        }
        Ok(())
    }
}

/// Parsed Authorization credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    pub username: String,
    pub realm: String,
    pub nonce: String,
    pub uri: String,
    pub response: String,
    pub opaque: Option<String>,
    /// `Some("auth")` with `nc` and `cnonce`, or `None` (RFC 2069 compatibility).
    pub qop: Option<String>,
    pub nc: Option<String>,
    pub cnonce: Option<String>,
}

impl Authorization {
    pub fn parse(value: &str) -> Result<Self, AuthError> {
        let (scheme, params) = parse_auth_params(value)?;
        if !scheme.eq_ignore_ascii_case("Digest") {
            return Err(AuthError::UnsupportedScheme(scheme));
        }
        if let Some(alg) = param(&params, "algorithm") {
            if !alg.eq_ignore_ascii_case("MD5") {
                return Err(AuthError::UnsupportedAlgorithm(alg.to_string()));
            }
        }
        let req = |name: &'static str| {
            param(&params, name)
                .map(str::to_string)
                .ok_or(AuthError::Malformed(name))
        };
        let qop = param(&params, "qop").map(str::to_string);
        let (nc, cnonce) = match qop.as_deref() {
            None => (None, None),
            Some(q) if q.eq_ignore_ascii_case("auth") => (Some(req("nc")?), Some(req("cnonce")?)),
            Some(q) => return Err(AuthError::UnsupportedQop(q.to_string())),
        };
        Ok(Authorization {
            username: req("username")?,
            realm: req("realm")?,
            nonce: req("nonce")?,
            uri: req("uri")?,
            response: req("response")?,
            opaque: param(&params, "opaque").map(str::to_string),
            qop,
            nc,
            cnonce,
        })
    }
}

impl fmt::Display for Authorization {
    /// The Authorization header value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Digest username={}, realm={}, nonce={}, uri={}, response={}, algorithm=MD5",
            quote(&self.username),
            quote(&self.realm),
            quote(&self.nonce),
            quote(&self.uri),
            quote(&self.response)
        )?;
        if let Some(o) = &self.opaque {
            write!(f, ", opaque={}", quote(o))?;
        }
        if let (Some(q), Some(nc), Some(cnonce)) = (&self.qop, &self.nc, &self.cnonce) {
            write!(f, ", qop={q}, nc={nc}, cnonce={}", quote(cnonce))?;
        }
        Ok(())
    }
}

fn md5_hex(parts: &[&str]) -> String {
    let mut h = Md5::new();
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            h.update(b":");
        }
        h.update(p.as_bytes());
    }
    hex::encode(h.finalize())
}

/// HA1 = MD5(user:realm:password), what a credential store keeps instead of the password.
pub fn ha1(user: &str, realm: &str, password: &str) -> String {
    md5_hex(&[user, realm, password])
}

/// The expected `response` value (RFC 2617 §3.2.2.1) for qop=auth (`Some((nc, cnonce))`)
/// or no qop.
pub fn digest_response(
    ha1: &str,
    nonce: &str,
    qop_auth: Option<(&str, &str)>,
    method: &str,
    uri: &str,
) -> String {
    let ha2 = md5_hex(&[method, uri]);
    match qop_auth {
        Some((nc, cnonce)) => md5_hex(&[ha1, nonce, nc, cnonce, "auth", &ha2]),
        None => md5_hex(&[ha1, nonce, &ha2]),
    }
}

/// Client side: answers `challenge` (qop=auth when offered, with the given cnonce and nc).
pub fn respond_with(
    challenge: &Challenge,
    user: &str,
    password: &str,
    method: &str,
    uri: &str,
    cnonce: &str,
    nc: u32,
) -> Authorization {
    let ha1 = ha1(user, &challenge.realm, password);
    let auth = challenge.qop.iter().any(|q| q.eq_ignore_ascii_case("auth"));
    let nc = format!("{nc:08x}");
    let response = digest_response(
        &ha1,
        &challenge.nonce,
        auth.then_some((nc.as_str(), cnonce)),
        method,
        uri,
    );
    Authorization {
        username: user.to_string(),
        realm: challenge.realm.clone(),
        nonce: challenge.nonce.clone(),
        uri: uri.to_string(),
        response,
        opaque: challenge.opaque.clone(),
        qop: auth.then(|| "auth".to_string()),
        nc: auth.then_some(nc),
        cnonce: auth.then(|| cnonce.to_string()),
    }
}

/// Client side with a random cnonce and nc=1 (tests, health checks).
pub fn respond(
    challenge: &Challenge,
    user: &str,
    password: &str,
    method: &str,
    uri: &str,
) -> Authorization {
    respond_with(challenge, user, password, method, uri, &crate::new_tag(), 1)
}

/// HMAC-MD5 (RFC 2104).
fn hmac_md5(key: &[u8], message: &[u8]) -> [u8; 16] {
    const BLOCK: usize = 64;
    let mut k = [0u8; BLOCK];
    if key.len() > BLOCK {
        k[..16].copy_from_slice(&Md5::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let mut inner = Md5::new();
    inner.update(k.map(|b| b ^ 0x36));
    inner.update(message);
    let mut outer = Md5::new();
    outer.update(k.map(|b| b ^ 0x5c));
    outer.update(inner.finalize());
    outer.finalize().into()
}

/// Issues and checks challenges for one realm.
#[derive(Clone)]
pub struct DigestAuthenticator {
    realm: String,
    secret: Vec<u8>,
    nonce_lifetime: Millis,
}

impl fmt::Debug for DigestAuthenticator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DigestAuthenticator")
            .field("realm", &self.realm)
            .field("nonce_lifetime", &self.nonce_lifetime)
            .finish_non_exhaustive()
    }
}

impl DigestAuthenticator {
    /// `secret` signs the nonces: keep it for as long as nonces should stay valid across
    /// restarts (with a monotonic clock that restarts too, a fresh random secret is right).
    pub fn new(realm: &str, secret: &[u8], nonce_lifetime: Millis) -> Self {
        DigestAuthenticator {
            realm: realm.to_string(),
            secret: secret.to_vec(),
            nonce_lifetime,
        }
    }

    pub fn realm(&self) -> &str {
        &self.realm
    }

    /// `<issue time, 16 hex digits><HMAC-MD5 of it, 32 hex digits>`.
    pub fn nonce(&self, now: Millis) -> String {
        let stamp = format!("{now:016x}");
        let mac = hmac_md5(&self.secret, stamp.as_bytes());
        let mut out = stamp;
        for b in mac {
            let _ = write!(out, "{b:02x}");
        }
        out
    }

    /// A fresh challenge offering qop=auth.
    pub fn challenge(&self, now: Millis, stale: bool) -> Challenge {
        Challenge {
            realm: self.realm.clone(),
            nonce: self.nonce(now),
            opaque: None,
            stale,
            qop: vec!["auth".to_string()],
        }
    }

    /// Checks a nonce: issued by us (`Err(InvalidNonce)` otherwise) and not older than the
    /// lifetime (`Ok(false)` when expired).
    fn nonce_fresh(&self, nonce: &str, now: Millis) -> Result<bool, AuthError> {
        if nonce.len() != 48 || !nonce.is_ascii() {
            return Err(AuthError::InvalidNonce);
        }
        let (stamp, mac) = nonce.split_at(16);
        let expected = hex::encode(hmac_md5(&self.secret, stamp.as_bytes()));
        if !constant_time_eq(mac.as_bytes(), expected.as_bytes()) {
            return Err(AuthError::InvalidNonce);
        }
        let issued = u64::from_str_radix(stamp, 16).map_err(|_| AuthError::InvalidNonce)?;
        if issued > now {
            return Err(AuthError::InvalidNonce); // from a previous clock epoch
        }
        Ok(now - issued <= self.nonce_lifetime)
    }

    /// Verifies credentials for a request with `method` against the stored `ha1`. A right
    /// digest on an expired nonce is [`AuthError::StaleNonce`]; a wrong digest is
    /// [`AuthError::WrongResponse`] whatever the nonce's age.
    pub fn verify(
        &self,
        auth: &Authorization,
        method: &str,
        ha1: &str,
        now: Millis,
    ) -> Result<(), AuthError> {
        if auth.realm != self.realm {
            return Err(AuthError::WrongRealm(auth.realm.clone()));
        }
        let fresh = self.nonce_fresh(&auth.nonce, now)?;
        let qop = match (&auth.nc, &auth.cnonce) {
            (Some(nc), Some(cnonce)) => Some((nc.as_str(), cnonce.as_str())),
            _ => None,
        };
        let expected = digest_response(ha1, &auth.nonce, qop, method, &auth.uri);
        if !constant_time_eq(
            expected.as_bytes(),
            auth.response.to_ascii_lowercase().as_bytes(),
        ) {
            return Err(AuthError::WrongResponse);
        }
        if !fresh {
            return Err(AuthError::StaleNonce);
        }
        Ok(())
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 2617 §3.5.
    #[test]
    fn rfc_2617_example() {
        let header = r#"Digest username="Mufasa",
                 realm="testrealm@host.com",
                 nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093",
                 uri="/dir/index.html",
                 qop=auth,
                 nc=00000001,
                 cnonce="0a4f113b",
                 response="6629fae49393a05397450978507c4ef1",
                 opaque="5ccc069c403ebaf9f0171e9517f40e41""#;
        let auth = Authorization::parse(header).unwrap();
        assert_eq!(auth.username, "Mufasa");
        assert_eq!(auth.nc.as_deref(), Some("00000001"));
        let h = ha1("Mufasa", "testrealm@host.com", "Circle Of Life");
        let expected = digest_response(
            &h,
            &auth.nonce,
            Some(("00000001", "0a4f113b")),
            "GET",
            "/dir/index.html",
        );
        assert_eq!(expected, "6629fae49393a05397450978507c4ef1");

        let challenge = Challenge::parse(
            r#"Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41""#,
        )
        .unwrap();
        let ours = respond_with(
            &challenge,
            "Mufasa",
            "Circle Of Life",
            "GET",
            "/dir/index.html",
            "0a4f113b",
            1,
        );
        assert_eq!(ours.response, "6629fae49393a05397450978507c4ef1");
        assert_eq!(Authorization::parse(&ours.to_string()).unwrap(), ours);
    }

    #[test]
    fn hmac_md5_matches_rfc_2104() {
        // RFC 2104 test vector 2.
        let mac = hmac_md5(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(hex::encode(mac), "750c783e6ab0b503eaa86e310a5db738");
    }

    fn auth() -> DigestAuthenticator {
        DigestAuthenticator::new("earshot", b"secret", 30_000)
    }

    #[test]
    fn challenge_round_trip_and_verification() {
        let a = auth();
        let ch = a.challenge(1_000, false);
        let parsed = Challenge::parse(&ch.to_string()).unwrap();
        assert_eq!(parsed, ch);
        let h = ha1("1001", "earshot", "pw");
        let creds = respond(&parsed, "1001", "pw", "REGISTER", "sip:pbx.example");
        assert_eq!(a.verify(&creds, "REGISTER", &h, 2_000), Ok(()));
        assert_eq!(
            a.verify(&creds, "INVITE", &h, 2_000),
            Err(AuthError::WrongResponse)
        );
        let wrong = respond(&parsed, "1001", "nope", "REGISTER", "sip:pbx.example");
        assert_eq!(
            a.verify(&wrong, "REGISTER", &h, 2_000),
            Err(AuthError::WrongResponse)
        );
    }

    #[test]
    fn stale_and_forged_nonces() {
        let a = auth();
        let h = ha1("1001", "earshot", "pw");
        let creds = respond(
            &a.challenge(1_000, false),
            "1001",
            "pw",
            "REGISTER",
            "sip:x",
        );
        assert_eq!(a.verify(&creds, "REGISTER", &h, 31_000), Ok(()));
        assert_eq!(
            a.verify(&creds, "REGISTER", &h, 31_001),
            Err(AuthError::StaleNonce)
        );
        // Wrong password on an old nonce is still a wrong password, not stale.
        let wrong = respond(&a.challenge(1_000, false), "1001", "x", "REGISTER", "sip:x");
        assert_eq!(
            a.verify(&wrong, "REGISTER", &h, 60_000),
            Err(AuthError::WrongResponse)
        );
        // A nonce from another secret, or altered, is invalid.
        let other = DigestAuthenticator::new("earshot", b"other", 30_000);
        let forged = respond(
            &other.challenge(1_000, false),
            "1001",
            "pw",
            "REGISTER",
            "sip:x",
        );
        assert_eq!(
            a.verify(&forged, "REGISTER", &h, 2_000),
            Err(AuthError::InvalidNonce)
        );
        let mut tampered = creds.clone();
        tampered.nonce.replace_range(0..1, "f");
        assert_eq!(
            a.verify(&tampered, "REGISTER", &h, 2_000),
            Err(AuthError::InvalidNonce)
        );
        let mut realm = creds;
        realm.realm = "elsewhere".into();
        assert!(matches!(
            a.verify(&realm, "REGISTER", &h, 2_000),
            Err(AuthError::WrongRealm(_))
        ));
    }

    #[test]
    fn no_qop_form_and_parse_errors() {
        let a = auth();
        let mut ch = a.challenge(0, false);
        ch.qop.clear();
        let creds = respond(&ch, "u", "p", "REGISTER", "sip:x");
        assert_eq!(creds.qop, None);
        assert_eq!(
            a.verify(&creds, "REGISTER", &ha1("u", "earshot", "p"), 10),
            Ok(())
        );
        assert!(matches!(
            Authorization::parse("Basic dXNlcjpwdw=="),
            Err(AuthError::UnsupportedScheme(_))
        ));
        assert!(matches!(
            Authorization::parse(r#"Digest username="u", realm="r""#),
            Err(AuthError::Malformed(_))
        ));
        assert!(matches!(
            Authorization::parse(r#"Digest username="u"#),
            Err(AuthError::Malformed(_))
        ));
        assert!(matches!(
            Authorization::parse(
                r#"Digest username="u", realm="r", nonce="n", uri="x", response="y", qop=auth"#
            ),
            Err(AuthError::Malformed("nc"))
        ));
        assert!(matches!(
            Challenge::parse(r#"Digest realm="r", nonce="n", algorithm=SHA-256"#),
            Err(AuthError::UnsupportedAlgorithm(_))
        ));
        // Escaped quotes in a quoted value.
        let (_, p) = parse_auth_params(r#"Digest realm="a \"b\" c", nonce=x"#).unwrap();
        assert_eq!(p[0], ("realm".into(), r#"a "b" c"#.into()));
    }
}
