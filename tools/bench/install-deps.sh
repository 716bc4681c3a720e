#!/usr/bin/env bash
# Installs what make bench needs beyond the test kernel's tools (tools/kernel/install-deps.sh),
# only when missing: Debian's matplotlib, for the report's chart (tools/bench/chart.py).
set -euo pipefail

DEBS=(python3-matplotlib)

missing=()
for p in "${DEBS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "bench install-deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
