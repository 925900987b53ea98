//! Export… and Import… ask the desktop's own file chooser through the XDG
//! desktop portal: here a fake portal on a private session bus that
//! answers as xdg-desktop-portal does (the Request path from the caller's
//! name and token, the answer as a later `Response` signal).

use std::path::PathBuf;
use std::time::Duration;

use sitless::desktop::portal::{FileAsk, PortalError, choose};

use crate::support::bus::in_child_with_session_bus;
use crate::support::desktop_fakes::file_portal;

#[test]
fn the_portal_chooses_cancels_and_is_missed_in_words() {
    let ran = in_child_with_session_bus(|address| {
        // Nobody serves the portal yet: said, so the window can say it.
        let e = choose(&FileAsk::Open {
            title: "Import a recording".into(),
        })
        .unwrap_err();
        assert!(matches!(e, PortalError::Unavailable(_)), "{e:?}");
        assert!(e.to_string().contains("no file chooser service"), "{e}");

        let (portal, asked) = file_portal(
            address,
            (0, Some("file:///home/a/My%20walk%20%C3%A9.csv".into())),
        );
        let got = choose(&FileAsk::Open {
            title: "Import a recording".into(),
        })
        .expect("answered");
        assert_eq!(got, Some(PathBuf::from("/home/a/My walk é.csv")));
        let (method, options) = asked.recv_timeout(Duration::from_secs(5)).unwrap();
        assert_eq!(method, "OpenFile");
        assert!(options.contains_key("handle_token"));
        drop(portal);

        // Saving starts where the typed path points: its name and folder.
        let dir = tempfile::tempdir().unwrap();
        let (portal, asked) = file_portal(address, (1, None));
        let got = choose(&FileAsk::Save {
            title: "Export to CSV".into(),
            current: dir.path().join("sitless-days.csv"),
        })
        .expect("answered");
        assert_eq!(got, None, "cancelled is no file and no error");
        let (method, options) = asked.recv_timeout(Duration::from_secs(5)).unwrap();
        assert_eq!(method, "SaveFile");
        let name = String::try_from(options["current_name"].try_clone().unwrap()).unwrap();
        assert_eq!(name, "sitless-days.csv");
        let folder = Vec::<u8>::try_from(options["current_folder"].try_clone().unwrap()).unwrap();
        let mut want = dir.path().as_os_str().as_encoded_bytes().to_vec();
        want.push(0);
        assert_eq!(folder, want, "the folder as NUL-terminated bytes");
        drop(portal);

        // A chooser that hands back something that is not a local file.
        let (_portal, _) = file_portal(address, (0, Some("https://example.org/x.csv".into())));
        let e = choose(&FileAsk::Open { title: "x".into() }).unwrap_err();
        assert!(matches!(e, PortalError::NotAFile(_)), "{e:?}");
    });
    assert!(ran, "the child ran the test body");
}
