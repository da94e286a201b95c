//! The index schema: one document per transcript segment, carrying its call's metadata so
//! filters need no join.

use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{LowerCaser, RawTokenizer, TextAnalyzer};
use tantivy::Index;

use super::tokenizer::{MixedTokenizer, TOKENIZER_NAME};

/// Exact-match keyword fields (agent, queue, language): the whole value, lowercased.
const KEYWORD_TOKENIZER: &str = "earshot_keyword";

pub(crate) const CALL_ID: &str = "call_id";
pub(crate) const CHANNEL: &str = "channel";
pub(crate) const START_MS: &str = "start_ms";

/// Handles to the schema's fields.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields {
    pub call_id: Field,
    pub channel: Field,
    pub start_ms: Field,
    pub end_ms: Field,
    pub text: Field,
    pub agent: Field,
    pub queue: Field,
    pub language: Field,
    /// Call start, Unix milliseconds (UTC).
    pub started_at: Field,
}

pub(crate) fn build() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let indexed_fast = NumericOptions::default()
        .set_indexed()
        .set_fast()
        .set_stored();
    let text = TextOptions::default()
        .set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(TOKENIZER_NAME)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
        .set_stored();
    let keyword = TextOptions::default()
        .set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(KEYWORD_TOKENIZER)
                .set_index_option(IndexRecordOption::Basic),
        )
        .set_stored();
    let fields = Fields {
        call_id: b.add_i64_field(CALL_ID, indexed_fast.clone()),
        channel: b.add_u64_field(CHANNEL, indexed_fast.clone()),
        // Fast for the deterministic tie-break on equal scores.
        start_ms: b.add_i64_field(START_MS, NumericOptions::default().set_fast().set_stored()),
        end_ms: b.add_i64_field("end_ms", NumericOptions::default().set_stored()),
        text: b.add_text_field("text", text),
        agent: b.add_text_field("agent", keyword.clone()),
        queue: b.add_text_field("queue", keyword.clone()),
        language: b.add_text_field("language", keyword),
        started_at: b.add_i64_field("started_at", indexed_fast),
    };
    (b.build(), fields)
}

/// Registers the analyzers the schema names; needed on every opened index, since tantivy
/// does not persist tokenizers.
pub(crate) fn register_tokenizers(index: &Index) {
    let manager = index.tokenizers();
    manager.register(TOKENIZER_NAME, MixedTokenizer::default());
    manager.register(
        KEYWORD_TOKENIZER,
        TextAnalyzer::builder(RawTokenizer::default())
            .filter(LowerCaser)
            .build(),
    );
}

/// A keyword value as [`KEYWORD_TOKENIZER`] indexes it; applied to filter values so that
/// `agent:Alice` finds `alice`. Lowercases per character, as tantivy's `LowerCaser` does.
pub(crate) fn keyword_term_text(value: &str) -> String {
    value.trim().chars().flat_map(char::to_lowercase).collect()
}

/// The language code stored for a call: the primary subtag, lowercased (`zh-TW` → `zh`),
/// which is what Whisper reports and what `lang:` filters on.
pub(crate) fn normalize_language(language: &str) -> String {
    let primary = language.trim().split(['-', '_']).next().unwrap_or_default();
    primary.to_ascii_lowercase()
}
