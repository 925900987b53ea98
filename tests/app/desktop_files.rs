//! The desktop entry, the autostart entry and the `AppStream` metainfo pass
//! the freedesktop validators (`desktop-file-validate` from
//! desktop-file-utils, `appstreamcli` from appstream; `.ci/run` installs
//! them), as shipped and as `sitless install-desktop` writes them.

use std::path::Path;
use std::process::Command;

fn validate(tool: &str, args: &[&str], file: &Path) {
    let out = Command::new(tool)
        .args(args)
        .arg(file)
        .output()
        .unwrap_or_else(|e| panic!("{tool} runs (Debian: desktop-file-utils, appstream): {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "{} fails {tool}:\n{text}",
        file.display()
    );
    // desktop-file-validate succeeds with warnings and hints: none allowed.
    assert!(
        !text.contains("warning:") && !text.contains("error:"),
        "{text}"
    );
}

#[test]
fn shipped_and_installed_files_are_valid() {
    let assets = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets");
    validate(
        "desktop-file-validate",
        &[],
        &assets.join("org.sitless.Sitless.desktop"),
    );
    validate(
        "appstreamcli",
        &["validate", "--no-net"],
        &assets.join("org.sitless.Sitless.metainfo.xml"),
    );

    let dir = tempfile::tempdir().unwrap();
    let share = dir.path().join("share");
    let out = Command::new(env!("CARGO_BIN_EXE_sitless"))
        .args([
            "install-desktop",
            "--exec",
            "/opt/sitless/bin/sitless",
            "--share",
        ])
        .arg(&share)
        .output()
        .expect("sitless runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let entry = share.join("applications/org.sitless.Sitless.desktop");
    validate("desktop-file-validate", &[], &entry);
    let text = std::fs::read_to_string(&entry).unwrap();
    assert!(
        text.contains("\nExec=/opt/sitless/bin/sitless %f\n"),
        "{text}"
    );
    for px in [16, 48, 256] {
        let icon = share.join(format!(
            "icons/hicolor/{px}x{px}/apps/org.sitless.Sitless.png"
        ));
        let dec = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&icon).unwrap()));
        let info = dec.read_info().unwrap();
        assert_eq!(info.info().width, px, "{}", icon.display());
    }

    let autostart = sitless::desktop::autostart::Autostart::in_config(dir.path());
    autostart
        .set(true, Path::new("/opt/sitless/bin/sitless"))
        .unwrap();
    validate("desktop-file-validate", &[], autostart.file());
}
