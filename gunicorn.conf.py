"""Gunicorn settings of the web servers (`make run`, `make run-cluster`, the Procfile).

Gunicorn reads this file by itself when started from the repository root; the commands
name it anyway (``-c gunicorn.conf.py``). Every value can be overridden from the
environment (the names beside each), and flags on the command line override both.

Two ways to run, one file:

* embedded (`make run`: SQLite, no ``CELERY_BROKER_URL``): long work (jobs) runs in a few
  threads of each web worker process (``subsidy_app/jobs/engine.py``);
* scaled out (`make run-cluster`, the Procfile): several of these servers behind a proxy,
  jobs on Celery workers, one scheduler; the web processes only answer requests.
"""

from __future__ import annotations

import logging
import os
import random
import threading
import time

_embedded = not os.environ.get("CELERY_BROKER_URL")

wsgi_app = "subsidy_app:create_app()"

# 127.0.0.1 unless told otherwise: in production a reverse proxy (TLS, static files, slow
# clients) sits in front and is the only thing that talks to gunicorn. PORT is also what
# honcho and most process managers hand each process.
bind = [
    os.environ.get("GUNICORN_BIND")
    or f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}"
]

# Threads, not processes alone, nor an event loop: a request spends most of its time waiting
# on the database (and argon2 and PDF rendering release the GIL), so a few threads per
# process serve several requests at once at a fraction of the memory of more processes;
# gevent would need every library (psycopg, sqlite3, argon2) to cooperate with its loop.
worker_class = "gthread"
# Processes: one per core is enough with threads (the machines have two). WEB_CONCURRENCY is
# the conventional name (gunicorn reads it by itself too).
workers = int(os.environ.get("WEB_CONCURRENCY", 2))
threads = int(os.environ.get("GUNICORN_THREADS", 4))

# Each worker imports the application after the fork (preload off): no database connection,
# no job executor thread and no Redis connection is ever shared by two processes, so no
# post_fork hook has to close them. The price is a few megabytes per worker, and a bad
# deploy failing in the workers rather than in the master.
preload_app = False

# A request that takes a minute is a bug now: everything long (bulk approvals, exports,
# reports, verification, draws) is a job that answers 202 at once, and the longest requests
# left (an upload of MAX_CONTENT_LENGTH, a single PDF) take seconds. A worker silent for
# this long is stuck and is killed and replaced.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))
# On SIGTERM (a deploy, a restart) each worker stops accepting and gets this long to finish
# the requests it is in the middle of; then it is killed. Jobs running in its threads
# (embedded mode) get the same time: Python waits for them when the worker exits. A job
# still running then dies between two commits: its current chunk is rolled back by the
# database, and the job is taken up again (see post_worker_init below).
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", 30))
# A browser loads a page's CSS, script and font right after it, on the same connection;
# the proxy in front reuses its connections too. gthread parks idle connections in its
# poller (they hold no thread), so five seconds cost nothing.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", 5))

# Replace a worker after this many requests (jitter: not all at once), as a bound on slow
# memory growth (PDF and spreadsheet libraries). Off in embedded mode, where a worker also
# runs jobs: recycling it would interrupt them every thousand requests.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 0 if _embedded else 1000))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", 0 if _embedded else 100))

# Nobody may set the scheme by header at gunicorn's level: the application decides whom
# to believe (TRUSTED_PROXIES: X-Forwarded-For and -Proto of that many proxies, applied by
# ProxyFix), so there is one place to configure, and a local client cannot claim HTTPS.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "")

# One line per request on standard output (the process manager or journald keeps it), with
# how long it took in milliseconds (%(M)s) and the worker's pid (%(p)s) to tell servers
# and workers apart. No query string secrets: tokens travel in the Authorization header.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
access_log_format = '%(h)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s" %(p)s'
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
proc_name = "subsidy"
# Gunicorn 25+ opens a control socket for gunicornc at one path per user
# ($XDG_RUNTIME_DIR/gunicorn.ctl or ~/.gunicorn/gunicorn.ctl): two servers on one machine
# (the Procfile's web1 and web2, the tests' servers) would take it from one another. Off
# unless a path of this server's own is given; signals (HUP, TERM, TTIN, TTOU) do the same.
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET") or "gunicorn.ctl"
control_socket_disable = not os.environ.get("GUNICORN_CONTROL_SOCKET")
# The workers' heartbeat files on tmpfs where there is one: a slow or full disk must not
# make the master think its workers hung.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None


# --- hooks ----------------------------------------------------------------------------------
#
# post_worker_init: embedded mode only. A job runs in the thread of one web worker; if that
# worker dies (killed for a timeout, out of memory, a restart that outlasted
# graceful_timeout), the job's row stays "running" with an old heartbeat. With a broker,
# `subsidy scheduler` requeues such jobs every 30 seconds; `make run` runs no scheduler, so
# each web worker looks for them itself, every JOB_STALE_SECONDS / 2, and resumes them after
# their last committed chunk (or fails them after JOB_MAX_ATTEMPTS). It is a conditional
# UPDATE, so several workers looking at once is harmless.
#
# worker_exit: none. Python already waits for a job's thread when the worker exits, and the
# master kills the worker after graceful_timeout; waiting longer would hold up every
# restart behind the longest job, and stopping jobs early would only make them resume
# sooner elsewhere, not keep more of their work (each chunk commits on its own).


def post_worker_init(worker):
    app = getattr(worker, "wsgi", None)
    if not hasattr(app, "app_context") or app.config.get("JOBS_EAGER"):
        return
    if app.config.get("CELERY_BROKER_URL"):
        return  # the scheduler (Celery beat) recovers lost jobs, exactly once
    every = max(5, min(30, app.config.get("JOB_STALE_SECONDS", 60) // 2))
    threading.Thread(target=_recover_lost_jobs, args=(app, every), name="job-recovery", daemon=True).start()


def _recover_lost_jobs(app, every: int) -> None:
    # imported in the worker, not when the master reads this file (preload is off)
    from subsidy_app.jobs.operations import recover_stale  # noqa: PLC0415

    log = logging.getLogger("subsidy_app.jobs")
    time.sleep(random.uniform(1, every))  # the workers of one server do not look in step
    while True:
        try:
            with app.app_context():
                found = recover_stale()
            if any(found.values()):
                log.warning("jobs whose worker stopped: %s", found)
        except Exception:
            log.exception("looking for jobs whose worker stopped failed")
        time.sleep(every)
