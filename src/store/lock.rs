//! One recording process per database.

use std::path::Path;

use super::{StoreError, create_private};

/// Holds the database for one recording process. An advisory lock
/// (`flock`) on the database file itself, so it works in a read-only
/// folder too, and the kernel drops it when the process dies, even by
/// SIGKILL. `SQLite`'s own locks are POSIX record locks, which do not
/// interact with `flock` on Linux; the descriptor stays open until every
/// connection of this process is closed (closing a descriptor of the file
/// would otherwise drop `SQLite`'s POSIX locks).
#[derive(Debug)]
pub struct DbLock {
    _file: std::fs::File,
}

impl DbLock {
    /// Creates the file if needed and takes the lock, or says who has it.
    pub fn acquire(path: &Path) -> Result<Self, StoreError> {
        create_private(path)?;
        let file = std::fs::File::open(path).map_err(|source| StoreError::Create {
            path: path.to_owned(),
            source,
        })?;
        match file.try_lock() {
            Ok(()) => Ok(Self { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => Err(StoreError::InUse {
                path: path.to_owned(),
            }),
            Err(std::fs::TryLockError::Error(source)) => Err(StoreError::Create {
                path: path.to_owned(),
                source,
            }),
        }
    }
}
