"""Demo file-backed catalog items (issue 19): a few published tables, publications and a map with real small data
files, so that after `make dev` a free order is delivered within seconds and a paid one right after the simulator
pays, and open items can be downloaded from the portal at once.

The files go through the product's own path: a `pending` file record, the object put in the deliverables bucket
under `catalog/`, then the uploads worker's verification (`catalog_files.process_upload`) makes
it `ready`; the S3 event that follows finds it verified already."""

from __future__ import annotations

import hashlib
from typing import Any

#: (id, type, title, abstract, subject, region, format, price) of the demo items with data files
DEMO_ITEMS: list[tuple[str, str, str, str, str, str, str, int]] = [
    ("TS-DEMO-PENDUDUK-2024", "table_static", "Jumlah Penduduk Menurut Provinsi di Indonesia, 2024",
     "Jumlah penduduk hasil proyeksi menurut provinsi, pertengahan tahun 2024 (ribu jiwa).", "Kependudukan",
     "Indonesia", "csv", 0),
    ("TS-DEMO-IPM-2024", "table_static", "Indeks Pembangunan Manusia Menurut Provinsi, 2024",
     "Indeks Pembangunan Manusia (IPM) metode baru menurut provinsi, 2024.", "Pembangunan Manusia", "Indonesia",
     "csv", 0),
    ("TS-DEMO-UPAH-2024", "table_static", "Rata-rata Upah Bersih Sebulan Buruh Menurut Provinsi, 2024",
     "Rata-rata upah/gaji bersih sebulan buruh/karyawan/pegawai menurut provinsi (rupiah), Agustus 2024.",
     "Tenaga Kerja", "Indonesia", "csv", 50_000),
    ("PB-DEMO-STATISTIK-INDONESIA-2025", "publication", "Statistik Indonesia 2025 (Ringkasan)",
     "Ringkasan publikasi tahunan Statistik Indonesia: penduduk, ekonomi, sosial dan lingkungan.",
     "Statistik Umum", "Indonesia", "pdf", 0),
    ("PB-DEMO-HARGA-PRODUSEN-2024", "publication", "Statistik Harga Produsen Indonesia 2024",
     "Publikasi indeks harga produsen menurut sektor dan komoditas, 2024.", "Harga Produsen", "Indonesia", "pdf",
     75_000),
    ("MP-DEMO-WILKERSTAT-3171", "map", "Peta Wilayah Kerja Statistik Kecamatan Menteng, Kota Jakarta Pusat",
     "Batas blok sensus Kecamatan Menteng (GeoJSON) untuk kegiatan lapangan.", "Wilayah Kerja Statistik",
     "DKI Jakarta", "geojson", 0),
]

_PROVINCES = [("ACEH", 5554.8, 75.4), ("SUMATERA UTARA", 15386.6, 75.0), ("SUMATERA BARAT", 5836.2, 74.5),
              ("RIAU", 6728.1, 74.8), ("JAMBI", 3724.3, 73.7), ("SUMATERA SELATAN", 8743.5, 73.2),
              ("BENGKULU", 2086.0, 73.6), ("LAMPUNG", 9419.6, 72.5), ("DKI JAKARTA", 10684.9, 83.6),
              ("JAWA BARAT", 50345.2, 74.9), ("JAWA TENGAH", 37892.3, 73.9), ("DI YOGYAKARTA", 3759.5, 81.6),
              ("JAWA TIMUR", 41814.5, 74.6), ("BANTEN", 12431.4, 75.0), ("BALI", 4433.3, 78.0),
              ("PAPUA", 1060.6, 63.0)]


def _csv(item_id: str) -> bytes:
    if item_id == "TS-DEMO-IPM-2024":
        rows = ["provinsi,ipm_2024"] + [f"{p},{ipm}" for p, _, ipm in _PROVINCES]
    elif item_id == "TS-DEMO-UPAH-2024":
        rows = ["provinsi,upah_bersih_rupiah"] + [f"{p},{int(2_400_000 + ipm * 20_000)}" for p, _, ipm in _PROVINCES]
    else:
        rows = ["provinsi,penduduk_ribu_jiwa"] + [f"{p},{n}" for p, n, _ in _PROVINCES]
    return ("\n".join(rows) + "\n").encode()


def _pdf(title: str, abstract: str) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    # explicit widths from the left margin: width 0 ("to the right margin") depends on where the last cell left
    # x, and fpdf2 then refuses a line ("Not enough horizontal space") now and then
    pdf.set_font("Helvetica", "B", 16)
    pdf.set_x(pdf.l_margin)
    pdf.multi_cell(pdf.epw, 10, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 11)
    pdf.set_x(pdf.l_margin)
    pdf.multi_cell(pdf.epw, 7, abstract, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    for p, n, ipm in _PROVINCES:
        pdf.set_x(pdf.l_margin)
        pdf.cell(pdf.epw, 6, f"{p}: penduduk {n} ribu jiwa, IPM {ipm}", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _geojson() -> bytes:
    return (b'{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"kecamatan":"Menteng",'
            b'"kode":"3171060"},"geometry":{"type":"Polygon","coordinates":[[[106.82,-6.18],[106.85,-6.18],'
            b'[106.85,-6.20],[106.82,-6.20],[106.82,-6.18]]]}}]}\n')


CONTENT_TYPES = {"csv": "text/csv", "pdf": "application/pdf", "geojson": "application/geo+json"}


def demo_items() -> list[dict[str, Any]]:
    """The demo items as catalog item dicts (indexed with the rest of the demo catalog)."""
    return [{"id": i, "type": t, "title": title, "abstract": abstract, "subject": subject, "region_code": "0000"
             if region == "Indonesia" else "3171", "region": region,
             "level": "nasional" if region == "Indonesia" else "kabupaten_kota", "year": 2024, "period": "2024",
             "format": fmt, "size_bytes": len(file_for(i)[1]), "price_idr": price,
             "access": "paid" if price else "open", "release_date": "2024-03-01", "series_id": None,
             "status": "published"} for i, t, title, abstract, subject, region, fmt, price in DEMO_ITEMS]


def file_for(item_id: str) -> tuple[str, bytes]:
    _, _, title, abstract, _, _, fmt, _ = next(d for d in DEMO_ITEMS if d[0] == item_id)
    data = _pdf(title, abstract) if fmt == "pdf" else _geojson() if fmt == "geojson" else _csv(item_id)
    name = {"csv": f"{item_id.lower()}.csv", "pdf": f"{title.split(' (')[0]}.pdf",
            "geojson": "wilkerstat menteng 3171060.geojson"}[fmt]
    return name, data


def seed_files() -> int:
    """Attach each demo item's file (idempotent: an item that has a verified file is left alone)."""
    from chalicelib.core import aws, clock
    from chalicelib.delivery import catalog_files, s3
    from chalicelib.delivery.models import PENDING, READY

    n = 0
    for item_id, *_rest in DEMO_ITEMS:
        if any(f.status == READY for f in catalog_files.files_of(item_id)):
            continue
        name, data = file_for(item_id)
        ctype = CONTENT_TYPES[name.rsplit(".", 1)[1]]
        fid = catalog_files.new_file_id()
        key = catalog_files.object_key(item_id, fid, name)
        catalog_files.CatalogFileRecord(item_id=item_id, file_id=fid, filename=name, content_type=ctype,
                                        size_bytes=len(data), sha256=hashlib.sha256(data).hexdigest(), s3_key=key,
                                        status=PENDING, uploaded_by="admin1", created_at=clock.iso()).save()
        put = aws.client("s3").put_object(Bucket=s3.bucket(), Key=key, Body=data, ContentType=ctype,
                                          ServerSideEncryption=s3.SSE)
        if catalog_files.process_upload(key, put.get("VersionId"), clock.iso()) == "ready":
            n += 1
    return n
