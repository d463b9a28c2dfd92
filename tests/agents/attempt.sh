#!/bin/sh
# One attempt of several: attempt 2 writes pass.txt (the check looks for it), every attempt
# commits a file named after it. Exits 0.
echo "attempt ${MINDER_ATTEMPT:-none}"
if [ "$MINDER_ATTEMPT" = 2 ]; then echo ok > pass.txt; git add pass.txt; fi
echo "attempt $MINDER_ATTEMPT" > "attempt-$MINDER_ATTEMPT.txt"
git add "attempt-$MINDER_ATTEMPT.txt" && git commit -q -m "attempt $MINDER_ATTEMPT"
