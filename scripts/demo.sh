#!/bin/sh
# The demo: builds libpsjob and the C tool examples/psjob_wait.c, starts the
# mock Photoshop API, waits for a simulated job, downloads its renditions,
# and stops the mock. Usage: scripts/demo.sh [JOB_ID]   (default succeed-demo)
set -eu
cd "$(dirname "$0")/.."
job=${1:-succeed-demo}
cargo build --release --quiet --lib --example mock_server
mkdir -p target/demo
cc=${CC:-$(command -v cc || command -v gcc)}
"$cc" -std=c99 -Wall -Wextra -Werror -Iinclude examples/psjob_wait.c \
  -Ltarget/release -lpsjob -Wl,-rpath,"$PWD/target/release" -o target/demo/psjob_wait
ln -sf libpsjob.so target/release/libpsjob.so.0

out=target/demo/mock.out
./target/release/examples/mock_server --port 0 >"$out" &
mock=$!
trap 'kill $mock 2>/dev/null; wait $mock 2>/dev/null || true' EXIT INT TERM
base=
for _ in $(seq 1 100); do
  base=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$out")
  [ -n "$base" ] && break
  sleep 0.05
done
[ -n "$base" ] || { echo "demo: the mock did not start" >&2; exit 1; }
echo "mock Photoshop API on $base"

rm -rf target/demo/downloads && mkdir -p target/demo/downloads
status=0
PSJOB_TOKEN=mock-token PSJOB_API_KEY=mock-key PSJOB_STATUS_BASE_URL="$base/v2/status/" \
  ./target/demo/psjob_wait --interval 300 --timeout 30000 --download target/demo/downloads \
  "$base/v2/status/$job" || status=$?
echo "psjob_wait exited with $status"
exit $status
