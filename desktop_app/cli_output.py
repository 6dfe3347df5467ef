"""What every `shoal` command prints with: JSON on stdout (its own module, so command modules never import
desktop_app.cli, which imports them)."""
from __future__ import annotations

import json
import sys


def print_json(obj) -> None:
    json.dump(obj, sys.stdout, indent=1, ensure_ascii=False, default=str)
    sys.stdout.write("\n")
