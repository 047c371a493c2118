"""Email templates (Bahasa Indonesia) for request, billing and reminder notifications.

Templates are data: ``TEMPLATES[event]`` holds the subject, the body paragraphs and the link label
as ``str.format`` strings, plus the context keys the event needs. ``render(event, ctx)`` derives
display values (kind and status in Indonesian, rupiah, WIB dates), fills the templates and returns
plain text and HTML. A body paragraph whose placeholders are not all available in the context is
left out, so optional details (operator name, reason, due date, ...) need no code per event.

Every value is HTML-escaped in the HTML part (the whole filled paragraph is escaped, so template
text and values alike are safe), subjects are folded onto one line (no header injection) and the
request link is only rendered as a hyperlink when it is an http(s) URL.
"""

from __future__ import annotations

import html
import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from chalicelib.core.fmt import format_date_id, format_idr, terbilang

__all__ = ["EVENTS", "KIND_LABELS", "STATUS_LABELS", "TEMPLATES", "RenderedEmail", "render"]

EVENTS: tuple[str, ...] = (
    "request_received",
    "billing_issued",
    "billing_expiring",
    "payment_received",
    "payment_after_close",
    "assigned",
    "new_message",
    "escalation",
    "delivered",
    "rating_prompt",
    "complaint_received",
    "due_soon",
    "overdue",
    "overdue_supervisor",
    "deliverable_rejected",
    "request_rejected",
    "request_expired",
    "request_cancelled",
    "forum_mention",
    "subscription_release",
    "email_verification",
)

KIND_LABELS: dict[str, str] = {
    "consultation": "Konsultasi",
    "data_order": "Permintaan Data",
    "complaint": "Pengaduan",
}

STATUS_LABELS: dict[str, str] = {
    "submitted": "Diajukan",
    "awaiting_approval": "Menunggu persetujuan",
    "awaiting_payment": "Menunggu pembayaran",
    "queued": "Dalam antrean",
    "assigned": "Telah ditugaskan kepada petugas",
    "in_progress": "Sedang diproses",
    "escalated": "Dieskalasi ke unit produsen data",
    "delivered": "Hasil telah dikirim",
    "completed": "Selesai",
    "rejected": "Ditolak",
    "expired": "Kedaluwarsa",
    "cancelled": "Dibatalkan",
}

SUBJECT_PREFIX = "[SILASTIK]"
SERVICE_NAME = "Layanan Statistik Terpadu (SILASTIK)"
OFFICE_NAME = "Badan Pusat Statistik"
MAX_EXCERPT = 500

_BASE_REQUIRED: tuple[str, ...] = ("recipient_name", "request_id", "request_url")

# event -> subject, paragraphs (optional ones are dropped when a placeholder is missing),
# link label and the context keys that must be present (in addition to _BASE_REQUIRED).
# Derived placeholders: kind_label, status_label, due_at_text, expires_at_text, paid_at_text,
# amount_text, amount_words, hours_text (see _derive).
TEMPLATES: dict[str, dict[str, Any]] = {
    "request_received": {
        "subject": "Permintaan {request_id} telah diterima",
        "paragraphs": (
            "Terima kasih. {kind_label} Anda dengan nomor {request_id} telah kami terima.",
            "Status saat ini: {status_label}.",
            "Target penyelesaian: {due_at_text} (dihitung dalam hari kerja).",
            "Anda dapat memantau perkembangan permintaan dan berkomunikasi dengan petugas melalui "
            "halaman permintaan.",
        ),
        "link_label": "Lihat permintaan {request_id}",
        "required": ("kind",),
    },
    "billing_issued": {
        "subject": "Tagihan PNBP untuk permintaan {request_id}",
        "paragraphs": (
            "Tagihan Penerimaan Negara Bukan Pajak (PNBP) untuk permintaan {request_id} telah terbit.",
            "Kode billing: {billing_code}\nJumlah: {amount_text} ({amount_words})\n"
            "Batas waktu pembayaran: {expires_at_text}",
            "Pembayaran dapat dilakukan melalui bank/pos persepsi (teller, ATM, internet banking, mobile "
            "banking). Petunjuk pembayaran dan tagihan (PDF) tersedia pada halaman permintaan.",
            "Setelah batas waktu, kode billing tidak berlaku lagi dan permintaan dinyatakan kedaluwarsa.",
        ),
        "link_label": "Lihat tagihan dan petunjuk pembayaran",
        "required": ("billing_code", "amount_idr", "expires_at"),
    },
    "billing_expiring": {
        "subject": "Pengingat: tagihan permintaan {request_id} segera kedaluwarsa",
        "paragraphs": (
            "Tagihan untuk permintaan {request_id} belum dibayar dan akan kedaluwarsa dalam {hours_text}, "
            "yaitu pada {expires_at_text}.",
            "Kode billing: {billing_code}\nJumlah: {amount_text}",
            "Mohon segera melakukan pembayaran agar permintaan Anda dapat diproses. Abaikan pesan ini "
            "apabila pembayaran sudah dilakukan.",
        ),
        "link_label": "Lihat tagihan dan petunjuk pembayaran",
        "required": ("billing_code", "expires_at", "hours_left"),
    },
    "payment_received": {
        "subject": "Pembayaran permintaan {request_id} telah diterima",
        "paragraphs": (
            "Terima kasih. Pembayaran untuk permintaan {request_id} telah kami terima.",
            "NTPN: {ntpn}\nJumlah: {amount_text}\nTanggal pembayaran: {paid_at_text}",
            "Kode billing: {billing_code}",
            "Kuitansi pembayaran dapat diunduh pada halaman permintaan. Permintaan Anda selanjutnya "
            "diteruskan kepada petugas layanan.",
        ),
        "link_label": "Lihat permintaan dan unduh kuitansi",
        "required": ("ntpn", "paid_at", "amount_idr"),
    },
    # issue 16: a payment that arrived after the request was cancelled or expired (fulfilment.payment)
    "payment_after_close": {
        "subject": "Pembayaran permintaan {request_id} diterima setelah permintaan ditutup",
        "paragraphs": (
            "Pembayaran untuk permintaan {request_id} telah kami terima, tetapi permintaan tersebut sudah ditutup "
            "(dibatalkan atau kedaluwarsa) sebelum pembayaran masuk. Uang Anda tercatat dan tidak hilang.",
            "NTPN: {ntpn}\nJumlah: {amount_text}\nTanggal pembayaran: {paid_at_text}",
            "Kode billing: {billing_code}",
            "Petugas kami akan melanjutkan layanan permintaan Anda atau memproses pengembalian pembayaran, dan "
            "memberi tahu Anda hasilnya melalui halaman permintaan.",
        ),
        "link_label": "Lihat permintaan",
        "required": ("ntpn", "paid_at", "amount_idr"),
    },
    "assigned": {
        "subject": "Permintaan {request_id} didelegasikan kepada Anda",
        "paragraphs": (
            "{kind_label} dengan nomor {request_id} telah didelegasikan kepada Anda untuk ditangani.",
            "Batas waktu penyelesaian: {due_at_text}.",
            "Status saat ini: {status_label}.",
            "Silakan buka dasbor petugas untuk melihat rincian permintaan dan mulai menanganinya.",
        ),
        "link_label": "Buka permintaan {request_id}",
        "required": ("kind",),
    },
    "new_message": {
        "subject": "Pesan baru pada permintaan {request_id}",
        "paragraphs": (
            "Ada pesan baru pada permintaan {request_id}.",
            "Dari: {operator_name}",
            '"{message_excerpt}"',
            "Silakan membalas melalui halaman permintaan; balasan ke email ini tidak akan terbaca.",
        ),
        "link_label": "Baca dan balas pesan",
        "required": ("message_excerpt",),
    },
    "escalation": {
        "subject": "Eskalasi permintaan {request_id} ke unit Anda",
        "paragraphs": (
            "{kind_label} dengan nomor {request_id} dieskalasi ke unit Anda dan memerlukan jawaban "
            "dari produsen data.",
            "Dieskalasi oleh: {operator_name}",
            "Alasan eskalasi: {reason}",
            'Pertanyaan: "{message_excerpt}"',
            "Batas waktu penyelesaian permintaan: {due_at_text}.",
            "Mohon berikan jawaban melalui halaman eskalasi.",
        ),
        "link_label": "Jawab eskalasi",
        "required": ("kind",),
    },
    "delivered": {
        "subject": "Hasil permintaan {request_id} telah tersedia",
        "paragraphs": (
            "{kind_label} Anda dengan nomor {request_id} telah selesai ditangani dan hasilnya telah "
            "dikirimkan.",
            "Berkas dapat diunduh melalui halaman permintaan. Tautan unduhan bersifat sementara; masuk "
            "kembali ke portal untuk memperoleh tautan baru bila diperlukan.",
            "Setelah menerima hasil, mohon berikan penilaian atas layanan kami.",
        ),
        "link_label": "Lihat dan unduh hasil",
        "required": ("kind",),
    },
    "email_verification": {
        "subject": "Kode verifikasi alamat e-mail SILASTIK",
        "paragraphs": (
            "Kode verifikasi alamat e-mail Anda: {code}",
            "Masukkan kode ini pada halaman profil SILASTIK dalam 30 menit. Setelah diverifikasi, alamat ini "
            "dipakai untuk pemberitahuan layanan dan untuk menghubungkan permintaan yang Anda ajukan melalui "
            "telepon, surat atau kunjungan langsung.",
            "Jika Anda tidak meminta perubahan alamat e-mail, abaikan pesan ini: alamat Anda tidak akan dipakai.",
        ),
        "link_label": "Buka halaman profil",
        "required": ("code",),
        "base_required": ("recipient_name", "request_url"),  # about no request
    },
    "rating_prompt": {
        "subject": "Bagaimana layanan kami untuk permintaan {request_id}?",
        "paragraphs": (
            "Terima kasih telah menggunakan layanan kami untuk permintaan {request_id}.",
            "Mohon luangkan waktu sejenak untuk memberikan penilaian (skala 1 sampai 5) beserta "
            "komentar Anda. Masukan Anda membantu kami meningkatkan kualitas layanan statistik.",
        ),
        "link_label": "Beri penilaian",
        "required": (),
    },
    "complaint_received": {
        "subject": "Pengaduan {request_id} telah diterima",
        "paragraphs": (
            "Pengaduan Anda dengan nomor {request_id} telah kami terima dan akan segera ditindaklanjuti.",
            'Isi pengaduan: "{message_excerpt}"',
            "Target penyelesaian: {due_at_text} (dihitung dalam hari kerja).",
            "Perkembangan penanganan pengaduan dapat dipantau melalui halaman pengaduan.",
        ),
        "link_label": "Lihat pengaduan {request_id}",
        "required": (),
    },
    "due_soon": {
        "subject": "Pengingat: permintaan {request_id} mendekati batas waktu",
        "paragraphs": (
            "{kind_label} dengan nomor {request_id} yang Anda tangani akan mencapai batas waktu "
            "penyelesaian dalam {hours_text}, yaitu pada {due_at_text}.",
            "Status saat ini: {status_label}.",
            "Mohon selesaikan permintaan sebelum batas waktu atau hubungi supervisor bila memerlukan "
            "perpanjangan.",
        ),
        "link_label": "Buka permintaan {request_id}",
        "required": ("kind", "due_at", "hours_left"),
    },
    "overdue": {
        "subject": "Terlambat: permintaan {request_id} melewati batas waktu",
        "paragraphs": (
            "{kind_label} dengan nomor {request_id} yang Anda tangani telah melewati batas waktu "
            "penyelesaian ({due_at_text}).",
            "Status saat ini: {status_label}.",
            "Mohon segera ditindaklanjuti. Supervisor layanan juga menerima pemberitahuan ini.",
        ),
        "link_label": "Buka permintaan {request_id}",
        "required": ("kind", "due_at"),
    },
    "overdue_supervisor": {
        "subject": "Terlambat: permintaan {request_id} melewati batas waktu",
        "paragraphs": (
            "{kind_label} dengan nomor {request_id} telah melewati batas waktu penyelesaian ({due_at_text}).",
            "Petugas penanggung jawab: {operator_name}",
            "Status saat ini: {status_label}.",
            "Mohon tinjau permintaan ini dan, bila perlu, tetapkan petugas lain atau batas waktu baru.",
        ),
        "link_label": "Tinjau permintaan {request_id}",
        "required": ("kind", "due_at"),
    },
    "deliverable_rejected": {
        "subject": "Berkas hasil permintaan {request_id} dikembalikan",
        "paragraphs": (
            "Berkas hasil untuk permintaan {request_id} dikembalikan dan perlu diperbaiki.",
            "Alasan: {reason}",
            "Mohon unggah kembali berkas yang telah diperbaiki melalui halaman permintaan.",
            "Batas waktu penyelesaian: {due_at_text}.",
        ),
        "link_label": "Buka permintaan {request_id}",
        "required": ("reason",),
    },
    "request_rejected": {
        "subject": "Permintaan {request_id} tidak dapat diproses",
        "paragraphs": (
            "Mohon maaf, {kind_label_lower} Anda dengan nomor {request_id} tidak dapat kami proses.",
            "Alasan: {reason}",
            "Anda dapat mengajukan permintaan baru atau menghubungi petugas layanan bila memerlukan "
            "penjelasan lebih lanjut.",
        ),
        "link_label": "Lihat permintaan {request_id}",
        "required": ("kind", "reason"),
    },
    "request_expired": {
        "subject": "Permintaan {request_id} telah kedaluwarsa",
        "paragraphs": (
            "Permintaan {request_id} dinyatakan kedaluwarsa.",
            "Keterangan: {reason}",
            "Kode billing {billing_code} tidak berlaku lagi; mohon tidak melakukan pembayaran dengan "
            "kode tersebut.",
            "Silakan ajukan permintaan baru apabila Anda masih memerlukan layanan ini.",
        ),
        "link_label": "Lihat permintaan {request_id}",
        "required": (),
    },
    "request_cancelled": {
        "subject": "Permintaan {request_id} telah dibatalkan",
        "paragraphs": (
            "Permintaan {request_id} telah dibatalkan.",
            "Keterangan: {reason}",
            "Apabila pembatalan ini tidak Anda kehendaki, silakan hubungi petugas layanan.",
        ),
        "link_label": "Lihat permintaan {request_id}",
        "required": (),
    },
    "forum_mention": {
        "subject": "Anda disebut dalam diskusi forum: {thread_title}",
        "paragraphs": (
            '{operator_name} menyebut Anda dalam diskusi forum helpdesk "{thread_title}".',
            'Anda disebut dalam diskusi forum helpdesk "{thread_title}".',
            '"{message_excerpt}"',
            "Diskusi ini terkait permintaan {request_id}.",
        ),
        "link_label": "Buka diskusi",
        "required": ("thread_title",),
        # the thread may not be linked to a request
        "base_required": ("recipient_name", "request_url"),
        # paragraphs that are alternatives: the first one that can be filled wins
        "alternatives": ((0, 1),),
    },
    "subscription_release": {
        "subject": "Rilis data baru: {item_title}",
        "paragraphs": (
            "Data yang Anda ikuti telah terbit: {item_title}.",
            "Langganan: {subscription_label}",
            "Tanggal rilis: {release_date_text}",
            "Sesuai pilihan pemesanan otomatis pada langganan Anda, pesanan data {request_id} sebesar "
            "{amount_text} telah dibuat. Tagihan PNBP (kode billing) dan petunjuk pembayarannya dikirim "
            "tersendiri; pesanan diproses setelah pembayaran diterima.",
            "Sesuai pilihan pemesanan otomatis pada langganan Anda, pesanan data {request_id} telah dibuat.",
            "Langganan dapat diubah atau dihentikan kapan saja melalui menu Langganan di portal SILASTIK.",
        ),
        "link_label": "Lihat rincian",
        "required": ("item_title",),
        # a release may come without an order: the link then points at the catalog item
        "base_required": ("recipient_name", "request_url"),
        "alternatives": ((3, 4),),
    },
}

# --- issue 19 (consumer): questions to the consumer and price quotes (chalicelib/fulfilment/consumer.py) -----
STATUS_LABELS["awaiting_consumer"] = "Menunggu tanggapan Anda"
_CONSUMER_TEMPLATES: dict[str, dict[str, Any]] = {
    "consumer_question": {
        "subject": "Petugas memerlukan keterangan untuk permintaan {request_id}",
        "paragraphs": (
            "Petugas yang menangani {kind_label_lower} Anda dengan nomor {request_id} memerlukan keterangan "
            "tambahan:",
            '"{message_excerpt}"',
            "Mohon jawab melalui halaman permintaan paling lambat {answer_by_text}. Selama menunggu jawaban "
            "Anda, batas waktu penyelesaian tidak berjalan.",
            "Tanpa jawaban sampai batas waktu tersebut, permintaan dinyatakan kedaluwarsa.",
        ),
        "link_label": "Jawab pertanyaan petugas",
        "required": ("kind", "message_excerpt"),
    },
    "quote_sent": {
        "subject": "Penawaran harga untuk permintaan {request_id}",
        "paragraphs": (
            "Permintaan data khusus Anda dengan nomor {request_id} dikenai tarif PNBP sesuai ketentuan yang "
            "berlaku.",
            "Jumlah penawaran: {amount_text} ({amount_words}).",
            'Catatan petugas: "{message_excerpt}"',
            "Rincian penawaran dapat dilihat pada halaman permintaan. Bila Anda menyetujui, tagihan PNBP (kode "
            "billing) diterbitkan; bila menolak, permintaan ditutup.",
            "Mohon tanggapi paling lambat {answer_by_text}; tanpa tanggapan, permintaan dinyatakan kedaluwarsa.",
        ),
        "link_label": "Lihat dan tanggapi penawaran",
        "required": ("amount_idr",),
    },
    "consumer_reminder": {
        "subject": "Pengingat: permintaan {request_id} menunggu tanggapan Anda",
        "paragraphs": (
            "Permintaan {request_id} masih menunggu tanggapan Anda atas {wait_label}.",
            "Permintaan {request_id} masih menunggu tanggapan Anda.",
            "Batas waktu tanggapan: {answer_by_text}.",
            "Tanpa tanggapan sampai batas waktu, permintaan dinyatakan kedaluwarsa.",
        ),
        "link_label": "Tanggapi sekarang",
        "required": (),
        "alternatives": ((0, 1),),
    },
    "quote_accepted": {
        "subject": "Penawaran harga permintaan {request_id} disetujui pemohon",
        "paragraphs": (
            "Pemohon menyetujui penawaran harga untuk permintaan {request_id} sebesar {amount_text}.",
            "Tagihan PNBP diterbitkan; setelah pembayaran diterima, permintaan kembali kepada petugas untuk "
            "diselesaikan.",
        ),
        "link_label": "Buka permintaan {request_id}",
        "required": ("amount_idr",),
    },
    "quote_declined": {
        "subject": "Penawaran harga permintaan {request_id} ditolak pemohon",
        "paragraphs": (
            "Pemohon menolak penawaran harga untuk permintaan {request_id}; permintaan ditutup.",
            "Alasan: {reason}",
        ),
        "link_label": "Buka permintaan {request_id}",
        "required": (),
    },
}
TEMPLATES.update(_CONSUMER_TEMPLATES)
EVENTS = (*EVENTS, *(e for e in _CONSUMER_TEMPLATES if e not in EVENTS))

# microdata application (issue 19 item 5): returned for revision, and resubmitted
_MICRODATA_TEMPLATES: dict[str, dict[str, Any]] = {
    "application_returned": {
        "subject": "Permohonan {request_id} perlu diperbaiki",
        "paragraphs": (
            "Petugas telah menelaah permohonan mikrodata Anda dengan nomor {request_id} dan meminta perbaikan "
            "sebelum dapat disetujui.",
            "Catatan petugas: {reason}",
            "Silakan perbaiki abstraksi dan rincian proyek, lalu ajukan kembali melalui halaman permintaan.",
        ),
        "link_label": "Perbaiki permohonan {request_id}",
        "required": ("reason",),
    },
    "application_resubmitted": {
        "subject": "Permohonan {request_id} diajukan kembali",
        "paragraphs": (
            "Pemohon telah memperbaiki dan mengajukan kembali permohonan mikrodata {request_id} sesuai catatan Anda.",
            "Permohonan menunggu penelaahan Anda.",
        ),
        "link_label": "Telaah permohonan {request_id}",
        "required": (),
    },
}
TEMPLATES.update(_MICRODATA_TEMPLATES)
EVENTS = (*EVENTS, *(e for e in _MICRODATA_TEMPLATES if e not in EVENTS))

# --- issue 20 (sla): approval and producer-escalation SLAs, absences ---------------------------------------
_SLA_TEMPLATES: dict[str, dict[str, Any]] = {
    "approval_due_soon": {
        "subject": "Pengingat: persetujuan permintaan {request_id} mendekati batas waktu",
        "paragraphs": (
            "{kind_label} dengan nomor {request_id} menunggu keputusan persetujuan. Batas waktu keputusan: "
            "{due_at_text} ({hours_text} lagi).",
            "Yang perlu diputuskan: {approval_label}.",
            "Mohon setujui atau tolak sebelum batas waktu; selama belum diputuskan, pemohon menunggu.",
        ),
        "link_label": "Tinjau permintaan {request_id}",
        "required": ("kind", "due_at"),
    },
    "approval_overdue": {
        "subject": "Terlambat: persetujuan permintaan {request_id} melewati batas waktu",
        "paragraphs": (
            "Keputusan persetujuan untuk {kind_label_lower} dengan nomor {request_id} telah melewati batas "
            "waktu ({due_at_text}).",
            "Yang perlu diputuskan: {approval_label}.",
            "Mohon segera diputuskan. Bila tetap belum diputuskan, kepala unit layanan menerima pemberitahuan, "
            "dan permintaan kedaluwarsa otomatis pada {expires_at_text}.",
            "Mohon segera diputuskan. Bila tetap belum diputuskan, kepala unit layanan menerima pemberitahuan.",
        ),
        "link_label": "Tinjau permintaan {request_id}",
        "required": ("kind", "due_at"),
        "alternatives": ((2, 3),),
    },
    "approval_overdue_head": {
        "subject": "Perlu tindakan: persetujuan permintaan {request_id} belum diputuskan",
        "paragraphs": (
            "Keputusan persetujuan untuk {kind_label_lower} dengan nomor {request_id} belum diambil dan telah "
            "melewati batas waktu ({due_at_text}).",
            "Menunggu keputusan dari: {approvers_text}.",
            "Yang perlu diputuskan: {approval_label}.",
            "Bila tetap belum diputuskan, permintaan kedaluwarsa otomatis pada {expires_at_text} dan pemohon "
            "diberi tahu alasannya.",
            "Mohon pastikan permintaan ini segera diputuskan.",
        ),
        "link_label": "Tinjau permintaan {request_id}",
        "required": ("kind", "due_at"),
    },
    "approval_expired": {
        "subject": "Permintaan {request_id} ditutup karena persetujuan tidak diberikan tepat waktu",
        "paragraphs": (
            "Mohon maaf, {kind_label_lower} Anda dengan nomor {request_id} ditutup karena persetujuan yang "
            "diperlukan tidak diputuskan dalam batas waktu.",
            "Keterangan: {reason}",
            "Keterlambatan ini terjadi di pihak kami. Anda dapat mengajukan permintaan baru; bila memerlukan "
            "bantuan, silakan hubungi petugas layanan dengan menyebutkan nomor {request_id}.",
        ),
        "link_label": "Lihat permintaan {request_id}",
        "required": ("kind",),
    },
    "escalation_due_soon": {
        "subject": "Pengingat: eskalasi permintaan {request_id} mendekati batas waktu",
        "paragraphs": (
            "Pertanyaan eskalasi untuk permintaan {request_id} belum dijawab.",
            "Unit: {unit_name}",
            'Pertanyaan: "{message_excerpt}"',
            "Batas waktu jawaban: {due_at_text} ({hours_text} lagi).",
            "Mohon berikan jawaban melalui halaman eskalasi.",
        ),
        "link_label": "Jawab eskalasi",
        "required": ("due_at",),
    },
    "escalation_overdue": {
        "subject": "Terlambat: eskalasi permintaan {request_id} melewati batas waktu",
        "paragraphs": (
            "Pertanyaan eskalasi untuk permintaan {request_id} belum dijawab dan telah melewati batas waktu "
            "({due_at_text}).",
            "Unit: {unit_name}",
            'Pertanyaan: "{message_excerpt}"',
            "Pemohon menunggu jawaban ini. Mohon segera dijawab; kepala unit dan supervisor layanan juga "
            "menerima pemberitahuan.",
        ),
        "link_label": "Jawab eskalasi",
        "required": ("due_at",),
    },
    "escalation_overdue_head": {
        "subject": "Terlambat: eskalasi permintaan {request_id} belum dijawab unit produsen",
        "paragraphs": (
            "Pertanyaan eskalasi untuk permintaan {request_id} belum dijawab dan telah melewati batas waktu "
            "({due_at_text}).",
            "Unit: {unit_name}",
            "Ditanyakan oleh: {operator_name}",
            'Pertanyaan: "{message_excerpt}"',
            "Selama eskalasi belum dijawab, waktu tunggu pemohon bertambah. Mohon pastikan unit segera menjawab.",
        ),
        "link_label": "Lihat eskalasi",
        "required": ("due_at",),
    },
    "assignee_unavailable": {
        "subject": "Perlu tindakan: permintaan {request_id} belum dapat dialihkan",
        "paragraphs": (
            "{kind_label} dengan nomor {request_id} ditangani petugas yang sedang tidak dapat bertugas.",
            "Keterangan: {reason}",
            "Tidak ada operator piket lain yang masih memiliki kapasitas, sehingga permintaan ini belum dapat "
            "dialihkan otomatis. Sistem mencoba lagi setiap menit.",
            "Status saat ini: {status_label}.",
            "Batas waktu penyelesaian: {due_at_text}.",
            "Mohon tetapkan petugas lain, tambah kuota, atau ubah jadwal piket.",
        ),
        "link_label": "Tinjau permintaan {request_id}",
        "required": ("kind",),
    },
}
TEMPLATES.update(_SLA_TEMPLATES)
EVENTS = (*EVENTS, *(e for e in _SLA_TEMPLATES if e not in EVENTS))

# --- issue 16: the daily provider-vs-ledger reconciliation found a discrepancy (fulfilment/reconciliation.py) ---
_MONEY_TEMPLATES: dict[str, dict[str, Any]] = {
    "reconciliation_discrepancy": {
        "subject": "Perlu pemeriksaan: rekonsiliasi pembayaran {day_text} tidak cocok",
        "paragraphs": (
            "Rekonsiliasi harian antara pembayaran yang tercatat di SIMPONI dan buku besar PNBP SILASTIK untuk "
            "{day_text} menemukan selisih.",
            "Pembayaran di SIMPONI: {provider_payments} ({provider_total_text}); baris buku besar: {ledger_rows} "
            "({ledger_total_text}).",
            "Tidak tercatat di buku besar: {missing_in_ledger}. Tercatat ganda: {duplicated_in_ledger}. "
            "Nominal atau NTPN berbeda: {different}. Tidak dikenal SIMPONI: {not_at_provider}.",
            "Rincian setiap selisih tersedia pada laporan rekonsiliasi di menu Pembayaran. Mohon diperiksa dan "
            "ditindaklanjuti.",
        ),
        "link_label": "Buka laporan rekonsiliasi",
        "required": ("day",),
        "base_required": ("recipient_name", "request_url"),  # about a day's payments, not one request
    },
}
TEMPLATES.update(_MONEY_TEMPLATES)
EVENTS = (*EVENTS, *(e for e in _MONEY_TEMPLATES if e not in EVENTS))

_FORMATTER = string.Formatter()


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def _present(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _hours_text(hours: Any) -> str:
    value = float(hours)
    if value < 1:
        return "kurang dari 1 jam"
    if value >= 48 and value % 24 == 0:
        return f"{int(value // 24)} hari"
    return f"{round(value)} jam"


def _excerpt(text: Any) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= MAX_EXCERPT else flat[: MAX_EXCERPT - 1].rstrip() + "\u2026"


def _derive(ctx: Mapping[str, Any]) -> dict[str, Any]:
    """Context values as display strings, plus the derived Indonesian labels."""
    values: dict[str, Any] = {k: v for k, v in ctx.items() if _present(v)}
    if "kind" in values:
        label = KIND_LABELS.get(str(values["kind"]), str(values["kind"]))
        values["kind_label"] = label
        values["kind_label_lower"] = label.lower()
    if "status" in values:
        values["status_label"] = STATUS_LABELS.get(str(values["status"]), str(values["status"]))
    for key in ("due_at", "expires_at", "paid_at"):
        if key in values:
            values[f"{key}_text"] = format_date_id(values[key], with_time=True, with_weekday=True)
    if "amount_idr" in values:
        values["amount_text"] = format_idr(values["amount_idr"])
        values["amount_words"] = terbilang(values["amount_idr"])
    if "release_date" in values:
        values["release_date_text"] = format_date_id(values["release_date"], with_weekday=True)
    if "day" in values:  # a whole local day (the daily reconciliation)
        values["day_text"] = format_date_id(values["day"], with_weekday=True)
    if "hours_left" in values:
        values["hours_text"] = _hours_text(values["hours_left"])
    if "message_excerpt" in values:
        values["message_excerpt"] = _excerpt(values["message_excerpt"])
    for key in ("recipient_name", "thread_title", "operator_name", "request_id", "billing_code", "ntpn",
                "item_title", "subscription_label"):
        if key in values:
            values[key] = " ".join(str(values[key]).split())  # single line
    return values


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in _FORMATTER.parse(template) if name}


def _fill(template: str, values: Mapping[str, Any]) -> str | None:
    """The filled template, or None when one of its placeholders has no value."""
    if not _fields(template) <= values.keys():
        return None
    return template.format_map(values)


def _is_http_url(url: str) -> bool:
    lowered = url.strip().lower()
    return lowered.startswith(("https://", "http://"))


def _html_paragraph(text: str) -> str:
    return '<p style="margin:0 0 14px 0">' + html.escape(text).replace("\n", "<br>\n") + "</p>"


def render(event: str, ctx: Mapping[str, Any]) -> RenderedEmail:
    """Render ``event`` with ``ctx``.

    Raises ValueError for an unknown event and KeyError (naming the keys) when a required context
    key is missing or empty.
    """
    spec = TEMPLATES.get(event)
    if spec is None:
        raise ValueError(f"unknown email event {event!r}; known: {', '.join(EVENTS)}")
    required = (*spec.get("base_required", _BASE_REQUIRED), *spec["required"])
    missing = [key for key in required if not _present(ctx.get(key))]
    if missing:
        raise KeyError(f"email event {event!r} is missing context key(s): {', '.join(missing)}")

    values = _derive(ctx)
    paragraphs: list[str] = []
    skip: set[int] = set()
    for group in spec.get("alternatives", ()):
        chosen = next((i for i in group if _fill(spec["paragraphs"][i], values) is not None), None)
        skip.update(i for i in group if i != chosen)
    for index, template in enumerate(spec["paragraphs"]):
        if index in skip:
            continue
        filled = _fill(template, values)
        if filled is not None:
            paragraphs.append(filled)

    subject = " ".join(f"{SUBJECT_PREFIX} {spec['subject'].format_map(values)}".split())
    link_label = spec["link_label"].format_map(values)
    url = str(values["request_url"]).strip()
    greeting = f"Yth. {values['recipient_name']},"
    closing = ("Salam,", SERVICE_NAME, OFFICE_NAME)
    footer = "Email ini dikirim otomatis oleh SILASTIK. Mohon tidak membalas email ini."

    text = "\n\n".join([greeting, *paragraphs, f"{link_label}:\n{url}", "\n".join(closing), f"--\n{footer}"])

    if _is_http_url(url):
        link_html = (
            f'<p style="margin:20px 0"><a href="{html.escape(url, quote=True)}" '
            'style="background:#123460;color:#ffffff;padding:10px 18px;border-radius:4px;'
            f'text-decoration:none;display:inline-block">{html.escape(link_label)}</a></p>\n'
            f'<p style="margin:0 0 14px 0;font-size:12px;color:#555555">Atau salin tautan berikut: '
            f"{html.escape(url)}</p>"
        )
    else:
        link_html = _html_paragraph(f"{link_label}: {url}")
    body_html = "\n".join(_html_paragraph(p) for p in paragraphs)
    html_doc = (
        "<!DOCTYPE html>\n"
        '<html lang="id">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(subject)}</title>\n</head>\n"
        '<body style="margin:0;padding:0;background:#f3f5f8">\n'
        '<div style="max-width:600px;margin:0 auto;padding:24px;background:#ffffff;'
        'font-family:Arial,Helvetica,sans-serif;font-size:14px;line-height:1.5;color:#1a1a1a">\n'
        '<div style="border-bottom:3px solid #123460;padding-bottom:8px;margin-bottom:20px;'
        'color:#123460;font-weight:bold;font-size:16px">'
        f"{html.escape(SERVICE_NAME)}<br>"
        f'<span style="font-weight:normal;font-size:12px;color:#555555">{html.escape(OFFICE_NAME)}</span>'
        "</div>\n"
        f"{_html_paragraph(greeting)}\n{body_html}\n{link_html}\n"
        f"{_html_paragraph(chr(10).join(closing))}\n"
        '<hr style="border:none;border-top:1px solid #dddddd;margin:20px 0">\n'
        f'<p style="margin:0;font-size:12px;color:#777777">{html.escape(footer)}</p>\n'
        "</div>\n</body>\n</html>\n"
    )
    return RenderedEmail(subject=subject, text=text, html=html_doc)
