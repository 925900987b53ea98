//! Raw recordings as CSV: header `t_ms,ax,ay,az` (Unix epoch milliseconds,
//! acceleration in g). The whole file is validated before anything is used,
//! so a bad line imports nothing.

use std::io::BufRead;

use crate::domain::sample::RawSample;
use crate::domain::vector::Vec3;

/// Largest acceleration magnitude accepted, in g (the common ±16 g range).
pub const MAX_ACCEL_G: f32 = 16.0;
/// Longest line accepted, so a file without newlines cannot exhaust memory.
const MAX_LINE_BYTES: usize = 1024;

#[derive(Debug, thiserror::Error)]
pub enum CsvError {
    #[error("could not read the file: {0}")]
    Io(#[from] std::io::Error),
    #[error("the file is empty; expected a header line `t_ms,ax,ay,az`")]
    Empty,
    #[error("line 1: expected the header `t_ms,ax,ay,az`, found `{0}`")]
    Header(String),
    #[error("line {line}: {reason}")]
    Line { line: u64, reason: String },
    #[error("the file has a header but no samples")]
    NoSamples,
}

fn bad(line: u64, reason: impl Into<String>) -> CsvError {
    CsvError::Line {
        line,
        reason: reason.into(),
    }
}

/// Reads and validates a whole recording.
pub fn read_samples(mut reader: impl BufRead) -> Result<Vec<RawSample>, CsvError> {
    let mut samples = Vec::new();
    let mut line_no = 0_u64;
    let mut buf = Vec::new();
    let mut last_t_ms = i64::MIN;
    loop {
        buf.clear();
        // Read at most one byte past the limit so a huge line is caught
        // without being held in memory.
        let n = std::io::Read::take(&mut reader, MAX_LINE_BYTES as u64 + 1)
            .read_until(b'\n', &mut buf)?;
        if n == 0 {
            break;
        }
        line_no += 1;
        if buf.len() > MAX_LINE_BYTES && buf.last() != Some(&b'\n') {
            return Err(bad(
                line_no,
                format!("line longer than {MAX_LINE_BYTES} bytes"),
            ));
        }
        let text = std::str::from_utf8(&buf)
            .map_err(|_| bad(line_no, "not valid UTF-8 text"))?
            .trim_end_matches(['\n', '\r']);
        if line_no == 1 {
            let header = text.trim_start_matches('\u{feff}').replace(' ', "");
            if header != "t_ms,ax,ay,az" {
                return Err(CsvError::Header(text.chars().take(60).collect()));
            }
            continue;
        }
        if text.trim().is_empty() {
            continue;
        }
        let s = parse_line(text).map_err(|reason| bad(line_no, reason))?;
        if s.t_ms < last_t_ms {
            return Err(bad(
                line_no,
                format!("time goes backwards ({} after {last_t_ms})", s.t_ms),
            ));
        }
        last_t_ms = s.t_ms;
        samples.push(s);
    }
    match line_no {
        0 => Err(CsvError::Empty),
        _ if samples.is_empty() => Err(CsvError::NoSamples),
        _ => Ok(samples),
    }
}

fn parse_line(text: &str) -> Result<RawSample, String> {
    let fields: Vec<&str> = text.split(',').map(str::trim).collect();
    if fields.len() != 4 {
        return Err(format!("expected 4 fields, found {}", fields.len()));
    }
    let t_ms: i64 = fields[0]
        .parse()
        .map_err(|_| format!("`{}` is not a time in milliseconds", fields[0]))?;
    let mut a = [0.0_f32; 3];
    for (i, name) in ["ax", "ay", "az"].iter().enumerate() {
        let v: f32 = fields[i + 1]
            .parse()
            .map_err(|_| format!("{name} `{}` is not a number", fields[i + 1]))?;
        if !v.is_finite() || v.abs() > MAX_ACCEL_G {
            return Err(format!("{name} {v} is outside ±{MAX_ACCEL_G} g"));
        }
        a[i] = v;
    }
    Ok(RawSample {
        t_ms,
        accel_g: Vec3::new(a[0], a[1], a[2]),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(s: &str) -> Result<Vec<RawSample>, CsvError> {
        read_samples(s.as_bytes())
    }

    #[test]
    fn reads_a_valid_file() {
        let v = read("t_ms,ax,ay,az\n1000,0,0,1\n1040,0.1,-0.2,0.98\r\n\n").unwrap();
        assert_eq!(v.len(), 2);
        assert_eq!(v[1].t_ms, 1040);
        assert!((v[1].accel_g.y + 0.2).abs() < 1e-6);
    }

    #[test]
    fn errors_name_the_line() {
        let e = read("t_ms,ax,ay,az\n1000,0,0,1\n1040,0,x,1\n").unwrap_err();
        assert_eq!(e.to_string(), "line 3: ay `x` is not a number");
        let e = read("t_ms,ax,ay,az\n1000,0,0,1\n999,0,0,1\n").unwrap_err();
        assert!(e.to_string().starts_with("line 3: time goes backwards"));
        let e = read("t_ms,ax,ay,az\n1000,0,0,NaN\n").unwrap_err();
        assert!(e.to_string().starts_with("line 2: az NaN is outside"));
        let e = read("t_ms,ax,ay,az\n1000,0,0\n").unwrap_err();
        assert_eq!(e.to_string(), "line 2: expected 4 fields, found 3");
    }

    #[test]
    fn empty_headerless_and_huge_lines_are_refused() {
        assert!(matches!(read(""), Err(CsvError::Empty)));
        assert!(matches!(read("a,b\n1,2\n"), Err(CsvError::Header(_))));
        assert!(matches!(read("t_ms,ax,ay,az\n"), Err(CsvError::NoSamples)));
        let huge = format!("t_ms,ax,ay,az\n{}\n", "1".repeat(10_000));
        let e = read(&huge).unwrap_err();
        assert!(e.to_string().starts_with("line 2: line longer than"));
    }
}
