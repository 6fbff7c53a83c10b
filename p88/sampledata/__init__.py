"""Sample race data bundled with p88 (see each folder's README.md and LICENSE-NOTE.md)."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

_21ROTM_FOLDER = "ctp01-21rotm"


def race_21rotm_path() -> Path:
    """Folder of the real 21ROTM controller files (one sub-folder per timing point).

    Resolved through importlib.resources so it also works from an installed wheel; the
    package is never zipped (hatch installs plain files), so a real Path is always available.
    """
    resource = files(__name__).joinpath(_21ROTM_FOLDER)
    path = Path(str(resource))
    if not path.is_dir():
        # Fall back on the module's own folder, e.g. when resources are shadowed by a loader.
        path = Path(__file__).resolve().parent / _21ROTM_FOLDER
    return path
