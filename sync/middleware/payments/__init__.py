"""The middleware's payment side: the gateway adapter interface (``gateway``) and its HTTP
implementation (``http_gateway``), the sandbox gateway (``sandbox`` with ``sandbox_state``),
RPC request parsing (``requests``), the canonical transaction record (``records``), the RPC
handler (``rpc``) and the status view of old authorizations (``report``). See docs/payments.md.
"""
