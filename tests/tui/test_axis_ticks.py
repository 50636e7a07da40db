"""Issue 15, item 9: chart axes written for their unit: round ticks, thousands separated,
no '61508.0', money in the scenario's currency, rates as percentages."""

from tui.kpis import series_tick_label
from tui.widgets import axis_number, nice_ticks


def test_ticks_are_round_and_inside_the_data():
    assert nice_ticks(0, 61508) == [0, 20000, 40000, 60000]
    assert nice_ticks(0.93, 0.99) == [0.94, 0.96, 0.98]
    assert [axis_number(t) for t in nice_ticks(1400, 2150)] == ["1,400", "1,600", "1,800", "2,000"]
    assert axis_number(61508.0) == "61,508" and axis_number(12.5) == "12.5"


def test_money_and_rates_are_labelled_by_their_unit():
    assert series_tick_label("revenue", "CNY")(61508.0) == "¥61,508"
    assert series_tick_label("cost_logistics", "USD")(800.0) == "$800"
    assert series_tick_label("on_time_rate", "CNY")(0.96) == "96%"
    assert series_tick_label("orders", "CNY") is None
