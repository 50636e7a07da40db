"""The order export reader (simulation/storage/order_export.py) and the synthetic shop
(synthetic_export.py): every format and encoding, every date form, header guessing in English
and Chinese, bad rows by reason with their lines, status filtering, refunds, the errors a
strategist sees, and an export of known truth read back exactly."""

from __future__ import annotations

import gzip
import json
from datetime import date, datetime, timezone
from pathlib import Path

import polars as pl
import pytest

from simulation.storage.order_export import OrderExportError, ReadOptions, guess_columns, read_orders
from simulation.storage.synthetic_export import ShopTruth, main, simulate_orders, write_shop_export

TAOBAO_HEADER = "订单编号,买家会员名,订单创建时间,买家实际支付金额,订单状态"
TAOBAO_ROWS = ["1001,tb01,2024/3/5 14:02:11,￥120.50,交易成功",
               "1002,tb02,2024/3/6 09:00:00,99,交易成功",
               "1003,tb01,2024/4/1 20:30:00,35.5,交易成功"]
EXPECTED = pl.DataFrame({"customer": ["tb01", "tb02", "tb01"],
                         "day": [date(2024, 3, 5), date(2024, 3, 6), date(2024, 4, 1)],
                         "amount": [120.5, 99.0, 35.5], "order": ["1001", "1002", "1003"],
                         "line": [2, 3, 4]})
LENIENT = ReadOptions(max_bad_fraction=1.0)


def write_text(tmp_path, lines, name="orders.csv", encoding="utf-8", bom=False):
    path = tmp_path / name
    data = ("\n".join(lines) + "\n").encode(encoding)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


def read_lines(tmp_path, lines, options=LENIENT, **written):
    return read_orders(write_text(tmp_path, lines, **written), options)


# Formats --------------------------------------------------------------------------------------

def test_a_taobao_csv_is_read_with_its_columns_guessed(tmp_path):
    log = read_lines(tmp_path, [TAOBAO_HEADER, *TAOBAO_ROWS])
    assert log.orders.equals(EXPECTED)
    assert log.orders.schema == pl.Schema({"customer": pl.String, "day": pl.Date, "amount": pl.Float64,
                                           "order": pl.String, "line": pl.Int64})
    report = log.report
    assert (report.format, report.encoding, report.rows, report.kept_rows) == ("csv", "utf-8", 3, 3)
    assert report.columns == {"customer": "买家会员名", "date": "订单创建时间", "amount": "买家实际支付金额",
                              "order": "订单编号", "status": "订单状态"}
    assert all(report.guessed.values())
    assert any("customer = 买家会员名 (guessed)" in line for line in report.lines())


@pytest.mark.parametrize("separator, form", [("\t", "tsv"), (";", "csv")])
def test_tab_and_semicolon_separated_files_are_detected_from_the_header(tmp_path, separator, form):
    lines = [line.replace(",", separator) for line in [TAOBAO_HEADER, *TAOBAO_ROWS]]
    log = read_lines(tmp_path, lines, name="orders.txt")
    assert log.orders.equals(EXPECTED)
    assert log.report.format == form


def test_gzip_is_detected_by_its_magic_bytes_whatever_the_name(tmp_path):
    data = ("\n".join([TAOBAO_HEADER.replace(",", "\t"), *[r.replace(",", "\t") for r in TAOBAO_ROWS]]) + "\n")
    for name in ("orders.tsv.gz", "orders.tsv"):
        path = tmp_path / name
        path.write_bytes(gzip.compress(data.encode("gb18030")))
        log = read_orders(path)
        assert log.orders.equals(EXPECTED)
        assert (log.report.format, log.report.encoding) == ("tsv.gz", "gb18030")


def write_xlsx(path, frame: pl.DataFrame) -> None:
    """polars writes .xlsx with xlsxwriter (the test extra); the reader uses calamine."""
    frame.write_excel(path, autofit=False)


def test_an_xlsx_sheet_with_date_cells_serial_numbers_and_numeric_ids(tmp_path):
    path = tmp_path / "orders.xlsx"
    write_xlsx(path, pl.DataFrame({
        "订单号": [1001, 1002, 1003, 1004],
        "用户ID": [501, 502, 501, 503],
        "付款时间": [datetime(2024, 3, 5, 23, 59), datetime(2024, 3, 6, 0, 1), None, datetime(2024, 3, 7, 8)],
        "实付金额": [120.5, 99.0, 35.5, None],
    }))
    log = read_orders(path, LENIENT)
    assert log.report.format == "xlsx"
    assert log.orders["customer"].to_list() == ["501", "502"]
    assert log.orders["order"].to_list() == ["1001", "1002"]
    assert log.orders["day"].to_list() == [date(2024, 3, 5), date(2024, 3, 6)]
    assert log.report.bad_rows == {"missing date": 1, "empty amount": 1}
    assert log.report.bad_lines == {"missing date": [4], "empty amount": [5]}   # the sheet's rows

    serial = tmp_path / "serial.xlsx"
    write_xlsx(serial, pl.DataFrame({"customer_id": ["a", "b"], "order_date": [45356.58, 45357.0],
                                     "amount": ["¥1,200", "30元"]}))
    log = read_orders(serial)
    assert log.orders["day"].to_list() == [date(2024, 3, 5), date(2024, 3, 6)]
    assert log.orders["amount"].to_list() == [1200.0, 30.0]


def test_parquet_with_typed_columns_and_lines_from_one(tmp_path):
    path = tmp_path / "orders.parquet"
    pl.DataFrame({
        "buyer_id": [7, 8, 9],
        "created_at": pl.Series([datetime(2024, 3, 5, 17, 0), datetime(2024, 3, 5, 15, 0), None],
                                dtype=pl.Datetime("us", "UTC")),
        "paid_amount": [10.0, 20.0, 30.0],
    }).write_parquet(path)
    log = read_orders(path, LENIENT)
    assert log.report.format == "parquet"
    # 17:00 UTC is 01:00 the next day in Shanghai; 15:00 UTC is 23:00 the same day
    assert log.orders.select("customer", "day", "line").rows() == [("7", date(2024, 3, 6), 1),
                                                                    ("8", date(2024, 3, 5), 2)]
    assert log.report.bad_lines == {"missing date": [3]}


# Encodings ------------------------------------------------------------------------------------

@pytest.mark.parametrize("encoding, bom, reported", [("utf-8", True, "utf-8-sig"), ("utf-8", False, "utf-8"),
                                                     ("gb18030", False, "gb18030"), ("gbk", False, "gb18030")])
def test_utf8_with_or_without_bom_and_chinese_back_office_encodings_are_detected(tmp_path, encoding, bom, reported):
    log = read_lines(tmp_path, [TAOBAO_HEADER, *TAOBAO_ROWS], encoding=encoding, bom=bom)
    assert log.orders.equals(EXPECTED)
    assert log.report.encoding == reported
    assert log.report.columns["customer"] == "买家会员名"


def test_a_given_encoding_overrides_detection_and_bad_bytes_name_their_line(tmp_path):
    path = write_text(tmp_path, [TAOBAO_HEADER, *TAOBAO_ROWS], encoding="gb18030")
    assert read_orders(path, ReadOptions(encoding="gb18030")).report.encoding == "gb18030"
    with pytest.raises(OrderExportError, match=r"orders.csv: line 1 is not valid utf-8.*--encoding"):
        read_orders(path, ReadOptions(encoding="utf-8"))


# Dates ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, day", [
    ("2024-03-05", date(2024, 3, 5)),
    ("2024-03-05 14:02:11", date(2024, 3, 5)),
    ("2024-03-05T14:02:11", date(2024, 3, 5)),
    ("2024-03-05T14:02:11.250", date(2024, 3, 5)),
    ("2024-03-05 14:02", date(2024, 3, 5)),
    ("2024/3/5 14:02:11", date(2024, 3, 5)),
    ("2024/3/5", date(2024, 3, 5)),
    ("2024.3.5", date(2024, 3, 5)),
    ("2024年3月5日 14:02", date(2024, 3, 5)),
    ("20240305", date(2024, 3, 5)),
    ("2024-03-05T20:00:00+08:00", date(2024, 3, 5)),
    ("2024-03-05T20:00:00Z", date(2024, 3, 6)),          # 04:00 on the 6th in Shanghai
    ("2024-03-05 15:59:59+00:00", date(2024, 3, 5)),
    ("2024-03-05T23:30:00-05:00", date(2024, 3, 6)),
    ("45356", date(2024, 3, 5)),                          # Excel serial day numbers, as text
    ("45356.58", date(2024, 3, 5)),
    ("1709654400", date(2024, 3, 6)),                     # epoch seconds: 2024-03-05 16:00 UTC
    ("1709654400000", date(2024, 3, 6)),                  # epoch milliseconds
    ("1709654399", date(2024, 3, 5)),
])
def test_every_date_form_gives_the_shops_day(tmp_path, text, day):
    log = read_lines(tmp_path, ["customer_id,order_date,amount", f"c1,{text},10"], options=ReadOptions())
    assert log.orders["day"].to_list() == [day]


def test_epoch_days_follow_the_time_zone_given(tmp_path):
    log = read_lines(tmp_path, ["customer_id,order_date,amount", "c1,1709654400,10"],
                     options=ReadOptions(timezone="UTC"))
    assert log.orders["day"].to_list() == [date(2024, 3, 5)]


def test_a_date_format_given_is_the_only_one_tried(tmp_path):
    lines = ["customer_id,order_date,amount", "c1,05/03/2024 10:00,10", "c2,2024-03-05,10"]
    log = read_lines(tmp_path, lines, options=ReadOptions(date_format="%d/%m/%Y %H:%M", max_bad_fraction=1))
    assert log.orders["day"].to_list() == [date(2024, 3, 5)]
    assert log.report.bad_lines == {"unparseable date": [3]}


# Columns --------------------------------------------------------------------------------------

def test_header_guessing_in_english_and_chinese_ignores_case_and_spaces():
    assert guess_columns([" Customer ID ", "Order_Time", "TOTAL", "order-no", "Status"]) == {
        "customer": " Customer ID ", "date": "Order_Time", "amount": "TOTAL", "order": "order-no", "status": "Status"}
    assert guess_columns(["主订单编号", "买家昵称", "成交时间", "成交金额", "交易状态"]) == {
        "customer": "买家昵称", "date": "成交时间", "amount": "成交金额", "order": "主订单编号", "status": "交易状态"}
    assert guess_columns(["用户id", "x"])["customer"] == "用户id"


def test_the_earlier_names_win_paid_amount_over_list_price_and_placed_over_paid():
    header = ["订单金额", "实付金额", "订单付款时间", "下单时间", "买家ID", "用户ID"]
    guessed = guess_columns(header)
    assert (guessed["amount"], guessed["date"], guessed["customer"]) == ("实付金额", "下单时间", "用户ID")
    assert guessed["order"] is None and guessed["status"] is None


def test_a_column_that_cannot_be_guessed_names_the_header_and_the_closest_names(tmp_path):
    with pytest.raises(OrderExportError) as raised:
        read_lines(tmp_path, ["买家会员名称,订单创建时间,买家实际支付金额", "a,2024-03-05,1"])
    message = str(raised.value)
    assert "orders.csv" in message and "customer" in message and "--customer" in message
    assert "买家会员名称, 订单创建时间, 买家实际支付金额" in message       # the header found
    assert "closest names: 买家会员名称" in message


def test_a_column_given_that_is_not_in_the_header_names_the_closest(tmp_path):
    with pytest.raises(OrderExportError, match=r"no column named 'paid'.*--amount.*Closest: paid_amt"):
        read_lines(tmp_path, ["user_id,order_date,paid_amt", "a,2024-03-05,1"], options=ReadOptions(amount="paid"))


def test_columns_given_are_used_and_reported_as_given(tmp_path):
    lines = ["who,when,price,total", "a,2024-03-05,1,2"]
    log = read_lines(tmp_path, lines, options=ReadOptions(customer="who", date="when", amount="price"))
    assert log.orders["amount"].to_list() == [1.0]
    assert log.report.guessed["amount"] is False and log.report.columns["amount"] == "price"
    assert any("amount = price (given)" in line for line in log.report.lines())


# Amounts, bad rows ----------------------------------------------------------------------------

def test_currency_marks_and_thousands_separators_are_stripped(tmp_path):
    amounts = ['"¥1,200.50"', "￥ 30", "RMB 12.5", "12元", '"1 234,5"', "-0", "$7"]
    lines = ["customer_id,date,amount"] + [f"c{i},2024-03-05,{a}" for i, a in enumerate(amounts)]
    log = read_lines(tmp_path, lines)
    assert log.orders["amount"].to_list() == [1200.5, 30.0, 12.5, 12.0, 12345.0, 0.0, 7.0]


def test_bad_rows_are_counted_by_reason_with_their_first_lines(tmp_path):
    rows = (["c,2024-03-05,10"] * 3 + [",2024-03-05,10", "c,not a date,10", "c,2024-03-05,", "c,2024-03-05,abc",
            "c,,10", "c,2024-03-05,-5"] + ["c,2024-13-45,10"] * 6)
    log = read_lines(tmp_path, ["customer_id,date,amount", *rows])
    report = log.report
    assert report.bad_rows == {"unparseable date": 7, "missing customer": 1, "empty amount": 1,
                               "unparseable amount": 1, "missing date": 1,
                               "negative amount without an order column": 1}
    assert report.bad_lines["unparseable date"] == [6, 11, 12, 13, 14]      # the first five
    assert report.bad_lines["missing customer"] == [5]
    assert report.bad_lines["empty amount"] == [7]
    assert report.bad_lines["unparseable amount"] == [8]
    assert report.bad_lines["negative amount without an order column"] == [10]
    assert (report.rows, report.kept_rows) == (len(rows), 3)
    text = "\n".join(report.lines())
    assert "unparseable date in column date: 7 (lines 6, 11, 12, 13, 14, ...)" in text


def test_blank_lines_are_neither_orders_nor_bad_rows_and_keep_the_numbering(tmp_path):
    log = read_lines(tmp_path, ["customer_id,date,amount", "a,2024-03-05,1", "", "b,2024-03-05,x"])
    assert log.report.rows == 2
    assert log.report.bad_lines == {"unparseable amount": [4]}


def test_past_the_bad_fraction_the_error_names_file_line_column_and_counts(tmp_path):
    rows = ["c,2024-03-05,10"] * 97 + ["c,2024-03-05,ten", "c,2024-03-05,eleven", "c,yesterday,1"]
    with pytest.raises(OrderExportError) as raised:
        read_lines(tmp_path, ["customer_id,date,amount", *rows], options=ReadOptions(max_bad_fraction=0.02))
    message = str(raised.value)
    assert "orders.csv: 3 of 100 rows cannot be used" in message
    assert "line 99, column amount: unparseable amount (value 'ten')" in message
    assert "unparseable amount 2" in message and "unparseable date 1" in message
    # at the limit it reads
    assert read_lines(tmp_path, ["customer_id,date,amount", *rows],
                      options=ReadOptions(max_bad_fraction=0.03)).report.kept_rows == 97


# Status and refunds ---------------------------------------------------------------------------

def test_status_filtering_is_counted_apart_from_bad_rows(tmp_path):
    rows = ["1,a,2024-03-05,10,交易成功", "2,a,2024-03-06,10,交易关闭", "3,b,2024-03-06,,交易关闭",
            "4,b,2024-03-07,10,等待发货", "5,c,2024-03-08,10,"]
    options = ReadOptions(keep_status=("交易成功", "等待发货"), max_bad_fraction=1)
    log = read_lines(tmp_path, ["订单号,用户ID,下单时间,实付金额,订单状态", *rows], options=options)
    report = log.report
    assert log.orders["order"].to_list() == ["1", "4"]
    assert (report.filtered_rows, report.filtered_by) == (3, {"交易关闭": 2, "(empty)": 1})
    assert report.bad_rows == {}     # the empty amount was on a filtered row
    assert any("Removed 3 rows by status" in line for line in report.lines())


def test_keep_status_needs_a_status_column(tmp_path):
    with pytest.raises(OrderExportError, match="status.*--status"):
        read_lines(tmp_path, ["user_id,date,amount", "a,2024-03-05,1"], options=ReadOptions(keep_status=("ok",)))


def test_without_keep_status_cancelled_looking_orders_are_kept_and_the_report_says_so(tmp_path):
    rows = ["1,a,2024-03-05,10,交易成功", "2,a,2024-03-06,10,交易关闭", "3,b,2024-03-06,10,已取消"]
    log = read_lines(tmp_path, ["订单号,用户ID,下单时间,实付金额,订单状态", *rows])
    assert log.report.kept_rows == 3 and log.report.filtered_rows == 0
    hint = [line for line in log.report.lines() if "cancelled or refunded" in line]
    assert hint and "交易关闭 (1 rows)" in hint[0] and "--keep-status 交易成功" in hint[0]
    quiet = read_lines(tmp_path, ["订单号,用户ID,下单时间,实付金额,订单状态", rows[0]])
    assert not [line for line in quiet.report.lines() if "cancelled" in line]


def test_refunds_are_netted_against_their_orders(tmp_path):
    rows = ["1,a,2024-03-05,100", "1,a,2024-03-09,-30",       # partly refunded: 70 left
            "2,b,2024-03-05,50", "2,b,2024-03-06,-50",         # refunded in full: dropped
            "3,c,2024-03-05,20", "3,c,2024-03-05,15",          # two lines of one order: one order of 35
            "4,d,2024-03-05,-10",                              # a refund of no order in the file
            "5,e,2024-03-07,10", "5,e,2024-03-06,-10"]         # refunded before it was placed
    log = read_lines(tmp_path, ["order_id,customer_id,date,amount", *rows])
    assert log.orders.select("order", "amount", "day", "line").rows() == [
        ("1", 70.0, date(2024, 3, 5), 2), ("3", 35.0, date(2024, 3, 5), 6), ("5", 10.0, date(2024, 3, 7), 9)]
    report = log.report
    assert (report.refunds_netted, report.orders_refunded_away) == (2, 1)
    assert report.bad_rows == {"refund without its order": 2}
    assert report.bad_lines == {"refund without its order": [8, 10]}


# Empty and unreadable files -------------------------------------------------------------------

def test_empty_header_only_missing_and_unreadable_files_are_errors(tmp_path):
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(OrderExportError, match=r"empty.csv has no orders"):
        read_orders(tmp_path / "empty.csv")
    with pytest.raises(OrderExportError, match=r"orders.csv has no orders.*订单编号"):
        read_lines(tmp_path, [TAOBAO_HEADER])
    with pytest.raises(OrderExportError, match=r"nowhere.csv: no such file"):
        read_orders(tmp_path / "nowhere.csv")
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(OrderExportError, match=r"broken.xlsx: cannot be read"):
        read_orders(tmp_path / "broken.xlsx")
    with pytest.raises(OrderExportError, match=r"has no orders left"):
        read_lines(tmp_path, ["customer_id,date,amount", "a,2024-03-05,1", "b,2024-03-05,2"],
                   options=ReadOptions(keep_status=("x",), status="amount"))


# The synthetic shop ---------------------------------------------------------------------------

def truth_orders(orders: pl.DataFrame) -> pl.DataFrame:
    return orders.select("customer", pl.col("time").dt.date().alias("day"), "amount", "order").sort("order")


@pytest.mark.parametrize("name, encoding, bom", [("shop.csv", "utf-8", True), ("shop.csv.gz", "gb18030", False)])
def test_the_synthetic_export_reads_back_as_its_truth(tmp_path, name, encoding, bom):
    orders = simulate_orders(200, 120, ShopTruth(new_customers_per_day=5), seed=3)
    path = tmp_path / name
    write_shop_export(orders, path, bom=bom, encoding=encoding, bad_rows=6, cancelled=9, refunds=7, seed=4)
    log = read_orders(path, ReadOptions(keep_status=("交易成功",)))
    assert log.orders.select("customer", "day", "amount", "order").sort("order").equals(truth_orders(orders))
    report = log.report
    assert report.rows == orders.height + 6 + 9 + 2 * 7
    assert (report.filtered_by, report.refunds_netted, report.orders_refunded_away) == ({"交易关闭": 9}, 7, 7)
    assert report.bad_rows == {"unparseable date": 3, "empty amount": 3}
    assert report.encoding == ("utf-8-sig" if bom else encoding)


def test_the_synthetic_shop_follows_its_truth():
    truth = ShopTruth(new_customers_per_day=40)
    orders = simulate_orders(0, 400, truth, seed=11)
    customers = orders["customer"].n_unique()
    assert abs(customers - 40 * 400) < 5 * (40 * 400) ** 0.5                  # Poisson arrivals
    mean_value = truth.p * truth.gamma / (truth.q - 1)
    assert abs(orders["amount"].mean() / mean_value - 1) < 0.05
    assert orders["time"].is_sorted() and orders["order"].n_unique() == orders.height
    assert orders["time"].min() >= datetime(2024, 1, 1) and orders["time"].max() < datetime(2025, 2, 4)
    over_time = simulate_orders(0, 400, ShopTruth(new_customers_per_day=40, dropout_rule="over_time"), seed=11)
    assert over_time.height != orders.height and over_time["customer"].n_unique() == customers


def test_the_entry_point_writes_the_export_and_prints_the_truth(tmp_path, capsys):
    path = tmp_path / "shop.csv"
    main([str(path), "--customers", "50", "--new-per-day", "2", "--days", "60", "--seed", "5", "--cancelled", "2"])
    printed = json.loads(capsys.readouterr().out)
    assert printed["truth"]["r"] == ShopTruth().r and printed["export"]["cancelled"] == 2
    assert path.read_bytes().startswith(b"\xef\xbb\xbf" + "订单编号".encode())
    log = read_orders(path, ReadOptions(keep_status=("交易成功",)))
    assert log.report.kept_rows == printed["orders"]
    assert log.orders["amount"].sum() == pytest.approx(printed["revenue"])


def test_utc_offsets_in_parquet_strings_are_instants(tmp_path):
    path = tmp_path / "o.parquet"
    moment = datetime(2024, 3, 5, 16, 30, tzinfo=timezone.utc)
    pl.DataFrame({"customer": ["a"], "date": [moment.isoformat()], "amount": ["5"]}).write_parquet(path)
    assert read_orders(path).orders["day"].to_list() == [date(2024, 3, 6)]


def test_the_shipped_example_reads_as_its_readme_says():
    example = Path(__file__).resolve().parents[1] / "examples" / "shop_orders.csv"
    report = read_orders(example, ReadOptions(keep_status=("交易成功",))).report
    assert (report.rows, report.kept_rows, report.encoding) == (4602, 4559, "utf-8-sig")
    assert report.bad_rows == {"unparseable date": 4, "empty amount": 4}
    assert (report.filtered_rows, report.refunds_netted, report.orders_refunded_away) == (15, 10, 10)
