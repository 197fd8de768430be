from suthra.testing.access import Case

# Notifications are personal, not geographic: everyone reaches their own list; marking someone
# else's notification read is a 404 (tested in notifications/tests).
CASES = [
    Case("notifications:list", "ANY"),
    Case("notifications:read_all", "ANY", method="post", ok=(302,)),
    Case("notifications:read", "ANY", method="post", data={"id": "999999"}, ok=(404,)),
]
