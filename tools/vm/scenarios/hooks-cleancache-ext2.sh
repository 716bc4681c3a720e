#!/bin/sh
# scenario: cleancache on ext2: a file larger than RAM is read twice with backend hits and every byte verified; writes, truncation, O_DIRECT and remounts never read stale data
# memory: 128M
# timeout: 900
. /scenarios/lib.sh
. /scenarios/hooks.inc
FS=ext2
. /scenarios/hooks-cleancache.inc
finish
