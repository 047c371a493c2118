from tests.e2e.conftest import http, stack  # noqa: F401 - the same local stack fixtures
