# syntax=docker/dockerfile:1
# One image, every process a different command (docker/entrypoint.sh):
#   docker build -t complaint-desk:0.1.0 .
#   docker run --env-file prod.env complaint-desk:0.1.0 web        # or worker, beat, scheduler,
#   docker run --env-file prod.env complaint-desk:0.1.0 migrate    # relay, migrate, manage <command>
# See docs/deploy.md.

# Any Debian bookworm image with Python 3.11 as "python" and its venv module will do; the image
# tests build one from Debian's archive (tests/deploy/tools.py).
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- build: a virtualenv with the dependencies, the source, collected static files.
FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /app

# Dependencies first, from pyproject.toml alone: this layer is rebuilt only when they change.
# Behind a proxy that re-signs TLS, pass its certificate authorities as a build secret
# (--secret id=ca_bundle,src=/etc/ssl/certs/ca-certificates.crt): pip trusts them for this
# step only, and nothing of them stays in the image.
COPY pyproject.toml ./
RUN --mount=type=secret,id=ca_bundle,target=/run/secrets/ca_bundle \
    python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && if [ -s /run/secrets/ca_bundle ]; then export PIP_CERT=/run/secrets/ca_bundle; fi \
    && pip install --requirement /tmp/requirements.txt

COPY manage.py Procfile ./
COPY docker/entrypoint.sh ./docker/entrypoint.sh
COPY config ./config
COPY tenants ./tenants
COPY hotline ./hotline
COPY dealers ./dealers
COPY parts_tickets ./parts_tickets
COPY notifications ./notifications
COPY live ./live

# WhiteNoise serves a hashed manifest built here. Production settings refuse to load without
# their secrets, so the build gives placeholders; collectstatic opens no connection.
RUN DJANGO_SETTINGS_MODULE=config.settings.production \
    SECRET_KEY=collectstatic-at-build-time-only-not-a-secret \
    SMS_REPLY_SECRET=collectstatic-at-build-time-only-not-a-secret \
    DATABASE_URL=postgresql://build@127.0.0.1:1/build \
    REDIS_URL=redis://127.0.0.1:1/0 \
    python manage.py collectstatic --noinput --verbosity 0 \
    && python -m compileall -q /app \
    && python -m pip uninstall --yes pip

# --- runtime: the interpreter, the virtualenv and the application; no compiler, no pip.
FROM ${PYTHON_IMAGE} AS runtime
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="complaint-desk" \
      org.opencontainers.image.description="Complaint work orders between a car maker's hotline and its dealers" \
      org.opencontainers.image.version="${VERSION}"
# Nothing installs packages at run time: the base's pip goes (python:3.11-slim has one), and
# so do the wheels from which ensurepip would bring it back; the build fails if pip remains.
RUN if python -m pip --version >/dev/null 2>&1; then \
        PIP_ROOT_USER_ACTION=ignore python -m pip uninstall --yes pip setuptools wheel; \
    fi \
    && rm -rf /usr/local/lib/python3*/ensurepip/_bundled /usr/share/python-wheels \
    && ! python -c "import pip" 2>/dev/null \
    && groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin app
ENV PATH=/opt/venv/bin:$PATH \
    HOME=/tmp \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    WEB_HOST=0.0.0.0 \
    WEB_PORT=8000
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
WORKDIR /app
# Files stay root's and read-only to the process: the root filesystem can be mounted read-only.
USER 10001:10001
EXPOSE 8000
ENTRYPOINT ["/app/docker/entrypoint.sh"]
CMD ["web"]
