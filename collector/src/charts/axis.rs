//! The value axis: round tick steps (1, 2 or 5 times a power of ten) from zero to just above the largest value.

/// The ticks of an axis from 0 covering `max`: at most `max_ticks + 1` values, evenly spaced by a round step.
pub(super) fn ticks(max: u64, max_ticks: u64) -> Vec<u64> {
    let max_ticks = max_ticks.max(1);
    if max == 0 {
        return vec![0, 1];
    }
    let mut magnitude = 1u64;
    let step = loop {
        if let Some(step) = [1, 2, 5].iter().map(|m| m * magnitude).find(|s| max.div_ceil(*s) <= max_ticks) {
            break step;
        }
        magnitude = magnitude.saturating_mul(10);
    };
    let top = max.div_ceil(step) * step;
    (0..=top / step).map(|i| i * step).collect()
}

#[cfg(test)]
mod tests {
    use super::ticks;

    #[test]
    fn ticks_are_round_and_cover_the_maximum() {
        assert_eq!(ticks(0, 4), vec![0, 1]);
        assert_eq!(ticks(1, 4), vec![0, 1]);
        assert_eq!(ticks(3, 4), vec![0, 1, 2, 3]);
        assert_eq!(ticks(7, 4), vec![0, 2, 4, 6, 8]);
        assert_eq!(ticks(10, 4), vec![0, 5, 10]);
        assert_eq!(ticks(37, 4), vec![0, 10, 20, 30, 40]);
        assert_eq!(ticks(1_234, 4), vec![0, 500, 1_000, 1_500]);
        assert_eq!(ticks(1_000_000, 5), vec![0, 200_000, 400_000, 600_000, 800_000, 1_000_000]);
    }
}
