"""Invoice (tagihan) and receipt (kuitansi) PDFs for PNBP billings, rendered with fpdf2.

fpdf2 is imported lazily inside the render functions to keep the API's cold start small.
Only the PDF core fonts are used (nothing to ship, nothing to find on the Lambda image); they
are single-byte, so every text is mapped to Windows-1252 (which still has the em dash, curly
quotes and the bullet) and anything beyond it is transliterated or replaced.

``data`` (both documents)::

    request_id, consumer {name, email, institution?}, items [{catalog_id, title, price_idr}],
    total_idr, billing_code, expires_at, issued_at,
    payment_instructions {"virtual_account": str, "channels": [{"bank": str, "steps": [str]}]}  (invoice)
    ntpn, paid_at                                                                                (receipt)
    office?, office_address?                                                     (letterhead overrides)

Datetimes may be aware ``datetime`` objects or ISO-8601 strings; they are shown in WIB.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from chalicelib.core.fmt import format_date_id, format_idr, terbilang

__all__ = ["DEFAULT_OFFICE", "DEFAULT_OFFICE_ADDRESS", "render_invoice", "render_receipt"]

DEFAULT_OFFICE = "Badan Pusat Statistik — Layanan Statistik Terpadu (SILASTIK)"
DEFAULT_OFFICE_ADDRESS = "Jl. Dr. Sutomo No. 6–8, Jakarta 10710  •  Telepon (021) 3841195"

INVOICE_TITLE = "TAGIHAN PEMBAYARAN PNBP"
RECEIPT_TITLE = "BUKTI PEMBAYARAN (KUITANSI)"

_ENCODING = "cp1252"
_REPLACEMENTS = {
    "\u2010": "-",  # hyphen
    "\u2011": "-",  # non-breaking hyphen
    "\u2012": "–",  # figure dash
    "\u2015": "—",  # horizontal bar
    "\u2212": "-",  # minus sign
    "\u2009": " ",  # thin space
    "\u202f": " ",  # narrow no-break space
    "\u200b": "",  # zero width space
    "\u2264": "<=",
    "\u2265": ">=",
    "\u2192": "->",
    "\u2190": "<-",
    "\u2713": "v",
}

_MARGIN = 18.0
_NAVY = (18, 52, 96)
_GREY = (90, 90, 90)
_LIGHT = (230, 236, 245)
_PAID_GREEN = (22, 120, 60)
_UNPAID_RED = (170, 40, 40)


def _clean(value: Any) -> str:
    """Text safe for the single-byte core fonts (Windows-1252), without control characters."""
    text = unicodedata.normalize("NFC", "" if value is None else str(value))
    out: list[str] = []
    for ch in text:
        if ch in "\r\t":
            out.append(" ")
            continue
        if ch == "\n":
            out.append(ch)
            continue
        if unicodedata.category(ch) in ("Cc", "Cf") and ch not in _REPLACEMENTS:
            continue
        if ch in _REPLACEMENTS:
            out.append(_REPLACEMENTS[ch])
            continue
        try:
            ch.encode(_ENCODING)
            out.append(ch)
        except UnicodeEncodeError:
            decomposed = "".join(
                c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c) and _encodable(c)
            )
            out.append(decomposed or "?")
    return "".join(out)


def _encodable(ch: str) -> bool:
    try:
        ch.encode(_ENCODING)
    except UnicodeEncodeError:
        return False
    return True


def _require(data: Mapping[str, Any], keys: Sequence[str]) -> None:
    missing = [k for k in keys if data.get(k) in (None, "")]
    if missing:
        raise ValueError(f"missing field(s) for PDF: {', '.join(missing)}")
    consumer = data["consumer"]
    if not isinstance(consumer, Mapping) or not consumer.get("name"):
        raise ValueError("missing field(s) for PDF: consumer.name")
    if not isinstance(data["items"], Sequence) or isinstance(data["items"], str):
        raise ValueError("items must be a list")


def _when(value: datetime | date | str | None, *, weekday: bool = False) -> str:
    if value in (None, ""):
        return "-"
    return format_date_id(value, with_time=True, with_weekday=weekday)  # type: ignore[arg-type]


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _build_pdf(data: Mapping[str, Any], doc_title: str) -> Any:
    from fpdf import FPDF  # lazy: keeps fpdf out of the API's cold start

    office = _clean(data.get("office") or DEFAULT_OFFICE)
    address = _clean(data.get("office_address") or DEFAULT_OFFICE_ADDRESS)
    footer_left = _clean(f"SILASTIK  •  {doc_title}  •  Permintaan {data['request_id']}")

    class _Doc(FPDF):
        def header(self) -> None:
            self.set_y(_MARGIN - 6)
            self.set_text_color(*_NAVY)
            self.set_font("helvetica", "B", 13)
            self.multi_cell(0, 6, office, align="L", new_x="LMARGIN", new_y="NEXT")
            self.set_text_color(*_GREY)
            self.set_font("helvetica", "", 8.5)
            self.multi_cell(0, 4.5, address, align="L", new_x="LMARGIN", new_y="NEXT")
            y = self.get_y() + 1.5
            self.set_draw_color(*_NAVY)
            self.set_line_width(0.8)
            self.line(self.l_margin, y, self.w - self.r_margin, y)
            self.set_line_width(0.2)
            self.line(self.l_margin, y + 1.2, self.w - self.r_margin, y + 1.2)
            self.set_draw_color(0, 0, 0)
            self.set_text_color(0, 0, 0)
            self.set_y(y + 5)

        def footer(self) -> None:
            self.set_y(-13)
            self.set_font("helvetica", "", 7.5)
            self.set_text_color(*_GREY)
            self.cell(0, 5, footer_left, align="L")
            self.set_x(self.l_margin)
            self.cell(0, 5, f"Halaman {self.page_no()} dari {{nb}}", align="R")
            self.set_text_color(0, 0, 0)

    pdf = _Doc(orientation="P", unit="mm", format="A4")
    pdf.core_fonts_encoding = _ENCODING
    pdf.set_margins(_MARGIN, _MARGIN, _MARGIN)
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.set_title(_clean(f"{doc_title} - {data['request_id']}"))
    pdf.set_author(office)
    pdf.set_creator("SILASTIK")
    pdf.set_lang("id")
    pdf.add_page()
    return pdf


def _title(pdf: Any, title: str, subtitle: str) -> None:
    pdf.set_font("helvetica", "B", 15)
    pdf.set_text_color(*_NAVY)
    pdf.cell(0, 8, title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", "", 9.5)
    pdf.set_text_color(*_GREY)
    pdf.cell(0, 5, _clean(subtitle), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.ln(3)


def _section(pdf: Any, text: str) -> None:
    pdf.ln(1.5)
    pdf.set_font("helvetica", "B", 10.5)
    pdf.set_text_color(*_NAVY)
    pdf.cell(0, 6, _clean(text), new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.ln(1)


def _info_block(
    pdf: Any, rows: Sequence[tuple[str, str, bool]], stamp: tuple[str, tuple[int, int, int]]
) -> None:
    """Label/value pairs (value bold when flagged) beside a status stamp on the right."""
    from fpdf.fonts import FontFace

    stamp_w = 42.0
    width = pdf.epw - stamp_w - 4
    top = pdf.get_y()
    pdf.set_font("helvetica", "", 9.5)
    with pdf.table(
        width=width,
        align="LEFT",
        col_widths=(40, width - 40),
        first_row_as_headings=False,
        borders_layout="NONE",
        text_align=("LEFT", "LEFT"),
        line_height=4.8,
        padding=(0.5, 1, 0.5, 0),
        v_align="TOP",
    ) as table:
        for label, value, bold in rows:
            row = table.row()
            row.cell(_clean(label), style=FontFace(color=_GREY))
            row.cell(_clean(value), style=FontFace(emphasis="BOLD") if bold else None)
    bottom = pdf.get_y()
    # status stamp
    text, colour = stamp
    x = pdf.w - pdf.r_margin - stamp_w
    pdf.set_draw_color(*colour)
    pdf.set_text_color(*colour)
    pdf.set_line_width(0.7)
    pdf.rect(x, top + 1, stamp_w, 14, round_corners=True, corner_radius=2)
    pdf.set_font("helvetica", "B", 13 if len(text) <= 10 else 10.5)
    pdf.set_xy(x, top + 1)
    pdf.cell(stamp_w, 14, text, align="C")
    pdf.set_line_width(0.2)
    pdf.set_draw_color(0, 0, 0)
    pdf.set_text_color(0, 0, 0)
    pdf.set_xy(pdf.l_margin, max(bottom, top + 16))
    pdf.ln(2)


def _items_table(pdf: Any, items: Sequence[Mapping[str, Any]], total_idr: Any) -> None:
    from fpdf.fonts import FontFace

    heading = FontFace(emphasis="BOLD", color=(255, 255, 255), fill_color=_NAVY)
    total_style = FontFace(emphasis="BOLD", fill_color=_LIGHT)
    pdf.set_font("helvetica", "", 9.5)
    pdf.set_draw_color(170, 178, 190)
    with pdf.table(
        col_widths=(10, 42, 84, 38),
        text_align=("CENTER", "LEFT", "LEFT", "RIGHT"),
        headings_style=heading,
        line_height=4.8,
        padding=(1.2, 1.6),
        v_align="TOP",
        repeat_headings=1,
    ) as table:
        head = table.row()
        for text, align in (("No", "CENTER"), ("Kode Katalog", "LEFT"), ("Uraian Layanan", "LEFT")):
            head.cell(text, align=align)
        head.cell("Harga (Rp)", align="RIGHT")
        for n, item in enumerate(items, start=1):
            row = table.row()
            row.cell(str(n))
            row.cell(_clean(item.get("catalog_id") or "-"))
            row.cell(_clean(item.get("title") or "-"))
            row.cell(format_idr(item.get("price_idr") or 0).removeprefix("Rp "))
        if not items:
            row = table.row()
            row.cell("-")
            row.cell("-")
            row.cell("(tidak ada rincian)")
            row.cell("0")
        total = table.row()
        total.cell("JUMLAH", colspan=3, align="RIGHT", style=total_style)
        total.cell(format_idr(total_idr), align="RIGHT", style=total_style)
    pdf.set_draw_color(0, 0, 0)
    pdf.ln(2)


def _terbilang_box(pdf: Any, total_idr: Any) -> None:
    words = _capitalised(terbilang(total_idr))
    pdf.set_fill_color(*_LIGHT)
    pdf.set_font("helvetica", "BI", 9.5)
    pdf.multi_cell(
        0, 5.5, f"Terbilang: {words}", fill=True, padding=(2, 3), align="L", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.ln(2)


def _paragraph(pdf: Any, text: str, size: float = 9.5, style: str = "") -> None:
    pdf.set_font("helvetica", style, size)
    pdf.multi_cell(0, 5, _clean(text), align="L", new_x="LMARGIN", new_y="NEXT")


def _numbered(pdf: Any, lines: Sequence[str], indent: float = 4.0, size: float = 9.0) -> None:
    pdf.set_font("helvetica", "", size)
    for n, line in enumerate(lines, start=1):
        pdf.set_x(pdf.l_margin + indent)
        pdf.cell(7, 4.4, f"{n}.")
        pdf.multi_cell(0, 4.4, _clean(line), align="L", new_x="LMARGIN", new_y="NEXT")


def _keep_together(pdf: Any, height: float) -> None:
    if pdf.get_y() + height > pdf.page_break_trigger:
        pdf.add_page()


def _consumer_rows(consumer: Mapping[str, Any], label: str) -> list[tuple[str, str, bool]]:
    rows = [(label, str(consumer.get("name")), True)]
    if consumer.get("institution"):
        rows.append(("Instansi", str(consumer["institution"]), False))
    if consumer.get("email"):
        rows.append(("Email", str(consumer["email"]), False))
    return rows


def _output(pdf: Any) -> bytes:
    return bytes(pdf.output())


def render_invoice(data: Mapping[str, Any]) -> bytes:
    """The PNBP invoice (tagihan) as PDF bytes."""
    _require(
        data, ("request_id", "consumer", "items", "total_idr", "billing_code", "expires_at", "issued_at")
    )
    pdf = _build_pdf(data, "Tagihan PNBP")
    _title(pdf, INVOICE_TITLE, "Penerimaan Negara Bukan Pajak atas Layanan Data Statistik")
    rows = [
        ("Nomor Permintaan", str(data["request_id"]), True),
        ("Tanggal Terbit", _when(data["issued_at"]), False),
        *_consumer_rows(data["consumer"], "Kepada"),
        ("Kode Billing", str(data["billing_code"]), True),
        ("Jumlah Tagihan", format_idr(data["total_idr"]), True),
        ("Batas Pembayaran", _when(data["expires_at"], weekday=True), True),
    ]
    _info_block(pdf, rows, ("BELUM DIBAYAR", _UNPAID_RED))

    _section(pdf, "Rincian Layanan")
    _items_table(pdf, data["items"], data["total_idr"])
    _terbilang_box(pdf, data["total_idr"])

    instructions = data.get("payment_instructions") or {}
    channels = instructions.get("channels") or []
    _keep_together(pdf, 40)
    _section(pdf, "Petunjuk Pembayaran")
    pdf.set_font("helvetica", "", 9.5)
    pdf.cell(40, 5.5, "Kode Billing")
    pdf.set_font("helvetica", "B", 11)
    pdf.cell(0, 5.5, _clean(data["billing_code"]), new_x="LMARGIN", new_y="NEXT")
    if instructions.get("virtual_account"):
        pdf.set_font("helvetica", "", 9.5)
        pdf.cell(40, 5.5, "Nomor Virtual Account")
        pdf.set_font("helvetica", "B", 11)
        pdf.cell(0, 5.5, _clean(instructions["virtual_account"]), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1.5)
    for channel in channels:
        steps = [str(s) for s in (channel.get("steps") or [])]
        _keep_together(pdf, 12 + 5 * min(len(steps), 3))
        _paragraph(pdf, str(channel.get("bank") or "Kanal pembayaran"), size=9.5, style="B")
        if steps:
            _numbered(pdf, steps)
        pdf.ln(1)

    _keep_together(pdf, 22)
    _section(pdf, "Catatan")
    expires = _when(data["expires_at"], weekday=True)
    _numbered(
        pdf,
        [
            "Pembayaran menggunakan kode billing di atas dapat dilakukan melalui bank/pos persepsi "
            "(teller, ATM, internet banking, mobile banking) atau kanal pembayaran SIMPONI lainnya.",
            f"Bayarlah tepat sejumlah {format_idr(data['total_idr'])} paling lambat {expires}. Setelah "
            "batas waktu tersebut kode billing tidak berlaku lagi dan permintaan dinyatakan kedaluwarsa.",
            "Setelah pembayaran berhasil, Anda menerima NTPN (Nomor Transaksi Penerimaan Negara) dan "
            "kuitansi dapat diunduh pada halaman permintaan di SILASTIK. Simpan bukti pembayaran Anda.",
            "Dokumen ini diterbitkan secara elektronik dan sah tanpa tanda tangan.",
        ],
        indent=0,
    )
    return _output(pdf)


def render_receipt(data: Mapping[str, Any]) -> bytes:
    """The PNBP payment receipt (kuitansi) as PDF bytes."""
    _require(
        data, ("request_id", "consumer", "items", "total_idr", "billing_code", "ntpn", "paid_at", "issued_at")
    )
    pdf = _build_pdf(data, "Kuitansi PNBP")
    _title(pdf, RECEIPT_TITLE, "Penerimaan Negara Bukan Pajak atas Layanan Data Statistik")
    rows = [
        ("Nomor Permintaan", str(data["request_id"]), True),
        ("Tanggal Terbit", _when(data["issued_at"]), False),
        *_consumer_rows(data["consumer"], "Diterima dari"),
        ("Kode Billing", str(data["billing_code"]), False),
        ("NTPN", str(data["ntpn"]), True),
        ("Tanggal Pembayaran", _when(data["paid_at"], weekday=True), False),
        ("Jumlah Dibayar", format_idr(data["total_idr"]), True),
    ]
    if data.get("agreement_version"):  # microdata: the data-use agreement the consumer accepted
        accepted = f", disetujui {_when(data['agreement_accepted_at'])}" if data.get("agreement_accepted_at") else ""
        rows.append(("Perjanjian Data", f"Penggunaan Mikrodata versi {data['agreement_version']}{accepted}", False))
    _info_block(pdf, rows, ("LUNAS", _PAID_GREEN))

    _section(pdf, "Untuk Pembayaran")
    _items_table(pdf, data["items"], data["total_idr"])
    _terbilang_box(pdf, data["total_idr"])

    _keep_together(pdf, 30)
    pdf.ln(2)
    _paragraph(
        pdf,
        f"Telah diterima pembayaran Penerimaan Negara Bukan Pajak (PNBP) sebesar "
        f"{format_idr(data['total_idr'])} untuk permintaan {data['request_id']} dengan NTPN {data['ntpn']} "
        f"pada {_when(data['paid_at'])}.",
    )
    pdf.ln(2)
    pdf.set_text_color(*_GREY)
    _paragraph(
        pdf,
        "Kuitansi ini diterbitkan secara elektronik oleh SILASTIK dan sah tanpa tanda tangan maupun cap. "
        "Keabsahan pembayaran dapat diverifikasi melalui NTPN pada sistem penerimaan negara.",
        size=8.5,
    )
    pdf.set_text_color(0, 0, 0)
    return _output(pdf)
