//! Says what a file that is not a WAV file looks like, for error messages.

/// Describes `bytes` (a file that is not `RIFF....WAVE`) as a phrase that
/// completes "it …", e.g. "looks like an MP3 file (ID3 tag)".
pub(crate) fn describe(bytes: &[u8]) -> String {
    let starts = |magic: &[u8]| bytes.starts_with(magic);
    let known = if starts(b"ID3") {
        Some("looks like an MP3 file (ID3 tag)")
    } else if bytes.len() >= 2 && bytes[0] == 0xFF && bytes[1] & 0xE0 == 0xE0 {
        Some("looks like MPEG audio (an MP3 or AAC frame)")
    } else if starts(b"OggS") {
        Some("looks like an Ogg file (Vorbis or Opus)")
    } else if starts(b"fLaC") {
        Some("looks like a FLAC file")
    } else if bytes.get(4..8) == Some(b"ftyp") {
        Some("looks like an MP4/M4A file")
    } else if starts(b"#!AMR") {
        Some("looks like an AMR file")
    } else if starts(b"FORM") {
        Some("looks like an AIFF file")
    } else if starts(b"RIFX") {
        Some("is a big-endian RIFF (RIFX) file, which is not supported")
    } else if starts(b"RF64") || starts(b"BW64") {
        Some("is an RF64/BW64 file (WAV over 4 GiB), which is not supported")
    } else if starts(b".snd") {
        Some("looks like a Sun/NeXT .au file")
    } else if starts(b"\x1A\x45\xDF\xA3") {
        Some("looks like a WebM/Matroska file")
    } else if starts(b"PK\x03\x04") {
        Some("looks like a ZIP archive")
    } else if starts(b"%PDF") {
        Some("looks like a PDF document")
    } else if starts(b"\xD4\xC3\xB2\xA1")
        || starts(b"\xA1\xB2\xC3\xD4")
        || starts(b"\x0A\x0D\x0D\x0A")
    {
        Some("looks like a packet capture (pcap/pcapng); import it as a capture instead")
    } else {
        None
    };
    if let Some(text) = known {
        return text.to_owned();
    }
    if starts(b"RIFF") && bytes.len() >= 12 {
        return format!(
            "is a RIFF file of type '{}', not 'WAVE'",
            bytes[8..12].escape_ascii()
        );
    }
    let head = &bytes[..bytes.len().min(16)];
    if let Some(text) = as_text(head) {
        let trimmed = text.trim_start();
        if trimmed.starts_with('<') {
            return "looks like HTML or XML text".to_owned();
        }
        if trimmed.starts_with('{') || trimmed.starts_with('[') {
            return "looks like JSON text".to_owned();
        }
        return format!("looks like text (starts with {text:?})");
    }
    let hex: Vec<String> = head.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "starts with bytes {} instead of 'RIFF....WAVE'",
        hex.join(" ")
    )
}

/// `head` as text, when it is printable UTF-8 (allowing a multi-byte
/// character cut off at its end).
fn as_text(head: &[u8]) -> Option<&str> {
    let text = match std::str::from_utf8(head) {
        Ok(text) => text,
        Err(e) if e.error_len().is_none() => std::str::from_utf8(&head[..e.valid_up_to()]).ok()?,
        Err(_) => return None,
    };
    let printable = !text.is_empty() && text.chars().all(|c| !c.is_control() || c.is_whitespace());
    printable.then_some(text)
}

#[cfg(test)]
mod tests {
    use super::describe;

    #[test]
    fn names_common_formats() {
        assert!(describe(b"ID3\x04\0\0\0\0\0").contains("MP3"));
        assert!(describe(&[0xFF, 0xFB, 0x90, 0x00]).contains("MPEG"));
        assert!(describe(b"OggS\0\x02").contains("Ogg"));
        assert!(describe(b"fLaC\0\0\0\x22").contains("FLAC"));
        assert!(describe(b"\0\0\0\x20ftypM4A ").contains("MP4"));
        assert!(describe(b"RIFF\x24\0\0\0AVI LIST").contains("'AVI '"));
        assert!(describe(b"\x0A\x0D\x0D\x0A\x1c\0\0\0").contains("capture"));
    }

    #[test]
    fn recognises_text() {
        assert!(describe(b"<!DOCTYPE html><html>").contains("HTML"));
        assert!(describe(b"  {\"error\": 1}").contains("JSON"));
        let plain = describe("通話錄音 hello".as_bytes());
        assert!(plain.starts_with("looks like text"), "{plain}");
    }

    #[test]
    fn falls_back_to_hex() {
        assert_eq!(
            describe(&[0x00, 0x01, 0x02, 0xFE]),
            "starts with bytes 00 01 02 fe instead of 'RIFF....WAVE'"
        );
    }
}
