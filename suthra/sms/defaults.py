"""The first text of every template, in Urdu and English; head office edits them (the rows
are created by migration 0002 and again on demand when missing)."""

DEFAULTS = {
    ("bill_issued", "ur"): (
        "محترم {name}، آپ کا ستھرا پنجاب بل (PSID {psid}) Rs {amount} ہے، آخری تاریخ {due_date}۔ "
        "بل دیکھیں: {link}"
    ),
    ("bill_issued", "en"): (
        "Dear {name}, your Suthra Punjab bill (PSID {psid}) is Rs {amount}, due {due_date}. "
        "View: {link}"
    ),
    ("due_reminder", "ur"): (
        "محترم {name}، آپ کے بل PSID {psid} کی رقم Rs {amount} کی آخری تاریخ {due_date} ہے۔ "
        "براہ کرم بروقت ادائیگی کریں۔ {link}"
    ),
    ("due_reminder", "en"): (
        "Dear {name}, Rs {amount} on PSID {psid} is due by {due_date}. Please pay on time. {link}"
    ),
    ("arrears_reminder", "ur"): (
        "محترم {name}، آپ کے ذمے صفائی فیس کے بقایاجات Rs {amount} ہیں (PSID {psid})۔ "
        "براہ کرم جلد ادا کریں۔ {link}"
    ),
    ("arrears_reminder", "en"): (
        "Dear {name}, Rs {amount} of sanitation fee is outstanding on PSID {psid}. "
        "Please pay soon. {link}"
    ),
    ("notice_served", "ur"): (
        "محترم {name}، بقایاجات Rs {amount} پر آپ کو نوٹس جاری کیا گیا ہے (PSID {psid})۔ "
        "ادائیگی {due_date} تک کریں۔ {link}"
    ),
    ("notice_served", "en"): (
        "Dear {name}, a notice was served for Rs {amount} outstanding on PSID {psid}. "
        "Pay by {due_date}. {link}"
    ),
    (
        "payment_received",
        "ur",
    ): "محترم {name}، PSID {psid} پر آپ کی ادائیگی Rs {amount} موصول ہو گئی۔ شکریہ۔",
    ("payment_received", "en"): "Dear {name}, we received Rs {amount} for PSID {psid}. Thank you.",
}
