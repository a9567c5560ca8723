"""Monitoring: the process's metrics and its health checks (``/metrics``, ``/healthz``).

The lowest feature: it reads the outbox table through ``models`` and the process's own state,
and imports no other feature. The features count what they do through the callbacks they are
handed (``Metrics.count_send``, ``Metrics.planner_run``); the HTTP server is in
``handlers/monitoring``.
"""
