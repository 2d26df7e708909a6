#!/usr/bin/env bash
# Live bench: `citytwin live` beside mosquitto_pub on the same loopback broker (mosquitto, or
# rumqttd with BROKER=rumqttd), in the same run, end to end (publish -> broker -> a subscriber
# in the same run), at QoS 0 and 1.
#
#   benches/live.sh                 # 3 rounds
#   ROUNDS=5 N=300000 benches/live.sh
#   CITYTWIN=target/release/citytwin benches/live.sh   # skip the cargo build
#   BROKER=rumqttd benches/live.sh  # the same rounds on rumqttd instead of mosquitto
#
# Each round runs, in turn, each on a fresh broker:
#   1. mosquitto_pub -l (QoS 0) fed N JSON lines shaped like citytwin's payloads (~220 bytes),
#      with mosquitto_sub -C N subscribed: rate = N / (first publish -> last message received);
#   2. mosquitto_pub --repeat N (QoS 0): one such payload N times, measured the same way;
#   3. citytwin live scenarios/quickstart.toml (one simulated day, ~573k uplinks) --speed max
#      --qos 0 --connections 2: received/s end to end, p50/p99 from the intended send time;
#   4. the same paced at --speed 12000 (~80k msg/s, below saturation): p50/p99 when the broker
#      keeps up;
#   5. mosquitto_pub --repeat N1 -q 1 with mosquitto_sub -q 1 (mosquitto_pub -l at QoS 1 lost
#      most messages here, so it is not a usable baseline);
#   6. citytwin live --speed max --qos 1 --connections 2 --subscribers 2 (a shared subscription:
#      one subscriber alone makes mosquitto drop past its 1,000-message queue at this rate).
# Needs mosquitto, mosquitto_pub, mosquitto_sub and python3. The broker is stopped by its pid.
#
# BROKER=rumqttd runs the same rounds on rumqttd (multi-threaded, Rust), where the broker is not
# the ceiling, so the rounds compare the clients. Install it once, outside the project:
#   cargo install rumqttd@0.20.0 --root /tmp/rumqttd   # then RUMQTTD=/tmp/rumqttd/bin/rumqttd
# (not `--locked`: that fails on rustc 1.95, its pinned `metrics` 0.22.1 no longer compiles).
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
N=${N:-500000}
N1=${N1:-100000}
SCENARIO=${SCENARIO:-scenarios/quickstart.toml}
BROKER=${BROKER:-mosquitto}
MOSQUITTO=${MOSQUITTO:-/usr/sbin/mosquitto}
RUMQTTD=${RUMQTTD:-rumqttd}
if [[ -z "${CITYTWIN:-}" ]]; then
  cargo build --release --quiet
  CITYTWIN=target/release/citytwin
fi

work=$(mktemp -d)
broker=
stop_broker() {
  [[ -n "$broker" ]] || return 0
  kill "$broker" 2>/dev/null || true
  wait "$broker" 2>/dev/null || true
  broker=
}
trap 'stop_broker; rm -rf "$work"' EXIT

case "$BROKER" in
mosquitto) broker_name="mosquitto $("$MOSQUITTO" -h 2>&1 | head -1 | awk '{print $3}' || true)" ;;
rumqttd) broker_name="rumqttd $("$RUMQTTD" --version 2>&1 | awk '{print $2}' || true)" ;;
*)
  echo "BROKER must be mosquitto or rumqttd, not $BROKER" >&2
  exit 2
  ;;
esac

# Starts a fresh broker on a free loopback port ($port), so that no row inherits another's
# queues or memory (rumqttd keeps every message in its in-memory log until a segment rolls).
start_broker() {
  stop_broker
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  case "$BROKER" in
  mosquitto)
    cat >"$work/mosquitto.conf" <<EOF
listener $port 127.0.0.1
allow_anonymous true
persistence false
# mosquitto's defaults otherwise (set_tcp_nodelay false: Nagle on the broker's sockets adds a
# few ms to QoS 0 latency at moderate rates; turning it on costs ~40 % of peak throughput here).
EOF
    "$MOSQUITTO" -c "$work/mosquitto.conf" >"$work/broker.log" 2>&1 &
    broker=$!
    ;;
  rumqttd)
    # rumqttd's sample settings (rumqttd.toml in its crate) for one MQTT 3.1.1 listener.
    cat >"$work/rumqttd.toml" <<EOF
id = 0
[router]
id = 0
max_connections = 10010
max_outgoing_packet_count = 200
max_segment_size = 104857600
max_segment_count = 10
[v4.1]
name = "v4-1"
listen = "127.0.0.1:$port"
next_connection_delay_ms = 1
    [v4.1.connections]
    connection_timeout_ms = 60000
    max_payload_size = 20480
    max_inflight_count = 100
    dynamic_filters = true
EOF
    "$RUMQTTD" -c "$work/rumqttd.toml" >"$work/broker.log" 2>&1 &
    broker=$!
    ;;
  esac
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "the broker did not open 127.0.0.1:$port; its log:" >&2
  cat "$work/broker.log" >&2
  exit 1
}

awk -v n="$N" 'BEGIN { for (i = 0; i < n; i++) printf "{\"seq\":%d,\"t_us\":123456789,\"sensor\":\"air_quality-%06d\",\"kind\":\"air_quality\",\"sim_time_s\":1234.567,\"pm2_5_ugm3\":12.3,\"pm10_ugm3\":25.1,\"no2_ugm3\":31.0,\"temp_c\":14.2,\"rh_pct\":61,\"battery_v\":3.52}\n", i, i % 1500 }' >"$work/lines.txt"

now() { date +%s.%N; }

# One `citytwin live`; prints a row for round $1. $2: --speed, $3: --qos, then extra flags.
live_round() {
  local round=$1 speed=$2 qos=$3
  shift 3
  local tag="citytwin live --speed $speed --qos $qos $*"
  start_broker
  "$CITYTWIN" live "$SCENARIO" --broker "mqtt://127.0.0.1:$port" --speed "$speed" --qos "$qos" "$@" \
    --json --out "$work/out" >"$work/live.json" || [[ $? -eq 3 ]]
  python3 - "$round" "$work/live.json" "$tag" <<'PY'
import json, sys
l = json.load(open(sys.argv[2]))
tag = sys.argv[3]
if l["received"] != l["planned"]:
    tag += f" [{l['received']}/{l['planned']}]"
print(f"{sys.argv[1]:<6} {tag:<66} {round(l['received_per_s']):>9} {l['latency_ms']['p50']:>9.2f} {l['latency_ms']['p99']:>9.2f}")
PY
}

# One mosquitto_pub run with mosquitto_sub subscribed; prints a row for round $1. $2: QoS,
# $3: messages, then mosquitto_pub's input flags (-l reads $work/lines.txt).
pub_round() {
  local round=$1 qos=$2 n=$3
  shift 3
  start_broker
  rm -f "$work/sub_end"
  (timeout 120 mosquitto_sub -h 127.0.0.1 -p "$port" -q "$qos" -t 'bench/#' -C "$n" >/dev/null &&
    now >"$work/sub_end") &
  local sub=$! start
  sleep 0.5
  start=$(now)
  mosquitto_pub -h 127.0.0.1 -p "$port" -q "$qos" -t bench/air_quality "$@" <"$work/lines.txt"
  wait "$sub" || true
  local rate="incomplete"
  [[ -f "$work/sub_end" ]] && rate=$(python3 -c "print(round($n / ($(cat "$work/sub_end") - $start)))")
  local flags="$*"
  printf '%-6s %-66s %9s %9s %9s\n' "$round" "mosquitto_pub ${flags%% -m*} -q $qos ($n)" "$rate" - -
}

echo "broker: $broker_name on loopback, a fresh one for each row; $(nproc) cores"
printf '%-6s %-66s %9s %9s %9s\n' round tool msg/s p50_ms p99_ms
payload=$(head -1 "$work/lines.txt")
for r in $(seq "$ROUNDS"); do
  pub_round "$r" 0 "$N" -l
  pub_round "$r" 0 "$N" --repeat "$N" -m "$payload"
  live_round "$r" max 0 --connections 2
  live_round "$r" 12000 0 --connections 2
  pub_round "$r" 1 "$N1" --repeat "$N1" -m "$payload"
  live_round "$r" max 1 --connections 2 --subscribers 2
done
