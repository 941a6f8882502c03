"""The window's controls used in random order (a Hypothesis state machine): slider drags,
clicks on the contour plot, racers ticked and unticked, instant and animate modes, play,
step and reset, scenarios, landscapes, step counts, analyses started and cancelled, and
closing the window. After every action the picture is the last settings' (the frame, the
contour lines, the training curves and the status rows), no exception was raised, and at
the end no thread is left running (tests/gui/conftest.py checks every QThread)."""

from __future__ import annotations

import numpy as np
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test
from PySide6.QtCore import QPointF, Qt

from engine import LANDSCAPES
from engine.scenarios import load_scenarios
from tests.gui.conftest import open_window, wait_frame

# analytic landscapes only: a data model's surface takes seconds to sample, and the
# property is about the order of events, not about any one landscape
FAST = sorted(n for n, cls in LANDSCAPES.items() if not hasattr(cls, "n_train"))
SCENARIOS = sorted(n for n, sc in load_scenarios()[0].items() if sc.landscape in FAST)
WAIT_MS = 20000  # for a frame: a guard against a hang, not a speed test


def test_random_use_of_the_window_keeps_the_picture_true(qtbot) -> None:
    class Window(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.w = open_window(qtbot)
            self.closed = False
            self.internal: list[str] = []
            self.w.simulator.resultReady.connect(self._on_frame)

        def _on_frame(self, frame) -> None:
            if frame.error is not None and "internal error" in frame.error:
                self.internal.append(frame.error)

        def act(self, action) -> None:
            with qtbot.captureExceptions() as raised:
                action()
                qtbot.wait(1)  # let queued events run, as a person's next move would
            assert not raised, raised

        def row(self, i: int) -> tuple[int, str]:
            names = self.w.panel.settings.row_names()
            return i % len(names), names[i % len(names)]

        # -- what a person does ----------------------------------------------------------------
        @precondition(lambda self: not self.closed)
        @rule(i=st.integers(0, 9), where=st.floats(0, 1))
        def drag_alpha(self, i: int, where: float) -> None:
            _, name = self.row(i)
            slider = self.w.panel.editor(name).editors["alpha"].slider
            self.act(lambda: slider.setValue(round(slider.minimum() + where * (slider.maximum() - slider.minimum()))))

        @precondition(lambda self: not self.closed)
        @rule(i=st.integers(0, 9))
        def tick(self, i: int) -> None:
            index, _ = self.row(i)
            item = self.w.panel.opt_list.item(index)
            on = item.checkState() == Qt.CheckState.Checked
            self.act(lambda: item.setCheckState(Qt.CheckState.Unchecked if on else Qt.CheckState.Checked))

        @precondition(lambda self: not self.closed)
        @rule(fx=st.floats(0.05, 0.95), fy=st.floats(0.05, 0.95))
        def click_start(self, fx: float, fy: float) -> None:
            view = self.w.contour
            (xlo, xhi), (ylo, yhi) = self.w.frame.landscape.view[:2]
            scene = view.plot.vb.mapViewToScene(QPointF(xlo + fx * (xhi - xlo), ylo + fy * (yhi - ylo)))
            pos = view.mapFromScene(scene)
            self.act(lambda: qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=pos))

        @precondition(lambda self: not self.closed)
        @rule(button=st.sampled_from(["instant_button", "animate_button", "play_button", "step_button"]))
        def press(self, button: str) -> None:
            self.act(getattr(self.w.panel, button).click)

        @precondition(lambda self: not self.closed)
        @rule(name=st.sampled_from(SCENARIOS))
        def scenario(self, name: str) -> None:
            self.act(lambda: self.w.lessons.choose(name))

        @precondition(lambda self: not self.closed)
        @rule(name=st.sampled_from(FAST))
        def landscape(self, name: str) -> None:
            self.act(lambda: self.w.panel.landscape_combo.setCurrentText(name))

        @precondition(lambda self: not self.closed)
        @rule(steps=st.sampled_from([20, 150, 1500]))
        def steps(self, steps: int) -> None:
            box = self.w.panel.steps_box

            def type_steps() -> None:
                box.lineEdit().setText(str(steps))
                box.editingFinished.emit()

            self.act(type_steps)

        @precondition(lambda self: not self.closed)
        @rule(kind=st.sampled_from(["basins", "curvature", "phase", "sweep"]))
        def start_analysis(self, kind: str) -> None:
            an = self.w.analysis
            if kind in ("basins", "curvature"):
                action = getattr(an, f"{kind}_action")
                self.act(lambda: action.setChecked(not action.isChecked()))
            else:
                self.act(getattr(an, f"show_{kind}"))

        @precondition(lambda self: not self.closed)
        @rule()
        def cancel_analyses(self) -> None:
            self.act(self.w.analysis.cancel_all)

        @precondition(lambda self: not self.closed)
        @rule()
        def close(self) -> None:
            self.act(self.w.close)
            self.closed = True
            self.check_stopped()

        @precondition(lambda self: self.closed)
        @rule()
        def after_close(self) -> None:  # nothing left to use: the threads stay stopped
            qtbot.wait(20)
            self.check_stopped()

        # -- what must hold -------------------------------------------------------------------
        @invariant()
        def picture_is_the_last_settings(self) -> None:
            assert not self.internal, self.internal
            if self.closed:
                return
            w = self.w
            wait_frame(w, qtbot, WAIT_MS)
            f = w.frame
            assert f.settings == w.panel.settings
            assert w.contour.surface is f.surface and f.surface.key == f.settings.landscape_key
            assert len(f.tracks) == len(f.settings.enabled) == len(w.status_pane.rows)
            k = w.step
            assert 0 <= k <= f.settings.steps
            assert w.mode == ("animate" if w.panel.animate_button.isChecked() else "instant")
            if w.mode == "instant":  # the whole trajectory
                assert k == f.settings.steps and not w.playing
            for i, t in enumerate(f.tracks):
                x, y = w.contour.curves[i].getData()
                np.testing.assert_array_equal(np.c_[x, y], t.xy_upto(k))
                steps, loss, _grad = t.curves_upto(k)
                cx, cy = w.curves.loss_curves[i].getData()
                np.testing.assert_array_equal(cx, steps)
                np.testing.assert_array_equal(cy, loss)

        def check_stopped(self) -> None:
            assert not self.w.simulator.is_running() and not self.w.simulator.computing
            assert not self.w.analysis.threads_running()

        def teardown(self) -> None:
            if not self.closed:
                self.w.close()
                self.closed = True
                self.check_stopped()

    run_state_machine_as_test(
        Window,
        settings=settings(
            settings.default, max_examples=max(6, settings.default.max_examples // 10), stateful_step_count=12,
        ),
    )
