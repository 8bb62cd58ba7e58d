#!/bin/sh
# Run by the nginx image's entrypoint (/docker-entrypoint.d/, deploy/Dockerfile.nginx) before
# nginx starts: makes sure nginx.conf's certificate exists.
#   - fullchain.pem and privkey.pem in the certificate folder: used as they are (a real
#     certificate: Let's Encrypt, a school's; docs/deploy.md, "HTTPS and what is logged");
#   - neither: a self-signed pair is generated once (kept in the mounted folder, so browsers
#     that accepted it keep accepting it after a restart) and the log says so;
#   - only one of them: nginx is not started (a half-copied real certificate is never replaced).
# AE_TLS_NAMES: the names and addresses students type, comma-separated (default
# localhost,127.0.0.1); AE_TLS_DAYS: the self-signed certificate's validity (default 365).
set -eu

dir="${AE_TLS_DIR:-/etc/nginx/certs}"
cert="$dir/fullchain.pem"
key="$dir/privkey.pem"
me="$(basename "$0")"

if [ -s "$cert" ] && [ -s "$key" ]; then
    echo "$me: using the certificate in $dir: $(openssl x509 -in "$cert" -noout -subject -enddate \
        | tr '\n' ' ')"
    exit 0
fi
if [ -e "$cert" ] || [ -e "$key" ]; then
    echo "$me: $dir holds only one of fullchain.pem and privkey.pem: put both there (or neither," \
         "for a self-signed certificate)" >&2
    exit 1
fi

names="${AE_TLS_NAMES:-localhost,127.0.0.1}"
days="${AE_TLS_DAYS:-365}"
san=""
first=""
for name in $(echo "$names" | tr ',' ' '); do
    case "$name" in
        *:*) entry="IP:$name" ;;                # an IPv6 address
        *[!0-9.]*) entry="DNS:$name" ;;         # a host name
        *) entry="IP:$name" ;;                  # an IPv4 address
    esac
    san="${san:+$san,}$entry"
    first="${first:-$name}"
done

mkdir -p "$dir"
umask 077
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days "$days" \
    -subj "/CN=$first" -addext "subjectAltName=$san" \
    -keyout "$key.new" -out "$cert.new" 2>/dev/null
chmod 600 "$key.new"
chmod 644 "$cert.new"
mv "$key.new" "$key"
mv "$cert.new" "$cert"
echo "$me: no certificate in $dir: generated a SELF-SIGNED one for $san, valid $days days," \
     "$(openssl x509 -in "$cert" -noout -fingerprint -sha256)." \
     "Browsers will warn until it is accepted (compare that fingerprint); for a real one put" \
     "fullchain.pem and privkey.pem in that folder and restart nginx (docs/deploy.md)."
