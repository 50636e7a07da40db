"""Fitting the published customer-base models to a shop's order history (docs/model.md):
BG/NBD and Pareto/NBD for repeat buying and dropout, Gamma-Gamma for spend, by maximum
likelihood, each model's likelihood in one function beside its closed-form expectations.

Every function takes a customer's summary in days: x repeat transactions, t_x the day of
the last one after the first purchase (0 when x = 0), T the days from the first purchase
to the end of the calibration period.
"""
