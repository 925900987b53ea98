#!/usr/bin/env bash
# Measures the real window under Xvfb: CPU with no sensor (desk time counts
# from the X server: a first minute at the computer, then away), CPU with
# the demo at real time and at 60x, and resident memory. Also saves
# screenshots. Needs: xvfb, imagemagick (`import`). Usage:
#   cargo build --release && bash benches/window.sh [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-target/window-measure}
mkdir -p "$out"
bin=target/release/sitless
display=:97
Xvfb "$display" -screen 0 980x720x24 >/dev/null 2>&1 &
xvfb=$!
trap 'kill $xvfb 2>/dev/null || true' EXIT
sleep 1

# CPU seconds (user + system) of a process over an interval.
cpu_over() { # pid seconds
  local hz t1 t2
  hz=$(getconf CLK_TCK)
  t1=$(awk '{print $14 + $15}' "/proc/$1/stat")
  sleep "$2"
  t2=$(awk '{print $14 + $15}' "/proc/$1/stat")
  awk -v a="$t1" -v b="$t2" -v hz="$hz" -v s="$2" 'BEGIN { printf "%.1f", (b - a) / hz / s * 100 }' 
}
rss_mb() { awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }

run() { # name args... ; prints the pid of a window that stayed up
  local name=$1 pid try; shift
  for try in 1 2 3; do
    rm -f "$out/$name.db"*
    DISPLAY=$display RUST_LOG=warn "$bin" --db "$out/$name.db" "$@" >"$out/$name.log" 2>&1 &
    pid=$!
    sleep 3
    if kill -0 "$pid" 2>/dev/null; then echo "$pid"; return; fi
    echo "window $name did not stay up (try $try): $(grep -m1 Error "$out/$name.log")" >&2
  done
  exit 1
}
# The window is not our child (it runs in $(...)), so poll until it is gone:
# starting the next one while the X server is still tearing down the last
# one's connection can fail.
stop() { kill "$1" 2>/dev/null || true; while kill -0 "$1" 2>/dev/null; do sleep 0.2; done; sleep 1; }

pid=$(run idle)
sleep 2
echo "idle (no sensor): CPU $(cpu_over "$pid" 10) % of a core over 10 s, RSS $(rss_mb "$pid") MB"
DISPLAY=$display /usr/bin/import -window root "$out/idle.png"
stop "$pid"

pid=$(run realtime --demo --demo-speed 1)
sleep 2
echo "demo at real time: CPU $(cpu_over "$pid" 20) % of a core over 20 s, RSS $(rss_mb "$pid") MB"
stop "$pid"

pid=$(run demo --demo --demo-speed 60)
sleep 2
DISPLAY=$display /usr/bin/import -window root "$out/today-start.png"
echo "demo at 60x: CPU $(cpu_over "$pid" 20) % of a core over 20 s, RSS $(rss_mb "$pid") MB"
sleep 55
DISPLAY=$display /usr/bin/import -window root "$out/today-card.png"
echo "demo at 60x after 80 s: RSS $(rss_mb "$pid") MB"
stop "$pid"
