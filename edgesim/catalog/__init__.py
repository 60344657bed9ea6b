"""Cited device and model catalogs (``data/*.yaml``) and their loader."""
from edgesim.catalog.loader import (
    ENV_VAR,
    Catalog,
    CatalogDevice,
    CatalogMeasured,
    CatalogModel,
    CatalogUnit,
    load_catalog,
)

__all__ = [
    "ENV_VAR",
    "Catalog",
    "CatalogDevice",
    "CatalogMeasured",
    "CatalogModel",
    "CatalogUnit",
    "load_catalog",
]
