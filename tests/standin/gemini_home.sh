#!/bin/bash
# gemini_home.sh HOME_DIR [PROJECT_DIR]
#
# Writes ~/.gemini/settings.json for running the real gemini-cli offline against the Gemini
# stand-in: API-key auth selected (with GEMINI_API_KEY and GOOGLE_GEMINI_BASE_URL in the
# environment no login is asked), no update check, no usage statistics, no IDE prompts. With
# PROJECT_DIR, that folder is marked trusted (~/.gemini/trustedFolders.json), so the folder
# trust dialog does not show there.
# Run gemini with HOME=HOME_DIR GEMINI_API_KEY=x GOOGLE_GEMINI_BASE_URL=http://127.0.0.1:PORT.
set -euo pipefail
home=$1 proj=${2:-}
mkdir -p "$home/.gemini"
python3 - "$home" "$proj" <<'PY'
import json, sys
home, proj = sys.argv[1:]
settings = {
    "security": {"auth": {"selectedType": "gemini-api-key"}, "folderTrust": {"enabled": True}},
    "general": {"disableAutoUpdate": True, "disableUpdateNag": True},
    "privacy": {"usageStatisticsEnabled": False},
    "ide": {"hasSeenNudge": True},
}
with open(f"{home}/.gemini/settings.json", "w") as f:
    json.dump(settings, f, indent=2)
if proj:
    with open(f"{home}/.gemini/trustedFolders.json", "w") as f:
        json.dump({proj: "TRUST_FOLDER"}, f, indent=2)
PY
