"""The test suite; its folders mirror the packages. Shared helpers live in tests/support."""
