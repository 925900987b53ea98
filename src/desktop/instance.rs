//! One Sitless per database, as GNOME and KDE apps are one per session:
//! the first launch owns a well-known name on the session bus and serves
//! `org.freedesktop.Application` on it; a second launch (the applications
//! menu, a login item, a double click) finds the name taken and calls
//! `Activate` on the owner, which brings its window to the front, and
//! ends there — no second tray icon, no "already recording" error.
//! A second launch with `--background` asks for nothing: the first one
//! already runs.
//!
//! The default database is `org.sitless.Sitless` (the desktop entry's
//! id); any other (`--db`, the demo's) gets a name of its own, so a demo
//! and the person's own Sitless can run side by side as before.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use zbus::blocking::{Connection, Proxy};
use zbus::fdo::{RequestNameFlags, RequestNameReply};
use zbus::zvariant::{OwnedValue, Value};

use super::APP_ID;

const OBJECT_PATH: &str = "/org/sitless/Sitless";

/// What the launch found.
pub enum Claim {
    /// This is the first: keep the connection (it holds the name).
    First { _held: Connection },
    /// Another Sitless runs on this database; it was asked to show its
    /// window unless this launch was `--background`.
    Running,
    /// No session bus (a bare console): no single-instance guard; the
    /// database lock still refuses a second recorder.
    NoBus,
}

/// The bus name for `db`: the app id for the default database, else the
/// id with a suffix made from the database's path.
pub fn bus_name(db: &Path, default_db: Option<&Path>) -> String {
    let canonical = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let db = canonical(db);
    if default_db.is_some_and(|d| canonical(d) == db) {
        return APP_ID.to_owned();
    }
    // FNV-1a: stable across runs and versions (std's hasher is neither).
    let hash = db
        .as_os_str()
        .as_encoded_bytes()
        .iter()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
        });
    format!("{APP_ID}.Db{hash:016x}")
}

/// What the first Sitless is asked to show: its window, or its window
/// with a recording to import (`Open` with a file).
pub type Show = Arc<dyn Fn(Option<PathBuf>) + Send + Sync>;

/// What a launch asks of the Sitless already running.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ask {
    /// Nothing (`--background`).
    Nothing,
    /// Its window.
    Window,
    /// Its window, importing this file.
    Import(PathBuf),
}

/// Claims `name` on the session bus, or asks the Sitless that holds it
/// for its window (`Activate`) or to import a file (`Open`). The first
/// one's `Activate`, `Open` and `ActivateAction` call `show`.
pub fn claim(name: &str, ask: &Ask, show: Show) -> Claim {
    let Ok(conn) = Connection::session() else {
        return Claim::NoBus;
    };
    claim_on(&conn, name, ask, show).unwrap_or_else(|e| {
        tracing::warn!("cannot check for another Sitless on the session bus: {e}");
        Claim::NoBus
    })
}

fn claim_on(conn: &Connection, name: &str, ask: &Ask, show: Show) -> zbus::Result<Claim> {
    // Serve first, so an Activate that arrives the moment the name is
    // ours finds the object.
    conn.object_server().at(OBJECT_PATH, Application { show })?;
    let reply = conn.request_name_with_flags(
        zbus::names::WellKnownName::try_from(name)?,
        RequestNameFlags::DoNotQueue.into(),
    );
    match reply {
        Ok(RequestNameReply::PrimaryOwner | RequestNameReply::AlreadyOwner) => Ok(Claim::First {
            _held: conn.clone(),
        }),
        Ok(RequestNameReply::Exists | RequestNameReply::InQueue) | Err(zbus::Error::NameTaken) => {
            let platform: HashMap<&str, Value<'_>> = HashMap::new();
            let app = Proxy::new(
                conn,
                name.to_owned(),
                OBJECT_PATH,
                "org.freedesktop.Application",
            )?;
            match ask {
                Ask::Nothing => {}
                Ask::Window => {
                    app.call_method("Activate", &(platform,))?;
                }
                Ask::Import(path) => {
                    let uris = vec![crate::desktop::portal::file_uri(path)];
                    app.call_method("Open", &(uris, platform))?;
                }
            }
            Ok(Claim::Running)
        }
        Err(e) => Err(e),
    }
}

/// `org.freedesktop.Application` on the first Sitless.
struct Application {
    show: Show,
}

// D-Bus hands the arguments over by value; the interface's signature is
// the freedesktop one.
#[allow(clippy::needless_pass_by_value)]
#[zbus::interface(name = "org.freedesktop.Application")]
impl Application {
    fn activate(&self, platform_data: HashMap<String, OwnedValue>) {
        tracing::debug!(
            "activated by another launch ({} hints)",
            platform_data.len()
        );
        (self.show)(None);
    }

    // A file opened with Sitless is a recording to import: the window
    // shows with its import dialog (the first local file; others are not
    // recordings Sitless can take).
    fn open(&self, uris: Vec<String>, platform_data: HashMap<String, OwnedValue>) {
        tracing::debug!("asked to open {uris:?} ({} hints)", platform_data.len());
        let file = uris
            .iter()
            .find_map(|u| crate::desktop::portal::file_uri_path(u));
        (self.show)(file);
    }

    fn activate_action(
        &self,
        action_name: String,
        parameter: Vec<OwnedValue>,
        platform_data: HashMap<String, OwnedValue>,
    ) {
        tracing::debug!(
            "asked for action {action_name} ({} parameters, {} hints)",
            parameter.len(),
            platform_data.len()
        );
        (self.show)(None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_database_is_the_app_id_others_have_their_own() {
        let d = Path::new("/nonexistent/sitless/sitless.db");
        assert_eq!(bus_name(d, Some(d)), APP_ID);
        let other = bus_name(Path::new("/nonexistent/sitless/demo.db"), Some(d));
        assert!(other.starts_with("org.sitless.Sitless.Db"), "{other}");
        assert_ne!(other, bus_name(Path::new("/nonexistent/x.db"), Some(d)));
        // A valid bus name.
        assert!(zbus::names::WellKnownName::try_from(other.as_str()).is_ok());
    }
}
