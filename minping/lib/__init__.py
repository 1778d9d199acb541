"""Helpers every app uses and none owns: rate limits, bulk inserts, tabular files, log masking.

Nothing here imports an app: the apps import these (DESIGN.md §2).
"""
