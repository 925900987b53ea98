//! The `sitless-desk-time` worker: while no sensor or phone is paired, asks
//! the session how long it has been idle (`desktop::idle`) every couple of
//! seconds and hands the seconds at the computer to the posture thread,
//! which counts them as desk time (`domain::desk_time`). It says once in
//! the window what it counts from, or why it cannot count.

use super::protocol::{DeskTimeStatus, PostureMsg, UiEvent};
use super::ui_queue::UiSender;
use crate::desktop::idle::IdleProbe;
use crate::domain::desk_time::{DeskClock, IdleReading};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::SyncSender;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// The device row desk time's seconds are stored under.
pub(crate) const DESK_ADDRESS: &str = "desk:this-computer";

/// Finds the session's idle probe (the desktop's, or a test's fake).
pub type ProbeFinder = Arc<dyn Fn() -> Result<Box<dyn IdleProbe>, String> + Send + Sync>;

/// How desk time is measured: where idle time comes from, the clock the
/// seconds are stamped with, and how often it asks.
#[derive(Clone)]
pub struct DeskTimeSource {
    pub find_probe: ProbeFinder,
    pub now_s: Arc<dyn Fn() -> i64 + Send + Sync>,
    pub every: Duration,
}

impl DeskTimeSource {
    /// The desktop session this process runs in, on the wall clock.
    pub fn desktop() -> Self {
        Self {
            find_probe: Arc::new(crate::desktop::idle::detect),
            now_s: Arc::new(|| chrono::Utc::now().timestamp()),
            every: Duration::from_secs(2),
        }
    }
}

/// Wakes the worker early (stop) and switches it on and off.
#[derive(Default)]
pub(crate) struct DeskTimeSwitch {
    on: AtomicBool,
    stop: AtomicBool,
    bell: (Mutex<bool>, Condvar),
}

impl DeskTimeSwitch {
    pub(crate) fn set(&self, on: bool) {
        if self.on.swap(on, Ordering::SeqCst) != on {
            self.ring();
        }
    }

    pub(crate) fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
        self.ring();
    }

    fn ring(&self) {
        let (m, cv) = &self.bell;
        *m.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = true;
        cv.notify_all();
    }

    /// Sleeps up to `d`, or until rung.
    fn wait(&self, d: Duration) {
        let (m, cv) = &self.bell;
        let mut rung = m.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if !*rung {
            rung = cv
                .wait_timeout(rung, d)
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .0;
        }
        *rung = false;
    }
}

/// Desk time's device row (the seconds' source): a set-up row, written
/// before the writer starts. None when desk time is not counted.
pub(super) fn device_row(
    store: &crate::store::Store,
    opts: &super::EngineOptions,
    now_s: i64,
) -> Result<Option<i64>, crate::store::StoreError> {
    match &opts.desk_time {
        Some(_) if opts.demo.is_none() => Ok(Some(store.ensure_device(
            DESK_ADDRESS,
            "desk",
            "This computer",
            crate::domain::sample::Placement::Thigh,
            now_s,
        )?)),
        _ => Ok(None),
    }
}

/// Starts the worker, switched off: the posture thread switches it on
/// while nothing else measures. Returns the device row and the switch.
pub(super) fn start(
    opts: &super::EngineOptions,
    device: Option<i64>,
    posture: &SyncSender<PostureMsg>,
    ui: &UiSender,
    threads: &mut Vec<std::thread::JoinHandle<()>>,
) -> std::io::Result<Option<(i64, Arc<DeskTimeSwitch>)>> {
    let (Some(source), Some(device_id)) = (&opts.desk_time, device) else {
        return Ok(None);
    };
    let switch = Arc::new(DeskTimeSwitch::default());
    threads.push(spawn(
        source.clone(),
        switch.clone(),
        posture.clone(),
        ui.clone(),
    )?);
    Ok(Some((device_id, switch)))
}

fn spawn(
    source: DeskTimeSource,
    switch: Arc<DeskTimeSwitch>,
    posture: SyncSender<PostureMsg>,
    ui: UiSender,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new()
        .name("sitless-desk-time".into())
        .spawn(move || run(&source, &switch, &posture, &ui))
}

fn run(
    source: &DeskTimeSource,
    switch: &DeskTimeSwitch,
    posture: &SyncSender<PostureMsg>,
    ui: &UiSender,
) {
    let mut probe: Option<Box<dyn IdleProbe>> = None;
    let mut clock = DeskClock::default();
    let mut said: Option<DeskTimeStatus> = None;
    // Each status once; nothing to take back ("off") before anything was said.
    let mut say = |s: DeskTimeStatus| {
        let first_off = said.is_none() && s == DeskTimeStatus::Off;
        if said.as_ref() != Some(&s) && !first_off {
            ui.send(UiEvent::DeskTime(s.clone()));
            said = Some(s);
        }
    };
    while !switch.stop.load(Ordering::SeqCst) {
        if !switch.on.load(Ordering::SeqCst) {
            // Counting starts afresh when it is switched on again: the
            // time in between was measured by a sensor, or not at all.
            clock = DeskClock::default();
            say(DeskTimeStatus::Off);
            switch.wait(Duration::from_hours(1));
            continue;
        }
        if probe.is_none() {
            match (source.find_probe)() {
                Ok(p) => probe = Some(p),
                Err(why) => {
                    say(DeskTimeStatus::Unavailable(why));
                    // A desktop that starts its services late is found
                    // on a later try.
                    switch.wait(Duration::from_mins(1));
                    continue;
                }
            }
        }
        let Some(p) = probe.as_mut() else { continue };
        match p.read() {
            Ok(idle) => {
                say(DeskTimeStatus::Counting(p.name()));
                let now_s = (source.now_s)();
                let at_desk_s = clock.read(IdleReading {
                    now_s,
                    idle_s: i64::try_from(idle.idle_ms / 1000).unwrap_or(i64::MAX),
                    locked: idle.locked,
                });
                if posture.send(PostureMsg::Desk { at_desk_s, now_s }).is_err() {
                    return;
                }
            }
            Err(e) => {
                tracing::debug!("idle time not read from {}: {e}", p.name());
                say(DeskTimeStatus::Unavailable(e.to_string()));
                probe = None;
            }
        }
        switch.wait(source.every);
    }
}
