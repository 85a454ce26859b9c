"""``opsconsole graph DEFINITION --out FILE``: rendering without a window, exit codes, one-line reasons."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from opsconsole import graphcli

DATA = Path(__file__).resolve().parents[1] / "data" / "asl"
VALID = sorted(DATA.glob("*.json"))
INVALID = json.loads((DATA / "invalid" / "expected.json").read_text(encoding="utf-8"))


def run_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "opsconsole.graphcli", *args], capture_output=True, text=True,
                          timeout=120, env=env if env is not None else {**os.environ, "QT_QPA_PLATFORM": "offscreen"})


def states_in(path: Path) -> int:
    from opsconsole.core.executions.asl import state_names

    return len(state_names(path.read_text(encoding="utf-8")))


def test_png_from_the_command_line(tmp_path):
    out = tmp_path / "distributed.png"
    result = run_cli(str(DATA / "distributed_map.json"), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"wrote {out} (10 states)"
    assert result.stderr == ""
    assert not QImage(str(out)).isNull()


def test_svg_without_any_display_picks_the_offscreen_platform(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")}
    out = tmp_path / "deep.svg"
    result = run_cli(str(DATA / "deep_nesting.json"), "--out", str(out), env=env)
    assert result.returncode == 0, result.stderr
    assert "Tokenise" in "".join(ET.parse(out).getroot().itertext())


def test_invalid_definition_from_the_command_line(tmp_path):
    result = run_cli(str(DATA / "invalid" / "unknown_type.json"), "--out", str(tmp_path / "x.png"))
    assert result.returncode == 2
    assert result.stderr == 'opsconsole graph: States.Train: Type "Taks" is not a state type\n'
    assert not (tmp_path / "x.png").exists()


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_every_valid_definition_renders(qapp, tmp_path, capsys, path, suffix):
    out = tmp_path / (path.stem + suffix)
    assert graphcli.main([str(path), "--out", str(out)]) == 0
    assert out.stat().st_size > 0
    assert capsys.readouterr().out == f"wrote {out} ({states_in(path)} states)\n"


@pytest.mark.parametrize("name", sorted(INVALID), ids=lambda n: n.removesuffix(".json"))
def test_every_invalid_definition_exits_2_with_its_reason(qapp, tmp_path, capsys, name):
    out = tmp_path / "x.png"
    assert graphcli.main([str(DATA / "invalid" / name), "--out", str(out)]) == 2
    captured = capsys.readouterr()
    assert captured.err == f"opsconsole graph: {INVALID[name]}\n"
    assert captured.out == "" and not out.exists()


def test_missing_input_file_exits_1(qapp, tmp_path, capsys):
    assert graphcli.main([str(tmp_path / "nope.json"), "--out", str(tmp_path / "x.png")]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"opsconsole graph: cannot read {tmp_path / 'nope.json'}: ") and err.count("\n") == 1


def test_unwritable_output_exits_1(qapp, tmp_path, capsys):
    out = tmp_path / "no-such-folder" / "x.svg"
    assert graphcli.main([str(DATA / "catch_and_retry.json"), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"opsconsole graph: cannot write {out}: ") and err.count("\n") == 1


def test_output_must_be_png_or_svg(qapp, tmp_path, capsys):
    assert graphcli.main([str(DATA / "catch_and_retry.json"), "--out", str(tmp_path / "x.jpg")]) == 2
    assert ".png or .svg" in capsys.readouterr().err


def test_width_sets_the_png_width(qapp, tmp_path, capsys):
    out = tmp_path / "narrow.png"
    assert graphcli.main([str(DATA / "distributed_map.json"), "--out", str(out), "--width", "400"]) == 0
    assert QImage(str(out)).width() == 400
    assert graphcli.main([str(DATA / "distributed_map.json"), "--out", str(out), "--width", "0"]) == 2


def test_usage_errors_exit_2(qapp, capsys):
    assert graphcli.main([]) == 2
    assert "usage: opsconsole graph" in capsys.readouterr().err
    assert graphcli.main(["--help"]) == 0
    assert "--out" in capsys.readouterr().out


def installed_script() -> Path:
    """The ``opsconsole`` program the installer put next to this interpreter (the console one on Windows)."""
    import sysconfig
    from importlib.metadata import entry_points

    name = "opsconsole-cli" if sys.platform == "win32" else "opsconsole"
    group = "console_scripts" if sys.platform == "win32" else "gui_scripts"
    [declared] = [ep for ep in entry_points(group=group) if ep.name == name]
    assert declared.value == "opsconsole.app:main"
    script = Path(sysconfig.get_path("scripts")) / (f"{name}.exe" if sys.platform == "win32" else name)
    assert script.is_file(), f"{script} is not installed: pip install -e '.[test]'"
    return script


def test_the_installed_opsconsole_graph_command_renders_and_refuses_as_a_user_sees_it(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    script = installed_script()
    out = tmp_path / "retry.svg"
    done = subprocess.run([str(script), "graph", str(DATA / "catch_and_retry.json"), "--out", str(out)],
                          capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"wrote {out} (8 states)"
    assert ET.parse(out).getroot().tag.endswith("svg")
    png = tmp_path / "retry.png"
    drawn = subprocess.run([str(script), "graph", str(DATA / "catch_and_retry.json"), "--out", str(png), "--width",
                            "640"], capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path)
    assert drawn.returncode == 0, drawn.stderr
    assert drawn.stdout.strip() == f"wrote {png} (8 states)"
    image = QImage(str(png))
    assert image.width() == 640 and image.height() > 0
    refused = subprocess.run([str(script), "graph", str(DATA / "invalid" / "next_and_end.json"), "--out",
                              str(tmp_path / "bad.svg")], capture_output=True, text=True, timeout=120, env=env,
                             cwd=tmp_path)
    assert refused.returncode == 2 and refused.stdout == ""
    assert refused.stderr.strip() == f"opsconsole graph: {INVALID['next_and_end.json']}"
    assert not (tmp_path / "bad.svg").exists()
