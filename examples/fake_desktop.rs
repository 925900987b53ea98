//! A desktop to measure Sitless against, without one: a private session
//! bus with a tray watcher (`StatusNotifierWatcher`) and a notification
//! server that has buttons, and a private system bus with logind and a
//! fake `BlueZ` holding one Sitless-profile sensor at real time. Prints
//! both addresses, then one line per notification call (UTC, ms); with
//! `--click-start` it presses the first reminder's Start button two
//! seconds after it arrived and prints when. Serves until killed.
//!
//! ```sh
//! cargo run --example fake_desktop [-- --click-start] &
//! DBUS_SESSION_BUS_ADDRESS=… DBUS_SYSTEM_BUS_ADDRESS=… sitless --background
//! ```
//! `benches/background.sh` uses it for the background figures.

#[path = "../tests/support/bus.rs"]
mod bus;
#[path = "../tests/support/desktop_fakes.rs"]
mod desktop_fakes;
#[path = "../tests/support/fake_bluez.rs"]
mod fake_bluez;

use std::io::Write;
use std::time::Duration;

use desktop_fakes::NoteCall;
use fake_bluez::{FakeBluez, Kind, SensorSpec};

fn stamp() -> String {
    chrono::Utc::now().format("%H:%M:%S%.3f").to_string()
}

fn main() {
    let click_start = std::env::args().any(|a| a == "--click-start");
    let session = bus::start_bus();
    let system = bus::start_bus();
    let (server, calls) = desktop_fakes::notification_server(&session.address);
    let (_watcher, items) = desktop_fakes::tray_watcher(&session.address);
    let _login = desktop_fakes::logind(&system.address, false);
    let fake = FakeBluez::start(&system.address, true);
    fake.add_sensor(SensorSpec::new(
        Kind::Sitless,
        "C0:FF:EE:00:00:01",
        "Sitless S1",
    ));
    println!("DBUS_SESSION_BUS_ADDRESS={}", session.address);
    println!("DBUS_SYSTEM_BUS_ADDRESS={}", system.address);
    let _ = std::io::stdout().flush();
    std::thread::spawn(move || {
        for item in items {
            println!("{} tray item {item}", stamp());
            let _ = std::io::stdout().flush();
        }
    });
    let mut clicked = false;
    loop {
        match calls.recv_timeout(Duration::from_hours(1)) {
            Ok(NoteCall::Notify {
                id,
                replaces_id,
                summary,
                actions,
                ..
            }) => {
                println!(
                    "{} notify id={id} replaces={replaces_id} buttons={} {summary}",
                    stamp(),
                    actions.len() / 2
                );
                if click_start && !clicked && summary.starts_with("Time to get up") {
                    clicked = true;
                    std::thread::sleep(Duration::from_secs(2));
                    desktop_fakes::invoke_action(&server, id, "start");
                    println!("{} clicked start on {id}", stamp());
                }
            }
            Ok(NoteCall::Close(id)) => println!("{} close id={id}", stamp()),
            Err(_) => {}
        }
        let _ = std::io::stdout().flush();
    }
}
