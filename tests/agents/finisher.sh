#!/bin/sh
# Writes the checkpoint files into $MINDER_DIR, overwriting STATUS.md, ends with RISKS.md and
# waits at its prompt: minder should call that `review`.
mkdir -p "$MINDER_DIR"
# Give the sink a moment to start, so the first version of each file is seen too.
sleep 0.5
printf -- '- [x] read\n- [ ] write\n' > "$MINDER_DIR/PLAN.md"
for i in 1 2 3; do echo "phase $i"; printf 'status %s\n' "$i" > "$MINDER_DIR/STATUS.md"; sleep 0.4; done
printf -- '- [x] read\n- [x] write\n' > "$MINDER_DIR/PLAN.md"
printf 'Low risk.\n' > "$MINDER_DIR/RISKS.md"
sleep 0.4
printf 'Would you like to run the following command?\nPress enter to confirm or esc to cancel '
read -r _answer
