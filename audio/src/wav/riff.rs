//! A minimal RIFF chunk walker over a byte slice.

/// One chunk as found in the file.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Chunk<'a> {
    /// Four-character id, e.g. `*b"fmt "`.
    pub id: [u8; 4],
    /// Byte offset of the chunk header in the file.
    pub offset: usize,
    /// The size the header declares.
    pub declared: u32,
    /// The body bytes actually present: `declared` bytes, or fewer when the
    /// file ends early.
    pub body: &'a [u8],
}

impl Chunk<'_> {
    /// Whether the file ends before the declared body does.
    pub fn is_truncated(&self) -> bool {
        (self.body.len() as u64) < u64::from(self.declared)
    }

    /// The id for messages, with non-printable bytes escaped.
    pub fn id_text(&self) -> String {
        self.id.escape_ascii().to_string()
    }
}

/// Iterates over the chunks that follow the 12-byte `RIFF....WAVE` header.
///
/// Bodies of odd size are followed by a pad byte, which is skipped. Fewer
/// than 8 trailing bytes (a missing pad byte, stray padding) end the walk.
/// The RIFF size field is not trusted: writers often leave it wrong, and the
/// data chunk's own size is what matters for the audio.
pub(crate) struct Chunks<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Chunks<'a> {
    /// Walks `bytes`, a whole file, starting after the RIFF header.
    pub fn after_riff_header(bytes: &'a [u8]) -> Self {
        Chunks { bytes, pos: 12 }
    }
}

impl<'a> Iterator for Chunks<'a> {
    type Item = Chunk<'a>;

    fn next(&mut self) -> Option<Chunk<'a>> {
        let header = self.bytes.get(self.pos..self.pos.checked_add(8)?)?;
        let id = [header[0], header[1], header[2], header[3]];
        let declared = u32::from_le_bytes([header[4], header[5], header[6], header[7]]);
        let start = self.pos + 8;
        let end = start
            .saturating_add(declared as usize)
            .min(self.bytes.len());
        let chunk = Chunk {
            id,
            offset: self.pos,
            declared,
            body: &self.bytes[start..end],
        };
        let padded = u64::from(declared) + u64::from(declared & 1);
        self.pos = usize::try_from(start as u64 + padded).unwrap_or(usize::MAX);
        Some(chunk)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(chunks: &[(&[u8; 4], &[u8], Option<u32>)]) -> Vec<u8> {
        let mut out = b"RIFF\0\0\0\0WAVE".to_vec();
        for (id, body, size) in chunks {
            out.extend_from_slice(*id);
            let size = size.unwrap_or(body.len() as u32);
            out.extend_from_slice(&size.to_le_bytes());
            out.extend_from_slice(body);
            if body.len() % 2 == 1 {
                out.push(0);
            }
        }
        out
    }

    #[test]
    fn walks_chunks_and_skips_odd_padding() {
        let bytes = file(&[(b"LIST", b"abc", None), (b"data", b"wxyz", None)]);
        let chunks: Vec<_> = Chunks::after_riff_header(&bytes).collect();
        assert_eq!(chunks.len(), 2);
        assert_eq!(&chunks[0].id, b"LIST");
        assert_eq!(chunks[0].body, b"abc");
        assert_eq!(&chunks[1].id, b"data");
        assert_eq!(chunks[1].offset, 12 + 8 + 4);
        assert_eq!(chunks[1].body, b"wxyz");
        assert!(!chunks[1].is_truncated());
    }

    #[test]
    fn reports_a_body_cut_short() {
        let bytes = file(&[(b"data", b"abcd", Some(1000))]);
        let chunk = Chunks::after_riff_header(&bytes).next().unwrap();
        assert_eq!(chunk.declared, 1000);
        assert_eq!(chunk.body, b"abcd");
        assert!(chunk.is_truncated());
    }

    #[test]
    fn huge_sizes_do_not_overflow() {
        let bytes = file(&[(b"junk", b"", Some(u32::MAX)), (b"data", b"ab", None)]);
        let chunks: Vec<_> = Chunks::after_riff_header(&bytes).collect();
        assert_eq!(chunks.len(), 1);
        assert!(chunks[0].is_truncated());
    }

    #[test]
    fn escapes_odd_ids() {
        let bytes = file(&[(b"a\0\xffb", b"", None)]);
        let chunk = Chunks::after_riff_header(&bytes).next().unwrap();
        assert_eq!(chunk.id_text(), "a\\x00\\xffb");
    }
}
