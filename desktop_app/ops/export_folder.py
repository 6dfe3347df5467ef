"""The folder an export lands in: a manifest of what Shoal wrote, and replacing only what Shoal wrote.

Every export carries `.shoal-export.json` (project id, format, every file and folder it wrote). An
existing folder is replaced only when it is empty, or holds nothing but a previous Shoal export
(its manifest lists every entry, and no entry is a link or a special file), and never when it holds
(or lies inside) the project, its cache or its source. The new export is built in a hidden sibling
`.NAME.partial-PID-*` and swapped in with one atomic `renameat2(RENAME_EXCHANGE)`, so an interrupted
replace leaves the old export or the new one; hidden folders a killed export left are removed (or
put back) by the next export into the same place (git's rule: never follow or clobber what we did
not create)."""
from __future__ import annotations

import ctypes
import errno
import json
import os
import shutil
import stat
import tempfile
import time
from pathlib import Path

from desktop_app.errors import ShoalError

MANIFEST = ".shoal-export.json"
MAX_MANIFEST = 64 << 20


# ---- what a folder holds ---------------------------------------------------------------------------
def entries(folder: Path) -> tuple[set[str], set[str], str | None]:
    """(files, folders, first odd entry) under folder, never following a link."""
    files: set[str] = set()
    dirs: set[str] = set()
    stack = [(folder, "")]
    while stack:
        here, rel = stack.pop()
        with os.scandir(here) as it:
            for e in it:
                name = f"{rel}{e.name}"
                if e.is_symlink():
                    return files, dirs, name
                if e.is_dir(follow_symlinks=False):
                    dirs.add(name)
                    stack.append((Path(e.path), name + "/"))
                elif e.is_file(follow_symlinks=False):
                    files.add(name)
                else:
                    return files, dirs, name
    return files, dirs, None


def read_manifest(folder: Path) -> dict | None:
    path = folder / MANIFEST
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        raw = f.read(MAX_MANIFEST + 1)
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or data.get("shoal_export") != 1:
        return None
    return data


def write_manifest(folder: Path, fmt: str | None, project_id: str | None, partial: bool = False) -> None:
    files, dirs, odd = entries(folder)
    if odd:
        raise ShoalError(f"the export wrote a link or special file ({odd}); nothing was replaced")
    files.discard(MANIFEST)
    body = {"shoal_export": 1, "format": fmt, "project_id": project_id, "partial": partial,
            "written_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "files": sorted(files), "folders": sorted(dirs)}
    fd = os.open(folder / MANIFEST, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(body, f, indent=1)


def own_export_problem(folder: Path) -> str | None:
    """None when folder holds only a Shoal export (every entry listed by its manifest); else why not."""
    manifest = read_manifest(folder)
    if manifest is None:
        return "holds no valid .shoal-export.json, so it is not a Shoal export"
    listed_files = manifest.get("files")
    listed_dirs = manifest.get("folders")
    if not (isinstance(listed_files, list) and isinstance(listed_dirs, list)):
        return "its .shoal-export.json is damaged, so it is not a Shoal export"
    files, dirs, odd = entries(folder)
    if odd:
        return f"holds {odd!r}, a link or special file Shoal did not write"
    files.discard(MANIFEST)
    extra = sorted(files - set(listed_files)) or sorted(dirs - set(listed_dirs))
    if extra:
        return f"holds {extra[0]!r}, which the Shoal export did not write"
    return None


# ---- where an export may go --------------------------------------------------------------------------
def _inside(child: Path, parent: Path) -> bool:
    return child == parent or parent in child.parents


def check_out(out: Path, overwrite: bool, protected: list[Path], folders_of_items: list[Path]) -> bool:
    """Refuse (ShoalError, nothing touched) an `out` Shoal may not write or replace.
    Returns True when out exists and will be replaced."""
    if out.is_symlink():
        raise ShoalError(f"{out} is a symbolic link; give the folder itself (Shoal does not replace links)")
    if not out.exists():
        if not out.parent.is_dir():
            raise ShoalError(f"folder {out.parent} does not exist")
        return False
    if not out.is_dir():
        raise ShoalError(f"{out} exists and is not a folder; pick another place")
    real = Path(os.path.realpath(out))
    for p in protected:
        if _inside(Path(os.path.realpath(p)), real):
            raise ShoalError(f"{out} holds the project's own files ({p}); Shoal will never replace it: "
                             "pick a new folder for the export")
    for p in folders_of_items:
        if _inside(real, Path(os.path.realpath(p))):
            raise ShoalError(f"{out} is inside {p}, which holds the project's files; Shoal will never replace "
                             "it: pick a new folder for the export")
    try:
        empty = not any(os.scandir(out))
    except OSError as e:
        raise ShoalError(f"cannot read {out}: {e.strerror or e}") from None
    if empty:
        return True
    problem = own_export_problem(out)
    if problem:
        raise ShoalError(f"{out} is not empty and {problem}; Shoal only replaces its own exports: "
                         "pick a new or empty folder")
    if not overwrite:
        raise ShoalError(f"{out} holds a previous Shoal export; pass --overwrite (in the app: tick "
                         "\"Replace the folder\") to replace it")
    return True


# ---- building and swapping -------------------------------------------------------------------------------
def new_partial(out: Path) -> Path:
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-{os.getpid()}-", dir=out.parent))
        os.chmod(tmp, 0o777 & ~_umask())  # the export is a normal folder once in place (mkdtemp makes it 0700)
        write_manifest(tmp, None, None, partial=True)  # marks it as ours, for the cleaner
    except OSError as e:
        raise ShoalError(f"cannot write in {out.parent}: {e.strerror or e}") from None
    return tmp


def _umask() -> int:
    """The process umask, read without setting it (os.umask would change it for every thread meanwhile)."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return 0o022


_RENAME_NOREPLACE, _RENAME_EXCHANGE = 1, 2


def _renameat2(src: Path, dst: Path, flags: int) -> bool:
    """Linux renameat2; False when the system or file system lacks it."""
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if fn(-100, os.fsencode(src), -100, os.fsencode(dst), flags) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(dst))


def put_in_place(tmp: Path, out: Path, replace: bool) -> None:
    """Move the finished export `tmp` to `out`: atomically swapped with the old export, if any."""
    if replace and out.exists():
        if _renameat2(tmp, out, _RENAME_EXCHANGE):
            remove(tmp)  # tmp now holds the old export
            return
        trash = out.parent / f".{out.name}.old-{os.getpid()}"
        os.rename(out, trash)  # a kill here is undone by the next export (restore_or_clean)
        os.rename(tmp, out)
        remove(trash)
        return
    if not _renameat2(tmp, out, _RENAME_NOREPLACE):
        if out.exists():
            raise FileExistsError(errno.EEXIST, "appeared during the export", str(out))
        os.rename(tmp, out)


def remove(folder: Path) -> None:
    """Delete one of our export folders, its manifest last: a kill part-way leaves a folder that is
    still recognisably ours, so the next export finishes the job. A folder without our manifest (the
    empty folder an export replaced) is only removed while empty."""
    if read_manifest(folder) is None:
        try:
            os.rmdir(folder)
        except OSError:
            pass
        return
    try:
        with os.scandir(folder) as it:
            for e in it:
                if e.name == MANIFEST:
                    continue
                if e.is_dir(follow_symlinks=False):
                    shutil.rmtree(e.path, ignore_errors=True)
                else:
                    os.unlink(e.path)
        os.unlink(folder / MANIFEST)
        os.rmdir(folder)
    except OSError:
        pass


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def clean_stale(out: Path) -> None:
    """Hidden folders a killed export into `out` left behind: an old export is put back when `out` is
    missing, anything else of ours (manifest inside) is removed. Others' files are never touched."""
    try:
        names = os.listdir(out.parent)
    except OSError:
        return
    for name in sorted(names, key=lambda n: ".old-" not in n):  # restore before removing
        for tag in (".partial-", ".old-"):
            if not name.startswith(f".{out.name}{tag}"):
                continue
            pid = name[len(out.name) + 1 + len(tag):].split("-")[0]
            path = out.parent / name
            if not pid.isdigit() or _alive(int(pid)) or path.is_symlink() or not path.is_dir():
                continue
            manifest = read_manifest(path)
            if manifest is None:  # killed before its marker was complete: only an empty folder (or the marker)
                try:
                    names_inside = os.listdir(path)
                    if set(names_inside) <= {MANIFEST} and not os.path.islink(path / MANIFEST):
                        for n in names_inside:
                            os.unlink(path / n)
                        os.rmdir(path)
                except OSError:
                    pass
                continue
            if tag == ".old-" and not out.exists() and not manifest.get("partial"):
                os.rename(path, out)
            else:
                remove(path)
