//! A fake `BlueZ` with six sensors (two Polar ones among them), for screenshots and trying the Sensors
//! view without hardware. Starts a private D-Bus daemon, prints
//! `DBUS_SYSTEM_BUS_ADDRESS=…` and serves until killed:
//!
//! ```sh
//! cargo run --example fake_sensors &      # prints the address
//! DBUS_SYSTEM_BUS_ADDRESS=… cargo run --release
//! ```

#[path = "../tests/support/bus.rs"]
mod bus;
#[path = "../tests/support/fake_bluez.rs"]
mod fake_bluez;

use fake_bluez::{FakeBluez, Kind, SensorSpec};

fn main() {
    let bus = bus::start_bus();
    let fake = FakeBluez::start(&bus.address, true);
    fake.add_sensor(SensorSpec::new(
        Kind::Sitless,
        "C0:FF:EE:00:00:01",
        "Sitless S1",
    ));
    fake.add_sensor(SensorSpec::new(
        Kind::Sitless,
        "C0:FF:EE:00:00:02",
        "Sitless S1",
    ));
    fake.add_sensor(SensorSpec::new(
        Kind::MicroBit,
        "D1:00:00:00:00:0B",
        "BBC micro:bit [tupit]",
    ));
    fake.add_sensor(SensorSpec::new(Kind::Thingy, "E2:00:00:00:00:52", "Thingy"));
    fake.add_sensor(SensorSpec::new(
        Kind::PolarH10,
        "A0:9E:1A:00:00:10",
        "Polar H10 1A2B3C4D",
    ));
    fake.add_sensor(SensorSpec::new(
        Kind::VeritySense,
        "A0:9E:1A:00:00:20",
        "Polar Sense 5E6F7A8B",
    ));
    println!("DBUS_SYSTEM_BUS_ADDRESS={}", bus.address);
    loop {
        std::thread::park();
    }
}
