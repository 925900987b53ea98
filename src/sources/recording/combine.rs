//! An iPhone's Sensor Logger recording has acceleration without gravity
//! (Accelerometer.csv) and gravity (Gravity.csv) side by side, from the
//! same motion updates. Their sum is the acceleration a sensor measures,
//! which is what Sitless classifies: `WithGravity` reads both and hands on
//! Accelerometer.csv with gravity added to each row, as CSV text, so the
//! rest of the import reads it like any other file (and its line numbers
//! are Accelerometer.csv's).

use std::io::Read;

use super::columns;

type Rows = csv::StringRecordsIntoIter<Box<dyn Read + Send>>;

/// A gravity row: time and the three axes, in the file's order.
#[derive(Clone, Copy)]
struct Gravity {
    t: f64,
    g: [f64; 3],
}

/// Where the time and the axes are in each file.
struct Layout {
    time: usize,
    axes: [usize; 3],
}

fn layout(header: &csv::StringRecord, which: &str) -> std::io::Result<Layout> {
    let names: Vec<&str> = header.iter().collect();
    let cols = columns::find(&names).map_err(|e| invalid(format!("{which}: {e}")))?;
    Ok(Layout {
        time: cols.time[0],
        axes: cols.axes,
    })
}

fn invalid(what: String) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, what)
}

fn csv_io(e: csv::Error) -> std::io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => invalid(format!("{other:?}")),
    }
}

fn number(rec: &csv::StringRecord, i: usize) -> Option<f64> {
    rec.get(i)?.parse::<f64>().ok().filter(|v| v.is_finite())
}

pub(crate) struct WithGravity {
    accel: Rows,
    gravity: Rows,
    started: bool,
    accel_layout: Option<Layout>,
    gravity_layout: Option<Layout>,
    /// The latest gravity row at or before the accelerometer's time, and
    /// the one after it.
    current: Option<Gravity>,
    next: Option<Gravity>,
    pending: Vec<u8>,
    at: usize,
}

fn rows(data: Box<dyn Read + Send>) -> Rows {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(data)
        .into_records()
}

impl WithGravity {
    pub(crate) fn new(accel: Box<dyn Read + Send>, gravity: Box<dyn Read + Send>) -> Self {
        Self {
            accel: rows(accel),
            gravity: rows(gravity),
            started: false,
            accel_layout: None,
            gravity_layout: None,
            current: None,
            next: None,
            pending: Vec::new(),
            at: 0,
        }
    }

    /// The next usable gravity row (rows that are not numbers are skipped).
    fn next_gravity(&mut self) -> std::io::Result<Option<Gravity>> {
        let Some(l) = &self.gravity_layout else {
            return Ok(None);
        };
        for rec in self.gravity.by_ref() {
            let rec = rec.map_err(csv_io)?;
            let (Some(t), Some(x), Some(y), Some(z)) = (
                number(&rec, l.time),
                number(&rec, l.axes[0]),
                number(&rec, l.axes[1]),
                number(&rec, l.axes[2]),
            ) else {
                continue;
            };
            return Ok(Some(Gravity { t, g: [x, y, z] }));
        }
        Ok(None)
    }

    /// Gravity at time `t`: the latest row at or before it (the first row
    /// for times before gravity starts).
    fn gravity_at(&mut self, t: f64) -> std::io::Result<Option<[f64; 3]>> {
        while let Some(n) = self.next {
            if n.t > t && self.current.is_some() {
                break;
            }
            self.current = Some(n);
            self.next = self.next_gravity()?;
            if n.t > t {
                break;
            }
        }
        Ok(self.current.map(|c| c.g))
    }

    fn start(&mut self) -> std::io::Result<()> {
        self.started = true;
        let Some(header) = self.accel.next().transpose().map_err(csv_io)? else {
            return Ok(());
        };
        self.accel_layout = Some(layout(&header, "Accelerometer.csv")?);
        let g_header = self
            .gravity
            .next()
            .transpose()
            .map_err(csv_io)?
            .ok_or_else(|| invalid("Gravity.csv is empty".into()))?;
        self.gravity_layout = Some(layout(&g_header, "Gravity.csv")?);
        self.next = self.next_gravity()?;
        if self.next.is_none() {
            return Err(invalid("Gravity.csv has no rows".into()));
        }
        push_line(&mut self.pending, header.iter());
        Ok(())
    }

    /// Fills `pending` with the next line(s); false at the end.
    fn fill(&mut self) -> std::io::Result<bool> {
        if !self.started {
            self.start()?;
        }
        let Some(rec) = self.accel.next().transpose().map_err(csv_io)? else {
            return Ok(!self.pending.is_empty());
        };
        if let Some(l) = &self.accel_layout {
            let (time, axes) = (l.time, l.axes);
            let values = axes.map(|i| number(&rec, i));
            if let (Some(t), [Some(x), Some(y), Some(z)]) = (number(&rec, time), values)
                && let Some(g) = self.gravity_at(t)?
            {
                let sums = [x + g[0], y + g[1], z + g[2]];
                let mut fields: Vec<String> = rec.iter().map(str::to_owned).collect();
                for (k, &i) in axes.iter().enumerate() {
                    fields[i] = sums[k].to_string();
                }
                push_line(&mut self.pending, fields.iter().map(String::as_str));
                return Ok(true);
            }
            // A row that is not numbers goes on as it is: the import's
            // check names its line.
        }
        push_line(&mut self.pending, rec.iter());
        Ok(true)
    }
}

/// One CSV line, fields quoted where they must be.
fn push_line<'a>(out: &mut Vec<u8>, fields: impl Iterator<Item = &'a str>) {
    for (i, f) in fields.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        if f.contains([',', '"', '\n', '\r']) {
            out.push(b'"');
            out.extend_from_slice(f.replace('"', "\"\"").as_bytes());
            out.push(b'"');
        } else {
            out.extend_from_slice(f.as_bytes());
        }
    }
    out.push(b'\n');
}

impl Read for WithGravity {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.at >= self.pending.len() {
            self.pending.clear();
            self.at = 0;
            if !self.fill()? {
                return Ok(0);
            }
        }
        let n = (self.pending.len() - self.at).min(buf.len());
        buf[..n].copy_from_slice(&self.pending[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn boxed(s: &'static str) -> Box<dyn Read + Send> {
        Box::new(s.as_bytes())
    }

    #[test]
    fn gravity_is_added_to_each_row_at_its_time() {
        let accel = "time,seconds_elapsed,z,y,x\n100,0,0.5,0,0\n200,0.1,0,0,1\n300,0.2,x,0,0\n";
        let gravity = "time,seconds_elapsed,z,y,x\n90,0,-9.8,0,0\n210,0.1,-9.7,0.1,0\n";
        let mut out = String::new();
        WithGravity::new(boxed(accel), boxed(gravity))
            .read_to_string(&mut out)
            .unwrap();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], "time,seconds_elapsed,z,y,x");
        assert_eq!(lines[1], "100,0,-9.3,0,0", "gravity at 90 added");
        assert_eq!(lines[2], "200,0.1,-9.8,0,1", "still gravity at 90");
        assert_eq!(lines[3], "300,0.2,x,0,0", "a bad row goes on as it is");
        assert_eq!(lines.len(), 4);
    }

    #[test]
    fn an_empty_gravity_file_is_an_error() {
        let accel = "time,z,y,x\n100,0,0,0\n";
        let mut out = String::new();
        let e = WithGravity::new(boxed(accel), boxed("time,z,y,x\n"))
            .read_to_string(&mut out)
            .unwrap_err();
        assert!(e.to_string().contains("Gravity.csv has no rows"), "{e}");
    }
}
