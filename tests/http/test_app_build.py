"""Building the app warns of nothing Litestar deprecates (docs/decisions.md, explicit parameters).

Litestar 2.25 warns once per handler parameter whose source it has to infer
(a path parameter, the ``actor`` dependency, the ``data`` body), and 3.0 stops
inferring. The app is built in a fresh interpreter so that warnings raised while
b2a and Litestar are imported count too, not only those of registering routes.
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUILD = """
import sys, warnings
warnings.simplefilter("error", DeprecationWarning)  # LitestarDeprecationWarning is one
warnings.simplefilter("error", PendingDeprecationWarning)
from litestar.exceptions import LitestarDeprecationWarning, LitestarWarning
assert issubclass(LitestarDeprecationWarning, DeprecationWarning)
warnings.simplefilter("error", LitestarWarning)
from b2a.server.app import create_app
from b2a.settings import load_settings
app = create_app(load_settings({"B2A_HOME": sys.argv[1]}))
assert app.route_handler_method_map, "no routes were registered"
"""


def test_building_the_app_warns_of_nothing_litestar_deprecates(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", BUILD, str(tmp_path)],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-3000:]
