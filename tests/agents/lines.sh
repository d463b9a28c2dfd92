#!/bin/sh
# Prints $1 numbered lines as fast as it can, then exits 0.
n="$1"
awk -v n="$n" 'BEGIN { for (i = 1; i <= n; i++) printf "line %06d of the log\n", i }'
