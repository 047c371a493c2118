from __future__ import annotations

import io
import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from chalicelib.billing.pdf import DEFAULT_OFFICE, render_invoice, render_receipt

REPO_ROOT = Path(__file__).resolve().parents[3]

LONG_TITLE = (
    "Data Mikro Survei Sosial Ekonomi Nasional (SUSENAS) Maret 2025 — Kor dan Modul Konsumsi/Pengeluaran, "
    "Provinsi DKI Jakarta, Jawa Barat, dan Banten, beserta dokumentasi metadata dan kuesioner"
)


def sample(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "request_id": "REQ-20261129-0042",
        "consumer": {
            "name": "Dr. Siti Nurhaliza",
            "email": "siti@ui.ac.id",
            "institution": "Fakultas Ekonomi dan Bisnis, Universitas Indonesia",
        },
        "items": [
            {"catalog_id": "MD-SUSENAS-2025-M", "title": LONG_TITLE, "price_idr": 1_000_000},
            {
                "catalog_id": "TBL-3171-IPM-2024",
                "title": "IPM Kota Jakarta Selatan 2024",
                "price_idr": 250_000,
            },
        ],
        "total_idr": 1_250_000,
        "billing_code": "820261129004217",
        "expires_at": datetime(2026, 12, 6, 7, 30, tzinfo=UTC),
        "issued_at": datetime(2026, 11, 29, 7, 30, tzinfo=UTC),
        "payment_instructions": {
            "virtual_account": "8808202611290042",
            "channels": [
                {
                    "bank": "Bank Mandiri",
                    "steps": ["Pilih menu Bayar > Penerimaan Negara (MPN G3).", "Masukkan kode billing."],
                },
                {"bank": "Kantor Pos", "steps": ["Datangi loket kantor pos terdekat."]},
            ],
        },
        "ntpn": "A1B2C3D4E5F6G7H8",
        "paid_at": datetime(2026, 11, 30, 2, 15, tzinfo=UTC),
    }
    data.update(overrides)
    return data


def pages_text(pdf: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(pdf))
    return [" ".join((page.extract_text() or "").split()) for page in reader.pages]


def all_text(pdf: bytes) -> str:
    return " ".join(pages_text(pdf))


def test_invoice_is_a_pdf_with_the_essentials() -> None:
    pdf = render_invoice(sample())
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    text = all_text(pdf)
    assert "TAGIHAN PEMBAYARAN PNBP" in text
    assert DEFAULT_OFFICE in text  # the em dash survives (cp1252 core font)
    assert "REQ-20261129-0042" in text
    assert "820261129004217" in text
    assert "Rp 1.250.000" in text
    assert "Terbilang: Satu juta dua ratus lima puluh ribu rupiah" in text
    assert "Minggu, 6 Desember 2026 14.30 WIB" in text  # expiry in WIB with weekday
    assert "29 November 2026 14.30 WIB" in text
    assert "8808202611290042" in text
    assert "Bank Mandiri" in text and "Kantor Pos" in text
    assert "Masukkan kode billing." in text
    assert "BELUM DIBAYAR" in text
    assert "Fakultas Ekonomi dan Bisnis, Universitas Indonesia" in text
    assert "1.000.000" in text and "250.000" in text


def test_long_title_wraps_and_stays_on_one_page() -> None:
    pdf = render_invoice(sample())
    assert len(pages_text(pdf)) == 1
    text = all_text(pdf)
    for word in ("SUSENAS", "Konsumsi/Pengeluaran,", "Banten,", "kuesioner"):
        assert word in text


def test_receipt_has_ntpn_and_payment_date() -> None:
    pdf = render_receipt(sample())
    assert pdf.startswith(b"%PDF-")
    text = all_text(pdf)
    assert "BUKTI PEMBAYARAN (KUITANSI)" in text
    assert "A1B2C3D4E5F6G7H8" in text
    assert "820261129004217" in text
    assert "LUNAS" in text
    assert "Rp 1.250.000" in text
    assert "Terbilang: Satu juta dua ratus lima puluh ribu rupiah" in text
    assert "Senin, 30 November 2026 09.15 WIB" in text
    assert "Diterima dari" in text


def test_many_items_paginate_with_repeated_headings() -> None:
    items = [
        {
            "catalog_id": f"TBL-{i:04d}",
            "title": f"Tabel statistik nomor {i} " + "panjang " * (i % 9),
            "price_idr": 1000 * i,
        }
        for i in range(1, 81)
    ]
    total = sum(item["price_idr"] for item in items)
    pdf = render_invoice(sample(items=items, total_idr=total))
    pages = pages_text(pdf)
    assert len(pages) >= 3
    for n, page in enumerate(pages, start=1):
        assert f"Halaman {n} dari {len(pages)}" in page
        assert "Badan Pusat Statistik" in page  # letterhead on every page
    for page in pages[:-1]:
        assert "Kode Katalog" in page  # table heading repeated
    text = " ".join(pages)
    for i in range(1, 81):
        assert f"TBL-{i:04d}" in text
    assert "Rp 3.240.000" in text
    assert "Terbilang: Tiga juta dua ratus empat puluh ribu rupiah" in text


def test_unicode_is_sanitised_and_office_is_configurable() -> None:
    data = sample(
        office="BPS Provinsi Bali — Pelayanan Statistik Terpadu",
        office_address="Jl. Raya Puputan No. 1, Denpasar",
        consumer={"name": "Ni Luh Putu Ayu 张伟 😀", "email": "ayu@example.org"},
        items=[{"catalog_id": "T-1", "title": "Ringkasan “Bali” … ≥ 5 tahun • Ş", "price_idr": 50_000}],
        total_idr=50_000,
    )
    text = all_text(render_invoice(data))
    assert "BPS Provinsi Bali — Pelayanan Statistik Terpadu" in text
    assert "Jl. Raya Puputan No. 1, Denpasar" in text
    assert "Ni Luh Putu Ayu" in text
    assert "Ringkasan “Bali” … >= 5 tahun • S" in text
    assert "Terbilang: Lima puluh ribu rupiah" in text


def test_iso_strings_decimals_and_zero_total() -> None:
    data = sample(
        items=[{"catalog_id": "MD-1", "title": "Data mikro", "price_idr": Decimal("0")}],
        total_idr=Decimal("0"),
        issued_at="2026-11-29T07:30:00+00:00",
        expires_at="2026-12-06T07:30:00Z",
        paid_at="2026-11-30T02:15:00Z",
        payment_instructions=None,
    )
    invoice = all_text(render_invoice(data))
    assert "Terbilang: Nol rupiah" in invoice
    assert "Rp 0" in invoice
    assert "6 Desember 2026 14.30 WIB" in invoice
    receipt = all_text(render_receipt(data))
    assert "30 November 2026 09.15 WIB" in receipt


def test_missing_fields_are_refused() -> None:
    with pytest.raises(ValueError, match="ntpn"):
        render_receipt(sample(ntpn=None))
    with pytest.raises(ValueError, match="billing_code"):
        render_invoice({k: v for k, v in sample().items() if k != "billing_code"})
    with pytest.raises(ValueError, match="consumer.name"):
        render_invoice(sample(consumer={"email": "x@example.org"}))


def test_import_does_not_load_fpdf() -> None:
    code = "import sys, chalicelib.billing.pdf; assert 'fpdf' not in sys.modules, 'fpdf imported eagerly'"
    subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, check=True, timeout=30)
