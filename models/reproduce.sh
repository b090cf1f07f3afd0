#!/usr/bin/env bash
# Reproduce every shipped model, the comparison table and the plots (docs/physics.md).
# Run from the repository root: bash models/reproduce.sh   (about 55 min on 2 CPU cores)
# Training runs go to runs/ (not committed); every `train` is resumable: rerun to continue.
set -euo pipefail
VG="${VHDLGEN:-python -m vhdlgen}"
R=runs
COMMON="--events 300000 --seed 1 --epochs 40 --quiet"

# 1. Teacher (VGG-like, 10,655 parameters).
$VG train --teacher --events 300000 --seed 1 --epochs 30 --quiet --out $R/teacher
cp $R/teacher/model.h5 models/teacher.h5

# 1b. 5-bit quantized teacher ('same' padding, MaxPooling2D; the issue #12 scaling test), trained
#     quantization-aware from the float teacher's weights: 8 epochs, then resumed up to 20 (the
#     run that was shipped; early stopping ended it after 12).
T5="--teacher --bits 5 --init-from models/teacher.h5 --learning-rate 1e-3 --events 300000 --seed 1"
$VG train $T5 --epochs 8 --quiet --out $R/teacher_5bit
$VG train $T5 --epochs 20 --quiet --out $R/teacher_5bit
cp $R/teacher_5bit/model.h5 models/teacher_5bit.h5

# 2. Baselines without distillation (float student; 3-, 4-, 5-bit from random initialisation;
#    2-bit starting from the 4-bit baseline: from random initialisation it stays dead).
$VG train --bits 4 --no-distill $COMMON --out $R/s4_nokd
$VG train --bits 3 --no-distill $COMMON --out $R/s3_nokd
$VG train --bits 5 --no-distill $COMMON --out $R/s5_nokd
$VG train --bits 2 --no-distill --init-from $R/s4_nokd/model.h5 --learning-rate 1e-3 $COMMON \
    --out $R/s2_nokd
$VG train --float-student $COMMON --out $R/float

# 3. Distilled students (shipped). Same data, seeds and initialisation as the baselines.
$VG train --bits 4 --distill --teacher-model models/teacher.h5 $COMMON --out $R/s4_kd
$VG train --bits 3 --distill --teacher-model models/teacher.h5 $COMMON --out $R/s3_kd
$VG train --bits 5 --distill --teacher-model models/teacher.h5 $COMMON --out $R/s5_kd
$VG train --bits 2 --distill --teacher-model models/teacher.h5 --init-from $R/s4_nokd/model.h5 \
    --learning-rate 1e-3 $COMMON --out $R/s2_kd
for b in 2 3 4 5; do cp $R/s${b}_kd/model.h5 models/student_${b}bit.h5; done

# 4. Evaluation on a fresh sample (seed 20261121, never used in training): table and plots.
$VG evaluate teacher=models/teacher.h5 teacher_5bit=models/teacher_5bit.h5 \
    float=$R/float/model.h5 \
    2bit_kd=models/student_2bit.h5 2bit_nokd=$R/s2_nokd/model.h5 \
    3bit_kd=models/student_3bit.h5 3bit_nokd=$R/s3_nokd/model.h5 \
    4bit_kd=models/student_4bit.h5 4bit_nokd=$R/s4_nokd/model.h5 \
    5bit_kd=models/student_5bit.h5 5bit_nokd=$R/s5_nokd/model.h5 \
    --out $R/eval
$VG evaluate teacher=models/teacher.h5 float=$R/float/model.h5 \
    2bit_kd=models/student_2bit.h5 3bit_kd=models/student_3bit.h5 \
    4bit_kd=models/student_4bit.h5 --out $R/eval_plot
mkdir -p docs/img
cp $R/eval_plot/turn_on.png docs/img/turn_on.png
cp $R/eval_plot/pt_resolution.png docs/img/pt_resolution.png
cp $R/eval_plot/background_pt.png docs/img/background_pt.png
python - <<'EOF'
import numpy as np
from vhdlgen.data import generate_events
from vhdlgen.train.plots import event_display
ev = generate_events(200, seed=3, full_image=True)
mu, bg = np.flatnonzero(ev["is_muon"]), np.flatnonzero(~ev["is_muon"])
low = next(i for i in mu if ev["pt"][i] < 4.5)
high = next(i for i in mu if ev["pt"][i] > 17)
event_display(ev, [int(low), int(high), int(bg[0])], "docs/img/events.png")
EOF

# 5. Model cards.
python -m vhdlgen.train.card --runs $R --metrics $R/eval/metrics.json --models models
