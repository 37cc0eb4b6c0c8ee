"""What a running server tells its operators: one log line per request (`requests`, `logs`)
and Prometheus metrics (`metrics`).

Nothing here is imported at the package's import: `reachout serve` must set
PROMETHEUS_MULTIPROC_DIR before prometheus-client is first imported (it chooses its storage
then), and only `metrics` imports it.
"""
