#!/usr/bin/env bash
# Regenerates Sources/ChannelbookAPI/Generated from Sources/ChannelbookAPI/openapi.yaml.
# The generated code is committed: builds and CI never run the generator (it takes minutes to build).
#   scripts/generate-api.sh [PATH-TO-swift-openapi-generator]
# Without a path it builds swift-openapi-generator 1.14.3 from the package mirror into /tmp/openapi-generator.
set -euo pipefail
cd "$(dirname "$0")/.."
GENERATOR=${1:-}
if [ -z "$GENERATOR" ]; then
    if [ ! -x /tmp/openapi-generator/.build/release/swift-openapi-generator ]; then
        rm -rf /tmp/openapi-generator
        git clone -q https://github.com/apple/swift-openapi-generator /tmp/openapi-generator
        git -C /tmp/openapi-generator checkout -q 1.14.3
        (cd /tmp/openapi-generator && swift build -c release --product swift-openapi-generator)
    fi
    GENERATOR=/tmp/openapi-generator/.build/release/swift-openapi-generator
fi
rm -rf Sources/ChannelbookAPI/Generated
mkdir -p Sources/ChannelbookAPI/Generated
"$GENERATOR" generate --config Sources/ChannelbookAPI/openapi-generator-config.yaml \
    --output-directory Sources/ChannelbookAPI/Generated Sources/ChannelbookAPI/openapi.yaml
