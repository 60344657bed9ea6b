"""The sweep command: sweep files and user errors, the progress bar."""
from __future__ import annotations

import json

import pandas as pd
import yaml

from edgesim.cli import main as cli_main
from tests.sweeps.builders import small


def test_sweep_file_and_cli_user_errors(tmp_path, capsys):
    scenario = tmp_path / "s.yaml"
    scenario.write_text(yaml.safe_dump(small()))
    sweep_file = tmp_path / "w.yaml"
    sweep_file.write_text(yaml.safe_dump({
        "scenario": "s.yaml", "seed": 4, "replications": 2, "duration_s": 3,
        "parameters": {"cameras.cam.fps": [20, 40]}, "cases": {"a": {"compute_units.unit.idle_power_w": 0.5},
                                                               "b": {"compute_units.unit.idle_power_w": 1.5}},
        "out": "res", "pareto": {"system.inferences_per_j": "max", "max_p99_latency_ms": "min"},
    }))
    assert cli_main(["sweep", str(sweep_file), "--jobs", "1", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "Pareto front" in out and (tmp_path / "res" / "pareto.png").exists()
    df = pd.read_csv(tmp_path / "res" / "results.csv")
    assert len(df) == 8 and set(df["case"]) == {"a", "b"} and (df["duration_s"] == 3).all()
    assert cli_main(["fit", str(scenario), "--param", "cameras.cam.fps", "--range", "10:200", "--max-p99-ms", "1000",
                     "--max-drop-rate", "0", "--duration", "3", "--json", "--quiet"]) == 0
    assert json.loads(capsys.readouterr().out)["value"] >= 10
    bad = [
        (["sweep", str(scenario), "--set", "cameras.nope.fps=1,2"], "--set cameras.nope.fps: does not resolve"),
        (["sweep", str(scenario), "--set", "cameras.cam.fps"], "no '=' found"),
        (["sweep", str(tmp_path / "missing.yaml"), "--set", "cameras.cam.fps=1"], "file not found"),
        (["sweep", str(scenario), "--set", "cameras.cam.fps=1", "--pareto", "x:max"], "at least two objectives"),
        (["fit", str(scenario), "--param", "cameras.cam.fps", "--range", "5:1", "--max-p99-ms", "5"], "--range"),
        (["fit", str(scenario), "--param", "cameras.cam.fps", "--range", "1:5"], "at least one bound"),
        (["fit", str(scenario), "--param", "cameras.cam.fps", "--range", "1:5", "--constraint", "nosuch<=1",
          "--duration", "1"], "no result column 'nosuch'"),
    ]
    for argv, message in bad:
        code = cli_main(argv)
        err = capsys.readouterr().err
        assert code == 2, argv
        assert message in err and err.count("\n") == 1 and "Traceback" not in err, (argv, err)
    bad_file = tmp_path / "bad.yaml"
    bad_file.write_text(yaml.safe_dump({"scenario": "s.yaml", "parameters": {"cameras.cam.fps": {"uniform": [1, 2]}}}))
    assert cli_main(["sweep", str(bad_file)]) == 2
    assert "needs mode: random" in capsys.readouterr().err


def test_progress_bar_counts_and_eta():
    import io

    from edgesim.sweeps.progress import Progress

    stream = io.StringIO()
    bar = Progress(10, skipped=2, enabled=True, stream=stream)
    bar.update(ok=True)
    bar.update(ok=False)
    bar.close()
    text = stream.getvalue()
    assert "4/10" in text and "failed 1" in text and "(2 resumed)" in text and "ETA" in text
    quiet = io.StringIO()
    Progress(5, stream=quiet).close()  # not a TTY: nothing
    assert quiet.getvalue() == ""
