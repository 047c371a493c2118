"""The community satisfaction index (Indeks Kepuasan Masyarakat, IKM) of PermenPAN-RB No. 14 Tahun 2017
(Pedoman Penyusunan Survei Kepuasan Masyarakat Unit Penyelenggara Pelayanan Publik). Pure: no AWS.

- Nine service elements (unsur pelayanan, U1..U9), each answered on the regulation's 1..4 scale.
- NRR per element = the sum of its answers / the number of respondents who answered it.
- The weighted mean: each element weighs 1/9 (the regulation: "jumlah bobot / jumlah unsur = 1/9", printed
  rounded as 0,11); IKM = sum of NRR x 1/9 (1..4), the service unit's IKM = IKM x 25 (25..100).
- Conversion (Lampiran, tabel nilai persepsi, interval IKM, interval konversi, mutu, kinerja):
  1: 1,00-2,5996 | 25,00-64,99 | D Tidak baik;  2: 2,60-3,064 | 65,00-76,60 | C Kurang baik;
  3: 3,0644-3,532 | 76,61-88,30 | B Baik;       4: 3,5324-4,00 | 88,31-100,00 | A Sangat baik.
  The grade is read from the converted value rounded to two decimals (the regulation's precision), which
  makes the intervals contiguous: 3,5322 x 25 = 88,305 -> 88,31 -> A.

Computed with exact fractions, so a boundary value is graded as the table says, not as a float rounds."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

#: (code, the regulation's name of the element), in the regulation's order U1..U9
ELEMENTS: tuple[tuple[str, str], ...] = (
    ("persyaratan", "Persyaratan"),
    ("prosedur", "Sistem, mekanisme, dan prosedur"),
    ("waktu", "Waktu penyelesaian"),
    ("biaya", "Biaya/tarif"),
    ("produk", "Produk spesifikasi jenis pelayanan"),
    ("kompetensi", "Kompetensi pelaksana"),
    ("perilaku", "Perilaku pelaksana"),
    ("pengaduan", "Penanganan pengaduan, saran, dan masukan"),
    ("sarana", "Sarana dan prasarana"),
)
CODES = tuple(c for c, _ in ELEMENTS)
NAMES = dict(ELEMENTS)

#: (lowest converted value, grade, the regulation's "kinerja unit pelayanan"), best first
GRADES: tuple[tuple[Decimal, str, str], ...] = (
    (Decimal("88.31"), "A", "Sangat baik"),
    (Decimal("76.61"), "B", "Baik"),
    (Decimal("65.00"), "C", "Kurang baik"),
    (Decimal("25.00"), "D", "Tidak baik"),
)


def _dec(x: Fraction, places: str) -> Decimal:
    return (Decimal(x.numerator) / Decimal(x.denominator)).quantize(Decimal(places), rounding=ROUND_HALF_UP)


def grade(converted: Decimal | float | str) -> tuple[str, str]:
    """The grade (A-D) and performance label of a converted IKM value (25..100)."""
    v = Decimal(str(converted)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    for lowest, g, label in GRADES:
        if v >= lowest:
            return g, label
    return "D", "Tidak baik"


def index(totals: Mapping[str, tuple[int, int]]) -> dict[str, Any]:
    """The IKM from per-element totals: {code: (sum of answers, respondents who answered)}.

    Returns the respondents (the largest element count), per-element NRR, the IKM on the 1..4 scale (`value`,
    4 decimals), the converted index (`index`, 2 decimals), the grade and the performance label; with no
    answer at all, `value`/`index`/`grade` are None."""
    elements = []
    nrr: dict[str, Fraction] = {}
    for code, name in ELEMENTS:
        s, n = totals.get(code, (0, 0))
        if n:
            nrr[code] = Fraction(int(s), int(n))
        elements.append({"element": code, "name": name, "respondents": int(n), "sum": int(s),
                         "nrr": float(_dec(nrr[code], "0.0001")) if code in nrr else None,
                         "index": float(_dec(nrr[code] * 25, "0.01")) if code in nrr else None})
    respondents = max((int(n) for _, n in totals.values()), default=0)
    if not nrr:
        return {"respondents": respondents, "value": None, "index": None, "grade": None, "performance": None,
                "elements": elements}
    # every element weighs 1/(elements answered): the nine of the regulation when all are answered
    value = sum(nrr.values(), Fraction(0)) / len(nrr)
    converted = _dec(value * 25, "0.01")
    g, label = grade(converted)
    return {"respondents": respondents, "value": float(_dec(value, "0.0001")), "index": float(converted),
            "grade": g, "performance": label, "elements": elements}


def from_answers(answers: list[Mapping[str, int]]) -> dict[str, Any]:
    """The IKM of a list of questionnaires ({code: 1..4}); a convenience over `index` (tests, the simulation)."""
    totals: dict[str, tuple[int, int]] = {}
    for a in answers:
        for code in CODES:
            if code in a and a[code] is not None:
                s, n = totals.get(code, (0, 0))
                totals[code] = (s + int(a[code]), n + 1)
    return index(totals)
