//! Living on the desktop all day: the tray icon, notifications with
//! buttons, the session's lock and sleep, autostart at login and the
//! desktop entry. Everything here speaks D-Bus or writes a file; none of it
//! runs on the window's thread.

pub mod autostart;
pub mod icon;
pub mod idle;
pub mod install;
pub mod instance;
pub mod notifications;
pub mod portal;
pub mod session;
pub mod tray;

/// The application's id: the desktop entry's and the icon's name.
pub(crate) const APP_ID: &str = "org.sitless.Sitless";

/// How long "Pause reminders" lasts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pause {
    Hour,
    UntilTomorrow,
}

/// What the tray or a notification's button asks of the app.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum DeskRequest {
    /// Show the window (reopen it when it was closed to the tray).
    Open,
    /// Show the window with the import dialog for this file.
    Import(std::path::PathBuf),
    /// Play the recommended routine, with the window shown.
    StartRecommended,
    Snooze {
        minutes: i64,
    },
    Pause(Pause),
    Resume,
    Quit,
}
