//! The header section: an ordered multimap with case-insensitive names, compact forms
//! (RFC 3261 §7.3.3) stored under their full names.

/// Full names of well-known headers, with their compact form where one exists. A name found
/// here is stored in this spelling; other names are kept as written.
const KNOWN: &[(&str, Option<&str>)] = &[
    ("Via", Some("v")),
    ("From", Some("f")),
    ("To", Some("t")),
    ("Call-ID", Some("i")),
    ("CSeq", None),
    ("Contact", Some("m")),
    ("Content-Length", Some("l")),
    ("Content-Type", Some("c")),
    ("Content-Encoding", Some("e")),
    ("Supported", Some("k")),
    ("Subject", Some("s")),
    ("Event", Some("o")),
    ("Refer-To", Some("r")),
    ("Referred-By", Some("b")),
    ("Allow-Events", Some("u")),
    ("Session-Expires", Some("x")),
    ("Max-Forwards", None),
    ("Route", None),
    ("Record-Route", None),
    ("Expires", None),
    ("Min-Expires", None),
    ("Allow", None),
    ("Require", None),
    ("Proxy-Require", None),
    ("Unsupported", None),
    ("User-Agent", None),
    ("Server", None),
    ("Authorization", None),
    ("WWW-Authenticate", None),
    ("Proxy-Authorization", None),
    ("Proxy-Authenticate", None),
    ("Reason", None),
    ("RAck", None),
    ("RSeq", None),
    ("Timestamp", None),
    ("Date", None),
];

/// Headers whose comma-separated values are split into one entry each when parsed.
pub(crate) const SPLIT_ON_COMMA: &[&str] = &["Via", "Contact", "Route", "Record-Route"];

/// The canonical spelling of a header name: compact forms expand, known names take their
/// usual capitalization, unknown names are returned unchanged.
pub fn canonical_name(name: &str) -> &str {
    for (full, compact) in KNOWN {
        if full.eq_ignore_ascii_case(name) || compact.is_some_and(|c| c.eq_ignore_ascii_case(name))
        {
            return full;
        }
    }
    name
}

fn same_name(a: &str, b: &str) -> bool {
    canonical_name(a).eq_ignore_ascii_case(canonical_name(b))
}

/// One header field. The value is trimmed; folded lines were joined with one space.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    name: String,
    value: String,
}

impl Header {
    pub fn name(&self) -> &str {
        &self.name
    }
    pub fn value(&self) -> &str {
        &self.value
    }
}

/// Header fields in their original order. Lookups accept any case and compact forms.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Headers(Vec<Header>);

impl Headers {
    pub fn new() -> Self {
        Headers(Vec::new())
    }

    /// Appends a header (the name is stored in canonical spelling).
    pub fn push(&mut self, name: &str, value: impl Into<String>) {
        self.0.push(Header {
            name: canonical_name(name).to_string(),
            value: value.into().trim().to_string(),
        });
    }

    /// Inserts a header before the first one of the same name, or at the top if there is
    /// none: how a new Via goes on top of the others.
    pub fn push_front(&mut self, name: &str, value: impl Into<String>) {
        let at = self
            .0
            .iter()
            .position(|h| same_name(&h.name, name))
            .unwrap_or(0);
        self.0.insert(
            at,
            Header {
                name: canonical_name(name).to_string(),
                value: value.into().trim().to_string(),
            },
        );
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        let name = canonical_name(name);
        self.0
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value.as_str())
    }

    /// Every value of `name`, in order.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        let name = canonical_name(name);
        self.0
            .iter()
            .filter(move |h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value.as_str())
    }

    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Replaces the first `name` header's value in place and drops any others; appends if
    /// there was none.
    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        let value = value.into().trim().to_string();
        match self.0.iter().position(|h| same_name(&h.name, name)) {
            Some(first) => {
                self.0[first].value = value;
                let mut i = 0;
                self.0.retain(|h| {
                    i += 1;
                    i - 1 == first || !same_name(&h.name, name)
                });
            }
            None => self.push(name, value),
        }
    }

    /// Replaces only the first value of `name` (e.g. the top Via); false if absent.
    pub fn set_first(&mut self, name: &str, value: impl Into<String>) -> bool {
        match self.0.iter_mut().find(|h| same_name(&h.name, name)) {
            Some(h) => {
                h.value = value.into().trim().to_string();
                true
            }
            None => false,
        }
    }

    /// Removes every `name` header; returns how many there were.
    pub fn remove(&mut self, name: &str) -> usize {
        let before = self.0.len();
        self.0.retain(|h| !same_name(&h.name, name));
        before - self.0.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Header> {
        self.0.iter()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_and_case_insensitive_lookup() {
        let mut h = Headers::new();
        h.push("v", "SIP/2.0/UDP a");
        h.push("VIA", "SIP/2.0/UDP b");
        h.push("call-id", "abc");
        h.push("X-Custom", "1");
        assert_eq!(
            h.get_all("Via").collect::<Vec<_>>(),
            ["SIP/2.0/UDP a", "SIP/2.0/UDP b"]
        );
        assert_eq!(h.get("i"), Some("abc"));
        assert_eq!(h.iter().nth(2).unwrap().name(), "Call-ID");
        assert_eq!(h.get("x-custom"), Some("1"));
    }

    #[test]
    fn push_front_set_and_remove_keep_order() {
        let mut h = Headers::new();
        h.push("To", "t");
        h.push("Via", "b");
        h.push("Via", "c");
        h.push_front("v", "a");
        assert_eq!(h.get_all("via").collect::<Vec<_>>(), ["a", "b", "c"]);
        assert_eq!(h.iter().next().unwrap().name(), "To");
        h.set("Via", "z");
        assert_eq!(h.get_all("via").collect::<Vec<_>>(), ["z"]);
        assert_eq!(h.iter().nth(1).unwrap().name(), "Via");
        assert_eq!(h.remove("VIA"), 1);
        assert_eq!(h.len(), 1);
    }
}
