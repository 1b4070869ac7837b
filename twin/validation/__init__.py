"""Published figures recomputed with twin's own physics, for docs/validation.md.

``radiator_budget``  the Starcloud white paper's radiator balance per square metre, and twin's
``eclipse_season``   a dawn-dusk SSO's eclipse season with the spherical and the WGS-84 Earth
``battery_ageing``   the xu2018 ageing model's LEO capacity curve beside published space-cell lives
"""
