from __future__ import annotations

from django_tasks import task

from suthra.billing.ledger_check import ledger_check_run


@task()
def verify_ledgers_task() -> int:
    """Nightly: the full ledger check, stored for the dashboard (``billing/ledger_check.py``)."""
    run, _result = ledger_check_run()
    return run.discrepancies
