#!/bin/sh
# An agent with no idle prompt minder knows (aider-like): it works, writes its risk summary and
# goes quiet. RISKS.md plus settled output must read as `review`, not `working` then `stuck`.
mkdir -p "$MINDER_DIR"
echo "working on it"
sleep 0.3
printf 'Low risk.\n' > "$MINDER_DIR/RISKS.md"
echo "done; see RISKS.md"
sleep 60
