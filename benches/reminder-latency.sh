#!/usr/bin/env bash
# Latency from a streak crossing the threshold to the card in the real
# window and to the desktop notification, with the demo sensor at 60x, under
# Xvfb with a real notification daemon (dunst) on a private session bus.
# Needs: xvfb, imagemagick (`import`), dbus, dunst. Usage:
#   cargo build --release && bash benches/reminder-latency.sh [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-target/reminder-latency}
mkdir -p "$out"
display=:95
Xvfb "$display" -screen 0 980x720x24 >/dev/null 2>&1 &
xvfb=$!
bus=$(dbus-daemon --session --print-address --fork --print-pid | head -1)
trap 'kill $xvfb 2>/dev/null || true; pkill -f "dunst" 2>/dev/null || true' EXIT
sleep 1
DISPLAY=$display DBUS_SESSION_BUS_ADDRESS=$bus dunst >/dev/null 2>&1 &
sleep 1
rm -f "$out/latency.db"*
# Today from 08:00 at 60x: the first reminder comes after about 70 s.
DISPLAY=$display DBUS_SESSION_BUS_ADDRESS=$bus RUST_LOG=sitless=info \
  target/release/sitless --demo --demo-speed 60 --db "$out/latency.db" >"$out/app.log" 2>&1 &
app=$!
for _ in $(seq 1 240); do
  grep -q "reminder notification at" "$out/app.log" && break
  sleep 0.5
done
sleep 0.5
DISPLAY=$display /usr/bin/import -window root "$out/card-and-notification.png"
kill "$app"; wait "$app" 2>/dev/null || true
grep -o "reminder card at [0-9]* ms" "$out/app.log" | sed 's/^/window: /'
grep -o "reminder notification at [0-9]* ms" "$out/app.log" | sed 's/^/desktop: /'
