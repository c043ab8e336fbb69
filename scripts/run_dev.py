"""Run the web app and a background worker together, for `make run`.

Without REDIS_URL the worker uses the embedded filesystem broker under var/, so background
tasks run outside the request with nothing else installed. Ctrl-C stops both.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def main() -> int:
    address = os.environ.get("BREACHTRACKER_ADDRESS", "127.0.0.1:8000")
    var = Path(os.environ.get("BREACHTRACKER_VAR_DIR") or ROOT / "var")
    var.mkdir(exist_ok=True)
    worker = subprocess.Popen(
        [str(BIN / "celery"), "-A", "breachtracker", "worker", "-B", "--loglevel", "warning",
         "--pool", "prefork", "--concurrency", "2", "--schedule", str(var / "celerybeat-schedule")],
        cwd=ROOT,
    )
    print(f"\nbreachtracker is starting at http://{address}/  (Ctrl-C stops it)\n", flush=True)
    web = subprocess.Popen([sys.executable, "manage.py", "runserver", address], cwd=ROOT)
    try:
        return web.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        for process in (web, worker):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in (web, worker):
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


if __name__ == "__main__":
    sys.exit(main())
