"""growthsim: simulate an e-commerce platform's shoppers and compare strategies."""

__version__ = "0.1.0"
