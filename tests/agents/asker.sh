#!/bin/sh
# Asks a question at its prompt, is answered, works on, writes its risk summary and waits for
# input: once answered, the old question (still on screen above) is history, and the truth is
# `review`, not `waiting (approval)`.
mkdir -p "$MINDER_DIR"
printf -- '- [ ] act\n' > "$MINDER_DIR/PLAN.md"
printf 'Allow this action? [y/N] '
read -r answer
echo "answer=$answer"
printf -- '- [x] act\n' > "$MINDER_DIR/PLAN.md"
printf 'Low risk.\n' > "$MINDER_DIR/RISKS.md"
echo "done; waiting for you"
read -r _more
