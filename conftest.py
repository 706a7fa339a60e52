"""Root conftest: keeps the repository's own runs on the emulated default bench.

The harness plugin (``harness.plugin``) is loaded through its pytest11 entry point; when no
``--bench``/``HARNESS_BENCH`` is given it uses the emulated default bench.
"""
