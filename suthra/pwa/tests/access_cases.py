from suthra.testing.access import Case

CASES = [
    Case("pwa:sw", "PUBLIC"),
    Case("pwa:manifest", "PUBLIC"),
    Case("pwa:offline", "PUBLIC"),
    Case("pwa:queue", "ANY"),
    Case("pwa:language", "PUBLIC", method="post", data={"language": "en", "next": "/"}, ok=(302,)),
]
