//! A private D-Bus daemon for tests (config in `tests/dbus-session.conf`);
//! killed when dropped.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

pub struct Bus {
    child: Child,
    pub address: String,
}

impl Drop for Bus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn start_bus() -> Bus {
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
