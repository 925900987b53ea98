//! A private D-Bus daemon for tests (config in `tests/dbus-session.conf`),
//! killed when dropped, and the helpers that go with it.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

pub(crate) struct Bus {
    child: Child,
    pub address: String,
}

impl Drop for Bus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn start_bus() -> Bus {
    let config = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/dbus-session.conf");
    let mut child = Command::new("dbus-daemon")
        .arg(format!("--config-file={config}"))
        .args(["--print-address", "--nofork"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("dbus-daemon runs (Debian/Ubuntu: apt-get install dbus; .ci/run installs it)");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("dbus-daemon prints its address");
    Bus {
        child,
        address: line.trim().to_owned(),
    }
}

/// Runs `body` in a child process of this very executable whose
/// `DBUS_SYSTEM_BUS_ADDRESS` points at a private bus. btleplug reads the
/// address from the environment, and setting it in a running process
/// would need `unsafe`; a child gets it from the start. In the parent it
/// returns whether the child ran `body` to its end; the child runs it and exits.
pub(crate) fn in_child_with_system_bus(body: impl FnOnce(&str)) -> bool {
    // Reminder notifications would look for a session bus: none here.
    in_child_with_bus(
        "DBUS_SYSTEM_BUS_ADDRESS",
        ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent"),
        body,
    )
}

/// As [`in_child_with_system_bus`], for the session bus.
pub(crate) fn in_child_with_session_bus(body: impl FnOnce(&str)) -> bool {
    in_child_with_bus(
        "DBUS_SESSION_BUS_ADDRESS",
        ("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent"),
        body,
    )
}

fn in_child_with_bus(var: &str, other: (&str, &str), body: impl FnOnce(&str)) -> bool {
    const CHILD: &str = "SITLESS_PRIVATE_BUS_CHILD";
    if std::env::var_os(CHILD).is_some() {
        let address = std::env::var(var).expect("set by the parent");
        body(&address);
        std::process::exit(BODY_RAN);
    }
    let bus = start_bus();
    // Only the calling test runs in the child (libtest names the thread
    // after the test).
    let test = std::thread::current().name().unwrap_or_default().to_owned();
    Command::new(std::env::current_exe().expect("own path"))
        .args([test.as_str(), "--exact", "--test-threads=1"])
        .env(CHILD, "1")
        .env(var, &bus.address)
        .env(other.0, other.1)
        .status()
        .expect("the child runs")
        .code()
        == Some(BODY_RAN)
}

/// The child's exit code when `body` ran to its end: not 0, so a child
/// whose test filter matched nothing cannot pass for one that succeeded.
const BODY_RAN: i32 = 42;

/// `(first, last, count)` of the stored seconds.
pub(crate) fn stored_seconds(db: &std::path::Path) -> (i64, i64, i64) {
    let c = rusqlite::Connection::open(db).expect("db");
    c.query_row(
        "SELECT MIN(t_s), MAX(t_s), COUNT(*) FROM samples",
        [],
        |r| {
            Ok((
                r.get::<_, Option<i64>>(0)?.unwrap_or(0),
                r.get::<_, Option<i64>>(1)?.unwrap_or(-1),
                r.get(2)?,
            ))
        },
    )
    .expect("query")
}

/// The seconds missing between the first and the last stored one.
#[allow(dead_code)]
pub(crate) fn missing_seconds(db: &std::path::Path) -> Vec<i64> {
    let c = rusqlite::Connection::open(db).expect("db");
    let mut q = c
        .prepare("SELECT t_s FROM samples ORDER BY t_s")
        .expect("query");
    let stored: Vec<i64> = q
        .query_map([], |r| r.get(0))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("seconds");
    stored.windows(2).flat_map(|w| (w[0] + 1)..w[1]).collect()
}
