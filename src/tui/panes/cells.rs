//! Table cells cut to their column: text that does not fit ends with an ellipsis (…), so a cut
//! value never reads as a whole one (`end_of_…`, not `end_of_`); byte counts in human units.

/// `text` in at most `width` characters: whole when it fits, else its start and `…`.
pub fn cut(text: &str, width: u16) -> String {
    let width = usize::from(width);
    if text.chars().count() <= width {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
    if width > 0 {
        cut.push('…');
    }
    cut
}

/// A byte count in SI units: `950 B`, `96.7 kB`, `12.3 MB`, `1.2 GB`.
pub fn bytes(count: u64) -> String {
    const UNITS: [&str; 4] = ["kB", "MB", "GB", "TB"];
    if count < 1000 {
        return format!("{count} B");
    }
    let mut value = count as f64 / 1000.0;
    let mut unit = 0;
    while value >= 999.95 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS.get(unit).copied().unwrap_or("TB"))
}

#[cfg(test)]
mod tests {
    use super::{bytes, cut};

    #[test]
    fn byte_counts_read_in_si_units() {
        assert_eq!(bytes(445), "445 B");
        assert_eq!(bytes(96_735), "96.7 kB");
        assert_eq!(bytes(12_345_678), "12.3 MB");
        assert_eq!(bytes(999_999), "1.0 MB");
        assert_eq!(bytes(1_200_000_000), "1.2 GB");
    }

    #[test]
    fn text_that_does_not_fit_ends_with_an_ellipsis() {
        assert_eq!(cut("end_of_capture", 7), "end_of…");
        assert_eq!(cut("127.0.0.1:1935", 14), "127.0.0.1:1935");
        assert_eq!(cut("96735/445", 5), "9673…");
        assert_eq!(cut("abc", 0), "");
    }
}
