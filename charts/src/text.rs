//! Label widths and truncation.
//!
//! SVG text does not wrap or clip, so labels are shortened on the server. Widths are counted in
//! columns, East Asian wide characters as two: a 28-character Chinese question is twice as wide
//! as a 28-character English name.

/// Labels longer than this many columns are cut, "…" included.
pub(crate) const MAX_LABEL_COLUMNS: usize = 28;

/// Rough width of one column at font-size 12, for layout (legend spacing).
pub(crate) const COLUMN_PX: f64 = 6.8;

pub(crate) fn columns(s: &str) -> usize {
    s.chars().map(char_columns).sum()
}

fn char_columns(c: char) -> usize {
    match u32::from(c) {
        // Combining diacritics take no column of their own.
        0x0300..=0x036F | 0x200B..=0x200F => 0,
        // Hangul Jamo, CJK radicals to Yi, Hangul syllables, CJK compatibility, vertical and
        // fullwidth forms, emoji, CJK extension planes.
        0x1100..=0x115F
        | 0x2E80..=0x303E
        | 0x3041..=0x33FF
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6
        | 0x1F300..=0x1F64F
        | 0x1F900..=0x1F9FF
        | 0x20000..=0x3FFFD => 2,
        _ => 1,
    }
}

/// `label` if it fits in `max` columns, otherwise its longest prefix that fits in `max − 1`
/// followed by "…". Returns whether it was cut, so the caller can keep the full label in a
/// `<title>`.
pub(crate) fn truncate(label: &str, max: usize) -> (String, bool) {
    if columns(label) <= max {
        return (label.to_owned(), false);
    }
    let budget = max.saturating_sub(1);
    let mut used = 0;
    let mut cut = String::new();
    for c in label.chars() {
        let w = char_columns(c);
        if used + w > budget {
            break;
        }
        used += w;
        cut.push(c);
    }
    // Do not leave "Ann …".
    let mut cut = cut.trim_end().to_owned();
    cut.push('…');
    (cut, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_characters_count_twice() {
        assert_eq!(columns("Ann"), 3);
        assert_eq!(columns("陳小姐"), 6);
        assert_eq!(columns("e\u{301}"), 1); // e + combining acute
    }

    #[test]
    fn truncation_by_columns() {
        assert_eq!(truncate("short", 28), ("short".to_owned(), false));
        let exact = "x".repeat(28);
        assert_eq!(truncate(&exact, 28), (exact.clone(), false));
        // 29 columns: 27 kept + "…" = 28.
        let (cut, was_cut) = truncate(&"x".repeat(29), 28);
        assert!(was_cut);
        assert_eq!(cut, format!("{}…", "x".repeat(27)));
        // 29 CJK characters = 58 columns; 13 fit in 27 (26 columns), a 14th would make 28.
        let question = "客戶是否在通話開始時被告知本次通話將會被錄音以確保服務品質";
        let (cut, _) = truncate(question, 28);
        assert_eq!(cut.chars().count(), 14);
        assert_eq!(columns(&cut), 27);
        assert!(question.starts_with(cut.trim_end_matches('…')));
        // Trailing space before the ellipsis is dropped.
        // "Customer " fills the 9 columns left for text at max 10.
        let (cut, _) = truncate("Customer service quality", 10);
        assert_eq!(cut, "Customer…");
    }
}
