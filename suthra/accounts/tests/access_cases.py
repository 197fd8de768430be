"""Access-matrix cases for the accounts app (see suthra/testing/access.py).

Staff members are not geographic objects, so staff URLs use ``scoped=False``: HEAD may act on any
account, every other role gets 403.
"""

from suthra.testing.access import Case


def _agent_a(world):
    return {"pk": world.agent_a.pk}


CASES = [
    Case("accounts:login", "PUBLIC", ok=(200, 302)),
    Case("accounts:logout", "PUBLIC", method="post", ok=(302,)),
    Case("accounts:password_change", "ANY"),
    Case("accounts:password_reset", "PUBLIC"),
    Case("accounts:password_reset_done", "PUBLIC"),
    Case(
        "accounts:password_reset_confirm",
        "PUBLIC",
        obj=lambda w: {"uidb64": "MQ", "token": "bad-token"},
        scoped=False,
        note="an invalid link shows 'this link is no longer valid'",
    ),
    Case("accounts:password_reset_complete", "PUBLIC"),
    Case("accounts:otp_setup", "ANY"),
    Case("accounts:otp_verify", "ANY", ok=(302,), note="no device yet: sent to enrolment"),
    Case("accounts:otp_disable", "ANY", method="post", ok=(302,)),
    Case("accounts:staff_list", "HEAD"),
    Case("accounts:staff_create", "HEAD"),
    Case("accounts:staff_uc_options", "HEAD", data=lambda w: {"city": w.lahore.pk}),
    Case("accounts:staff_detail", "HEAD", obj=_agent_a, scoped=False),
    Case("accounts:staff_edit", "HEAD", obj=_agent_a, scoped=False),
    Case(
        "accounts:staff_set_active",
        "HEAD",
        obj=_agent_a,
        scoped=False,
        method="post",
        data={"active": "0"},
        ok=(302,),
    ),
    Case(
        "accounts:staff_reset_password",
        "HEAD",
        obj=_agent_a,
        scoped=False,
        method="post",
        data={"password": "a-fresh-temporary-77"},
        ok=(302,),
    ),
    Case("accounts:staff_unlock", "HEAD", obj=_agent_a, scoped=False, method="post", ok=(302,)),
    Case(
        "accounts:staff_end_sessions", "HEAD", obj=_agent_a, scoped=False, method="post", ok=(302,)
    ),
    Case("accounts:staff_reset_otp", "HEAD", obj=_agent_a, scoped=False, method="post", ok=(302,)),
    Case("accounts:audit_log", "HEAD"),
]
