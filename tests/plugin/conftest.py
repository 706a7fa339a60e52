"""The plugin's tests run tiny suites through ``pytester`` (enabled in the root conftest)."""
