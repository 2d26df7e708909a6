#!/usr/bin/env bash
# Live bench: `citytwin live` beside mosquitto_pub on the same loopback mosquitto broker, in
# the same run, end to end (publish -> broker -> a subscriber in the same run), at QoS 0 and 1.
#
#   benches/live.sh                 # 3 rounds
#   ROUNDS=5 N=300000 benches/live.sh
#   CITYTWIN=target/release/citytwin benches/live.sh   # skip the cargo build
#
# Each round runs, in turn:
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
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
N=${N:-500000}
N1=${N1:-100000}
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

# One `citytwin live`; prints a row for round $1. $2: --speed, $3: --qos, then extra flags.
live_round() {
  local round=$1 speed=$2 qos=$3
  shift 3
  local tag="citytwin live --speed $speed --qos $qos $*"
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

echo "broker: mosquitto $("$MOSQUITTO" -h 2>&1 | head -1 | awk '{print $3}') on 127.0.0.1:$port; $(nproc) cores"
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
