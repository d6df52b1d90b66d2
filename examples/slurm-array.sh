#!/usr/bin/env bash
# fwbench over a Slurm job array: each array task runs one shard of the same plan on its own node,
# then one dependent job merges the shards. Submit from a checkout on a shared filesystem:
#
#   jobs=$(sbatch --parsable --array=1-4 examples/slurm-array.sh)
#   sbatch --dependency=afterok:${jobs} --wrap "fwbench merge results/shards/* --out results/cluster"
#
# Each node builds (or reuses from ~/.cache/fwbench) the framework environments itself; nothing
# needs a network between nodes. Extra `fwbench run` options go in FWBENCH_ARGS (e.g. "--quick").
#SBATCH --job-name=fwbench
#SBATCH --nodes=1
#SBATCH --exclusive
#SBATCH --time=02:00:00
#SBATCH --output=fwbench-%A_%a.log
set -euo pipefail
: "${SLURM_ARRAY_TASK_ID:?submit with sbatch --array=1-N}"
count="${SLURM_ARRAY_TASK_COUNT:-${SLURM_ARRAY_TASK_MAX}}"
shards="${FWBENCH_SHARDS_DIR:-results/shards}"
mkdir -p "$shards"
# shellcheck disable=SC2086  # FWBENCH_ARGS is a list of options
${FWBENCH:-fwbench} run --shard "${SLURM_ARRAY_TASK_ID}/${count}" ${FWBENCH_ARGS:-} \
    --out "$shards/shard-${SLURM_ARRAY_TASK_ID}-of-${count}"
