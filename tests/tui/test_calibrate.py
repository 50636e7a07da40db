"""Calibrate: an order export with Chinese headers read (the reader's guesses in the form, its
bad rows shown), fitted in a worker (the parameters with standard errors, the tracking chart),
saved as a twin in the library that runs like any scenario; errors shown in the screen."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.widgets import Button, DataTable, Input, Static

from simulation.storage.synthetic_export import ShopTruth, simulate_orders, write_shop_export
from tui.calibrate import CalibrateScreen, CalibrationStep, TwinProgress
from tui.calibrate_request import CalibrateRequest, suggested_end
from tui.widgets import AskDialog, LinePlot

SIZE = (100, 30)


def write_orders(path: Path) -> Path:
    """A seller-centre export (Taobao headers: 买家会员名, 订单创建时间, ...; a BOM) of about 600
    customers over 300 days, with 3 bad rows, 4 cancelled orders and 2 refunds; its fit takes
    seconds."""
    orders = simulate_orders(200, 300, ShopTruth(new_customers_per_day=2.0), seed=2)
    write_shop_export(orders, path, bad_rows=3, cancelled=4, refunds=2, seed=2)
    return path


@pytest.fixture
def orders_file(library) -> Path:
    return write_orders(Path("orders.csv"))


def text_of(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def open_calibrate(app, pilot) -> CalibrateScreen:
    await pilot.pause()
    await pilot.press("f8")
    await pilot.pause()
    assert isinstance(app.screen, CalibrateScreen)
    return app.screen


async def read_file(app, pilot, screen: CalibrateScreen, path: str) -> None:
    screen.form.widget("file").value = path
    screen.form.widget("file").focus()
    await pilot.press("enter")
    await app.workers.wait_for_complete()
    await pilot.pause()


async def test_a_fit_shows_the_parameters_and_tracking_and_saves_a_twin_that_runs(make_app, orders_file):
    seen = []
    app = make_app(jobs=1, results_after_run=False)
    async with app.run_test(size=SIZE, message_hook=seen.append) as pilot:
        screen = await open_calibrate(app, pilot)
        await read_file(app, pilot, screen, str(orders_file))
        values = screen.form.values()
        assert (values["customer"], values["date"], values["amount"]) == ("买家会员名", "订单创建时间", "买家实际支付金额")
        assert values["calibration_end"] == "2024-07-19"          # suggested: the last 100 days are the holdout
        report = text_of(screen, "#file-report")
        assert "Skipped 3 bad rows" in report and "交易关闭" in report

        screen.form.widget("replications").value = "2"
        await pilot.press("ctrl+r")
        await app.workers.wait_for_complete()
        for _ in range(3):
            await pilot.pause()
        steps = [m.text for m in seen if isinstance(m, CalibrationStep)]
        steps = list(dict.fromkeys(steps))   # each message is seen as posted and as handled
        assert steps[:2] == ["summarising customers", "fitting BG/NBD, Pareto/NBD and Gamma-Gamma spend"]
        assert steps[-1].startswith("simulating the twin")
        assert any(isinstance(m, TwinProgress) and m.fraction == 1.0 for m in seen)
        calibration = screen.calibration
        table = screen.query_one("#params", DataTable)
        fit = calibration.fits[calibration.model]
        rows = [[str(cell) for cell in table.get_row_at(k)] for k in range(table.row_count)]
        assert rows[0][1:] == ["r", f"{fit.params['r']:.4g}", f"{fit.se['r']:.4g}"]
        assert table.row_count == 4 + 3 + 4 + len(calibration.acquisition.params)   # every fit, as calibration.json
        plot = screen.query_one("#tracking", LinePlot)
        weeks = len(calibration.tracking[calibration.model]["weekly"])
        assert list(plot.lines) == ["actual", "model", "twin"] and all(len(v) == weeks for v in plot.lines.values())
        assert "Twin:" in text_of(screen, "#why") and calibration.model_why in text_of(screen, "#why").replace("\n", " ")

        await pilot.click("#save")
        await pilot.pause()
        assert isinstance(app.screen, AskDialog)
        assert app.screen.query_one(Input).value == str(Path("lib") / "twin-orders")
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        folder = Path("lib/twin-orders")
        assert sorted(p.name for p in folder.iterdir()) == ["calibration.json", "customers.parquet", "report.html",
                                                            "scenario.yaml", "scores.csv"]
        assert json.loads((folder / "calibration.json").read_text(encoding="utf-8"))["model"] == calibration.model
        assert "Saved the twin" in text_of(screen, "#status")

        await pilot.press("f2")                                   # the twin is in the library, and runs
        await pilot.pause()
        library = app.screen
        paths = [entry.path.resolve() for entry in library.entries]
        assert (folder / "scenario.yaml").resolve() in paths
        await app.run_file(folder / "scenario.yaml", replications=1)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen.outcome is not None and app.screen.outcome.result.scenario.start_date.isoformat() == "2024-07-19"


async def test_errors_are_shown_in_the_screen_never_a_crash(make_app, library):
    Path("nothing.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    Path("few.csv").write_text("customer_id,order_date,amount\n" +
                               "".join(f"c{k},2024-01-0{1 + k % 5},10\n" for k in range(30)), encoding="utf-8")
    app = make_app(jobs=1)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_calibrate(app, pilot)
        await read_file(app, pilot, screen, "missing.csv")
        assert "missing.csv" in text_of(screen, "#status")
        assert screen.query_one("#status").has_class("-error")
        await read_file(app, pilot, screen, "nothing.csv")         # no column to guess: the reader says which
        assert "customer" in text_of(screen, "#status") and screen.query_one("#status").has_class("-error")

        screen.form.widget("file").value = "few.csv"
        await pilot.press("ctrl+r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "at least 20 are needed" in text_of(screen, "#status")      # CalibrationError, in words
        assert screen.query_one("#fit", Button).disabled is False and screen.calibration is None

        screen.form.widget("calibration_end").value = "2024-13-01"
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert screen.query_one("#field-calibration_end").has_class("-invalid")
        assert "calibration end" in text_of(screen, "#form-error")


def test_the_request_gives_the_commands_options():
    request = CalibrateRequest(file=" shop.csv ", customer="", keep_status="交易成功， 已发货", calibration_end="2025-03-01",
                               model="bgnbd")
    options = request.read_options()
    assert options.customer is None and options.keep_status == ("交易成功", "已发货")
    assert request.calibration_options().calibration_end.isoformat() == "2025-03-01"
    assert request.calibration_options().model == "bgnbd" and request.path == Path("shop.csv")
    import datetime
    assert suggested_end(datetime.date(2024, 1, 1), datetime.date(2024, 3, 1)) == datetime.date(2024, 2, 10)
    assert suggested_end(datetime.date(2024, 1, 1), datetime.date(2025, 1, 1)) == datetime.date(2024, 9, 11)


async def test_browse_picks_the_file_in_a_folder_tree_and_reads_it(make_app, orders_file):
    from tui.file_picker import FilePicker, SuffixTree
    Path("notes.md").write_text("not an order file", encoding="utf-8")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_calibrate(app, pilot)
        await pilot.click("#browse")
        await pilot.pause()
        assert isinstance(app.screen, FilePicker)
        tree = app.screen.query_one(SuffixTree)
        for _ in range(50):                     # the tree loads its folder in a worker that never ends: wait for it
            if tree.root.children:
                break
            await pilot.pause(0.05)
        shown = [node.data.path.name for node in tree.root.children]
        assert "orders.csv" in shown and "lib" in shown and "notes.md" not in shown
        tree.select_node(tree.root.children[shown.index("orders.csv")])
        for _ in range(50):
            if screen.form.values()["customer"]:
                break
            await pilot.pause(0.05)
        assert app.screen is screen and screen.form.values()["file"] == "orders.csv"
        assert screen.form.values()["customer"] == "买家会员名"            # read at once: the reader's guesses
