#!/bin/sh
# Turns at a `ready>` prompt: the first writes RISKS.md; later ones only rewrite it when told
# `rewrite`. For the rule that after a rejection only a newer RISKS.md means review.
mkdir -p "$MINDER_DIR"
printf 'first risks\n' > "$MINDER_DIR/RISKS.md"
while :; do
  printf 'ready> '
  read -r line || exit 0
  echo "got: $line"
  sleep 0.3
  if [ "$line" = rewrite ]; then printf 'second risks\n' > "$MINDER_DIR/RISKS.md"; fi
  echo "done with: $line"
done
