"""The BLAS-kernel warning: a forced older kernel is named in the report, a native one is not."""

from bench.report.document import Paragraph
from bench.report.sections import build_document
from bench.run.blas_kernels import cpu_level, older_kernels
from bench.store.records import Fight
from bench.store.run_folder import Run
from result_factory import case_result

HASWELL = {"library": "openblas 0.3.30", "architecture": "Haswell", "threads": 2}
SKYLAKEX = {"library": "openblas 0.3.30", "architecture": "SkylakeX", "threads": 2}


def test_the_cpu_level_is_its_widest_vector_instructions():
    assert cpu_level({"sse2", "avx", "avx2", "avx512f", "avx512bw"}) == "AVX-512"
    assert cpu_level({"sse2", "avx", "avx2"}) == "AVX2"
    assert cpu_level({"sse2", "avx"}) == "AVX"
    assert cpu_level(set()) == "SSE"


def test_older_kernels_are_those_below_the_cpu():
    assert older_kernels("AVX-512", [HASWELL, SKYLAKEX]) == ["openblas 0.3.30 Haswell (AVX2)"]
    assert older_kernels("AVX2", [HASWELL]) == []
    assert older_kernels("AVX-512", [{"library": "mkl", "architecture": None}]) == []


def _run(tmp_path, pools, level):
    result = case_result("moons", 0)
    for entry in result["fighters"].values():
        entry["process"] = {"blas": pools, "variables": {"OPENBLAS_CORETYPE": "Haswell"}}
    info = {
        "environment": {"cpu_vector_level": level, "variables": {"OPENBLAS_CORETYPE": "Haswell"}}
    }
    return Run(tmp_path, info, [Fight.from_json(result)])


def _warnings(run):
    document = build_document(run)
    return [b.text for b in document.blocks if isinstance(b, Paragraph) and b.lead == "Warning:"]


def test_the_report_warns_about_a_forced_older_kernel(tmp_path):
    (warning,) = _warnings(_run(tmp_path, [HASWELL], "AVX-512"))
    assert warning.startswith(
        "NumPy's BLAS ran openblas 0.3.30 Haswell (AVX2) kernels on a CPU with AVX-512, "
        "forced by OPENBLAS_CORETYPE=Haswell, in the workers of David, Keras."
    )


def test_no_warning_on_native_kernels_or_without_the_cpu_level(tmp_path):
    assert _warnings(_run(tmp_path, [SKYLAKEX], "AVX-512")) == []
    assert _warnings(_run(tmp_path, [HASWELL], None)) == []
