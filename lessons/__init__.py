"""Not code: this file makes the folder the package `growthsim.bundled.lessons`, so the
bundled lessons ship in the wheel and are found at run time (growthsim/bundled/__init__.py)."""
