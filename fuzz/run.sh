#!/bin/sh
# Runs one fuzz target at the lowest priority: ./run.sh TARGET SECONDS
# New inputs go to corpus/TARGET (not committed); seeds/TARGET are the committed starting points.
set -eu
cd "$(dirname "$0")"
target=$1
seconds=${2:-600}
mkdir -p "corpus/$target" logs
dict=""
case $target in
  consent_toml|front_matter) dict="-dict=dict/consent_toml.dict" ;;
  canonical_json|submission_verify) dict="-dict=dict/json.dict" ;;
esac
exec nice -n 19 cargo +nightly fuzz run "$target" "corpus/$target" "seeds/$target" -- \
  -max_total_time="$seconds" -rss_limit_mb=1024 -max_len=16384 -timeout=10 -print_final_stats=1 $dict
