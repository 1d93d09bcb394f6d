"""Hand-written word lists that cue entity types in Indonesian news (features, not rules)."""

from __future__ import annotations

__all__ = [
    "words",
    "PERSON_TITLES",
    "ORG_HEADS",
    "PLACE_HEADS",
    "PLACE_CUES",
    "PLACES",
    "ORG_ACRONYMS",
    "INSIDE_WORDS",
]


def words(text: str) -> frozenset[str]:
    """A word list written as one string (lower-cased)."""
    return frozenset(w.lower() for w in text.split())


_set = words


# Words that precede a person's name: offices, ranks, honorifics.
PERSON_TITLES = _set(
    """presiden wakil wapres menteri menko menkeu mendagri menlu menhan mensesneg menkes
    gubernur wagub bupati wabup wali walkot camat lurah kades kapolri kapolda kapolres kapolsek
    kapuspen panglima jenderal letjen mayjen brigjen kolonel kombes akbp kompol iptu ipda aiptu
    bripka brigadir irjen komjen laksamana marsekal kasad kasal kasau jaksa hakim ketua sekjen
    sekretaris direktur dirut kepala komisaris anggota juru bicara jubir pakar pengamat ekonom
    dosen guru rektor dekan profesor prof dr ir drs hj h kh ustaz ustadz habib kiai gus pak bu
    bapak ibu tuan nyonya saudara sdr mr mrs ms sir raja ratu pangeran putri sultan paus imam
    pastor pendeta syekh perdana pm kanselir senator diplomat dubes duta pelatih kapten
    penyanyi aktor aktris artis pebulu pemain striker kiper bek gelandang pembalap petenis
    pebalap atlet miliarder pengusaha ceo founder pendiri politikus politisi legislator
    terdakwa tersangka saksi korban pelaku warga almarhum almarhumah mendiang sang si"""
)

# Heads that open an organisation name.
ORG_HEADS = _set(
    """pt cv tbk kementerian kemenkeu kemendagri kemenlu kemenkes kemendikbud kemenag kemensos
    partai universitas univ institut politeknik sekolah sma smp sd smk madrasah pesantren
    bank badan dinas komisi lembaga dewan majelis mahkamah pengadilan kejaksaan kejagung kejati
    kejari kepolisian polda polres polsek polri tni kodam korem kodim lanud lantamal
    pemerintah pemprov pemkab pemkot pemda rumah rs rsud puskesmas yayasan perusahaan kantor
    fakultas tim klub fc persatuan asosiasi ikatan himpunan organisasi perum perumda perseroan
    koperasi federasi serikat liga kongres parlemen senat kabinet biro direktorat ditjen
    otoritas bursa pusat balai satgas satuan komando divisi brigade batalyon densus bareskrim
    kpk kpu bawaslu dpr dpd mpr dprd bpk bpbd bnpb bmkg bps ojk bi bumn pln pertamina kai"""
)

# Heads that open a place name, and words that precede one.
PLACE_HEADS = _set(
    """kota kabupaten kab provinsi prov desa kecamatan kelurahan dusun kampung pulau kepulauan
    gunung sungai danau laut selat teluk tanjung jalan jl jln bandara pelabuhan stasiun
    terminal pasar alun-alun lapangan stadion gedung istana masjid gereja pura candi taman
    negara wilayah kawasan daerah distrik benua"""
)
PLACE_CUES = _set("di ke dari asal menuju sekitar wilayah kawasan daerah kota warga penduduk")

# Indonesian provinces and large cities, and frequently reported foreign places.
PLACES = _set(
    """indonesia jakarta bandung surabaya semarang yogyakarta medan makassar palembang denpasar
    bali jawa sumatera sumatra kalimantan sulawesi papua maluku aceh riau jambi bengkulu lampung
    banten bogor depok tangerang bekasi cirebon solo surakarta malang kediri blitar jember
    banyuwangi madiun magelang purwokerto tegal pekalongan garut tasikmalaya sukabumi cianjur
    karawang purwakarta serang cilegon pontianak banjarmasin samarinda balikpapan palangkaraya
    manado palu kendari gorontalo ambon ternate jayapura sorong merauke kupang mataram lombok
    padang pekanbaru batam tanjungpinang pangkalpinang bangka belitung ntt ntb jabar jateng
    jatim sumut sumbar sumsel sulsel sulut kalbar kaltim kalsel diy dki jabodetabek nusantara
    washington moskow beijing tokyo london paris berlin roma teheran gaza yerusalem tel aviv
    kairo riyadh mekkah makkah madinah jeddah dubai doha ankara istanbul kiev kyiv damaskus
    baghdad kabul islamabad new delhi bangkok hanoi manila seoul pyongyang canberra sydney
    singapura kuala lumpur eropa asia afrika amerika timur tengah"""
)

ORG_ACRONYMS = _set(
    """kpk kpu bawaslu dpr dpd mpr dprd bpk bpbd bnpb bmkg bps ojk bi bumn pln pertamina kai
    tni polri pbb nato who imf asean opec fifa uefa pssi koni nu muhammadiyah pdip pdi-p pks
    pkb ppp gerindra golkar nasdem demokrat pan psi perindo hanura bnn bpom kkp kemlu"""
)

# Lower-case words and punctuation that occur inside names next to a capitalised word
# ("desa Sukamaju", "Universitas Gadjah Mada", "Bank of America", "Al-Azhar", "Jalan ... 5").
INSIDE_WORDS = _set(
    """desa kecamatan kelurahan kota kabupaten provinsi jalan jl dusun kampung pulau sungai
    gunung pantai danau gedung negeri kementerian partai tim pemerintah kantor utara barat
    selatan timur tengah raya udara luar dalam besar dan of and the for de al el von van der
    den bin binti da del la le du des di y - ' ’ & / ."""
) | PLACE_HEADS | ORG_HEADS | _set(
    """hotel lapangan stasiun distrik komplek kompleks gletser bandara pasar restoran kafe
    apartemen perumahan mal plaza menara jembatan tol bukit lembah hutan kebun wisata
    museum benteng kerajaan kesultanan suku bangsa klub grup band"""
)
