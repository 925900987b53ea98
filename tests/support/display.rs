//! A private X server (Xvfb), with or without a window manager, killed
//! when dropped: for the window's tests and desk time's.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// An X server (Xvfb), killed when dropped.
pub(crate) struct Display {
    procs: Vec<Child>,
    pub name: String,
}

impl Drop for Display {
    fn drop(&mut self) {
        for p in &mut self.procs {
            let _ = p.kill();
            let _ = p.wait();
        }
    }
}

pub(crate) fn display() -> Display {
    with_window_manager(true)
}

/// Xvfb alone, or with openbox (keyboard focus needs a window manager).
pub(crate) fn with_window_manager(wm: bool) -> Display {
    // A display number of our own: the process id keeps parallel runs
    // apart, the counter the tests of one run.
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % 4;
    let name = format!(":{}", 100 + (std::process::id() % 200) * 4 + n);
    let xvfb = Command::new("Xvfb")
        .args([
            name.as_str(),
            "-screen",
            "0",
            "1280x800x24",
            "-nolisten",
            "tcp",
        ])
        .stderr(Stdio::null())
        .spawn()
        .expect("Xvfb runs (Debian: apt-get install xvfb; .ci/run installs it)");
    let socket = format!("/tmp/.X11-unix/X{}", &name[1..]);
    let end = Instant::now() + Duration::from_secs(10);
    while !std::path::Path::new(&socket).exists() {
        assert!(Instant::now() < end, "Xvfb did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut procs = vec![xvfb];
    if wm {
        let wm = Command::new("openbox")
            .env("DISPLAY", &name)
            .stderr(Stdio::null())
            .spawn()
            .expect("openbox runs (Debian: apt-get install openbox; .ci/run installs it)");
        std::thread::sleep(Duration::from_millis(300));
        procs.insert(0, wm);
    }
    Display { procs, name }
}
