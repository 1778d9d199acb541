# Notice and Objection arrive with the publicity work (see DESIGN.md §3).
