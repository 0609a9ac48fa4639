# The INDIGO image: one image for web, worker and beat (docker-compose.yml).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
# Production packages only (no pytest, Playwright or ruff), each checked against its hash.
COPY requirements/prod.txt requirements/prod.txt
RUN pip install --no-cache-dir --require-hashes -r requirements/prod.txt
COPY . .
# Static files as production serves them (whitenoise's compressed manifest), built with a key
# used only for this step.
RUN python manage.py compile_catalogs \
 && DEBUG=false SECRET_KEY=build-only-not-a-secret-build-only-not-a-secret-0123456789 ALLOWED_HOSTS=build \
    python manage.py collectstatic --noinput
RUN useradd --system --home /app indigo && mkdir -p /app/var /srv/audit-seals /srv/private && chown indigo /app/var /srv/audit-seals /srv/private
USER indigo
EXPOSE 8000
CMD ["gunicorn", "indigo.wsgi", "--bind", "0.0.0.0:8000", "--workers", "4", "--access-logfile", "-"]
