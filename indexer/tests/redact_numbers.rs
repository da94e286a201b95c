//! Card numbers and Taiwanese ID numbers are masked; look-alikes are kept.

use earshot_indexer::redact::{redact, redact_adjacent, Redacted, RedactionKind, MASK};

/// The masked text and, for each span, its kind and the masked text it covers.
fn masked(text: &str) -> (String, Vec<(RedactionKind, String)>) {
    let Redacted { text, spans } = redact(text);
    let covered = spans
        .iter()
        .map(|s| (s.kind, text[s.start..s.end].to_string()))
        .collect();
    (text, covered)
}

fn unchanged(text: &str) {
    let r = redact(text);
    assert_eq!(r.text, text);
    assert!(r.spans.is_empty(), "{text}: {:?}", r.spans);
}

#[test]
fn luhn_valid_cards_are_masked_digit_for_digit() {
    let (text, spans) = masked("卡號是4111 1111 1111 1111，謝謝");
    assert_eq!(text, "卡號是████ ████ ████ ████，謝謝");
    assert_eq!(
        spans,
        [(RedactionKind::Card, "████ ████ ████ ████".to_string())]
    );

    assert_eq!(
        masked("my card is 5555-5555-5555-4444.").0,
        "my card is ████-████-████-████."
    );
    // 15-digit Amex grouping and an unseparated 16-digit number.
    assert_eq!(masked("3782 822463 10005").0, "████ ██████ █████");
    assert_eq!(masked("4012888888881881").0, "█".repeat(16));
}

#[test]
fn invalid_or_short_numbers_are_kept() {
    unchanged("卡號是4111 1111 1111 1112"); // Luhn fails
    unchanged("請撥 0912 345 678"); // a phone number: too short
    unchanged("訂單編號 0000 0000 0000 0000"); // Luhn-valid but no card starts with 0
    unchanged("order AB4111111111111111"); // glued to letters: a product code
    unchanged("金額 1,234,567 元，共 3 筆");
}

#[test]
fn spoken_chinese_and_full_width_digits_are_recognized() {
    assert_eq!(
        masked("卡號四一一一 一一一一 一一一一 一一一一").0,
        "卡號████ ████ ████ ████"
    );
    assert_eq!(
        masked("五五五五，五五五五，五五五五，四四四四").0,
        "████，████，████，████"
    );
    assert_eq!(
        masked("４１１１－１１１１－１１１１－１１１１").0,
        "████－████－████－████"
    );
    // `幺` for one and `〇` for zero, as read aloud.
    assert_eq!(masked("四幺幺幺幺幺幺幺幺幺幺幺幺幺幺幺").0, "█".repeat(16));
    unchanged("一二三四五六七八九十"); // counting, not a number
}

#[test]
fn a_card_followed_by_its_expiry_is_found_within_the_run() {
    let (text, spans) = masked("4111 1111 1111 1111 12 28");
    assert_eq!(text, "████ ████ ████ ████ 12 28");
    assert_eq!(spans.len(), 1);
}

#[test]
fn national_ids_with_a_valid_checksum_are_masked() {
    let (text, spans) = masked("身分證字號A123456789，生日");
    assert_eq!(text, "身分證字號██████████，生日");
    assert_eq!(spans, [(RedactionKind::NationalId, "█".repeat(10))]);
    // Lower case, a space, spoken digits, full width.
    assert_eq!(masked("id a123456789").0, "id ██████████");
    assert_eq!(masked("是 A 123 456 789 對").0, "是 █ ███ ███ ███ 對");
    assert_eq!(masked("A一二三四五六七八九").0, "█".repeat(10));
    assert_eq!(masked("Ａ１２３４５６７８９").0, "█".repeat(10));
}

#[test]
fn resident_certificate_numbers_are_masked() {
    // New format (2021): letter, 8 or 9, eight digits.
    // A800000014: A = 10 → 1·1 + 0·9, then 8·8, 0·7 … 1·1, check 4: 1 + 64 + 1 + 4 = 70.
    assert_eq!(masked("A800000014").0, "█".repeat(10));
    // Old format: two letters, the second A–D (C = 12 stands for 2).
    // AC01234567: 1 + 2·8 + (0·7 + 1·6 + 2·5 + 3·4 + 4·3 + 5·2 + 6·1) + 7 = 80.
    assert_eq!(masked("居留證 AC01234567").0, "居留證 ██████████");
}

#[test]
fn id_look_alikes_are_kept() {
    unchanged("A123456788"); // wrong check digit
    unchanged("A323456789"); // 3 is neither citizen nor resident
    unchanged("BA123456789"); // part of a longer code
    unchanged("A1234567890"); // ten digits
    unchanged("a 123456789"); // lower-case `a` and a space: English, not an ID
}

#[test]
fn a_card_split_across_segments_is_masked_in_each() {
    let parts = ["我的卡號是4111 1111", "1111 1111。", "好的"];
    let out = redact_adjacent(&parts);
    let texts: Vec<&str> = out.iter().map(|r| r.text.as_str()).collect();
    assert_eq!(texts, ["我的卡號是████ ████", "████ ████。", "好的"]);
    assert_eq!(out[0].spans.len(), 1);
    assert_eq!(out[1].spans.len(), 1);
    assert!(out[2].spans.is_empty());
    // Each segment alone has too few digits.
    unchanged(parts[0]);
    unchanged(parts[1]);
}

#[test]
fn spans_point_into_the_masked_text() {
    let r = redact("A123456789 and 4111111111111111");
    assert_eq!(r.spans.len(), 2);
    assert_eq!(r.spans[0].kind, RedactionKind::NationalId);
    assert_eq!(r.spans[1].kind, RedactionKind::Card);
    for span in &r.spans {
        assert!(r.text[span.start..span.end].chars().all(|c| c == MASK));
    }
    assert_eq!(&r.text[r.spans[0].end..r.spans[1].start], " and ");
}
