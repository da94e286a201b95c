//! Masks payment card numbers and Taiwanese national ID numbers in transcript text before
//! it is stored or indexed.
//!
//! **What is found**
//!
//! * Card numbers (PAN): 13–19 digits, first digit not 0, passing the Luhn check. Digits
//!   may be ASCII, full-width (`４１１１`) or spoken Chinese numerals (`四一一一`, with
//!   `零`/`〇` for 0 and `幺`/`么` for 1), grouped by spaces, dashes, commas or full stops
//!   (at most three such characters between two digits, e.g. `4111 - 1111`). When a run
//!   of digit groups is longer than 19 digits (a card number followed by its expiry date,
//!   say), the longest Luhn-valid sequence of whole groups is taken.
//! * National ID numbers (身分證字號): a letter, `1` or `2`, seven digits and a check digit,
//!   verified with the official weights; also the 2021 resident certificate (統一證號: a
//!   letter, `8` or `9`, then eight digits) and the older resident format (two letters, the
//!   second `A`–`D`, then eight digits), which use the same check. Letters may be lower
//!   case or full-width and digits spoken, as for cards.
//!
//! **How it is masked**: every digit and ID letter in a match becomes `█` (U+2588), and the
//! separators stay, so `4111 1111 1111 1111` reads `████ ████ ████ ████`. The mask is the
//! same in every language, keeps the character count (so anything measured in characters
//! still lines up), and produces no search terms: the tokenizer drops `█`, and a tag such
//! as `[CARD]` would make every redacted segment match a search for “card”.
//! [`Redacted::spans`] says what was masked where.
//!
//! **Limits**: digits interrupted by words (`四一一一，然後，一一一一`) or read as
//! quantities (`四千一百一十一`) are not recognized; CVV codes and expiry dates are not
//! masked. Whisper often splits a number across segments: pass a channel's consecutive
//! segments to [`redact_adjacent`] to catch those; a number that the other speaker
//! interrupts, or that spans segments redacted separately, is missed.

use std::ops::Range;

/// The character that replaces each masked digit or letter.
pub const MASK: char = '█';

/// Most separator characters allowed between two digits of one number.
const MAX_SEPARATOR_RUN: usize = 3;

/// What a masked span was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RedactionKind {
    /// A payment card number.
    Card,
    /// A Taiwanese national ID or resident certificate number.
    NationalId,
}

/// A masked span: byte offsets into [`Redacted::text`], from the first to the last masked
/// character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RedactedSpan {
    pub kind: RedactionKind,
    pub start: usize,
    pub end: usize,
}

/// Text with its sensitive numbers masked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redacted {
    pub text: String,
    pub spans: Vec<RedactedSpan>,
}

/// Masks card numbers and national IDs in `text`.
pub fn redact(text: &str) -> Redacted {
    let found = find(text);
    apply(text, found.iter().map(|f| (f.kind, f.range.clone())))
}

/// Redacts consecutive segments of one speaker as if they were one text, so a number that
/// Whisper split across segments (`4111 1111` | `1111 1111`) is still found; each part is
/// masked in its own segment. Returns one [`Redacted`] per input, in order.
pub fn redact_adjacent(segments: &[&str]) -> Vec<Redacted> {
    let mut joined = String::new();
    let mut ranges = Vec::with_capacity(segments.len());
    for (i, segment) in segments.iter().enumerate() {
        if i > 0 {
            joined.push('\n');
        }
        ranges.push(joined.len()..joined.len() + segment.len());
        joined.push_str(segment);
    }
    let found = find(&joined);
    segments
        .iter()
        .zip(ranges)
        .map(|(segment, range)| {
            let clipped = found.iter().filter_map(|f| {
                let start = f.range.start.max(range.start);
                let end = f.range.end.min(range.end);
                (start < end).then(|| (f.kind, start - range.start..end - range.start))
            });
            apply(segment, clipped)
        })
        .collect()
}

/// A match in the input: its kind and byte range.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Found {
    kind: RedactionKind,
    range: Range<usize>,
}

/// Copies `text`, masking the digits and letters inside `spans` (byte ranges of `text`).
fn apply(text: &str, spans: impl Iterator<Item = (RedactionKind, Range<usize>)>) -> Redacted {
    let mut out = String::with_capacity(text.len() * 2);
    let mut out_spans = Vec::new();
    let mut at = 0;
    for (kind, range) in spans {
        out.push_str(&text[at..range.start]);
        let mut first = None;
        let mut last = out.len();
        for c in text[range.clone()].chars() {
            if is_maskable(c) {
                first.get_or_insert(out.len());
                out.push(MASK);
                last = out.len();
            } else {
                out.push(c);
            }
        }
        if let Some(start) = first {
            out_spans.push(RedactedSpan {
                kind,
                start,
                end: last,
            });
        }
        at = range.end;
    }
    out.push_str(&text[at..]);
    Redacted {
        text: out,
        spans: out_spans,
    }
}

fn is_maskable(c: char) -> bool {
    digit_value(c).is_some() || id_letter_value(c).is_some()
}

/// All matches, in order, not overlapping. IDs are found first: their nine digits are too
/// few for a card, and a card number never starts with a letter.
fn find(text: &str) -> Vec<Found> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut found = find_ids(&chars);
    let cards: Vec<Found> = find_cards(&chars)
        .into_iter()
        .filter(|card| {
            !found
                .iter()
                .any(|id| id.range.start < card.range.end && card.range.start < id.range.end)
        })
        .collect();
    found.extend(cards);
    found.sort_by_key(|f| f.range.start);
    found
}

/// The value of a digit written as ASCII, full-width or a spoken Chinese numeral.
fn digit_value(c: char) -> Option<u8> {
    Some(match c {
        '0'..='9' => c as u8 - b'0',
        '０'..='９' => (c as u32 - '０' as u32) as u8,
        '零' | '〇' => 0,
        '一' | '幺' | '么' => 1,
        '二' => 2,
        '三' => 3,
        '四' => 4,
        '五' => 5,
        '六' => 6,
        '七' => 7,
        '八' => 8,
        '九' => 9,
        _ => return None,
    })
}

fn is_separator(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '-' | '－' | '‐' | '‑' | '–' | '—' | ',' | '，' | '、' | '.' | '。' | '．'
        )
}

/// An ASCII or full-width Latin letter, uppercased.
fn latin_letter(c: char) -> Option<char> {
    let c = match c {
        'Ａ'..='Ｚ' | 'ａ'..='ｚ' => char::from_u32(c as u32 - 0xFEE0)?,
        _ => c,
    };
    c.is_ascii_alphabetic().then(|| c.to_ascii_uppercase())
}

/// The two-digit code of an ID's leading letter (its issuing area), used by the checksum.
fn id_letter_value(c: char) -> Option<u32> {
    const CODES: [u32; 26] = [
        10, 11, 12, 13, 14, 15, 16, 17, 34, 18, 19, 20, 21, 22, 35, 23, 24, 25, 26, 27, 28, 29, 32,
        30, 31, 33,
    ];
    let letter = latin_letter(c)?;
    Some(CODES[(letter as u8 - b'A') as usize])
}

/// Whether the character before index `i` glues it into a longer word or number.
fn joined_on_left(chars: &[(usize, char)], i: usize) -> bool {
    i > 0 && is_ascii_alnum_like(chars[i - 1].1)
}

fn is_ascii_alnum_like(c: char) -> bool {
    latin_letter(c).is_some() || matches!(c, '0'..='9' | '０'..='９')
}

/// Reads exactly `n` digits from index `i`, allowing a short separator run before each.
/// Returns the digits, the byte end of the last one, and the index
/// after it; `None` if fewer digits follow or the number continues right after the `n`th.
fn read_digits(chars: &[(usize, char)], mut i: usize, n: usize) -> Option<(Vec<u8>, usize, usize)> {
    let mut digits = Vec::with_capacity(n);
    let mut end = 0;
    while digits.len() < n {
        let seps = chars[i..]
            .iter()
            .take_while(|&&(_, c)| is_separator(c))
            .count();
        if seps > MAX_SEPARATOR_RUN {
            return None;
        }
        i += seps;
        let &(at, c) = chars.get(i)?;
        digits.push(digit_value(c)?);
        end = at + c.len_utf8();
        i += 1;
    }
    let continues = chars
        .get(i)
        .is_some_and(|&(_, c)| digit_value(c).is_some() || is_ascii_alnum_like(c));
    (!continues).then_some((digits, end, i))
}

fn find_ids(chars: &[(usize, char)]) -> Vec<Found> {
    let mut found = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if let Some((end, next)) = id_at(chars, i) {
            found.push(Found {
                kind: RedactionKind::NationalId,
                range: chars[i].0..end,
            });
            i = next;
        } else {
            i += 1;
        }
    }
    found
}

/// An ID starting at index `i`: returns its byte end and the index after it.
fn id_at(chars: &[(usize, char)], i: usize) -> Option<(usize, usize)> {
    let area = id_letter_value(chars[i].1)?;
    if joined_on_left(chars, i) {
        return None;
    }
    // One space may follow the letter, but only after a capital: `a 123456789` is far
    // more often English than an ID.
    let mut j = i + 1;
    if chars
        .get(j)
        .is_some_and(|&(_, c)| c == ' ' || c == '\u{3000}')
        && chars[i].1.is_uppercase()
    {
        j += 1;
    }
    // The second character: a digit (1/2 citizen, 8/9 resident) or, in the old resident
    // format, a letter A–D whose code's last digit stands in for it.
    let &(_, second) = chars.get(j)?;
    let (second_digit, rest) = match (digit_value(second), latin_letter(second)) {
        (Some(d @ (1 | 2 | 8 | 9)), _) => (u32::from(d), read_digits(chars, j + 1, 8)),
        (None, Some('A'..='D')) => (id_letter_value(second)? % 10, read_digits(chars, j + 1, 8)),
        _ => return None,
    };
    let (digits, end, next) = rest?;
    let weighted: u32 = digits[..7]
        .iter()
        .zip([7, 6, 5, 4, 3, 2, 1])
        .map(|(&d, w)| u32::from(d) * w)
        .sum();
    let sum = area / 10 + (area % 10) * 9 + second_digit * 8 + weighted + u32::from(digits[7]);
    sum.is_multiple_of(10).then_some((end, next))
}

/// A maximal sequence of digit characters with no separator inside.
struct Group {
    start: usize,
    end: usize,
    digits: Vec<u8>,
}

fn find_cards(chars: &[(usize, char)]) -> Vec<Found> {
    let mut found = Vec::new();
    for run in digit_runs(chars) {
        let mut first = 0;
        while first < run.len() {
            let hit = (first..run.len()).rev().find(|&last| {
                let digits: Vec<u8> = run[first..=last]
                    .iter()
                    .flat_map(|g| g.digits.iter().copied())
                    .collect();
                (13..=19).contains(&digits.len()) && digits[0] != 0 && luhn_valid(&digits)
            });
            match hit {
                Some(last) => {
                    found.push(Found {
                        kind: RedactionKind::Card,
                        range: run[first].start..run[last].end,
                    });
                    first = last + 1;
                }
                None => first += 1,
            }
        }
    }
    found
}

/// Splits the text into runs of digit groups joined by short separator runs. A run glued
/// to a Latin letter (`AB1234…`, a product or order code) is dropped.
fn digit_runs(chars: &[(usize, char)]) -> Vec<Vec<Group>> {
    let mut runs = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if digit_value(chars[i].1).is_none() {
            i += 1;
            continue;
        }
        let glued_left = joined_on_left(chars, i);
        let mut run: Vec<Group> = Vec::new();
        loop {
            let start = i;
            let mut digits = Vec::new();
            while let Some(d) = chars.get(i).and_then(|&(_, c)| digit_value(c)) {
                digits.push(d);
                i += 1;
            }
            let end = chars
                .get(i)
                .map_or_else(|| chars[i - 1].0 + chars[i - 1].1.len_utf8(), |&(at, _)| at);
            run.push(Group {
                start: chars[start].0,
                end,
                digits,
            });
            let seps = chars[i..]
                .iter()
                .take_while(|&&(_, c)| is_separator(c))
                .count();
            let digit_follows = chars
                .get(i + seps)
                .is_some_and(|&(_, c)| digit_value(c).is_some());
            if seps == 0 || seps > MAX_SEPARATOR_RUN || !digit_follows {
                break;
            }
            i += seps;
        }
        let glued_right = chars
            .get(i)
            .is_some_and(|&(_, c)| latin_letter(c).is_some());
        if !glued_left && !glued_right {
            runs.push(run);
        }
    }
    runs
}

/// The Luhn (mod 10) check used by every card scheme.
fn luhn_valid(digits: &[u8]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = u32::from(d);
            if i % 2 == 1 {
                let doubled = d * 2;
                if doubled > 9 {
                    doubled - 9
                } else {
                    doubled
                }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn_accepts_test_cards_and_rejects_a_changed_digit() {
        let digits = |s: &str| s.bytes().map(|b| b - b'0').collect::<Vec<_>>();
        assert!(luhn_valid(&digits("4111111111111111")));
        assert!(luhn_valid(&digits("5555555555554444")));
        assert!(luhn_valid(&digits("378282246310005")));
        assert!(!luhn_valid(&digits("4111111111111112")));
    }

    #[test]
    fn id_checksum_uses_the_area_code() {
        let chars = |s: &str| s.char_indices().collect::<Vec<_>>();
        assert!(id_at(&chars("A123456789"), 0).is_some());
        assert!(id_at(&chars("A123456788"), 0).is_none());
        // Same digits, different area letter: the checksum no longer holds.
        assert!(id_at(&chars("B123456789"), 0).is_none());
    }
}
