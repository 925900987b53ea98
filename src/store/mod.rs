//! Storage: the only module that speaks SQL. One `SQLite` file (WAL), written
//! by one writer thread (`writer`), read through separate connections.

pub mod device_write;
pub mod devices;
pub mod features;
pub mod history;
pub mod lock;
pub mod minutes;
pub mod rollup;
pub mod samples;
pub mod schema;
pub mod sessions;
pub mod settings;
pub mod writer;

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the database {path}: {source}")]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error(
        "{path} is a folder; --db names the database file in it (for example {path}/sitless.db)"
    )]
    Folder { path: PathBuf },
    #[error("cannot create the database file {path}: {source}")]
    Create {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the database {path} could not be upgraded: {source}")]
    Migrate {
        path: PathBuf,
        source: rusqlite_migration::Error,
    },
    #[error(
        "{path} was written by a newer Sitless (data version {found}; this one knows up to {known}); it was left untouched: update Sitless to open it"
    )]
    Newer {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error("database error: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("the database holds a value it should not: {0}")]
    Corrupt(String),
    #[error("{path} is not a Sitless database (it is not an SQLite file); it was left untouched")]
    NotSqlite { path: PathBuf },
    #[error("the database {path} is damaged ({detail}); it was left untouched")]
    Damaged { path: PathBuf, detail: String },
    #[error(
        "another Sitless is already recording into {path}; close it first, or choose another database"
    )]
    InUse { path: PathBuf },
    #[error(
        "no database at {path}{}: commands that only read never create one; record with the window, `record`, `simulate`, `import` or `gen-history` first (they create the file and its folder)",
        missing_folder(path)
    )]
    Missing { path: PathBuf },
    #[error("the settings could not be encoded: {0}")]
    Encode(#[from] serde_json::Error),
}

/// Why writing failed, as the UI explains it (`ui::widgets::storage`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteFault {
    ReadOnly,
    Full,
    Damaged,
    Busy,
    Other,
}

impl WriteFault {
    pub fn of(e: &StoreError) -> Self {
        use rusqlite::ErrorCode as C;
        let code = match e {
            StoreError::Sql(e) | StoreError::Open { source: e, .. } => e.sqlite_error_code(),
            StoreError::Migrate { .. }
            | StoreError::Newer { .. }
            | StoreError::Create { .. }
            | StoreError::Missing { .. }
            | StoreError::Folder { .. }
            | StoreError::Encode(_) => None,
            StoreError::Damaged { .. } | StoreError::NotSqlite { .. } => return Self::Damaged,
            StoreError::InUse { .. } => return Self::Busy,
            StoreError::Corrupt(_) => return Self::Other,
        };
        match code {
            Some(C::ReadOnly | C::PermissionDenied | C::CannotOpen) => Self::ReadOnly,
            Some(C::DiskFull) => Self::Full,
            Some(C::DatabaseCorrupt | C::NotADatabase) => Self::Damaged,
            Some(C::DatabaseBusy | C::DatabaseLocked) => Self::Busy,
            _ => Self::Other,
        }
    }
}

/// Refuses a file that is there but is not `SQLite`, before `SQLite` is
/// given a chance to treat it as one.
fn check_header(path: &Path) -> Result<(), StoreError> {
    use std::io::Read;
    let Ok(mut f) = std::fs::File::open(path) else {
        // Not readable: the open below reports it in SQLite's words.
        return Ok(());
    };
    let mut header = [0_u8; 16];
    let mut n = 0;
    while n < header.len() {
        match f.read(&mut header[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(_) => return Ok(()),
        }
    }
    // An empty file is a database not yet written (we create it so).
    if n == 0 || header == *b"SQLite format 3\0" {
        Ok(())
    } else {
        Err(StoreError::NotSqlite {
            path: path.to_owned(),
        })
    }
}

/// ", and its folder … does not exist" when that is why.
fn missing_folder(path: &Path) -> String {
    match path.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(dir) if !dir.is_dir() => format!(" (the folder {} does not exist)", dir.display()),
        _ => String::new(),
    }
}

pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl Store {
    /// Opens a database that must already exist: the reading commands
    /// (`report`, `devices`, `scan`, `export`, `chart`) never create one.
    pub fn open_existing(path: &Path) -> Result<Self, StoreError> {
        if path.is_dir() {
            return Err(StoreError::Folder {
                path: path.to_owned(),
            });
        }
        if !path.is_file() {
            return Err(StoreError::Missing {
                path: path.to_owned(),
            });
        }
        Self::open(path)
    }

    /// Opens (creating if needed) and migrates the database at `path`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        if path.is_dir() {
            return Err(StoreError::Folder {
                path: path.to_owned(),
            });
        }
        create_private(path)?;
        check_header(path)?;
        match Self::open_with(path, false) {
            // In a read-only folder a WAL database cannot even be read (its
            // shared-memory file cannot be created). Opened as immutable,
            // the main file is read without it, so the data is shown; the
            // writer reports the refusal and keeps the new rows.
            Err(StoreError::Open { source, .. })
                if source.sqlite_error_code() == Some(rusqlite::ErrorCode::ReadOnly) =>
            {
                tracing::warn!("{}: opened read-only ({source})", path.display());
                Self::open_with(path, true)
            }
            other => other,
        }
    }

    fn open_with(path: &Path, immutable: bool) -> Result<Self, StoreError> {
        let open_err = |source: rusqlite::Error| match source.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase) => {
                StoreError::Damaged {
                    path: path.to_owned(),
                    detail: source.to_string(),
                }
            }
            _ => StoreError::Open {
                path: path.to_owned(),
                source,
            },
        };
        let mut conn = if immutable {
            Connection::open_with_flags(
                immutable_uri(path),
                OpenFlags::SQLITE_OPEN_READ_ONLY
                    | OpenFlags::SQLITE_OPEN_URI
                    | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
        } else {
            Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
        }
        .map_err(open_err)?;
        // Checked before anything is written: the migration library's own error for
        // this says "migration number that is too high", three times over.
        let found: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(open_err)?;
        if found > schema::LATEST {
            return Err(StoreError::Newer {
                path: path.to_owned(),
                found,
                known: schema::LATEST,
            });
        }
        if !immutable {
            // WAL lets the UI's reader run while the writer commits; NORMAL
            // sync in WAL mode is still crash-safe for the database file.
            conn.pragma_update(None, "journal_mode", "WAL")
                .map_err(open_err)?;
            conn.pragma_update(None, "synchronous", "NORMAL")
                .map_err(open_err)?;
        }
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(open_err)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(open_err)?;
        schema::migrations()
            .to_latest(&mut conn)
            .map_err(|source| match source {
                rusqlite_migration::Error::RusqliteError { err, .. } => open_err(err),
                source => StoreError::Migrate {
                    path: path.to_owned(),
                    source,
                },
            })?;
        Ok(Self {
            conn,
            path: path.to_owned(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Simulates a full disk: the file may not grow past `pages` pages
    /// (`SQLite` never shrinks the limit below the current size).
    pub(crate) fn set_max_pages(&self, pages: u64) -> Result<(), StoreError> {
        self.conn.pragma_update(
            None,
            "max_page_count",
            i64::try_from(pages).unwrap_or(i64::MAX),
        )?;
        Ok(())
    }

    pub fn page_count(&self) -> Result<u64, StoreError> {
        let n: i64 = self.conn.query_row("PRAGMA page_count", [], |r| r.get(0))?;
        Ok(n.max(0) as u64)
    }

    /// The database file's size in bytes (pages in use × page size).
    pub fn size_bytes(&self) -> Result<u64, StoreError> {
        let size: i64 = self.conn.query_row(
            "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()",
            [],
            |r| r.get(0),
        )?;
        Ok(size.max(0) as u64)
    }

    pub(crate) fn conn_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }
}

/// `file:` URI of `path` opened immutable (no locks, no WAL files).
fn immutable_uri(path: &Path) -> String {
    let mut uri = String::from("file:");
    for c in path.to_string_lossy().chars() {
        match c {
            '%' => uri.push_str("%25"),
            '?' => uri.push_str("%3f"),
            '#' => uri.push_str("%23"),
            c => uri.push(c),
        }
    }
    uri.push_str("?immutable=1");
    uri
}

/// Creates the file with owner-only permissions if it does not exist yet,
/// so posture data is never readable by other users of the machine.
fn create_private(path: &Path) -> Result<(), StoreError> {
    let err = |source| StoreError::Create {
        path: path.to_owned(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        // Folders it creates are private too (0700); existing ones are the
        // user's and stay as they are.
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(dir).map_err(err)?;
    }
    if path.exists() {
        return Ok(());
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    match opts.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(err(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::posture::{Posture, PostureSecond};
    use crate::domain::sample::Placement;
    use crate::store::lock::DbLock;

    fn sec(t_s: i64, state: Posture, tilt: Option<f32>, device_id: i64) -> PostureSecond {
        PostureSecond {
            t_s,
            state,
            tilt_deg: tilt,
            device_id,
        }
    }

    #[test]
    fn data_survives_reopening_and_duplicates_are_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("s.db");
        {
            let mut st = Store::open(&path).unwrap();
            let d = st
                .ensure_device("demo:thigh", "demo", "Demo", Placement::Thigh, 0)
                .unwrap();
            assert_eq!(
                st.ensure_device("demo:thigh", "demo", "Demo", Placement::Thigh, 5)
                    .unwrap(),
                d
            );
            let n = st
                .insert_seconds(&[
                    sec(10, Posture::Sitting, Some(12.34), d),
                    sec(11, Posture::Standing, None, d),
                ])
                .unwrap();
            assert_eq!(n, 2);
            let n = st
                .insert_seconds(&[sec(10, Posture::Lying, None, d)])
                .unwrap();
            assert_eq!(n, 0, "first write wins");
        }
        let st = Store::open(&path).unwrap();
        let rows = st.seconds_between(0, 100).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].state, Posture::Sitting);
        assert_eq!(rows[0].tilt_deg, Some(12.3));
        assert_eq!(st.last_second().unwrap(), Some(11));
    }

    #[cfg(unix)]
    #[test]
    fn the_file_and_the_folders_it_creates_are_private_to_its_owner() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data").join("sitless").join("p.db");
        Store::open(&path).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode();
        assert_eq!(mode(&path) & 0o077, 0, "file mode {:o}", mode(&path));
        for folder in [dir.path().join("data"), dir.path().join("data/sitless")] {
            assert_eq!(
                mode(&folder) & 0o077,
                0,
                "{} {:o}",
                folder.display(),
                mode(&folder)
            );
        }
    }

    #[test]
    fn a_file_that_is_not_sqlite_is_refused_and_left_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notes.db");
        let text = b"my shopping list: apples, pears\n".repeat(200);
        std::fs::write(&path, &text).unwrap();
        let e = Store::open(&path).err().expect("refused");
        assert!(matches!(e, StoreError::NotSqlite { .. }), "{e}");
        assert!(e.to_string().contains("is not a Sitless database"), "{e}");
        assert_eq!(std::fs::read(&path).unwrap(), text);
    }

    #[test]
    fn a_damaged_database_is_reported_and_left_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        {
            let mut st = Store::open(&path).unwrap();
            let d = st
                .ensure_device("demo:thigh", "demo", "Demo", Placement::Thigh, 0)
                .unwrap();
            let rows: Vec<_> = (0..5000)
                .map(|t| sec(t, Posture::Sitting, Some(10.0), d))
                .collect();
            st.insert_seconds(&rows).unwrap();
            st.conn
                .execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
                .unwrap();
        }
        // Keep the header, scramble the schema page.
        let mut bytes = std::fs::read(&path).unwrap();
        for b in &mut bytes[100..4096] {
            *b = 0x5A;
        }
        std::fs::write(&path, &bytes).unwrap();
        let e = Store::open(&path).err().expect("refused");
        assert!(matches!(e, StoreError::Damaged { .. }), "{e}");
        assert!(e.to_string().contains("is damaged"), "{e}");
        assert_eq!(std::fs::read(&path).unwrap(), bytes, "never overwritten");
    }

    #[test]
    fn a_second_recorder_on_one_database_is_refused_until_the_first_ends() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let first = DbLock::acquire(&path).unwrap();
        let e = DbLock::acquire(&path).expect_err("in use");
        assert!(matches!(e, StoreError::InUse { .. }), "{e}");
        // Readers are not locked out.
        assert!(Store::open(&path).is_ok());
        drop(first);
        assert!(DbLock::acquire(&path).is_ok());
    }

    #[test]
    fn a_database_from_a_newer_version_is_refused_once_in_plain_words() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new.db");
        Store::open(&path).unwrap();
        rusqlite::Connection::open(&path)
            .unwrap()
            .pragma_update(None, "user_version", schema::LATEST + 3)
            .unwrap();
        let before = std::fs::read(&path).unwrap();
        let e = Store::open(&path).err().expect("refused");
        assert!(matches!(e, StoreError::Newer { .. }), "{e}");
        let words = e.to_string();
        assert!(words.contains("newer Sitless"), "{words}");
        assert_eq!(words.matches("data version").count(), 1, "{words}");
        assert_eq!(std::fs::read(&path).unwrap(), before, "left untouched");
    }

    #[test]
    fn an_unknown_device_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut st = Store::open(&dir.path().join("f.db")).unwrap();
        assert!(
            st.insert_seconds(&[sec(1, Posture::Sitting, None, 42)])
                .is_err()
        );
    }
}
