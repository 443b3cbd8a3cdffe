"""The middleware's payment side: the gateway adapter interface (``gateway``) and its HTTP
implementation (``http_gateway``), the sandbox gateway (``sandbox`` with ``sandbox_state``),
RPC request parsing (``requests``), the canonical transaction record (``records``), the RPC
handler (``rpc``), the status view of old authorizations (``report``) and the 24-hour rule's
sweeper (``expiry``). See docs/payments.md.
"""
