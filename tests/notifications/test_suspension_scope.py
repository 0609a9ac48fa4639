"""Issue 13: a replay (`simulate`, `load_demo`) suspends deliveries and metrics for its own thread
only — never for another request the same process is serving at that moment."""

import threading

from core.metrics import _suspended as metrics_suspended
from notifications.services import _suspended as deliveries_suspended_now
from notifications.services import deliveries_suspended


def test_a_replay_suspends_only_its_own_thread_and_nesting_restores():
    seen: dict[str, bool] = {}
    inside, done = threading.Event(), threading.Event()

    def another_request() -> None:
        inside.wait(5)
        seen.update(deliveries=deliveries_suspended_now.get(), metrics=metrics_suspended.get())
        done.set()

    thread = threading.Thread(target=another_request)
    thread.start()
    with deliveries_suspended():
        with deliveries_suspended():
            assert deliveries_suspended_now.get() and metrics_suspended.get()
        assert deliveries_suspended_now.get() and metrics_suspended.get()  # the outer one still holds
        inside.set()
        done.wait(5)
    thread.join(5)

    assert seen == {"deliveries": False, "metrics": False}
    assert not deliveries_suspended_now.get() and not metrics_suspended.get()
