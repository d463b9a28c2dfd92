#!/bin/bash
# aider_home.sh HOME_DIR PORT
#
# Writes a HOME for running the real aider offline against the chat-completions stand-in on
# 127.0.0.1:PORT, with no first-run prompts and no network:
#   - ~/.aider.conf.yml: the stand-in as the OpenAI API base, model openai/standin, no update
#     check, analytics disabled (else aider asks once), no .gitignore question, no model
#     warnings (an unknown model otherwise asks "Open documentation url?")
#   - ~/.aider.model.metadata.json: the model's limits, so aider does not download litellm's
#     price list (it would try raw.githubusercontent.com, and print the failure)
# Run aider with HOME=HOME_DIR OPENAI_API_KEY=anything, in a git repository with user.name and
# user.email set (aider commits its edits).
set -euo pipefail
home=$1 port=$2
mkdir -p "$home"
cat >"$home/.aider.conf.yml" <<YML
openai-api-base: http://127.0.0.1:$port/v1
model: openai/standin
check-update: false
analytics-disable: true
gitignore: false
show-model-warnings: false
YML
cat >"$home/.aider.model.metadata.json" <<'JSON'
{
  "openai/standin": {
    "max_input_tokens": 128000,
    "max_output_tokens": 4096,
    "input_cost_per_token": 0,
    "output_cost_per_token": 0,
    "litellm_provider": "openai",
    "mode": "chat"
  }
}
JSON
