//! The search box's query language, parsed into a small syntax tree without touching the
//! index (see [`compile`](super::compile) for the translation to tantivy queries).
//!
//! Users type free text, so this is deliberately not tantivy's query syntax:
//!
//! | input | meaning |
//! |---|---|
//! | `退款 refund` | both (words are ANDed) |
//! | `"credit card"`, `「信用卡」` | the words next to each other, in that order |
//! | `信用卡` | the same as `"信用卡"`: an unquoted run of Chinese characters (more generally, any chunk without spaces that yields several tokens, such as `e-mail` or `刷卡ok`) is a phrase, because Chinese is written without spaces and nobody quotes it; `信 用 卡` with spaces asks for the three characters anywhere in the segment |
//! | `a OR b`, `a AND b` | either / both (`AND` binds tighter than `OR`; operators are uppercase, so a lowercase `or` is a word) |
//! | `NOT a`, `-a` | segments without `a` |
//! | `( … )` | grouping |
//! | `agent:alice`, `queue:"信用卡 客服"` | exact agent / queue name, case-insensitive |
//! | `speaker:caller`, `speaker:agent` (`客戶`/`customer`, `客服`) | who said it: channel 0 or 1 |
//! | `lang:zh`, `lang:en` (`中文`, `英文`) | the call's detected language |
//! | `call:42` | one call |
//! | `date:2024-05-01` | calls started on that local date |
//! | `after:2024-05-01` | calls started on or after that local date (inclusive) |
//! | `before:2024-05-01` | calls started before that local date (exclusive) |
//!
//! Dates are local dates in the deployment's UTC offset, so `after:D before:E` covers the
//! days D up to but excluding E. Filters combine with text like words do (`-agent:bob` works),
//! and a query made only of filters lists every matching segment. Full-width letters,
//! digits, colons and parentheses are accepted as typed by Chinese input methods.

mod lexer;
mod parser;

use chrono::NaiveDate;

/// A parsed query.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// Folded tokens that must occur at consecutive positions; one token is a plain term.
    Text(Vec<String>),
    Filter(Filter),
    Not(Box<Expr>),
    And(Vec<Expr>),
    Or(Vec<Expr>),
}

/// A structured filter (`name:value`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    Agent(String),
    Queue(String),
    Speaker(Speaker),
    /// A lowercase language code such as `zh` or `en`.
    Language(String),
    Call(i64),
    /// Calls started on this local date.
    Date(NaiveDate),
    /// Calls started on or after this local date.
    After(NaiveDate),
    /// Calls started before this local date.
    Before(NaiveDate),
}

/// Who spoke a segment; the recorder writes the caller on channel 0 and the agent on 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Speaker {
    Caller,
    Agent,
}

impl Speaker {
    pub fn channel(self) -> u8 {
        match self {
            Speaker::Caller => 0,
            Speaker::Agent => 1,
        }
    }
}

/// What is wrong with a query, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} (at character {column})")]
pub struct QueryError {
    pub message: String,
    /// 1-based character (not byte) position in the query.
    pub column: usize,
}

impl QueryError {
    fn new(message: impl Into<String>, column: usize) -> Self {
        QueryError {
            message: message.into(),
            column,
        }
    }
}

/// Parses a query typed by a user.
pub fn parse(input: &str) -> Result<Expr, QueryError> {
    let lexemes = lexer::lex(input)?;
    parser::parse(&lexemes)
}

impl Expr {
    /// The token sequences a matching segment contains, for highlighting: every text leaf
    /// that is not under a `NOT`.
    pub fn highlight_terms(&self) -> Vec<&[String]> {
        let mut out = Vec::new();
        self.collect_highlights(&mut out);
        out
    }

    fn collect_highlights<'a>(&'a self, out: &mut Vec<&'a [String]>) {
        match self {
            Expr::Text(tokens) => out.push(tokens),
            Expr::Filter(_) | Expr::Not(_) => {}
            Expr::And(children) | Expr::Or(children) => {
                for child in children {
                    child.collect_highlights(out);
                }
            }
        }
    }
}
