from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from chalicelib.core.fmt import format_date_id, format_idr, format_number_id, terbilang

# ---------------------------------------------------------------- format_idr


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (0, "Rp 0"),
        (5, "Rp 5"),
        (999, "Rp 999"),
        (1000, "Rp 1.000"),
        (15000, "Rp 15.000"),
        (1250000, "Rp 1.250.000"),
        (1_000_000_000, "Rp 1.000.000.000"),
        (-25000, "-Rp 25.000"),
        (Decimal("150000"), "Rp 150.000"),
        (Decimal("150000.00"), "Rp 150.000"),
        ("75000", "Rp 75.000"),
    ],
)
def test_format_idr(amount: int | Decimal | str, expected: str) -> None:
    assert format_idr(amount) == expected


def test_format_idr_refuses_fractions_and_junk() -> None:
    with pytest.raises(ValueError):
        format_idr(Decimal("1500.50"))
    with pytest.raises(ValueError):
        format_idr(10.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        format_idr("seribu")
    with pytest.raises(TypeError):
        format_idr(True)


def test_format_number_id() -> None:
    assert format_number_id(1234567) == "1.234.567"
    assert format_number_id(-1000) == "-1.000"


# ---------------------------------------------------------------- terbilang


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (0, "nol"),
        (1, "satu"),
        (9, "sembilan"),
        (10, "sepuluh"),
        (11, "sebelas"),
        (12, "dua belas"),
        (15, "lima belas"),
        (19, "sembilan belas"),
        (20, "dua puluh"),
        (21, "dua puluh satu"),
        (99, "sembilan puluh sembilan"),
        (100, "seratus"),
        (101, "seratus satu"),
        (110, "seratus sepuluh"),
        (111, "seratus sebelas"),
        (115, "seratus lima belas"),
        (200, "dua ratus"),
        (999, "sembilan ratus sembilan puluh sembilan"),
        (1000, "seribu"),
        (1001, "seribu satu"),
        (1100, "seribu seratus"),
        (1500, "seribu lima ratus"),
        (2000, "dua ribu"),
        (10_000, "sepuluh ribu"),
        (11_000, "sebelas ribu"),
        (12_500, "dua belas ribu lima ratus"),
        (100_000, "seratus ribu"),
        (101_000, "seratus satu ribu"),
        (111_111, "seratus sebelas ribu seratus sebelas"),
        (250_000, "dua ratus lima puluh ribu"),
        (1_000_000, "satu juta"),
        (1_001_000, "satu juta seribu"),
        (1_250_000, "satu juta dua ratus lima puluh ribu"),
        (2_000_500, "dua juta lima ratus"),
        (11_000_000, "sebelas juta"),
        (100_000_000, "seratus juta"),
        (1_000_000_000, "satu miliar"),
        (1_100_000_000, "satu miliar seratus juta"),
        (7_000_001_000, "tujuh miliar seribu"),
        (1_000_000_000_000, "satu triliun"),
        (
            123_456_789_012,
            "seratus dua puluh tiga miliar empat ratus lima puluh enam juta "
            "tujuh ratus delapan puluh sembilan ribu dua belas",
        ),
        (
            999_999_999_999_999,
            "sembilan ratus sembilan puluh sembilan triliun sembilan ratus sembilan puluh sembilan miliar "
            "sembilan ratus sembilan puluh sembilan juta sembilan ratus sembilan puluh sembilan ribu "
            "sembilan ratus sembilan puluh sembilan",
        ),
    ],
)
def test_terbilang(n: int, words: str) -> None:
    assert terbilang(n) == words + " rupiah"
    assert terbilang(n, suffix="") == words


def test_terbilang_examples_from_spec() -> None:
    assert terbilang(1250000) == "satu juta dua ratus lima puluh ribu rupiah"
    assert terbilang(0) == "nol rupiah"


def test_terbilang_negative_decimal_and_limits() -> None:
    assert terbilang(-1500) == "minus seribu lima ratus rupiah"
    assert terbilang(Decimal("250000")) == "dua ratus lima puluh ribu rupiah"
    assert terbilang(5, suffix=" buah") == "lima buah"
    with pytest.raises(ValueError):
        terbilang(10**15)
    with pytest.raises(ValueError):
        terbilang(Decimal("0.5"))


def test_terbilang_never_says_satu_ratus_or_satu_ribu() -> None:
    for n in range(0, 3_000_000, 997):
        text = terbilang(n)
        assert "satu ratus" not in text
        # "dua puluh satu ribu" is right; a bare thousand is always "seribu"
        assert not re.search(r"(^|juta |miliar |triliun )satu ribu", text)
        assert "satu belas" not in text
        assert "satu puluh" not in text
        assert "  " not in text


# ---------------------------------------------------------------- format_date_id


def test_format_plain_date() -> None:
    assert format_date_id(date(2026, 11, 29)) == "29 November 2026"
    assert format_date_id(date(2026, 1, 1)) == "1 Januari 2026"
    assert format_date_id(date(2026, 8, 17)) == "17 Agustus 2026"
    # with_time is ignored for plain dates
    assert format_date_id(date(2026, 3, 5), with_time=True) == "5 Maret 2026"


def test_all_month_names() -> None:
    names = [format_date_id(date(2026, m, 1)).split(" ")[1] for m in range(1, 13)]
    assert names == [
        "Januari",
        "Februari",
        "Maret",
        "April",
        "Mei",
        "Juni",
        "Juli",
        "Agustus",
        "September",
        "Oktober",
        "November",
        "Desember",
    ]


def test_weekday_names() -> None:
    assert format_date_id(date(2026, 11, 29), with_weekday=True) == "Minggu, 29 November 2026"
    assert format_date_id(date(2026, 11, 30), with_weekday=True) == "Senin, 30 November 2026"
    assert format_date_id(date(2026, 11, 27), with_weekday=True) == "Jumat, 27 November 2026"
    assert format_date_id(date(2026, 11, 28), with_weekday=True) == "Sabtu, 28 November 2026"


def test_aware_datetime_converted_to_wib() -> None:
    utc = datetime(2026, 11, 29, 7, 30, tzinfo=UTC)
    assert format_date_id(utc, with_time=True) == "29 November 2026 14.30 WIB"
    assert format_date_id(utc) == "29 November 2026"
    # 20:05 UTC is already the next day in Jakarta
    late = datetime(2026, 11, 29, 20, 5, tzinfo=UTC)
    assert format_date_id(late, with_time=True) == "30 November 2026 03.05 WIB"
    assert format_date_id(late, with_time=True, with_weekday=True) == "Senin, 30 November 2026 03.05 WIB"
    wita = datetime(2026, 11, 29, 9, 0, tzinfo=timezone(timedelta(hours=8)))
    assert format_date_id(wita, with_time=True) == "29 November 2026 08.00 WIB"


def test_naive_datetime_taken_as_wib() -> None:
    assert format_date_id(datetime(2026, 11, 29, 9, 5), with_time=True) == "29 November 2026 09.05 WIB"


def test_iso_strings() -> None:
    assert format_date_id("2026-11-29T07:30:00+00:00", with_time=True) == "29 November 2026 14.30 WIB"
    assert format_date_id("2026-11-29T07:30:00Z", with_time=True) == "29 November 2026 14.30 WIB"
    assert format_date_id("2026-11-29") == "29 November 2026"
    with pytest.raises(ValueError):
        format_date_id("kemarin")
    with pytest.raises(TypeError):
        format_date_id(20261129)  # type: ignore[arg-type]
