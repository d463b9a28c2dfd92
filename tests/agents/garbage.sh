#!/bin/sh
# Prints 10 MB of binary garbage (the same bytes every run: a seeded generator, so whatever
# terminal modes the garbage sets, the screen it leaves is the same), then one 10 MB line, then a
# marker; waits for a line.
python3 -c 'import random, sys; random.seed(20261207); sys.stdout.buffer.write(random.randbytes(10_000_000))'
awk 'BEGIN { for (i = 0; i < 1000000; i++) printf "0123456789"; printf "\n" }'
echo "after the flood"
read -r _
