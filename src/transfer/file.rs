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
) -> Result<u64, FileError> {
    let store = Store::open_existing(db)?;
    let threshold_s = store.settings()?.apply(*base).streak.threshold_s;
    let tmp = path.with_extension("csv.part");
    let file = std::fs::File::create(&tmp).map_err(|source| FileError::Create {
        path: tmp.clone(),
        source,
    })?;
    let mut out = std::io::BufWriter::new(file);
    let written = export(&store, what, first, last, threshold_s, &mut out).and_then(|rows| {
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
