#!/usr/bin/env bash
# Sitless in the tray with its window closed (`--background`): CPU, resident
# memory and wake-ups per minute of each thread, recording (a) the demo at
# 1x real time and (b) one Sitless-profile sensor at 25 Hz through the fake
# BlueZ, against a fake desktop (examples/fake_desktop.rs: tray watcher,
# notification server, logind). Usage:
#   bash benches/background.sh [SECONDS]    (default 120 s per case)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-120}
out=target/background-measure
rm -rf "$out" && mkdir -p "$out/home"
cargo build --release --quiet --example fake_desktop
cargo build --release --quiet
bin=target/release/sitless
target/release/examples/fake_desktop >"$out/desktop.log" &
fake=$!
pids=("$fake")
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
for _ in $(seq 50); do grep -q DBUS_SYSTEM "$out/desktop.log" && break; sleep 0.1; done
session=$(sed -n 's/^DBUS_SESSION_BUS_ADDRESS=//p' "$out/desktop.log")
system=$(sed -n 's/^DBUS_SYSTEM_BUS_ADDRESS=//p' "$out/desktop.log")
vars=(DBUS_SESSION_BUS_ADDRESS="$session" DBUS_SYSTEM_BUS_ADDRESS="$system"
  HOME="$out/home" XDG_CACHE_HOME="$out/home/cache" RUST_LOG=sitless=info)

# Voluntary context switches (= wake-ups) per thread name.
switches() { # pid
  for t in /proc/"$1"/task/*; do
    printf '%s %s\n' "$(cat "$t/comm")" "$(awk '/^voluntary_ctxt_switches/ {print $2}' "$t/status")"
  done | awk '{n[$1] += $2} END {for (k in n) print k, n[k]}' | sort
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

measure() { # name args...
  local name=$1; shift
  # Started by env directly, so $! is Sitless itself.
  env "${vars[@]}" "$bin" --background --db "$out/$name.db" "$@" 2>"$out/$name.log" &
  local pid=$!
  pids+=("$pid")
  sleep 20 # started, tray registered, links up
  local hz t1 t2
  hz=$(getconf CLK_TCK)
  switches "$pid" >"$out/$name.sw1"
  t1=$(cpu_ticks "$pid")
  sleep "$secs"
  t2=$(cpu_ticks "$pid")
  switches "$pid" >"$out/$name.sw2"
  local rss
  rss=$(awk '/VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$pid/status")
  echo "== $name: CPU $(awk -v a="$t1" -v b="$t2" -v hz="$hz" -v s="$secs" 'BEGIN {printf "%.2f", (b - a) / hz / s * 100}') % of one core, RSS $rss MB"
  echo "   wake-ups per minute by thread:"
  join "$out/$name.sw1" "$out/$name.sw2" |
    awk -v s="$secs" '{d = ($3 - $2) * 60 / s; if (d >= 0.5) printf "     %-24s %7.1f\n", $1, d}' | sort -k2 -nr
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
}

measure demo --demo --demo-speed 1
env "${vars[@]}" "$bin" pair C0:FF:EE:00:00:01 --placement thigh --db "$out/ble.db" >/dev/null
measure ble
