#!/usr/bin/env bash
# Installs everything Kora needs to build, test and benchmark, from Debian's
# packages. Run as root or with sudo. Idempotent.
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

had_redis_server=0
if dpkg -s redis-server >/dev/null 2>&1; then had_redis_server=1; fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends \
  build-essential g++ clang cmake ninja-build ccache pkg-config git ca-certificates \
  libasio-dev libssl-dev openssl rapidjson-dev liblz4-dev libzstd-dev libxxhash-dev prometheus-cpp-dev \
  libcli11-dev libtomlplusplus-dev liblua5.1-0-dev lua-cjson-dev lua-bitop-dev \
  catch2 libbenchmark-dev libhiredis-dev \
  redis-server redis-tools python3 python3-redis python3-pytest procps

# On a host with systemd the redis-server package starts a server on 6379, the
# port Kora's quick start uses. Kora's tests start their own redis-server on free
# ports, so stop the packaged service if this script is what installed it.
if [ "$had_redis_server" -eq 0 ] && command -v systemctl >/dev/null 2>&1 &&
   systemctl is-active --quiet redis-server 2>/dev/null; then
  $SUDO systemctl disable --now redis-server || true
fi
