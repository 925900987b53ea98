# Sitless reference firmware for CircuitPython on nRF52840 boards with a
# built-in accelerometer: Adafruit CLUE, Feather nRF52840 Sense, Circuit
# Playground Bluefruit, Seeed XIAO nRF52840 Sense.
#
# Copy this file, sitless_core.py and the libraries listed in README.md to
# the board's CIRCUITPY drive. The board then advertises the Sitless open
# profile, streams its accelerometer with sequence numbers and its clock,
# keeps what it measured in a history ring (RAM) so nothing is lost while
# the laptop sleeps, and answers Request records, Set time and Calibrate.
#
# The protocol itself is in sitless_core.py (tested under CPython); this
# file only wires it to the radio, the sensor and the LED.

import time

import board
from adafruit_ble import BLERadio
from adafruit_ble.advertising.standard import ProvideServicesAdvertisement
from adafruit_ble.characteristics import Characteristic
from adafruit_ble.characteristics.int import Uint16Characteristic
from adafruit_ble.characteristics.stream import StreamIn
from adafruit_ble.services import Service
from adafruit_ble.services.standard import BatteryService
from adafruit_ble.uuid import VendorUUID

import sitless_core as core

PERIOD_MS = 40  # 25 Hz, the profile's default
# About 8 minutes at 25 Hz in 72 kB of RAM; a board with more free RAM can
# keep more (each sample is 6 bytes).
HISTORY_SAMPLES = 12000


class SitlessService(Service):
    uuid = VendorUUID(core.SERVICE)
    samples = Characteristic(
        uuid=VendorUUID(core.SAMPLES),
        properties=Characteristic.NOTIFY,
        max_length=20,
        fixed_length=False,
    )
    history = Characteristic(
        uuid=VendorUUID(core.HISTORY),
        properties=Characteristic.NOTIFY,
        max_length=20,
        fixed_length=False,
    )
    # Writes arrive as a byte stream; sitless_core.CommandStream frames them.
    control = StreamIn(uuid=VendorUUID(core.CONTROL), buffer_size=64)
    sampling = Uint16Characteristic(
        uuid=VendorUUID(core.SAMPLING),
        properties=Characteristic.READ | Characteristic.WRITE,
        initial_value=PERIOD_MS,
    )


def accelerometer():
    """The board's accelerometer, whichever it has; a function giving
    (x, y, z) in m/s^2."""
    if hasattr(board, "IMU_PWR"):
        # XIAO nRF52840 Sense: the IMU has its own power pin and bus.
        import busio
        import digitalio
        from adafruit_lsm6ds.lsm6ds3trc import LSM6DS3TRC

        power = digitalio.DigitalInOut(board.IMU_PWR)
        power.switch_to_output(value=True)
        time.sleep(0.1)
        imu = LSM6DS3TRC(busio.I2C(board.IMU_SCL, board.IMU_SDA))
        return lambda: imu.acceleration
    if hasattr(board, "ACCELEROMETER_SCL"):
        # Circuit Playground Bluefruit: a LIS3DH on an internal bus.
        import busio
        import adafruit_lis3dh

        lis = adafruit_lis3dh.LIS3DH_I2C(
            busio.I2C(board.ACCELEROMETER_SCL, board.ACCELEROMETER_SDA), address=0x19
        )
        lis.range = adafruit_lis3dh.RANGE_8_G
        return lambda: lis.acceleration
    # CLUE and Feather Sense: an LSM6DS33 or LSM6DS3TR-C on the board's I2C.
    i2c = board.I2C()
    try:
        from adafruit_lsm6ds.lsm6ds33 import LSM6DS33

        imu = LSM6DS33(i2c)
    except (RuntimeError, ValueError):
        from adafruit_lsm6ds.lsm6ds3trc import LSM6DS3TRC

        imu = LSM6DS3TRC(i2c)
    return lambda: imu.acceleration


def battery_percent():
    """A rough charge from the cell's voltage where the board measures it
    (the Feather's VOLTAGE_MONITOR divides it by two); None elsewhere."""
    if not hasattr(board, "VOLTAGE_MONITOR"):
        return None
    import analogio

    with analogio.AnalogIn(board.VOLTAGE_MONITOR) as a:
        volts = a.value / 65535 * a.reference_voltage * 2
    return max(0, min(100, int((volts - 3.3) / (4.2 - 3.3) * 100)))


class Light:
    """The cue: the red LED or the first NeoPixel. Slow blink while
    advertising, steady while connected, fast while a calibration pose is
    held."""

    def __init__(self):
        self.pixel = None
        self.led = None
        if hasattr(board, "NEOPIXEL"):
            import neopixel

            count = 10 if hasattr(board, "ACCELEROMETER_SCL") else 1
            self.pixel = neopixel.NeoPixel(board.NEOPIXEL, count, brightness=0.05)
        elif hasattr(board, "LED"):
            import digitalio

            self.led = digitalio.DigitalInOut(board.LED)
            self.led.switch_to_output()

    def show(self, on, colour=(0, 40, 0)):
        if self.pixel is not None:
            self.pixel[0] = colour if on else (0, 0, 0)
        elif self.led is not None:
            self.led.value = on

    def tick(self, connected, pose, now_ms):
        if pose:
            self.show((now_ms // 125) % 2 == 0, (40, 20, 0))
        elif connected:
            self.show(True)
        else:
            self.show((now_ms // 1000) % 2 == 0, (0, 0, 40))


def mono_ms():
    return time.monotonic_ns() // 1_000_000


def main():
    read = accelerometer()
    light = Light()
    fw = core.Firmware(capacity=HISTORY_SAMPLES, period_ms=PERIOD_MS)
    commands = core.CommandStream()
    radio = BLERadio()
    radio.name = "Sitless CP"
    # Creating a service adds it to the board's GATT server.
    sitless = SitlessService()
    battery = BatteryService()
    advert = ProvideServicesAdvertisement(sitless)
    next_ms = mono_ms()
    last_battery_ms = -60_000
    period = PERIOD_MS
    while True:
        if not radio.connected and not radio.advertising:
            radio.start_advertising(advert)
        now = mono_ms()
        if now < next_ms:
            light.tick(radio.connected, fw.pose, now)
            time.sleep(max(0, next_ms - now) / 1000)
            continue
        next_ms += period
        # Sample at the period whether or not anyone listens: the history
        # fills the gap at the next connection.
        out = fw.on_sample(core.mg_from_ms2(*read()), now)
        if radio.connected:
            waiting = sitless.control.in_waiting
            if waiting:
                for op, arg in commands.feed(sitless.control.read(waiting)):
                    out.extend(fw.on_command(op, arg, now))
            wanted = sitless.sampling
            if wanted != period and core.PERIOD_MIN_MS <= wanted <= core.PERIOD_MAX_MS:
                period = wanted
                fw.set_period(period, now)
            for char, value in out:
                if char == core.SAMPLES:
                    sitless.samples = value
                else:
                    sitless.history = value
        if now - last_battery_ms > 60_000:
            last_battery_ms = now
            pct = battery_percent()
            if pct is not None:
                battery.level = pct


main()
