"""The hypothesis settings every fuzz test starts from: reproducible in CI, no deadline."""

from hypothesis import HealthCheck, settings

# derandomize: the same examples every run, so a red CI run is one anyone can repeat; no example
# database, so nothing is written into the clone.
FUZZ = settings(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
