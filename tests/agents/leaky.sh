#!/bin/sh
# Writes a made-up key and a token of the session's own pattern into every checkpoint file
# `review` shows (PLAN.md, STATUS.md, RISKS.md, an artifact's last lines) and into leak.txt in
# its folder (for a check to print), then finishes.
KEY=sk-proj-Zq7Xw2Lr9Tb4Nc6Vm1Hs8Kd3Pf5Gj0AyEu2Wo4Ri
mkdir -p "$MINDER_DIR/artifacts"
printf -- '- [x] try the key %s\n' "$KEY" > "$MINDER_DIR/PLAN.md"
printf 'used %s and internal-deadbeef\n' "$KEY" > "$MINDER_DIR/STATUS.md"
printf 'Risk: %s is in .env\n' "$KEY" > "$MINDER_DIR/RISKS.md"
printf 'test output\nOPENAI_API_KEY=%s\ninternal-deadbeef\n' "$KEY" > "$MINDER_DIR/artifacts/run.txt"
printf '%s internal-feedface\n' "$KEY" > leak.txt
echo "done"
