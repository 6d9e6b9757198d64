"""Imported first by every bench script: moves bench/ from the front of sys.path to its end.

Python puts a script's folder first on sys.path, so bench/http.py would stand in for the standard
library's http package (and break http.client, urllib, Flask...). At the end, bench/'s own
modules (common, generate) are still found.
"""

import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE] + [str(_HERE)]
