"""Training and evaluation of the trigger CNNs (docs/physics.md).

- ``models``: teacher, float student, QKeras students (2-5 bits), output-scale folding;
- ``labels``: [pT GeV, local eta] targets and their scaling;
- ``distill``: three hints through adaptation layers and the conditional distillation loss;
- ``trainer``: resumable training (``TrainConfig``, ``train``);
- ``metrics``, ``evaluate``, ``plots``: turn-on, plateau efficiency, fake rate, resolution;
- ``card``: model cards for ``models/``; ``cli``: the ``train`` and ``evaluate`` subcommands;
- ``pruning``: magnitude pruning (``train --sparsity``); ``sweep``: the co-design grid on Dask.
"""
