"""The growthsim engine: scenarios, the shopper model, replications and outputs.

Runs headless; it never imports the TUI (tests/test_architecture.py holds it to that).
"""
