"""What the menus do while each model is shown (View > Model): no entry acts silently on the
view that is hidden.

An entry either acts on the view shown (File > Export figure, animation and CSV, the
animation, zoom and theme, the landscape view, Save as scenario, Show the whole view ...), or
shows the two-weight view first and then acts there (a landscape of the Landscape menu, a
two-weight scenario, the theory panel's "try this" values), or belongs to the two-weight view
alone: then while the network is shown it is disabled, its tooltip and status tip saying
why, and it comes back as it was with the two-weight view. Entries whose name says what
they act on are renamed for the network (the CSV of training curves, not trajectories).

The two-weight view's own docks (its analyses, its curvature readouts) hide with it and come
back with it: their controls too would act on what is not shown.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu
from shiboken6 import isValid

NETWORK_TABS = "the network's own are in its 'Curvature and symmetry' tab"


def stripped(text: str) -> str:
    """An action's text as Qt's default tooltip shows it (no mnemonic '&', no trailing '…')."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").removesuffix("…").removesuffix("...")


class ModelActions(QObject):
    """The window's menus in each model's view (module docstring). ``two_only`` lists each
    entry of the two-weight view alone with why; :meth:`set_model` applies a model."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        an = window.analysis
        why_analysis = "the analyses rerun the two-weight race over a grid of starts or settings"
        self.two_only: list[tuple[QAction, str]] = [
            (an.basins_action, "a basin map colours each start on the plane of the two weights"),
            (an.curvature_action, f"the Hessian's directions at each head on the two weights' plane; {NETWORK_TABS}"),
            (an.field_action, "arrows of the gradient over the plane of the two weights"),
            (an.phase_action, why_analysis),
            (an.sweep_action, why_analysis),
            (an.dock.toggleViewAction(), why_analysis),
            (an.cancel_action, "it stops the two-weight view's analyses (each running one has its Cancel in the "
                               "status bar)"),
            (an.export_action, "the analyses are the two-weight view's"),
            (window.readout_dock.toggleViewAction(), f"the Hessian at the two-weight racers' heads; {NETWORK_TABS}"),
            (window.undo_action, "undo steps are the two-weight controls' changes (the network's controls have "
                                 "no undo yet)"),
            (window.redo_action, "undo steps are the two-weight controls' changes (the network's controls have "
                                 "no undo yet)"),
        ]
        self.renamed: list[tuple[QAction, str, str]] = [  # action, its text for the network, its status tip
            (window.files.csv_action, "Export training &curves as CSV…",
             "each racer's loss, validation loss, gradient norm and accuracies at every step"),
            (window.reset_view_action, "Show the whole &data and slice",
             "the data and the weight plane's slice as they were first shown, after zooming into them"),
        ]
        for a, _why in self.two_only:  # a menu shows an entry's tooltip only when asked to
            for menu in a.associatedObjects():
                if isinstance(menu, QMenu):
                    menu.setToolTipsVisible(True)
        self._saved: dict[QAction, tuple[str, str, bool]] = {}
        self._texts: dict[QAction, tuple[str, str]] = {}
        self.docks = (an.dock, window.readout_dock)
        self._docks_open: dict[object, bool] = {}
        self.model = "two"
        # undo and redo enable themselves when the undo stack changes: not while the network is shown
        window.undo_stack.canUndoChanged.connect(self._keep_off)
        window.undo_stack.canRedoChanged.connect(self._keep_off)

    def set_model(self, model: str) -> None:
        """Disable and rename for ``"network"``, restore for ``"two"`` (see the module docstring)."""
        if model == self.model:
            return
        self.model = model
        network = model == "network"
        for a, why in self.two_only:
            if network:
                self._saved[a] = (a.toolTip(), a.statusTip(), a.isEnabled())
                tip = f"two weights only: {why}"
                a.setEnabled(False)
                a.setToolTip(tip)
                a.setStatusTip(tip)
            elif a in self._saved:
                tooltip, status, enabled = self._saved.pop(a)
                a.setToolTip("" if tooltip == stripped(a.text()) else tooltip)  # "": Qt's default, the text
                a.setStatusTip(status)
                a.setEnabled(self._enabled_again(a, enabled))
        for a, text, status in self.renamed:
            if network:
                self._texts[a] = (a.text(), a.statusTip())
                a.setText(text)
                a.setStatusTip(status)
            elif a in self._texts:
                old_text, old_status = self._texts.pop(a)
                a.setText(old_text)
                a.setStatusTip(old_status)
        for dock in self.docks:
            if network:
                self._docks_open[dock] = not dock.isHidden()  # (also for a tab not on top, and before the window shows)
                dock.hide()
            elif self._docks_open.pop(dock, False):
                dock.show()

    def docks_arranged(self) -> None:
        """The docks were laid out again (View > Layout, leaving presentation mode), which
        shows them: while the network is shown, the two-weight ones go again (and come back
        with the two-weight view)."""
        if self.model != "network":
            return
        for dock in self.docks:
            if not dock.isHidden():
                self._docks_open[dock] = True
                dock.hide()

    def two_weight_state(self, save):
        """``save()`` (the window's saveState) with the two-weight docks as that view has them:
        while the network is shown, those it hid are shown for the moment of saving."""
        if self.model != "network":
            return save()
        hidden = [d for d in self.docks if self._docks_open.get(d, False) and d.isHidden()]
        for d in hidden:
            d.show()
        try:
            return save()
        finally:
            for d in hidden:
                d.hide()

    def _enabled_again(self, a: QAction, enabled: bool) -> bool:
        stack = self.window.undo_stack
        if a is self.window.undo_action:
            return stack.canUndo()
        if a is self.window.redo_action:
            return stack.canRedo()
        return enabled

    @Slot(bool)
    def _keep_off(self, _can: bool) -> None:
        if self.model != "network":
            return
        for a in (self.window.undo_action, self.window.redo_action):
            if isValid(a):  # (the stack empties itself as the window is deleted, after its actions)
                a.setEnabled(False)


__all__ = ["ModelActions", "stripped"]
