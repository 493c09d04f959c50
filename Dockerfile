# prison-to-probation-update: `ptpu serve` on python:3.11-slim, as a non-root user.

FROM python:3.11-slim AS build
WORKDIR /build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
COPY pyproject.toml ./
COPY src ./src
# The development sandbox (simulators, AWS emulator wiring) is not part of the production image.
RUN rm -rf src/ptpu_sandbox && pip wheel --no-deps --wheel-dir /wheels .

FROM python:3.11-slim
ARG BUILD_NUMBER=local
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    BUILD_NUMBER=${BUILD_NUMBER} \
    SERVER_ADDRESS=0.0.0.0 \
    SERVER_PORT=8080 \
    LOG_FORMAT=json \
    TZ=Europe/London
# TZ as the existing service's image: log times read as its did. The stored createdDate / processedDate
# are Europe/London wall-clock time whatever TZ says (ptpu_core.models.service_time).
RUN groupadd --system --gid 2000 appgroup \
    && useradd --system --uid 2000 --gid appgroup --no-create-home --shell /usr/sbin/nologin appuser
COPY --from=build /wheels /wheels
RUN pip install "$(ls /wheels/ptpu-*.whl)[service]" && rm -rf /wheels
USER 2000
EXPOSE 8080
# No curl in slim images: ask Python. Any non-2xx or connection error fails the check.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health/ping' % os.environ.get('SERVER_PORT', '8080'), timeout=3)"
# exec form: ptpu is PID 1 and receives SIGTERM itself, so it drains and exits 0.
ENTRYPOINT ["ptpu"]
CMD ["serve"]
