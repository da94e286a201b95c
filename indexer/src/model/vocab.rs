//! Whisper's byte-level BPE vocabulary, as whisper.cpp expects it in a ggml file.
//!
//! Tokenizer files spell each token with GPT-2's `bytes_to_unicode` alphabet (every byte mapped
//! to a printable character, e.g. space to `Ġ`); whisper.cpp wants the raw bytes back.

/// Number of ordinary (non-special) GPT-2 tokens, the ones a ggml file lists.
pub const N_TEXT_TOKENS: usize = 50_257;

/// Index of `<|endoftext|>` in English-only vocabularies. Multilingual ones have it one later:
/// their token 50256 is empty.
pub const END_OF_TEXT: usize = 50_256;
const END_OF_TEXT_TEXT: &str = "<|endoftext|>";

/// Why a token could not be mapped back to bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VocabError {
    /// Fewer than [`N_TEXT_TOKENS`] tokens.
    TooShort { found: usize },
    /// Token `index` contains a character outside GPT-2's byte alphabet.
    NotByteLevel { index: usize, ch: char },
    /// `<|endoftext|>` is not where this kind of model has it: the vocabulary belongs to an
    /// English-only model and the weights to a multilingual one, or the other way round.
    NoEndOfText { index: usize, found: Option<String> },
}

impl std::fmt::Display for VocabError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            VocabError::TooShort { found } => {
                write!(f, "only {found} tokens; a Whisper vocabulary has at least {N_TEXT_TOKENS}")
            }
            VocabError::NotByteLevel { index, ch } => write!(
                f,
                "token {index} contains {ch:?} (U+{:04X}), which is not in GPT-2's byte-level alphabet",
                u32::from(*ch)
            ),
            VocabError::NoEndOfText { index, found } => write!(
                f,
                "token {index} is {}, expected {END_OF_TEXT_TEXT:?}: the vocabulary does not belong to \
                 this {} model",
                found.as_deref().map_or("missing".to_owned(), |t| format!("{t:?}")),
                if *index == END_OF_TEXT { "English-only" } else { "multilingual" }
            ),
        }
    }
}

/// GPT-2's `bytes_to_unicode` table: the character that stands for each byte.
pub fn byte_to_char() -> [char; 256] {
    let mut table = ['\0'; 256];
    let mut next_unprintable = 256u32;
    for (byte, slot) in table.iter_mut().enumerate() {
        let printable = matches!(byte, 0x21..=0x7E | 0xA1..=0xAC | 0xAE..=0xFF);
        let code = if printable {
            byte as u32
        } else {
            let code = next_unprintable;
            next_unprintable += 1;
            code
        };
        *slot = char::from_u32(code).expect("all codes are below U+0144");
    }
    table
}

/// The inverse of [`byte_to_char`]: the byte a character stands for, if any.
#[derive(Debug, Clone)]
pub struct ByteDecoder {
    /// Indexed by code point; the alphabet lies entirely below U+0144.
    bytes: Vec<Option<u8>>,
}

impl Default for ByteDecoder {
    fn default() -> Self {
        let table = byte_to_char();
        let mut bytes = vec![None; 0x144];
        for (byte, ch) in table.iter().enumerate() {
            bytes[*ch as usize] = Some(byte as u8);
        }
        ByteDecoder { bytes }
    }
}

impl ByteDecoder {
    /// Decodes one token; `Err` carries the first character outside the alphabet.
    pub fn decode(&self, token: &str) -> Result<Vec<u8>, char> {
        token
            .chars()
            .map(|ch| self.bytes.get(ch as usize).copied().flatten().ok_or(ch))
            .collect()
    }
}

/// The ggml vocabulary section: the first [`N_TEXT_TOKENS`] tokens as bytes.
///
/// `tokens` is the whole vocabulary, special tokens included; `<|endoftext|>` must sit where
/// the model kind has it, which catches a vocabulary paired with the wrong weights.
pub fn ggml_tokens(tokens: &[&str], multilingual: bool) -> Result<Vec<Vec<u8>>, VocabError> {
    if tokens.len() < N_TEXT_TOKENS {
        return Err(VocabError::TooShort {
            found: tokens.len(),
        });
    }
    let eot = END_OF_TEXT + usize::from(multilingual);
    let found = tokens.get(eot).copied();
    if found != Some(END_OF_TEXT_TEXT) {
        return Err(VocabError::NoEndOfText {
            index: eot,
            found: found.map(str::to_owned),
        });
    }
    let decoder = ByteDecoder::default();
    tokens[..N_TEXT_TOKENS]
        .iter()
        .enumerate()
        .map(|(index, token)| {
            decoder
                .decode(token)
                .map_err(|ch| VocabError::NotByteLevel { index, ch })
        })
        .collect()
}
