"""Calibration of the device performance model from public measurements.

Modules: :mod:`.devices` (name aliases, datasheets), :mod:`.measurements` (read and validate a CSV),
:mod:`.model_features` (cost profiles of measured models), :mod:`.fit` (robust fit of one engine),
:mod:`.prior` (priors learnt across engines of a kind), :mod:`.predict` (the compile step's entry point),
:mod:`.command` (``edgesim calibrate``).
"""
from edgesim.calibration.measurements import Measurement, MeasurementsError, read_measurements

__all__ = ["Measurement", "MeasurementsError", "read_measurements"]
