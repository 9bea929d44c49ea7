#!/usr/bin/env bash
# The dev-set evaluation of answer quality (issue 3), run by hand from the project root:
#
#   bash benchmarks/dev_sets.sh [SHARED_EVAL_DIR]
#
# SHARED_EVAL_DIR holds cmrc2018_dev.json, drcd_dev.json and seed_dev.jsonl (default: ../shared/eval).
# The first run embeds about 880,000 characters with the bundled model (about 15 minutes on 2 cores);
# embeddings are cached by content hash in the configured cache folder, so later runs take minutes.
set -euo pipefail
eval_dir=${1:-../shared/eval}
q=${QUOTEBOT:-quotebot}

for set in cmrc2018_dev drcd_dev; do
  echo "== $set"
  "$q" eval "$eval_dir/$set.json" --json --misses "benchmarks/misses-$set.jsonl"
done
echo "== seed_dev (sample article)"
"$q" eval "$eval_dir/seed_dev.jsonl" --articles articles --json
for set in cmrc2018_dev drcd_dev; do
  echo "== unanswerable questions against $set"
  "$q" eval benchmarks/unanswerable.jsonl --corpus "$eval_dir/$set.json" --json
done
