//! Where a recording's rows come from, as the phone apps hand them over:
//! a CSV file, a folder or zip archive of a recording (phyphox's "Raw
//! Data.csv", Sensor Logger's files), or an iPhone's Accelerometer.csv and
//! Gravity.csv combined into acceleration with gravity.
//!
//! Whatever the input, memory stays bounded: only regular files are read,
//! every stream is read line by line, and a line longer than
//! `MAX_LINE_BYTES` stops the read (a recording's line is under 200 bytes;
//! `/dev/zero` or a file of one 300 MB line is not a recording).

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

/// The longest line read from a recording.
pub(crate) const MAX_LINE_BYTES: usize = 64 * 1024;

/// The files that hold acceleration with gravity, in the order they are
/// looked for in a folder or an archive: Sensor Logger (Android, then an
/// iPhone's uncalibrated accelerometer), phyphox.
const WITH_GRAVITY: [&str; 3] = [
    "TotalAcceleration.csv",
    "AccelerometerUncalibrated.csv",
    "Raw Data.csv",
];
/// An iPhone's Sensor Logger recording: acceleration without gravity, and
/// gravity beside it.
const IPHONE_PAIR: (&str, &str) = ("Accelerometer.csv", "Gravity.csv");

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{0} is not a regular file (a device, a pipe or a socket): give a recording's CSV file, folder or zip"
    )]
    NotAFile(PathBuf),
    #[error(
        "{0} holds no recording: expected TotalAcceleration.csv, AccelerometerUncalibrated.csv, \"Raw Data.csv\", or Accelerometer.csv with Gravity.csv"
    )]
    NoRecording(PathBuf),
    #[error(
        "{0} has Accelerometer.csv (acceleration without gravity) but no Gravity.csv beside it: record with Sensor Logger's Gravity sensor on too, or import TotalAcceleration.csv"
    )]
    NoGravity(PathBuf),
    #[error("{path} is not a zip archive Sitless can read: {why}")]
    Zip { path: PathBuf, why: String },
}

/// One stream of CSV text.
#[derive(Clone, Debug, PartialEq)]
enum Part {
    File(PathBuf),
    /// An entry of a zip archive, by its name in the archive.
    Zipped {
        archive: PathBuf,
        entry: String,
    },
}

/// A recording to read, found from what the user named.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordingSource {
    /// What the user named (a file, a folder, an archive).
    given: PathBuf,
    data: Part,
    /// Gravity to add to `data` (an iPhone's pair).
    gravity: Option<Part>,
    /// phyphox's `meta/time.csv`, beside the data.
    phyphox_meta: Option<Part>,
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> SourceError + '_ {
    move |source| SourceError::Io {
        path: path.to_owned(),
        source,
    }
}

fn is_zip(path: &Path) -> Result<bool, SourceError> {
    let mut magic = [0_u8; 4];
    let mut f = File::open(path).map_err(io_error(path))?;
    let mut got = 0;
    while got < 4 {
        match f.read(&mut magic[got..]).map_err(io_error(path))? {
            0 => break,
            n => got += n,
        }
    }
    Ok(got == 4 && magic == *b"PK\x03\x04")
}

/// The entry names of a zip archive.
fn zip_names(path: &Path) -> Result<Vec<String>, SourceError> {
    let f = File::open(path).map_err(io_error(path))?;
    let archive = zip::ZipArchive::new(BufReader::new(f)).map_err(|e| SourceError::Zip {
        path: path.to_owned(),
        why: e.to_string(),
    })?;
    Ok(archive
        .file_names()
        .filter_map(Result::ok)
        .map(std::borrow::Cow::into_owned)
        .collect())
}

/// The entry named `file` at the shallowest depth of an archive (an app
/// may zip its recording inside a folder).
fn find_entry(names: &[String], file: &str) -> Option<String> {
    names
        .iter()
        .filter(|n| {
            let base = n.rsplit('/').next().unwrap_or(n);
            base.eq_ignore_ascii_case(file)
        })
        .min_by_key(|n| n.matches('/').count())
        .cloned()
}

impl RecordingSource {
    /// The recording in `path`: a CSV file as it is; in a folder or a zip
    /// archive, the file with gravity in it, or an iPhone's pair.
    pub fn find(path: &Path) -> Result<Self, SourceError> {
        let meta = std::fs::metadata(path).map_err(io_error(path))?;
        let given = path.to_owned();
        if meta.is_dir() {
            let here = |name: &str| {
                let p = path.join(name);
                p.is_file().then_some(Part::File(p))
            };
            let meta_file = path.join("meta").join("time.csv");
            let phyphox_meta = meta_file.is_file().then_some(Part::File(meta_file));
            return Self::choose(&given, here, phyphox_meta);
        }
        if !meta.is_file() {
            return Err(SourceError::NotAFile(given));
        }
        if is_zip(path)? {
            let names = zip_names(path)?;
            let entry = |name: &str| {
                find_entry(&names, name).map(|entry| Part::Zipped {
                    archive: given.clone(),
                    entry,
                })
            };
            let phyphox_meta = names
                .iter()
                .find(|n| n.ends_with("meta/time.csv"))
                .map(|n| Part::Zipped {
                    archive: given.clone(),
                    entry: n.clone(),
                });
            return Self::choose(&given, entry, phyphox_meta);
        }
        // A CSV file: next to an iPhone's Gravity.csv, Accelerometer.csv
        // is combined with it.
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        let gravity = path.with_file_name(IPHONE_PAIR.1);
        let gravity = (name.as_deref() == Some(IPHONE_PAIR.0) && gravity.is_file())
            .then_some(Part::File(gravity));
        let meta_file = path
            .parent()
            .map(|d| d.join("meta").join("time.csv"))
            .filter(|p| p.is_file());
        Ok(Self {
            given: given.clone(),
            data: Part::File(given),
            gravity,
            phyphox_meta: meta_file.map(Part::File),
        })
    }

    fn choose(
        given: &Path,
        find: impl Fn(&str) -> Option<Part>,
        phyphox_meta: Option<Part>,
    ) -> Result<Self, SourceError> {
        let given = given.to_owned();
        if let Some(data) = WITH_GRAVITY.iter().find_map(|n| find(n)) {
            return Ok(Self {
                given,
                data,
                gravity: None,
                phyphox_meta,
            });
        }
        match (find(IPHONE_PAIR.0), find(IPHONE_PAIR.1)) {
            (Some(data), Some(gravity)) => Ok(Self {
                given,
                data,
                gravity: Some(gravity),
                phyphox_meta: None,
            }),
            (Some(_), None) => Err(SourceError::NoGravity(given)),
            _ => Err(SourceError::NoRecording(given)),
        }
    }

    /// What the user named.
    pub fn given(&self) -> &Path {
        &self.given
    }

    /// The file read, in words ("Raw Data.csv in x.zip").
    pub fn name(&self) -> String {
        let base = |p: &Path| {
            p.file_name().map_or_else(
                || p.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            )
        };
        let data = match &self.data {
            Part::File(p) => base(p),
            Part::Zipped { archive, entry } => format!("{entry} in {}", base(archive)),
        };
        match &self.gravity {
            Some(_) => format!("{data} with {}", IPHONE_PAIR.1),
            None => data,
        }
    }

    /// The size of what is read, for progress (the archive's or file's).
    pub fn len_bytes(&self) -> u64 {
        let path = match &self.data {
            Part::File(p) => p,
            Part::Zipped { archive, .. } => archive,
        };
        std::fs::metadata(path).map_or(0, |m| m.len())
    }

    /// The rows as CSV text, line-capped; an iPhone's pair as one stream
    /// of total acceleration.
    pub fn open(&self) -> Result<Box<dyn Read + Send>, SourceError> {
        let data = open_part(&self.data)?;
        Ok(match &self.gravity {
            None => data,
            Some(g) => Box::new(LineCapped::new(super::combine::WithGravity::new(
                data,
                open_part(g)?,
            ))),
        })
    }

    /// phyphox's starts (experiment time, system time), from its
    /// `meta/time.csv` in the same folder or archive.
    pub fn phyphox_starts(&self) -> Option<Vec<(f64, f64)>> {
        let meta = self.phyphox_meta.as_ref()?;
        let mut text = String::new();
        open_part(meta)
            .ok()?
            .take(1 << 20)
            .read_to_string(&mut text)
            .ok()?;
        super::phyphox_starts_in(&text)
    }
}

fn open_part(part: &Part) -> Result<Box<dyn Read + Send>, SourceError> {
    match part {
        Part::File(p) => {
            // Unbuffered here: the CSV reader reads in large blocks.
            let f = File::open(p).map_err(io_error(p))?;
            Ok(Box::new(LineCapped::new(f)))
        }
        Part::Zipped { archive, entry } => {
            let zip_error = |why: String| SourceError::Zip {
                path: archive.clone(),
                why,
            };
            let f = File::open(archive).map_err(io_error(archive))?;
            let mut z =
                zip::ZipArchive::new(BufReader::new(f)).map_err(|e| zip_error(e.to_string()))?;
            // The entry's bytes are read from a file handle of their own
            // (a `zip` entry borrows its archive): where they start, how
            // many, and how they are compressed.
            let index = z
                .index_for_name(entry)
                .ok_or_else(|| zip_error(format!("no entry {entry}")))?;
            let (start, size, method) = {
                let e = z
                    .by_index_raw(index)
                    .map_err(|e| zip_error(e.to_string()))?;
                if e.encrypted() {
                    return Err(zip_error(format!("{entry} is encrypted")));
                }
                let start = e
                    .data_start()
                    .ok_or_else(|| zip_error(format!("{entry} has no data")))?;
                (start, e.compressed_size(), e.compression())
            };
            let mut raw = File::open(archive).map_err(io_error(archive))?;
            std::io::Seek::seek(&mut raw, std::io::SeekFrom::Start(start))
                .map_err(io_error(archive))?;
            let raw = BufReader::new(raw.take(size));
            if method == zip::CompressionMethod::STORE {
                Ok(Box::new(LineCapped::new(raw)))
            } else if method == zip::CompressionMethod::DEFLATE {
                Ok(Box::new(LineCapped::new(BufReader::new(
                    flate2::read::DeflateDecoder::new(raw),
                ))))
            } else {
                Err(zip_error(format!(
                    "{entry} is compressed in a way Sitless does not read ({method:?}): zip it again with the usual (deflate) compression"
                )))
            }
        }
    }
}

/// Stops a read at a line longer than `MAX_LINE_BYTES`, with the line's
/// number, before anything downstream buffers it.
pub(crate) struct LineCapped<R> {
    inner: R,
    line: u64,
    line_bytes: usize,
}

impl<R> LineCapped<R> {
    pub(crate) fn new(inner: R) -> Self {
        Self {
            inner,
            line: 1,
            line_bytes: 0,
        }
    }
}

impl<R: Read> Read for LineCapped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut start = 0;
        // Line ends found with memchr: the check costs little per byte.
        for end in memchr::memchr_iter(b'\n', &buf[..n]) {
            self.check(end - start)?;
            self.line += 1;
            self.line_bytes = 0;
            start = end + 1;
        }
        self.check(n - start).map(|()| n)
    }
}

impl<R> LineCapped<R> {
    /// `more` bytes of the current line were read.
    fn check(&mut self, more: usize) -> std::io::Result<()> {
        self.line_bytes += more;
        if self.line_bytes > MAX_LINE_BYTES {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "line {} is longer than {} KiB: this is not a recording's CSV",
                    self.line,
                    MAX_LINE_BYTES / 1024
                ),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_line_stops_the_read_with_its_number() {
        let mut text = b"a,b\n1,2\n".to_vec();
        text.extend(std::iter::repeat_n(b'x', MAX_LINE_BYTES + 1));
        let mut out = Vec::new();
        let e = LineCapped::new(text.as_slice())
            .read_to_end(&mut out)
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 3 is longer than 64 KiB: this is not a recording's CSV"
        );
        let fine = b"a,b\n1,2\n3,4".to_vec();
        let mut out = Vec::new();
        LineCapped::new(fine.as_slice())
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, fine);
    }
}
