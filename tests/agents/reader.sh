#!/bin/sh
# Reads lines and appends each, between markers, to the file named by $1; says when ready.
out="$1"
echo "ready>"
while IFS= read -r line; do
  printf '[%s]\n' "$line" >> "$out"
  echo "got ${#line} chars"
done
