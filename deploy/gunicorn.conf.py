"""gunicorn settings for Kataloh behind a reverse proxy (see docs/production.md).

    gunicorn --config deploy/gunicorn.conf.py 'catalog:create_app()'

Settings given on the command line win over these (e.g. --bind, --workers).
"""

import multiprocessing
import os

# Only the reverse proxy on this machine talks to gunicorn.
bind = os.environ.get("KATALOH_BIND", "127.0.0.1:8000")
# Two cores here: 2-4 workers; each worker is a process with its own database connections.
workers = int(os.environ.get("KATALOH_WORKERS", min(4, 2 * multiprocessing.cpu_count())))
threads = int(os.environ.get("KATALOH_THREADS", 2))
# Create the app once before forking: one secret key, one config read, faster worker starts.
preload_app = True
# Large imports and reports run as background jobs; requests stay short.
timeout = 120
graceful_timeout = 30
keepalive = 5
# Trust X-Forwarded-Proto from the proxy on this machine only (https URLs, secure cookies).
forwarded_allow_ips = os.environ.get("KATALOH_PROXY_IPS", "127.0.0.1,::1")
accesslog = "-"
errorlog = "-"
loglevel = "info"
# Recycle workers now and then (bounded memory growth in long runs).
max_requests = 5000
max_requests_jitter = 500
