#!/usr/bin/env bash
# Runs the access-log-windows example on its sample (embedded cluster) and compares its report with
# what an independent reading of the same file gives: a small Python parser of Common/Combined
# Log Format lines computes the per-minute requests and errors, the 5-minute-gap sessions per IP
# and the malformed lines from the file itself.
# (On a real broker the example's input topic keeps earlier runs' lines, so its windows add up
# across runs; this check uses a fresh embedded cluster.)
# Usage: check_access_log_windows_example.sh BINARY SAMPLE
set -euo pipefail
binary=$1 sample=$2
actual=$("$binary" --input "$sample")
expected=$(python3 - "$sample" <<'PY'
import re, sys, datetime
line_re = re.compile(r'^(\S+) (\S+) (\S+) \[([^\]]+)\] "(\S+) (\S+) (\S+)" (\d{3}) (\d+|-)( "[^"]*" "[^"]*")?$')
minutes, sessions, malformed = {}, {}, 0
events = []
for raw in open(sys.argv[1], encoding='utf-8').read().splitlines():
    m = line_re.match(raw)
    if not m:
        malformed += 1
        continue
    t = datetime.datetime.strptime(m.group(4), '%d/%b/%Y:%H:%M:%S %z')
    ms = int(t.timestamp() * 1000)
    status = int(m.group(8))
    start = ms // 60000 * 60000
    req, err = minutes.get(start, (0, 0))
    minutes[start] = (req + 1, err + (1 if status >= 500 else 0))
    events.append((m.group(1), ms))
gap = 5 * 60 * 1000
by_ip = {}
for ip, ms in events:
    by_ip.setdefault(ip, []).append(ms)
out = []
def utc(ms, seconds):
    d = datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc)
    return d.strftime('%Y-%m-%dT%H:%M:%SZ' if seconds else '%Y-%m-%dT%H:%MZ')
for start in sorted(minutes):
    req, err = minutes[start]
    out.append(f'minute {utc(start, False)} {req} {err}')
for ip in sorted(by_ip):
    times = sorted(by_ip[ip])
    first = last = times[0]; n = 1
    for t in times[1:]:
        if t - last > gap:
            out.append(f'session {ip} {utc(first, True)} {utc(last, True)} {n}')
            first, n = t, 0
        last = t; n += 1
    out.append(f'session {ip} {utc(first, True)} {utc(last, True)} {n}')
out.append(f'{malformed} malformed lines sent to access-log-windows-dlq')
print('\n'.join(out))
PY
)
if [[ "$actual" != "$expected" ]]; then
  echo "access-log-windows: report differs from the independent reading of $sample" >&2
  diff <(echo "$expected") <(echo "$actual") >&2 || true
  exit 1
fi
echo "$actual"
echo "access-log-windows: report matches ($(grep -c '^minute' <<<"$actual") minutes," \
  "$(grep -c '^session' <<<"$actual") sessions)" >&2
