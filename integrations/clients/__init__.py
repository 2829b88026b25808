"""One client per bank back-end, each behind a `typing.Protocol` so journeys can be given a fake
that forces a failure, and each speaking HTTP through `integrations.http.BankHttp`."""

from integrations.clients.branch import BookingApi, DevicesApi, HttpBookingClient, HttpDevicesClient
from integrations.clients.customers import CustomersApi, HttpCustomersClient
from integrations.clients.orders import HttpOrdersClient, OrdersApi
from integrations.clients.risk import HttpRiskClient, RiskApi
from integrations.clients.sandbox import SandboxControl
from integrations.clients.transactions import HttpTransactionsClient, TransactionsApi, new_idempotency_key
from integrations.clients.verification import HttpVerificationClient, VerificationApi

__all__ = [
    "BookingApi",
    "CustomersApi",
    "DevicesApi",
    "HttpBookingClient",
    "HttpCustomersClient",
    "HttpDevicesClient",
    "HttpOrdersClient",
    "HttpRiskClient",
    "HttpTransactionsClient",
    "HttpVerificationClient",
    "OrdersApi",
    "RiskApi",
    "SandboxControl",
    "TransactionsApi",
    "VerificationApi",
    "new_idempotency_key",
]
