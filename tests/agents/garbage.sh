#!/bin/sh
# Prints 10 MB of binary garbage, then one 10 MB line, then a marker; waits for a line.
head -c 10000000 /dev/urandom
awk 'BEGIN { for (i = 0; i < 1000000; i++) printf "0123456789"; printf "\n" }'
echo "after the flood"
read -r _
