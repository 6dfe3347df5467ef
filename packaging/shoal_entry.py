"""Entry script for the frozen (PyInstaller) `shoal` binary: the same main() as the pip-installed command."""
import multiprocessing
import sys

from desktop_app.cli import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # harmless if nothing forks; required if a library ever spawns workers
    sys.exit(main())
