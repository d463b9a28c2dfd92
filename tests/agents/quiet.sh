#!/bin/sh
# Prints, goes quiet for $1 seconds, prints again, then waits for a line before exiting.
echo "starting"
sleep "$1"
echo "resumed after the silence"
read -r _
