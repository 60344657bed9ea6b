"""Time-varying ambient temperature and solar heat, and the exact response of a thermal network to them.

Profiles (time ``t`` in s from the start of the run):

* :class:`DailySineAmbient`: ``T_amb(t) = mean + A cos(2 pi (t - t_peak) / period)``.
* :class:`PiecewiseLinearAmbient`: linear between ``(t_k, T_k)`` points (e.g. from a weather CSV), held
  at the end values.
* :class:`SolarLoad`: absorbed solar heat ``P_sun(t) = P_peak sin(pi (t - sunrise) / (sunset - sunrise))``
  by day, 0 by night, repeating daily (a clear-sky half-sine; peak absorbed power = absorptivity x area x
  peak irradiance, all the caller's parameters).

Each profile hands out, for an interval starting at ``t0``, a :class:`Forcing` valid until its next
breakpoint (a CSV point, sunrise, sunset): ``u(s) = offset + slope s + amplitude cos(omega s + phase)`` for
``s`` in ``[0, length]``.

Exact response (:func:`step_with_forcing`): a network ``C dT/dt = -G T + g_amb T_amb(t) + P + q P_sun(t)``
(``g_amb`` the node-to-ambient conductances, ``q`` the share of the sun heat on each node) becomes, in the
modal coordinates of ``S = C^-1/2 G C^-1/2 = V diag(lambda) V^T``, independent scalar equations
``y' = -lambda y + c0 + c1 s + sum_k a_k cos(w_k s + p_k)`` solved in closed form:

* ramp: ``y = e^{-lambda s} y0 + (1 - e^{-lambda s}) (c0 / lambda - c1 / lambda^2) + c1 s / lambda``
* cosine: ``y_p(s) = a (lambda cos(w s + p) + w sin(w s + p)) / (lambda^2 + w^2)`` plus
  ``(y0 - y_p(0)) e^{-lambda s}``.

For one node this gives the textbook results: the response to a daily sine has amplitude
``A / sqrt(1 + (omega R C)^2)`` and lags by ``atan(omega R C) / omega``. Networks with linear leakage
folded in (``leakage_w_per_k``) are not covered: their constant term depends on ``T_amb``.

Pure numpy/stdlib; no SimPy.
"""
from __future__ import annotations

import bisect
import csv
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from edgesim.physics.thermal import ThermalNetwork
from edgesim.textfile import InputFileError, read_input_text

__all__ = [
    "Forcing",
    "DailySineAmbient",
    "PiecewiseLinearAmbient",
    "SolarLoad",
    "step_with_forcing",
    "SECONDS_PER_DAY",
]

SECONDS_PER_DAY = 86400.0


@dataclass(frozen=True)
class Forcing:
    """``u(s) = offset + slope s + amplitude cos(omega s + phase)`` for ``0 <= s <= length_s``.

    Units: ``offset`` and ``amplitude`` in the profile's unit (degC or W), ``slope`` per s, ``omega`` rad/s.
    """

    offset: float
    slope_per_s: float = 0.0
    amplitude: float = 0.0
    omega_rad_per_s: float = 0.0
    phase_rad: float = 0.0
    length_s: float = math.inf

    def value(self, s: float) -> float:
        """``u(s)``."""
        return (self.offset + self.slope_per_s * s
                + self.amplitude * math.cos(self.omega_rad_per_s * s + self.phase_rad))


@dataclass(frozen=True)
class DailySineAmbient:
    """``T_amb(t) = mean_c + amplitude_c cos(2 pi (t - peak_time_s) / period_s)``, degC.

    Parameters
    ----------
    mean_c, amplitude_c : float
        Daily mean and half the peak-to-peak swing, degC / K.
    peak_time_s : float
        Time of the daily maximum, s from the start of the run (15:00 = 54000 s if the run starts at
        midnight).
    period_s : float
        Period, s (a day).
    """

    mean_c: float
    amplitude_c: float
    peak_time_s: float = 15.0 * 3600.0
    period_s: float = SECONDS_PER_DAY

    def temp_c(self, t_s: float) -> float:
        """Ambient at ``t_s``, degC."""
        return self.mean_c + self.amplitude_c * math.cos(2.0 * math.pi * (t_s - self.peak_time_s) / self.period_s)

    def forcing(self, t0_s: float) -> Forcing:
        """The profile from ``t0_s`` on (no breakpoints)."""
        omega = 2.0 * math.pi / self.period_s
        return Forcing(self.mean_c, 0.0, self.amplitude_c, omega, omega * (t0_s - self.peak_time_s))


@dataclass(frozen=True)
class PiecewiseLinearAmbient:
    """Ambient linear between points ``(times_s[k], temps_c[k])``, held constant outside them."""

    times_s: tuple[float, ...]
    temps_c: tuple[float, ...]

    def __post_init__(self) -> None:
        if len(self.times_s) != len(self.temps_c) or not self.times_s:
            raise ValueError("times_s, temps_c: need the same number (>= 1) of points")
        if any(b <= a for a, b in zip(self.times_s, self.times_s[1:])):
            raise ValueError("times_s: must increase strictly")
        object.__setattr__(self, "times_s", tuple(float(t) for t in self.times_s))
        object.__setattr__(self, "temps_c", tuple(float(t) for t in self.temps_c))

    @classmethod
    def from_csv(cls, path: str | Path, time_column: str = "time_s", temp_column: str = "temp_c"
                 ) -> PiecewiseLinearAmbient:
        """Read a CSV with a header naming ``time_column`` (s) and ``temp_column`` (degC)."""
        times: list[float] = []
        temps: list[float] = []
        try:  # UTF-8 with or without a BOM, CRLF or LF; binary, huge or a directory refused in one line
            text = read_input_text(path)
        except InputFileError as exc:
            raise ValueError(str(exc)) from None
        reader = csv.DictReader(io.StringIO(text, newline=""))
        try:
            if reader.fieldnames is None or time_column not in reader.fieldnames or temp_column not in reader.fieldnames:
                raise ValueError(f"{path}: needs columns {time_column!r} and {temp_column!r}, "
                                 f"found {reader.fieldnames}")
            for row in reader:
                try:
                    times.append(float(row[time_column]))
                    temps.append(float(row[temp_column]))
                except (TypeError, ValueError):
                    raise ValueError(f"{path}:{reader.line_num}: not a number in {row!r}") from None
        except csv.Error as exc:
            raise ValueError(f"{path}:{reader.line_num}: not a readable CSV row ({exc})") from None
        if not all(math.isfinite(v) for v in (*times, *temps)):
            raise ValueError(f"{path}: times and temperatures must be finite numbers (no nan or inf)")
        return cls(tuple(times), tuple(temps))

    def temp_c(self, t_s: float) -> float:
        """Ambient at ``t_s``, degC."""
        return float(np.interp(t_s, self.times_s, self.temps_c))

    def forcing(self, t0_s: float) -> Forcing:
        """The linear piece that holds from ``t0_s`` to the next point."""
        k = bisect.bisect_right(self.times_s, t0_s)
        if k == 0:
            return Forcing(self.temps_c[0], length_s=self.times_s[0] - t0_s)
        if k == len(self.times_s):
            return Forcing(self.temps_c[-1])
        t_a, t_b = self.times_s[k - 1], self.times_s[k]
        slope = (self.temps_c[k] - self.temps_c[k - 1]) / (t_b - t_a)
        return Forcing(self.temp_c(t0_s), slope, length_s=t_b - t0_s)


@dataclass(frozen=True)
class SolarLoad:
    """Absorbed sun heat: ``peak_w sin(pi (t - sunrise) / (sunset - sunrise))`` by day, 0 by night, W.

    Parameters
    ----------
    peak_w : float
        Absorbed power at solar noon, W (absorptivity x exposed area x peak irradiance: the caller's).
    sunrise_s, sunset_s : float
        Times of day, s after midnight (0 <= sunrise < sunset <= period).
    period_s : float
        A day, s. Time 0 of the run is midnight.
    """

    peak_w: float
    sunrise_s: float = 6.0 * 3600.0
    sunset_s: float = 18.0 * 3600.0
    period_s: float = SECONDS_PER_DAY

    def __post_init__(self) -> None:
        if not self.peak_w >= 0.0:
            raise ValueError(f"peak_w: must be >= 0, got {self.peak_w!r}")
        if not 0.0 <= self.sunrise_s < self.sunset_s <= self.period_s:
            raise ValueError("sunrise_s, sunset_s: need 0 <= sunrise < sunset <= period")

    def power_w(self, t_s: float) -> float:
        """Absorbed power at ``t_s``, W."""
        tod = t_s % self.period_s
        if not self.sunrise_s <= tod < self.sunset_s:
            return 0.0
        return self.peak_w * math.sin(math.pi * (tod - self.sunrise_s) / (self.sunset_s - self.sunrise_s))

    def forcing(self, t0_s: float) -> Forcing:
        """Day piece (a cosine) or night piece (0) from ``t0_s`` to the next sunrise or sunset."""
        day0 = math.floor(t0_s / self.period_s) * self.period_s
        tod = t0_s - day0
        if tod < self.sunrise_s:
            return Forcing(0.0, length_s=self.sunrise_s - tod)
        if tod >= self.sunset_s:
            return Forcing(0.0, length_s=self.period_s - tod + self.sunrise_s)
        omega = math.pi / (self.sunset_s - self.sunrise_s)
        # sin(x) = cos(x - pi/2), x = omega (tod + s - sunrise)
        return Forcing(0.0, 0.0, self.peak_w, omega, omega * (tod - self.sunrise_s) - math.pi / 2.0,
                       length_s=self.sunset_s - tod)


def _modal_response(lam: np.ndarray, y0: np.ndarray, c0: np.ndarray, c1: np.ndarray,
                    cos_terms: Sequence[tuple[np.ndarray, float, float]], s: float) -> np.ndarray:
    """``y' = -lam y + c0 + c1 s + sum a cos(w s + p)`` from ``y0`` after ``s`` (exact, per mode)."""
    decay = np.exp(-lam * s)
    grow = -np.expm1(-lam * s)  # 1 - e^{-lam s}
    y = y0 * decay + grow * (c0 / lam - c1 / lam ** 2) + c1 * s / lam
    for a, w, p in cos_terms:
        den = lam * lam + w * w

        def particular(t: float, a: np.ndarray = a, w: float = w, p: float = p, den: np.ndarray = den) -> np.ndarray:
            return a * (lam * math.cos(w * t + p) + w * math.sin(w * t + p)) / den

        y = y + particular(s) - particular(0.0) * decay
    return y


def step_with_forcing(
    net: ThermalNetwork,
    temp_c: np.ndarray | Sequence[float],
    power_w: np.ndarray | Sequence[float],
    dt_s: float,
    ambient: Forcing,
    sun: Forcing | None = None,
    sun_share: np.ndarray | Sequence[float] | None = None,
) -> np.ndarray:
    """Node temperatures after ``dt_s`` with a time-varying ambient (and sun heat), exact.

    Parameters
    ----------
    net : ThermalNetwork
        The network (without folded leakage); its own ``ambient_c`` is ignored.
    temp_c : array of float
        Node temperatures at the start, degC.
    power_w : array of float
        Constant heat of each node, W.
    dt_s : float
        Interval, s; must not exceed the forcings' ``length_s`` (their next breakpoint).
    ambient : Forcing
        Ambient temperature over the interval, degC.
    sun, sun_share : Forcing and array of float, optional
        Sun heat over the interval, W, and the fraction of it absorbed by each node.
    """
    if not dt_s >= 0.0:
        raise ValueError(f"dt_s: must be >= 0, got {dt_s!r}")
    for name, f in (("ambient", ambient), ("sun", sun)):
        if f is not None and dt_s > f.length_s * (1.0 + 1e-12):
            raise ValueError(f"{name}: the interval ({dt_s} s) runs past the forcing's breakpoint ({f.length_s} s)")
    cap = net.capacity_j_per_k
    g = net.conductance_w_per_k
    g_amb = net.ambient_conductance_w_per_k
    n = cap.size
    inv_sqrt_c = 1.0 / np.sqrt(cap)
    lam, v = np.linalg.eigh(inv_sqrt_c[:, None] * g * inv_sqrt_c[None, :])
    to_modes = v.T * np.sqrt(cap)[None, :]  # T -> y
    to_temp = inv_sqrt_c[:, None] * v
    project = v.T * inv_sqrt_c[None, :]  # heat (W) -> modal input
    p = np.asarray(power_w, dtype=float)
    share = np.zeros(n) if sun_share is None else np.asarray(sun_share, dtype=float)
    # constant, ramp and cosine parts of the heat input, W per node
    c0 = project @ (p + g_amb * ambient.offset + (share * sun.offset if sun is not None else 0.0))
    c1 = project @ (g_amb * ambient.slope_per_s + (share * sun.slope_per_s if sun is not None else 0.0))
    cos_terms: list[tuple[np.ndarray, float, float]] = []
    if ambient.amplitude:
        cos_terms.append((project @ (g_amb * ambient.amplitude), ambient.omega_rad_per_s, ambient.phase_rad))
    if sun is not None and sun.amplitude:
        cos_terms.append((project @ (share * sun.amplitude), sun.omega_rad_per_s, sun.phase_rad))
    y0 = to_modes @ np.asarray(temp_c, dtype=float)
    return to_temp @ _modal_response(lam, y0, c0, c1, cos_terms, dt_s)
