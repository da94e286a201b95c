//! Bencode, the encoding of rtpengine's "ng" control protocol (a cookie, a space, then one
//! bencoded dictionary, over UDP). Only what the protocol needs: byte strings, integers, lists
//! and dictionaries, with bounds and depth checked so a malformed reply is an error, not a panic.

use std::collections::BTreeMap;
use std::fmt;

/// One bencoded value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Int(i64),
    Bytes(Vec<u8>),
    List(Vec<Value>),
    /// Keys are byte strings, kept sorted as bencode requires.
    Dict(BTreeMap<Vec<u8>, Value>),
}

/// Why a reply could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    pub at: usize,
    pub what: &'static str,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "bencode: {} at byte {}", self.what, self.at)
    }
}

impl std::error::Error for DecodeError {}

/// Nesting deeper than this is refused (ng replies are two or three levels deep).
const MAX_DEPTH: usize = 32;

impl Value {
    /// A dictionary from string keys.
    pub fn dict<'a>(pairs: impl IntoIterator<Item = (&'a str, Value)>) -> Value {
        Value::Dict(
            pairs
                .into_iter()
                .map(|(k, v)| (k.as_bytes().to_vec(), v))
                .collect(),
        )
    }

    pub fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Value::Int(i) => out.extend_from_slice(format!("i{i}e").as_bytes()),
            Value::Bytes(b) => {
                out.extend_from_slice(format!("{}:", b.len()).as_bytes());
                out.extend_from_slice(b);
            }
            Value::List(items) => {
                out.push(b'l');
                for item in items {
                    item.encode(out);
                }
                out.push(b'e');
            }
            Value::Dict(map) => {
                out.push(b'd');
                for (k, v) in map {
                    out.extend_from_slice(format!("{}:", k.len()).as_bytes());
                    out.extend_from_slice(k);
                    v.encode(out);
                }
                out.push(b'e');
            }
        }
    }

    /// Decodes exactly one value filling all of `input`.
    pub fn decode(input: &[u8]) -> Result<Value, DecodeError> {
        let mut pos = 0;
        let value = parse(input, &mut pos, 0)?;
        if pos != input.len() {
            return Err(DecodeError {
                at: pos,
                what: "trailing bytes",
            });
        }
        Ok(value)
    }

    /// The value under `key`, for a dictionary.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Dict(map) => map.get(key.as_bytes()),
            _ => None,
        }
    }

    /// A byte string that is UTF-8.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Bytes(b) => std::str::from_utf8(b).ok(),
            _ => None,
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::Bytes(s.as_bytes().to_vec())
    }
}

fn parse(input: &[u8], pos: &mut usize, depth: usize) -> Result<Value, DecodeError> {
    let err = |at, what| DecodeError { at, what };
    if depth > MAX_DEPTH {
        return Err(err(*pos, "nested too deep"));
    }
    match input.get(*pos) {
        None => Err(err(*pos, "unexpected end")),
        Some(b'i') => {
            let end = find(input, *pos + 1, b'e').ok_or(err(*pos, "unterminated integer"))?;
            let text = std::str::from_utf8(&input[*pos + 1..end])
                .map_err(|_| err(*pos, "integer not ASCII"))?;
            let i = text.parse().map_err(|_| err(*pos, "bad integer"))?;
            *pos = end + 1;
            Ok(Value::Int(i))
        }
        Some(b'l') => {
            *pos += 1;
            let mut items = Vec::new();
            while input.get(*pos) != Some(&b'e') {
                items.push(parse(input, pos, depth + 1)?);
            }
            *pos += 1;
            Ok(Value::List(items))
        }
        Some(b'd') => {
            *pos += 1;
            let mut map = BTreeMap::new();
            while input.get(*pos) != Some(&b'e') {
                let Value::Bytes(key) = parse_bytes(input, pos)? else {
                    unreachable!("parse_bytes returns bytes")
                };
                let value = parse(input, pos, depth + 1)?;
                map.insert(key, value);
            }
            *pos += 1;
            Ok(Value::Dict(map))
        }
        Some(b'0'..=b'9') => parse_bytes(input, pos),
        Some(_) => Err(err(*pos, "unexpected byte")),
    }
}

fn parse_bytes(input: &[u8], pos: &mut usize) -> Result<Value, DecodeError> {
    let err = |at, what| DecodeError { at, what };
    let colon = find(input, *pos, b':').ok_or(err(*pos, "string without ':'"))?;
    let len: usize = std::str::from_utf8(&input[*pos..colon])
        .ok()
        .and_then(|t| t.parse().ok())
        .ok_or(err(*pos, "bad string length"))?;
    let start = colon + 1;
    let end = start
        .checked_add(len)
        .filter(|&e| e <= input.len())
        .ok_or(err(*pos, "string runs past the end"))?;
    *pos = end;
    Ok(Value::Bytes(input[start..end].to_vec()))
}

fn find(input: &[u8], from: usize, byte: u8) -> Option<usize> {
    input
        .get(from..)?
        .iter()
        .position(|&b| b == byte)
        .map(|i| from + i)
}

/// Checks run by `cargo bench --bench relay -- --check` (and `cargo test --benches`).
pub fn self_check() -> anyhow::Result<()> {
    use anyhow::ensure;
    let v = Value::dict([
        ("command", "offer".into()),
        ("sdp", "v=0\r\n".into()),
        ("flags", Value::List(vec!["a".into(), Value::Int(-3)])),
    ]);
    let mut out = Vec::new();
    v.encode(&mut out);
    // Keys sorted: command < flags < sdp.
    ensure!(
        out == b"d7:command5:offer5:flagsl1:ai-3ee3:sdp5:v=0\r\ne",
        "encoding: {:?}",
        String::from_utf8_lossy(&out)
    );
    ensure!(Value::decode(&out)? == v, "round trip");
    let reply = Value::decode(b"d6:result2:ok3:sdp3:x=1e")?;
    ensure!(reply.get("result").and_then(Value::as_str) == Some("ok"));
    for bad in [
        &b"d6:result2:ok"[..],
        b"5:abc",
        b"i12",
        b"d3:abce",
        b"x",
        b"4:abcde",
        b"99999999999999999999:a",
    ] {
        ensure!(
            Value::decode(bad).is_err(),
            "{:?} should not decode",
            String::from_utf8_lossy(bad)
        );
    }
    let deep = vec![b'l'; 100];
    ensure!(Value::decode(&deep).is_err(), "depth limit");
    Ok(())
}
