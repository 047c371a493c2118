"""Indonesian administrative regions with BPS (Statistics Indonesia) codes.

All 38 provinces (two-digit codes, including the four Papua provinces created in 2022) and a
representative set of their regencies (``kabupaten``, codes ``PP01``..``PP69``) and cities
(``kota``, codes ``PP71``..``PP79``): every province has its capital and several regencies.
Codes follow the BPS master file (Master File Desa); this is demo/reference data, not the
complete list of 514 regencies/cities.

National level uses code ``"0000"`` and the name ``"Indonesia"``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

NATIONAL_CODE = "0000"
NATIONAL_NAME = "Indonesia"

LEVEL_NATIONAL = "nasional"
LEVEL_PROVINCE = "provinsi"
LEVEL_REGENCY = "kabupaten_kota"


@dataclass(frozen=True, slots=True)
class Region:
    code: str
    name: str
    level: str
    province_code: str | None  # None for the national level; the province itself for provinces

    @property
    def is_city(self) -> bool:
        return self.level == LEVEL_REGENCY and self.code[2] == "7"


# (code, province name, capital regency/city code, {regency/city code: short name})
# Regency/city names: a code ending in 71..79 is a city ("Kota"), otherwise a regency ("Kabupaten").
_PROVINCES: tuple[tuple[str, str, str, dict[str, str]], ...] = (
    ("11", "Aceh", "1171", {
        "1101": "Simeulue", "1102": "Aceh Singkil", "1103": "Aceh Selatan", "1104": "Aceh Tenggara",
        "1105": "Aceh Timur", "1106": "Aceh Tengah", "1107": "Aceh Barat", "1108": "Aceh Besar",
        "1109": "Pidie", "1110": "Bireuen", "1111": "Aceh Utara",
        "1171": "Banda Aceh", "1172": "Sabang", "1173": "Langsa", "1174": "Lhokseumawe",
    }),
    ("12", "Sumatera Utara", "1275", {
        "1201": "Nias", "1202": "Mandailing Natal", "1203": "Tapanuli Selatan", "1204": "Tapanuli Tengah",
        "1205": "Tapanuli Utara", "1207": "Labuhanbatu", "1208": "Asahan", "1209": "Simalungun",
        "1210": "Dairi", "1211": "Karo", "1212": "Deli Serdang", "1213": "Langkat",
        "1271": "Sibolga", "1273": "Pematangsiantar", "1275": "Medan", "1276": "Binjai",
    }),
    ("13", "Sumatera Barat", "1371", {
        "1301": "Kepulauan Mentawai", "1302": "Pesisir Selatan", "1303": "Solok", "1305": "Tanah Datar",
        "1306": "Padang Pariaman", "1307": "Agam", "1308": "Lima Puluh Kota", "1309": "Pasaman",
        "1371": "Padang", "1375": "Bukittinggi", "1376": "Payakumbuh",
    }),
    ("14", "Riau", "1471", {
        "1401": "Kuantan Singingi", "1402": "Indragiri Hulu", "1403": "Indragiri Hilir",
        "1404": "Pelalawan", "1405": "Siak", "1406": "Kampar", "1407": "Rokan Hulu", "1408": "Bengkalis",
        "1409": "Rokan Hilir", "1471": "Pekanbaru", "1473": "Dumai",
    }),
    ("15", "Jambi", "1571", {
        "1501": "Kerinci", "1502": "Merangin", "1503": "Sarolangun", "1504": "Batang Hari",
        "1505": "Muaro Jambi", "1506": "Tanjung Jabung Timur", "1508": "Tebo", "1509": "Bungo",
        "1571": "Jambi", "1572": "Sungai Penuh",
    }),
    ("16", "Sumatera Selatan", "1671", {
        "1601": "Ogan Komering Ulu", "1602": "Ogan Komering Ilir", "1603": "Muara Enim", "1604": "Lahat",
        "1605": "Musi Rawas", "1606": "Musi Banyuasin", "1607": "Banyuasin",
        "1671": "Palembang", "1672": "Prabumulih", "1674": "Lubuklinggau",
    }),
    ("17", "Bengkulu", "1771", {
        "1701": "Bengkulu Selatan", "1702": "Rejang Lebong", "1703": "Bengkulu Utara", "1704": "Kaur",
        "1705": "Seluma", "1706": "Mukomuko", "1771": "Bengkulu",
    }),
    ("18", "Lampung", "1871", {
        "1801": "Lampung Barat", "1802": "Tanggamus", "1803": "Lampung Selatan", "1804": "Lampung Timur",
        "1805": "Lampung Tengah", "1806": "Lampung Utara", "1807": "Way Kanan", "1808": "Tulang Bawang",
        "1809": "Pesawaran", "1871": "Bandar Lampung", "1872": "Metro",
    }),
    ("19", "Kepulauan Bangka Belitung", "1971", {
        "1901": "Bangka", "1902": "Belitung", "1903": "Bangka Barat", "1904": "Bangka Tengah",
        "1905": "Bangka Selatan", "1906": "Belitung Timur", "1971": "Pangkal Pinang",
    }),
    ("21", "Kepulauan Riau", "2172", {
        "2101": "Karimun", "2102": "Bintan", "2103": "Natuna", "2104": "Lingga",
        "2105": "Kepulauan Anambas", "2171": "Batam", "2172": "Tanjung Pinang",
    }),
    ("31", "DKI Jakarta", "3173", {
        "3101": "Kepulauan Seribu", "3171": "Jakarta Selatan", "3172": "Jakarta Timur",
        "3173": "Jakarta Pusat", "3174": "Jakarta Barat", "3175": "Jakarta Utara",
    }),
    ("32", "Jawa Barat", "3273", {
        "3201": "Bogor", "3202": "Sukabumi", "3203": "Cianjur", "3204": "Bandung", "3205": "Garut",
        "3206": "Tasikmalaya", "3207": "Ciamis", "3208": "Kuningan", "3209": "Cirebon",
        "3210": "Majalengka", "3211": "Sumedang", "3212": "Indramayu", "3213": "Subang",
        "3214": "Purwakarta", "3215": "Karawang", "3216": "Bekasi", "3217": "Bandung Barat",
        "3218": "Pangandaran",
        "3271": "Bogor", "3272": "Sukabumi", "3273": "Bandung", "3274": "Cirebon", "3275": "Bekasi",
        "3276": "Depok", "3277": "Cimahi", "3278": "Tasikmalaya", "3279": "Banjar",
    }),
    ("33", "Jawa Tengah", "3374", {
        "3301": "Cilacap", "3302": "Banyumas", "3303": "Purbalingga", "3304": "Banjarnegara",
        "3305": "Kebumen", "3306": "Purworejo", "3307": "Wonosobo", "3308": "Magelang", "3309": "Boyolali",
        "3310": "Klaten", "3311": "Sukoharjo", "3312": "Wonogiri", "3313": "Karanganyar", "3314": "Sragen",
        "3315": "Grobogan", "3316": "Blora", "3317": "Rembang", "3318": "Pati", "3319": "Kudus",
        "3320": "Jepara", "3321": "Demak", "3322": "Semarang", "3323": "Temanggung", "3324": "Kendal",
        "3325": "Batang", "3326": "Pekalongan", "3327": "Pemalang", "3328": "Tegal", "3329": "Brebes",
        "3371": "Magelang", "3372": "Surakarta", "3373": "Salatiga", "3374": "Semarang",
        "3375": "Pekalongan", "3376": "Tegal",
    }),
    ("34", "DI Yogyakarta", "3471", {
        "3401": "Kulon Progo", "3402": "Bantul", "3403": "Gunungkidul", "3404": "Sleman",
        "3471": "Yogyakarta",
    }),
    ("35", "Jawa Timur", "3578", {
        "3501": "Pacitan", "3502": "Ponorogo", "3503": "Trenggalek", "3504": "Tulungagung",
        "3505": "Blitar", "3506": "Kediri", "3507": "Malang", "3508": "Lumajang", "3509": "Jember",
        "3510": "Banyuwangi", "3511": "Bondowoso", "3512": "Situbondo", "3513": "Probolinggo",
        "3514": "Pasuruan", "3515": "Sidoarjo", "3516": "Mojokerto", "3517": "Jombang", "3518": "Nganjuk",
        "3519": "Madiun", "3520": "Magetan", "3521": "Ngawi", "3522": "Bojonegoro", "3523": "Tuban",
        "3524": "Lamongan", "3525": "Gresik", "3526": "Bangkalan", "3527": "Sampang",
        "3528": "Pamekasan", "3529": "Sumenep",
        "3571": "Kediri", "3572": "Blitar", "3573": "Malang", "3574": "Probolinggo", "3575": "Pasuruan",
        "3576": "Mojokerto", "3577": "Madiun", "3578": "Surabaya", "3579": "Batu",
    }),
    ("36", "Banten", "3673", {
        "3601": "Pandeglang", "3602": "Lebak", "3603": "Tangerang", "3604": "Serang",
        "3671": "Tangerang", "3672": "Cilegon", "3673": "Serang", "3674": "Tangerang Selatan",
    }),
    ("51", "Bali", "5171", {
        "5101": "Jembrana", "5102": "Tabanan", "5103": "Badung", "5104": "Gianyar", "5105": "Klungkung",
        "5106": "Bangli", "5107": "Karangasem", "5108": "Buleleng", "5171": "Denpasar",
    }),
    ("52", "Nusa Tenggara Barat", "5271", {
        "5201": "Lombok Barat", "5202": "Lombok Tengah", "5203": "Lombok Timur", "5204": "Sumbawa",
        "5205": "Dompu", "5206": "Bima", "5207": "Sumbawa Barat", "5208": "Lombok Utara",
        "5271": "Mataram", "5272": "Bima",
    }),
    ("53", "Nusa Tenggara Timur", "5371", {
        "5301": "Sumba Barat", "5302": "Sumba Timur", "5303": "Kupang", "5304": "Timor Tengah Selatan",
        "5305": "Timor Tengah Utara", "5306": "Belu", "5307": "Alor", "5308": "Lembata",
        "5309": "Flores Timur", "5310": "Sikka", "5311": "Ende", "5312": "Ngada", "5313": "Manggarai",
        "5371": "Kupang",
    }),
    ("61", "Kalimantan Barat", "6171", {
        "6101": "Sambas", "6102": "Bengkayang", "6103": "Landak", "6104": "Mempawah", "6105": "Sanggau",
        "6106": "Ketapang", "6107": "Sintang", "6108": "Kapuas Hulu",
        "6171": "Pontianak", "6172": "Singkawang",
    }),
    ("62", "Kalimantan Tengah", "6271", {
        "6201": "Kotawaringin Barat", "6202": "Kotawaringin Timur", "6203": "Kapuas",
        "6204": "Barito Selatan", "6205": "Barito Utara", "6271": "Palangka Raya",
    }),
    ("63", "Kalimantan Selatan", "6372", {
        "6301": "Tanah Laut", "6302": "Kotabaru", "6303": "Banjar", "6304": "Barito Kuala",
        "6305": "Tapin", "6306": "Hulu Sungai Selatan", "6371": "Banjarmasin", "6372": "Banjarbaru",
    }),
    ("64", "Kalimantan Timur", "6472", {
        "6401": "Paser", "6402": "Kutai Barat", "6403": "Kutai Kartanegara", "6404": "Kutai Timur",
        "6405": "Berau", "6409": "Penajam Paser Utara", "6411": "Mahakam Ulu",
        "6471": "Balikpapan", "6472": "Samarinda", "6474": "Bontang",
    }),
    ("65", "Kalimantan Utara", "6502", {
        "6501": "Malinau", "6502": "Bulungan", "6503": "Tana Tidung", "6504": "Nunukan",
        "6571": "Tarakan",
    }),
    ("71", "Sulawesi Utara", "7171", {
        "7101": "Bolaang Mongondow", "7102": "Minahasa", "7103": "Kepulauan Sangihe",
        "7104": "Kepulauan Talaud", "7105": "Minahasa Selatan", "7106": "Minahasa Utara",
        "7171": "Manado", "7172": "Bitung", "7173": "Tomohon", "7174": "Kotamobagu",
    }),
    ("72", "Sulawesi Tengah", "7271", {
        "7201": "Banggai Kepulauan", "7202": "Banggai", "7203": "Morowali", "7204": "Poso",
        "7205": "Donggala", "7206": "Toli-Toli", "7207": "Buol", "7208": "Parigi Moutong",
        "7271": "Palu",
    }),
    ("73", "Sulawesi Selatan", "7371", {
        "7301": "Kepulauan Selayar", "7302": "Bulukumba", "7303": "Bantaeng", "7304": "Jeneponto",
        "7305": "Takalar", "7306": "Gowa", "7307": "Sinjai", "7308": "Maros",
        "7309": "Pangkajene dan Kepulauan", "7310": "Barru", "7311": "Bone", "7312": "Soppeng",
        "7313": "Wajo", "7371": "Makassar", "7372": "Parepare", "7373": "Palopo",
    }),
    ("74", "Sulawesi Tenggara", "7471", {
        "7401": "Buton", "7402": "Muna", "7403": "Konawe", "7404": "Kolaka", "7405": "Konawe Selatan",
        "7471": "Kendari", "7472": "Baubau",
    }),
    ("75", "Gorontalo", "7571", {
        "7501": "Boalemo", "7502": "Gorontalo", "7503": "Pohuwato", "7504": "Bone Bolango",
        "7505": "Gorontalo Utara", "7571": "Gorontalo",
    }),
    ("76", "Sulawesi Barat", "7604", {
        "7601": "Majene", "7602": "Polewali Mandar", "7603": "Mamasa", "7604": "Mamuju",
        "7605": "Pasangkayu", "7606": "Mamuju Tengah",
    }),
    ("81", "Maluku", "8171", {
        "8101": "Kepulauan Tanimbar", "8102": "Maluku Tenggara", "8103": "Maluku Tengah", "8104": "Buru",
        "8105": "Kepulauan Aru", "8106": "Seram Bagian Barat", "8107": "Seram Bagian Timur",
        "8171": "Ambon", "8172": "Tual",
    }),
    ("82", "Maluku Utara", "8272", {
        "8201": "Halmahera Barat", "8202": "Halmahera Tengah", "8203": "Kepulauan Sula",
        "8204": "Halmahera Selatan", "8205": "Halmahera Utara", "8206": "Halmahera Timur",
        "8271": "Ternate", "8272": "Tidore Kepulauan",
    }),
    ("91", "Papua Barat", "9105", {
        "9101": "Fakfak", "9102": "Kaimana", "9103": "Teluk Wondama", "9104": "Teluk Bintuni",
        "9105": "Manokwari", "9106": "Manokwari Selatan", "9107": "Pegunungan Arfak",
    }),
    ("92", "Papua Barat Daya", "9271", {
        "9201": "Raja Ampat", "9202": "Sorong", "9203": "Sorong Selatan", "9204": "Maybrat",
        "9205": "Tambrauw", "9271": "Sorong",
    }),
    ("94", "Papua", "9471", {
        "9403": "Jayapura", "9408": "Kepulauan Yapen", "9409": "Biak Numfor", "9419": "Sarmi",
        "9420": "Keerom", "9426": "Waropen", "9427": "Supiori", "9471": "Jayapura",
    }),
    ("95", "Papua Selatan", "9501", {
        "9501": "Merauke", "9502": "Boven Digoel", "9503": "Mappi", "9504": "Asmat",
    }),
    ("96", "Papua Tengah", "9601", {
        "9601": "Nabire", "9602": "Puncak Jaya", "9603": "Paniai", "9604": "Mimika", "9605": "Puncak",
        "9606": "Dogiyai", "9607": "Intan Jaya", "9608": "Deiyai",
    }),
    ("97", "Papua Pegunungan", "9701", {
        "9701": "Jayawijaya", "9702": "Pegunungan Bintang", "9703": "Yahukimo", "9704": "Tolikara",
        "9705": "Mamberamo Tengah", "9706": "Yalimo", "9707": "Lanny Jaya", "9708": "Nduga",
    }),
)


def _regency_name(code: str, short: str) -> str:
    return f"Kota {short}" if code[2] == "7" else f"Kabupaten {short}"


@lru_cache(maxsize=1)
def _tables() -> tuple[
    tuple[Region, ...], dict[str, Region], dict[str, tuple[Region, ...]], dict[str, str]
]:
    national = Region(NATIONAL_CODE, NATIONAL_NAME, LEVEL_NATIONAL, None)
    provinces: list[Region] = []
    by_code: dict[str, Region] = {NATIONAL_CODE: national}
    children: dict[str, tuple[Region, ...]] = {}
    capitals: dict[str, str] = {}
    for code, name, capital, regencies in _PROVINCES:
        prov = Region(code, name, LEVEL_PROVINCE, code)
        provinces.append(prov)
        by_code[code] = prov
        kids = tuple(
            Region(rc, _regency_name(rc, short), LEVEL_REGENCY, code) for rc, short in regencies.items()
        )
        for kid in kids:
            by_code[kid.code] = kid
        children[code] = kids
        capitals[code] = capital
    return tuple(provinces), by_code, children, capitals


def national() -> Region:
    return _tables()[1][NATIONAL_CODE]


def provinces() -> tuple[Region, ...]:
    """The 38 provinces, in BPS code order."""
    return _tables()[0]


def regencies(province_code: str | None = None) -> tuple[Region, ...]:
    """Regencies and cities, of one province or of all provinces."""
    children = _tables()[2]
    if province_code is not None:
        return children.get(province_code, ())
    return tuple(r for kids in children.values() for r in kids)


def capital(province_code: str) -> Region:
    """The regency/city holding the provincial capital."""
    _, by_code, _, capitals = _tables()
    return by_code[capitals[province_code]]


def all_regions() -> tuple[Region, ...]:
    """National, provinces and regencies/cities."""
    return tuple(_tables()[1].values())


def get(code: str) -> Region | None:
    return _tables()[1].get(code)


def province_of(code: str) -> Region | None:
    """The province a region code belongs to (itself for a province, None for national)."""
    if code == NATIONAL_CODE or len(code) < 2:
        return None
    return _tables()[1].get(code[:2])
