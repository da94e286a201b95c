//! Mapping values to coordinates, and the axis ticks.

use crate::Axis;

/// A linear map from the axis' value range onto a pixel range (which may run backwards, as y
/// does).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scale {
    pub min: f64,
    pub max: f64,
    from_px: f64,
    to_px: f64,
}

impl Scale {
    /// The axis onto `from_px..to_px`. An unusable axis (`max <= min`, or not finite) falls back
    /// to `min..min + 1` (or `0..1`) rather than dividing by zero: a chart must render whatever
    /// the query returned.
    pub fn new(axis: &Axis, from_px: f64, to_px: f64) -> Self {
        let (min, max) = if axis.min.is_finite() && axis.max.is_finite() && axis.max > axis.min {
            (axis.min, axis.max)
        } else if axis.min.is_finite() {
            (axis.min, axis.min + 1.0)
        } else {
            (0.0, 1.0)
        };
        Scale {
            min,
            max,
            from_px,
            to_px,
        }
    }

    /// The coordinate of `value`, clamped to the axis so that an interval reaching past 100 %
    /// stops at the edge of the plot.
    pub fn px(&self, value: f64) -> f64 {
        let t = ((value - self.min) / (self.max - self.min)).clamp(0.0, 1.0);
        self.from_px + t * (self.to_px - self.from_px)
    }

    /// The tick values and their labels (with `unit`).
    pub fn ticks(&self, axis: &Axis) -> Vec<(f64, String)> {
        let count = axis.ticks.clamp(2, 21);
        let step = (self.max - self.min) / (count - 1) as f64;
        let values: Vec<f64> = (0..count)
            .map(|i| {
                if i == count - 1 {
                    self.max
                } else {
                    self.min + step * i as f64
                }
            })
            .collect();
        let decimals = decimals_for(&values, self.max - self.min);
        values
            .into_iter()
            .map(|v| (v, format!("{v:.decimals$}{}", axis.unit)))
            .collect()
    }

    /// Decimals for value labels (tooltips): one more than the ticks need.
    pub fn value_decimals(&self, axis: &Axis) -> usize {
        let values: Vec<f64> = self.ticks(axis).into_iter().map(|(v, _)| v).collect();
        (decimals_for(&values, self.max - self.min) + 1).min(6)
    }
}

/// The fewest decimals (up to 6) that print every value exactly enough to tell ticks apart.
fn decimals_for(values: &[f64], range: f64) -> usize {
    (0..6)
        .find(|&d| {
            let factor = 10f64.powi(d as i32);
            values
                .iter()
                .all(|v| ((v * factor).round() / factor - v).abs() <= 1e-9 * range)
        })
        .unwrap_or(6)
}

pub(crate) fn format_value(value: f64, decimals: usize, unit: &str) -> String {
    format!("{value:.decimals$}{unit}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn axis(min: f64, max: f64, ticks: usize) -> Axis {
        Axis {
            min,
            max,
            unit: "%".into(),
            ticks,
        }
    }

    #[test]
    fn maps_and_clamps() {
        // y runs backwards: 0 at 256, 100 at 16.
        let s = Scale::new(&axis(0.0, 100.0, 5), 256.0, 16.0);
        assert_eq!(s.px(0.0), 256.0);
        assert_eq!(s.px(100.0), 16.0);
        assert_eq!(s.px(25.0), 196.0); // 256 − 0.25 · 240
        assert_eq!(s.px(130.0), 16.0);
        assert_eq!(s.px(-5.0), 256.0);
    }

    #[test]
    fn unusable_axes_fall_back() {
        let s = Scale::new(&axis(5.0, 5.0, 5), 0.0, 100.0);
        assert_eq!((s.min, s.max), (5.0, 6.0));
        let s = Scale::new(&axis(f64::NAN, 1.0, 5), 0.0, 100.0);
        assert_eq!((s.min, s.max), (0.0, 1.0));
        assert!(s.px(0.5).is_finite());
    }

    #[test]
    fn tick_labels_use_the_decimals_they_need() {
        let s = Scale::new(&axis(0.0, 100.0, 5), 0.0, 1.0);
        let labels: Vec<String> = s
            .ticks(&axis(0.0, 100.0, 5))
            .into_iter()
            .map(|t| t.1)
            .collect();
        assert_eq!(labels, ["0%", "25%", "50%", "75%", "100%"]);
        let a = Axis {
            min: 0.0,
            max: 1.0,
            unit: String::new(),
            ticks: 5,
        };
        let s = Scale::new(&a, 0.0, 1.0);
        let labels: Vec<String> = s.ticks(&a).into_iter().map(|t| t.1).collect();
        assert_eq!(labels, ["0.00", "0.25", "0.50", "0.75", "1.00"]);
        assert_eq!(s.value_decimals(&a), 3);
        // ticks = 0 still draws both ends.
        assert_eq!(s.ticks(&Axis { ticks: 0, ..a }).len(), 2);
    }
}
