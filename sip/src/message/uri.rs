//! SIP, SIPS and tel URIs (RFC 3261 §19.1, RFC 3966).

use std::fmt;
use std::net::{IpAddr, Ipv6Addr};

use super::params::Params;
use super::ParseError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    Sip,
    Sips,
    Tel,
}

impl Scheme {
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Sip => "sip",
            Scheme::Sips => "sips",
            Scheme::Tel => "tel",
        }
    }
}

/// A parsed URI. For `tel:` URIs the telephone number is in `user` and `host` is empty.
/// `host` holds an IPv6 address without its brackets; [`Uri::host_port`] adds them back.
/// User and password are kept as written (still %-escaped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uri {
    pub scheme: Scheme,
    pub user: Option<String>,
    pub password: Option<String>,
    pub host: String,
    pub port: Option<u16>,
    pub params: Params,
    /// `?name=value&...` headers, as written.
    pub headers: Vec<(String, String)>,
}

fn bad(uri: &str, reason: &'static str) -> ParseError {
    ParseError::BadUri {
        uri: super::snippet(uri),
        reason,
    }
}

impl Uri {
    /// A `sip:` URI with the given user and host.
    pub fn sip(user: Option<&str>, host: &str, port: Option<u16>) -> Self {
        Uri {
            scheme: Scheme::Sip,
            user: user.map(str::to_string),
            password: None,
            host: host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_string(),
            port,
            params: Params::new(),
            headers: Vec::new(),
        }
    }

    pub fn parse(text: &str) -> Result<Self, ParseError> {
        let text = text.trim();
        let (scheme, rest) = text.split_once(':').ok_or_else(|| bad(text, "no scheme"))?;
        let scheme = match scheme.to_ascii_lowercase().as_str() {
            "sip" => Scheme::Sip,
            "sips" => Scheme::Sips,
            "tel" => Scheme::Tel,
            _ => return Err(bad(text, "unsupported scheme")),
        };
        if rest.is_empty() || rest.contains(char::is_whitespace) {
            return Err(bad(text, "empty or contains whitespace"));
        }
        if scheme == Scheme::Tel {
            let (number, params) = rest.split_once(';').unwrap_or((rest, ""));
            if number.is_empty() {
                return Err(bad(text, "empty telephone number"));
            }
            return Ok(Uri {
                scheme,
                user: Some(number.to_string()),
                password: None,
                host: String::new(),
                port: None,
                params: Params::parse(params).map_err(|r| bad(text, r))?,
                headers: Vec::new(),
            });
        }
        let (rest, headers) = match rest.split_once('?') {
            Some((r, h)) => (
                r,
                parse_uri_headers(h).ok_or_else(|| bad(text, "bad ?headers"))?,
            ),
            None => (rest, Vec::new()),
        };
        let (userinfo, hostpart) = match rest.rfind('@') {
            Some(at) => (Some(&rest[..at]), &rest[at + 1..]),
            None => (None, rest),
        };
        let (user, password) = match userinfo {
            None => (None, None),
            Some(info) => {
                let (user, password) = match info.split_once(':') {
                    Some((u, p)) => (u, Some(p.to_string())),
                    None => (info, None),
                };
                if user.is_empty() {
                    return Err(bad(text, "empty user part"));
                }
                (Some(user.to_string()), password)
            }
        };
        let (host, port, params) = parse_hostport(hostpart).map_err(|r| bad(text, r))?;
        Ok(Uri {
            scheme,
            user,
            password,
            host,
            port,
            params: Params::parse(params).map_err(|r| bad(text, r))?,
            headers,
        })
    }

    /// `host[:port]`, with brackets around an IPv6 address.
    pub fn host_port(&self) -> String {
        let host = bracket(&self.host);
        match self.port {
            Some(p) => format!("{host}:{p}"),
            None => host,
        }
    }

    /// The host as an IP address, if it is one.
    pub fn ip(&self) -> Option<IpAddr> {
        self.host.parse().ok()
    }

    /// The URI without parameters and headers, e.g. the address-of-record of a registration.
    pub fn without_params(&self) -> Uri {
        Uri {
            params: Params::new(),
            headers: Vec::new(),
            ..self.clone()
        }
    }

    /// Whether two URIs name the same contact: scheme, user, password and port compare
    /// exactly, the host case-insensitively, and the `transport` parameter must agree
    /// (a simplification of RFC 3261 §19.1.4 sufficient for registrar bindings).
    pub fn same_address(&self, other: &Uri) -> bool {
        let transport = |u: &Uri| u.params.value("transport").map(str::to_ascii_lowercase);
        self.scheme == other.scheme
            && self.user == other.user
            && self.password == other.password
            && self.host.eq_ignore_ascii_case(&other.host)
            && self.port == other.port
            && transport(self) == transport(other)
    }
}

/// Adds brackets to an IPv6 literal.
pub(crate) fn bracket(host: &str) -> String {
    if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_string()
    }
}

/// Splits `host[:port][;params]` into its parts; an IPv6 host comes bracketed.
pub(crate) fn parse_hostport(text: &str) -> Result<(String, Option<u16>, &str), &'static str> {
    let (host, after_host) = if let Some(rest) = text.strip_prefix('[') {
        let end = rest.find(']').ok_or("unterminated IPv6 reference")?;
        let host = &rest[..end];
        host.parse::<Ipv6Addr>()
            .map_err(|_| "invalid IPv6 address")?;
        (host, &rest[end + 1..])
    } else {
        let end = text.find([':', ';']).unwrap_or(text.len());
        (&text[..end], &text[end..])
    };
    if host.is_empty() {
        return Err("empty host");
    }
    if !host.contains(':')
        && !host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
    {
        return Err("invalid character in host");
    }
    let (port, params) = match after_host.strip_prefix(':') {
        Some(rest) => {
            let end = rest.find(';').unwrap_or(rest.len());
            let port = rest[..end].parse::<u16>().map_err(|_| "invalid port")?;
            (Some(port), &rest[end..])
        }
        None => (None, after_host),
    };
    let params = match params.strip_prefix(';') {
        Some(p) => p,
        None if params.is_empty() => "",
        None => return Err("unexpected text after host"),
    };
    Ok((host.to_string(), port, params))
}

fn parse_uri_headers(text: &str) -> Option<Vec<(String, String)>> {
    text.split('&')
        .filter(|h| !h.is_empty())
        .map(|h| {
            let (n, v) = h.split_once('=')?;
            Some((n.to_string(), v.to_string()))
        })
        .collect()
}

impl fmt::Display for Uri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:", self.scheme.as_str())?;
        if self.scheme == Scheme::Tel {
            return write!(f, "{}{}", self.user.as_deref().unwrap_or(""), self.params);
        }
        if let Some(user) = &self.user {
            f.write_str(user)?;
            if let Some(pw) = &self.password {
                write!(f, ":{pw}")?;
            }
            f.write_str("@")?;
        }
        write!(f, "{}{}", self.host_port(), self.params)?;
        for (i, (n, v)) in self.headers.iter().enumerate() {
            write!(f, "{}{n}={v}", if i == 0 { '?' } else { '&' })?;
        }
        Ok(())
    }
}

impl std::str::FromStr for Uri {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uri::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_full_sip_uri() {
        let u = Uri::parse("sips:alice:secret@Example.COM:5061;transport=tcp;lr?subject=hi&x=y")
            .unwrap();
        assert_eq!(u.scheme, Scheme::Sips);
        assert_eq!(u.user.as_deref(), Some("alice"));
        assert_eq!(u.password.as_deref(), Some("secret"));
        assert_eq!(u.host, "Example.COM");
        assert_eq!(u.port, Some(5061));
        assert_eq!(u.params.value("transport"), Some("tcp"));
        assert!(u.params.contains("lr"));
        assert_eq!(
            u.headers,
            vec![("subject".into(), "hi".into()), ("x".into(), "y".into())]
        );
        assert_eq!(
            u.to_string(),
            "sips:alice:secret@Example.COM:5061;transport=tcp;lr?subject=hi&x=y"
        );
    }

    #[test]
    fn parses_ipv6_and_user_params() {
        let u = Uri::parse("sip:[2001:db8::10]:5070;maddr=x").unwrap();
        assert_eq!(u.host, "2001:db8::10");
        assert_eq!(u.port, Some(5070));
        assert_eq!(u.host_port(), "[2001:db8::10]:5070");
        assert_eq!(u.to_string(), "sip:[2001:db8::10]:5070;maddr=x");
        // RFC 4475 §3.1.1.1: `;` inside the user part belongs to the user.
        let u = Uri::parse("sip:user;par=u%40example.net@example.com").unwrap();
        assert_eq!(u.user.as_deref(), Some("user;par=u%40example.net"));
        assert_eq!(u.host, "example.com");
    }

    #[test]
    fn parses_tel() {
        let u = Uri::parse("tel:+1-201-555-0123;phone-context=example.com").unwrap();
        assert_eq!(u.scheme, Scheme::Tel);
        assert_eq!(u.user.as_deref(), Some("+1-201-555-0123"));
        assert_eq!(
            u.to_string(),
            "tel:+1-201-555-0123;phone-context=example.com"
        );
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "example.com",
            "http://example.com",
            "sip:",
            "sip:@host",
            "sip:host:99999",
            "sip:host:abc",
            "sip:[::1",
            "sip:[zz::1]",
            "sip:ho st",
            "sip:a@b@",
        ] {
            assert!(Uri::parse(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn same_address_ignores_host_case_but_not_port() {
        let a = Uri::parse("sip:1001@PBX.example;transport=UDP;ob").unwrap();
        let b = Uri::parse("sip:1001@pbx.example;transport=udp").unwrap();
        let c = Uri::parse("sip:1001@pbx.example:5070;transport=udp").unwrap();
        assert!(a.same_address(&b));
        assert!(!a.same_address(&c));
    }
}
