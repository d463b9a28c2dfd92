#!/bin/sh
# Streams a file that contains an approval prompt's text (as `cat` of Codex's own source would),
# for about $1 seconds, the prompt text always on screen among the lines; then the prompt for
# real, and it waits for an answer.
end=$(( $(date +%s) + ${1:-3} ))
i=0
while [ "$(date +%s)" -lt "$end" ]; do
    i=$((i + 1))
    echo "line $i of the file"
    echo '    "Would you like to run the following command?",'
    sleep 0.05
done
echo "streamed $i lines"
printf 'Would you like to run the following command?\n\n  $ make test\n\nPress enter to confirm or esc to cancel '
read -r answer
echo "answered: $answer"
