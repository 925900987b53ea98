//! Writing an export or a chart to a file, safely: the target is checked
//! first (never the database in use or one of its files, never a folder,
//! device or link), then written to a private temporary file beside it
//! and renamed when complete, so a half-written file never has the name
//! and a failure leaves nothing behind.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use super::export::{ExportError, ExportKind, export};
use crate::domain::config::Config;
use crate::store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub(crate) enum FileError {
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
    #[error("cannot write: {0}")]
    Io(#[from] std::io::Error),
    #[error("{0} is the Sitless database (or one of its files); choose another file name")]
    Database(PathBuf),
    #[error("{0} is a folder, a device or a link, not a file; choose a file name")]
    NotAFile(PathBuf),
}

/// What writing a file did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Written<T> {
    pub value: T,
    /// A file of that name was there before and has been replaced.
    pub replaced: bool,
}

/// Checks that `path` may be written: not the database `db` (nor its
/// `-wal`, `-shm` or `-journal` file, by name or by identity), not
/// something other than a regular file, in a folder that exists. Says
/// whether a file is there to be replaced.
pub(crate) fn check_target(path: &Path, db: Option<&Path>) -> Result<bool, FileError> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if !dir.is_dir() {
        return Err(FileError::NoFolder(dir.to_owned()));
    }
    let meta = std::fs::symlink_metadata(path).ok();
    if meta.as_ref().is_some_and(|m| !m.file_type().is_file()) {
        return Err(FileError::NotAFile(path.to_owned()));
    }
    if let Some(db) = db
        && is_database_file(path, db)
    {
        return Err(FileError::Database(path.to_owned()));
    }
    Ok(meta.is_some())
}

/// Whether `path` names the database or one of its side files.
fn is_database_file(path: &Path, db: &Path) -> bool {
    let canon = |p: &Path| -> Option<PathBuf> {
        let dir = p
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        Some(std::fs::canonicalize(dir).ok()?.join(p.file_name()?))
    };
    let (Some(target), Some(base)) = (canon(path), canon(db)) else {
        return false;
    };
    let sides = ["", "-wal", "-shm", "-journal"].map(|s| {
        let mut name = base.clone().into_os_string();
        name.push(s);
        PathBuf::from(name)
    });
    if sides.contains(&target) {
        return true;
    }
    // The same file under another name (a hard link, a second path).
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let Ok(t) = std::fs::metadata(path) {
            return sides.iter().any(|p| {
                std::fs::metadata(p).is_ok_and(|m| m.dev() == t.dev() && m.ino() == t.ino())
            });
        }
    }
    false
}

/// Writes `path` through a private (0600) temporary file beside it, after
/// `check_target`; `write` fills it. On any failure the temporary file is
/// removed and nothing is left at `path` but what was there.
pub(crate) fn write_private<T, E>(
    path: &Path,
    db: Option<&Path>,
    write: impl FnOnce(&mut dyn std::io::Write) -> Result<T, E>,
) -> Result<Written<T>, FileError>
where
    FileError: From<E>,
{
    let replaced = check_target(path, db)?;
    let mut tmp_name = path.as_os_str().to_owned();
    tmp_name.push(".part");
    let tmp = PathBuf::from(tmp_name);
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
    let written = write(&mut out).map_err(FileError::from).and_then(|v| {
        std::io::Write::flush(&mut out).map_err(|source| FileError::Create {
            path: path.to_owned(),
            source,
        })?;
        Ok(v)
    });
    drop(out);
    let value = match written {
        Ok(v) => v,
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
    };
    if let Err(source) = std::fs::rename(&tmp, path) {
        let _ = std::fs::remove_file(&tmp);
        return Err(FileError::Rename {
            path: path.to_owned(),
            source,
        });
    }
    Ok(Written { value, replaced })
}

/// Exports to `path` (see `write_private`). The streak threshold of the
/// day figures is the one in the settings.
pub(crate) fn export_file(
    db: &Path,
    what: ExportKind,
    first: NaiveDate,
    last: NaiveDate,
    base: &Config,
    path: &Path,
    progress: &mut dyn FnMut(f64),
) -> Result<Written<u64>, FileError> {
    // Checked before the database is opened: a wrong target costs nothing.
    check_target(path, Some(db))?;
    let store = Store::open_existing(db)?;
    let threshold_s = store.threshold_s(base);
    write_private(path, Some(db), |out| {
        let mut out = out;
        export(&store, what, first, last, threshold_s, &mut out, progress)
    })
}
