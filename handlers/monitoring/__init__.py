"""Monitoring on the Telegram side: the process's HTTP server and what feeds the metrics.

``server``: ``/healthz`` and ``/metrics`` (and the webhook, in webhook mode), started in
post_init and stopped at shutdown; ``instruments``: the Application that counts each update
and the HTTP transport that notes each successful Bot API request; ``webhook``: running the
bot with that server as its webhook.
"""
