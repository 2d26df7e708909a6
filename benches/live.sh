#!/usr/bin/env bash
# Live bench: `citytwin live` beside mosquitto_pub on the same loopback mosquitto broker, in
# the same run, end to end (publish -> broker -> a subscriber in the same run).
#
#   benches/live.sh                 # 3 rounds, 500k messages each for mosquitto_pub
#   ROUNDS=5 N=300000 benches/live.sh
#   CITYTWIN=target/release/citytwin benches/live.sh   # skip the cargo build
#
# Each round runs, in turn:
#   1. mosquitto_pub -l (QoS 0) fed N JSON lines shaped like citytwin's payloads (~220 bytes),
#      with mosquitto_sub -C N subscribed: rate = N / (first publish -> last message received);
#   2. citytwin live scenarios/quickstart.toml (one simulated day, ~573k uplinks) --speed max
#      --qos 0 --connections 2: received/s end to end, p50/p99 from the intended send time;
#   3. the same paced at --speed 12000 (~80k msg/s, below saturation): p50/p99 when the broker
#      keeps up.
# Needs mosquitto, mosquitto_pub, mosquitto_sub and python3. The broker is stopped by its pid.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
N=${N:-500000}
SCENARIO=${SCENARIO:-scenarios/quickstart.toml}
MOSQUITTO=${MOSQUITTO:-/usr/sbin/mosquitto}
if [[ -z "${CITYTWIN:-}" ]]; then
  cargo build --release --quiet
  CITYTWIN=target/release/citytwin
fi

work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$work/mosquitto.conf" <<EOF
listener $port 127.0.0.1
allow_anonymous true
persistence false
# mosquitto's defaults otherwise (set_tcp_nodelay false: Nagle on the broker's sockets adds a
# few ms to QoS 0 latency at moderate rates; turning it on costs ~40 % of peak throughput here).
EOF
"$MOSQUITTO" -c "$work/mosquitto.conf" >"$work/mosquitto.log" 2>&1 &
broker=$!
trap 'kill "$broker" 2>/dev/null; wait "$broker" 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.05
done

awk -v n="$N" 'BEGIN { for (i = 0; i < n; i++) printf "{\"seq\":%d,\"t_us\":123456789,\"sensor\":\"air_quality-%06d\",\"kind\":\"air_quality\",\"sim_time_s\":1234.567,\"pm2_5_ugm3\":12.3,\"pm10_ugm3\":25.1,\"no2_ugm3\":31.0,\"temp_c\":14.2,\"rh_pct\":61,\"battery_v\":3.52}\n", i, i % 1500 }' >"$work/lines.txt"

now() { date +%s.%N; }

# One `citytwin live` at --speed $2 (QoS 0, 2 connections); prints a row for round $1.
live_round() {
  "$CITYTWIN" live "$SCENARIO" --broker "mqtt://127.0.0.1:$port" --speed "$2" --qos 0 --connections 2 \
    --json --out "$work/out-$2" >"$work/live-$2.json" || [[ $? -eq 3 ]]
  python3 - "$1" "$work/live-$2.json" "citytwin live --speed $2 (QoS 0)" <<'PY'
import json, sys
l = json.load(open(sys.argv[2]))
tag = sys.argv[3]
if l["received"] != l["planned"]:
    tag += f" [{l['received']}/{l['planned']}]"
print(f"{sys.argv[1]:<6} {tag:<36} {round(l['received_per_s']):>12} {l['latency_ms']['p50']:>10.2f} {l['latency_ms']['p99']:>10.2f}")
PY
}

echo "broker: mosquitto $("$MOSQUITTO" -h 2>&1 | head -1 | awk '{print $3}') on 127.0.0.1:$port; $(nproc) cores; $N messages for mosquitto_pub"
printf '%-6s %-36s %12s %10s %10s\n' round tool msg/s p50_ms p99_ms
for r in $(seq "$ROUNDS"); do
  # 1. mosquitto_pub + mosquitto_sub.
  rm -f "$work/sub_end"
  (timeout 120 mosquitto_sub -h 127.0.0.1 -p "$port" -t 'bench/#' -C "$N" >/dev/null && now >"$work/sub_end") &
  sub=$!
  sleep 0.5
  start=$(now)
  mosquitto_pub -h 127.0.0.1 -p "$port" -t bench/air_quality -l <"$work/lines.txt"
  wait "$sub" || true
  if [[ -f "$work/sub_end" ]]; then
    rate=$(python3 -c "print(round($N / ($(cat "$work/sub_end") - $start)))")
  else
    rate="incomplete"
  fi
  printf '%-6s %-36s %12s %10s %10s\n' "$r" "mosquitto_pub -l (QoS 0)" "$rate" - -

  # 2. citytwin live, as fast as possible; 3. paced below saturation.
  live_round "$r" max
  live_round "$r" 12000
done
