//! Splits a query string into lexemes: parentheses, operators, text and `field:value`.

use super::QueryError;

/// One lexeme of the query language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Lexeme {
    LParen,
    RParen,
    And,
    Or,
    /// `NOT` or a `-` glued to the following term.
    Not,
    /// Free text: a bare chunk, or the inside of quotes.
    Text {
        text: String,
        quoted: bool,
    },
    /// `name:value`, with `name` made of ASCII letters (lowercased here).
    Field {
        name: String,
        value: String,
    },
}

/// A lexeme and the 1-based character column where it starts, for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Spanned {
    pub lexeme: Lexeme,
    pub column: usize,
}

/// The closing quote for an opening one. Besides ASCII quotes, users of Chinese input
/// methods type “…”, 「…」 and 『…』.
fn closing_quote(open: char) -> Option<char> {
    match open {
        '"' => Some('"'),
        '＂' => Some('＂'),
        '“' => Some('”'),
        '「' => Some('」'),
        '『' => Some('』'),
        _ => None,
    }
}

fn is_paren(c: char) -> bool {
    matches!(c, '(' | ')' | '（' | '）')
}

fn is_colon(c: char) -> bool {
    c == ':' || c == '：'
}

pub(super) fn lex(input: &str) -> Result<Vec<Spanned>, QueryError> {
    let chars: Vec<char> = input.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let column = i + 1;
        let push = |out: &mut Vec<Spanned>, lexeme| out.push(Spanned { lexeme, column });
        if c.is_whitespace() {
            i += 1;
        } else if c == '(' || c == '（' {
            push(&mut out, Lexeme::LParen);
            i += 1;
        } else if c == ')' || c == '）' {
            push(&mut out, Lexeme::RParen);
            i += 1;
        } else if let Some(close) = closing_quote(c) {
            let (text, next) = read_quoted(&chars, i, close)?;
            push(&mut out, Lexeme::Text { text, quoted: true });
            i = next;
        } else if (c == '-' || c == '－')
            && chars
                .get(i + 1)
                .is_some_and(|&n| !n.is_whitespace() && n != ')' && n != '）')
        {
            push(&mut out, Lexeme::Not);
            i += 1;
        } else {
            let start = i;
            while i < chars.len()
                && !chars[i].is_whitespace()
                && !is_paren(chars[i])
                && closing_quote(chars[i]).is_none()
            {
                i += 1;
            }
            let chunk: String = chars[start..i].iter().collect();
            let lexeme = match chunk.as_str() {
                "AND" => Lexeme::And,
                "OR" => Lexeme::Or,
                "NOT" => Lexeme::Not,
                _ => match split_field(&chunk) {
                    Some((name, value)) if value.is_empty() => {
                        // `agent:"Alice Wang"`: the value is the quoted text that follows.
                        match chars.get(i).copied().and_then(closing_quote) {
                            Some(close) => {
                                let (value, next) = read_quoted(&chars, i, close)?;
                                i = next;
                                Lexeme::Field { name, value }
                            }
                            None => {
                                return Err(QueryError::new(
                                    format!("`{name}:` needs a value, as in `{name}:something`"),
                                    column,
                                ))
                            }
                        }
                    }
                    Some((name, value)) => Lexeme::Field { name, value },
                    None => Lexeme::Text {
                        text: chunk,
                        quoted: false,
                    },
                },
            };
            push(&mut out, lexeme);
        }
    }
    Ok(out)
}

/// Reads from the opening quote at `open_at` to its closing quote; returns the text in
/// between and the index after the closing quote.
fn read_quoted(chars: &[char], open_at: usize, close: char) -> Result<(String, usize), QueryError> {
    let body_start = open_at + 1;
    match chars[body_start..].iter().position(|&c| c == close) {
        Some(len) => Ok((
            chars[body_start..body_start + len].iter().collect(),
            body_start + len + 1,
        )),
        None => Err(QueryError::new(
            format!(
                "unclosed quote `{}`: add a closing `{close}`",
                chars[open_at]
            ),
            open_at + 1,
        )),
    }
}

/// `name:value` where `name` is ASCII letters; anything else with a colon in it
/// (`12:30`, `網址:…`) is plain text.
fn split_field(chunk: &str) -> Option<(String, String)> {
    let (at, colon) = chunk.char_indices().find(|&(_, c)| is_colon(c))?;
    let name = &chunk[..at];
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    Some((
        name.to_ascii_lowercase(),
        chunk[at + colon.len_utf8()..].to_string(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lexemes(q: &str) -> Vec<Lexeme> {
        lex(q).unwrap().into_iter().map(|s| s.lexeme).collect()
    }

    fn text(t: &str, quoted: bool) -> Lexeme {
        Lexeme::Text {
            text: t.to_string(),
            quoted,
        }
    }

    #[test]
    fn lexes_operators_quotes_and_fields() {
        assert_eq!(
            lexemes(r#"(退款 OR "refund") -取消 agent:"Alice Wang" 12:30"#),
            [
                Lexeme::LParen,
                text("退款", false),
                Lexeme::Or,
                text("refund", true),
                Lexeme::RParen,
                Lexeme::Not,
                text("取消", false),
                Lexeme::Field {
                    name: "agent".into(),
                    value: "Alice Wang".into()
                },
                text("12:30", false),
            ]
        );
    }

    #[test]
    fn chinese_quotes_and_full_width_punctuation() {
        assert_eq!(
            lexemes("「信用卡」（speaker：客戶）"),
            [
                text("信用卡", true),
                Lexeme::LParen,
                Lexeme::Field {
                    name: "speaker".into(),
                    value: "客戶".into()
                },
                Lexeme::RParen,
            ]
        );
    }

    #[test]
    fn lowercase_or_is_a_word_and_lone_dash_is_text() {
        assert_eq!(
            lexemes("a or - b"),
            [
                text("a", false),
                text("or", false),
                text("-", false),
                text("b", false)
            ]
        );
    }

    #[test]
    fn unclosed_quote_reports_its_column() {
        let err = lex(r#"退款 "credit card"#).unwrap_err();
        assert_eq!(err.column, 4);
        assert!(err.message.contains("unclosed quote"), "{err}");
    }

    #[test]
    fn field_without_value_is_an_error() {
        let err = lex("foo agent:").unwrap_err();
        assert_eq!(err.column, 5);
    }
}
