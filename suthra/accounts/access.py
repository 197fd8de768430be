from suthra.core.access import Case

CASES = [
    Case("accounts:login", "PUBLIC", ok=(200, 302)),
    Case("accounts:logout", "PUBLIC", method="post", ok=(302,)),
]
