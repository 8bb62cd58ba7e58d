#!/usr/bin/env bash
# The GPU rows of BENCHMARKS.md, as one script for a lent GPU machine (its python3 holds torch).
# Usage: AE_DATA_DIR=<folder with mnist/> OUT=<results folder> bash bench/gpu_check.sh
set -u
export PYTHONPATH="$PWD" PYTHONUNBUFFERED=1
OUT="${OUT:-bench/results}"
mkdir -p "$OUT"
nvidia-smi -L
python3 -c "import torch; print('torch', torch.__version__, torch.cuda.get_device_name(0))"
python3 -m pytest -q -x tests/core/models/test_models.py tests/core/training/test_training.py -p no:cacheprovider \
  2>&1 | tail -3                                  # the engine's tests, on CUDA
python3 -m bench --only throughput --out "$OUT/gpu-throughput.json" 2>&1 | tee "$OUT/gpu.txt"
python3 -m bench --only throughput --set precision=bfloat16 \
  --out "$OUT/gpu-throughput-bf16.json" 2>&1 | tee -a "$OUT/gpu.txt"
# deep AE to SSE < 3.00 within 60 s: cosine schedules sized to fit the budget
for epochs in 50 90; do
  python3 -m bench --only quality --budget 60 --set lr_schedule=cosine --set epochs=$epochs \
    --out "$OUT/gpu-quality-cosine-$epochs.json" 2>&1 | tee -a "$OUT/gpu.txt"
done
