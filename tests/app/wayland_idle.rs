//! Desk time's idle probe on Wayland desktops other than GNOME: a real sway
//! (KDE's `org_kde_kwin_idle`, which wlroots 0.15 serves) typed on through a
//! virtual keyboard, and `ext-idle-notify-v1` from a fake compositor that
//! speaks the wire protocol.

use std::time::Duration;

use sitless::desktop::idle::IdleProbe;
use sitless::desktop::idle::wayland::Wayland;

use crate::support::wayland::{FakeCompositor, Say, Sway, poll_until};

const IDLED_AFTER: Duration = Duration::from_millis(500);
const WITHIN: Duration = Duration::from_secs(10);

fn idle_ms(probe: &mut Wayland) -> u64 {
    probe.read().expect("the compositor answers").idle_ms
}

#[test]
fn on_a_real_sway_typing_is_input_and_quiet_is_idle() {
    let sway = Sway::start();
    let mut probe = Wayland::connect_to(&sway.socket, IDLED_AFTER).expect("sway's idle protocol");
    assert!(probe.name().contains("KDE"), "{}", probe.name());

    // Nobody has touched this seat: idle once the timeout has passed, and
    // the idle time counts on from there.
    let first = poll_until(WITHIN, || idle_ms(&mut probe), |ms| *ms >= 500);
    assert!(first >= 500, "never idle: {first} ms");
    std::thread::sleep(Duration::from_millis(300));
    let later = idle_ms(&mut probe);
    assert!(
        later >= first + 250,
        "idle time stood still: {first} → {later} ms"
    );

    sway.type_text("desk");
    let typed = poll_until(WITHIN, || idle_ms(&mut probe), |ms| *ms == 0);
    assert_eq!(typed, 0, "typing was not seen as input");

    // Hands off again: idle again after the timeout.
    let quiet = poll_until(WITHIN, || idle_ms(&mut probe), |ms| *ms >= 500);
    assert!(quiet >= 500, "never idle after typing: {quiet} ms");
}

#[test]
fn ext_idle_notify_asks_for_input_alone_and_counts_on_from_idled() {
    let compositor =
        FakeCompositor::start(&[("ext_idle_notifier_v1", 2), ("org_kde_kwin_idle", 1)]);
    let mut probe =
        Wayland::connect_to(&compositor.socket, IDLED_AFTER).expect("the fake's idle protocol");
    assert_eq!(probe.name(), "the Wayland compositor");
    let asked = compositor.asked();
    // The newer protocol wins, and at version 2 its input-only request:
    // an idle inhibitor (a video playing) is not someone at the keyboard.
    assert!(
        asked.contains(&"get_input_idle_notification 500 ms".to_owned()),
        "{asked:?}"
    );
    assert!(!asked.iter().any(|a| a.contains("org_kde")), "{asked:?}");

    assert_eq!(
        idle_ms(&mut probe),
        0,
        "active until the compositor says idled"
    );
    compositor.say(Say::Idled);
    let idled = poll_until(WITHIN, || idle_ms(&mut probe), |ms| *ms >= 500);
    assert!(
        (500..2_000).contains(&idled),
        "idled counts from the timeout: {idled} ms"
    );
    std::thread::sleep(Duration::from_millis(300));
    assert!(idle_ms(&mut probe) >= idled + 250);

    compositor.say(Say::Resumed);
    assert_eq!(poll_until(WITHIN, || idle_ms(&mut probe), |ms| *ms == 0), 0);

    compositor.say(Say::Hangup);
    let gone = poll_until(WITHIN, || probe.read(), Result::is_err);
    let err = gone.expect_err("a compositor that quit is an error");
    assert!(err.to_string().contains("Wayland compositor"), "{err}");
}

#[test]
fn ext_idle_notify_version_1_uses_its_only_request() {
    let compositor = FakeCompositor::start(&[("ext_idle_notifier_v1", 1)]);
    let mut probe = Wayland::connect_to(&compositor.socket, IDLED_AFTER).expect("version 1");
    assert!(
        compositor
            .asked()
            .contains(&"get_idle_notification 500 ms".to_owned()),
        "{:?}",
        compositor.asked()
    );
    compositor.say(Say::Idled);
    assert!(poll_until(WITHIN, || idle_ms(&mut probe), |ms| *ms >= 500) >= 500);
}

#[test]
fn a_compositor_without_an_idle_protocol_is_said_in_words() {
    let compositor = FakeCompositor::start(&[]);
    let err = Wayland::connect_to(&compositor.socket, IDLED_AFTER)
        .err()
        .expect("no idle protocol");
    assert!(
        err.to_string()
            .contains("neither ext-idle-notify-v1 nor org_kde_kwin_idle"),
        "{err}"
    );
}
