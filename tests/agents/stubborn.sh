#!/bin/sh
# Ignores SIGINT, SIGTERM and SIGHUP: only SIGKILL ends it.
trap '' INT TERM HUP
echo "stubborn agent running"
while :; do sleep 1; done
