"""Benchmarks and the city-scale generator. Importing this package gives a benchmark run bench-only keys
when none are set: the settings refuse to start without SECRET_KEY and the personal-data keys outside
DEBUG, and a benchmark must run as production does (DEBUG off). Never use these keys on a real site."""

import os

os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-bench-only-secret-key-0123456789")
os.environ.setdefault("GONGZHI_DATA_KEYS", "b1:YmVuY2gtb25seS1kYXRhLWtleS1ub3QtZm9yLXVzZSE=")
os.environ.setdefault("GONGZHI_INDEX_KEY", "bench-only-index-key")
