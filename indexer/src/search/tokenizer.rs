//! The tokenizer for mixed Traditional Chinese / English transcripts.
//!
//! * Han, kana and hangul characters become one token each (unigrams) at consecutive
//!   positions, so a Chinese phrase is a phrase query over its characters and matches only
//!   where they are contiguous. Unigrams need no dictionary, never split a word wrongly,
//!   and are what PostgreSQL's and SQLite's CJK-aware setups do too.
//! * Any other run of letters and digits is one word (`ATM`, `iphone15`, `0912`), cut at
//!   everything that is not alphanumeric (`e-mail` → `e`, `mail`) and at a CJK character
//!   (`刷卡ok` → `刷`, `卡`, `ok`).
//! * Everything else (spaces, ASCII and CJK punctuation such as `。，？！「」`) separates
//!   tokens and is dropped.
//! * Each token's text is folded by [`fold_char`] (full-width → ASCII, lowercase,
//!   Traditional → Simplified Han); its offsets are byte offsets in the original text, so
//!   highlighting marks exactly what was written.
//!
//! The same code tokenizes documents (through tantivy's [`Tokenizer`] trait), query text
//! and snippets, so the three always agree.

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

use super::fold::{fold_char, fold_width, is_unigram_script};

/// The name [`MixedTokenizer`] is registered under in the index.
pub const TOKENIZER_NAME: &str = "earshot_mixed";

/// Words longer than this many characters (base64 blobs, runaway digit strings) are not
/// indexed: nobody searches for them, and tantivy rejects terms over 64 KiB.
const MAX_WORD_CHARS: usize = 64;

/// One token: its folded text and the byte range of the source text it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextToken {
    pub text: String,
    pub from: usize,
    pub to: usize,
}

/// Tokenizes `text`; tokens are in order and their positions are their indices.
pub fn tokenize(text: &str) -> Vec<TextToken> {
    let mut scanner = Scanner::new(text);
    let mut tokens = Vec::new();
    let mut buf = String::new();
    while let Some((from, to)) = scanner.next_into(&mut buf) {
        tokens.push(TextToken {
            text: buf.clone(),
            from,
            to,
        });
    }
    tokens
}

/// Walks the text and writes one folded token at a time into a caller's buffer, so the
/// tantivy stream allocates nothing per token.
struct Scanner<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Scanner<'a> {
    fn new(text: &'a str) -> Self {
        Scanner { text, pos: 0 }
    }

    /// Writes the next token's text into `out` and returns its byte range, or `None` at the
    /// end of the text.
    fn next_into(&mut self, out: &mut String) -> Option<(usize, usize)> {
        loop {
            out.clear();
            let rest = &self.text[self.pos..];
            let (skip, first) = rest
                .char_indices()
                .find(|&(_, c)| is_token_char(fold_width(c)))?;
            let from = self.pos + skip;
            let first_width = fold_width(first);
            if is_unigram_script(first_width) {
                out.push(fold_char(first));
                self.pos = from + first.len_utf8();
                return Some((from, self.pos));
            }
            let mut to = from;
            let mut chars = 0;
            for (i, c) in self.text[from..].char_indices() {
                let w = fold_width(c);
                if !is_word_char(w) {
                    break;
                }
                out.push(fold_char(c));
                chars += 1;
                to = from + i + c.len_utf8();
            }
            self.pos = to;
            if chars <= MAX_WORD_CHARS {
                return Some((from, to));
            }
        }
    }
}

fn is_token_char(c: char) -> bool {
    c.is_alphanumeric()
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() && !is_unigram_script(c)
}

/// [`Tokenizer`] adapter registered in the index as [`TOKENIZER_NAME`].
#[derive(Clone, Default)]
pub struct MixedTokenizer {
    token: Token,
}

/// The token stream of [`MixedTokenizer`].
pub struct MixedTokenStream<'a> {
    scanner: Scanner<'a>,
    token: &'a mut Token,
}

impl Tokenizer for MixedTokenizer {
    type TokenStream<'a> = MixedTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> MixedTokenStream<'a> {
        self.token.reset();
        MixedTokenStream {
            scanner: Scanner::new(text),
            token: &mut self.token,
        }
    }
}

impl TokenStream for MixedTokenStream<'_> {
    fn advance(&mut self) -> bool {
        match self.scanner.next_into(&mut self.token.text) {
            Some((from, to)) => {
                self.token.offset_from = from;
                self.token.offset_to = to;
                // Starts at usize::MAX after `reset`, so the first token is at 0.
                self.token.position = self.token.position.wrapping_add(1);
                true
            }
            None => false,
        }
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(s: &str) -> Vec<String> {
        tokenize(s).into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn chinese_is_split_into_characters_with_their_offsets() {
        let tokens = tokenize("我的信用卡。");
        let got: Vec<_> = tokens
            .iter()
            .map(|t| (t.text.as_str(), t.from, t.to))
            .collect();
        assert_eq!(
            got,
            [
                ("我", 0, 3),
                ("的", 3, 6),
                ("信", 6, 9),
                ("用", 9, 12),
                ("卡", 12, 15)
            ]
        );
    }

    #[test]
    fn latin_words_are_lowercased_and_split_on_punctuation() {
        assert_eq!(
            texts("Hello, e-mail iPhone15 at 3:30!"),
            ["hello", "e", "mail", "iphone15", "at", "3", "30"]
        );
    }

    #[test]
    fn mixed_text_splits_at_script_changes() {
        assert_eq!(
            texts("我要刷Visa卡ok嗎？"),
            ["我", "要", "刷", "visa", "卡", "ok", "吗"]
        );
    }

    #[test]
    fn full_width_ascii_is_folded_but_offsets_are_original() {
        let tokens = tokenize("ＡＴＭ１２３，「好」");
        assert_eq!(tokens[0].text, "atm123");
        assert_eq!((tokens[0].from, tokens[0].to), (0, 18));
        assert_eq!(tokens[1].text, "好");
        assert_eq!(&"ＡＴＭ１２３，「好」"[tokens[1].from..tokens[1].to], "好");
        assert_eq!(tokens.len(), 2);
    }

    #[test]
    fn overlong_words_are_skipped() {
        let long = "x".repeat(MAX_WORD_CHARS + 1);
        assert_eq!(texts(&format!("a {long} b")), ["a", "b"]);
    }

    #[test]
    fn tantivy_stream_matches_tokenize() {
        let text = "客戶說 card number 是 4111";
        let mut tokenizer = MixedTokenizer::default();
        let mut stream = tokenizer.token_stream(text);
        let mut got = Vec::new();
        while stream.advance() {
            let t = stream.token();
            got.push((t.position, t.text.clone(), t.offset_from, t.offset_to));
        }
        let want: Vec<_> = tokenize(text)
            .into_iter()
            .enumerate()
            .map(|(i, t)| (i, t.text, t.from, t.to))
            .collect();
        assert_eq!(got, want);
    }
}
