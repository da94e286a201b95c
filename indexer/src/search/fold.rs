//! Character folding applied to every token, at index time and at query time alike.
//!
//! Three folds, all one character to one character so token offsets stay those of the
//! original text:
//!
//! * full-width ASCII (`Ａ１？`, U+FF01–U+FF5E) to its half-width form, as NFKC would;
//! * lowercase, for Latin and other cased scripts;
//! * Traditional Han characters to Simplified ones (`帳戶` and `账户` become the same
//!   terms). Whisper emits Simplified characters now and then even for
//!   Taiwanese speech, and a query typed in either script should find both. The fold goes
//!   Traditional→Simplified because that direction is a function (many Traditional
//!   characters share one Simplified form, e.g. `後`/`后` → `后`); Simplified→Traditional
//!   is one-to-many and cannot be decided per character. The cost is that the few
//!   Traditional characters merged by the fold also match each other. Only the index
//!   terms are folded: stored text, snippets and hits keep what Whisper wrote.

use std::collections::HashMap;
use std::sync::OnceLock;

/// Folds one character for indexing; see the module docs.
pub(crate) fn fold_char(c: char) -> char {
    let c = fold_width(c);
    if is_han(c) {
        return han_to_simplified(c);
    }
    if c.is_uppercase() {
        // `to_lowercase` yields several chars only for a handful of letters (e.g. `İ`);
        // keep the first, which is the base letter.
        return c.to_lowercase().next().unwrap_or(c);
    }
    c
}

/// Full-width ASCII variants and the ideographic space to their ASCII forms.
pub(crate) fn fold_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// Whether `c` is a Han ideograph (CJK unified ideographs, extension A, compatibility
/// ideographs and the supplementary-plane extensions) or the ideographic zero `〇`.
pub(crate) fn is_han(c: char) -> bool {
    matches!(c,
        '\u{3007}'
        | '\u{3400}'..='\u{4DBF}'
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{20000}'..='\u{3134F}')
}

/// Characters indexed one per token: Han, kana and hangul, which are written without
/// spaces between words. `々` (the iteration mark) and the prolonged-sound mark `ー` are
/// included because they stand for a syllable.
pub(crate) fn is_unigram_script(c: char) -> bool {
    is_han(c)
        || matches!(c,
            '\u{3005}'
            | '\u{3041}'..='\u{309F}' // hiragana
            | '\u{30A1}'..='\u{30FF}' // katakana (incl. ー)
            | '\u{31F0}'..='\u{31FF}' // katakana phonetic extensions
            | '\u{FF66}'..='\u{FF9F}' // half-width katakana
            | '\u{1100}'..='\u{11FF}' // hangul jamo
            | '\u{3131}'..='\u{318E}' // hangul compatibility jamo
            | '\u{AC00}'..='\u{D7A3}') // hangul syllables
}

fn han_to_simplified(c: char) -> char {
    let simplified = t2s_table().get(&c).copied().unwrap_or(c);
    VARIANTS
        .iter()
        .find(|&&(from, _)| from == simplified)
        .map_or(simplified, |&(_, to)| to)
}

/// Variant pairs that the Traditional→Simplified table leaves apart but that write the same
/// word across the strait, applied after it: `帳戶` (Taiwan) is `账户` (Mainland), yet `帳`
/// simplifies to `帐` and `賬` to `账`; the particle in `看著` is `着` in Simplified, and the
/// table keeps `著` because it also means "to write".
const VARIANTS: [(char, char); 2] = [('账', '帐'), ('着', '著')];

/// The Traditional→Simplified table, taken per character (without context) from `fast2s`
/// so that a character folds the same way in a query as in any transcript. Built once,
/// from the BMP Han blocks that `fast2s` covers (its table holds BMP characters only).
fn t2s_table() -> &'static HashMap<char, char> {
    static TABLE: OnceLock<HashMap<char, char>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut buf = [0u8; 4];
        ('\u{3400}'..='\u{4DBF}')
            .chain('\u{4E00}'..='\u{9FFF}')
            .chain('\u{F900}'..='\u{FAFF}')
            .filter_map(|c| {
                let converted = fast2s::convert(c.encode_utf8(&mut buf));
                let mut chars = converted.chars();
                match (chars.next(), chars.next()) {
                    (Some(s), None) if s != c => Some((c, s)),
                    _ => None,
                }
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_ascii_folds_to_ascii() {
        assert_eq!(fold_char('Ａ'), 'a');
        assert_eq!(fold_char('９'), '9');
        assert_eq!(fold_width('？'), '?');
        assert_eq!(fold_width('\u{3000}'), ' ');
    }

    #[test]
    fn traditional_and_simplified_fold_together() {
        for (t, s) in [
            ('戶', '户'),
            ('銀', '银'),
            ('後', '后'),
            ('說', '说'),
            ('盜', '盗'),
        ] {
            assert_eq!(fold_char(t), s, "{t}");
            assert_eq!(fold_char(s), s, "{s}");
        }
        // Variants of one word fold together too.
        for c in ['帳', '賬', '帐', '账'] {
            assert_eq!(fold_char(c), '帐', "{c}");
        }
        assert_eq!(fold_char('着'), fold_char('著'));
        // Characters shared by both scripts are unchanged.
        assert_eq!(fold_char('信'), '信');
        assert_eq!(fold_char('卡'), '卡');
    }
}
