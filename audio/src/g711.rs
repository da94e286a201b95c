//! ITU-T G.711 μ-law and A-law companding.
//!
//! The algorithms are the reference ones (as in the CCITT/Sun `g711.c` that
//! sox, SpanDSP and most PBXs use), so a byte decodes to the same 16-bit value
//! here as in those tools. Decoding goes through 256-entry tables computed at
//! compile time; encoding is the segment search of the reference code.
//!
//! Linear values are 16-bit: μ-law covers ±32124, A-law ±32256.

/// Decodes one μ-law byte to a 16-bit linear sample.
#[inline]
pub fn ulaw_to_linear(byte: u8) -> i16 {
    ULAW_TABLE[byte as usize]
}

/// Decodes one A-law byte to a 16-bit linear sample.
#[inline]
pub fn alaw_to_linear(byte: u8) -> i16 {
    ALAW_TABLE[byte as usize]
}

/// Encodes a 16-bit linear sample as μ-law (clipping beyond ±32635).
pub fn linear_to_ulaw(sample: i16) -> u8 {
    const BIAS: i32 = 0x84;
    const CLIP: i32 = 8159;
    // The reference works on 14-bit magnitudes.
    let mut pcm = i32::from(sample) >> 2;
    let mask: i32 = if pcm < 0 {
        pcm = -pcm;
        0x7F
    } else {
        0xFF
    };
    let pcm = pcm.min(CLIP) + (BIAS >> 2);
    let seg = segment(pcm, &ULAW_SEG_END);
    if seg >= 8 {
        return (0x7F ^ mask) as u8;
    }
    let uval = ((seg as i32) << 4) | ((pcm >> (seg + 1)) & 0x0F);
    (uval ^ mask) as u8
}

/// Encodes a 16-bit linear sample as A-law (clipping beyond ±32767 to the
/// largest code).
pub fn linear_to_alaw(sample: i16) -> u8 {
    // The reference works on 13-bit magnitudes.
    let mut pcm = i32::from(sample) >> 3;
    let mask = if pcm >= 0 {
        0xD5
    } else {
        pcm = -pcm - 1;
        0x55
    };
    let seg = segment(pcm, &ALAW_SEG_END);
    if seg >= 8 {
        return (0x7F ^ mask) as u8;
    }
    let mut aval = (seg as i32) << 4;
    aval |= if seg < 2 {
        (pcm >> 1) & 0x0F
    } else {
        (pcm >> seg) & 0x0F
    };
    (aval ^ mask) as u8
}

/// Decodes μ-law bytes (e.g. a PCMU RTP payload) into `out`, appending.
pub fn decode_ulaw_into(bytes: &[u8], out: &mut Vec<i16>) {
    out.extend(bytes.iter().map(|&b| ulaw_to_linear(b)));
}

/// Decodes A-law bytes (e.g. a PCMA RTP payload) into `out`, appending.
pub fn decode_alaw_into(bytes: &[u8], out: &mut Vec<i16>) {
    out.extend(bytes.iter().map(|&b| alaw_to_linear(b)));
}

/// Decodes μ-law bytes into a new vector.
pub fn decode_ulaw(bytes: &[u8]) -> Vec<i16> {
    let mut out = Vec::with_capacity(bytes.len());
    decode_ulaw_into(bytes, &mut out);
    out
}

/// Decodes A-law bytes into a new vector.
pub fn decode_alaw(bytes: &[u8]) -> Vec<i16> {
    let mut out = Vec::with_capacity(bytes.len());
    decode_alaw_into(bytes, &mut out);
    out
}

/// Encodes linear samples as μ-law bytes.
pub fn encode_ulaw(samples: &[i16]) -> Vec<u8> {
    samples.iter().map(|&s| linear_to_ulaw(s)).collect()
}

/// Encodes linear samples as A-law bytes.
pub fn encode_alaw(samples: &[i16]) -> Vec<u8> {
    samples.iter().map(|&s| linear_to_alaw(s)).collect()
}

const ULAW_SEG_END: [i32; 8] = [0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF];
const ALAW_SEG_END: [i32; 8] = [0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF];

/// The first segment whose end is at or above `value` (8 when none is).
fn segment(value: i32, ends: &[i32; 8]) -> usize {
    ends.iter().position(|&end| value <= end).unwrap_or(8)
}

static ULAW_TABLE: [i16; 256] = build_ulaw_table();
static ALAW_TABLE: [i16; 256] = build_alaw_table();

const fn build_ulaw_table() -> [i16; 256] {
    const BIAS: i32 = 0x84;
    let mut table = [0i16; 256];
    let mut i = 0;
    while i < 256 {
        let u = !(i as u8) as i32;
        let mut t = ((u & 0x0F) << 3) + BIAS;
        t <<= (u & 0x70) >> 4;
        table[i] = if u & 0x80 != 0 { BIAS - t } else { t - BIAS } as i16;
        i += 1;
    }
    table
}

const fn build_alaw_table() -> [i16; 256] {
    let mut table = [0i16; 256];
    let mut i = 0;
    while i < 256 {
        let a = (i as i32) ^ 0x55;
        let mut t = (a & 0x0F) << 4;
        let seg = (a & 0x70) >> 4;
        match seg {
            0 => t += 8,
            1 => t += 0x108,
            _ => {
                t += 0x108;
                t <<= seg - 1;
            }
        }
        table[i] = if a & 0x80 != 0 { t } else { -t } as i16;
        i += 1;
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ulaw_known_values() {
        // Silence is 0xFF (and its negative twin 0x7F).
        assert_eq!(ulaw_to_linear(0xFF), 0);
        assert_eq!(ulaw_to_linear(0x7F), 0);
        assert_eq!(linear_to_ulaw(0), 0xFF);
        // Extremes.
        assert_eq!(ulaw_to_linear(0x80), 32124);
        assert_eq!(ulaw_to_linear(0x00), -32124);
        assert_eq!(linear_to_ulaw(i16::MAX), 0x80);
        assert_eq!(linear_to_ulaw(i16::MIN), 0x00);
        // Smallest non-zero steps.
        assert_eq!(ulaw_to_linear(0xFE), 8);
        assert_eq!(ulaw_to_linear(0x7E), -8);
        // Segment 4, lowest step: 3900 - 15 * 128 in the G.711 table.
        assert_eq!(ulaw_to_linear(0xBF), 1980);
    }

    #[test]
    fn alaw_known_values() {
        // 0xD5 / 0x55 are the two codes nearest zero.
        assert_eq!(alaw_to_linear(0xD5), 8);
        assert_eq!(alaw_to_linear(0x55), -8);
        assert_eq!(linear_to_alaw(0), 0xD5);
        assert_eq!(linear_to_alaw(-1), 0x55);
        // Extremes.
        assert_eq!(alaw_to_linear(0xAA), 32256);
        assert_eq!(alaw_to_linear(0x2A), -32256);
        assert_eq!(linear_to_alaw(i16::MAX), 0xAA);
        assert_eq!(linear_to_alaw(i16::MIN), 0x2A);
    }

    #[test]
    fn every_code_round_trips() {
        for code in 0..=255u8 {
            let linear = ulaw_to_linear(code);
            let back = linear_to_ulaw(linear);
            // Negative zero (0x7F) re-encodes as positive zero.
            let expected = if code == 0x7F { 0xFF } else { code };
            assert_eq!(back, expected, "μ-law code {code:#04x} -> {linear}");

            let linear = alaw_to_linear(code);
            assert_eq!(
                linear_to_alaw(linear),
                code,
                "A-law code {code:#04x} -> {linear}"
            );
        }
    }

    #[test]
    fn encoding_is_monotonic_and_error_is_bounded() {
        // Quantization error stays within half the step of the segment a value
        // falls in (plus the reference's truncation to 14/13 bits), so it grows
        // with the value: about 3 % relative, and at most 512 + 4 / 512 + 8.
        let mut prev_u = i16::MIN;
        let mut prev_a = i16::MIN;
        for x in i16::MIN..=i16::MAX {
            let u = ulaw_to_linear(linear_to_ulaw(x));
            let a = alaw_to_linear(linear_to_alaw(x));
            assert!(u >= prev_u, "μ-law not monotonic at {x}");
            assert!(a >= prev_a, "A-law not monotonic at {x}");
            prev_u = u;
            prev_a = a;
            let xu = i32::from(x).clamp(-32124, 32124);
            let xa = i32::from(x).clamp(-32256, 32256);
            let (eu, ea) = ((i32::from(u) - xu).abs(), (i32::from(a) - xa).abs());
            assert!(
                eu <= 516 && eu <= xu.abs() / 30 + 8,
                "μ-law error {eu} at {x}"
            );
            assert!(
                ea <= 520 && ea <= xa.abs() / 30 + 16,
                "A-law error {ea} at {x}"
            );
        }
    }

    #[test]
    fn slice_helpers_match_scalar_functions() {
        let bytes: Vec<u8> = (0..=255).collect();
        let u = decode_ulaw(&bytes);
        let a = decode_alaw(&bytes);
        assert_eq!(u.len(), 256);
        assert!(bytes.iter().zip(&u).all(|(&b, &s)| ulaw_to_linear(b) == s));
        assert!(bytes.iter().zip(&a).all(|(&b, &s)| alaw_to_linear(b) == s));
        assert_eq!(decode_ulaw(&encode_ulaw(&u)), u);
        assert_eq!(decode_alaw(&encode_alaw(&a)), a);

        let mut out = vec![1i16];
        decode_ulaw_into(&[0xFF, 0x80], &mut out);
        assert_eq!(out, [1, 0, 32124]);
    }
}
