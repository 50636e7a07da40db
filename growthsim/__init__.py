"""growthsim: simulate an e-commerce platform's shoppers and compare strategies."""

import sys

__version__ = "0.1.0"


def main(argv: list[str] | None = None) -> int:
    """The `growthsim` command. A strategy plugin that cannot be registered is bad input
    (exit 2, its entry point and what is wrong), found as the command's modules load."""
    from simulation.kernel.registry import RegistryError

    try:
        from growthsim import cli
    except RegistryError as problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    return cli.main(argv)
