"""The Sitless open profile's protocol core, for the reference firmware.

Packets, sequence numbers, the device clock, the history ring and the
control point, with no hardware imports: the same file runs on a
CircuitPython board (imported by code.py) and under CPython (the tests in
tests/, which also check it against the app's golden byte vectors).

The profile is docs/gatt-profile.md in the Sitless repository. All numbers
are little-endian; every packet fits a 20-byte ATT value.
"""

import struct

SERVICE = "403e0100-1557-41ca-9b10-c433eefde792"
SAMPLES = "403e0101-1557-41ca-9b10-c433eefde792"
HISTORY = "403e0102-1557-41ca-9b10-c433eefde792"
CONTROL = "403e0103-1557-41ca-9b10-c433eefde792"
SAMPLING = "403e0104-1557-41ca-9b10-c433eefde792"

OP_SET_TIME = 0x01
OP_REQUEST_RECORDS = 0x02
OP_CALIBRATE = 0x03

# A packet time of all ones: the clock was not set since power-up.
TIME_UNSET = 0xFFFFFFFF
# Device time counts centiseconds from 2024-01-01T00:00:00Z.
EPOCH_UNIX_S = 1704067200
PERIOD_MIN_MS = 10
PERIOD_MAX_MS = 1000
SAMPLES_PER_PACKET = 2
# The firmware takes Set time when its clock is unset or off by more.
CLOCK_TOLERANCE_CS = 200
MAX_MG = 16000

_U32 = 0xFFFFFFFF


def clamp_mg(v):
    """A reading in milli-g as the profile's i16, within +-16 g."""
    v = int(round(v))
    return max(-MAX_MG, min(MAX_MG, v))


def mg_from_ms2(x, y, z):
    """Milli-g from m/s^2 (what CircuitPython accelerometer drivers give)."""
    k = 1000.0 / 9.80665
    return (clamp_mg(x * k), clamp_mg(y * k), clamp_mg(z * k))


def encode_samples(seq, time_cs, samples):
    """A samples packet: seq u32, time u32 (None: unset), 1-2 x (x, y, z) i16 mg."""
    if not 1 <= len(samples) <= SAMPLES_PER_PACKET:
        raise ValueError("a packet holds 1 or 2 samples")
    t = TIME_UNSET if time_cs is None else time_cs & _U32
    out = bytearray(struct.pack("<II", seq & _U32, t))
    for s in samples:
        out += struct.pack("<hhh", s[0], s[1], s[2])
    return bytes(out)


def decode_samples(b):
    """(seq, time_cs or None, [(x, y, z), ...]) from a samples packet."""
    if len(b) not in (14, 20):
        raise ValueError("a samples packet has 14 or 20 bytes, not %d" % len(b))
    seq, t = struct.unpack_from("<II", b, 0)
    samples = [struct.unpack_from("<hhh", b, 8 + 6 * i) for i in range((len(b) - 8) // 6)]
    return seq, (None if t == TIME_UNSET else t), samples


def end_marker(next_seq):
    """The History end marker: the sequence number live samples go on with."""
    return struct.pack("<I", next_seq & _U32)


def encode_period(ms):
    return struct.pack("<H", ms)


def decode_period(b):
    """The Sampling characteristic's value, checked: a u16 of 10-1000 ms."""
    if len(b) != 2:
        raise ValueError("the sample period is 2 bytes")
    (ms,) = struct.unpack("<H", b)
    if not PERIOD_MIN_MS <= ms <= PERIOD_MAX_MS:
        raise ValueError("sample period %d ms is out of range" % ms)
    return ms


def unix_ms_to_cs(unix_ms):
    return ((unix_ms - EPOCH_UNIX_S * 1000) // 10) & _U32


class DeviceClock:
    """Centiseconds since the profile epoch, from a monotonic millisecond
    counter (time.monotonic_ns() // 1_000_000 on the board). Unset until
    the app's first Set time."""

    def __init__(self):
        self._base_cs = None
        self._base_ms = 0

    @property
    def is_set(self):
        return self._base_cs is not None

    def now_cs(self, mono_ms):
        if self._base_cs is None:
            return None
        return (self._base_cs + (mono_ms - self._base_ms) // 10) & _U32

    def set_time(self, cs, mono_ms):
        """Takes the app's time if unset or off by more than 2 s; True if taken."""
        now = self.now_cs(mono_ms)
        if now is not None:
            off = (cs - now) & _U32
            if off > 1 << 31:
                off = (1 << 32) - off
            if off <= CLOCK_TOLERANCE_CS:
                return False
        self._base_cs = cs & _U32
        self._base_ms = mono_ms
        return True


class HistoryRing:
    """The last `capacity` samples: 6 bytes each in one bytearray (a
    board's RAM is small), with the clock anchors needed to date them.

    Sample number `seq` sits at slot seq % capacity. Its time is the time of
    the newest anchor (seq, time_cs) at or before it, plus one period per
    sample since; samples before the first anchor are undated.
    """

    def __init__(self, capacity, period_ms):
        self.capacity = capacity
        self.period_ms = period_ms
        self._buf = bytearray(6 * capacity)
        self.next_seq = 0
        self._anchors = []

    @property
    def oldest_seq(self):
        return max(0, self.next_seq - self.capacity)

    def anchor(self, seq, time_cs):
        """From `seq` on, samples are dated from `time_cs` at the period in
        force (a clock set, a new period, or now and then so the dating
        follows the real clock). Anchors no sample needs are dropped."""
        if time_cs is None:
            return
        self._anchors.append((seq, time_cs, self.period_ms))
        while len(self._anchors) > 1 and self._anchors[1][0] <= self.oldest_seq:
            self._anchors.pop(0)
        if len(self._anchors) > 32:
            self._anchors.pop(0)

    def append(self, mg):
        struct.pack_into("<hhh", self._buf, 6 * (self.next_seq % self.capacity), mg[0], mg[1], mg[2])
        self.next_seq += 1

    def time_of(self, seq):
        best = None
        for a in self._anchors:
            if a[0] <= seq:
                best = a
        if best is None:
            return None
        a_seq, a_cs, period_ms = best
        return (a_cs + (seq - a_seq) * period_ms // 10) & _U32

    def period_at(self, seq):
        best = self.period_ms
        for a in self._anchors:
            if a[0] <= seq:
                best = a[2]
        return best

    def sample(self, seq):
        return struct.unpack_from("<hhh", self._buf, 6 * (seq % self.capacity))

    def records_from(self, seq):
        """The History answer to Request records from `seq`: packets of up to
        two samples from `seq` (or the oldest kept) to the newest, then the
        end marker. A packet never spans a change of dating."""
        s = max(seq, self.oldest_seq)
        if seq > self.next_seq:
            s = self.next_seq
        while s < self.next_seq:
            t = self.time_of(s)
            n = 1
            if s + 1 < self.next_seq:
                t2 = self.time_of(s + 1)
                expected = None if t is None else (t + self.period_at(s) // 10) & _U32
                if t2 == expected:
                    n = 2
            yield encode_samples(s, t, [self.sample(s + i) for i in range(n)])
            s += n
        yield end_marker(self.next_seq)


class Sampler:
    """Live samples into packets of two, with their sequence numbers and
    the time of the first sample of each, and into the history ring."""

    # Every this many samples the history's dating is re-anchored to the
    # clock, so a board sampling a little off its period stays within a
    # sample of the truth (a minute at 25 Hz).
    REANCHOR_EVERY = 1500

    def __init__(self, ring, clock):
        self.ring = ring
        self.clock = clock
        self._pending = []
        self._pending_seq = 0
        self._pending_cs = None
        self._anchored = 0

    def add(self, mg, mono_ms):
        """Records one sample; returns a packet to notify, or None."""
        seq = self.ring.next_seq
        cs = self.clock.now_cs(mono_ms)
        if cs is not None and not self._pending and seq - self._anchored >= self.REANCHOR_EVERY:
            self.ring.anchor(seq, cs)
            self._anchored = seq
        self.ring.append(mg)
        if not self._pending:
            self._pending_seq = seq
            self._pending_cs = cs
        self._pending.append(mg)
        if len(self._pending) == SAMPLES_PER_PACKET:
            p = encode_samples(self._pending_seq, self._pending_cs, self._pending)
            self._pending = []
            return p
        return None

    def clock_changed(self, mono_ms):
        """The clock was set: samples from the next one on are dated by it."""
        self.ring.anchor(self.ring.next_seq, self.clock.now_cs(mono_ms))
        self._anchored = self.ring.next_seq
        # A half-full packet keeps one dating: send it alone.
        flushed = None
        if self._pending:
            flushed = encode_samples(self._pending_seq, self._pending_cs, self._pending)
            self._pending = []
        return flushed


class CommandError(ValueError):
    """A control point write the profile does not define (answered with an
    ATT error by the firmware)."""


def parse_command(b):
    """(op, argument) of a control point write; CommandError otherwise."""
    if not b:
        raise CommandError("empty command")
    op = b[0]
    if op in (OP_SET_TIME, OP_REQUEST_RECORDS):
        if len(b) != 5:
            raise CommandError("opcode %d takes 4 bytes" % op)
        return op, struct.unpack_from("<I", b, 1)[0]
    if op == OP_CALIBRATE:
        if len(b) != 2 or b[1] > 2:
            raise CommandError("calibrate takes one pose byte 0-2")
        return op, b[1]
    raise CommandError("unknown opcode %d" % op)


class CommandStream:
    """Commands framed from a byte stream (CircuitPython's write buffer
    joins writes), by the length each opcode implies."""

    LENGTH = {OP_SET_TIME: 5, OP_REQUEST_RECORDS: 5, OP_CALIBRATE: 2}

    def __init__(self):
        self._buf = bytearray()

    def feed(self, data):
        """The whole commands in `data` and before; an unknown opcode drops
        the buffer (there is no way to find the next command's start)."""
        self._buf += data
        out = []
        while self._buf:
            n = self.LENGTH.get(self._buf[0])
            if n is None:
                self._buf = bytearray()
                break
            if len(self._buf) < n:
                break
            try:
                out.append(parse_command(bytes(self._buf[:n])))
            except CommandError:
                pass
            self._buf = self._buf[n:]
        return out


class Firmware:
    """The profile's behaviour, wired to nothing: code.py feeds it samples,
    the clock and control point writes, and sends what it returns."""

    def __init__(self, capacity=12000, period_ms=40):
        self.clock = DeviceClock()
        self.period_ms = period_ms
        self.ring = HistoryRing(capacity, period_ms)
        self.sampler = Sampler(self.ring, self.clock)
        self.pose = 0

    def on_sample(self, mg, mono_ms):
        """[(characteristic, bytes)] to notify after one sample."""
        p = self.sampler.add(mg, mono_ms)
        return [(SAMPLES, p)] if p else []

    def on_command(self, op, arg, mono_ms):
        """[(characteristic, bytes)] to notify after a command."""
        out = []
        if op == OP_SET_TIME:
            if self.clock.set_time(arg, mono_ms):
                flushed = self.sampler.clock_changed(mono_ms)
                if flushed:
                    out.append((SAMPLES, flushed))
        elif op == OP_REQUEST_RECORDS:
            out.extend((HISTORY, p) for p in self.ring.records_from(arg))
        elif op == OP_CALIBRATE:
            self.pose = arg
        return out

    def set_period(self, ms, mono_ms):
        """A new sample period (Sampling written): dating restarts from now."""
        self.period_ms = decode_period(encode_period(ms))
        self.ring.period_ms = self.period_ms
        self.sampler.clock_changed(mono_ms)
