//! The user's settings, one row per key.

use rusqlite::OptionalExtension;

use super::{Store, StoreError};
use crate::domain::settings::Settings;

impl Store {
    /// The stored reminder settings, defaults if none; a value that does
    /// not parse is reported and replaced by defaults, never trusted.
    pub fn settings(&self) -> Result<Settings, StoreError> {
        let json: Option<String> = self
            .conn
            .query_row(
                "SELECT value FROM settings WHERE key = 'reminders'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        Ok(match json {
            None => Settings::default(),
            Some(j) => serde_json::from_str::<Settings>(&j).map_or_else(
                |e| {
                    tracing::warn!("stored settings unreadable ({e}); using defaults");
                    Settings::default()
                },
                Settings::sanitized,
            ),
        })
    }

    pub fn save_settings(&mut self, s: &Settings) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        Self::save_settings_tx(&tx, s)?;
        tx.commit()?;
        Ok(())
    }

    pub(crate) fn save_settings_tx(
        tx: &rusqlite::Transaction<'_>,
        s: &Settings,
    ) -> Result<(), StoreError> {
        let json = serde_json::to_string(s)?;
        tx.execute(
            "INSERT INTO settings (key, value) VALUES ('reminders', ?1)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [json],
        )?;
        Ok(())
    }
}
