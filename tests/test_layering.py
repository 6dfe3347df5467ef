"""core/ and store/ never import Qt (the layering rule of the architecture guide)."""
import subprocess
import sys
from pathlib import Path

import desktop_app

PKG = Path(desktop_app.__file__).parent


def _modules(sub: str) -> list[str]:
    out = []
    for p in sorted((PKG / sub).rglob("*.py")):
        rel = p.relative_to(PKG.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out.append(".".join(parts))
    return out


def test_core_store_ops_import_without_qt():
    mods = _modules("core") + _modules("store") + _modules("ops")
    code = f"""
import sys, importlib.abc
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split('.')[0] in ('PySide6', 'shiboken6', 'pyqtgraph', 'superqt', 'PyQt5', 'PyQt6'):
            raise ImportError('Qt is not allowed below desktop_app/qt: ' + name)
sys.meta_path.insert(0, Block())
import importlib
for m in {mods!r}:
    importlib.import_module(m)
print('ok', len({mods!r}))
"""
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("ok")


def test_no_pickle_in_package():
    for p in PKG.rglob("*.py"):
        text = p.read_text(encoding="utf-8")
        assert "import pickle" not in text and "allow_pickle=True" not in text, p
