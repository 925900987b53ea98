//! Wayland compositors for the desk-time probe: a real sway, headless, and
//! a fake that speaks the wire protocol of `ext-idle-notify-v1` as the
//! protocol's XML defines it (no compositor in Debian 12 has it yet).

use std::collections::HashMap;
use std::io::{Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// A real sway on the headless backend (no GPU, no input devices). sway
/// refuses to run as root, so as root it runs as `nobody`.
pub(crate) struct Sway {
    child: Child,
    pub(crate) runtime_dir: tempfile::TempDir,
    pub(crate) socket: PathBuf,
}

impl Sway {
    pub(crate) fn start() -> Self {
        let runtime_dir = tempfile::tempdir().expect("temp dir");
        let dir = runtime_dir.path();
        let config = dir.join("config");
        std::fs::write(&config, "xwayland disable\n").expect("sway config");
        let root = current_uid() == 0;
        if root {
            // XDG_RUNTIME_DIR must belong to the compositor's user.
            std::os::unix::fs::chown(dir, Some(65534), Some(65534)).expect("chown");
            std::os::unix::fs::chown(&config, Some(65534), Some(65534)).expect("chown");
        }
        let mut cmd = if root {
            let mut c = Command::new("setpriv");
            c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "sway"]);
            c
        } else {
            Command::new("sway")
        };
        let log = std::fs::File::create(dir.join("sway.log")).expect("log");
        let child = cmd
            .arg("-c")
            .arg(&config)
            .env("XDG_RUNTIME_DIR", dir)
            .env("HOME", dir)
            .env("WLR_BACKENDS", "headless")
            .env("WLR_LIBINPUT_NO_DEVICES", "1")
            .env("WLR_RENDERER", "pixman")
            .env_remove("WAYLAND_DISPLAY")
            .env_remove("DISPLAY")
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("sway starts (Debian's sway; .ci/run installs it)");
        let deadline = Instant::now() + Duration::from_secs(15);
        let socket = loop {
            let found = std::fs::read_dir(dir).ok().and_then(|entries| {
                entries.flatten().map(|e| e.path()).find(|p| {
                    p.extension().is_none()
                        && p.file_name()
                            .and_then(|n| n.to_str())
                            .is_some_and(|n| n.starts_with("wayland-"))
                })
            });
            if let Some(s) = found {
                break s;
            }
            assert!(
                Instant::now() < deadline,
                "sway made no socket: {}",
                std::fs::read_to_string(dir.join("sway.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        Self {
            child,
            runtime_dir,
            socket,
        }
    }

    /// Types `text` as a keyboard would (wtype, a virtual keyboard client).
    pub(crate) fn type_text(&self, text: &str) {
        let out = Command::new("wtype")
            .arg(text)
            .env("XDG_RUNTIME_DIR", self.runtime_dir.path())
            .env("WAYLAND_DISPLAY", &self.socket)
            .output()
            .expect("wtype runs (Debian's wtype; .ci/run installs it)");
        assert!(
            out.status.success(),
            "wtype: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for Sway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn current_uid() -> u32 {
    use std::os::unix::fs::MetadataExt as _;
    // The owner of a file this process just made is this process's user.
    let probe = tempfile::NamedTempFile::new().expect("temp file");
    probe.as_file().metadata().expect("metadata").uid()
}

/// What the test has the fake compositor do.
pub(crate) enum Say {
    Idled,
    Resumed,
    /// Closes the connection, as a compositor that quits.
    Hangup,
}

/// One client's compositor: offers `wl_seat` and the given idle globals,
/// answers `sync`, `bind` and the idle requests, records what it was asked,
/// and sends `idled`/`resumed` when told.
pub(crate) struct FakeCompositor {
    pub(crate) socket: PathBuf,
    _dir: tempfile::TempDir,
    say: Sender<Say>,
    pub(crate) asked: Arc<Mutex<Vec<String>>>,
    thread: Option<JoinHandle<()>>,
}

impl FakeCompositor {
    pub(crate) fn start(idle_globals: &[(&'static str, u32)]) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let socket = dir.path().join("wayland-fake");
        let listener = UnixListener::bind(&socket).expect("bind the socket");
        let (say, said) = channel();
        let asked = Arc::new(Mutex::new(Vec::new()));
        let mut globals = vec![("wl_seat", 7)];
        globals.extend_from_slice(idle_globals);
        let log = Arc::clone(&asked);
        let thread = std::thread::spawn(move || {
            if let Ok((stream, _)) = listener.accept() {
                serve(stream, &globals, &said, &log);
            }
        });
        Self {
            socket,
            _dir: dir,
            say,
            asked,
            thread: Some(thread),
        }
    }

    pub(crate) fn say(&self, what: Say) {
        let _ = self.say.send(what);
    }

    pub(crate) fn asked(&self) -> Vec<String> {
        self.asked.lock().expect("lock").clone()
    }
}

impl Drop for FakeCompositor {
    fn drop(&mut self) {
        self.say(Say::Hangup);
        // Unblocks an accept that never got its client.
        let _ = UnixStream::connect(&self.socket);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

struct Msg {
    object: u32,
    opcode: u16,
    body: Vec<u8>,
}

fn uint(body: &[u8], at: &mut usize) -> u32 {
    let v = u32::from_le_bytes(body[*at..*at + 4].try_into().expect("4 bytes"));
    *at += 4;
    v
}

fn string(body: &[u8], at: &mut usize) -> String {
    let len = uint(body, at) as usize;
    let s = String::from_utf8_lossy(&body[*at..*at + len.saturating_sub(1)]).into_owned();
    *at += len.div_ceil(4) * 4;
    s
}

fn event(object: u32, opcode: u16, args: &[Arg]) -> Vec<u8> {
    let mut body = Vec::new();
    for a in args {
        match a {
            Arg::Uint(v) => body.extend_from_slice(&v.to_le_bytes()),
            Arg::Str(s) => {
                let len = u32::try_from(s.len() + 1).expect("short");
                body.extend_from_slice(&len.to_le_bytes());
                body.extend_from_slice(s.as_bytes());
                body.push(0);
                while body.len() % 4 != 0 {
                    body.push(0);
                }
            }
        }
    }
    let size = u32::try_from(8 + body.len()).expect("short");
    let mut m = object.to_le_bytes().to_vec();
    m.extend_from_slice(&((size << 16) | u32::from(opcode)).to_le_bytes());
    m.extend_from_slice(&body);
    m
}

enum Arg<'a> {
    Uint(u32),
    Str(&'a str),
}

/// Answers one client as a compositor does, until told to hang up or the
/// client goes. A request the protocol does not allow is a protocol error
/// (`wl_display.error`, then the connection is closed), as libwayland-server
/// does it.
#[allow(clippy::too_many_lines)]
fn serve(
    mut stream: UnixStream,
    globals: &[(&'static str, u32)],
    said: &Receiver<Say>,
    asked: &Mutex<Vec<String>>,
) {
    stream
        .set_read_timeout(Some(Duration::from_millis(20)))
        .expect("timeout");
    // Object id → (interface, version).
    let mut objects: HashMap<u32, (&'static str, u32)> = HashMap::new();
    objects.insert(1, ("wl_display", 1));
    let mut notification = None;
    let mut buf = Vec::new();
    let mut chunk = [0_u8; 4096];
    let note = |s: String| asked.lock().expect("lock").push(s);
    loop {
        while let Ok(what) = said.try_recv() {
            let out = match (what, notification) {
                (Say::Hangup, _) => return,
                (Say::Idled, Some(n)) => event(n, 0, &[]),
                (Say::Resumed, Some(n)) => event(n, 1, &[]),
                (_, None) => continue,
            };
            if stream.write_all(&out).is_err() {
                return;
            }
        }
        match stream.read(&mut chunk) {
            Ok(0) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => return,
        }
        while buf.len() >= 8 {
            let object = u32::from_le_bytes(buf[0..4].try_into().expect("4"));
            let word = u32::from_le_bytes(buf[4..8].try_into().expect("4"));
            let size = (word >> 16) as usize;
            if size < 8 || buf.len() < size {
                break;
            }
            let msg = Msg {
                object,
                opcode: u16::try_from(word & 0xffff).expect("16 bits"),
                body: buf[8..size].to_vec(),
            };
            buf.drain(..size);
            let mut out = Vec::new();
            let Some(&(interface, version)) = objects.get(&msg.object) else {
                let _ = stream.write_all(&event(
                    1,
                    0,
                    &[Arg::Uint(1), Arg::Uint(0), Arg::Str("invalid object")],
                ));
                return;
            };
            let mut at = 0;
            match (interface, msg.opcode) {
                ("wl_display", 0) => {
                    let callback = uint(&msg.body, &mut at);
                    out.extend(event(callback, 0, &[Arg::Uint(1)]));
                    out.extend(event(1, 1, &[Arg::Uint(callback)]));
                }
                ("wl_display", 1) => {
                    let registry = uint(&msg.body, &mut at);
                    objects.insert(registry, ("wl_registry", 1));
                    for (i, (name, v)) in globals.iter().enumerate() {
                        let global = u32::try_from(i + 1).expect("few");
                        out.extend(event(
                            registry,
                            0,
                            &[Arg::Uint(global), Arg::Str(name), Arg::Uint(*v)],
                        ));
                    }
                }
                ("wl_registry", 0) => {
                    let global = uint(&msg.body, &mut at) as usize;
                    let name = string(&msg.body, &mut at);
                    let v = uint(&msg.body, &mut at);
                    let id = uint(&msg.body, &mut at);
                    match globals.get(global.wrapping_sub(1)) {
                        Some((g, max)) if *g == name && v >= 1 && v <= *max => {
                            note(format!("bind {name} v{v}"));
                            objects.insert(id, (g, v));
                            if *g == "wl_seat" {
                                // Pointer and keyboard, as a desktop seat.
                                out.extend(event(id, 0, &[Arg::Uint(3)]));
                                if v >= 2 {
                                    out.extend(event(id, 1, &[Arg::Str("seat0")]));
                                }
                            }
                        }
                        _ => {
                            let _ = stream.write_all(&event(
                                1,
                                0,
                                &[
                                    Arg::Uint(msg.object),
                                    Arg::Uint(0),
                                    Arg::Str("invalid global"),
                                ],
                            ));
                            return;
                        }
                    }
                }
                ("ext_idle_notifier_v1", op @ (1 | 2)) if op == 1 || version >= 2 => {
                    let id = uint(&msg.body, &mut at);
                    let timeout_ms = uint(&msg.body, &mut at);
                    let seat = uint(&msg.body, &mut at);
                    assert_eq!(objects.get(&seat).map(|o| o.0), Some("wl_seat"), "a seat");
                    let request = if op == 1 {
                        "get_idle_notification"
                    } else {
                        "get_input_idle_notification"
                    };
                    note(format!("{request} {timeout_ms} ms"));
                    objects.insert(id, ("ext_idle_notification_v1", version));
                    notification = Some(id);
                }
                ("ext_idle_notifier_v1" | "ext_idle_notification_v1", 0) => {
                    note(format!("destroy {interface}"));
                }
                ("wl_seat", 3) if version >= 5 => {}
                _ => {
                    let _ = stream.write_all(&event(
                        1,
                        0,
                        &[
                            Arg::Uint(msg.object),
                            Arg::Uint(1),
                            Arg::Str("invalid method"),
                        ],
                    ));
                    return;
                }
            }
            if !out.is_empty() && stream.write_all(&out).is_err() {
                return;
            }
        }
    }
}

/// Waits for `ok` to hold of what `read` gives, for up to `within`.
pub(crate) fn poll_until<T: std::fmt::Debug>(
    within: Duration,
    mut read: impl FnMut() -> T,
    ok: impl Fn(&T) -> bool,
) -> T {
    let deadline = Instant::now() + within;
    loop {
        let v = read();
        if ok(&v) || Instant::now() > deadline {
            return v;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
}
