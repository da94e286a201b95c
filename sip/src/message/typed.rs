//! Typed views of the headers a UA and B2BUA act on: Via, From/To/Contact/Route (name-addr),
//! CSeq and the numeric headers. Values are parsed on demand from [`Headers`], which keep the
//! text as received so serialization reproduces it.

use std::fmt;

use super::headers::Headers;
use super::params::{parse_quoted, quote, Params};
use super::uri::{bracket, parse_hostport, Uri};
use super::{new_branch, snippet, Method, ParseError};
use crate::Transport;

fn bad(name: &'static str, value: &str, reason: &'static str) -> ParseError {
    ParseError::BadHeader {
        name,
        value: snippet(value),
        reason,
    }
}

/// One Via entry (RFC 3261 §20.42, RFC 3581 for `rport`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Via {
    pub transport: Transport,
    /// sent-by host; an IPv6 address without brackets.
    pub host: String,
    pub port: Option<u16>,
    pub params: Params,
}

impl Via {
    /// A Via for a request we originate: fresh branch, and an empty `rport` so that a peer
    /// behind NAT answers where the request came from.
    pub fn new(transport: Transport, host: &str, port: Option<u16>) -> Self {
        let mut params = Params::new();
        params.set("branch", Some(&new_branch()));
        params.set("rport", None);
        Via {
            transport,
            host: host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_string(),
            port,
            params,
        }
    }

    pub fn parse(text: &str) -> Result<Self, ParseError> {
        let err = |reason| bad("Via", text, reason);
        let (protocol, rest) = text.split_once('/').ok_or_else(|| err("no protocol"))?;
        let (version, rest) = rest.split_once('/').ok_or_else(|| err("no version"))?;
        if !protocol.trim().eq_ignore_ascii_case("SIP") || version.trim() != "2.0" {
            return Err(err("protocol is not SIP/2.0"));
        }
        let rest = rest.trim_start();
        let end = rest
            .find(char::is_whitespace)
            .ok_or_else(|| err("no sent-by"))?;
        let transport = Transport::parse(&rest[..end]).ok_or_else(|| err("unknown transport"))?;
        // LWS is allowed around `:` and `;`: drop it from host:port, Params trims the rest.
        let rest = rest[end..].trim();
        let (hostport, params) = rest.split_once(';').unwrap_or((rest, ""));
        let hostport: String = hostport.split_whitespace().collect();
        let (host, port, leftover) = parse_hostport(&hostport).map_err(err)?;
        if !leftover.is_empty() {
            return Err(err("unexpected text after sent-by"));
        }
        let params = Params::parse(params).map_err(err)?;
        if let Some(Some(rport)) = params.get("rport") {
            rport
                .parse::<u16>()
                .map_err(|_| err("rport is not a port"))?;
        }
        if params
            .get("branch")
            .is_some_and(|b| b.is_none_or(str::is_empty))
        {
            return Err(err("empty branch"));
        }
        Ok(Via {
            transport,
            host,
            port,
            params,
        })
    }

    pub fn branch(&self) -> Option<&str> {
        self.params.value("branch")
    }

    pub fn received(&self) -> Option<&str> {
        self.params.value("received")
    }

    /// `Some(None)` when the sender asked for rport without a value, `Some(Some(p))` once filled.
    pub fn rport(&self) -> Option<Option<u16>> {
        self.params
            .get("rport")
            .map(|v| v.and_then(|p| p.parse().ok()))
    }

    /// sent-by as `host[:port]`, the form used for transaction matching (§17.2.3).
    pub fn sent_by(&self) -> String {
        let host = bracket(&self.host);
        match self.port {
            Some(p) => format!("{host}:{p}"),
            None => host,
        }
    }
}

impl fmt::Display for Via {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "SIP/2.0/{} {}{}",
            self.transport,
            self.sent_by(),
            self.params
        )
    }
}

/// `"Display Name" <uri>;params` or the bare `uri;params` form of From, To, Contact, Route.
/// Parameters after the URI belong to the header (e.g. `tag`, `expires`), not the URI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameAddr {
    pub display_name: Option<String>,
    pub uri: Uri,
    pub params: Params,
}

impl NameAddr {
    pub fn new(uri: Uri) -> Self {
        NameAddr {
            display_name: None,
            uri,
            params: Params::new(),
        }
    }

    pub fn parse(text: &str) -> Result<Self, ParseError> {
        Self::parse_as("name-addr", text)
    }

    fn parse_as(header: &'static str, text: &str) -> Result<Self, ParseError> {
        let err = |reason| bad(header, text, reason);
        let text = text.trim();
        let (display_name, rest) = if text.starts_with('"') {
            let (name, rest) = parse_quoted(text).map_err(err)?;
            let rest = rest.trim_start();
            if !rest.starts_with('<') {
                return Err(err("quoted display name without <uri>"));
            }
            (Some(name), rest)
        } else if let Some(lt) = text.find('<') {
            let name = text[..lt].trim();
            let name =
                (!name.is_empty()).then(|| name.split_whitespace().collect::<Vec<_>>().join(" "));
            (name, &text[lt..])
        } else {
            (None, text)
        };
        let (uri, params) = if let Some(inner) = rest.strip_prefix('<') {
            let end = inner.find('>').ok_or_else(|| err("unterminated <uri>"))?;
            let after = inner[end + 1..].trim_start();
            let params = match after.strip_prefix(';') {
                Some(p) => p,
                None if after.is_empty() => "",
                None => return Err(err("text after <uri>")),
            };
            (&inner[..end], params)
        } else {
            // Bare form: the URI cannot contain `;`, `,` or `?` (RFC 3261 §20.10).
            rest.split_once(';').unwrap_or((rest, ""))
        };
        Ok(NameAddr {
            display_name,
            uri: Uri::parse(uri)?,
            params: Params::parse(params).map_err(err)?,
        })
    }

    pub fn tag(&self) -> Option<&str> {
        self.params.value("tag")
    }

    pub fn set_tag(&mut self, tag: &str) {
        self.params.set("tag", Some(tag));
    }

    /// The `expires` parameter of a Contact, if present and numeric.
    pub fn expires(&self) -> Option<u32> {
        self.params.value("expires").and_then(|v| v.parse().ok())
    }
}

impl fmt::Display for NameAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(name) = &self.display_name {
            write!(f, "{} ", quote(name))?;
        }
        write!(f, "<{}>{}", self.uri, self.params)
    }
}

/// CSeq: sequence number and method (RFC 3261 §20.16).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CSeq {
    pub seq: u32,
    pub method: Method,
}

impl CSeq {
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        let err = |reason| bad("CSeq", text, reason);
        let mut parts = text.split_whitespace();
        let (Some(seq), Some(method), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(err("expected `number METHOD`"));
        };
        let seq: u32 = seq
            .parse()
            .map_err(|_| err("sequence number is not a 32-bit number"))?;
        if seq >= 1 << 31 {
            return Err(err("sequence number must be below 2**31"));
        }
        if !super::is_token(method) {
            return Err(err("method is not a token"));
        }
        Ok(CSeq {
            seq,
            method: Method::from(method),
        })
    }
}

impl fmt::Display for CSeq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.seq, self.method)
    }
}

/// The Contact headers of a message: `*` (only meaningful in REGISTER) or addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Contacts {
    Wildcard,
    Addrs(Vec<NameAddr>),
}

/// Typed accessors. Missing mandatory headers are [`ParseError::MissingHeader`]; optional ones
/// return `Ok(None)`.
impl Headers {
    fn required(&self, name: &'static str) -> Result<&str, ParseError> {
        self.get(name).ok_or(ParseError::MissingHeader(name))
    }

    /// All Via entries, top first.
    pub fn vias(&self) -> Result<Vec<Via>, ParseError> {
        self.get_all("Via").map(Via::parse).collect()
    }

    pub fn top_via(&self) -> Result<Via, ParseError> {
        Via::parse(self.required("Via")?)
    }

    pub fn from_addr(&self) -> Result<NameAddr, ParseError> {
        NameAddr::parse_as("From", self.required("From")?)
    }

    pub fn to_addr(&self) -> Result<NameAddr, ParseError> {
        NameAddr::parse_as("To", self.required("To")?)
    }

    pub fn call_id(&self) -> Result<&str, ParseError> {
        let id = self.required("Call-ID")?;
        if id.is_empty() || id.contains(char::is_whitespace) {
            return Err(bad("Call-ID", id, "empty or contains whitespace"));
        }
        Ok(id)
    }

    pub fn cseq(&self) -> Result<CSeq, ParseError> {
        CSeq::parse(self.required("CSeq")?)
    }

    pub fn contacts(&self) -> Result<Contacts, ParseError> {
        let values: Vec<&str> = self.get_all("Contact").collect();
        if values.contains(&"*") {
            if values.len() != 1 {
                return Err(bad("Contact", "*", "wildcard combined with other contacts"));
            }
            return Ok(Contacts::Wildcard);
        }
        values
            .into_iter()
            .map(|v| NameAddr::parse_as("Contact", v))
            .collect::<Result<_, _>>()
            .map(Contacts::Addrs)
    }

    /// The first Contact address (a dialog's remote target), ignoring a wildcard.
    pub fn contact(&self) -> Result<Option<NameAddr>, ParseError> {
        match self.contacts()? {
            Contacts::Addrs(mut list) if !list.is_empty() => Ok(Some(list.swap_remove(0))),
            _ => Ok(None),
        }
    }

    pub fn record_routes(&self) -> Result<Vec<NameAddr>, ParseError> {
        self.get_all("Record-Route")
            .map(|v| NameAddr::parse_as("Record-Route", v))
            .collect()
    }

    pub fn routes(&self) -> Result<Vec<NameAddr>, ParseError> {
        self.get_all("Route")
            .map(|v| NameAddr::parse_as("Route", v))
            .collect()
    }

    fn number<T: std::str::FromStr>(&self, name: &'static str) -> Result<Option<T>, ParseError> {
        self.get(name)
            .map(|v| v.parse::<T>().map_err(|_| bad(name, v, "not a number")))
            .transpose()
    }

    pub fn max_forwards(&self) -> Result<Option<u32>, ParseError> {
        self.number("Max-Forwards")
    }

    pub fn content_length(&self) -> Result<Option<usize>, ParseError> {
        self.number("Content-Length")
    }

    /// The Expires header in seconds (RFC 3261 §20.19).
    pub fn expires(&self) -> Result<Option<u32>, ParseError> {
        self.number("Expires")
    }

    pub fn content_type(&self) -> Option<&str> {
        self.get("Content-Type")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn via_with_odd_whitespace_and_ipv6() {
        let v =
            Via::parse("SIP / 2.0 / UDP  [2001:db8::9]:5062 ; branch = z9hG4bKx ; rport").unwrap();
        assert_eq!(v.transport, Transport::Udp);
        assert_eq!(v.host, "2001:db8::9");
        assert_eq!(v.port, Some(5062));
        assert_eq!(v.branch(), Some("z9hG4bKx"));
        assert_eq!(v.rport(), Some(None));
        assert_eq!(
            v.to_string(),
            "SIP/2.0/UDP [2001:db8::9]:5062;branch=z9hG4bKx;rport"
        );
        let v = Via::parse(
            "SIP/2.0/tcp host.example:5060;received=10.0.0.1;rport=4000;branch=z9hG4bK1",
        )
        .unwrap();
        assert_eq!(v.transport, Transport::Tcp);
        assert_eq!(v.received(), Some("10.0.0.1"));
        assert_eq!(v.rport(), Some(Some(4000)));
        assert_eq!(v.sent_by(), "host.example:5060");
    }

    #[test]
    fn via_rejects_garbage() {
        for bad in [
            "SIP/2.0/UDP",
            "SIP/3.0/UDP host",
            "SIP/2.0/FOO host",
            "SIP/2.0/UDP host;rport=x",
            "SIP/2.0/UDP host;branch=",
            "SIP/2.0/UDP host:port",
        ] {
            assert!(Via::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn name_addr_forms() {
        let n =
            NameAddr::parse(r#""Mr. \"Q\" Public" <sip:q@example.com;transport=tcp>;tag=abc;x"#)
                .unwrap();
        assert_eq!(n.display_name.as_deref(), Some(r#"Mr. "Q" Public"#));
        assert_eq!(n.uri.params.value("transport"), Some("tcp"));
        assert_eq!(n.tag(), Some("abc"));
        assert!(n.params.contains("x"));
        assert_eq!(NameAddr::parse(&n.to_string()).unwrap(), n);

        let n = NameAddr::parse("sip:bob@example.com;tag=1928").unwrap();
        assert_eq!(n.display_name, None);
        assert!(
            n.uri.params.is_empty(),
            "bare-form params belong to the header"
        );
        assert_eq!(n.tag(), Some("1928"));

        let n = NameAddr::parse("Bob  Smith <sip:bob@[::1]:5060>;expires=60").unwrap();
        assert_eq!(n.display_name.as_deref(), Some("Bob Smith"));
        assert_eq!(n.uri.host, "::1");
        assert_eq!(n.expires(), Some(60));

        assert!(NameAddr::parse("<sip:bob@example.com").is_err());
        assert!(NameAddr::parse(r#""unterminated <sip:a@b>"#).is_err());
    }

    #[test]
    fn cseq_parse() {
        let c = CSeq::parse("4711   INVITE").unwrap();
        assert_eq!((c.seq, &c.method), (4711, &Method::Invite));
        assert!(CSeq::parse("1").is_err());
        assert!(CSeq::parse("-1 INVITE").is_err());
        assert!(CSeq::parse("2147483648 INVITE").is_err());
        assert!(CSeq::parse("1 INVITE x").is_err());
    }
}
