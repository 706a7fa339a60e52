"""Root conftest: keeps the repository's own runs on the emulated default bench.

The harness plugin (``harness.plugin``) is loaded through its pytest11 entry point; when no
``--bench``/``HARNESS_BENCH`` is given it uses the emulated default bench.
"""

# pytester for the plugin's own tests (tests/plugin). It must live here: pytest refuses
# ``pytest_plugins`` in a non-root conftest when a whole-tree run collects it.
pytest_plugins = ["pytester"]
