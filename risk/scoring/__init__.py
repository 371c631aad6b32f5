"""Exposure scoring models from the project's seed papers, as pure NumPy/SciPy functions.

Modules:

- ``dp3t``: DP-3T/SwissCovid exposure score from GAEN attenuation buckets
  (DP-3T Team, "Exposure Score Calculation - Summary", 27 May 2020).
- ``inria``: Inria RR-9345 RSSI -> risk chain (Gorce, Egan, Gribonval, May 2020):
  gain compensation, contact buffering and filtering, windowed linear mean,
  erfc and piecewise-linear scores, cumulative/mean/softmax scores and the
  server-side aggregation into an infection probability.
- ``settings``: the ``RISK_<MODEL>_<NAME>`` Django settings reader the models'
  ``params`` dataclasses use.

Nothing here touches a database; the models are documented in ``docs/risk-models.md``.
"""
