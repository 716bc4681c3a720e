#!/usr/bin/env bash
# Usage: check-config.sh CONFIG FRAGMENT...
#
# Fails, naming each one, when an option of the fragments did not end up in CONFIG (a .config
# after `make olddefconfig`). merge_config.sh and olddefconfig only warn, or say nothing, when a
# `depends on` drops an option; a kernel that silently lost Rust or the hooks is worse than none.
# `# CONFIG_X is not set` is satisfied by that line or by X being absent (its dependencies off).
# (tools/kernel/build.sh has the same loop inline; it stays as it is, being the test kernel's
# cache key.)
set -euo pipefail

[ $# -ge 2 ] || { echo "usage: $0 CONFIG FRAGMENT..." >&2; exit 2; }
config=$1
shift
[ -f "$config" ] || { echo "check-config: no $config" >&2; exit 2; }

missing=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*) want=$line ;;
	"# CONFIG_"*" is not set") want=$line ;;
	*) continue ;;
	esac
	if ! grep -qxF -- "$want" "$config"; then
		opt=${want#\# }; opt=${opt%%[= ]*}
		if [[ "$want" == "# "* ]] && ! grep -q "^$opt=" "$config"; then continue; fi
		have=$(grep -E "^(# )?$opt[= ]" "$config" || echo unset)
		echo "check-config: option not applied: $want (have: $have)" >&2
		missing=$((missing + 1))
	fi
done < <(cat "$@")
if [ "$missing" != 0 ]; then
	echo "check-config: $missing option(s) of $* not in $config" >&2
	exit 1
fi
