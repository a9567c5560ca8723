# Lotse in a container: `lotse migrate`, then `lotse run` (long polling, or the webhook when
# LOTSE_WEBHOOK_URL is set), as an unprivileged user. Configuration: README, "Running it for a
# town or a county"; compose.yaml runs it with PostgreSQL.

FROM python:3.11-slim-bookworm AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot bot
COPY handlers handlers
COPY models models
COPY locales locales
# Every dependency has a binary wheel for this platform: no compiler is needed.
RUN python -m venv /opt/lotse \
    && /opt/lotse/bin/pip install --no-cache-dir --disable-pip-version-check .

FROM python:3.11-slim-bookworm
RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/lotse --create-home lotse
COPY --from=build /opt/lotse /opt/lotse
COPY lotse.example.toml /etc/lotse/lotse.example.toml
# Mount the real configuration at /etc/lotse/lotse.toml; the secrets (TELEGRAM_BOT_TOKEN,
# LOTSE_AUDIT_KEY) come from the environment, never from the image.
ENV PATH=/opt/lotse/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    LOTSE_CONFIG=/etc/lotse/lotse.toml \
    DATABASE_URL=sqlite:////var/lib/lotse/lotse.db \
    LOTSE_HEALTH_LISTEN=0.0.0.0:8080
USER 10001:10001
WORKDIR /var/lib/lotse
VOLUME ["/var/lib/lotse"]
EXPOSE 8080
# /healthz answers on LOTSE_HEALTH_LISTEN when polling, on LOTSE_LISTEN with a webhook.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; webhook = os.environ.get('LOTSE_WEBHOOK_URL'); listen = os.environ.get('LOTSE_LISTEN') or '0.0.0.0:8443' if webhook else os.environ['LOTSE_HEALTH_LISTEN']; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % listen.rpartition(':')[2], timeout=4)"]
CMD ["sh", "-c", "lotse migrate && exec lotse run"]
