#!/bin/sh
# Works a little, asks for approval the way Codex does, then works again and exits 0.
echo "planning (esc to interrupt)"
sleep 0.3
printf 'Would you like to run the following command?\n\n  $ make test\n\nPress enter to confirm or esc to cancel '
read -r _answer
echo "approved: running make test (esc to interrupt)"
sleep "${1:-1}"
echo "all done"
