"""`vhdlgen sweep`: the co-design grid on Dask distributed (docs/sweep.md).

- ``grid``: axes and settings (command line, TOML), points and their content keys;
- ``tasks``: the stages of a point (train, physics, build, estimate, simulate), pure and cached;
- ``engine``: Dask client (LocalCluster or an existing scheduler), submission, progress;
- ``store``: one SQLite row per point, results.csv, table.md, the requirements;
- ``plots``: the Pareto plots; ``cli``: the subcommand.
"""
