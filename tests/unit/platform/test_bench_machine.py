"""bench/common.py ``machine()``: every benchmark result names the host, including the CPU's vector extensions
(the same CPU model name ran MoveNet twice as fast on a host with AVX-512)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import common


def test_the_machine_names_its_vector_extensions(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(
        "processor\t: 0\nmodel name\t: AMD EPYC\nflags\t\t: fpu sse2 avx2 fma avx512f bmi2\n\n"
        "processor\t: 1\nmodel name\t: other\nflags\t\t: fpu\n",
        encoding="utf-8",
    )
    real_open = open
    monkeypatch.setattr(
        "builtins.open", lambda path, *a, **k: real_open(cpuinfo if path == "/proc/cpuinfo" else path, *a, **k)
    )
    host = common.machine()
    assert host["cpu"] == "AMD EPYC"
    assert host["cpu_vector_flags"] == ["avx2", "fma", "avx512f"]
    assert host["nproc"] and host["python"]


def test_without_cpuinfo_the_machine_is_unknown(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_file(*_: object, **__: object) -> None:
        raise OSError("no /proc here")

    monkeypatch.setattr("builtins.open", no_file)
    host = common.machine()
    assert (host["cpu"], host["cpu_vector_flags"]) == ("unknown", [])
