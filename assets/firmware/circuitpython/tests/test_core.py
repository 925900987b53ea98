"""CPython tests of the firmware's protocol core, and the golden byte
vectors both ways: the core's (vectors/core.json, decoded by the app's
Rust decoder in tests/firmware_core.rs) and the app encoder's
(vectors/app.json, made by the Rust test, decoded here)."""

import json
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import sitless_core as core  # noqa: E402

VECTORS = os.path.join(os.path.dirname(HERE), "vectors")


def core_vectors():
    """The vectors the core makes; the committed file must equal them."""
    fw = core.Firmware(capacity=8, period_ms=40)
    out = []
    # Undated samples before the clock is set.
    for i in range(2):
        for c, p in fw.on_sample((i, 1000, -i), 1000 + 40 * i):
            out.append({"what": "samples", "hex": p.hex()})
    # Set time: 2026-03-02T08:00:00Z in device centiseconds.
    cs = core.unix_ms_to_cs(1772438400000)
    for c, p in fw.on_command(core.OP_SET_TIME, cs, 1080):
        out.append({"what": "samples", "hex": p.hex()})
    for i in range(2, 7):
        for c, p in fw.on_sample((16 * i, -990, 250), 1000 + 40 * i):
            out.append({"what": "samples", "hex": p.hex()})
    # The history from 0: the ring keeps 8, so 0..6 are all there.
    for c, p in fw.on_command(core.OP_REQUEST_RECORDS, 0, 1300):
        out.append({"what": "history", "hex": p.hex()})
    out.append({"what": "period", "hex": core.encode_period(40).hex()})
    return out


class Packets(unittest.TestCase):
    def test_golden_packet(self):
        # The profile's worked example: seq 0x01020304, 500 cs, two samples.
        p = core.encode_samples(0x01020304, 500, [(1000, -1000, 0), (0, 16, -32)])
        self.assertEqual(p.hex(), "04030201f4010000e80318fc0000000010 00e0ff".replace(" ", ""))
        self.assertEqual(core.decode_samples(p), (0x01020304, 500, [(1000, -1000, 0), (0, 16, -32)]))
        self.assertEqual(len(core.encode_samples(1, None, [(0, 0, 1000)])), 14)
        self.assertEqual(core.decode_samples(core.encode_samples(1, None, [(0, 0, 1)]))[1], None)
        with self.assertRaises(ValueError):
            core.encode_samples(0, 0, [])
        with self.assertRaises(ValueError):
            core.decode_samples(b"\x00" * 13)

    def test_units(self):
        self.assertEqual(core.mg_from_ms2(0.0, 0.0, 9.80665), (0, 0, 1000))
        self.assertEqual(core.mg_from_ms2(0.0, 0.0, 500.0), (0, 0, 16000), "clamped to 16 g")
        self.assertEqual(core.decode_period(b"\x28\x00"), 40)
        with self.assertRaises(ValueError):
            core.decode_period(b"\x05\x00")


class Clock(unittest.TestCase):
    def test_set_only_when_unset_or_off_by_more_than_two_seconds(self):
        c = core.DeviceClock()
        self.assertIsNone(c.now_cs(0))
        self.assertTrue(c.set_time(1000, 0))
        self.assertEqual(c.now_cs(1000), 1100)
        self.assertFalse(c.set_time(1150, 1000), "within 2 s: kept")
        self.assertTrue(c.set_time(1400, 1000), "3 s off: taken")
        self.assertEqual(c.now_cs(1000), 1400)
        # Across the 32-bit wrap, off by little: kept.
        c = core.DeviceClock()
        c.set_time(0xFFFFFFF0, 0)
        self.assertFalse(c.set_time(0x10, 100))


class History(unittest.TestCase):
    def test_records_from_a_number_then_the_end_marker(self):
        fw = core.Firmware(capacity=4, period_ms=40)
        fw.on_command(core.OP_SET_TIME, 10000, 0)
        for i in range(6):
            fw.on_sample((i, 0, 1000), 40 * i)
        got = list(fw.ring.records_from(0))
        # The ring keeps 4 (2..5): from the oldest, two packets, then 6.
        self.assertEqual(got[-1], core.end_marker(6))
        packets = [core.decode_samples(p) for p in got[:-1]]
        self.assertEqual([p[0] for p in packets], [2, 4])
        self.assertEqual(packets[0][1], 10000 + 2 * 4, "dated one period (4 cs) a sample")
        self.assertEqual([s[0] for p in packets for s in p[2]], [2, 3, 4, 5])
        self.assertEqual(list(fw.ring.records_from(9)), [core.end_marker(6)])

    def test_samples_before_the_clock_is_set_are_undated(self):
        fw = core.Firmware(capacity=16, period_ms=40)
        fw.on_sample((1, 0, 0), 0)
        fw.on_command(core.OP_SET_TIME, 500, 40)
        fw.on_sample((2, 0, 0), 40)
        fw.on_sample((3, 0, 0), 80)
        packets = [core.decode_samples(p) for p in list(fw.ring.records_from(0))[:-1]]
        self.assertEqual(packets[0], (0, None, [(1, 0, 0)]), "alone: its dating differs")
        self.assertEqual(packets[1][0:2], (1, 500))

    def test_live_packets_pair_samples_and_carry_the_first_ones_time(self):
        fw = core.Firmware(capacity=16, period_ms=40)
        fw.on_command(core.OP_SET_TIME, 7000, 0)
        self.assertEqual(fw.on_sample((1, 2, 3), 0), [])
        ((char, p),) = fw.on_sample((4, 5, 6), 40)
        self.assertEqual(char, core.SAMPLES)
        self.assertEqual(core.decode_samples(p), (0, 7000, [(1, 2, 3), (4, 5, 6)]))


class Commands(unittest.TestCase):
    def test_commands_are_checked_and_framed_from_a_stream(self):
        self.assertEqual(core.parse_command(b"\x02\x05\x00\x00\x00"), (2, 5))
        self.assertEqual(core.parse_command(b"\x03\x01"), (3, 1))
        for bad in (b"", b"\x01\x00", b"\x03\x07", b"\x09"):
            with self.assertRaises(core.CommandError):
                core.parse_command(bad)
        s = core.CommandStream()
        self.assertEqual(s.feed(b"\x01\x10\x00"), [])
        self.assertEqual(s.feed(b"\x00\x00\x03\x02"), [(1, 16), (3, 2)])
        self.assertEqual(s.feed(b"\x7f\x01"), [], "an unknown opcode drops the buffer")
        self.assertEqual(s.feed(b"\x03\x00"), [(3, 0)])


class Vectors(unittest.TestCase):
    def test_the_committed_core_vectors_are_what_the_core_makes(self):
        with open(os.path.join(VECTORS, "core.json")) as f:
            committed = json.load(f)
        self.assertEqual(committed, core_vectors(), "run: python3 tests/test_core.py --write-vectors")

    def test_the_apps_vectors_decode_here(self):
        with open(os.path.join(VECTORS, "app.json")) as f:
            app = json.load(f)
        self.assertGreater(len(app), 3)
        for v in app:
            b = bytes.fromhex(v["hex"])
            if v["what"] == "samples":
                seq, t, samples = core.decode_samples(b)
                self.assertEqual(seq, v["seq"])
                self.assertEqual(t, v["time_cs"])
                self.assertEqual([list(s) for s in samples], v["mg"])
            elif v["what"] == "command":
                self.assertEqual(list(core.parse_command(b)), [v["op"], v["arg"]])


if __name__ == "__main__":
    if "--write-vectors" in sys.argv:
        os.makedirs(VECTORS, exist_ok=True)
        with open(os.path.join(VECTORS, "core.json"), "w") as f:
            json.dump(core_vectors(), f, indent=1)
            f.write("\n")
        print("wrote", os.path.join(VECTORS, "core.json"))
    else:
        unittest.main()
