"""The busy-machine warning: a run measured under other load says so at the top of its report."""

from bench.report.document import Paragraph
from bench.report.sections import build_document
from bench.run.machine_load import LoadWatch, busy_warning
from bench.store.records import Fight
from bench.store.run_folder import Run
from result_factory import case_result


def test_the_run_s_own_load_is_not_busy_but_other_work_is():
    assert busy_warning(2.0, 2) is None  # one fighter with two threads on two cores
    assert busy_warning(3.0, 2) is None  # at the limit, 1.5 x cores
    assert busy_warning(8.64, 2).startswith(
        "the machine was busy: the 1-minute load average reached 8.64 on 2 cores"
    )
    assert busy_warning(None, 2) is None and busy_warning(9.0, None) is None


def test_a_watch_keeps_the_highest_sample():
    watch = LoadWatch()
    first = watch.highest
    watch.sample()
    assert watch.highest is not None and watch.highest >= first


def test_the_report_opens_with_the_warning(tmp_path):
    fights = [Fight.from_json(case_result("moons", 0))]
    busy = Run(tmp_path, {"load_average_max": 8.64, "environment": {"cores": 2}}, fights)
    quiet = Run(tmp_path, {"load_average_max": 1.9, "environment": {"cores": 2}}, fights)

    def warnings(run):
        blocks = build_document(run).blocks
        return [b.text for b in blocks if isinstance(b, Paragraph) and b.lead == "Warning:"]

    (warning,) = warnings(busy)
    assert warning.startswith("The machine was busy: the 1-minute load average reached 8.64")
    assert warnings(quiet) == []


def test_a_resumed_run_keeps_the_busiest_load_of_its_parts():
    assert LoadWatch(earlier=1000.0).highest == 1000.0  # nothing today reaches it
    assert isinstance(LoadWatch(earlier="not a number").highest, float)  # a bad record is ignored
