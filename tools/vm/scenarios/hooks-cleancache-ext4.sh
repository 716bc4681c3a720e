#!/bin/sh
# scenario: cleancache on ext4: a file larger than RAM is read twice with backend hits and every byte verified; writes, truncation, hole punching, O_DIRECT and remounts never read stale data
# memory: 128M
# timeout: 900
. /scenarios/lib.sh
. /scenarios/hooks.inc
FS=ext4
. /scenarios/hooks-cleancache.inc
finish
