//! `;name=value` parameters (of URIs, Via, From/To/Contact) and the quoting rules that header
//! values share: separators inside quoted strings or `<...>` do not separate.

use std::fmt;

/// Ordered parameters; names compare case-insensitively. A value keeps its quotes as written,
/// so serialization reproduces the input; [`unquote`] reads a quoted value.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Params(Vec<(String, Option<String>)>);

impl Params {
    pub fn new() -> Self {
        Params(Vec::new())
    }

    /// Parses `a=1;b;c="x;y"` (the text after the first `;`). Empty segments are skipped;
    /// a segment with an empty name is an error.
    pub fn parse(text: &str) -> Result<Self, &'static str> {
        let mut params = Vec::new();
        for segment in split_unquoted(text, ';') {
            let segment = segment.trim();
            if segment.is_empty() {
                continue;
            }
            let (name, value) = match segment.split_once('=') {
                Some((n, v)) => (n.trim(), Some(v.trim().to_string())),
                None => (segment, None),
            };
            if name.is_empty() || !name.bytes().all(is_param_char) {
                return Err("malformed parameter name");
            }
            params.push((name.to_string(), value));
        }
        Ok(Params(params))
    }

    /// `Some(None)` for a flag (`;lr`), `Some(Some(v))` for `;name=v`, `None` when absent.
    pub fn get(&self, name: &str) -> Option<Option<&str>> {
        self.0
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_deref())
    }

    /// The value of `name=value`, if present with a value.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.get(name).flatten()
    }

    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Replaces the first parameter called `name` (keeping its position) or appends it.
    pub fn set(&mut self, name: &str, value: Option<&str>) {
        let value = value.map(str::to_string);
        match self
            .0
            .iter_mut()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
        {
            Some(slot) => slot.1 = value,
            None => self.0.push((name.to_string(), value)),
        }
    }

    pub fn remove(&mut self, name: &str) {
        self.0.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, Option<&str>)> {
        self.0.iter().map(|(n, v)| (n.as_str(), v.as_deref()))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for Params {
    /// Writes `;name=value` for each parameter (nothing when empty).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (name, value) in &self.0 {
            match value {
                Some(v) => write!(f, ";{name}={v}")?,
                None => write!(f, ";{name}")?,
            }
        }
        Ok(())
    }
}

/// Token characters plus what URI parameters allow unescaped (RFC 3261 §25.1).
fn is_param_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-.!%*_+`'~[]/:&$".contains(&b)
}

/// Splits on `sep` outside quoted strings (honouring `\` escapes) and outside `<...>`.
pub fn split_unquoted(text: &str, sep: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut in_quotes = false;
    let mut escaped = false;
    let mut angle = 0usize;
    for (i, c) in text.char_indices() {
        if in_quotes {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_quotes = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_quotes = true,
            '<' => angle += 1,
            '>' => angle = angle.saturating_sub(1),
            c if c == sep && angle == 0 => {
                parts.push(&text[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

/// Reads a quoted string at the start of `text` (which must begin with `"`), resolving `\`
/// escapes. Returns the unescaped content and the text after the closing quote.
pub fn parse_quoted(text: &str) -> Result<(String, &str), &'static str> {
    let mut chars = text.char_indices();
    if !matches!(chars.next(), Some((_, '"'))) {
        return Err("expected a quoted string");
    }
    let mut out = String::new();
    let mut escaped = false;
    for (i, c) in chars {
        if escaped {
            out.push(c);
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == '"' {
            return Ok((out, &text[i + 1..]));
        } else {
            out.push(c);
        }
    }
    Err("unterminated quoted string")
}

/// The content of a parameter value: unescaped if quoted, as is otherwise.
pub fn unquote(value: &str) -> Result<String, &'static str> {
    if value.starts_with('"') {
        let (inner, rest) = parse_quoted(value)?;
        if !rest.trim().is_empty() {
            return Err("text after a quoted string");
        }
        Ok(inner)
    } else {
        Ok(value.to_string())
    }
}

/// Quotes `text` as a quoted string, escaping `"` and `\`.
pub fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_outside_quotes_and_angles() {
        let parts = split_unquoted(r#""a,\"b" <sip:x;y,z>, c"#, ',');
        assert_eq!(parts, vec![r#""a,\"b" <sip:x;y,z>"#, " c"]);
    }

    #[test]
    fn params_parse_get_set_and_display() {
        let mut p = Params::parse(" branch = z9hG4bK1 ;rport;Received=1.2.3.4").unwrap();
        assert_eq!(p.value("BRANCH"), Some("z9hG4bK1"));
        assert_eq!(p.get("rport"), Some(None));
        assert_eq!(p.value("received"), Some("1.2.3.4"));
        p.set("rport", Some("5060"));
        p.remove("received");
        assert_eq!(p.to_string(), ";branch=z9hG4bK1;rport=5060");
        assert!(Params::parse("=x").is_err());
    }

    #[test]
    fn quoted_strings_round_trip_with_escapes() {
        let (s, rest) = parse_quoted(r#""say \"hi\" \\ ok" tail"#).unwrap();
        assert_eq!(s, r#"say "hi" \ ok"#);
        assert_eq!(rest, " tail");
        assert_eq!(unquote(&quote(&s)).unwrap(), s);
        assert!(parse_quoted("\"open").is_err());
    }
}
