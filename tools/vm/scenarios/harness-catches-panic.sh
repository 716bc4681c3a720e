#!/bin/sh
# scenario: harness self-test: a guest whose kernel panics (sysrq c) is judged failed even after its script said PASS
# expect-failure: kernel panic
# timeout: 60
. /scenarios/lib.sh

check "the scenario script itself passes" true
echo "RAMSTER-SCENARIO: PASS"
echo c > /proc/sysrq-trigger
finish
