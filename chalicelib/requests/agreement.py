"""The microdata data-use agreement (SPEC §2.4, issue 19 item 5) as versioned text, the way data archives run it:
the text of each version is kept unchanged once published, the consumer accepts one specific version, and the
version with the time of acceptance is recorded on the request (and quoted on the receipt). A new version is a
new entry here with a later `effective_from`; the current one is the latest in effect."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from chalicelib.core import clock


@dataclass(frozen=True)
class Agreement:
    version: str
    effective_from: str  # ISO date (Asia/Jakarta)
    title: str
    text: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()

    def out(self) -> dict[str, Any]:
        return {"version": self.version, "effective_from": self.effective_from, "title": self.title,
                "text": self.text, "sha256": self.sha256}


_V2026_1 = """\
1. Pemohon menggunakan mikrodata hanya untuk tujuan dan proyek yang dinyatakan dalam permohonan ini.
2. Pemohon tidak akan berusaha mengenali identitas individu, rumah tangga, atau usaha dari mikrodata, dan tidak \
akan menggabungkan mikrodata dengan data lain untuk tujuan tersebut.
3. Mikrodata tidak boleh diberikan, dijual, atau dipinjamkan kepada pihak lain, termasuk rekan dalam instansi yang \
sama yang tidak disebutkan dalam permohonan.
4. Mikrodata disimpan secara aman dan dihapus setelah proyek selesai atau paling lambat dua tahun sejak diterima.
5. Setiap publikasi yang menggunakan mikrodata mencantumkan sumber data dan menyatakan bahwa analisis merupakan \
tanggung jawab pemohon.
6. Pemohon menyampaikan satu salinan hasil (publikasi, laporan, atau tesis) kepada kantor statistik.
7. Pelanggaran atas perjanjian ini dapat mengakibatkan pencabutan akses dan tindakan sesuai peraturan \
perundang-undangan yang berlaku, termasuk Undang-Undang Nomor 16 Tahun 1997 tentang Statistik dan \
Undang-Undang Nomor 27 Tahun 2022 tentang Pelindungan Data Pribadi."""

AGREEMENTS: tuple[Agreement, ...] = (
    Agreement(version="2026.1", effective_from="2026-01-01", title="Perjanjian Penggunaan Mikrodata", text=_V2026_1),
)


@lru_cache(maxsize=1)
def _by_version() -> dict[str, Agreement]:
    return {a.version: a for a in AGREEMENTS}


def get(version: str) -> Agreement | None:
    return _by_version().get(version)


def current() -> Agreement:
    today = clock.now().date().isoformat()
    in_effect = [a for a in AGREEMENTS if a.effective_from <= today] or list(AGREEMENTS[:1])
    return max(in_effect, key=lambda a: a.effective_from)
