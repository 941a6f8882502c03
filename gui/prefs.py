"""What the window remembers between launches (QSettings, one INI file in the user's
configuration folder, ``~/.config/Basin/basin.ini`` on Linux): geometry and docks, zoom, theme,
the layout, the last scenario and the scenario folder chosen in the window, the controls
(landscape, racers with their hyperparameters and schedules, start, steps), the network view's
controls (its setup, racers, run and plane), the model shown (two weights or a network) and the
landscape view (contour, 3D or both, and the 3D camera); ``gui.file_menu`` keeps the last folder
and the recent sessions there too. :func:`user_settings` is the one place
that names the file, and the application's names (``gui.app``) are the same.

Everything read back is checked: a value of the wrong type, out of range or naming a
landscape or optimizer that no longer exists is dropped (the default takes its place), and
the reason is kept in :attr:`Prefs.problems` for the status bar. Nothing read is ever
evaluated: the controls are stored as JSON of plain numbers and strings. The network view's
controls are kept as a network session (``gui.session``, read by its checks); one that does not
read, or a model that is not one, gives the defaults without a word.

Tests point QSettings at a temporary folder (``tests/gui/conftest.py``): they never read or
write the user's own settings.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from gui.netstate import NetSettings
from gui.settings import Settings, settings_from_dict, settings_to_dict

LAYOUTS = ("wide", "compact")
LANDSCAPE_VIEWS = ("contour", "3d", "both")  # the contour plot, the 3D surface in its place, or both
ORGANIZATION = "Basin"  # the settings folder, and the application's organisation (gui.app)
APPLICATION = "basin"  # the settings file in it, and the application's name


def user_settings() -> QSettings:
    """Basin's settings file (tests point Qt's settings folders at a temporary one)."""
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION)


class Prefs:
    """Typed access to the remembered values."""

    def __init__(self, store: QSettings | None = None) -> None:
        if store is None:  # one file for everything Basin remembers (the export folders too)
            store = user_settings()
        self.store = store
        self.problems: list[str] = []

    @property
    def path(self) -> str:
        return self.store.fileName()

    # -- plain values ----------------------------------------------------------------------
    def _get(self, key: str, default: object = None) -> object:
        return self.store.value(key, default)

    def _one_of(self, key: str, choices, default):
        """The value under ``key`` if it is one of ``choices`` (names), else ``default``."""
        name = self._get(key, default)
        return name if isinstance(name, str) and name in choices else default

    def _float(self, key: str, default: float) -> float:
        try:
            return float(self._get(key, default))
        except (TypeError, ValueError):
            return default

    @property
    def zoom(self) -> float:
        from gui.look import clamp_zoom

        return clamp_zoom(self._float("look/zoom", 1.0))

    @zoom.setter
    def zoom(self, value: float) -> None:
        self.store.setValue("look/zoom", float(value))

    @property
    def theme(self) -> str:
        from gui.look import THEMES

        return self._one_of("look/theme", THEMES, "light")

    @theme.setter
    def theme(self, name: str) -> None:
        self.store.setValue("look/theme", name)

    @property
    def layout(self) -> str | None:
        return self._one_of("window/layout", LAYOUTS, None)

    @layout.setter
    def layout(self, name: str) -> None:
        self.store.setValue("window/layout", name)

    def _bytes(self, key: str) -> QByteArray | None:
        v = self._get(key)
        return v if isinstance(v, QByteArray) and not v.isEmpty() else None

    @property
    def geometry(self) -> QByteArray | None:
        return self._bytes("window/geometry")

    @property
    def dock_state(self) -> QByteArray | None:
        return self._bytes("window/state")

    def save_window(self, geometry: QByteArray, state: QByteArray, layout: str) -> None:
        self.store.setValue("window/geometry", geometry)
        self.store.setValue("window/state", state)
        self.layout = layout

    @property
    def scenario(self) -> str | None:
        name = self._get("lesson/scenario")
        return name if isinstance(name, str) and name else None

    @scenario.setter
    def scenario(self, name: str | None) -> None:
        self.store.setValue("lesson/scenario", name or "")

    @property
    def scenario_folder(self) -> Path | None:
        """The folder chosen with Scenarios > Open scenario folder (read after Basin's and the
        user's), or None. A folder that has gone since is still returned: the scenario
        panel lists it as not found, which says what happened."""
        name = self._get("lesson/folder")
        return Path(name) if isinstance(name, str) and name.strip() and "\0" not in name else None

    @scenario_folder.setter
    def scenario_folder(self, folder: Path | str | None) -> None:
        self.store.setValue("lesson/folder", str(folder) if folder is not None else "")

    @property
    def landscape_view(self) -> str:
        return self._one_of("view3d/mode", LANDSCAPE_VIEWS, "contour")

    @landscape_view.setter
    def landscape_view(self, name: str) -> None:
        self.store.setValue("view3d/mode", name)

    @property
    def camera3d(self) -> dict:
        """The 3D view's camera, each value checked (``gui.view3d.check_camera``)."""
        from gui.view3d import camera_from_json

        return camera_from_json(self._get("view3d/camera"))

    @camera3d.setter
    def camera3d(self, cam: dict) -> None:
        from gui.view3d import camera_json

        self.store.setValue("view3d/camera", camera_json(cam))

    # -- the controls ----------------------------------------------------------------------
    def settings(self) -> Settings | None:
        """The controls as they were left, or None (never saved, or unusable: the reason
        is added to :attr:`problems`)."""
        text = self._get("controls/settings")
        if not isinstance(text, str) or not text:
            return None
        try:
            data = json.loads(text)
            return settings_from_dict(data)
        except (ValueError, TypeError, KeyError) as exc:
            self.problems.append(f"remembered controls not used: {exc}")
            return None

    def save_settings(self, settings: Settings) -> None:
        self.store.setValue("controls/settings", json.dumps(settings_to_dict(settings)))

    # -- the network view and the model shown ----------------------------------------------
    @property
    def model(self) -> str:
        """The view shown at the last close: "two" (two weights) or "network"."""
        from gui.session import MODELS

        return self._one_of("window/model", MODELS, "two")

    @model.setter
    def model(self, name: str) -> None:
        self.store.setValue("window/model", name)

    def net_settings(self) -> NetSettings | None:
        """The network view's controls as they were left, or None (never saved, or not a
        network session that reads: the defaults, silently)."""
        from gui.session import NetSession, SessionError, parse_session

        text = self._get("controls/network")
        if not isinstance(text, str) or not text:
            return None
        try:
            s = parse_session(text, "remembered network controls")
        except SessionError:
            return None
        return s.settings if isinstance(s, NetSession) else None

    def save_net_settings(self, settings: NetSettings) -> None:
        from gui.session import NetSession

        self.store.setValue("controls/network", NetSession(replace(settings, plane_request=0)).to_json())

    def sync(self) -> None:
        self.store.sync()


__all__ = ["APPLICATION", "LANDSCAPE_VIEWS", "LAYOUTS", "ORGANIZATION", "Prefs", "user_settings"]
