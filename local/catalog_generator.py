"""Deterministic generator of a realistic demo catalog (BPS-style statistical products).

``generate_items(n, seed)`` streams plain dicts with the catalog item shape::

    id, type, title, abstract, subject, region_code, region, level, year, period, format,
    size_bytes, price_idr, access, release_date, series_id

Titles follow the naming of BPS tables, publications, microdata and Wilkerstat maps, over the
38 provinces and a set of their regencies/cities (see :mod:`chalicelib.catalog.regions`), for
2015-2025. The same ``(n, seed)`` always yields the same items; a prefix of a longer run equals a
shorter run (item ``i`` only depends on the seed and on the items before it).
"""

from __future__ import annotations

import bisect
import json
import os
import random
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar

from chalicelib.catalog import regions as reg

_T = TypeVar("_T")

TYPE_PREFIX: dict[str, str] = {
    "table_static": "TS",
    "table_dynamic": "TD",
    "publication": "PB",
    "microdata": "MD",
    "map": "MP",
}
ITEM_TYPES: tuple[str, ...] = tuple(TYPE_PREFIX)

# Share of each type in the catalog: tables dominate.
_TYPE_WEIGHTS: tuple[tuple[str, float], ...] = (
    ("table_static", 0.44),
    ("table_dynamic", 0.24),
    ("publication", 0.17),
    ("map", 0.08),
    ("microdata", 0.07),
)

SUBJECTS: tuple[str, ...] = (
    "Inflasi",
    "Kependudukan",
    "Ketenagakerjaan",
    "Kemiskinan",
    "Pertanian",
    "Pendidikan",
    "Kesehatan",
    "Perdagangan",
    "Pariwisata",
    "Transportasi",
    "Energi",
    "Keuangan",
    "Harga Produsen",
    "Produk Domestik Regional Bruto",
    "Industri",
    "Pertambangan",
    "Konstruksi",
    "Perumahan",
    "Sosial Budaya",
    "Lingkungan Hidup",
    "Indeks Pembangunan Manusia",
    "Komunikasi",
    "Perikanan",
    "Upah",
    "Geografi",
)

MONTHS: tuple[str, ...] = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
)
_QUARTERS = ("I", "II", "III", "IV")

FIRST_YEAR = 2015
LAST_YEAR = 2025
LAST_MONTH_OF_LAST_YEAR = 10  # nothing is released after the catalog's "today" (late 2025)

# Accented / variant spellings, sprinkled over a small share of titles so accent folding is testable.
ACCENT_VARIANTS: tuple[str, ...] = (
    " — Édisi Khusus",
    " (Édisi Révisi)",
    " — Ringkasan Éksekutif",
    " — Catatan Téknis",
)

# Periodicities
ANNUAL, MONTHLY, QUARTERLY, SUSENAS, SAKERNAS = "annual", "monthly", "quarterly", "susenas", "sakernas"

# Levels a template can be produced at
N, P, K = reg.LEVEL_NATIONAL, reg.LEVEL_PROVINCE, reg.LEVEL_REGENCY


@dataclass(frozen=True, slots=True)
class _TableTemplate:
    key: str
    subject: str
    title: str  # placeholders: {r} region text, {p} period
    periodicity: str
    levels: tuple[str, ...]
    topic: str  # phrase for the abstract
    source: str
    cities_only: bool = False  # IHK is compiled for cities


_TABLES: tuple[_TableTemplate, ...] = (
    # Inflasi
    _TableTemplate("IHK-BULANAN", "Inflasi", "Indeks Harga Konsumen {r} {p}", MONTHLY, (N, P, K),
                   "indeks harga konsumen (IHK) menurut kelompok pengeluaran", "Survei Harga Konsumen", True),
    _TableTemplate("INFLASI-BULANAN", "Inflasi",
                   "Inflasi Bulanan (m-to-m) Menurut Kelompok Pengeluaran, {r}, {p}", MONTHLY, (N, P, K),
                   "inflasi bulanan month-to-month menurut kelompok pengeluaran", "Survei Harga Konsumen", True),
    _TableTemplate("INFLASI-TAHUNAN", "Inflasi", "Inflasi Tahun ke Tahun (y-on-y) {r}, {p}", MONTHLY, (N, P, K),
                   "inflasi tahunan year-on-year dan andil komoditas", "Survei Harga Konsumen", True),
    # Kependudukan
    _TableTemplate("PENDUDUK-UMUR-JK", "Kependudukan",
                   "Jumlah Penduduk Menurut Kelompok Umur dan Jenis Kelamin, {r}, {p}", ANNUAL, (N, P, K),
                   "jumlah penduduk menurut kelompok umur lima tahunan dan jenis kelamin",
                   "Proyeksi Penduduk Interim"),
    _TableTemplate("LAJU-PENDUDUK", "Kependudukan", "Laju Pertumbuhan Penduduk per Tahun, {r}, {p}", ANNUAL,
                   (N, P, K), "laju pertumbuhan penduduk per tahun", "Sensus Penduduk dan Proyeksi Penduduk"),
    _TableTemplate("KEPADATAN-PENDUDUK", "Kependudukan", "Kepadatan Penduduk per km², {r}, {p}", ANNUAL,
                   (N, P, K), "kepadatan penduduk per kilometer persegi", "Proyeksi Penduduk"),
    _TableTemplate("RASIO-JK", "Kependudukan", "Rasio Jenis Kelamin Penduduk, {r}, {p}", ANNUAL, (N, P, K),
                   "rasio jenis kelamin penduduk", "Proyeksi Penduduk"),
    # Ketenagakerjaan
    _TableTemplate("TPT-PENDIDIKAN", "Ketenagakerjaan",
                   "Tingkat Pengangguran Terbuka (TPT) Menurut Pendidikan Tertinggi yang Ditamatkan, {r}, {p}",
                   SAKERNAS, (N, P, K), "tingkat pengangguran terbuka menurut pendidikan tertinggi",
                   "Survei Angkatan Kerja Nasional (Sakernas)"),
    _TableTemplate("TPAK-JK", "Ketenagakerjaan",
                   "Tingkat Partisipasi Angkatan Kerja (TPAK) Menurut Jenis Kelamin, {r}, {p}", SAKERNAS,
                   (N, P, K), "tingkat partisipasi angkatan kerja menurut jenis kelamin",
                   "Survei Angkatan Kerja Nasional (Sakernas)"),
    _TableTemplate("BEKERJA-LAPANGAN-USAHA", "Ketenagakerjaan",
                   "Penduduk Berumur 15 Tahun ke Atas yang Bekerja Menurut Lapangan Pekerjaan Utama, {r}, {p}",
                   SAKERNAS, (N, P), "penduduk bekerja menurut lapangan pekerjaan utama",
                   "Survei Angkatan Kerja Nasional (Sakernas)"),
    # Kemiskinan
    _TableTemplate("PENDUDUK-MISKIN", "Kemiskinan", "Jumlah dan Persentase Penduduk Miskin, {r}, {p}", SUSENAS,
                   (N, P, K), "jumlah dan persentase penduduk miskin",
                   "Survei Sosial Ekonomi Nasional (Susenas)"),
    _TableTemplate("GARIS-KEMISKINAN", "Kemiskinan", "Garis Kemiskinan Menurut Daerah, {r}, {p}", SUSENAS,
                   (N, P, K), "garis kemiskinan makanan dan bukan makanan menurut daerah perkotaan dan perdesaan",
                   "Survei Sosial Ekonomi Nasional (Susenas)"),
    _TableTemplate("GINI-RATIO", "Kemiskinan", "Gini Ratio Menurut Daerah, {r}, {p}", SUSENAS, (N, P),
                   "ketimpangan pengeluaran penduduk (gini ratio)", "Survei Sosial Ekonomi Nasional (Susenas)"),
    # Pertanian
    _TableTemplate("PADI-PRODUKSI", "Pertanian",
                   "Luas Panen, Produksi, dan Produktivitas Padi, {r}, {p}", ANNUAL, (N, P, K),
                   "luas panen, produksi dan produktivitas padi", "Survei Kerangka Sampel Area (KSA)"),
    _TableTemplate("NTP-SUBSEKTOR", "Pertanian", "Nilai Tukar Petani (NTP) Menurut Subsektor, {r}, {p}",
                   MONTHLY, (N, P), "nilai tukar petani menurut subsektor", "Survei Harga Perdesaan"),
    _TableTemplate("TERNAK-POPULASI", "Pertanian", "Populasi Ternak Menurut Jenis Ternak, {r}, {p}", ANNUAL,
                   (N, P, K), "populasi ternak sapi, kerbau, kambing dan unggas", "Statistik Peternakan"),
    _TableTemplate("SAYURAN-PRODUKSI", "Pertanian", "Produksi Tanaman Sayuran dan Buah-buahan, {r}, {p}",
                   ANNUAL, (N, P, K), "produksi tanaman sayuran dan buah-buahan semusim",
                   "Survei Hortikultura"),
    # Pendidikan
    _TableTemplate("APS-UMUR", "Pendidikan", "Angka Partisipasi Sekolah (APS) Menurut Kelompok Umur, {r}, {p}",
                   ANNUAL, (N, P, K), "angka partisipasi sekolah menurut kelompok umur sekolah",
                   "Survei Sosial Ekonomi Nasional (Susenas)"),
    _TableTemplate("SEKOLAH-GURU-MURID", "Pendidikan", "Jumlah Sekolah, Guru, dan Murid Sekolah Dasar (SD), {r}, {p}",
                   ANNUAL, (N, P, K), "jumlah sekolah, guru dan murid sekolah dasar",
                   "Kementerian Pendidikan, Kebudayaan, Riset, dan Teknologi"),
    _TableTemplate("RLS", "Pendidikan", "Rata-rata Lama Sekolah Penduduk Umur 15 Tahun ke Atas, {r}, {p}",
                   ANNUAL, (N, P, K), "rata-rata lama sekolah penduduk dewasa",
                   "Survei Sosial Ekonomi Nasional (Susenas)"),
    # Kesehatan
    _TableTemplate("FASKES", "Kesehatan", "Jumlah Rumah Sakit, Puskesmas, dan Klinik, {r}, {p}", ANNUAL,
                   (N, P, K), "jumlah fasilitas kesehatan rumah sakit, puskesmas dan klinik",
                   "Pendataan Potensi Desa (Podes) dan Dinas Kesehatan"),
    _TableTemplate("AHH", "Kesehatan", "Angka Harapan Hidup Saat Lahir Menurut Jenis Kelamin, {r}, {p}", ANNUAL,
                   (N, P, K), "angka harapan hidup saat lahir", "Sensus Penduduk dan Susenas"),
    _TableTemplate("IMUNISASI", "Kesehatan", "Persentase Balita yang Pernah Mendapatkan Imunisasi, {r}, {p}",
                   ANNUAL, (N, P), "persentase balita yang mendapatkan imunisasi dasar lengkap",
                   "Survei Sosial Ekonomi Nasional (Susenas)"),
    # Perdagangan
    _TableTemplate("EKSPOR-HS", "Perdagangan", "Nilai Ekspor Menurut Golongan Barang HS 2 Digit, {r}, {p}", MONTHLY,
                   (N, P), "nilai ekspor menurut golongan barang harmonized system", "Dokumen Kepabeanan"),
    _TableTemplate("IMPOR-NEGARA", "Perdagangan", "Nilai Impor Menurut Negara Asal Utama, {r}, {p}", MONTHLY,
                   (N, P), "nilai impor menurut negara asal", "Dokumen Kepabeanan"),
    # Pariwisata
    _TableTemplate("WISMAN", "Pariwisata", "Jumlah Kunjungan Wisatawan Mancanegara Menurut Pintu Masuk, {r}, {p}",
                   MONTHLY, (N, P), "kunjungan wisatawan mancanegara menurut pintu masuk utama",
                   "Statistik Kunjungan Wisatawan Mancanegara"),
    _TableTemplate("TPK-HOTEL", "Pariwisata", "Tingkat Penghunian Kamar (TPK) Hotel Bintang, {r}, {p}", MONTHLY,
                   (N, P, K), "tingkat penghunian kamar hotel bintang dan rata-rata lama menginap",
                   "Survei Tingkat Penghunian Kamar Hotel"),
    # Transportasi
    _TableTemplate("KENDARAAN", "Transportasi", "Jumlah Kendaraan Bermotor Menurut Jenis Kendaraan, {r}, {p}",
                   ANNUAL, (N, P, K), "jumlah kendaraan bermotor menurut jenis", "Korlantas Polri"),
    _TableTemplate("PENUMPANG-UDARA", "Transportasi",
                   "Jumlah Penumpang Pesawat di Bandara Utama, {r}, {p}", MONTHLY, (N, P),
                   "jumlah penumpang angkutan udara domestik dan internasional", "Survei Statistik Transportasi"),
    _TableTemplate("PANJANG-JALAN", "Transportasi", "Panjang Jalan Menurut Kondisi Jalan, {r}, {p}", ANNUAL,
                   (N, P, K), "panjang jalan menurut kondisi dan tingkat kewenangan", "Dinas Pekerjaan Umum"),
    # Energi
    _TableTemplate("LISTRIK-PELANGGAN", "Energi", "Jumlah Pelanggan Listrik PLN Menurut Kategori, {r}, {p}",
                   ANNUAL, (N, P, K), "jumlah pelanggan dan daya tersambung listrik PLN", "PT PLN (Persero)"),
    _TableTemplate("BBM-KONSUMSI", "Energi", "Konsumsi Bahan Bakar Minyak Menurut Jenis, {r}, {p}", ANNUAL,
                   (N, P), "konsumsi bahan bakar minyak menurut jenis", "Neraca Energi"),
    # Keuangan
    _TableTemplate("PENDAPATAN-DAERAH", "Keuangan", "Realisasi Pendapatan Daerah Menurut Jenis Pendapatan, {r}, {p}",
                   ANNUAL, (P, K), "realisasi pendapatan asli daerah dan dana perimbangan",
                   "Statistik Keuangan Pemerintah Daerah"),
    _TableTemplate("SIMPANAN-BANK", "Keuangan", "Posisi Simpanan Rupiah pada Bank Umum, {r}, {p}", QUARTERLY,
                   (N, P), "posisi simpanan masyarakat pada bank umum", "Bank Indonesia"),
    # Harga Produsen
    _TableTemplate("IHP-SEKTOR", "Harga Produsen", "Indeks Harga Produsen (IHP) Menurut Sektor, {r}, {p}",
                   QUARTERLY, (N, P), "indeks harga produsen menurut sektor", "Survei Harga Produsen"),
    _TableTemplate("HARGA-GABAH", "Harga Produsen",
                   "Rata-rata Harga Gabah di Tingkat Petani Menurut Kualitas, {r}, {p}", MONTHLY, (N, P),
                   "rata-rata harga gabah kering panen dan gabah kering giling", "Survei Harga Produsen Gabah"),
    # PDRB
    _TableTemplate("PDRB-ADHB", "Produk Domestik Regional Bruto",
                   "Produk Domestik Regional Bruto Atas Dasar Harga Berlaku Menurut Lapangan Usaha, {r}, {p}",
                   ANNUAL, (N, P, K), "produk domestik regional bruto atas dasar harga berlaku",
                   "Neraca Regional"),
    _TableTemplate("PDRB-LAJU", "Produk Domestik Regional Bruto",
                   "Laju Pertumbuhan PDRB Atas Dasar Harga Konstan 2010, {r}, {p}", QUARTERLY, (N, P),
                   "laju pertumbuhan ekonomi atas dasar harga konstan 2010", "Neraca Regional"),
    _TableTemplate("PDRB-KAPITA", "Produk Domestik Regional Bruto", "PDRB per Kapita, {r}, {p}", ANNUAL,
                   (P, K), "produk domestik regional bruto per kapita", "Neraca Regional"),
    # Industri
    _TableTemplate("IBS-PERUSAHAAN", "Industri",
                   "Jumlah Perusahaan Industri Besar dan Sedang Menurut Subsektor, {r}, {p}", ANNUAL, (N, P, K),
                   "jumlah perusahaan dan tenaga kerja industri besar dan sedang",
                   "Survei Tahunan Perusahaan Industri Manufaktur"),
    _TableTemplate("IMK-PRODUKSI", "Industri", "Pertumbuhan Produksi Industri Mikro dan Kecil, {r}, {p}", QUARTERLY,
                   (N, P), "pertumbuhan produksi industri manufaktur mikro dan kecil",
                   "Survei Industri Mikro dan Kecil"),
    # Pertambangan
    _TableTemplate("BATUBARA", "Pertambangan", "Produksi Batu Bara, {r}, {p}", ANNUAL, (N, P),
                   "produksi batu bara", "Kementerian Energi dan Sumber Daya Mineral"),
    _TableTemplate("MIGAS", "Pertambangan", "Produksi Minyak Bumi dan Gas Alam, {r}, {p}", ANNUAL, (N, P),
                   "produksi minyak bumi dan gas alam", "SKK Migas"),
    # Konstruksi
    _TableTemplate("KONSTRUKSI-PERUSAHAAN", "Konstruksi",
                   "Jumlah Perusahaan Konstruksi Menurut Kualifikasi, {r}, {p}", ANNUAL, (N, P, K),
                   "jumlah perusahaan konstruksi menurut kualifikasi usaha", "Survei Perusahaan Konstruksi"),
    _TableTemplate("KONSTRUKSI-NILAI", "Konstruksi", "Nilai Konstruksi yang Diselesaikan, {r}, {p}", ANNUAL,
                   (N, P), "nilai pekerjaan konstruksi yang diselesaikan", "Survei Perusahaan Konstruksi"),
    # Perumahan
    _TableTemplate("SANITASI-LAYAK", "Perumahan",
                   "Persentase Rumah Tangga yang Memiliki Akses terhadap Sanitasi Layak, {r}, {p}", ANNUAL,
                   (N, P, K), "akses rumah tangga terhadap sanitasi layak",
                   "Survei Sosial Ekonomi Nasional (Susenas)"),
    _TableTemplate("AIR-MINUM", "Perumahan",
                   "Persentase Rumah Tangga Menurut Sumber Air Minum Layak, {r}, {p}", ANNUAL, (N, P, K),
                   "rumah tangga menurut sumber air minum layak", "Survei Sosial Ekonomi Nasional (Susenas)"),
    _TableTemplate("STATUS-RUMAH", "Perumahan",
                   "Persentase Rumah Tangga Menurut Status Kepemilikan Rumah, {r}, {p}", ANNUAL, (N, P),
                   "status kepemilikan rumah tinggal", "Survei Sosial Ekonomi Nasional (Susenas)"),
    # Sosial Budaya
    _TableTemplate("INTERNET", "Sosial Budaya", "Persentase Penduduk yang Mengakses Internet, {r}, {p}", ANNUAL,
                   (N, P, K), "penduduk yang mengakses internet dalam tiga bulan terakhir",
                   "Survei Sosial Ekonomi Nasional (Susenas)"),
    _TableTemplate("TEMPAT-IBADAH", "Sosial Budaya", "Jumlah Tempat Ibadah Menurut Agama, {r}, {p}", ANNUAL,
                   (P, K), "jumlah tempat peribadatan menurut agama", "Kementerian Agama"),
    # Lingkungan Hidup
    _TableTemplate("BENCANA-DESA", "Lingkungan Hidup",
                   "Jumlah Desa/Kelurahan yang Mengalami Bencana Alam Menurut Jenis Bencana, {r}, {p}", ANNUAL,
                   (N, P, K), "desa dan kelurahan yang mengalami bencana alam",
                   "Pendataan Potensi Desa (Podes)"),
    _TableTemplate("HUTAN-LUAS", "Lingkungan Hidup", "Luas Kawasan Hutan dan Konservasi Perairan, {r}, {p}",
                   ANNUAL, (N, P), "luas kawasan hutan dan konservasi perairan",
                   "Kementerian Lingkungan Hidup dan Kehutanan"),
    # IPM
    _TableTemplate("IPM", "Indeks Pembangunan Manusia", "Indeks Pembangunan Manusia (IPM), {r}, {p}", ANNUAL,
                   (N, P, K), "indeks pembangunan manusia dan komponennya",
                   "Susenas dan Proyeksi Penduduk"),
    _TableTemplate("IPG", "Indeks Pembangunan Manusia", "Indeks Pembangunan Gender (IPG), {r}, {p}", ANNUAL,
                   (N, P, K), "indeks pembangunan gender", "Susenas dan Sakernas"),
    # Komunikasi
    _TableTemplate("TIK-RUMAH-TANGGA", "Komunikasi",
                   "Persentase Rumah Tangga yang Memiliki Telepon Seluler dan Komputer, {r}, {p}", ANNUAL,
                   (N, P, K), "kepemilikan telepon seluler dan komputer oleh rumah tangga",
                   "Survei Sosial Ekonomi Nasional (Susenas)"),
    # Perikanan
    _TableTemplate("PERIKANAN-TANGKAP", "Perikanan", "Produksi Perikanan Tangkap Menurut Komoditas, {r}, {p}",
                   ANNUAL, (N, P, K), "produksi perikanan tangkap di laut dan perairan umum",
                   "Kementerian Kelautan dan Perikanan"),
    _TableTemplate("BUDIDAYA", "Perikanan", "Produksi Perikanan Budidaya Menurut Jenis Budidaya, {r}, {p}", ANNUAL,
                   (N, P), "produksi perikanan budidaya", "Kementerian Kelautan dan Perikanan"),
    # Upah
    _TableTemplate("UMP", "Upah", "Upah Minimum Provinsi (UMP), {r}, {p}", ANNUAL, (N, P),
                   "upah minimum provinsi per bulan", "Kementerian Ketenagakerjaan"),
    _TableTemplate("UPAH-BURUH", "Upah", "Rata-rata Upah/Gaji Bersih Sebulan Buruh Menurut Lapangan Pekerjaan, {r}, {p}",
                   SAKERNAS, (N, P), "rata-rata upah buruh per bulan", "Survei Angkatan Kerja Nasional (Sakernas)"),
    # Geografi
    _TableTemplate("LUAS-WILAYAH", "Geografi", "Luas Wilayah dan Jumlah Pulau Menurut Kabupaten/Kota, {r}, {p}",
                   ANNUAL, (N, P), "luas daerah dan jumlah pulau", "Badan Informasi Geospasial"),
    _TableTemplate("DESA-KECAMATAN", "Geografi", "Jumlah Kecamatan dan Desa/Kelurahan, {r}, {p}", ANNUAL,
                   (N, P, K), "jumlah kecamatan, desa dan kelurahan", "Kementerian Dalam Negeri"),
    _TableTemplate("CURAH-HUJAN", "Geografi", "Jumlah Curah Hujan dan Hari Hujan Menurut Bulan, {r}, {p}",
                   ANNUAL, (P, K), "curah hujan dan hari hujan", "Badan Meteorologi, Klimatologi, dan Geofisika"),
)

# Publications: (key, subject, title with {r} region text and {y} year, levels, topic)
_PUBLICATIONS: tuple[tuple[str, str, str, tuple[str, ...], str], ...] = (
    ("STATISTIK-INDONESIA", "Sosial Budaya", "Statistik Indonesia {y}", (N,),
     "data statistik utama Indonesia lintas bidang"),
    ("DALAM-ANGKA", "Geografi", "{r} Dalam Angka {y}", (P, K),
     "gambaran umum wilayah, penduduk, sosial dan ekonomi"),
    ("KESRA", "Sosial Budaya", "Statistik Kesejahteraan Rakyat {r} {y}", (N, P, K),
     "indikator kesejahteraan rakyat: pendidikan, kesehatan, perumahan dan konsumsi"),
    ("SAKERNAS-INDIKATOR", "Ketenagakerjaan", "Indikator Pasar Tenaga Kerja {r} Agustus {y}", (N, P),
     "indikator pasar tenaga kerja hasil Sakernas Agustus"),
    ("PROFIL-KEMISKINAN", "Kemiskinan", "Profil Kemiskinan di {r} Maret {y}", (N, P, K),
     "profil kemiskinan dan ketimpangan pengeluaran penduduk"),
    ("STATISTIK-PARIWISATA", "Pariwisata", "Statistik Pariwisata {r} {y}", (N, P, K),
     "perkembangan kunjungan wisatawan dan akomodasi"),
    ("PDRB-LAPANGAN-USAHA", "Produk Domestik Regional Bruto",
     "Produk Domestik Regional Bruto {r} Menurut Lapangan Usaha {y}", (N, P, K),
     "PDRB menurut lapangan usaha atas dasar harga berlaku dan konstan"),
    ("IPM-PUBLIKASI", "Indeks Pembangunan Manusia", "Indeks Pembangunan Manusia {r} {y}", (N, P, K),
     "capaian pembangunan manusia dan komponennya"),
    ("STATISTIK-PENDIDIKAN", "Pendidikan", "Statistik Pendidikan {r} {y}", (N, P, K),
     "partisipasi sekolah, angka melek huruf dan capaian pendidikan"),
    ("PROFIL-KESEHATAN", "Kesehatan", "Profil Kesehatan Ibu dan Anak {r} {y}", (N, P),
     "kesehatan ibu, bayi dan balita"),
    ("STATISTIK-TRANSPORTASI", "Transportasi", "Statistik Transportasi Darat {r} {y}", (N, P),
     "angkutan darat: kendaraan, penumpang dan barang"),
    ("LINGKUNGAN-PUBLIKASI", "Lingkungan Hidup", "Statistik Lingkungan Hidup {r} {y}", (N, P),
     "kondisi lingkungan hidup, bencana dan pengelolaan sampah"),
    ("PERUMAHAN-PUBLIKASI", "Perumahan", "Statistik Perumahan dan Permukiman {r} {y}", (N, P),
     "kondisi perumahan, air minum dan sanitasi"),
    ("KONSTRUKSI-PUBLIKASI", "Konstruksi", "Statistik Konstruksi {r} {y}", (N, P),
     "kegiatan usaha konstruksi"),
    ("MIGAS-PUBLIKASI", "Pertambangan", "Statistik Pertambangan Minyak dan Gas Bumi {y}", (N,),
     "produksi dan kegiatan usaha minyak dan gas bumi"),
    ("INDUSTRI-PUBLIKASI", "Industri", "Statistik Industri Manufaktur {r} {y}", (N, P),
     "industri manufaktur besar dan sedang"),
    ("KEUDA-PUBLIKASI", "Keuangan", "Statistik Keuangan Pemerintah Daerah {r} {y}", (N, P),
     "anggaran dan realisasi keuangan pemerintah daerah"),
    ("EKSPOR-PUBLIKASI", "Perdagangan", "Statistik Ekspor {r} {y}", (N, P),
     "ekspor menurut komoditas, negara tujuan dan pelabuhan"),
    ("HARGA-PRODUSEN-PUBLIKASI", "Harga Produsen", "Statistik Harga Produsen Pertanian {r} {y}", (N, P),
     "harga produsen komoditas pertanian"),
    ("INFLASI-PUBLIKASI", "Inflasi", "Statistik Harga Konsumen Perdesaan dan Perkotaan {r} {y}", (N, P),
     "perkembangan harga konsumen dan inflasi"),
    ("ENERGI-PUBLIKASI", "Energi", "Neraca Energi {r} {y}", (N, P),
     "penyediaan dan penggunaan energi"),
    ("PERIKANAN-PUBLIKASI", "Perikanan", "Statistik Perikanan {r} {y}", (N, P),
     "produksi perikanan tangkap dan budidaya"),
    ("UPAH-PUBLIKASI", "Upah", "Statistik Upah {r} {y}", (N, P),
     "upah buruh menurut lapangan pekerjaan dan pendidikan"),
    ("TIK-PUBLIKASI", "Komunikasi", "Statistik Telekomunikasi {r} {y}", (N, P),
     "akses dan penggunaan teknologi informasi dan komunikasi"),
    ("PERTANIAN-PUBLIKASI", "Pertanian", "Statistik Tanaman Pangan {r} {y}", (N, P, K),
     "produksi tanaman pangan padi dan palawija"),
    ("KEPENDUDUKAN-PUBLIKASI", "Kependudukan", "Proyeksi Penduduk {r} {y}", (N, P),
     "proyeksi jumlah penduduk dan indikator demografi"),
)

# Microdata: (key, subject, title with {s} wave and {y} year, waves, years, national base price)
_MICRODATA: tuple[tuple[str, str, str, tuple[str, ...], tuple[int, ...], int], ...] = (
    ("SUSENAS-KOR", "Kemiskinan", "Survei Sosial Ekonomi Nasional (Susenas) {s} {y} — Kor", ("Maret", "September"),
     tuple(range(2015, 2026)), 7_500_000),
    ("SUSENAS-KP", "Kemiskinan",
     "Survei Sosial Ekonomi Nasional (Susenas) {s} {y} — Modul Konsumsi dan Pengeluaran", ("Maret",),
     tuple(range(2015, 2026)), 7_500_000),
    ("SUSENAS-MSBP", "Pendidikan",
     "Survei Sosial Ekonomi Nasional (Susenas) {s} {y} — Modul Sosial Budaya dan Pendidikan", ("Maret",),
     (2015, 2018, 2021, 2024), 5_000_000),
    ("SAKERNAS", "Ketenagakerjaan", "Survei Angkatan Kerja Nasional (Sakernas) {s} {y}", ("Februari", "Agustus"),
     tuple(range(2015, 2026)), 5_000_000),
    ("SP2020-LF", "Kependudukan", "Long Form Sensus Penduduk 2020 (LF SP2020) — Rilis {y}", ("",), (2022,), 15_000_000),
    ("ST2023", "Pertanian", "Sensus Pertanian 2023 — Hasil Pencacahan Lengkap {y}", ("",), (2023, 2024),
     12_500_000),
    ("IBS", "Industri", "Survei Tahunan Perusahaan Industri Manufaktur (IBS) {y}", ("",),
     tuple(range(2015, 2025)), 4_000_000),
    ("IMK", "Industri", "Survei Industri Mikro dan Kecil (IMK) {y}", ("",), tuple(range(2015, 2025)), 3_000_000),
    ("PODES", "Geografi", "Pendataan Potensi Desa (Podes) {y}", ("",), (2018, 2021, 2024), 6_000_000),
    ("SBH", "Inflasi", "Survei Biaya Hidup (SBH) {y}", ("",), (2018, 2022), 6_000_000),
    ("SUPAS", "Kependudukan", "Survei Penduduk Antar Sensus (SUPAS) {y}", ("",), (2015,), 10_000_000),
    ("SDKI", "Kesehatan", "Survei Demografi dan Kesehatan Indonesia (SDKI) {y}", ("",), (2017,), 5_000_000),
    ("SPAK", "Sosial Budaya", "Survei Perilaku Anti Korupsi (SPAK) {y}", ("",), tuple(range(2015, 2026)),
     2_000_000),
    ("UBINAN", "Pertanian", "Survei Ubinan Padi dan Palawija {y}", ("",), tuple(range(2015, 2025)), 2_500_000),
    ("VHTS", "Pariwisata", "Survei Tingkat Penghunian Kamar Hotel (VHTS) {y}", ("",), tuple(range(2015, 2025)),
     2_000_000),
)

# Wilkerstat map census/programme rounds: (label, year)
_MAP_ROUNDS: tuple[tuple[str, int], ...] = (
    ("Sensus Ekonomi 2016", 2016), ("Potensi Desa 2018", 2018), ("Sensus Penduduk 2020", 2020),
    ("Potensi Desa 2021", 2021), ("Regsosek 2022", 2022), ("Sensus Pertanian 2023", 2023),
    ("Potensi Desa 2024", 2024), ("Sensus Ekonomi 2026 (Persiapan)", 2025),
)

# Real kecamatan (districts) of some regencies/cities, for maps and "Kecamatan ... Dalam Angka".
_KECAMATAN: dict[str, tuple[str, ...]] = {
    "3273": ("Coblong", "Sukajadi", "Cicendo", "Andir", "Bandung Wetan", "Sumur Bandung", "Lengkong",
             "Buahbatu", "Antapani", "Cibeunying Kidul"),
    "3578": ("Gubeng", "Tegalsari", "Wonokromo", "Rungkut", "Sukolilo", "Genteng", "Tambaksari", "Mulyorejo",
             "Wiyung", "Benowo"),
    "3171": ("Kebayoran Baru", "Kebayoran Lama", "Cilandak", "Pasar Minggu", "Jagakarsa", "Mampang Prapatan",
             "Pancoran", "Tebet", "Setiabudi", "Pesanggrahan"),
    "3173": ("Gambir", "Tanah Abang", "Menteng", "Senen", "Cempaka Putih", "Johar Baru", "Kemayoran",
             "Sawah Besar"),
    "3471": ("Gondokusuman", "Jetis", "Tegalrejo", "Umbulharjo", "Kotagede", "Mergangsan", "Wirobrajan",
             "Gedongtengen"),
    "1275": ("Medan Baru", "Medan Kota", "Medan Petisah", "Medan Helvetia", "Medan Sunggal", "Medan Johor",
             "Medan Amplas", "Medan Denai"),
    "7371": ("Mariso", "Mamajang", "Tamalate", "Rappocini", "Ujung Pandang", "Bontoala", "Panakkukang",
             "Biringkanaya"),
    "3374": ("Semarang Tengah", "Semarang Utara", "Semarang Timur", "Gayamsari", "Genuk", "Pedurungan",
             "Candisari", "Gajahmungkur", "Tembalang", "Banyumanik"),
    "5171": ("Denpasar Selatan", "Denpasar Timur", "Denpasar Barat", "Denpasar Utara"),
    "3404": ("Depok", "Mlati", "Gamping", "Ngaglik", "Kalasan", "Godean"),
    "1671": ("Ilir Barat I", "Ilir Timur I", "Seberang Ulu I", "Kemuning", "Sukarami", "Kalidoni"),
    "5103": ("Kuta", "Kuta Selatan", "Kuta Utara", "Mengwi", "Abiansemal", "Petang"),
}


def _cum(weights: Sequence[float]) -> list[float]:
    out: list[float] = []
    acc = 0.0
    for w in weights:
        acc += w
        out.append(acc)
    return [x / acc for x in out]


class _Ctx:
    """Precomputed tables shared by all items of one run."""

    def __init__(self) -> None:
        self.type_names = [t for t, _ in _TYPE_WEIGHTS]
        self.type_cum = _cum([w for _, w in _TYPE_WEIGHTS])
        self.national = reg.national()
        self.provinces = reg.provinces()
        # Regencies weighted equally; cities separately for city-only templates (IHK).
        self.regencies = reg.regencies()
        self.cities = tuple(r for r in self.regencies if r.is_city) + tuple(
            reg.capital(p.code) for p in self.provinces if not reg.capital(p.code).is_city
        )
        self.kec_regencies = tuple(self.regencies_by_code(c) for c in _KECAMATAN)
        self.level_cum = {
            levels: _cum([{N: 0.12, P: 0.38, K: 0.50}[lv] for lv in levels])
            for levels in {t.levels for t in _TABLES} | {p[3] for p in _PUBLICATIONS}
        }

    @staticmethod
    def regencies_by_code(code: str) -> reg.Region:
        r = reg.get(code)
        assert r is not None
        return r


def _region_text(r: reg.Region) -> str:
    if r.level == reg.LEVEL_PROVINCE:
        return f"Provinsi {r.name}"
    return r.name


def _release(rng: random.Random, year: int, month: int, day_lo: int = 1, day_hi: int = 28) -> str:
    if month > 12:
        year, month = year + 1, month - 12
    if (year, month) > (LAST_YEAR, LAST_MONTH_OF_LAST_YEAR):  # nothing is released after "today"
        year, month = LAST_YEAR, LAST_MONTH_OF_LAST_YEAR
    day = day_lo + int(rng.random() * (day_hi - day_lo + 1))
    return f"{year:04d}-{month:02d}-{day:02d}"


def _period(rng: random.Random, periodicity: str) -> tuple[int, str, str, str]:
    """-> (year, period label, short period for dynamic tables, release date)."""
    if periodicity == MONTHLY:
        year = FIRST_YEAR + int(rng.random() * (LAST_YEAR - FIRST_YEAR + 1))
        last = LAST_MONTH_OF_LAST_YEAR - 1 if year == LAST_YEAR else 12
        month = 1 + int(rng.random() * last)
        return year, f"{MONTHS[month - 1]} {year}", str(year), _release(rng, year, month + 1, 1, 5)
    if periodicity == QUARTERLY:
        year = FIRST_YEAR + int(rng.random() * (LAST_YEAR - FIRST_YEAR + 1))
        last = 2 if year == LAST_YEAR else 4
        q = 1 + int(rng.random() * last)
        return year, f"Triwulan {_QUARTERS[q - 1]} {year}", str(year), _release(rng, year, q * 3 + 2, 1, 10)
    if periodicity == SUSENAS:
        year = FIRST_YEAR + int(rng.random() * (LAST_YEAR - FIRST_YEAR + 1))
        if year == LAST_YEAR or rng.random() < 0.5:
            return year, f"Maret {year}", str(year), _release(rng, year, 7, 10, 20)
        return year, f"September {year}", str(year), _release(rng, year, 13, 10, 20)
    if periodicity == SAKERNAS:
        year = FIRST_YEAR + int(rng.random() * (LAST_YEAR - FIRST_YEAR + 1))
        if year == LAST_YEAR or rng.random() < 0.5:
            return year, f"Februari {year}", str(year), _release(rng, year, 5, 2, 8)
        return year, f"Agustus {year}", str(year), _release(rng, year, 11, 2, 8)
    # annual data for year Y are released during Y+1
    year = FIRST_YEAR + int(rng.random() * (LAST_YEAR - FIRST_YEAR))
    return year, str(year), str(year), _release(rng, year + 1, 2 + int(rng.random() * 10))


def _pick_level_region(rng: random.Random, ctx: _Ctx, levels: tuple[str, ...], cities_only: bool) -> reg.Region:
    level = levels[bisect.bisect_left(ctx.level_cum[levels], rng.random())]
    if level == N:
        return ctx.national
    if level == P:
        return ctx.provinces[int(rng.random() * len(ctx.provinces))]
    pool = ctx.cities if cities_only else ctx.regencies
    return pool[int(rng.random() * len(pool))]


def _pick(rng: random.Random, seq: Sequence[_T]) -> _T:
    return seq[int(rng.random() * len(seq))]


def _table(rng: random.Random, ctx: _Ctx, dynamic: bool) -> dict:
    t: _TableTemplate = _pick(rng, _TABLES)
    region = _pick_level_region(rng, ctx, t.levels, t.cities_only)
    year, period, short, release = _period(rng, t.periodicity)
    rtext = _region_text(region)
    if dynamic:
        span = 3 + int(rng.random() * 8)
        first = max(FIRST_YEAR - 5, year - span)
        period = f"{first}–{year}"
        title = t.title.format(r=rtext, p=period)
        release = _release(rng, year + 1, 1 + int(rng.random() * 10)) if t.periodicity == ANNUAL else release
        series = f"{t.key}-DINAMIS-{region.code}"
        fmt = "xlsx" if rng.random() < 0.7 else "csv"
        size = 20_000 + int(rng.random() * 1_500_000)
        paid = rng.random() < 0.12
        price = (25_000 + 5_000 * int(rng.random() * 30)) if paid else 0
        abstract = (
            f"Tabel dinamis {t.topic} di {rtext} periode {period}, dapat disaring menurut tahun dan "
            f"wilayah. Sumber data: {t.source}."
        )
    else:
        title = t.title.format(r=rtext, p=period)
        series = f"{t.key}-{region.code}"
        x = rng.random()
        fmt = "xlsx" if x < 0.6 else ("csv" if x < 0.85 else "pdf")
        size = 8_000 + int(rng.random() * 400_000)
        paid = rng.random() < 0.08
        price = (10_000 + 5_000 * int(rng.random() * 20)) if paid else 0
        abstract = (
            f"Tabel ini menyajikan {t.topic} di {rtext} untuk periode {period}. "
            f"Data bersumber dari {t.source} yang diselenggarakan Badan Pusat Statistik."
        )
    return {
        "title": title, "abstract": abstract, "subject": t.subject, "region": region, "year": year,
        "period": period, "format": fmt, "size_bytes": size, "price_idr": price,
        "access": "paid" if price else "open", "release_date": release, "series_id": series,
    }


def _publication(rng: random.Random, ctx: _Ctx) -> dict:
    key, subject, title_t, levels, topic = _pick(rng, _PUBLICATIONS)
    year = FIRST_YEAR + int(rng.random() * (LAST_YEAR - FIRST_YEAR + 1))
    region = _pick_level_region(rng, ctx, levels, False)
    kec = None
    if key == "DALAM-ANGKA" and region.level == K and rng.random() < 0.3:
        region = _pick(rng, ctx.kec_regencies)
        kec = _pick(rng, _KECAMATAN[region.code])
    rtext = f"Kecamatan {kec}, {region.name}" if kec else _region_text(region)
    title = title_t.format(r=rtext, y=year)
    if key == "DALAM-ANGKA":
        release = _release(rng, year, 2, 20, 28) if region.level == P else _release(rng, year, 9, 1, 28)
    else:
        release = _release(rng, year, 3 + int(rng.random() * 9))
    paid = rng.random() < 0.03
    return {
        "title": title,
        "abstract": (
            f"Publikasi {title} menyajikan {topic} di {rtext}. Publikasi diterbitkan secara berkala "
            f"oleh Badan Pusat Statistik dan dapat diunduh dalam format PDF."
        ),
        "subject": subject, "region": region, "year": year, "period": str(year), "format": "pdf",
        "size_bytes": 1_000_000 + int(rng.random() * 39_000_000),
        "price_idr": (50_000 + 10_000 * int(rng.random() * 15)) if paid else 0,
        "access": "paid" if paid else "open", "release_date": release,
        "series_id": f"{key}-{region.code}" + (f"-{kec.upper().replace(' ', '-')}" if kec else ""),
    }


def _microdata(rng: random.Random, ctx: _Ctx) -> dict:
    key, subject, title_t, waves, years, base_price = _pick(rng, _MICRODATA)
    year = _pick(rng, years)
    wave = _pick(rng, waves)
    if year == LAST_YEAR:
        wave = waves[0]
    title = title_t.format(s=wave, y=year).replace("  ", " ")
    provincial = rng.random() < 0.4
    if provincial:
        region = _pick(rng, ctx.provinces)
        title = f"{title}, Provinsi {region.name}"
        price = max(500_000, base_price // 8 // 50_000 * 50_000)
    else:
        region = ctx.national
        price = base_price
    month = {"Maret": 8, "September": 14, "Februari": 6, "Agustus": 12}.get(wave, 10)
    release = _release(rng, year, month)
    x = rng.random()
    return {
        "title": title,
        "abstract": (
            f"Data mikro (raw data) {title} tingkat rumah tangga dan individu, disertai dokumen metadata, "
            f"kuesioner dan pedoman pencacahan. Penggunaan data memerlukan abstraksi penelitian dan "
            f"persetujuan penggunaan data."
        ),
        "subject": subject, "region": region, "year": year, "period": f"{wave} {year}".strip(),
        "format": "sav" if x < 0.45 else ("dta" if x < 0.8 else "csv"),
        "size_bytes": 20_000_000 + int(rng.random() * 2_000_000_000),
        "price_idr": price, "access": "restricted", "release_date": release,
        "series_id": f"{key}-{region.code}" if len(years) > 1 or len(waves) > 1 else None,
    }


def _map(rng: random.Random, ctx: _Ctx) -> dict:
    label, year = _pick(rng, _MAP_ROUNDS)
    x = rng.random()
    if x < 0.25:
        region = _pick(rng, ctx.kec_regencies)
        kec = _pick(rng, _KECAMATAN[region.code])
        title = f"Peta Wilkerstat Kecamatan {kec}, {region.name} — {label}"
        series = f"WILKERSTAT-{region.code}-{kec.upper().replace(' ', '-')}"
    elif x < 0.85:
        region = _pick(rng, ctx.regencies)
        kind = "Blok Sensus" if rng.random() < 0.5 else "Batas Wilayah Desa/Kelurahan"
        title = f"Peta {kind} {region.name} — {label}"
        series = f"WILKERSTAT-{'BS' if kind == 'Blok Sensus' else 'DESA'}-{region.code}"
    else:
        region = _pick(rng, ctx.provinces)
        title = f"Peta Wilkerstat Provinsi {region.name} — {label}"
        series = f"WILKERSTAT-{region.code}"
    shp = rng.random() < 0.75
    release = _release(rng, year, 3 + int(rng.random() * 8))
    paid = shp or rng.random() < 0.4
    return {
        "title": title,
        "abstract": (
            f"Peta wilayah kerja statistik (Wilkerstat) {region.name} untuk kegiatan {label}, memuat batas "
            f"satuan lingkungan setempat (SLS), blok sensus dan landmark. Tersedia dalam format "
            f"{'shapefile' if shp else 'PDF'}."
        ),
        "subject": "Geografi", "region": region, "year": year, "period": str(year),
        "format": "shp" if shp else "pdf",
        "size_bytes": 500_000 + int(rng.random() * 80_000_000),
        "price_idr": (100_000 + 50_000 * int(rng.random() * 28)) if paid else 0,
        "access": "paid" if paid else "open", "release_date": release, "series_id": series,
    }


_MAKERS = {
    "table_static": lambda rng, ctx: _table(rng, ctx, False),
    "table_dynamic": lambda rng, ctx: _table(rng, ctx, True),
    "publication": _publication,
    "microdata": _microdata,
    "map": _map,
}
_MAX_ATTEMPTS = 3
_DEDUPE_LIMIT = 200_000


def generate_items(n: int, seed: int = 42) -> Iterator[dict]:
    """Yield ``n`` deterministic, realistic catalog items (plain dicts)."""
    if n < 0:
        raise ValueError("n harus >= 0")
    rng = random.Random(seed)
    ctx = _Ctx()
    counters = dict.fromkeys(ITEM_TYPES, 0)
    type_names, type_cum = ctx.type_names, ctx.type_cum
    n_variants = len(ACCENT_VARIANTS)
    # Title fingerprints: retry (a bounded number of times) rather than emit a duplicate title. The
    # title space is a few hundred thousand, so beyond _DEDUPE_LIMIT items (benchmark-sized runs)
    # titles are allowed to repeat and nothing more is remembered.
    seen: set[int] = set()
    for i in range(n):
        item_type = type_names[bisect.bisect_left(type_cum, rng.random())]
        make = _MAKERS[item_type]
        for _attempt in range(_MAX_ATTEMPTS if i < _DEDUPE_LIMIT else 1):
            body = make(rng, ctx)
            if i % 173 == 7:  # ~0.6 % of titles carry an accented variant (accent folding)
                body["title"] += ACCENT_VARIANTS[(i // 173) % n_variants]
            if i >= _DEDUPE_LIMIT:
                break
            title = body["title"]
            key = zlib.crc32(title.encode()) | (len(title) << 32)
            if key not in seen:
                seen.add(key)
                break
        counters[item_type] += 1
        region: reg.Region = body["region"]
        yield {
            "id": f"{TYPE_PREFIX[item_type]}-{counters[item_type]:07d}",
            "type": item_type,
            "title": body["title"],
            "abstract": body["abstract"],
            "subject": body["subject"],
            "region_code": region.code,
            "region": region.name,
            "level": region.level,
            "year": body["year"],
            "period": body["period"],
            "format": body["format"],
            "size_bytes": body["size_bytes"],
            "price_idr": body["price_idr"],
            "access": body["access"],
            "release_date": body["release_date"],
            "series_id": body["series_id"],
        }


def write_jsonl(path: str, n: int, seed: int = 42) -> int:
    """Write ``generate_items(n, seed)`` as JSON Lines (UTF-8) atomically; returns the number written."""
    tmp = f"{path}.tmp-{os.getpid()}"
    count = 0
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    with open(tmp, "w", encoding="utf-8") as fh:
        buf: list[str] = []
        for item in generate_items(n, seed):
            buf.append(dumps(item))
            count += 1
            if len(buf) >= 10_000:
                fh.write("\n".join(buf) + "\n")
                buf.clear()
        if buf:
            fh.write("\n".join(buf) + "\n")
    os.replace(tmp, path)
    return count


def read_jsonl(path: str) -> Iterator[dict]:
    """Stream items back from a JSON Lines file written by :func:`write_jsonl`."""
    loads = json.loads
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield loads(line)
