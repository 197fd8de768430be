import pytest

from suthra.sms.tests.gateway_server import GatewayServer, configure


@pytest.fixture
def gateway(settings):
    """A real local HTTP gateway, with the HTTP backend pointed at it."""
    server = GatewayServer().start()
    configure(settings, server)
    yield server
    server.stop()
