//! Writing an export to a file, safely: a temporary file beside it,
//! renamed when complete, so a half-written export never has the name.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use super::export::{ExportError, ExportKind, export};
use crate::domain::config::Config;
use crate::store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Export(#[from] ExportError),
    #[error("the folder {0} does not exist; create it first or choose another")]
    NoFolder(PathBuf),
    #[error("cannot create {path}: {source}")]
    Create {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Rename {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Writes `path` via a temporary file beside it, renamed when complete.
/// The streak threshold of the day figures is the one in the settings.
pub fn export_file(
    db: &Path,
    what: ExportKind,
    first: NaiveDate,
    last: NaiveDate,
    base: &Config,
    path: &Path,
    progress: &mut dyn FnMut(f64),
) -> Result<u64, FileError> {
    let store = Store::open_existing(db)?;
    let threshold_s = store.settings()?.apply(*base).streak.threshold_s;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.is_dir()
    {
        return Err(FileError::NoFolder(dir.to_owned()));
    }
    let tmp = path.with_extension("csv.part");
    // Private like the database: an export holds the same days.
    let _ = std::fs::remove_file(&tmp);
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let file = opts.open(&tmp).map_err(|source| FileError::Create {
        path: path.to_owned(),
        source,
    })?;
    let mut out = std::io::BufWriter::new(file);
    let written =
        export(&store, what, first, last, threshold_s, &mut out, progress).and_then(|rows| {
            std::io::Write::flush(&mut out)?;
            Ok(rows)
        });
    drop(out);
    let rows = match written {
        Ok(rows) => rows,
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(e.into());
        }
    };
    std::fs::rename(&tmp, path).map_err(|source| FileError::Rename {
        path: path.to_owned(),
        source,
    })?;
    Ok(rows)
}
