#!/bin/sh
# An agent that turns its checkpoint files into traps, then prints 30 numbered lines (slowly,
# so the sink looks at its checkpoints in between), updates PLAN.md and idles.
# $1: fifo | zero | huge | review; $2: the file under $MINDER_DIR (fifo, zero, huge).
set -e
d="$MINDER_DIR"
mkdir -p "$d/artifacts"
case "$1" in
  fifo) mkfifo "$d/$2" ;;
  zero) ln -s /dev/zero "$d/$2" ;;
  huge) truncate -s 3G "$d/$2" ;;
  review)
    mkfifo "$d/RISKS.md"
    mkfifo "$d/artifacts/pipe"
    ln -s /dev/zero "$d/artifacts/zero"
    ln -s / "$d/artifacts/root"
    truncate -s 3G "$d/artifacts/big"
    printf 'ok 1\nok 2\nall passed\n' > "$d/artifacts/tests.txt"
    ;;
esac
i=1
while [ $i -le 30 ]; do
  echo "line $i of 30"
  i=$((i + 1))
  sleep 0.1
done
if [ "$2" != PLAN.md ]; then printf -- '- [x] trap set\n- [ ] more\n' > "$d/PLAN.md"; fi
echo "all lines printed"
exec sleep 300
