//! The tray icon, through the `StatusNotifierItem` specification (`ksni`,
//! D-Bus only): the icon shows the state, the tooltip the streak, the menu
//! asks the app for what a person wants without opening the window.

use std::sync::mpsc::SyncSender;

use ksni::blocking::TrayMethods;
use ksni::menu::{MenuItem, StandardItem};

use super::icon::{Look, argb};
use super::{DeskRequest, Pause};

/// Wakes whoever answers the tray's requests (the app's doorbell).
pub(crate) type Waker = std::sync::Arc<dyn Fn() + Send + Sync>;

/// What the tray shows; the app sets it when it changes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TrayView {
    pub look: Look,
    /// The tooltip's line, e.g. "Sitting 48 min".
    pub status: String,
    /// The routine "Start" would play (its name).
    pub routine: Option<String>,
    /// Reminders are paused (the menu offers to resume).
    pub paused: bool,
    /// A streak is going (Snooze means something).
    pub streak: bool,
    /// A sensor (or the demo) streams: reminders can come, so pausing
    /// them means something.
    pub recording: bool,
}

impl Default for TrayView {
    fn default() -> Self {
        Self {
            look: Look::Idle,
            status: "Not recording".into(),
            routine: None,
            paused: false,
            streak: false,
            recording: false,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum TrayError {
    #[error("no tray on this desktop (no StatusNotifierWatcher or host): {0}")]
    NoHost(String),
    #[error("the tray icon could not be drawn: {0}")]
    Icon(#[from] super::icon::IconError),
}

struct SitlessTray {
    view: TrayView,
    requests: SyncSender<DeskRequest>,
    waker: Waker,
    icons: Vec<(Look, Vec<ksni::Icon>)>,
}

impl SitlessTray {
    fn ask(&self, r: DeskRequest) {
        // A full queue means the app is far behind; the click is dropped
        // rather than blocking the tray's D-Bus thread.
        if self.requests.try_send(r).is_ok() {
            (self.waker)();
        }
    }

    fn pixmaps(&self, look: Look) -> Vec<ksni::Icon> {
        self.icons
            .iter()
            .find(|(l, _)| *l == look)
            .map(|(_, i)| i.clone())
            .unwrap_or_default()
    }
}

fn item(label: &str, enabled: bool, r: DeskRequest) -> MenuItem<SitlessTray> {
    StandardItem {
        label: label.into(),
        enabled,
        activate: Box::new(move |t: &mut SitlessTray| t.ask(r.clone())),
        ..Default::default()
    }
    .into()
}

impl ksni::Tray for SitlessTray {
    fn id(&self) -> String {
        "sitless".into()
    }

    fn title(&self) -> String {
        "Sitless".into()
    }

    fn category(&self) -> ksni::Category {
        ksni::Category::ApplicationStatus
    }

    fn status(&self) -> ksni::Status {
        if self.view.look == Look::Due {
            ksni::Status::NeedsAttention
        } else {
            ksni::Status::Active
        }
    }

    fn icon_pixmap(&self) -> Vec<ksni::Icon> {
        self.pixmaps(self.view.look)
    }

    fn attention_icon_pixmap(&self) -> Vec<ksni::Icon> {
        self.pixmaps(Look::Due)
    }

    fn tool_tip(&self) -> ksni::ToolTip {
        ksni::ToolTip {
            title: "Sitless".into(),
            description: self.view.status.clone(),
            ..Default::default()
        }
    }

    fn activate(&mut self, _x: i32, _y: i32) {
        self.ask(DeskRequest::Open);
    }

    fn menu(&self) -> Vec<MenuItem<Self>> {
        let v = &self.view;
        let start = v
            .routine
            .as_ref()
            .map_or_else(|| "Start a routine".to_owned(), |n| format!("Start {n}"));
        let mut items = vec![
            item("Open Sitless", true, DeskRequest::Open),
            item(&start, true, DeskRequest::StartRecommended),
            MenuItem::Separator,
            item(
                "Snooze 15 min",
                v.streak,
                DeskRequest::Snooze { minutes: 15 },
            ),
            item(
                "Snooze 30 min",
                v.streak,
                DeskRequest::Snooze { minutes: 30 },
            ),
        ];
        if v.paused {
            items.push(item("Resume reminders", true, DeskRequest::Resume));
        } else if v.recording {
            items.push(item(
                "Pause reminders for an hour",
                true,
                DeskRequest::Pause(Pause::Hour),
            ));
            items.push(item(
                "Pause reminders until tomorrow",
                true,
                DeskRequest::Pause(Pause::UntilTomorrow),
            ));
        }
        items.push(MenuItem::Separator);
        items.push(item("Quit", true, DeskRequest::Quit));
        items
    }

    fn watcher_offline(&self, reason: ksni::OfflineReason) -> bool {
        tracing::info!("the tray host went away ({reason:?}); the icon comes back with it");
        true
    }
}

/// The running tray icon.
pub(crate) struct Tray {
    handle: ksni::blocking::Handle<SitlessTray>,
    shown: TrayView,
}

impl Tray {
    /// Registers the icon with the desktop's tray; `NoHost` where there is
    /// none (the app then keeps its window, as without a tray).
    pub(crate) fn start(
        requests: SyncSender<DeskRequest>,
        waker: Waker,
    ) -> Result<Self, TrayError> {
        let mut icons = Vec::new();
        for look in [
            Look::Recording,
            Look::Due,
            Look::NotWorn,
            Look::Reconnecting,
            Look::Idle,
        ] {
            let mut sizes = Vec::new();
            for px in [22u32, 32, 48] {
                sizes.push(ksni::Icon {
                    width: px as i32,
                    height: px as i32,
                    data: argb(look, px)?,
                });
            }
            icons.push((look, sizes));
        }
        let tray = SitlessTray {
            view: TrayView::default(),
            requests,
            waker,
            icons,
        };
        let handle = tray.spawn().map_err(|e| TrayError::NoHost(e.to_string()))?;
        Ok(Self {
            handle,
            shown: TrayView::default(),
        })
    }

    /// Shows `view` if it differs from what is shown (each change is a
    /// D-Bus signal to the host).
    pub(crate) fn show(&mut self, view: &TrayView) {
        if *view != self.shown {
            self.shown = view.clone();
            let v = view.clone();
            self.handle.update(move |t| t.view = v);
        }
    }
}

impl Drop for Tray {
    fn drop(&mut self) {
        let _ = self.handle.shutdown();
    }
}
