#!/bin/sh
# Prints one secret in the form named by $1 (see tests/it/safety.rs), then exits 0. The secrets
# are made up; each is split, coloured or redrawn the way real tools print them.
B1=Zq7Xw2Lr9Tb4Nc6Vm1Hs
B2=8Kd3Pf5Gj0AyEu2Wo4Ri
KEY="sk-proj-$B1$B2"
case "$1" in
reset) printf 'key sk-pro\033[0mj-%s%s end\n' "$B1" "$B2" ;;
colour) printf 'key \033[32msk-proj-%s\033[35m%s\033[0m end\n' "$B1" "$B2" ;;
cursor) printf 'key sk-proj-%s\033[5C\033[5D%s end\n' "$B1" "$B2" ;;
backspace) printf 'key sk-prox\bj-%s%s end\n' "$B1" "$B2" ;;
grep)
    printf 'export OPENAI_API_KEY=%s\n' "$KEY" > keyfile
    grep --color=always sk-proj keyfile
    rm -f keyfile ;;
osc) printf 'key sk-proj-%s\033]0;busy\007%s end\n' "$B1" "$B2" ;;
charset) printf 'key sk-proj-%s\033(B%s end\n' "$B1" "$B2" ;;
title) printf '\033]0;deploy %s\007key in the title end\n' "$KEY" ;;
moveto) printf '\033[2J\033[5;10Hsk-proj-%s\033[5;38H%s\033[6;1Hend\n' "$B1" "$B2" ;;
pause)
    printf 'key \033[1msk-pro'
    sleep 0.6
    printf 'j-%s%s\033[0m end\n' "$B1" "$B2" ;;
crmove) printf 'token sk-proj-\r\033[14C%s%s end\n' "$B1" "$B2" ;;
catn|grepn)
    printf -- '-----BEGIN OPENSSH PRIVATE KEY-----\n' > id_test
    printf 'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n' >> id_test
    printf 'QyNTUxOQAAACDq8Lx0Vh4Wm1ZTkdRT3pBbU5ZeTNxAAAAmCrP9vRqz/b0agAAAAtzc2gtZW\n' >> id_test
    printf -- '-----END OPENSSH PRIVATE KEY-----\n' >> id_test
    if [ "$1" = catn ]; then cat -n id_test; else grep -n -H -A9 BEGIN id_test; fi
    rm -f id_test ;;
newkinds)
    printf 'TWINE_PASSWORD=pypi-AgEIcHlwaS5vcmcCJGI3ZTE1NmQzLTlmNTgtNDNiZi1hYzBmLTEwMjQ0ZWRiZjZmZQACKlsz\n'
    printf 'access_token: ya29.a0AfB_byC7Qx9Lr2Tb4Nc6Vm1Hs8Kd3Pf5Gj0AyEu2Wo4Ri\n'
    printf 'SENDGRID_API_KEY=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\n'
    printf 'https://hooks.slack.com/services/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\n'
    printf 'xapp-1-A0123ABCDEF-1234567890123-0a1b2c3d4e5f6a7b8c9d glrt-Xr4Tq9Lm2Vb7Nc1Zs8Kd\n'
    printf 'gldt-Yb3Wq8Lk2Vc7Nd1Zs9Jh glptt-0123456789abcdef0123456789abcdef01234567\n'
    printf 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n'
    printf 'Authorization: Basic YWxpY2U6aHVudGVyMi1Ucm91YmFkb3I=\n' ;;
bspause)
    printf 'key sk-prox\b'
    sleep 0.6
    printf 'j-%s%s end\n' "$B1" "$B2" ;;
url) printf 'git remote add origin https://alice:Tr0ub4dor-and-3-horses@example.com/repo.git\n' ;;
openssh)
    printf -- '-----BEGIN OPENSSH PRIVATE KEY-----\n'
    printf 'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n'
    printf 'QyNTUxOQAAACDq8Lx0Vh4'
    sleep 0.6
    printf 'Wm1ZTkdRT3pBbU5ZeTNxAAAAmCrP9vRqz/b0agAAAAtzc2gtZWQyNTUxOQAAACDq8Lx0\n'
    printf 'Vh4Wm1ZTkdRT3pBbU5ZeTNxmRqz/b0agAAAEBV7J2KcLq3Yx8nFpT0sWdR6uMz4HgAeI\n'
    printf -- '-----END OPENSSH PRIVATE KEY-----\n' ;;
rsa)
    printf -- '-----BEGIN RSA PRIVATE KEY-----\n'
    printf 'Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,3F17F5316E2BAC89\n\n'
    printf '\033[33mMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\033[0m\n'
    printf 'VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK\n'
    printf -- '-----END RSA PRIVATE KEY-----\n' ;;
glpat) printf 'GITLAB_TOKEN=glpat-Xr4Tq9Lm2Vb7Nc1Zs8Kd\n' ;;
npm) printf '//registry.npmjs.org/:_authToken=npm_Q7w2Er9Ty4Ui6Op1As8Df3Gh5Jk0LzXcVbNm\n' ;;
hf) printf 'token: hf_Qw7Er2Ty9Ui4Op6As1Df8Gh3Jk5LzXcVbN\n' ;;
glued) printf 'MY_%s\n' "$KEY" ;;
prose)
    printf 'Use a password manager; the key point is rotation.\n'
    printf 'hf_ is a prefix, and so is hf_short; npm_ and glpat- too.\n'
    printf 'See https://example.com/docs?page=2 and http://localhost:8080/x?a=b:c\n'
    printf 'ssh alice@host.example and git@github.com:org/repo.git, mailto:bob@example.com\n'
    printf 'A key file starts with -----BEGIN OPENSSH PRIVATE KEY----- and then base64.\n'
    printf 'MY_VARIABLE=some-value TASK_sk-short desk-proj-reservation-system-v2-final\n'
    printf 'Generating a key pair with ssh-keygen -t ed25519 -C alice@example.com\n'
    printf 'See SG.1 for the ya29 prefix; Basic authentication is in RFC 7617.\n'
    # shellcheck disable=SC2016  # the text shows a $VARIABLE as it stands, unexpanded
    printf 'url = f"postgresql://{user}:{password}@{host}/db" or postgres://$DB_USER:$DB_PASSWORD@db\n'
    printf '\033[32mok\033[0m 3f786850e387550fdab836ed7e6dc881de23001b from huggingface_hub import hf_hub_download\n' ;;
userpause)
    printf 'pw hunter'
    sleep 0.6
    printf '42 ok\n'
    printf 'my pin is '
    sleep 0.6
    printf '987654 ok\n'
    printf 'passphrase:\n'
    sleep 0.6
    printf '  correct-horse-battery\n' ;;
*) echo "unknown case $1"; exit 2 ;;
esac
