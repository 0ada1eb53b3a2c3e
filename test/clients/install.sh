#!/bin/sh
# Installs the native test clients of test/clients (node-rdkafka, which builds its bundled
# librdkafka with node-gyp: ~1-6 minutes, once) when they are missing or do not load. Run by
# `npm test` (pretest); the root `npm install` never builds them. Needs a C/C++ compiler and
# Debian's libssl-dev, libsasl2-dev, zlib1g-dev, libzstd-dev and liblz4-dev (.ci/run installs them).
set -eu
cd "$(dirname "$0")"
if node -e "require('node-rdkafka')" >/dev/null 2>&1; then exit 0; fi
echo "test/clients: building node-rdkafka (librdkafka 2.12.0) for the KIP-848 tests..."
npm ci --no-audit --no-fund --loglevel=error
node -e "const k = require('node-rdkafka'); console.log('test/clients: librdkafka ' + k.librdkafkaVersion)"
