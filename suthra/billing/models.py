"""Monthly bills keyed by PSID, with their payment.

Kept deliberately narrow (see docs/PERFORMANCE.md): 3.6 M rows a year must fit the 500 MB
Supabase free tier together with everything else. The PSID is the primary key (it is the natural,
unique, numeric key from e-Pay), so the table carries exactly two indexes: the PSID and
(unit, month). ``amount_due`` is ``monthly_fee + arrears`` and is not stored; an import row whose
amount due disagrees is rejected with a reason.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.utils.translation import gettext_lazy as _

from suthra.accounts.scope import ScopedQuerySet
from suthra.imports.models import ImportBatch
from suthra.locations.models import UnionCouncil
from suthra.units.models import SurveyUnit


class BillStatus(models.IntegerChoices):
    UNPAID = 0, _("Unpaid")
    PARTIAL = 1, _("Partly paid")
    PAID = 2, _("Paid")


class PaymentChannel(models.IntegerChoices):
    NONE = 0, _("—")
    BANK_COUNTER = 1, _("Bank counter (1Link)")
    ATM = 2, _("ATM")
    INTERNET_BANKING = 3, _("Internet banking")
    MOBILE_BANKING = 4, _("Mobile banking")
    JAZZCASH = 5, _("JazzCash")
    EASYPAISA = 6, _("Easypaisa")
    OTHER_WALLET = 7, _("Other wallet")
    CASH_FIELD = 8, _("Cash to field staff")
    OTHER = 9, _("Other")


# The largest monthly fee a bill may carry: the fee is a 2-byte column (see docs/PERFORMANCE.md,
# "Bills table"); the tariff's largest fee is a few thousand rupees. Amounts (arrears, paid)
# are 4-byte columns.
MAX_FEE = 32_767
MAX_AMOUNT = 2_147_483_647


def bill_status(paid_amount: int, amount_due: int) -> int:
    """A bill's status follows from what was paid: nothing → UNPAID; the amount due or more →
    PAID; less → PARTIAL. It is not stored (see ``Bill``)."""
    if paid_amount <= 0:
        return BillStatus.UNPAID
    return BillStatus.PAID if paid_amount >= amount_due else BillStatus.PARTIAL


def status_q(*statuses: int, prefix: str = "") -> Q:
    """The filter for bills in any of ``statuses`` (``prefix`` e.g. ``"bills__"`` from a unit)."""
    paid = f"{prefix}paid_amount"
    due = F(f"{prefix}monthly_fee") + F(f"{prefix}arrears")
    wanted = {int(s) for s in statuses}
    if wanted >= {0, 1, 2}:
        return Q()
    if wanted == {1, 2}:
        return Q(**{f"{paid}__gt": 0})
    parts = {
        BillStatus.UNPAID: Q(**{paid: 0}),
        BillStatus.PARTIAL: Q(**{f"{paid}__gt": 0, f"{paid}__lt": due}),
        BillStatus.PAID: Q(**{f"{paid}__gt": 0, f"{paid}__gte": due}),
    }
    q: Q | None = None
    for status in sorted(wanted):
        part = parts[BillStatus(status)]
        q = part if q is None else q | part
    return q if q is not None else Q(pk__in=[])


def status_case(prefix: str = "") -> Case:
    """The status as a query expression, for ``values()``/``annotate()`` and grouping."""
    paid = f"{prefix}paid_amount"
    due = F(f"{prefix}monthly_fee") + F(f"{prefix}arrears")
    return Case(
        When(**{paid: 0}, then=Value(int(BillStatus.UNPAID))),
        When(**{f"{paid}__gte": due}, then=Value(int(BillStatus.PAID))),
        default=Value(int(BillStatus.PARTIAL)),
        output_field=models.PositiveSmallIntegerField(),
    )


def status_sql(alias: str = "") -> str:
    """The status as SQL over a bills row (``alias`` e.g. ``"b"``), for hand-written queries."""
    a = f"{alias}." if alias else ""
    return (
        f"(CASE WHEN {a}paid_amount = 0 THEN {int(BillStatus.UNPAID)}"
        f" WHEN {a}paid_amount >= {a}monthly_fee + {a}arrears THEN {int(BillStatus.PAID)}"
        f" ELSE {int(BillStatus.PARTIAL)} END)"
    )


class BillQuerySet(ScopedQuerySet["Bill"]):
    UC_PATH = "unit__uc"

    def with_amount_due(self) -> BillQuerySet:
        return self.annotate(amount_due_db=F("monthly_fee") + F("arrears"))

    def status(self, *statuses: int) -> BillQuerySet:
        return self.filter(status_q(*statuses))

    def with_status(self) -> BillQuerySet:
        """The status as a column named ``status``, for ``values()``/``values_list()`` only
        (a model instance already has it as a property)."""
        return self.annotate(**{"status": status_case()})


class Bill(models.Model):
    """One bill per unit per billing month (``month`` is the 1st of the month).

    Eight columns in an order that leaves no padding: a row is 56 bytes on PostgreSQL (a
    24-byte header and 32 bytes of data; with eight columns the null bitmap fits in the
    header), so 136 rows fit a page. The status is not stored: it follows from the paid amount
    (``bill_status``, ``status_q``, ``status_case``, ``status_sql``). Which import wrote a bill
    is in the audit trail and the import's own record, not on every row.
    """

    # 17-digit e-Pay Payment Slip ID; fits a bigint.
    psid = models.BigIntegerField(_("PSID"), primary_key=True)
    unit = models.ForeignKey(
        SurveyUnit, on_delete=models.PROTECT, related_name="bills", db_index=False
    )
    month = models.DateField(_("bill month"))
    arrears = models.PositiveIntegerField(_("arrears"), default=0)
    paid_amount = models.PositiveIntegerField(_("paid amount"), default=0)
    paid_on = models.DateField(_("paid date"), null=True, blank=True)
    monthly_fee = models.PositiveSmallIntegerField(_("monthly fee"))
    channel = models.PositiveSmallIntegerField(
        _("channel"), choices=PaymentChannel.choices, default=PaymentChannel.NONE
    )

    objects = BillQuerySet.as_manager()

    class Meta:
        ordering = ["unit_id", "month"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "month"], name="bill_one_per_unit_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="bill_month_is_first"),
            models.CheckConstraint(
                condition=Q(psid__gt=0, psid__lt=10**18), name="bill_psid_range"
            ),
            # Paid fields are present if and only if something was paid.
            models.CheckConstraint(
                condition=(
                    Q(paid_amount=0, paid_on__isnull=True, channel=PaymentChannel.NONE)
                    | Q(paid_amount__gt=0, paid_on__isnull=False)
                ),
                name="bill_paid_fields_iff_paid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.psid} {self.month:%b-%Y}"

    @property
    def amount_due(self) -> int:
        return self.monthly_fee + self.arrears

    @property
    def status(self) -> int:
        return bill_status(self.paid_amount, self.amount_due)

    def get_status_display(self) -> str:
        return str(BillStatus(self.status).label)

    @property
    def balance(self) -> int:
        """What is still owed on this bill after its payment."""
        return max(0, self.amount_due - self.paid_amount)


# A bill's database columns in table order: the archive files' header and the generator's COPY.
BILL_COLUMNS = [
    "psid",
    "unit_id",
    "month",
    "arrears",
    "paid_amount",
    "paid_on",
    "monthly_fee",
    "channel",
]


class PaymentException(models.Model):
    """A payment-file row that was not applied as is: the queue supervisors work through."""

    class Kind(models.IntegerChoices):
        UNKNOWN_PSID = 1, _("Unknown PSID")
        ALREADY_PAID = 2, _("Bill already has a payment")
        BEFORE_BILL_MONTH = 3, _("Paid before the bill month")
        OVERPAID = 4, _("Paid more than the amount due")
        # Applied (money received), but the bill was waived or written off: someone checks.
        ADJUSTED_BILL = 5, _("Paid on a waived or written-off bill")
        # Paid in cash to field staff and also through e-Pay (either order): both payments are
        # shown, the resolution says whether it was refunded or carried forward as credit.
        DOUBLE_PAYMENT = 6, _("Double payment (cash and e-Pay)")

    # Null for a double payment found when cash was collected (no file).
    batch = models.ForeignKey(
        ImportBatch,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payment_exceptions",
    )
    row = models.PositiveIntegerField(_("file row"))
    kind = models.PositiveSmallIntegerField(_("problem"), choices=Kind.choices)
    psid = models.BigIntegerField(_("PSID"))
    # Null for an unknown PSID; otherwise the bill the payment names (kept if it is archived).
    bill = models.ForeignKey(
        Bill,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="payment_exceptions",
        db_constraint=False,
    )
    paid_on = models.DateField(_("paid date"))
    amount = models.PositiveIntegerField(_("paid amount"))
    channel = models.PositiveSmallIntegerField(
        _("channel"), choices=PaymentChannel.choices, default=PaymentChannel.NONE
    )
    # Whether the payment was applied to the bill anyway (an overpayment is money received).
    applied = models.BooleanField(default=False)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolution = models.CharField(_("resolution"), max_length=255, blank=True)
    # The field-cash receipt number involved in a double payment.
    receipt_number = models.CharField(_("receipt number"), max_length=32, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(
                fields=["id"], name="payexc_open_idx", condition=Q(resolved_at__isnull=True)
            )
        ]

    def __str__(self) -> str:
        return f"{self.psid} {self.get_kind_display()}"

    @property
    def is_double_payment(self) -> bool:
        return self.kind == self.Kind.DOUBLE_PAYMENT


class ArchivedMonth(models.Model):
    """A billing month whose bills were moved to a compressed file (``archive_bills``)."""

    class State(models.IntegerChoices):
        ARCHIVED = 1, _("Archived")
        RESTORED = 2, _("Restored")

    month = models.DateField(_("bill month"), unique=True)
    state = models.PositiveSmallIntegerField(choices=State.choices, default=State.ARCHIVED)
    file_key = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    bills = models.PositiveIntegerField(default=0)
    total_due = models.BigIntegerField(default=0)
    total_paid = models.BigIntegerField(default=0)
    # [first unit id, byte offset, length] of each gzip member of the file (billing/archive.py)
    blocks = models.JSONField(default=list, blank=True, editable=False)
    archived_at = models.DateTimeField(null=True, blank=True)
    restored_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["month"]

    def __str__(self) -> str:
        return f"{self.month:%b-%Y} {self.get_state_display()}"


class ArchivedUCMonth(models.Model):
    """Per union council, archived month and status: counts and sums (for reports)."""

    uc = models.ForeignKey(UnionCouncil, on_delete=models.PROTECT, related_name="+")
    month = models.DateField()
    status = models.PositiveSmallIntegerField(choices=BillStatus.choices)
    bills = models.PositiveIntegerField()
    total_fee = models.BigIntegerField()
    total_due = models.BigIntegerField()
    total_paid = models.BigIntegerField()

    class Meta:
        ordering = ["month", "uc_id", "status"]
        constraints = [
            models.UniqueConstraint(
                fields=["month", "uc", "status"], name="archived_uc_month_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.uc_id} {self.month:%b-%Y} {self.status}"


class AdjustmentKind(models.IntegerChoices):
    WAIVER = 1, _("Waiver")
    WRITE_OFF = 2, _("Write-off")
    FEE_CORRECTION = 3, _("Fee correction")
    ARREARS_CORRECTION = 4, _("Arrears correction")


class AdjustmentReason(models.IntegerChoices):
    WRONG_BUSINESS_TYPE = 1, _("Wrong business type")
    WRONG_SIZE = 2, _("Wrong size category")
    PAID_ELSEWHERE = 3, _("Payment proven elsewhere")
    COURT_ORDER = 4, _("Court order")
    HARDSHIP = 5, _("Hardship (approved by the programme)")
    CLOSED_BUSINESS = 6, _("Business closed")
    UNRECOVERABLE = 7, _("Unrecoverable")
    DUPLICATE_BILL = 8, _("Duplicate bill")
    OTHER = 9, _("Other (see the note)")


class AdjustmentStatus(models.IntegerChoices):
    REQUESTED = 0, _("Requested")
    APPROVED = 1, _("Approved")
    REJECTED = 2, _("Rejected")


class Adjustment(models.Model):
    """A correction of what a bill asks for, requested by one person and approved by another.

    Bills stay narrow (no column for adjustments): approval rewrites the bill's ``monthly_fee``
    and/or ``arrears`` to the corrected figures in one transaction, and this row keeps what they
    were before (``fee_before``, ``arrears_before``) and by how much the amount owed fell
    (``amount``; negative when a correction raises it). So, for a bill with an approved
    adjustment: original due = ``fee_before + arrears_before``, corrected due = fee + arrears,
    ``amount`` = original due − corrected due. The arithmetic (``reports/ledger.py``) counts the
    original fee as *billed* and ``amount`` as *adjusted*, which keeps
    ``opening + billed − collected − adjusted = closing`` exact.
    """

    bill = models.ForeignKey(
        Bill, on_delete=models.PROTECT, related_name="adjustments", db_constraint=False
    )
    # Copied from the bill so reports group adjustments without joining bills.
    unit = models.ForeignKey(SurveyUnit, on_delete=models.PROTECT, related_name="adjustments")
    month = models.DateField(_("bill month"))
    kind = models.PositiveSmallIntegerField(_("kind"), choices=AdjustmentKind.choices)
    reason = models.PositiveSmallIntegerField(_("reason"), choices=AdjustmentReason.choices)
    note = models.TextField(_("note"), max_length=2000)
    # Rupees by which the amount owed falls on approval (negative: it rises).
    amount = models.IntegerField(_("amount"))
    # The bill's figures asked for; the figures before are filled in on approval.
    new_fee = models.PositiveIntegerField(_("corrected monthly fee"))
    new_arrears = models.PositiveIntegerField(_("corrected arrears"))
    fee_before = models.PositiveIntegerField(null=True, blank=True)
    arrears_before = models.PositiveIntegerField(null=True, blank=True)
    proof_key = models.CharField(max_length=255, blank=True)
    status = models.PositiveSmallIntegerField(
        _("status"), choices=AdjustmentStatus.choices, default=AdjustmentStatus.REQUESTED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True, max_length=2000)
    # The ticket ("Wrong bill") this request came from, if any.
    ticket_id = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["month", "status"], name="adjustment_month_idx"),
            models.Index(fields=["unit", "month"], name="adjustment_unit_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.bill_id} Rs {self.amount}"


class DiscrepancyKind(models.TextChoices):
    """What the nightly ledger check (``billing/ledger_check.py``) compares."""

    CHAIN = "chain", _("Arrears do not follow the previous bill")
    MONTHLY_STAT = "monthly_stat", _("Month summary differs from the bills")
    TYPE_STAT = "type_stat", _("Business-type summary differs from the bills")
    UNIT_STAT = "unit_stat", _("Unit count summary differs from the units")
    ARCHIVED_UC = "archived_uc", _("Archived month summary differs from its archive totals")
    ARCHIVED_MONTH = "archived_month", _("Archive totals differ from their UC totals")
    PATTERN_STAT = "pattern_stat", _("Payment-pattern summary differs from the bills")
    FLOW_STAT = "flow_stat", _("New / closed units summary differs from a recount")


class LedgerCheck(models.Model):
    """One full run of the ledger check (``manage.py verify_ledgers``, nightly by the worker).

    ``discrepancies`` is the full count; ``by_uc`` the count per UC id (key ``"0"``: figures
    of no single UC, e.g. an archive's totals), so a manager's warning counts only their
    cities. Only the newest run keeps its listed rows (``LedgerDiscrepancy``, at most the
    run's limit)."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    discrepancies = models.PositiveIntegerField(default=0)
    by_kind = models.JSONField(default=dict, blank=True)
    by_uc = models.JSONField(default=dict, blank=True)
    listed = models.PositiveIntegerField(default=0)
    bills_checked = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["-started_at"]
        get_latest_by = "started_at"

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.discrepancies}"

    def count_for(self, ucs: frozenset[int] | None) -> int:
        """Discrepancies in the given UCs (``None``: everywhere)."""
        if ucs is None:
            return self.discrepancies
        return sum(n for uc, n in self.by_uc.items() if int(uc) in ucs)


class LedgerDiscrepancy(models.Model):
    """One listed discrepancy of the newest ``LedgerCheck``."""

    run = models.ForeignKey(LedgerCheck, on_delete=models.CASCADE, related_name="rows")
    kind = models.CharField(max_length=20, choices=DiscrepancyKind.choices)
    uc = models.ForeignKey(
        UnionCouncil,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    unit = models.ForeignKey(
        SurveyUnit,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    month = models.DateField(null=True, blank=True)
    # What was compared, e.g. "arrears" or "status=1 aging=0 fees".
    item = models.CharField(max_length=120, blank=True)
    expected = models.BigIntegerField()
    found = models.BigIntegerField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.unit_id or self.uc_id} {self.month}"
