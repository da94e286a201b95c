//! A small XML parser for the tests: it rejects markup that is not well-formed (unbalanced or
//! mismatched tags, unquoted or duplicate attributes, unknown entities, a raw `<` or `&` in text
//! or attribute values, anything after the root) and returns a tree to query.

#[derive(Debug)]
pub struct Element {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Node>,
}

#[derive(Debug)]
pub enum Node {
    Element(Element),
    Text(String),
}

impl Element {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn has_class(&self, class: &str) -> bool {
        self.attr("class")
            .is_some_and(|c| c.split_whitespace().any(|c| c == class))
    }

    pub fn num(&self, name: &str) -> f64 {
        let v = self
            .attr(name)
            .unwrap_or_else(|| panic!("<{}> has no {name}", self.name));
        v.parse()
            .unwrap_or_else(|_| panic!("{name}={v:?} is not a number"))
    }

    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
    }

    /// This element and all below it, in document order.
    pub fn descendants(&self) -> Vec<&Element> {
        let mut all = vec![self];
        for child in self.elements() {
            all.extend(child.descendants());
        }
        all
    }

    /// Descendants (or self) named `name` with class `class` (any class when empty).
    pub fn find(&self, name: &str, class: &str) -> Vec<&Element> {
        self.descendants()
            .into_iter()
            .filter(|e| e.name == name && (class.is_empty() || e.has_class(class)))
            .collect()
    }

    /// The element's own text, not that of its children (so a `<text>`'s shown label without
    /// its `<title>` tooltip).
    pub fn own_text(&self) -> String {
        self.children
            .iter()
            .filter_map(|n| match n {
                Node::Text(t) => Some(t.as_str()),
                Node::Element(_) => None,
            })
            .collect()
    }

    /// The text of the `<title>` child, if any.
    pub fn title(&self) -> Option<String> {
        self.elements()
            .find(|e| e.name == "title")
            .map(Element::own_text)
    }
}

pub fn parse(input: &str) -> Result<Element, String> {
    let mut parser = Parser { s: input, pos: 0 };
    parser.skip_ws();
    let root = parser.element()?;
    parser.skip_ws();
    if parser.pos != input.len() {
        return Err(format!(
            "content after the root element at byte {}",
            parser.pos
        ));
    }
    Ok(root)
}

struct Parser<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn rest(&self) -> &'a str {
        &self.s[self.pos..]
    }

    fn skip_ws(&mut self) -> bool {
        let start = self.pos;
        while self.rest().starts_with(|c: char| c.is_ascii_whitespace()) {
            self.pos += 1;
        }
        self.pos > start
    }

    fn expect(&mut self, token: &str) -> Result<(), String> {
        if self.rest().starts_with(token) {
            self.pos += token.len();
            Ok(())
        } else {
            Err(format!(
                "expected {token:?} at byte {}: {:.40}",
                self.pos,
                self.rest()
            ))
        }
    }

    fn name(&mut self) -> Result<String, String> {
        let rest = self.rest();
        let end = rest
            .char_indices()
            .find(|&(i, c)| {
                !(c.is_ascii_alphabetic()
                    || c == '_'
                    || c == ':'
                    || (i > 0 && (c.is_ascii_digit() || c == '-' || c == '.')))
            })
            .map_or(rest.len(), |(i, _)| i);
        if end == 0 {
            return Err(format!(
                "expected a name at byte {}: {:.40}",
                self.pos, rest
            ));
        }
        self.pos += end;
        Ok(rest[..end].to_owned())
    }

    fn element(&mut self) -> Result<Element, String> {
        self.expect("<")?;
        let name = self.name()?;
        let mut attrs: Vec<(String, String)> = Vec::new();
        loop {
            let spaced = self.skip_ws();
            if self.rest().starts_with("/>") {
                self.pos += 2;
                return Ok(Element {
                    name,
                    attrs,
                    children: Vec::new(),
                });
            }
            if self.rest().starts_with('>') {
                self.pos += 1;
                break;
            }
            if !spaced {
                return Err(format!("<{name}>: attributes need whitespace before them"));
            }
            let attr = self.name()?;
            self.expect("=")?;
            let quote = self.rest().chars().next();
            let Some(quote @ ('"' | '\'')) = quote else {
                return Err(format!("<{name}>: attribute {attr} is not quoted"));
            };
            self.pos += 1;
            let end = self
                .rest()
                .find(quote)
                .ok_or_else(|| format!("<{name}>: attribute {attr} never closes"))?;
            let raw = &self.rest()[..end];
            if raw.contains('<') {
                return Err(format!("<{name}>: raw '<' in attribute {attr}"));
            }
            let value = decode(raw)?;
            self.pos += end + 1;
            if attrs.iter().any(|(n, _)| *n == attr) {
                return Err(format!("<{name}>: duplicate attribute {attr}"));
            }
            attrs.push((attr, value));
        }
        let mut children = Vec::new();
        loop {
            let rest = self.rest();
            if rest.is_empty() {
                return Err(format!("<{name}> is never closed"));
            }
            if rest.starts_with("</") {
                self.pos += 2;
                let closing = self.name()?;
                self.skip_ws();
                self.expect(">")?;
                if closing != name {
                    return Err(format!("<{name}> closed by </{closing}>"));
                }
                return Ok(Element {
                    name,
                    attrs,
                    children,
                });
            }
            if rest.starts_with("<!") || rest.starts_with("<?") {
                return Err(format!(
                    "unexpected comment, CDATA or declaration: {rest:.40}"
                ));
            }
            if rest.starts_with('<') {
                children.push(Node::Element(self.element()?));
                continue;
            }
            let end = rest.find('<').unwrap_or(rest.len());
            children.push(Node::Text(decode(&rest[..end])?));
            self.pos += end;
        }
    }
}

/// Replaces the five predefined entities and character references; any other `&` is an error.
fn decode(raw: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = raw;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let end = after
            .find(';')
            .filter(|&e| e <= 10)
            .ok_or_else(|| format!("raw '&' in {raw:?}"))?;
        let entity = &after[..end];
        let c = match entity {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let code = if let Some(hex) = entity.strip_prefix("#x") {
                    u32::from_str_radix(hex, 16).ok()
                } else if let Some(dec) = entity.strip_prefix('#') {
                    dec.parse().ok()
                } else {
                    None
                };
                code.and_then(char::from_u32)
                    .ok_or_else(|| format!("unknown entity &{entity}; in {raw:?}"))?
            }
        };
        out.push(c);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[test]
fn the_checker_rejects_what_it_should() {
    assert!(parse(r#"<a x="1"><b/>t &amp; &#39;</a>"#).is_ok());
    for bad in [
        "<a><b></a></b>",
        "<a>",
        "<a x=1/>",
        r#"<a x="1" x="2"/>"#,
        "<a>&nbsp;</a>",
        "<a>a & b</a>",
        "<a>1 < 2</a>",
        r#"<a x="<"/>"#,
        "<a/><b/>",
        r#"<a x="1"y="2"/>"#,
    ] {
        assert!(parse(bad).is_err(), "{bad}");
    }
}
