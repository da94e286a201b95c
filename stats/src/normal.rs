//! The standard normal distribution: CDF, quantile and the two-sided `z` of a confidence level.
//!
//! Both are classic rational approximations accurate to full double precision, so that intervals
//! shown on a dashboard match R, SciPy and published tables to the last printed digit.

// The coefficients are written digit for digit as published (Wichura 1988, Cody 1993), more
// digits than an f64 holds, so that they can be checked against the papers.
#![allow(clippy::excessive_precision)]

use crate::StatsError;

/// Two-sided standard normal quantile for a confidence level: the `z` with
/// `P(−z ≤ Z ≤ z) = confidence`, e.g. `z(0.95) = 1.959963984540054`.
///
/// `confidence` must lie strictly between 0 and 1 (a 100 % interval is unbounded).
pub fn z_for_confidence(confidence: f64) -> Result<f64, StatsError> {
    check_confidence(confidence)?;
    // The upper quantile p = ½ + c/2 is handed to AS 241 as its two derived inputs, p − ½ = c/2
    // and 1 − p = (1 − c)/2, both exact (1 − c by Sterbenz where the tail formula uses it,
    // c ≥ 0.85), instead of rounding p first.
    Ok(ppnd16(confidence / 2.0, (1.0 - confidence) / 2.0))
}

pub(crate) fn check_confidence(confidence: f64) -> Result<(), StatsError> {
    // Written so that NaN fails too.
    if confidence > 0.0 && confidence < 1.0 {
        Ok(())
    } else {
        Err(StatsError::Confidence(confidence))
    }
}

/// Inverse of the standard normal CDF for `p` in (0, 1), exclusive.
///
/// Wichura's algorithm AS 241 (PPND16, Applied Statistics 37(3), 1988), accurate to about 1 part
/// in 10¹⁶: a rational approximation in `p − ½` for the centre and two in `√(−ln min(p, 1−p))`
/// for the tails.
pub fn normal_quantile(p: f64) -> Result<f64, StatsError> {
    if !(p > 0.0 && p < 1.0) {
        return Err(StatsError::Probability(p));
    }
    let q = p - 0.5;
    // 1 − p is exact where the tail formula uses it (p > 0.925).
    Ok(ppnd16(q, if q < 0.0 { p } else { 1.0 - p }))
}

/// AS 241 proper, given `q = p − ½` and `tail = min(p, 1 − p)` (callers compute them as exactly as
/// they can).
fn ppnd16(q: f64, tail: f64) -> f64 {
    const A: [f64; 8] = [
        3.387_132_872_796_366_608,
        1.331_416_678_917_843_774_5e2,
        1.971_590_950_306_551_442_7e3,
        1.373_169_376_550_946_112_5e4,
        4.592_195_393_154_987_145_7e4,
        6.726_577_092_700_870_085_3e4,
        3.343_057_558_358_812_810_5e4,
        2.509_080_928_730_122_672_7e3,
    ];
    const B: [f64; 8] = [
        1.0,
        4.231_333_070_160_091_125_2e1,
        6.871_870_074_920_579_083e2,
        5.394_196_021_424_751_107_7e3,
        2.121_379_430_158_659_586_7e4,
        3.930_789_580_009_271_061e4,
        2.872_908_573_572_194_267_4e4,
        5.226_495_278_852_854_561e3,
    ];
    const C: [f64; 8] = [
        1.423_437_110_749_683_577_34,
        4.630_337_846_156_545_295_9,
        5.769_497_221_460_691_405_5,
        3.647_848_324_763_204_605_04,
        1.270_458_252_452_368_382_58,
        2.417_807_251_774_506_117_7e-1,
        2.272_384_498_926_918_458_33e-2,
        7.745_450_142_783_414_076_4e-4,
    ];
    const D: [f64; 8] = [
        1.0,
        2.053_191_626_637_758_821_87,
        1.676_384_830_183_803_849_4,
        6.897_673_349_851_000_045_5e-1,
        1.481_039_764_274_800_745_9e-1,
        1.519_866_656_361_645_719_66e-2,
        5.475_938_084_995_344_946e-4,
        1.050_750_071_644_416_843_24e-9,
    ];
    const E: [f64; 8] = [
        6.657_904_643_501_103_777_2,
        5.463_784_911_164_114_369_9,
        1.784_826_539_917_291_335_8,
        2.965_605_718_285_048_912_3e-1,
        2.653_218_952_657_612_309_3e-2,
        1.242_660_947_388_078_438_6e-3,
        2.711_555_568_743_487_578_15e-5,
        2.010_334_399_292_288_132_65e-7,
    ];
    const F: [f64; 8] = [
        1.0,
        5.998_322_065_558_879_376_9e-1,
        1.369_298_809_227_358_053_1e-1,
        1.487_536_129_085_061_485_25e-2,
        7.868_691_311_456_132_591e-4,
        1.846_318_317_510_054_681_8e-5,
        1.421_511_758_316_445_888_7e-7,
        2.044_263_103_389_939_785_64e-15,
    ];

    if q.abs() <= 0.425 {
        let r = 0.180_625 - q * q;
        return q * horner(&A, r) / horner(&B, r);
    }
    let r = (-tail.ln()).sqrt();
    let z = if r <= 5.0 {
        let r = r - 1.6;
        horner(&C, r) / horner(&D, r)
    } else {
        let r = r - 5.0;
        horner(&E, r) / horner(&F, r)
    };
    if q < 0.0 {
        -z
    } else {
        z
    }
}

/// `coefficients[0] + coefficients[1]·x + …`
fn horner(coefficients: &[f64], x: f64) -> f64 {
    coefficients.iter().rev().fold(0.0, |acc, &c| acc * x + c)
}

/// The standard normal CDF `Φ(x) = P(Z ≤ x)`, accurate to about 1e-15 (relative, in both tails).
///
/// W. J. Cody's ANORM (ACM TOMS Algorithm 715, 1993), from his rational Chebyshev approximations
/// for the error function (Math. Comp. 1969): one approximation for `|x| ≤ 0.66291`, one up to
/// `√32` and an asymptotic one beyond. NaN gives NaN.
pub fn normal_cdf(x: f64) -> f64 {
    if x.is_nan() {
        return x;
    }
    let y = x.abs();
    if y <= 0.662_91 {
        const A: [f64; 5] = [
            2.235_252_035_460_683_928_7,
            1.610_282_310_685_558_788_1e2,
            1.067_689_485_460_370_958_2e3,
            1.815_498_125_334_356_124_9e4,
            6.568_233_791_820_744_911_3e-2,
        ];
        const B: [f64; 4] = [
            4.720_258_190_468_824_187e1,
            9.760_985_517_377_766_932_2e2,
            1.026_093_220_861_897_820_5e4,
            4.550_778_933_502_672_995_6e4,
        ];
        let xsq = x * x;
        let mut num = A[4] * xsq;
        let mut den = xsq;
        for i in 0..3 {
            num = (num + A[i]) * xsq;
            den = (den + B[i]) * xsq;
        }
        return 0.5 + x * (num + A[3]) / (den + B[3]);
    }

    // Beyond this Φ(−y) underflows to 0 (and the scaling below would compute ∞ − ∞).
    let lower_tail = if y >= 40.0 {
        0.0
    } else {
        let ratio = if y <= 5.656_854_248 {
            const C: [f64; 9] = [
                3.989_415_120_881_346_676_4e-1,
                8.883_149_794_388_375_941_2,
                9.350_665_613_217_785_597_9e1,
                5.972_702_763_948_002_622_6e2,
                2.494_537_585_290_372_671_1e3,
                6.848_190_450_536_282_332_6e3,
                1.160_265_143_764_735_012_4e4,
                9.842_714_838_383_978_021_8e3,
                1.076_557_677_372_019_231_7e-8,
            ];
            const D: [f64; 8] = [
                2.226_668_804_432_811_569_1e1,
                2.353_879_017_826_249_986_1e2,
                1.519_377_599_407_554_805e3,
                6.485_558_298_266_760_755e3,
                1.861_557_164_088_509_809_1e4,
                3.490_095_272_114_597_726_6e4,
                3.891_200_328_609_327_141_1e4,
                1.968_542_967_685_999_072_7e4,
            ];
            let mut num = C[8] * y;
            let mut den = y;
            for i in 0..7 {
                num = (num + C[i]) * y;
                den = (den + D[i]) * y;
            }
            (num + C[7]) / (den + D[7])
        } else {
            const P: [f64; 6] = [
                2.158_985_340_579_569_9e-1,
                1.274_011_611_602_473_639e-1,
                2.223_527_787_064_980_7e-2,
                1.421_619_193_227_893_466e-3,
                2.911_287_495_116_879_2e-5,
                2.307_344_176_494_017_303e-2,
            ];
            const Q: [f64; 5] = [
                1.284_260_096_144_911_21,
                4.682_382_124_808_651_18e-1,
                6.598_813_786_892_855_15e-2,
                3.782_396_332_027_582_44e-3,
                7.297_515_550_839_662_05e-5,
            ];
            const FRAC_1_SQRT_2PI: f64 = 3.989_422_804_014_326_779_4e-1;
            let xsq = 1.0 / (x * x);
            let mut num = P[5] * xsq;
            let mut den = xsq;
            for i in 0..4 {
                num = (num + P[i]) * xsq;
                den = (den + Q[i]) * xsq;
            }
            (FRAC_1_SQRT_2PI - xsq * (num + P[4]) / (den + Q[4])) / y
        };
        // exp(−y²/2) with y² split as s² + (y−s)(y+s), s = y rounded down to 1/16: s² is exact, so
        // the rounding error of y² is not amplified by the exponential.
        let s = (y * 16.0).trunc() / 16.0;
        let del = (y - s) * (y + s);
        (-s * s * 0.5).exp() * (-del * 0.5).exp() * ratio
    };
    if x > 0.0 {
        1.0 - lower_tail
    } else {
        lower_tail
    }
}
