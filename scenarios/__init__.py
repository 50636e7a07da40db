"""Not code: this file makes the folder the package `growthsim.bundled.scenarios`, so the
bundled scenarios ship in the wheel and are found at run time (growthsim/bundled/__init__.py)."""
