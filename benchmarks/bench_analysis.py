"""Analysis speed and memory: prints figures; never part of the test pass/fail.

(a) basin map, 256 x 256 starts x 500 steps, gd (alpha 0.01) on himmelblau (target <= 0.3 s)
(b) the coarse preview, 64 x 64 starts, same run (target <= 30 ms)
(c) (alpha, mu) map, 64 x 64 settings x 500 steps, momentum, on quadratic and himmelblau
    (target <= 1 s)
(d) peak memory of a 512 x 512 basin map x 500 steps: numpy's allocations traced by
    tracemalloc in this process, and the peak resident set (VmHWM) of a fresh process that
    computes only that map (target < 500 MB)
(e) the window, offscreen, basins on: from an alpha change to the finished frame of the
    trajectories, to the coarse basin picture, and to the refined one; and the longest stall
    of the GUI thread's event loop meanwhile (a 2 ms timer measures it), on himmelblau and on
    the two-tanh network (the time budget at its 3 s default)

This VM is noisy (the same numpy call varies by +-40% between processes), so each figure is
run several times: median and best are printed.

Run: python benchmarks/bench_analysis.py [--repeat N] [--no-window]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from bench_engine import timed  # noqa: E402  (this folder is on the path of a script run)

from engine import make_landscape, make_optimizer  # noqa: E402
from engine.analysis import basin_map, phase_map  # noqa: E402


def bench_basins(repeat: int) -> None:
    L = make_landscape("himmelblau")
    gd = make_optimizer("gd", alpha=0.01)
    med, best = timed(lambda: basin_map(L, gd, 256, 500), repeat)
    print(f"(a) basin map 256x256 x 500 steps, gd on himmelblau: median {med:.3f} s, best {best:.3f} s"
          "   (target <= 0.3 s)")
    med, best = timed(lambda: basin_map(L, gd, 64, 500), repeat)
    print(f"(b) coarse preview 64x64 x 500 steps:             median {med * 1e3:.1f} ms, best {best * 1e3:.1f} ms"
          "   (target <= 30 ms)")


def bench_phase(repeat: int) -> None:
    for name, start in (("quadratic", (-1.8, 1.0)), ("himmelblau", (0.0, 0.0))):
        L = make_landscape(name)
        med, best = timed(lambda L=L, start=start: phase_map(L, start, 500, n=64), repeat)
        print(f"(c) (alpha, mu) map 64x64 x 500 steps, momentum on {name:<10}: median {med:.3f} s, "
              f"best {best:.3f} s   (target <= 1 s)")


def _map_512() -> None:
    basin_map(make_landscape("himmelblau"), make_optimizer("gd", alpha=0.01), 512, 500)


def bench_memory() -> None:
    tracemalloc.start()
    t = time.perf_counter()
    _map_512()
    took = time.perf_counter() - t
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    code = (
        f"import sys; sys.path[:0] = [{str(ROOT)!r}, {str(ROOT / 'benchmarks')!r}]; "
        "from benchmarks.bench_analysis import _map_512, peak_rss_mb; "
        "base = peak_rss_mb(); _map_512(); print(base, peak_rss_mb())"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    base, rss = (float(x) for x in out)
    print(f"(d) 512x512 map x 500 steps ({took:.2f} s): traced numpy/Python peak {peak / 2**20:.0f} MB; "
          f"fresh process peak RSS {rss:.0f} MB ({base:.0f} MB of it before the map)   (target < 500 MB)")


def peak_rss_mb() -> float:
    """This process's peak resident set in MB: VmHWM on Linux (``ru_maxrss`` of a child
    counts the parent's memory at the fork), else ``ru_maxrss``."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_window(repeat: int) -> None:
    from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from gui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    w = MainWindow()
    w.resize(1600, 1000)
    w.show()
    an = w.analysis

    def run_until(cond, timeout: float = 60.0) -> None:
        loop = QEventLoop()
        t = time.perf_counter()
        while not cond() and time.perf_counter() - t < timeout:
            loop.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)

    def settled() -> bool:
        r = an.results["basins"]
        return (w.frame is not None and w.frame.generation == w.simulator.generation and r is not None
                and r.plan.final and not an.runners["basins"].busy and r.spec == an.wanted("basins"))

    class Stall:
        """The longest gap between ticks of a 2 ms timer: how long the GUI thread was busy."""

        def __init__(self) -> None:
            self.clock = QElapsedTimer()
            self.timer = QTimer()
            self.timer.setInterval(2)
            self.timer.timeout.connect(self.tick)
            self.worst = 0.0

        def start(self) -> None:
            self.worst = 0.0
            self.clock.start()
            self.timer.start()

        def tick(self) -> None:
            self.worst = max(self.worst, self.clock.restart() / 1000.0)

        def stop(self) -> float:
            self.timer.stop()
            return self.worst

    stall = Stall()
    for landscape, alphas, basins in (
        ("himmelblau", (0.004, 0.006), False), ("himmelblau", (0.005, 0.007), True), ("two-tanh", (0.3, 0.5), True)
    ):
        w.panel.landscape_combo.setCurrentText(landscape)
        run_until(lambda name=landscape: w.contour.surface is not None and w.contour.surface.key[0] == name)
        w.panel.select_optimizer("gd")
        if not basins:
            frame_t, stalls = [], []
            for i in range(repeat):
                t0 = time.perf_counter()
                stall.start()
                w.panel.apply_hyper({"alpha": alphas[i % 2]}, "gd")
                run_until(lambda: w.frame is not None and w.frame.generation == w.simulator.generation)
                frame_t.append(time.perf_counter() - t0)
                app.processEvents()
                stalls.append(stall.stop())
            print(f"(e) window, basins off, {landscape}: alpha change -> trajectories drawn median "
                  f"{statistics.median(frame_t) * 1e3:.0f} ms (best {min(frame_t) * 1e3:.0f}); longest GUI stall "
                  f"median {statistics.median(stalls) * 1e3:.0f} ms, worst {max(stalls) * 1e3:.0f} ms")
            continue
        an.basins_action.setChecked(True)
        run_until(settled)
        frame_t, coarse_t, final_t, stalls, grids = [], [], [], [], []
        for i in range(repeat):
            alpha = alphas[i % 2]
            marks: dict[str, float] = {}
            t0 = time.perf_counter()

            def on_frame(_g: int, marks=marks, t0=t0) -> None:
                marks.setdefault("frame", time.perf_counter() - t0)

            def on_result(_r: object, marks=marks, t0=t0) -> None:
                marks.setdefault("coarse", time.perf_counter() - t0)

            w.frameShown.connect(on_frame)
            an.runners["basins"].resultReady.connect(on_result)
            stall.start()
            w.panel.apply_hyper({"alpha": alpha}, "gd")
            run_until(settled)
            stalls.append(stall.stop())
            final_t.append(time.perf_counter() - t0)
            w.frameShown.disconnect(on_frame)
            an.runners["basins"].resultReady.disconnect(on_result)
            frame_t.append(marks.get("frame", float("nan")))
            coarse_t.append(marks.get("coarse", float("nan")))
            grids.append(an.results["basins"].shape[0])
        med = statistics.median
        frame_t = [t for t in frame_t if t == t] or [float("nan")]  # a repeated value draws no frame
        coarse_t = [t for t in coarse_t if t == t] or [float("nan")]
        print(f"(e) window, basins on, {landscape}: alpha change -> trajectories drawn median "
              f"{med(frame_t) * 1e3:.0f} ms (best {min(frame_t) * 1e3:.0f}); -> coarse basins median "
              f"{med(coarse_t) * 1e3:.0f} ms "
              f"(best {min(coarse_t) * 1e3:.0f}); -> finest ({max(grids)}x{max(grids)}) median {med(final_t):.2f} s; "
              f"longest GUI stall median {med(stalls) * 1e3:.0f} ms, worst {max(stalls) * 1e3:.0f} ms")
        an.basins_action.setChecked(False)
    w.close()
    app.processEvents()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=7)
    p.add_argument("--no-window", action="store_true", help="skip (e), the window figures")
    args = p.parse_args()
    print(f"numpy {np.__version__}, {os.cpu_count()} CPUs, {args.repeat} runs per figure")
    bench_basins(args.repeat)
    bench_phase(args.repeat)
    bench_memory()
    if not args.no_window:
        bench_window(max(3, args.repeat // 2))
    print(f"    (this process: peak RSS {peak_rss_mb():.0f} MB)")


if __name__ == "__main__":
    main()
