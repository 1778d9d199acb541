# ScoreRun and UnitScore arrive with the scoring work (see DESIGN.md §3); scoring/stats is pure.
