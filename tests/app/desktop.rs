//! Sitless on the desktop, against real D-Bus daemons with fake desktop
//! services on them: the tray icon registers with a `StatusNotifierWatcher`
//! and its dbusmenu is read and clicked; reminders reach a notification
//! server with buttons, are replaced when they repeat and closed when
//! answered; a locked session holds them; a playing routine holds them.
//! The app runs as the real binary (`sitless --background`), so the bus
//! addresses come from its environment as on a desktop.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::support::bus;
use crate::support::desktop_fakes as fakes;
use crate::support::display::{Display, display};

use bus::start_bus;
use fakes::{NoteCall, click, invoke_action, next_notify, read_menu, tooltip};
use sitless::domain::config::Config;
use sitless::domain::settings::Settings;
use sitless::engine::protocol::{Command as EngineCommand, UiEvent};
use sitless::engine::{Engine, EngineOptions};
use sitless::store::Store;

fn any_time_db(dir: &std::path::Path) -> std::path::PathBuf {
    let db = dir.join("desk.db");
    let mut store = Store::open(&db).unwrap();
    store.save_settings(&Settings::any_time()).unwrap();
    db
}

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The demo at `speed` started in the tray, as at login, with no Bluetooth.
fn in_the_tray(speed: &str, db: &str, dir: &std::path::Path, session: &str) -> Command {
    sitless(
        &["--background", "--demo", "--demo-speed", speed, "--db", db],
        dir,
        session,
        "unix:path=/nonexistent",
    )
}

fn sitless(args: &[&str], dir: &std::path::Path, session: &str, system: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sitless"));
    c.args(args)
        .env("DBUS_SESSION_BUS_ADDRESS", session)
        .env("DBUS_SYSTEM_BUS_ADDRESS", system)
        .env("HOME", dir)
        .env("XDG_CACHE_HOME", dir.join("cache"))
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("TZ", "UTC")
        .env("RUST_LOG", "sitless=info")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    c
}

#[test]
fn in_the_tray_the_menu_works_and_reminders_have_buttons_replace_and_close() {
    let session = start_bus();
    let (server, calls) = fakes::notification_server(&session.address);
    let (host, items) = fakes::tray_watcher(&session.address);
    let dir = tempfile::tempdir().unwrap();
    let db = any_time_db(dir.path());
    let db_arg = db.to_string_lossy().into_owned();
    let mut app = Running(
        in_the_tray("1200", &db_arg, dir.path(), &session.address)
            .spawn()
            .expect("sitless starts"),
    );

    let item = items
        .recv_timeout(Duration::from_secs(30))
        .expect("the tray icon registers with the watcher");
    // Pausing reminders is offered once something records (the demo
    // streams a moment after the icon appears).
    let deadline = Instant::now() + Duration::from_secs(30);
    let menu = loop {
        let menu = read_menu(&host, &item);
        if menu
            .iter()
            .any(|m| m.label == "Pause reminders for an hour")
        {
            break menu;
        }
        assert!(
            Instant::now() < deadline,
            "no Pause while the demo records: {:?}",
            menu.iter().map(|m| m.label.as_str()).collect::<Vec<_>>()
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let labels: Vec<&str> = menu.iter().map(|m| m.label.as_str()).collect();
    for want in ["Open Sitless", "Snooze 15 min", "Snooze 30 min", "Quit"] {
        assert!(labels.contains(&want), "{want} missing from {labels:?}");
    }
    assert!(labels.iter().any(|l| l.starts_with("Start ")), "{labels:?}");
    assert!(
        labels.contains(&"Pause reminders for an hour"),
        "{labels:?}"
    );

    // The first reminder: buttons, our icon, critical, no expiry.
    let Some(NoteCall::Notify {
        id,
        replaces_id,
        app_icon,
        summary,
        actions,
        hints,
        expire_ms,
        ..
    }) = next_notify(&calls, Duration::from_mins(1))
    else {
        panic!("no reminder notification arrived");
    };
    assert!(summary.starts_with("Time to get up"), "{summary}");
    assert_eq!(replaces_id, 0, "the streak's first card is new");
    assert!(actions.contains(&"start".to_owned()), "{actions:?}");
    assert!(actions.contains(&"snooze-15".to_owned()), "{actions:?}");
    assert_eq!(expire_ms, 0, "stays until acted on");
    assert!(
        app_icon.ends_with("org.sitless.Sitless.png") || app_icon == "org.sitless.Sitless",
        "{app_icon}"
    );
    assert_eq!(
        hints.get("urgency").and_then(|u| u8::try_from(u).ok()),
        Some(2)
    );
    let tip = tooltip(&host, &item);
    assert!(
        tip.starts_with("Sitting ") || tip.starts_with("Recording"),
        "{tip}"
    );

    // Snooze from the tray: the card goes (closed by us).
    let snooze = menu.iter().find(|m| m.label == "Snooze 15 min").unwrap();
    click(&host, &item, snooze.id);
    let closed = wait_for(
        &calls,
        Duration::from_secs(20),
        |c| matches!(c, NoteCall::Close(i) if *i == id),
    );
    assert!(closed, "Snooze in the tray closes the card");

    later_cards_replace_and_their_snooze_closes(&server, &calls);

    // Quit from the tray ends the process cleanly, data saved.
    let quit = read_menu(&host, &item)
        .into_iter()
        .find(|m| m.label == "Quit")
        .unwrap();
    click(&host, &item, quit.id);
    let status = wait_exit(&mut app, "Quit did not end Sitless");
    assert!(status.success(), "{status:?}");
    let (_, _, n) = bus::stored_seconds(&db);
    assert!(n > 3600, "the background recorded ({n} s)");
}

/// Later cards: one per streak, replaced while it goes on, and the card's
/// own Snooze button closes it.
fn later_cards_replace_and_their_snooze_closes(
    server: &zbus::Connection,
    calls: &std::sync::mpsc::Receiver<NoteCall>,
) {
    let mut open: Option<u32> = None;
    let mut replaced = 0;
    let mut acted = false;
    let end = Instant::now() + Duration::from_mins(1);
    while Instant::now() < end && !(replaced > 0 && acted) {
        match calls.recv_timeout(Duration::from_millis(200)) {
            Ok(NoteCall::Notify {
                id, replaces_id, ..
            }) => {
                assert_eq!(
                    replaces_id,
                    open.unwrap_or(0),
                    "a card replaces the open one, or is new when none is"
                );
                if replaces_id != 0 {
                    replaced += 1;
                    invoke_action(server, id, "snooze-15");
                    acted = wait_for(
                        calls,
                        Duration::from_secs(20),
                        |c| matches!(c, NoteCall::Close(i) if *i == id),
                    );
                    assert!(acted, "the card's Snooze closes it");
                    open = None;
                } else {
                    open = Some(id);
                }
            }
            Ok(NoteCall::Close(i)) => {
                if open == Some(i) {
                    open = None;
                }
            }
            Err(_) => {}
        }
    }
    assert!(replaced > 0, "no repeat replaced its card");
}

/// Waits up to 30 s for the app to exit; `what` says what should have
/// ended it.
fn wait_exit(app: &mut Running, what: &str) -> std::process::ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(s) = app.0.try_wait().unwrap() {
            return s;
        }
        assert!(Instant::now() < deadline, "{what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Waits for a call that `want` accepts; true if one came in time.
fn wait_for(
    calls: &std::sync::mpsc::Receiver<NoteCall>,
    timeout: Duration,
    want: impl Fn(&NoteCall) -> bool,
) -> bool {
    let end = Instant::now() + timeout;
    while let Some(left) = end.checked_duration_since(Instant::now()) {
        match calls.recv_timeout(left) {
            Ok(c) if want(&c) => return true,
            Ok(_) => {}
            Err(_) => return false,
        }
    }
    false
}

#[test]
fn a_locked_screen_holds_reminders_until_it_is_unlocked() {
    let session = start_bus();
    let system = start_bus();
    let (_server, calls) = fakes::notification_server(&session.address);
    let login = fakes::logind(&system.address, true);
    let dir = tempfile::tempdir().unwrap();
    let db = any_time_db(dir.path());
    let db_arg = db.to_string_lossy().into_owned();
    let _app = Running(
        sitless(
            &[
                "record",
                "--demo",
                "--demo-speed",
                "2400",
                "--for-s",
                "12",
                "--db",
                &db_arg,
            ],
            dir.path(),
            &session.address,
            &system.address,
        )
        .spawn()
        .expect("sitless starts"),
    );
    // 6 s at 2400× is four hours of the demo's day: several streaks pass
    // the hour while the screen is locked.
    assert!(
        next_notify(&calls, Duration::from_secs(6)).is_none(),
        "a reminder was shown on a locked screen"
    );
    fakes::set_locked(&login, false);
    assert!(
        next_notify(&calls, Duration::from_secs(6)).is_some(),
        "the held reminder did not come after the unlock"
    );
}

/// `sitless record` on the demo at 2400× with both buses, for 12 s.
fn record_on_buses(dir: &std::path::Path, session: &str, system: &str) -> Running {
    let db = any_time_db(dir);
    let db_arg = db.to_string_lossy().into_owned();
    Running(
        sitless(
            &[
                "record",
                "--demo",
                "--demo-speed",
                "2400",
                "--for-s",
                "12",
                "--db",
                &db_arg,
            ],
            dir,
            session,
            system,
        )
        .spawn()
        .expect("sitless starts"),
    )
}

/// Emits with `emit` every 100 ms until the returned flag is set.
fn keep_emitting(
    emit: impl Fn() + Send + 'static,
) -> (
    Arc<std::sync::atomic::AtomicBool>,
    std::thread::JoinHandle<()>,
) {
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let s = stop.clone();
    let t = std::thread::spawn(move || {
        while !s.load(std::sync::atomic::Ordering::Relaxed) {
            emit();
            std::thread::sleep(Duration::from_millis(100));
        }
    });
    (stop, t)
}

#[test]
fn lock_signals_from_a_client_that_owns_no_such_service_are_ignored() {
    let session = start_bus();
    let system = start_bus();
    let (_server, calls) = fakes::notification_server(&session.address);
    // logind is there and says "unlocked"; a stranger on each bus says
    // "locked", over and over, from before the app starts.
    let _login = fakes::logind(&system.address, false);
    let on_system = fakes::stranger(&system.address);
    let on_session = fakes::stranger(&session.address);
    let (stop, forger) = keep_emitting(move || {
        fakes::emit_locked_hint(&on_system);
        fakes::emit_screensaver_active(&on_session);
    });
    let dir = tempfile::tempdir().unwrap();
    let _app = record_on_buses(dir.path(), &session.address, &system.address);
    let shown = next_notify(&calls, Duration::from_secs(8));
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    forger.join().unwrap();
    assert!(
        shown.is_some(),
        "forged lock signals silenced the reminders"
    );
}

#[test]
fn the_screensaver_that_owns_its_name_does_hold_reminders() {
    let session = start_bus();
    let system = start_bus();
    let (_server, calls) = fakes::notification_server(&session.address);
    let _login = fakes::logind(&system.address, false);
    let saver = fakes::screensaver(&session.address);
    let (stop, emitter) = keep_emitting(move || fakes::emit_screensaver_active(&saver));
    let dir = tempfile::tempdir().unwrap();
    let _app = record_on_buses(dir.path(), &session.address, &system.address);
    let shown = next_notify(&calls, Duration::from_secs(8));
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    emitter.join().unwrap();
    assert!(
        shown.is_none(),
        "a reminder was shown while the screensaver was active"
    );
}

#[test]
fn no_reminder_while_a_routine_plays() {
    let dir = tempfile::tempdir().unwrap();
    let db = any_time_db(dir.path());
    let config = Config::default().consistent();
    let engine = Engine::start(
        &EngineOptions {
            config,
            ..crate::support::demo_engine_options(&db, 3600.0, 2)
        },
        Arc::new(|| {}),
    )
    .expect("engine starts");
    assert!(engine.send(EngineCommand::RoutinePlaying(true)));
    let recommended = |for_s: u64| {
        let end = Instant::now() + Duration::from_secs(for_s);
        while let Some(left) = end.checked_duration_since(Instant::now()) {
            if let Some(UiEvent::Reminder(..)) = engine.recv_timeout(left) {
                return true;
            }
        }
        false
    };
    // Four hours of the demo's day at 3600×.
    assert!(!recommended(4), "a reminder came while the routine played");
    assert!(engine.send(EngineCommand::RoutinePlaying(false)));
    assert!(
        recommended(8),
        "reminders did not come back after the routine"
    );
}

/// The log lines so far (the app's stderr goes to a file).
fn log_of(path: &std::path::Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

fn wait_log(path: &std::path::Path, what: &str, timeout: Duration) -> String {
    let end = Instant::now() + timeout;
    loop {
        let log = log_of(path);
        if log.contains(what) {
            return log;
        }
        assert!(Instant::now() < end, "no \"{what}\" in the log:\n{log}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Closes the window a second time: to the tray again, no second notice.
fn second_close_sends_no_notice(
    x: &Display,
    log: &std::path::Path,
    calls: &std::sync::mpsc::Receiver<NoteCall>,
) {
    // A second close: no second notice.
    close_window(x);
    let end = Instant::now() + Duration::from_secs(10);
    while log_of(log).matches("still running in the tray").count() < 2 {
        assert!(
            Instant::now() < end,
            "the second close did not go to the tray"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let end = Instant::now() + Duration::from_secs(3);
    while let Some(left) = end.checked_duration_since(Instant::now()) {
        if let Ok(NoteCall::Notify { body, .. }) = calls.recv_timeout(left) {
            assert!(!body.contains("still recording"), "the notice came twice");
        }
    }
}

/// The UTC time of a log line (tracing's first field).
fn logged_at(line: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    line.split_whitespace().next()?.parse().ok()
}

/// Closes the window as its close button does (the window manager may
/// take a moment to list a new window).
fn close_window(x: &Display) {
    let end = Instant::now() + Duration::from_secs(10);
    while !Command::new("wmctrl")
        .args(["-c", "Sitless"])
        .env("DISPLAY", &x.name)
        .status()
        .expect("wmctrl runs (Debian: apt-get install wmctrl)")
        .success()
    {
        assert!(
            Instant::now() < end,
            "the window manager never listed the window"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn start_on_a_notification_or_in_the_tray_opens_the_window_with_the_player_and_closing_keeps_recording()
 {
    let x = display();
    let session = start_bus();
    let (server, calls) = fakes::notification_server(&session.address);
    let (host, items) = fakes::tray_watcher(&session.address);
    let dir = tempfile::tempdir().unwrap();
    let db = any_time_db(dir.path());
    let db_arg = db.to_string_lossy().into_owned();
    let log = dir.path().join("sitless.log");
    let mut cmd = in_the_tray("600", &db_arg, dir.path(), &session.address);
    cmd.env("DISPLAY", &x.name)
        .env_remove("WAYLAND_DISPLAY")
        .stderr(std::fs::File::create(&log).unwrap());
    let _app = Running(cmd.spawn().expect("sitless starts"));
    let item = items
        .recv_timeout(Duration::from_secs(30))
        .expect("the tray icon registers");
    assert!(
        !log_of(&log).contains("first frame"),
        "--background opened a window"
    );

    // The first reminder's Start button: the window opens, playing.
    let Some(NoteCall::Notify { id, .. }) = next_notify(&calls, Duration::from_mins(1)) else {
        panic!("no reminder notification arrived");
    };
    let clicked = chrono::Utc::now();
    invoke_action(&server, id, "start");
    let text = wait_log(&log, "window's first frame", Duration::from_secs(30));
    let playing = text
        .lines()
        .find(|l| l.contains("playing "))
        .unwrap_or_else(|| panic!("the player did not start:\n{text}"));
    if let Some(t) = logged_at(playing) {
        eprintln!(
            "FIGURE Start on the notification to the player: {} ms",
            (t - clicked).num_milliseconds()
        );
    }
    assert!(
        wait_for(
            &calls,
            Duration::from_secs(10),
            |c| matches!(c, NoteCall::Close(i) if *i == id)
        ),
        "starting the routine closes the card"
    );

    // Closing the window keeps the app in the tray: recording goes on, and
    // the first time a notice says where Sitless went.
    close_window(&x);
    wait_log(&log, "still running in the tray", Duration::from_secs(10));
    assert!(
        wait_for(&calls, Duration::from_secs(10), |c| matches!(
            c,
            NoteCall::Notify { body, .. } if body.contains("still recording")
        )),
        "no notice on the first close"
    );
    let (_, before, _) = bus::stored_seconds(&db);
    std::thread::sleep(Duration::from_secs(3));
    let (_, after, _) = bus::stored_seconds(&db);
    assert!(
        after > before,
        "recording stopped with the window ({before} → {after})"
    );

    // Start in the tray: a new window, playing again.
    let menu = read_menu(&host, &item);
    let start = menu.iter().find(|m| m.label.starts_with("Start ")).unwrap();
    click(&host, &item, start.id);
    let end = Instant::now() + Duration::from_secs(30);
    while log_of(&log).matches("window's first frame").count() < 2 {
        assert!(
            Instant::now() < end,
            "Start in the tray did not bring the window back:\n{}",
            log_of(&log)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(log_of(&log).matches("playing ").count(), 2);

    second_close_sends_no_notice(&x, &log, &calls);
    for line in log_of(&log).lines().filter(|l| l.contains("first frame")) {
        eprintln!("{line}");
    }
}

#[test]
fn at_logout_sigterm_quits_in_order_and_saves() {
    let session = start_bus();
    let (_server, _calls) = fakes::notification_server(&session.address);
    let (_host, items) = fakes::tray_watcher(&session.address);
    let dir = tempfile::tempdir().unwrap();
    let db = any_time_db(dir.path());
    let db_arg = db.to_string_lossy().into_owned();
    let mut app = Running(
        in_the_tray("600", &db_arg, dir.path(), &session.address)
            .spawn()
            .expect("sitless starts"),
    );
    items
        .recv_timeout(Duration::from_secs(30))
        .expect("the tray icon registers");
    std::thread::sleep(Duration::from_secs(2));
    let sent = Command::new("kill")
        .args(["-TERM", &app.0.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(sent.success());
    let status = wait_exit(&mut app, "SIGTERM did not end Sitless");
    // Exit code 0, not "killed by SIGTERM": it quit on its own.
    assert!(status.success(), "{status:?}");
    let (first, last, n) = bus::stored_seconds(&db);
    assert_eq!(n, last - first + 1, "every second up to the end is stored");
    assert!(n > 600, "{n} s stored");
}

/// One Sitless per database: a second launch finds the first on the
/// session bus and asks it (`org.freedesktop.Application.Activate`) to
/// show its window, instead of failing on the lock with a second tray icon;
/// a second `--background` launch asks for nothing. A demo's database has
/// its own name, so both run side by side.
#[test]
fn a_second_launch_activates_the_first_instead_of_starting_again() {
    assert!(
        bus::in_child_with_session_bus(|_| {
            use sitless::desktop::instance::{Ask, Claim, bus_name, claim};
            use std::sync::Mutex;
            let own = std::path::Path::new("/nonexistent/sitless/sitless.db");
            let name = bus_name(own, Some(own));
            let shown: Arc<Mutex<Vec<Option<std::path::PathBuf>>>> = Arc::default();
            let s = shown.clone();
            let first = claim(
                &name,
                &Ask::Window,
                Arc::new(move |file| s.lock().unwrap().push(file)),
            );
            assert!(
                matches!(first, Claim::First { .. }),
                "the first owns the name"
            );
            let never: sitless::desktop::instance::Show =
                Arc::new(|_| panic!("a second launch is never shown"));
            let wait_for = |n: usize| {
                let deadline = Instant::now() + Duration::from_secs(10);
                while shown.lock().unwrap().len() < n {
                    assert!(Instant::now() < deadline, "the first was not asked");
                    std::thread::sleep(Duration::from_millis(20));
                }
            };
            assert!(matches!(
                claim(&name, &Ask::Window, never.clone()),
                Claim::Running
            ));
            wait_for(1);
            // --background: nothing asked.
            assert!(matches!(
                claim(&name, &Ask::Nothing, never.clone()),
                Claim::Running
            ));
            std::thread::sleep(Duration::from_millis(200));
            assert_eq!(shown.lock().unwrap().clone(), vec![None]);
            // A file opened with Sitless reaches the first, whole (a space
            // and an accent travel percent-encoded in its URI).
            let file = std::path::PathBuf::from("/home/a/My walk é.csv");
            assert!(matches!(
                claim(&name, &Ask::Import(file.clone()), never.clone()),
                Claim::Running
            ));
            wait_for(2);
            assert_eq!(shown.lock().unwrap()[1], Some(file));
            // The demo's database is another instance.
            let demo = bus_name(
                std::path::Path::new("/nonexistent/sitless/demo.db"),
                Some(own),
            );
            assert!(matches!(
                claim(&demo, &Ask::Window, never),
                Claim::First { .. }
            ));
            drop(first);
        }),
        "the single-instance check failed (the child's output is above)"
    );
}

/// A second launch brings back a window that was minimised. eframe runs no
/// frame for a minimised window, so a request handled while drawing never
/// arrived; the window's `logic`, which eframe still runs, handles it.
#[test]
fn a_second_launch_restores_a_minimised_window() {
    use x11rb::connection::Connection as _;
    use x11rb::protocol::xproto::{
        AtomEnum, ClientMessageEvent, ConnectionExt as _, EventMask, Window,
    };
    let x = display();
    let session = start_bus();
    let dir = tempfile::tempdir().unwrap();
    let db = any_time_db(dir.path());
    let db_arg = db.to_string_lossy().into_owned();
    let log = dir.path().join("sitless.log");
    let launch = || {
        let mut c = sitless(
            &["--db", &db_arg],
            dir.path(),
            &session.address,
            "unix:path=/nonexistent",
        );
        c.env("DISPLAY", &x.name).env_remove("WAYLAND_DISPLAY");
        c
    };
    let mut first = launch();
    first.stderr(std::fs::File::create(&log).unwrap());
    let _app = Running(first.spawn().expect("sitless starts"));
    wait_log(&log, "window's first frame", Duration::from_secs(30));

    let (conn, screen) = x11rb::connect(Some(&x.name)).expect("X connects");
    let root = conn.setup().roots[screen].root;
    let atom = |name: &str| {
        conn.intern_atom(false, name.as_bytes())
            .unwrap()
            .reply()
            .unwrap()
            .atom
    };
    let (client_list, wm_state, change_state) = (
        atom("_NET_CLIENT_LIST"),
        atom("WM_STATE"),
        atom("WM_CHANGE_STATE"),
    );
    // The window manager lists the window it manages.
    let end = Instant::now() + Duration::from_secs(10);
    let window: Window = loop {
        let listed = conn
            .get_property(false, root, client_list, AtomEnum::WINDOW, 0, 64)
            .unwrap()
            .reply()
            .unwrap();
        if let Some(w) = listed.value32().and_then(|mut v| v.next()) {
            break w;
        }
        assert!(Instant::now() < end, "openbox never listed the window");
        std::thread::sleep(Duration::from_millis(50));
    };
    // ICCCM's WM_STATE: 1 normal, 3 iconic (minimised).
    let state = || {
        conn.get_property(false, window, wm_state, wm_state, 0, 2)
            .unwrap()
            .reply()
            .unwrap()
            .value32()
            .and_then(|mut v| v.next())
    };
    let until = |want: u32, what: &str| {
        let end = Instant::now() + Duration::from_secs(10);
        while state() != Some(want) {
            assert!(Instant::now() < end, "{what}: WM_STATE {:?}", state());
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    until(1, "the window is not shown");
    // Minimise as a taskbar does (ICCCM: WM_CHANGE_STATE to the root).
    let iconify = ClientMessageEvent::new(32, window, change_state, [3_u32, 0, 0, 0, 0]);
    conn.send_event(
        false,
        root,
        EventMask::SUBSTRUCTURE_REDIRECT | EventMask::SUBSTRUCTURE_NOTIFY,
        iconify,
    )
    .unwrap();
    conn.flush().unwrap();
    until(3, "the window was not minimised");

    let second = launch()
        .stdout(Stdio::piped())
        .output()
        .expect("a second sitless runs");
    assert!(second.status.success(), "{second:?}");
    assert!(
        String::from_utf8_lossy(&second.stdout).contains("brought to the front"),
        "{second:?}"
    );
    until(1, "the second launch left the window minimised");
}
