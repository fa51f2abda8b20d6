#!/usr/bin/env bash
# Example Slurm batch script: MAE pre-training of ViT-L/16 data-parallel over
# 8 nodes × 8 GPUs (64 ranks, one per GPU), global batch 4096 as in the
# reference recipe (64 ranks × --batch 64 × --accum 1; lr = blr × 4096 / 256).
#
#   sbatch tools/slurm-train.sh                 # start
#   sbatch tools/slurm-train.sh runs/vitl-1     # resume that run (same or other N, see docs/scaling.md)
#
# srun starts one mae-vk per task; each finds its rank and local rank in
# SLURM_PROCID / SLURM_LOCALID, loads libmpi at run time and opens the GPU
# of its local rank among the node's GPUs of the best type. The run
# directory must be on a file system every node sees; rank 0 alone writes it.
# Needs an MPI library with Slurm (PMI/PMIx) support on every node, e.g.
# OpenMPI built --with-pmix, and the Vulkan driver of the GPUs.
#SBATCH --job-name=mae-vitl
#SBATCH --nodes=8
#SBATCH --ntasks-per-node=8
#SBATCH --gpus-per-node=8
#SBATCH --cpus-per-task=8
#SBATCH --time=72:00:00
#SBATCH --output=%x-%j.out
set -euo pipefail

RUN=${1:-runs/vitl-${SLURM_JOB_ID}}
MAEVK=${MAEVK:-./mae-vk}
DATA=${DATA:-/datasets/imagenet/train}

args=(train --preset vit-l16 --data "$DATA" --augment mae
      --epochs 800 --warmup-epochs 40 --batch 64 --blr 1.5e-4 --weight-decay 0.05
      --workers "${SLURM_CPUS_PER_TASK:-8}" --quiet)
if [ -d "$RUN/checkpoints" ]; then
  args+=(--resume "$RUN")
else
  args+=(--out "$RUN")
fi

# --kill-on-bad-exit: when one task fails, Slurm ends the others at once
# (mae-vk also aborts the job through MPI_Abort and bounds every collective
# with --dist-timeout). --mpi=pmix: the PMI plug-in your MPI was built with.
exec srun --kill-on-bad-exit=1 --mpi="${SRUN_MPI:-pmix}" "$MAEVK" "${args[@]}"
