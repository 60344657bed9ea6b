"""The run's reading of the shipped profiles (totals only, without the per-layer rows: issue 17's start-up) gives
exactly the profiles of the full reading."""
from __future__ import annotations

from edgesim.profiles import catalog_profiles
from edgesim.yamlio import load_packaged, safe_load


def test_the_totals_reading_equals_the_full_reading():
    catalog_profiles._package_profiles.cache_clear()
    catalog_profiles._package.cache_clear()
    fast = catalog_profiles._package_profiles()
    assert catalog_profiles._package.cache_info().currsize == 0  # the layer rows were not parsed
    full, layers = catalog_profiles._package()
    assert fast == full and len(fast) > 50 and layers


def test_only_the_layer_rows_are_removed():
    text = catalog_profiles.PROFILES_PATH.read_text(encoding="utf-8")
    full = safe_load(text)
    for entry in full.values():
        entry.pop("layers", None)
    assert load_packaged(catalog_profiles.without_layer_rows(text)) == full
