#!/bin/sh
# Progress output as cargo and git draw it: \r redraws, erase-line, colours.
printf '\033[1;32m   Compiling\033[0m alpha v0.1.0\n'
for p in 10 40 70 100; do printf '\r    Building [%-10s] %d/3: alpha\033[K' "$(printf '%*s' $((p/10)) '' | tr ' ' '=')" $((p*3/100)); sleep 0.02; done
printf '\r\033[K\033[1;32m   Compiling\033[0m beta v0.2.0\n'
for p in 0 25 50 75 100; do printf '\rReceiving objects: %3d%% (%d/4)' $p $((p*4/100)); sleep 0.02; done
printf ', done.\n'
printf 'spinner |\b/\b-\b\\\bok\n'
printf '\033[1;32m    Finished\033[0m dev [unoptimized] in 0.5s\n'
sleep 30
