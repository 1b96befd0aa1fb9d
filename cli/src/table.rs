//! Plain-text tables and number formatting.

use std::fmt::Write as _;
use std::time::Duration;

/// A table printed with aligned columns: text left-aligned, numbers right-aligned.
#[derive(Debug, Default)]
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    text_columns: Vec<usize>,
}

impl Table {
    /// A table with these column titles.
    pub fn new(header: &[&str]) -> Self {
        Table {
            header: header.iter().map(|s| s.to_string()).collect(),
            rows: Vec::new(),
            text_columns: Vec::new(),
        }
    }

    /// Left-align column `i` even if its cells look like numbers (hex ids, names).
    pub fn text_column(mut self, i: usize) -> Self {
        self.text_columns.push(i);
        self
    }

    /// Add a row (missing cells print empty).
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// The table as text, one line per row, ending in a newline.
    pub fn render(&self) -> String {
        let cols = self.header.len();
        let mut width: Vec<usize> = self.header.iter().map(|h| h.chars().count()).collect();
        let mut numeric: Vec<bool> = (0..cols).map(|i| !self.text_columns.contains(&i)).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate().take(cols) {
                width[i] = width[i].max(cell.chars().count());
                if !cell.is_empty() && !looks_numeric(cell) {
                    numeric[i] = false;
                }
            }
        }
        let mut out = String::new();
        let line = |out: &mut String, cells: &[String]| {
            let mut text = String::new();
            for i in 0..cols {
                let cell = cells.get(i).map_or("", String::as_str);
                let pad = width[i].saturating_sub(cell.chars().count());
                if i > 0 {
                    text.push_str("  ");
                }
                if numeric[i] {
                    text.push_str(&" ".repeat(pad));
                    text.push_str(cell);
                } else {
                    text.push_str(cell);
                    text.push_str(&" ".repeat(pad));
                }
            }
            let _ = writeln!(out, "{}", text.trim_end());
        };
        line(&mut out, &self.header);
        let rule: Vec<String> = width.iter().map(|w| "-".repeat(*w)).collect();
        let _ = writeln!(out, "{}", rule.join("  "));
        for row in &self.rows {
            line(&mut out, row);
        }
        out
    }

    /// Print the table on stdout.
    pub fn print(&self) {
        print!("{}", self.render());
    }
}

/// Whether a cell reads as a number (digits with separators, units after a space or `%`).
fn looks_numeric(cell: &str) -> bool {
    let head = cell.split(' ').next().unwrap_or("");
    let head = head.trim_end_matches(['%', 'x', 's']);
    !head.is_empty()
        && head.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '+')
        && head
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ',' | '.' | '-' | '+' | 'e' | 'm' | 'µ'))
}

/// `1234567` as `1,234,567`.
pub fn count(n: impl Into<u128>) -> String {
    let digits = n.into().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `usize` as `1,234,567`.
pub fn count_usize(n: usize) -> String {
    count(n as u64)
}

/// Bytes in binary units: `512 B`, `1.5 KiB`, `23.1 MiB`, `4.00 GiB`.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut v = n as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    let precision = if v < 10.0 { 2 } else { 1 };
    format!("{v:.precision$} {}", UNITS[unit])
}

/// A rate with three significant figures and a thousands separator: `12,300`, `45.6`, `0.123`.
pub fn rate(x: f64) -> String {
    if !x.is_finite() {
        return "-".into();
    }
    if x >= 1000.0 {
        let magnitude = 10f64.powi(x.log10().floor() as i32 - 2);
        count((x / magnitude).round() as u64 * magnitude as u64)
    } else if x >= 100.0 {
        format!("{x:.0}")
    } else if x >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    }
}

/// A duration for people: `850 µs`, `12.3 ms`, `4.56 s`, `2 min 05 s`.
pub fn duration(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 1e-3 {
        format!("{:.0} µs", s * 1e6)
    } else if s < 1.0 {
        let ms = s * 1e3;
        if ms < 10.0 {
            format!("{ms:.2} ms")
        } else {
            format!("{ms:.1} ms")
        }
    } else if s < 60.0 {
        format!("{s:.2} s")
    } else {
        let whole = s.round() as u64;
        format!("{} min {:02} s", whole / 60, whole % 60)
    }
}

/// Milliseconds with two decimals: `1.23 ms`.
pub fn millis(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

/// A segment id as its file names spell it.
pub fn segment_id(id: u64) -> String {
    format!("{id:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_have_separators() {
        assert_eq!(count(0u64), "0");
        assert_eq!(count(999u64), "999");
        assert_eq!(count(1000u64), "1,000");
        assert_eq!(count(1_234_567u64), "1,234,567");
    }

    #[test]
    fn bytes_are_binary_units() {
        assert_eq!(bytes(0), "0 B");
        assert_eq!(bytes(1023), "1023 B");
        assert_eq!(bytes(1536), "1.50 KiB");
        assert_eq!(bytes(20 << 20), "20.0 MiB");
    }

    #[test]
    fn rates_keep_three_figures() {
        assert_eq!(rate(123_456.0), "123,000");
        assert_eq!(rate(4567.0), "4,570");
        assert_eq!(rate(45.67), "45.7");
    }

    #[test]
    fn tables_align_numbers_right() {
        let mut t = Table::new(&["name", "rows"]);
        t.row(vec!["a".into(), "1,000".into()]);
        t.row(vec!["bbbbbb".into(), "5".into()]);
        assert_eq!(
            t.render(),
            "name     rows\n------  -----\na       1,000\nbbbbbb      5\n"
        );
    }
}
