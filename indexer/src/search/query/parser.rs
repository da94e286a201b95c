//! Recursive-descent parser over lexemes:
//!
//! ```text
//! query   := or EOF
//! or      := and ("OR" and)*
//! and     := unary (["AND"] unary)*
//! unary   := ("NOT" | "-") unary | primary
//! primary := "(" or ")" | text | field
//! ```
//!
//! Text that tokenizes to nothing (a stray `，` or `-`) drops out rather than failing.

use chrono::NaiveDate;

use super::lexer::{Lexeme, Spanned};
use super::{Expr, Filter, QueryError, Speaker};
use crate::search::tokenizer::tokenize;

const KNOWN_FILTERS: &str =
    "agent:, queue:, speaker:, lang:, call:, date:, after:, before: (quote the words to search for them as text)";

pub(super) fn parse(lexemes: &[Spanned]) -> Result<Expr, QueryError> {
    let mut parser = Parser { lexemes, pos: 0 };
    let expr = parser.or()?;
    if let Some(extra) = parser.peek() {
        // `or` stops only at the end or at a `)` it did not open.
        return Err(QueryError::new(
            "unmatched `)`: remove it or add a `(` before it",
            extra.column,
        ));
    }
    expr.ok_or_else(|| {
        QueryError::new(
            "the query has nothing to search for: type a word or a filter such as agent:NAME",
            1,
        )
    })
}

struct Parser<'a> {
    lexemes: &'a [Spanned],
    pos: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Spanned> {
        self.lexemes.get(self.pos)
    }

    fn peek_lexeme(&self) -> Option<&Lexeme> {
        self.peek().map(|s| &s.lexeme)
    }

    /// Whether the next lexeme can start an operand.
    fn operand_follows(&self) -> bool {
        !matches!(
            self.peek_lexeme(),
            None | Some(Lexeme::Or | Lexeme::And | Lexeme::RParen)
        )
    }

    fn or(&mut self) -> Result<Option<Expr>, QueryError> {
        let mut alternatives = Vec::new();
        alternatives.extend(self.and()?);
        while let Some(Spanned {
            lexeme: Lexeme::Or,
            column,
        }) = self.peek().cloned()
        {
            self.pos += 1;
            if !self.operand_follows() {
                return Err(QueryError::new("`OR` needs a term after it", column));
            }
            alternatives.extend(self.and()?);
        }
        Ok(combine(alternatives, Expr::Or))
    }

    fn and(&mut self) -> Result<Option<Expr>, QueryError> {
        let mut items = Vec::new();
        let mut operands = 0;
        loop {
            match self.peek().cloned() {
                None
                | Some(Spanned {
                    lexeme: Lexeme::RParen,
                    ..
                }) => break,
                Some(Spanned {
                    lexeme: op @ (Lexeme::Or | Lexeme::And),
                    column,
                }) => {
                    let name = if op == Lexeme::Or { "OR" } else { "AND" };
                    if operands == 0 {
                        return Err(QueryError::new(
                            format!("`{name}` needs a term before it"),
                            column,
                        ));
                    }
                    if op == Lexeme::Or {
                        break;
                    }
                    self.pos += 1;
                    if !self.operand_follows() {
                        return Err(QueryError::new("`AND` needs a term after it", column));
                    }
                }
                Some(_) => {
                    operands += 1;
                    items.extend(self.unary()?);
                }
            }
        }
        Ok(combine(items, Expr::And))
    }

    fn unary(&mut self) -> Result<Option<Expr>, QueryError> {
        let Some(Spanned { lexeme, column }) = self.peek().cloned() else {
            return Ok(None);
        };
        self.pos += 1;
        match lexeme {
            Lexeme::Not => {
                if !self.operand_follows() {
                    return Err(QueryError::new(
                        "`NOT` (or `-`) needs a term after it",
                        column,
                    ));
                }
                Ok(self.unary()?.map(|e| Expr::Not(Box::new(e))))
            }
            Lexeme::LParen => {
                let inner = self.or()?;
                match self.peek_lexeme() {
                    Some(Lexeme::RParen) => self.pos += 1,
                    _ => {
                        return Err(QueryError::new(
                            "unclosed `(`: add a `)` after the group",
                            column,
                        ))
                    }
                }
                inner.map(Some).ok_or_else(|| {
                    QueryError::new("nothing to search for inside these parentheses", column)
                })
            }
            Lexeme::Text { text, quoted } => {
                let tokens: Vec<String> = tokenize(&text).into_iter().map(|t| t.text).collect();
                if tokens.is_empty() {
                    return if quoted {
                        Err(QueryError::new(
                            "nothing to search for inside these quotes",
                            column,
                        ))
                    } else {
                        Ok(None)
                    };
                }
                Ok(Some(Expr::Text(tokens)))
            }
            Lexeme::Field { name, value } => parse_filter(&name, &value, column)
                .map(Expr::Filter)
                .map(Some),
            Lexeme::RParen | Lexeme::And | Lexeme::Or => {
                unreachable!("`and` handles {lexeme:?} before calling `unary`")
            }
        }
    }
}

fn combine(mut items: Vec<Expr>, group: fn(Vec<Expr>) -> Expr) -> Option<Expr> {
    match items.len() {
        0 => None,
        1 => items.pop(),
        _ => Some(group(items)),
    }
}

fn parse_filter(name: &str, value: &str, column: usize) -> Result<Filter, QueryError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(QueryError::new(
            format!("`{name}:` needs a value, as in `{name}:something`"),
            column,
        ));
    }
    let bad =
        |what: &str| QueryError::new(format!("`{name}:` expects {what}, got `{value}`"), column);
    Ok(match name {
        "agent" => Filter::Agent(value.to_string()),
        "queue" => Filter::Queue(value.to_string()),
        "speaker" => Filter::Speaker(match value.to_lowercase().as_str() {
            "caller" | "customer" | "客戶" | "顧客" => Speaker::Caller,
            "agent" | "客服" | "專員" => Speaker::Agent,
            _ => return Err(bad("caller or agent (客戶 or 客服)")),
        }),
        "lang" | "language" => Filter::Language(match value.to_lowercase().as_str() {
            "中文" | "國語" | "華語" => "zh".to_string(),
            "英文" | "英語" => "en".to_string(),
            code if (2..=3).contains(&code.len())
                && code.chars().all(|c| c.is_ascii_alphabetic()) =>
            {
                code.to_string()
            }
            _ => return Err(bad("a language code such as zh or en")),
        }),
        "call" => Filter::Call(
            value
                .parse()
                .map_err(|_| bad("a call number such as call:42"))?,
        ),
        "date" | "after" | "before" => {
            let date = parse_date(value).ok_or_else(|| bad("a date such as 2024-05-01"))?;
            match name {
                "date" => Filter::Date(date),
                "after" => Filter::After(date),
                _ => Filter::Before(date),
            }
        }
        _ => {
            return Err(QueryError::new(
                format!("unknown filter `{name}:`; known filters are {KNOWN_FILTERS}"),
                column,
            ))
        }
    })
}

/// `YYYY-MM-DD`, or with `/` as typed by many users in Taiwan (`2024/05/01`).
fn parse_date(value: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(value, "%Y/%m/%d"))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::*;

    fn text(tokens: &[&str]) -> Expr {
        Expr::Text(tokens.iter().map(|t| t.to_string()).collect())
    }

    #[test]
    fn and_binds_tighter_than_or() {
        assert_eq!(
            parse("a b OR c").unwrap(),
            Expr::Or(vec![
                Expr::And(vec![text(&["a"]), text(&["b"])]),
                text(&["c"])
            ])
        );
    }

    #[test]
    fn unquoted_chinese_is_one_phrase_and_spaces_split_it() {
        assert_eq!(parse("信用卡").unwrap(), text(&["信", "用", "卡"]));
        assert_eq!(
            parse("信 用卡").unwrap(),
            Expr::And(vec![text(&["信"]), text(&["用", "卡"])])
        );
    }

    #[test]
    fn negation_and_groups() {
        assert_eq!(
            parse("-(a OR b) NOT agent:Bob").unwrap(),
            Expr::And(vec![
                Expr::Not(Box::new(Expr::Or(vec![text(&["a"]), text(&["b"])]))),
                Expr::Not(Box::new(Expr::Filter(Filter::Agent("Bob".into())))),
            ])
        );
    }

    #[test]
    fn punctuation_only_chunks_drop_out() {
        assert_eq!(parse("退款 ， OR ！ refund").unwrap(), {
            Expr::Or(vec![text(&["退", "款"]), text(&["refund"])])
        });
    }

    #[test]
    fn filters_parse_their_values() {
        let date = NaiveDate::from_ymd_opt(2024, 5, 1).unwrap();
        for (q, want) in [
            ("speaker:客戶", Filter::Speaker(Speaker::Caller)),
            ("speaker:AGENT", Filter::Speaker(Speaker::Agent)),
            ("lang:中文", Filter::Language("zh".into())),
            ("lang:EN", Filter::Language("en".into())),
            ("call:42", Filter::Call(42)),
            ("date:2024-05-01", Filter::Date(date)),
            ("after:2024/05/01", Filter::After(date)),
            ("before:2024-05-01", Filter::Before(date)),
        ] {
            assert_eq!(parse(q).unwrap(), Expr::Filter(want), "{q}");
        }
    }

    #[test]
    fn errors_say_what_and_where() {
        for (q, column, needle) in [
            ("a OR", 3, "`OR` needs a term after it"),
            ("OR a", 1, "`OR` needs a term before it"),
            ("a AND", 3, "`AND` needs a term after it"),
            ("a NOT", 3, "`NOT`"),
            ("(a b", 1, "unclosed `(`"),
            ("a b)", 4, "unmatched `)`"),
            ("x ()", 3, "inside these parentheses"),
            ("x \"，\"", 3, "inside these quotes"),
            ("colour:red", 1, "unknown filter `colour:`"),
            ("a date:2024-13-01", 3, "expects a date"),
            ("speaker:boss", 1, "caller or agent"),
            ("call:abc", 1, "call number"),
            ("lang:klingon", 1, "language code"),
            ("，。", 1, "nothing to search for"),
        ] {
            let err = parse(q).unwrap_err();
            assert_eq!(err.column, column, "{q}: {err}");
            assert!(err.message.contains(needle), "{q}: {err}");
        }
    }
}
