//! The user's settings, one row per key; and the mark of an import under
//! way, which outlives a killed import so the next run can say so.

use rusqlite::OptionalExtension;

use super::{Store, StoreError};
use crate::domain::settings::Settings;

/// An import that started and has not said it finished: the file and
/// when (wall clock). Written in the same commit as the import's first
/// seconds and cleared in the same commit as its last ones.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct UnfinishedImport {
    pub file: String,
    pub started_s: i64,
}

impl UnfinishedImport {
    pub fn new(file: &std::path::Path, started_s: i64) -> Self {
        Self {
            file: file.to_string_lossy().into_owned(),
            started_s,
        }
    }

    /// What the user is told, by the window, `import` and `report`.
    pub fn words(&self) -> String {
        format!(
            "The import of {} started {} did not finish (Sitless was stopped during it), so only part of it is in. Import the file again to complete it: nothing is counted twice.",
            self.file,
            crate::domain::days::local_datetime(self.started_s).format("%a %-d %b %Y %H:%M"),
        )
    }
}

const IMPORT_KEY: &str = "import_unfinished";
/// The paired phone's secret (the last part of its push URL).
const PHONE_SECRET_KEY: &str = "phone_secret";
/// The paired phone's phyphox address, when Sitless asks it.
const PHONE_PHYPHOX_KEY: &str = "phone_phyphox";

/// How the paired phone's data reaches Sitless.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PhoneReach {
    /// The phone pushes to the URL with this secret (Sensor Logger).
    Secret(String),
    /// Sitless asks phyphox's remote access at this address.
    Phyphox(String),
}

impl Store {
    /// The paired phone's secret, if a phone is paired to push.
    pub(crate) fn phone_secret(&self) -> Result<Option<String>, StoreError> {
        self.setting_text(PHONE_SECRET_KEY)
    }

    /// How the paired phone is reached, if one is paired.
    pub(crate) fn phone_reach(&self) -> Result<Option<PhoneReach>, StoreError> {
        Ok(match self.phone_secret()? {
            Some(s) => Some(PhoneReach::Secret(s)),
            None => self
                .setting_text(PHONE_PHYPHOX_KEY)?
                .map(PhoneReach::Phyphox),
        })
    }

    fn setting_text(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    /// Pairs the phone (forgetting any other thigh sensor, as any pairing
    /// does) with a new secret: the old one stops working.
    pub(crate) fn pair_phone(
        &mut self,
        name: &str,
        secret: &str,
        now_s: i64,
    ) -> Result<i64, StoreError> {
        self.pair_phone_reach(name, &PhoneReach::Secret(secret.to_owned()), now_s)
    }

    /// Pairs the phone, reached as `reach` (a new secret, or a phyphox
    /// address); what reached it before is forgotten.
    pub(crate) fn pair_phone_reach(
        &mut self,
        name: &str,
        reach: &PhoneReach,
        now_s: i64,
    ) -> Result<i64, StoreError> {
        use crate::domain::sample::{PHONE_ADDRESS, PHONE_MODEL, Placement};
        let id = self.pair_device(PHONE_ADDRESS, PHONE_MODEL, name, Placement::Thigh, now_s)?;
        let (key, value) = match reach {
            PhoneReach::Secret(s) => (PHONE_SECRET_KEY, s),
            PhoneReach::Phyphox(a) => (PHONE_PHYPHOX_KEY, a),
        };
        let tx = self.conn.transaction()?;
        tx.execute(
            "DELETE FROM settings WHERE key IN (?1, ?2)",
            [PHONE_SECRET_KEY, PHONE_PHYPHOX_KEY],
        )?;
        tx.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2)",
            [key, value.as_str()],
        )?;
        tx.commit()?;
        Ok(id)
    }

    /// The import that was under way when its process ended, if any.
    pub(crate) fn unfinished_import(&self) -> Result<Option<UnfinishedImport>, StoreError> {
        let json: Option<String> = self
            .conn
            .query_row(
                "SELECT value FROM settings WHERE key = ?1",
                [IMPORT_KEY],
                |r| r.get(0),
            )
            .optional()?;
        Ok(json.and_then(|j| serde_json::from_str(&j).ok()))
    }

    pub(crate) fn mark_import_tx(
        tx: &rusqlite::Transaction<'_>,
        mark: Option<&UnfinishedImport>,
    ) -> Result<(), StoreError> {
        match mark {
            Some(m) => {
                tx.execute(
                    "INSERT INTO settings (key, value) VALUES (?1, ?2)
                     ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    [IMPORT_KEY, &serde_json::to_string(m)?],
                )?;
            }
            None => {
                tx.execute("DELETE FROM settings WHERE key = ?1", [IMPORT_KEY])?;
            }
        }
        Ok(())
    }

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

    /// The streak threshold in force: the stored settings', or the base
    /// rules' when they cannot be read.
    pub fn threshold_s(&self, base: &crate::domain::config::Config) -> i64 {
        self.settings()
            .map_or(base.streak.threshold_s, |s| s.threshold_s())
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
