"""``battery`` as a discriminated union on its ``model`` key: one spec per discharge model, each taking only its own
keys (``cell`` on an ideal battery is an error), the YAML unchanged (no ``model``: ideal), and errors that name the
key as the file spells it (``battery.cell``, not pydantic's ``battery.ideal.cell``)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from edgesim.cli.schema import check_files
from edgesim.errors import ScenarioError
from edgesim.spec.load import check_as_written, parse_scenario
from edgesim.spec.schema import IdealBatterySpec, KibamBatterySpec, LiionBatterySpec, PeukertBatterySpec

BASE: dict[str, Any] = {
    "name": "b", "duration_s": 1.0,
    "cameras": [{"name": "cam", "width_px": 64, "height_px": 64, "fps": 10.0}],
    "models": [{"name": "m", "ops_per_pixel": 1000.0}],
    "compute_units": [{"name": "u", "kind": "cpu", "idle_power_w": 1.0, "max_power_w": 2.0, "peak_ops_per_s": {"int8": 1e9}}],
    "streams": [{"camera": "cam", "model": "m", "unit": "u"}],
}
MODELS = {"ideal": IdealBatterySpec, "peukert": PeukertBatterySpec, "kibam": KibamBatterySpec, "liion": LiionBatterySpec}
OWN = {"ideal": {}, "peukert": {"peukert_exponent": 1.2, "rated_hours": 20.0}, "kibam": {"kibam_k_per_s": 1e-4},
       "liion": {"cell": "lg_m50_nmc811", "series": 3}}


def _with(battery: Any) -> dict[str, Any]:
    return {**BASE, "battery": battery}


def _error(battery: Any) -> str:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(_with(battery), "f.yaml")
    text = str(info.value)
    assert "\n" not in text
    return text


@pytest.mark.parametrize("model", list(MODELS))
def test_each_model_validates_into_its_own_spec_with_its_keys(model: str) -> None:
    spec = parse_scenario(_with({"model": model, "capacity_wh": 55.8, **OWN[model]}), "f.yaml")
    assert type(spec.battery) is MODELS[model] and spec.battery.model == model
    for key, value in OWN[model].items():
        assert getattr(spec.battery, key) == value


def test_no_model_is_an_ideal_battery_as_before() -> None:
    spec = parse_scenario(_with({"capacity_wh": 10.0, "dcdc_efficiency": 0.9}), "f.yaml")
    assert isinstance(spec.battery, IdealBatterySpec) and spec.battery.model == "ideal"
    assert spec.battery.dcdc_efficiency == 0.9


@pytest.mark.parametrize("model,owner", [(m, o) for m in MODELS for o in ("peukert", "kibam", "liion") if m != o])
def test_another_models_key_is_an_error_naming_the_model_that_takes_it(model: str, owner: str) -> None:
    key, value = next(iter(OWN[owner].items()))
    text = _error({"model": model, "capacity_wh": 55.8, **OWN[model], key: value})
    assert text.startswith(f"f.yaml: battery.{key}: only for model {owner}, not model {model!r}"), text
    assert f"remove {key} or set model: {owner}" in text


def test_an_unknown_key_lists_the_keys_of_that_model() -> None:
    text = _error({"model": "ideal", "capacity_wh": 1.0, "bogus": 1})
    assert text.startswith("f.yaml: battery.bogus: unknown key for model ideal (allowed: ")
    allowed = text.split("(allowed: ")[1].rstrip(")").split(", ")
    assert allowed == sorted(IdealBatterySpec.model_fields)
    assert "cell" not in allowed and "kibam_k_per_s" not in allowed


@pytest.mark.parametrize("value", ["leadacid", 3, None])
def test_a_model_that_is_none_of_the_four_names_the_model_key(value: Any) -> None:
    text = _error({"model": value, "capacity_wh": 1.0})
    assert text == f"f.yaml: battery.model: Input should be 'ideal', 'peukert', 'kibam' or 'liion' (got {value!r})"


def test_a_bad_value_inside_a_model_names_the_field_without_the_tag() -> None:
    text = _error({"model": "peukert", "capacity_wh": 1.0, "peukert_exponent": 0.5})
    assert text.startswith("f.yaml: battery.peukert_exponent: Input should be greater than or equal to 1"), text
    assert "battery.peukert." not in text


def test_a_bad_value_under_an_override_says_so() -> None:
    data = _with({"model": "kibam", "capacity_wh": 1.0, "kibam_k_per_s": -1.0})
    with pytest.raises(ScenarioError) as info:
        check_as_written(data, "f.yaml", None, None, {("battery", "kibam_k_per_s"): "--set battery.kibam_k_per_s"})
    assert "battery.kibam_k_per_s:" in str(info.value) and "(in the file, before --set battery.kibam_k_per_s)" in str(info.value)


def test_the_json_schema_refuses_another_models_key(tmp_path: Path) -> None:
    pytest.importorskip("jsonschema")
    good, bad = tmp_path / "good.yaml", tmp_path / "bad.yaml"
    good.write_text(yaml.safe_dump(_with({"capacity_wh": 1.0})))
    bad.write_text(yaml.safe_dump(_with({"model": "ideal", "capacity_wh": 1.0, "cell": "lg_m50_nmc811"})))
    assert check_files([good]) == []
    assert [e.field.split(".")[0] for e in check_files([bad])] == ["battery"]
